"""The Python files of a maturin project's wheel, found as maturin finds them.

Every file of each package folder in ``python-source`` (hidden ones too), but a
module an in-place build left there (``<module>.*.so`` and its kin) and
``__pycache__`` folders; the files maturin writes for a pure-Rust layout; the files
``include`` names, found from the project folder, else from ``python-source``, and
placed relative to ``python-source`` where they lie in it; less the files
``exclude`` names, each pattern matched as a ``.gitignore`` line against the file's
path in the wheel and in the project folder, file by file (``*.txt`` at any depth,
``python/pkg/tests/**`` from the top; ``pkg/tests/``, a folder, leaves out
nothing); and the ``data`` folder's files in the wheel's ``.data``.
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Iterable
from pathlib import Path

from buildrs.config.maturin import MaturinLayout

from .pyfiles import PythonFiles

__all__ = ["excluded", "maturin_files"]

_NATIVE = (".so", ".pyd", ".dll", ".dylib", ".pdb", ".dwp")


def _regex(pattern: str) -> re.Pattern[str] | None:
    """A ``.gitignore`` line as a regular expression over one ``/``-separated file path,
    matched as maturin matches it (file by file, never through a folder): a pattern
    without a ``/`` matches the name at any depth, one with a ``/`` from the top,
    ``**`` spans folders, and a pattern ending in ``/`` names folders, so no file."""
    if pattern.endswith("/"):
        return None
    anchored = "/" in pattern
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(("" if anchored else "(?:.*/)?") + out.lstrip("/"))


def excluded(paths: Iterable[str], patterns: Iterable[str]) -> bool:
    """Whether a file is left out by one of ``patterns``, matched against each of its
    ``paths`` (maturin matches both the file's path in the project and in the wheel)."""
    compiled = [r for r in (_regex(p.lstrip("/")) for p in patterns) if r is not None]
    return any(r.fullmatch(path) for r in compiled for path in paths)


def _included(root: Path, python_dir: Path, pattern: str) -> dict[str, Path]:
    """The files ``pattern`` names, by their path in the wheel."""
    for base in dict.fromkeys((root, python_dir)):
        found = [
            Path(m)
            for m in glob.glob(os.path.join(glob.escape(str(base)), pattern), recursive=True)
            if os.path.isfile(m)
        ]
        if found:
            return {
                (
                    f.relative_to(python_dir)
                    if f.is_relative_to(python_dir) and python_dir != root
                    else f.relative_to(base)
                ).as_posix(): f
                for f in found
            }
    return {}


def _paths(name: str, source: Path, root: Path) -> tuple[str, ...]:
    """The paths ``exclude`` patterns are matched against: the file's path in the wheel,
    and its own relative to the project folder where it lies there."""
    own = (source.relative_to(root).as_posix(),) if source.is_relative_to(root) else ()
    return (name, *own)


def maturin_files(root: Path, layout: MaturinLayout, data_dir: str) -> PythonFiles:
    """The Python part of the maturin project in ``root`` (``data_dir``: the wheel's
    ``.data`` folder)."""
    data: dict[str, Path] = {}
    base = layout.python_dir
    for package in layout.packages:
        for folder, dirs, files in os.walk(base / package):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                if name.endswith(_NATIVE) and name.startswith(
                    (f"{layout.extension}.", f"lib{layout.extension}.")
                ):
                    continue
                source = Path(folder) / name
                data[source.relative_to(base).as_posix()] = source
    data.update(layout.copied)
    for pattern in layout.include:
        data.update(_included(root.resolve(), base, pattern))
    data = {
        name: source
        for name, source in data.items()
        if not excluded(_paths(name, source, root.resolve()), layout.exclude)
    }
    generated = {n: c for n, c in layout.generated.items() if not excluded([n], layout.exclude)}
    tops = sorted({name.split("/")[0] for name in [*data, *generated]})
    if layout.data is not None:
        for folder, _, files in os.walk(layout.data, followlinks=True):
            for name in sorted(files):
                source = Path(folder) / name
                data[f"{data_dir}/{source.relative_to(layout.data).as_posix()}"] = source
    where = os.path.relpath(base, root.resolve())
    mapping = {"": where} if where != "." else {}
    return PythonFiles({}, data, tuple(tops), mapping, None, generated)
