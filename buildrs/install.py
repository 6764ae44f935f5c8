"""Put built files in place, atomically.

A file is copied to a temporary name beside its destination and then renamed
over it with ``os.replace``, so a reader (or an interrupted build) never sees a
half-written extension module, and a module that is already loaded keeps its
old file.
"""

from __future__ import annotations

import logging
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO

from .errors import ArtifactError

__all__ = ["copy_generated", "install_file", "remove_stale_modules", "write_text"]

log = logging.getLogger("buildrs")

_MODULE_SUFFIXES = (".so", ".pyd")


def _atomic_write(destination: Path, write: Callable[[IO[bytes]], None], executable: bool) -> Path:
    destination.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(
        prefix=f".{destination.name}.", suffix=".tmp", dir=destination.parent
    )
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
        temp.chmod((0o755 if executable else 0o644) & ~_umask())
        os.replace(temp, destination)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return destination


def install_file(source: Path, destination: Path, executable: bool = False) -> Path:
    """Copy ``source`` to ``destination`` atomically and return ``destination``."""

    def copy(out: IO[bytes]) -> None:
        with source.open("rb") as src:
            shutil.copyfileobj(src, out)

    return _atomic_write(destination, copy, executable or os.access(source, os.X_OK))


def write_text(destination: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``destination`` atomically and return ``destination``."""

    def write(out: IO[bytes]) -> None:
        out.write(text.encode("utf-8"))

    return _atomic_write(destination, write, False)


def remove_stale_modules(module: Path) -> list[Path]:
    """Remove other builds of the extension module ``module`` from its directory.

    ``_native.abi3.so`` left by an earlier build would otherwise sit beside (and,
    by import order, shadow or be shadowed by) ``_native.cpython-311-...so``.
    Only files named ``<module name>.<tag>.so`` / ``.pyd`` are touched.
    """
    stem = module.name.split(".")[0]
    removed = []
    for sibling in module.parent.glob(f"{stem}.*"):
        if sibling != module and sibling.suffix in _MODULE_SUFFIXES and sibling.is_file():
            sibling.unlink()
            log.info("buildrs: removed %s, an earlier build of the same module", sibling)
            removed.append(sibling)
    return removed


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current & (stat.S_IWGRP | stat.S_IWOTH)


def _inside(path: Path, base: Path) -> bool:
    return path.resolve().is_relative_to(base.resolve())


def copy_generated(
    out_dir: Path | None,
    mapping: Mapping[str, str],
    package_root: Path,
    where: str,
    tree: Path | None = None,
) -> list[Path]:
    """Copy files a build script wrote to ``out_dir`` into Python packages.

    ``mapping`` maps a path inside ``OUT_DIR`` (file or directory) to a dotted
    package; ``package_root`` is the directory the dotted names are relative to.
    Nothing is read from outside ``out_dir`` or written outside ``tree`` (default:
    ``package_root``), symbolic links resolved. Returns the files written.
    """
    written: list[Path] = []
    if not mapping:
        return written
    if out_dir is None:
        raise ArtifactError(
            f"{where}: generated_files is set, but cargo ran no build script for the crate, "
            "so there is no OUT_DIR to copy from. Add a build.rs that writes them."
        )
    tree = tree or package_root
    for inside, package in sorted(mapping.items()):
        source = out_dir / inside
        target_dir = package_root.joinpath(*package.split(".")) if package else package_root
        pairs: list[tuple[Path, Path]] = []
        if source.is_dir():
            for path in sorted(source.rglob("*")):
                if path.is_file():
                    pairs.append((path, target_dir / source.name / path.relative_to(source)))
        elif source.is_file():
            pairs.append((source, target_dir / source.name))
        for src, dest in pairs:
            if not _inside(src, out_dir):
                raise ArtifactError(
                    f"{where}: generated file {src} resolves to {src.resolve()}, outside the "
                    f"build script's OUT_DIR {out_dir}; it is not copied"
                )
            if not _inside(dest, tree):
                raise ArtifactError(
                    f"{where}: refusing to write {dest}: it resolves outside {tree}"
                )
            written.append(install_file(src, dest))
        if not pairs and not source.exists():
            raise ArtifactError(
                f"{where}: generated file {inside!r} was not written by the build script "
                f"(looked in {out_dir})"
            )
    return written
