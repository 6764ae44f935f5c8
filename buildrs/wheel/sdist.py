"""The sdist of a maturin project, made without setuptools.

setuptools cannot read a maturin project, so its sdist is written here: every file
of the project folder but what a build leaves behind (version-control folders,
cargo's ``target/``, ``build/``, ``dist/``, virtual environments, caches, modules
built in place), and ``PKG-INFO``, the wheel's METADATA. Entries are sorted, dated
by the build date and owned by no one, so the same tree gives the same sdist. The
crate, its workspace and its path dependencies must lie inside the project folder
(the sdist must build again from itself); one outside stops the build, naming it.
"""

from __future__ import annotations

import gzip
import io
import os
import tarfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from buildrs.config.manifest import load_toml, workspace_root
from buildrs.errors import ConfigError
from buildrs.plan.context import ProjectContext

from .metadata import wheel_name_parts
from .part import read_project

__all__ = ["build_sdist", "sdist_files"]

_SKIPPED_DIRS = {
    ".git",
    ".hg",
    ".svn",
    "target",
    "build",
    "dist",
    "__pycache__",
    "venv",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    "node_modules",
}
_NATIVE = (".so", ".pyd", ".dll", ".dylib")


def _skipped(name: str) -> bool:
    return name in _SKIPPED_DIRS or name.startswith(".venv") or name.endswith(".egg-info")


def _path_dependencies(manifest: Path, data: Mapping[str, Any]) -> Iterator[Path]:
    tables: list[Any] = [data.get(k) for k in ("dependencies", "build-dependencies")]
    tables += [data.get("dev-dependencies")]
    for spec in (data.get("target") or {}).values():
        if isinstance(spec, dict):
            tables += [spec.get(k) for k in ("dependencies", "build-dependencies")]
    for table in tables:
        for entry in (table or {}).values() if isinstance(table, dict) else []:
            if isinstance(entry, dict) and isinstance(entry.get("path"), str):
                yield (manifest.parent / entry["path"]).resolve()


def _check_inside(context: ProjectContext) -> None:
    """Stop where the crate needs a folder outside the project."""
    root = context.root.resolve()
    for target in context.targets:
        manifest = (root / target.path).resolve()
        data = load_toml(manifest, "Cargo.toml")
        workspace, shared = workspace_root(manifest.parent, data)
        outside = [workspace] if not workspace.is_relative_to(root) else []
        outside += [p for p in _path_dependencies(manifest, data) if not p.is_relative_to(root)]
        if workspace != manifest.parent:
            members = _path_dependencies(workspace / "Cargo.toml", shared.get("workspace") or {})
            outside += [p for p in members if not p.is_relative_to(root)]
        if outside:
            raise ConfigError(
                f"{manifest}: the crate needs {outside[0]}, which lies outside the project "
                f"folder {root}, so an sdist of the folder would not build; buildrs does "
                "not yet move outside folders into a maturin project's sdist: build the "
                "sdist with maturin, or move pyproject.toml to the workspace root"
            )


def sdist_files(context: ProjectContext) -> list[Path]:
    """The project's files the sdist holds, relative to the project, sorted."""
    root = context.root
    module = context.maturin.extension if context.maturin else ""
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not _skipped(d))
        for name in files:
            if name.endswith(_NATIVE) and name.startswith((f"{module}.", f"lib{module}.")):
                continue
            path = Path(folder) / name
            if path == root / "PKG-INFO":
                continue  # written anew
            if path.is_file():
                found.append(path.relative_to(root))
    return sorted(found, key=lambda p: p.as_posix())


def build_sdist(context: ProjectContext, out: Path) -> Path:
    """The sdist of the maturin project ``context`` in ``out``."""
    _check_inside(context)
    project = read_project(context)
    name, version = wheel_name_parts(project.metadata.name, project.metadata.version)
    top = f"{name}-{version}"
    epoch = context.build_date.epoch
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        entries: list[tuple[str, bytes, Path | None]] = [
            (p.as_posix(), (context.root / p).read_bytes(), context.root / p)
            for p in sdist_files(context)
        ]
        entries.append(("PKG-INFO", project.metadata.metadata.encode("utf-8"), None))
        for relative, data, source in sorted(entries):
            info = tarfile.TarInfo(f"{top}/{relative}")
            info.size = len(data)
            info.mtime = epoch
            executable = source is not None and os.access(source, os.X_OK)
            info.mode = 0o755 if executable else 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            archive.addfile(info, io.BytesIO(data))
    out.mkdir(parents=True, exist_ok=True)
    sdist = out / f"{top}.tar.gz"
    temp = sdist.with_name(f".{sdist.name}.{os.getpid()}.tmp")
    try:
        with (
            open(temp, "wb") as raw,
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=epoch) as compressed,
        ):
            compressed.write(buffer.getvalue())
        os.replace(temp, sdist)
    finally:
        temp.unlink(missing_ok=True)
    return sdist
