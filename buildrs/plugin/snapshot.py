"""The state a wheel build's hooks rest on: files, environment, interpreter, tools.

A ``Snapshot`` is taken when a hook starts, for ``recipe`` to compare with the one
kept from the last time setuptools answered it. It names the state (modification
time and size) of every file in the project tree, the interpreter, the installed
distributions, the variables a build reads and buildrs' config settings.

It has two keys. ``key`` names everything, this interpreter included. ``shared``
leaves out what cannot change setuptools' part of the wheel from one interpreter to
another of the same kind and platform: the interpreter, the cargo target directory,
and every installed distribution but setuptools, wheel and their plugins (the
distributions with entry points in setuptools' and distutils' groups), and
packaging, which setuptools uses when it is installed.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import sysconfig
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from buildrs.pipeline import fastpath

__all__ = [
    "PRUNED_AT_ROOT",
    "VERSION",
    "Snapshot",
    "eligible",
    "setuptools_alone",
    "setuptools_plugins",
    "snapshot",
    "source_date_epoch",
    "tree",
]

VERSION = 2
_PRUNED = {".git", ".hg", ".svn", "__pycache__", ".tox", ".nox", ".venv", "node_modules"}
PRUNED_AT_ROOT = {"build", "dist"}
# cargo tags a target directory it creates (CACHEDIR.TAG) and writes .rustc_info.json
# in every one it builds in, created or not.
_SKIPPED_MARKERS = ("CACHEDIR.TAG", ".rustc_info.json", "pyvenv.cfg")
_ENV_PREFIXES = (
    "BUILDRS_",
    "SETUPTOOLS_",
    "DISTUTILS_",
    "_PYTHON_",
    "MACOSX_",
    "CARGO",
    "RUST",
    "PYO3_",
    "AUDITWHEEL_",
)
_ENV_NAMES = ("SOURCE_DATE_EPOCH", "ARCHFLAGS", "CC", "CXX", "CFLAGS", "LDFLAGS")
_NOT_KEYED = ("BUILDRS_REBUILDING",)  # set by this very process (see ``locking``)
_NOT_SHARED = ("CARGO_TARGET_DIR",)  # ``wheels`` gives each interpreter its own
_PLUGIN_GROUPS = ("[distutils.", "[setuptools.", "[egg_info.")
_TOOLS = ("setuptools", "wheel", "packaging")


def tree(root: Path) -> dict[str, list[int]]:
    """The state of every file setuptools might read, by path relative to ``root``."""
    states: dict[str, list[int]] = {}
    for directory, dirs, files in os.walk(root):
        here = Path(directory)
        kept = []
        for name in dirs:
            if name in _PRUNED or name.endswith((".egg-info", "_cache")):
                continue
            if here == root and name in PRUNED_AT_ROOT:
                continue
            sub = here / name
            if any((sub / marker).exists() for marker in _SKIPPED_MARKERS):
                continue  # a cargo target directory or a virtual environment
            kept.append(name)
        dirs[:] = sorted(kept)
        for name in files:
            path = here / name
            try:
                stat = path.stat()
            except OSError:
                continue
            states[path.relative_to(root).as_posix()] = [stat.st_mtime_ns, stat.st_size]
    return states


def _distributions(root: Path) -> Iterator[tuple[str, str]]:
    """Each installed distribution's folder and name, in ``sys.path`` order."""
    for entry in sys.path:
        here = os.path.abspath(entry or ".")
        inside = here == str(root) or here.startswith(str(root) + os.sep)
        if inside and os.path.basename(here) not in ("site-packages", "dist-packages"):
            continue  # the project's own egg-info, which every build rewrites (not a .venv)
        try:
            names = sorted(os.listdir(here))
        except OSError:
            continue
        for name in names:
            if name.endswith((".dist-info", ".egg-info", ".egg-link", ".pth")):
                yield here, name


def _installed(root: Path) -> tuple[list[object], list[object]]:
    """The distributions the interpreter can import (by name, version and the size of
    their RECORD: an isolated build's environment is new each time), then those of them
    that shape setuptools' output (setuptools, wheel and their plugins, by name and
    version); each ends with the contents of buildrs' own modules. A plugin installed,
    upgraded or removed changes the wheel."""
    found: list[object] = []
    tools: list[object] = []
    for here, name in _distributions(root):
        record = os.path.join(here, name, "RECORD")
        found.append([name, os.path.getsize(record) if os.path.isfile(record) else None])
        if _shapes_setuptools(os.path.join(here, name)):
            tools.append(name)
    own = hashlib.sha256()
    for path in sorted(Path(__file__).resolve().parents[1].rglob("*.py")):
        own.update(path.read_bytes())
    found.append(own.hexdigest())
    tools.append(own.hexdigest())
    return found, tools


def setuptools_alone(root: Path) -> bool:
    """Whether setuptools 70.1 or newer is installed with no plugin but wheel and
    buildrs (packaging aside). setuptools' requirement hook then answers ``[]`` for a
    project with no setup.py or setup.cfg: its only source of requirements is
    ``setup_requires``."""
    version: tuple[int, ...] | None = None
    for here, name in _distributions(root):
        if _plugin(here, name):
            return False
        dist, _, rest = name.partition("-")
        if version is None and dist.lower() == "setuptools" and name.endswith(".dist-info"):
            release = rest.split("-")[0].split(".")
            version = tuple(int(part) for part in release[:2] if part.isdigit())
    return version is not None and version >= (70, 1)


def setuptools_plugins(root: Path) -> list[str]:
    """The installed distributions that plug into setuptools, but for setuptools,
    wheel, packaging and buildrs."""
    return [found for here, name in _distributions(root) if (found := _plugin(here, name))]


def _plugin(here: str, name: str) -> str | None:
    """The name of the distribution ``name`` (a folder in ``here``) when it is a
    setuptools plugin other than buildrs and setuptools' own tools."""
    dist = name.rsplit(".", 1)[0].partition("-")[0]
    ours = dist.lower() in (*_TOOLS, "buildrs")
    return dist if not ours and _shapes_setuptools(os.path.join(here, name)) else None


def _shapes_setuptools(dist_info: str) -> bool:
    """Whether the distribution is setuptools, wheel, packaging or a plugin of
    setuptools'."""
    if os.path.basename(dist_info).split("-")[0].lower() in _TOOLS:
        return True
    try:
        with open(os.path.join(dist_info, "entry_points.txt"), encoding="utf-8") as handle:
            return any(line.startswith(_PLUGIN_GROUPS) for line in handle)
    except OSError:
        return False


class Snapshot(NamedTuple):
    """What a hook's answer rests on, taken when the hook starts."""

    key: str
    shared: str
    files: dict[str, list[int]]
    epoch: str
    """The wheel's ``SOURCE_DATE_EPOCH``: the variable's, or the last commit's."""

    def matches(
        self, recorded: Mapping[str, Any], rust_sources: Sequence[str], key: str = "key"
    ) -> bool:
        """Whether ``recorded`` was taken in the same state, ``.rs`` files aside; by
        ``key``, or by the ``shared`` key for another interpreter's recipe."""
        if recorded.get(key) != getattr(self, key):
            return False
        theirs = dict(recorded.get("files") or {})
        ours = dict(self.files)
        for source in rust_sources:
            theirs.pop(source, None)
            ours.pop(source, None)
        return theirs == ours


def eligible(root: Path, rest: Mapping[str, object] | None) -> bool:
    """Whether setuptools' part of a wheel can be known from the files alone: the
    project is declared wholly in pyproject.toml, with ``[tool.buildrs]``."""
    if rest or not fastpath.enabled(os.environ):
        return False
    if (root / "setup.py").exists() or not _inert_setup_cfg(root / "setup.cfg"):
        return False
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python < 3.11 only
        import tomli as tomllib
    try:
        with open(root / "pyproject.toml", "rb") as handle:
            tool = tomllib.load(handle).get("tool")
    except (OSError, ValueError):  # the setuptools path reports it
        return False
    return isinstance(tool, dict) and "buildrs" in tool and "distutils" not in tool


def _inert_setup_cfg(path: Path) -> bool:
    """Whether ``path`` is missing, or is the setup.cfg setuptools writes into every
    sdist (``[egg_info]`` with no tag): a wheel built from an sdist, as ``python -m
    build`` builds it, is then built as one from the project."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return True
    except (OSError, UnicodeDecodeError):
        return False
    import configparser

    parser = configparser.ConfigParser()
    try:
        parser.read_string(text)
    except configparser.Error:
        return False
    sections = {name: dict(parser[name]) for name in parser.sections()}
    return sections == {"egg_info": {"tag_build": "", "tag_date": "0"}}


_ZIP_EPOCH = "315532800"  # 1980-01-01, the earliest date a zip entry can hold


def source_date_epoch(project: Path) -> str:
    """The date for a wheel's entries when ``SOURCE_DATE_EPOCH`` is unset: the last
    commit's, so that two builds of one commit are byte for byte the same; outside a
    git checkout (an sdist, say), 1980-01-01. The date of the commit last asked
    about is kept in ``build/buildrs-wheel/`` (git takes longer to start than the
    rest of a wheel hook that builds nothing)."""
    commit = _head_commit(project)
    memo = project / "build" / "buildrs-wheel" / "commit-date.json"
    if commit is not None:
        try:
            known = json.loads(memo.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            known = None
        if isinstance(known, list) and len(known) == 2 and known[0] == commit:
            return str(known[1])
    epoch = _git_date(project)
    if commit is not None:
        try:
            memo.parent.mkdir(parents=True, exist_ok=True)
            memo.write_text(json.dumps([commit, epoch]), encoding="utf-8")
        except OSError:
            pass
    return epoch


def _git_date(project: Path) -> str:
    from buildrs.errors import BuildrsError
    from buildrs.pipeline import process

    try:
        result = process.run(
            ["git", "log", "-1", "--format=%ct"], cwd=project, quiet=True, check=False
        )
    except BuildrsError:  # no git
        return _ZIP_EPOCH
    stamp = result.stdout.strip()
    if result.returncode != 0 or not stamp.isdigit():
        return _ZIP_EPOCH
    return str(max(int(stamp), int(_ZIP_EPOCH)))


def _head_commit(project: Path) -> str | None:
    """The commit HEAD names, read from ``.git`` where that is a plain repository
    folder with the commit in a loose or packed ref; ``None`` where git alone can
    tell (a worktree, a submodule, ``GIT_DIR``, no repository)."""
    if any(name in os.environ for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_CEILING_DIRECTORIES")):
        return None
    for folder in (project, *project.parents):
        git = folder / ".git"
        if git.exists():
            break
    else:
        return None
    try:
        head = (git / "HEAD").read_text(encoding="utf-8").strip()
        if not head.startswith("ref: "):
            return head if _is_commit(head) else None
        ref = head[len("ref: ") :]
        loose = git / ref
        if loose.is_file():
            commit = loose.read_text(encoding="utf-8").strip()
            return commit if _is_commit(commit) else None
        for line in (git / "packed-refs").read_text(encoding="utf-8").splitlines():
            commit, _, name = line.partition(" ")
            if name == ref and _is_commit(commit):
                return commit
    except OSError:  # .git is a file (a worktree's), or unreadable
        return None
    return None


def _is_commit(text: str) -> bool:
    return len(text) in (40, 64) and all(c in "0123456789abcdef" for c in text)


def snapshot(root: Path, hook: str, ours: Mapping[str, object]) -> Snapshot:
    from buildrs.pipeline.settings import watched_environment

    names = set(_ENV_NAMES) | set(watched_environment())
    env = {
        k: v
        for k, v in os.environ.items()
        if (k in names or k.startswith(_ENV_PREFIXES)) and k not in _NOT_KEYED
    }
    epoch = os.environ.get("SOURCE_DATE_EPOCH") or source_date_epoch(root)
    settings = {k: ours[k] for k in sorted(ours)}
    installed, tools = _installed(root)
    # The interpreter by its installation: uv builds each wheel in a new virtual
    # environment, whose packages ``installed`` names.
    key = [VERSION, hook, sys.base_prefix, sys.version, env, epoch, settings, installed]
    common = {k: v for k, v in env.items() if k not in _NOT_SHARED}
    python = [sys.implementation.name, sysconfig.get_platform()]
    shared = [VERSION, hook, python, common, epoch, settings, tools]
    return Snapshot(_dumps(key), _dumps(shared), tree(root), epoch)


def _dumps(key: object) -> str:
    return json.dumps(key, sort_keys=True, default=str)
