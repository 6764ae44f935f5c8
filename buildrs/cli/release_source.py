"""The sdist a release's wheels are built from: built with the project's backend,
then unpacked into ``build/buildrs/release-source/`` so that every wheel of the
release comes from what the sdist holds (a file missing from it fails the build).

The folder is updated, not remade: a file whose bytes are the same keeps its
modification time, so cargo finds the crates fresh and a second release compiles
nothing; a changed file is written anew (and compiled again); a file the sdist no
longer holds is removed. Its ``build/`` folder is the wheel builds' own (the last
wheels, ``wheel.cache``) and is kept.
"""

from __future__ import annotations

import filecmp
import json
import os
import shutil
import sys
import tarfile
import tempfile
from collections.abc import Mapping
from pathlib import Path

from buildrs import folders, process
from buildrs.errors import ConfigError

__all__ = ["build_sdist", "unpacked_sdist"]

_HOOK = """\
import importlib, json, sys
request = json.load(open(sys.argv[1]))
sys.path[:0] = request["backend_path"]
module, _, attribute = request["backend_name"].partition(":")
backend = importlib.import_module(module)
for name in filter(None, attribute.split(".")):
    backend = getattr(backend, name)
name = backend.build_sdist(request["out"], {})
open(request["answer"], "w").write(name)
"""


def build_sdist(project: Path, out: Path, environ: Mapping[str, str]) -> Path:
    """The project's sdist, built into ``out`` by its backend in this interpreter's
    environment (which must hold the backend's requirements: buildrs' own backend
    needs only setuptools)."""
    from .wheels import _build_system

    system = _build_system(project)
    with tempfile.TemporaryDirectory(prefix="buildrs-sdist-") as scratch:
        request = Path(scratch) / "request.json"
        answer = Path(scratch) / "answer"
        fields = {**system, "out": str(out), "answer": str(answer)}
        request.write_text(json.dumps(fields), encoding="utf-8")
        lines: list[str] = []
        argv = [sys.executable, "-c", _HOOK, str(request)]
        result = process.run(argv, cwd=project, check=False, on_line=lines.append, base=environ)
        if result.returncode != 0 or not answer.is_file():
            shown = "\n".join(lines[-20:])
            raise ConfigError(
                f"wheels --sdist: {system['backend_name']} could not build the sdist of "
                f"{project} (exit code {result.returncode}):\n{shown}"
            )
        return out / answer.read_text(encoding="utf-8").strip()


def _sync(new: Path, kept: Path) -> None:
    """Make ``kept`` hold what ``new`` holds, touching only what differs."""
    names = {p.relative_to(new) for p in new.rglob("*")}
    for source in sorted(new.rglob("*")):
        relative = source.relative_to(new)
        target = kept / relative
        if source.is_dir() and not source.is_symlink():
            if target.is_file() or target.is_symlink():
                target.unlink()
            target.mkdir(parents=True, exist_ok=True)
            continue
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        same_mode = (
            target.is_file() and (os.stat(source).st_mode ^ os.stat(target).st_mode) & 0o111 == 0
        )
        if same_mode and filecmp.cmp(source, target, shallow=False):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
        os.utime(target)  # now: cargo must see the file as changed
    for target in sorted(kept.rglob("*"), reverse=True):
        relative = target.relative_to(kept)
        if relative.parts[0] != "build" and relative not in names:
            if target.is_dir():
                shutil.rmtree(target)
            else:
                target.unlink()


def unpacked_sdist(project: Path, out: Path, environ: Mapping[str, str]) -> Path:
    """Build the sdist into ``out``, unpack it and return the project folder in it."""
    from buildrs.config.pyproject import project_folder

    sdist = build_sdist(project, out, environ)
    print(f"sdist: {sdist.name}", flush=True)
    base = Path(folders.base(project)) / "release-source"
    base.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="unpack-", dir=base) as scratch:
        with tarfile.open(sdist) as archive:
            if sys.version_info >= (3, 12):
                archive.extractall(scratch, filter="data")
            else:
                archive.extractall(scratch)
        (root,) = Path(scratch).iterdir()
        kept = base / "project"
        kept.mkdir(exist_ok=True)
        _sync(root, kept)
    return project_folder(kept)
