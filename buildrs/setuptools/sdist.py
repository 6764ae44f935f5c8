"""What an sdist needs so that cargo can build it: no MANIFEST.in required.

cargo is asked for the files: ``cargo metadata --no-deps`` names the workspace,
its members and their path dependencies, and ``cargo package --list`` names each
package's files (honouring ``include``/``exclude`` and .gitignore).  With
vendoring, ``cargo vendor`` copies every dependency into the sdist and the
configuration it prints is merged into the sdist's ``.cargo/config.toml``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

from buildrs import process
from buildrs.config.targets import TargetSettings
from buildrs.errors import ConfigError

__all__ = ["cargo_files", "is_module_artifact", "merge_cargo_config", "vendor"]

log = logging.getLogger("buildrs")

# Files cargo reads beside a workspace or crate, when they exist.
_CONFIG_FILES = (
    "Cargo.lock",
    ".cargo/config.toml",
    ".cargo/config",
    "rust-toolchain.toml",
    "rust-toolchain",
)
# Produced by `cargo package` itself, never present in a source tree.
_GENERATED = {"Cargo.toml.orig", ".cargo_vcs_info.json"}
# Build output that a package listing made outside git may contain.
_NEVER = {"target", "build", "dist", ".git"}


def _metadata(cargo: str, manifest: Path) -> dict[str, object]:
    result = process.run(
        [cargo, "metadata", "--no-deps", "--format-version", "1", "--manifest-path", str(manifest)],
        cwd=manifest.parent,
    )
    data: dict[str, object] = json.loads(result.stdout)
    return data


def _package_list(cargo: str, manifest: Path) -> list[Path]:
    result = process.run(
        [cargo, "package", "--list", "--allow-dirty", "--manifest-path", str(manifest)],
        cwd=manifest.parent,
        quiet=True,
    )
    root = manifest.parent
    listed = (root / line.strip() for line in result.stdout.splitlines() if line.strip())
    return [path for path in listed if path.name not in _GENERATED and path.is_file()]


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def is_module_artifact(path: str | Path, targets: Sequence[TargetSettings]) -> bool:
    """Whether ``path`` is a built extension module of one of ``targets``."""
    name = Path(path).name
    modules = {t.module_name for t in targets if not t.is_bin}
    return name.endswith((".so", ".pyd")) and name.split(".")[0] in modules


def cargo_files(targets: Sequence[TargetSettings], project_dir: Path, cargo: str) -> list[str]:
    """Every file cargo needs to build ``targets``, relative to ``project_dir`` (posix)."""
    root = project_dir.resolve()
    queue = [(root / t.path).resolve() for t in targets]
    seen_manifests: set[Path] = set()
    files: set[Path] = set()
    while queue:
        manifest = queue.pop()
        if manifest.is_dir():
            manifest = manifest / "Cargo.toml"
        if manifest in seen_manifests:
            continue
        seen_manifests.add(manifest)
        if not _inside(manifest, root):
            raise ConfigError(
                f"{manifest}: this crate (a path dependency) lies outside the project "
                f"directory {root}, so it cannot be put in the sdist. Move it inside the "
                "project, or depend on a published version."
            )
        metadata = _metadata(cargo, manifest)
        workspace_root = Path(str(metadata["workspace_root"])).resolve()
        for directory in {workspace_root, manifest.parent, root}:
            files.update(directory / name for name in _CONFIG_FILES)
        files.add(workspace_root / "Cargo.toml")
        packages = metadata.get("packages")
        assert isinstance(packages, list)
        for package in packages:
            package_manifest = Path(package["manifest_path"]).resolve()
            seen_manifests.add(package_manifest)
            files.update(_package_list(cargo, package_manifest))
            for dependency in package.get("dependencies", []):
                if dependency.get("path"):
                    queue.append(Path(dependency["path"]).resolve() / "Cargo.toml")
    kept: list[str] = []
    for path in files:
        if not path.is_file() or not _inside(path, root) or is_module_artifact(path, targets):
            continue
        relative = path.relative_to(root)
        if relative.parts[0] in _NEVER or relative.parts[0].endswith(".egg-info"):
            continue
        kept.append(relative.as_posix())
    return sorted(kept)


def merge_cargo_config(existing: str, vendor_config: str, where: str) -> str:
    """The user's ``.cargo/config.toml`` text with cargo vendor's source tables added."""
    tables = {line.strip() for line in vendor_config.splitlines() if line.strip().startswith("[")}
    clash = [line.strip() for line in existing.splitlines() if line.strip() in tables]
    if clash:
        raise ConfigError(
            f"{where}: already configures {', '.join(clash)}, which vendoring needs to set; "
            "remove the source replacement from it, or build the sdist without vendoring"
        )
    parts = [
        existing.rstrip(),
        "# Added by buildrs: build from the vendored sources.",
        vendor_config.strip(),
    ]
    return "\n\n".join(part for part in parts if part) + "\n"


def vendor(release_dir: Path, manifests: Iterable[Path], cargo: str, project_dir: Path) -> None:
    """Vendor the dependencies of ``manifests`` into ``release_dir/vendor`` and point
    ``release_dir/.cargo/config.toml`` at them."""
    unique = sorted({m.resolve() for m in manifests})
    first, rest = unique[0], unique[1:]
    argv = [cargo, "vendor", "--manifest-path", str(first)]
    for manifest in rest:
        argv += ["--sync", str(manifest)]
    argv.append("vendor")
    result = process.run(argv, cwd=release_dir)
    config_dir = release_dir / ".cargo"
    config_dir.mkdir(exist_ok=True)
    target = config_dir / "config.toml"
    user_config = project_dir / ".cargo" / "config.toml"
    existing = user_config.read_text(encoding="utf-8") if user_config.is_file() else ""
    merged = merge_cargo_config(existing, result.stdout, str(user_config))
    if target.exists():
        target.unlink()  # a hard link to the user's file: never write through it
    target.write_text(merged, encoding="utf-8")
    log.info("buildrs: vendored the crates' dependencies into the sdist")
