"""The sdist of a maturin project, made without setuptools.

setuptools cannot read a maturin project, so its sdist is written here: every file
of the project folder but what a build leaves behind (version-control folders,
cargo's ``target/``, ``build/``, ``dist/``, virtual environments, caches, modules
built in place), and ``PKG-INFO``, the wheel's METADATA. Entries are sorted, dated
by the build date and owned by no one, so the same tree gives the same sdist.

A crate that needs folders outside the project (the binding of a Rust workspace:
``pyproject.toml`` in ``py/``, the workspace root one folder up, a path dependency
``../core``) takes them along: the sdist is rooted at the folder that holds them all,
every file keeps its place relative to the others (so no Cargo.toml is rewritten),
the workspace's members and path dependencies are carried whole, and the sdist's
own ``pyproject.toml``, a copy of the project's, names the project's folder
(``[tool.buildrs-sdist] project``), where the backend then builds.
"""

from __future__ import annotations

import gzip
import io
import os
import tarfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from buildrs.config.manifest import load_toml, workspace_root
from buildrs.errors import ConfigError
from buildrs.plan.context import ProjectContext

from .metadata import wheel_name_parts
from .part import read_project

__all__ = ["SDIST_TABLE", "build_sdist", "sdist_files"]

SDIST_TABLE = "buildrs-sdist"
"""The table of an sdist's ``pyproject.toml`` that names the project's folder in it."""

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
_WORKSPACE_FILES = ("Cargo.toml", "Cargo.lock", "rust-toolchain", "rust-toolchain.toml")


def _skipped(name: str) -> bool:
    return name in _SKIPPED_DIRS or name.startswith(".venv") or name.endswith(".egg-info")


def _path_entries(folder: Path, tables: Iterable[Any]) -> Iterator[Path]:
    for table in tables:
        for entry in table.values() if isinstance(table, dict) else []:
            if isinstance(entry, dict) and isinstance(entry.get("path"), str):
                yield (folder / entry["path"]).resolve()


def _dependency_tables(data: Mapping[str, Any]) -> list[Any]:
    tables = [data.get(k) for k in ("dependencies", "build-dependencies", "dev-dependencies")]
    for spec in (data.get("target") or {}).values():
        if isinstance(spec, dict):
            tables += [spec.get(k) for k in ("dependencies", "build-dependencies")]
    return tables


def _members(root: Path, table: Mapping[str, Any]) -> Iterator[Path]:
    """The folders of a workspace's members (``members`` globs, less ``exclude``)."""
    excluded = {(root / e).resolve() for e in table.get("exclude") or [] if isinstance(e, str)}
    for pattern in table.get("members") or []:
        if isinstance(pattern, str):
            for found in sorted(root.glob(pattern)):
                if (found / "Cargo.toml").is_file() and found.resolve() not in excluded:
                    yield found.resolve()


def crate_folders(context: ProjectContext) -> tuple[list[Path], list[Path]]:
    """``(crates, workspaces)``: every crate folder the targets need (path dependencies
    and workspace members, followed through), and their workspaces' root folders."""
    crates: list[Path] = []
    workspaces: list[Path] = []
    queue = [(context.root / t.path).resolve().parent for t in context.targets]
    while queue:
        folder = queue.pop()
        if folder in crates:
            continue
        crates.append(folder)
        data = load_toml(folder / "Cargo.toml", "Cargo.toml")
        queue += _path_entries(folder, _dependency_tables(data))
        top, manifest = workspace_root(folder, data)
        if top not in workspaces:
            workspaces.append(top)
            table = manifest.get("workspace") or {}
            queue += _members(top, table)
            queue += _path_entries(top, [table.get("dependencies")])
            if "package" in manifest:
                queue.append(top)
    return crates, workspaces


def _walk(folder: Path, module: str) -> Iterator[Path]:
    for here, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not _skipped(d))
        for name in files:
            if name.endswith(_NATIVE) and name.startswith((f"{module}.", f"lib{module}.")):
                continue
            path = Path(here) / name
            if path.is_file():
                yield path


def sdist_files(context: ProjectContext) -> tuple[Path, list[Path]]:
    """``(top, files)``: the folder the sdist is rooted at, and the files it holds
    (absolute), sorted: the project's and those of the crates outside it."""
    root = context.root.resolve()
    module = context.maturin.extension if context.maturin else ""
    crates, workspaces = crate_folders(context)
    outside = [c for c in crates if not c.is_relative_to(root)]
    outside += [w for w in workspaces if not w.is_relative_to(root)]
    top = Path(os.path.commonpath([root, *outside]))
    if top == Path(top.anchor):
        raise ConfigError(
            f"{root}: the crates it builds lie in folders with no common folder but the "
            f"file system's root ({', '.join(map(str, outside))}); an sdist cannot hold them"
        )
    found = set(_walk(root, module))
    for folder in (c for c in crates if c in outside):
        found.update(_walk(folder, module))
    for folder in (w for w in workspaces if w in outside):
        found.update(folder / n for n in _WORKSPACE_FILES if (folder / n).is_file())
        found.update(_walk(folder / ".cargo", module))
    return top, sorted(found, key=lambda p: p.relative_to(top).as_posix())


def _sdist_pyproject(root: Path, top: Path) -> bytes:
    """The sdist's own pyproject.toml, where the project is in a folder of it."""
    text = (root / "pyproject.toml").read_text(encoding="utf-8")
    where = root.relative_to(top).as_posix()
    return f'{text.rstrip()}\n\n[tool.{SDIST_TABLE}]\nproject = "{where}"\n'.encode()


def build_sdist(context: ProjectContext, out: Path) -> Path:
    """The sdist of the maturin project ``context`` in ``out``."""
    project = read_project(context)
    name, version = wheel_name_parts(project.metadata.name, project.metadata.version)
    prefix = f"{name}-{version}"
    root = context.root.resolve()
    top, files = sdist_files(context)
    written: list[tuple[str, bytes, Path | None]] = [
        ("PKG-INFO", project.metadata.metadata.encode("utf-8"), None)
    ]
    if top != root:
        written.append(("pyproject.toml", _sdist_pyproject(root, top), None))
    own = {name for name, _, _ in written}
    entries: list[tuple[str, bytes, Path | None]] = [
        (p.relative_to(top).as_posix(), p.read_bytes(), p) for p in files
    ]
    entries = [entry for entry in entries if entry[0] not in own] + written
    return _write(out / f"{prefix}.tar.gz", prefix, sorted(entries), context.build_date.epoch)


def _write(
    sdist: Path, prefix: str, entries: list[tuple[str, bytes, Path | None]], epoch: int
) -> Path:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for relative, data, source in entries:
            info = tarfile.TarInfo(f"{prefix}/{relative}")
            info.size = len(data)
            info.mtime = epoch
            executable = source is not None and os.access(source, os.X_OK)
            info.mode = 0o755 if executable else 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            archive.addfile(info, io.BytesIO(data))
    sdist.parent.mkdir(parents=True, exist_ok=True)
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
