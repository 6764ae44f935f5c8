"""What is installed beside buildrs that can change a wheel: setuptools, its plugins,
and the libraries buildrs writes a wheel with.

Read from the names of the ``.dist-info`` folders on ``sys.path`` (no
``importlib.metadata``, which costs more than the rest of a hook that builds
nothing); the project's own folder is skipped but for a virtual environment in it.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

__all__ = ["buildrs_code", "setuptools_alone", "setuptools_plugins", "versions"]

_PLUGIN_GROUPS = ("[distutils.", "[setuptools.", "[egg_info.")
_TOOLS = ("setuptools", "wheel", "packaging")


def _distributions(root: Path) -> Iterator[tuple[str, str]]:
    """Each installed distribution's folder and name, in ``sys.path`` order."""
    for entry in sys.path:
        here = os.path.abspath(entry or ".")
        inside = here == str(root) or here.startswith(str(root) + os.sep)
        if inside and os.path.basename(here) not in ("site-packages", "dist-packages"):
            continue  # the project's own egg-info, which every build rewrites (not a .venv)
        if os.path.basename(here) == "_vendor":
            continue  # a package's vendored copies (setuptools puts its own on the path)
        try:
            names = _listed(here, os.stat(here).st_mtime_ns)
        except OSError:
            continue
        for name in names:
            yield here, name


@functools.cache
def _listed(folder: str, changed: int) -> tuple[str, ...]:
    """The distributions' folders in ``folder``, read once per modification time of
    ``folder`` (installing or removing a distribution changes it)."""
    return tuple(n for n in sorted(os.listdir(folder)) if n.endswith((".dist-info", ".egg-info")))


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _split(folder: str) -> tuple[str, str]:
    """``(normalised name, version)`` of a ``name-version.dist-info`` folder."""
    stem = folder.rsplit(".", 1)[0]
    name, _, version = stem.partition("-")
    return _normal(name), version.split("-")[0]


def versions(root: Path, names: Iterable[str]) -> list[str]:
    """``name==version`` of each of ``names`` that is installed (the first found)."""
    wanted = {_normal(name) for name in names}
    found: dict[str, str] = {}
    for _, folder in _distributions(root):
        name, version = _split(folder)
        if name in wanted:
            found.setdefault(name, version)
    return [f"{name}=={found[name]}" for name in sorted(found)]


def _shapes_setuptools(dist_info: str) -> bool:
    """Whether the distribution plugs into setuptools (entry points in its groups)."""
    try:
        with open(os.path.join(dist_info, "entry_points.txt"), encoding="utf-8") as handle:
            return any(line.startswith(_PLUGIN_GROUPS) for line in handle)
    except OSError:
        return False


def setuptools_plugins(root: Path) -> list[str]:
    """The installed distributions that plug into setuptools, but for setuptools,
    wheel, packaging and buildrs."""
    found = []
    for here, folder in _distributions(root):
        name, version = _split(folder)
        if name in (*_TOOLS, "buildrs"):
            continue
        if _shapes_setuptools(os.path.join(here, folder)):
            found.append(f"{name}=={version}")
    return found


def setuptools_alone(root: Path) -> bool:
    """Whether setuptools 70.1 or newer is installed with no plugin but wheel and
    buildrs. setuptools' requirement hook then answers ``[]`` for a project with no
    setup.py or setup.cfg: its only source of requirements is ``setup_requires``."""
    if setuptools_plugins(root):
        return False
    for found in versions(root, ["setuptools"]):
        release = found.partition("==")[2].split(".")
        return tuple(int(part) for part in release[:2] if part.isdigit()) >= (70, 1)
    return False


@functools.cache
def buildrs_code() -> str:
    """A hash of buildrs' own modules: a wheel made by other code is not reused."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).resolve().parents[1].rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()
