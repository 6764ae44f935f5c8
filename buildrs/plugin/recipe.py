"""What a wheel build rests on, kept so that the next one can skip setuptools.

After setuptools has built a wheel of a project declared wholly in pyproject.toml
(no setup.py, no setup.cfg, no ``[tool.distutils]``, no config settings for
setuptools), ``build/buildrs-wheel/<interpreter>/`` keeps that wheel as it was
before repair and a recipe: the state (modification time and size) of every file
in the project tree, the ``.rs`` files the artifacts' dep-info names, the
interpreter, the installed distributions, the variables a build reads, buildrs'
config settings and the plan.
The metadata and requirement hooks keep their answers under the same kind of
snapshot. ``replay`` reads the recipe back. A ``.rs`` file the wheel also ships
(package data) keeps a wheel from being recorded.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import shutil
import sys
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from buildrs.pipeline import fastpath

__all__ = [
    "Snapshot",
    "cache_dir",
    "digest",
    "eligible",
    "forget",
    "kept_metadata",
    "kept_wheel",
    "plan_key",
    "record_hook",
    "record_wheel",
    "recorded_answer",
    "recording",
    "snapshot",
    "source_date_epoch",
    "stash",
]

log = logging.getLogger("buildrs")

RECIPE_VERSION = 1
_PRUNED = {".git", ".hg", ".svn", "__pycache__", ".tox", ".nox", ".venv", "node_modules"}
_PRUNED_AT_ROOT = {"build", "dist"}
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


def cache_dir(root: Path) -> Path:
    """Where the recipe and the wheel it keeps are: one folder per interpreter, so that
    a wheel for each (``python -m buildrs wheels``) keeps its own."""
    which = hashlib.sha256(f"{sys.executable}\0{sys.version}".encode()).hexdigest()[:12]
    return root / "build" / "buildrs-wheel" / f"{sys.implementation.cache_tag}-{which}"


def _tree(root: Path) -> dict[str, list[int]]:
    """The state of every file setuptools might read, by path relative to ``root``."""
    states: dict[str, list[int]] = {}
    for directory, dirs, files in os.walk(root):
        here = Path(directory)
        kept = []
        for name in dirs:
            if name in _PRUNED or name.endswith((".egg-info", "_cache")):
                continue
            if here == root and name in _PRUNED_AT_ROOT:
                continue
            sub = here / name
            if (sub / "CACHEDIR.TAG").exists() or (sub / "pyvenv.cfg").exists():
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


def _installed(root: Path) -> list[object]:
    """The distributions the interpreter can import (by name, version and the size of
    their RECORD: an isolated build's environment is new each time) and the contents of
    buildrs' own modules: a plugin installed, upgraded or removed changes the wheel."""
    found: list[object] = []
    for entry in sys.path:
        here = os.path.abspath(entry or ".")
        if here == str(root) or here.startswith(str(root) + os.sep):
            continue  # the project's own egg-info, which every build rewrites
        try:
            names = sorted(os.listdir(here))
        except OSError:
            continue
        for name in names:
            if name.endswith((".dist-info", ".egg-info", ".egg-link", ".pth")):
                record = os.path.join(here, name, "RECORD")
                found.append([name, os.path.getsize(record) if os.path.isfile(record) else None])
    own = hashlib.sha256()
    for path in sorted(Path(__file__).resolve().parents[1].rglob("*.py")):
        own.update(path.read_bytes())
    found.append(own.hexdigest())
    return found


@dataclass(frozen=True)
class Snapshot:
    """What a hook's answer rests on, taken when the hook starts."""

    key: str
    files: dict[str, list[int]]
    epoch: str
    """The wheel's ``SOURCE_DATE_EPOCH``: the variable's, or the last commit's."""

    def matches(self, recorded: Mapping[str, Any], rust_sources: Sequence[str]) -> bool:
        if recorded.get("key") != self.key:
            return False
        theirs = dict(recorded.get("files") or {})
        ours = dict(self.files)
        for source in rust_sources:
            theirs.pop(source, None)
            ours.pop(source, None)
        return theirs == ours


def eligible(root: Path, rest: Mapping[str, object] | None) -> bool:
    """Whether setuptools' part of a wheel can be known from the files alone."""
    if rest or not fastpath.enabled(os.environ):
        return False
    if (root / "setup.py").exists() or (root / "setup.cfg").exists():
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


_ZIP_EPOCH = "315532800"  # 1980-01-01, the earliest date a zip entry can hold


def source_date_epoch(project: Path) -> str:
    """The date for a wheel's entries when ``SOURCE_DATE_EPOCH`` is unset: the last
    commit's, so that two builds of one commit are byte for byte the same; outside a
    git checkout (an sdist, say), 1980-01-01."""
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


def snapshot(root: Path, hook: str, ours: Mapping[str, object]) -> Snapshot:
    from buildrs.pipeline.settings import watched_environment

    names = set(_ENV_NAMES) | set(watched_environment())
    env = {
        k: v
        for k, v in os.environ.items()
        if (k in names or k.startswith(_ENV_PREFIXES)) and k not in _NOT_KEYED
    }
    epoch = os.environ.get("SOURCE_DATE_EPOCH") or source_date_epoch(root)
    key = [
        RECIPE_VERSION,
        hook,
        sys.executable,
        sys.version,
        env,
        epoch,
        {k: ours[k] for k in sorted(ours)},
        _installed(root),
    ]
    return Snapshot(json.dumps(key, sort_keys=True, default=str), _tree(root), epoch)


# --- the recipe ------------------------------------------------------------------------


def _recipe_path(root: Path) -> Path:
    return cache_dir(root) / "recipe.json"


def _load(root: Path) -> dict[str, Any]:
    try:
        data = json.loads(_recipe_path(root).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != RECIPE_VERSION:
        return {}
    return data


def _save(root: Path, data: Mapping[str, Any]) -> None:
    path = _recipe_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".recipe.{os.getpid()}.tmp")
    temp.write_text(json.dumps({**data, "version": RECIPE_VERSION}), encoding="utf-8")
    os.replace(temp, path)


def _rust_sources(recipe: Mapping[str, Any]) -> list[str]:
    wheel = recipe.get("wheel")
    return list(wheel["sources"]) if isinstance(wheel, dict) else []


def recorded_answer(root: Path, hook: str, now: Snapshot) -> Any:
    """What setuptools answered ``hook`` under the same state, or ``None``."""
    recipe = _load(root)
    recorded = recipe.get(hook)
    if not isinstance(recorded, dict) or not now.matches(recorded, _rust_sources(recipe)):
        return None
    return recorded.get("answer")


def record_hook(root: Path, hook: str, before: Snapshot, answer: Any) -> None:
    """Keep setuptools' answer to ``hook`` when nothing changed while it ran."""
    recipe = _load(root)
    if _tree(root) != before.files:
        recipe.pop(hook, None)
    else:
        recipe[hook] = {"key": before.key, "files": before.files, "answer": answer}
    _save(root, recipe)


def forget(root: Path, hook: str) -> None:
    """Drop what ``hook`` answered last (its kept files are gone)."""
    recipe = _load(root)
    if recipe.pop(hook, None) is not None:
        _save(root, recipe)


def kept_wheel(root: Path) -> Mapping[str, Any] | None:
    """The recorded wheel: its file, plan, entries and snapshot, if any."""
    recorded = _load(root).get("wheel")
    return recorded if isinstance(recorded, dict) else None


def kept_metadata(root: Path) -> Path:
    return cache_dir(root) / "metadata"


# --- the wheel hook ---------------------------------------------------------------------


@dataclass
class _Stash:
    """What ``bdist_wheel`` knew about the wheel it wrote, before repair."""

    wheel: Path
    plan: str
    entries: list[str]
    sources: list[str] | None
    skipped: bool


_stashed: list[_Stash] = []
_recording: list[bool] = []


@contextmanager
def recording() -> Iterator[None]:
    """While setuptools builds a wheel that ``record_wheel`` will keep."""
    _stashed.clear()
    _recording.append(True)
    try:
        yield
    finally:
        _recording.pop()


def stash(
    root: Path,
    wheel: Path,
    plan: object,
    entries: Sequence[str],
    sources: Iterable[str] | None,
    skipped: bool,
) -> None:
    """Called by ``bdist_wheel`` between writing the wheel and repairing it."""
    if not _recording:
        return
    keep = cache_dir(root) / "wheel" / wheel.name
    if keep.parent.exists():
        shutil.rmtree(keep.parent)
    keep.parent.mkdir(parents=True)
    shutil.copy2(wheel, keep)
    known = None if sources is None else sorted(sources)
    _stashed.append(_Stash(keep, plan_key(plan), sorted(entries), known, skipped))


def plan_key(plan: Any) -> str:
    """The plan, less the variables that name this very process (an isolated build's
    environment is new each time; see ``Platform.python_env``)."""
    from dataclasses import replace

    return repr(replace(plan, platform=replace(plan.platform, python_env=())))


def _hashes(contents: Iterable[bytes]) -> set[str]:
    return {digest(data) for data in contents}


def digest(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def record_wheel(root: Path, before: Snapshot) -> None:
    """Keep the recipe of the wheel setuptools just built, when it can be replayed."""
    recipe = _load(root)
    recipe.pop("wheel", None)
    found = _stashed[-1] if _stashed else None
    _stashed.clear()
    if found is None or found.sources is None or found.skipped or _tree(root) != before.files:
        _save(root, recipe)
        return
    inside = [Path(s) for s in found.sources if s.endswith(".rs")]
    relative = [p.relative_to(root).as_posix() for p in inside if p.is_relative_to(root)]
    with zipfile.ZipFile(found.wheel) as archive:
        names = archive.namelist()
        packaged = _hashes(archive.read(n) for n in names if n.endswith(".rs"))
    sources = _hashes((root / s).read_bytes() for s in relative)
    top = {name.split("/", 1)[0] for name in names}
    if not (packaged & sources) and not (top & _PRUNED_AT_ROOT):
        recipe["wheel"] = {
            "key": before.key,
            "files": before.files,
            "sources": relative,
            "file": found.wheel.name,
            "plan": found.plan,
            "entries": found.entries,
        }
    _save(root, recipe)
