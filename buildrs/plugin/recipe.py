"""What a wheel build's hooks answered, kept so that the next build can skip setuptools.

After setuptools has built a wheel of a project declared wholly in pyproject.toml
(no setup.py, no setup.cfg, no ``[tool.distutils]``, no config settings for
setuptools), ``build/buildrs-wheel/<interpreter>/`` keeps that wheel as it was
before repair and a recipe: the ``Snapshot`` the build started from, the ``.rs``
files the artifacts' dep-info names and the plan. The metadata and requirement
hooks keep their answers under snapshots too. ``replay`` reads the recipe back. A
``.rs`` file the wheel also ships (package data) keeps a wheel from being recorded.

An entry holds for a new snapshot when the files are the same, ``.rs`` sources aside,
and the ``key`` is equal; another interpreter's entry holds when its ``shared`` key is
equal. Such an entry lends its answers and its wheel's Python part (see ``replay``),
so that ``python -m buildrs wheels`` runs setuptools for the first interpreter only.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

from .snapshot import PRUNED_AT_ROOT, VERSION, Snapshot, tree

__all__ = [
    "Found",
    "adopt",
    "cache_dir",
    "interpreter_tag",
    "kept_metadata",
    "kept_wheel",
    "plan_key",
    "record_hook",
    "record_wheel",
    "recorded_answer",
    "recording",
    "stash",
    "wheel_tag",
]


def cache_dir(root: Path) -> Path:
    """Where the recipe and the wheel it keeps are: one folder per interpreter, so that
    a wheel for each (``python -m buildrs wheels``) keeps its own."""
    which = hashlib.sha256(f"{sys.base_prefix}\0{sys.version}".encode()).hexdigest()[:12]
    return root / "build" / "buildrs-wheel" / f"{sys.implementation.cache_tag}-{which}"


def _load_from(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads((folder / "recipe.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != VERSION:
        return {}
    return data


def _load(root: Path) -> dict[str, Any]:
    return _load_from(cache_dir(root))


def _save(root: Path, data: Mapping[str, Any]) -> None:
    path = cache_dir(root) / "recipe.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".recipe.{os.getpid()}.tmp")
    temp.write_text(json.dumps({**data, "version": VERSION}), encoding="utf-8")
    os.replace(temp, path)


def _rust_sources(recipe: Mapping[str, Any]) -> list[str]:
    wheel = recipe.get("wheel")
    return list(wheel["sources"]) if isinstance(wheel, dict) else []


class Found(NamedTuple):
    """A recorded entry that holds for a snapshot, and the folder it was kept in."""

    folder: Path
    entry: Mapping[str, Any]
    own: bool
    """Recorded by this interpreter; otherwise another's, under the same shared key."""


def _found(root: Path, hook: str, now: Snapshot) -> Iterator[Found]:
    """This interpreter's entry for ``hook`` when it holds, then every other
    interpreter's that holds under the shared key."""
    own = cache_dir(root)
    folders = sorted(p for p in own.parent.glob("*") if p != own) if own.parent.is_dir() else []
    for folder in [own, *folders]:
        recipe = _load_from(folder)
        entry = recipe.get(hook)
        key = "key" if folder == own else "shared"
        if isinstance(entry, dict) and now.matches(entry, _rust_sources(recipe), key):
            yield Found(folder, entry, folder == own)


def recorded_answer(
    root: Path, hook: str, now: Snapshot, usable: Callable[[Path, Any], bool] | None = None
) -> Found | None:
    """What setuptools answered ``hook`` under the same state (see ``Found``), the first
    that ``usable`` accepts given its folder and answer; or ``None``."""
    for found in _found(root, hook, now):
        if usable is None or usable(found.folder, found.entry.get("answer")):
            return found
    return None


def record_hook(root: Path, hook: str, before: Snapshot, answer: Any) -> None:
    """Keep setuptools' answer to ``hook`` when nothing changed while it ran."""
    recipe = _load(root)
    if tree(root) != before.files:
        recipe.pop(hook, None)
    else:
        recipe[hook] = {**_state(before), "answer": answer}
    _save(root, recipe)


def _state(before: Snapshot) -> dict[str, Any]:
    return {"key": before.key, "shared": before.shared, "files": before.files}


def kept_wheel(root: Path, now: Snapshot) -> Found | None:
    """The recorded wheel that holds for ``now`` (its file, plan, entries and whether
    its tag names its interpreter), this interpreter's first; or ``None``."""
    for found in _found(root, "wheel", now):
        if found.own or found.entry.get("per_interpreter"):
            return found
    return None


def kept_metadata(folder: Path) -> Path:
    """Where the metadata hook's answer is kept, in a recipe's folder."""
    return folder / "metadata"


# --- the wheel hook ---------------------------------------------------------------------


class _Stash(NamedTuple):
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
    keep = _keep_copy(root, wheel)
    known = None if sources is None else sorted(sources)
    _stashed.append(_Stash(keep, plan_key(plan), sorted(entries), known, skipped))


def _keep_copy(root: Path, wheel: Path) -> Path:
    """A copy of ``wheel`` as this interpreter's only kept wheel; its path."""
    import shutil

    keep = cache_dir(root) / "wheel" / wheel.name
    shutil.rmtree(keep.parent, ignore_errors=True)
    keep.parent.mkdir(parents=True)
    shutil.copy2(wheel, keep)
    return keep


def plan_key(plan: Any) -> str:
    """The plan, less the variables that name this very process (an isolated build's
    environment is new each time; see ``Platform.python_env``)."""
    from dataclasses import replace

    return repr(replace(plan, platform=replace(plan.platform, python_env=())))


def _hashes(contents: Iterable[bytes]) -> set[str]:
    from buildrs.pipeline.wheelfile import record_digest

    return {record_digest(data) for data in contents}


def record_wheel(root: Path, before: Snapshot) -> None:
    """Keep the recipe of the wheel setuptools just built, when it can be replayed."""
    import zipfile

    recipe = _load(root)
    recipe.pop("wheel", None)
    found = _stashed[-1] if _stashed else None
    _stashed.clear()
    if found is None or found.sources is None or found.skipped or tree(root) != before.files:
        _save(root, recipe)
        return
    inside = [Path(s) for s in found.sources if s.endswith(".rs")]
    relative = [p.relative_to(root).as_posix() for p in inside if p.is_relative_to(root)]
    with zipfile.ZipFile(found.wheel) as archive:
        names = archive.namelist()
        packaged = _hashes(archive.read(n) for n in names if n.endswith(".rs"))
    sources = _hashes((root / s).read_bytes() for s in relative)
    top = {name.split("/", 1)[0] for name in names}
    if not (packaged & sources) and not (top & PRUNED_AT_ROOT):
        recipe["wheel"] = _wheel_entry(
            before, relative, found.wheel.name, found.plan, found.entries
        )
    _save(root, recipe)


def adopt(
    root: Path,
    before: Snapshot,
    wheel: Path,
    plan: object,
    entries: Sequence[str],
    sources: list[str],
) -> None:
    """Keep ``wheel`` (made from another interpreter's) as this interpreter's own
    recipe, when nothing changed while it was built."""
    if tree(root) != before.files:
        return
    _keep_copy(root, wheel)
    recipe = _load(root)
    recipe["wheel"] = _wheel_entry(before, sources, wheel.name, plan_key(plan), sorted(entries))
    _save(root, recipe)


def _wheel_entry(
    before: Snapshot, sources: list[str], file: str, plan: str, entries: list[str]
) -> dict[str, Any]:
    impl, abi, _ = wheel_tag(file)
    return {
        **_state(before),
        "sources": sources,
        "file": file,
        "plan": plan,
        "entries": entries,
        "per_interpreter": (impl, abi) == interpreter_tag(),
    }


def wheel_tag(file: str) -> tuple[str, str, str]:
    """The interpreter, ABI and platform tags in a wheel's file name."""
    impl, abi, plat = file[: -len(".whl")].split("-")[-3:]
    return impl, abi, plat


def interpreter_tag() -> tuple[str, str]:
    """The interpreter and ABI tags of a wheel built for this very interpreter, as
    ``bdist_wheel`` writes them (``cp313``, ``cp313``; ``pp310``, ``pypy310_pp73``)."""
    from packaging import tags

    tag = next(iter(tags.sys_tags()))
    return tag.interpreter, tag.abi
