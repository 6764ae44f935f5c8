"""Wheel builds that skip setuptools when only Rust sources changed.

When the snapshot of a wheel build matches the recipe kept from the last one (see
``recipe``), ``.rs`` files aside, setuptools would write the same Python files and
metadata. cargo builds through the same plan instead; the new artifacts (and stubs and
generated files) take the place of the old ones in a copy of the kept wheel, every
other entry as it was (order, dates, modes), with a RECORD to match; the wheel is
checked as ``bdist_wheel`` checks it and repaired. Anything else (another file
changed or a new one appeared, an optional target failed, a different plan) goes
through setuptools, which records anew. ``BUILDRS_NO_FAST_PATH=1`` always does.

Another interpreter's kept wheel serves too (``python -m buildrs wheels``), when its
snapshot's shared key matches and both wheels are tagged for their interpreter: each
module built for this one takes the place of the module of the same name built for
that one, and the wheel's tag becomes this interpreter's. The result is kept as this
interpreter's own recipe.
"""

from __future__ import annotations

import copy
import csv
import io
import logging
import os
import shutil
import sys
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from buildrs.pipeline.wheelfile import record_digest, record_text

from .recipe import (
    Found,
    adopt,
    cache_dir,
    interpreter_tag,
    kept_wheel,
    plan_key,
    wheel_tag,
)
from .snapshot import Snapshot

if TYPE_CHECKING:
    from buildrs.pipeline.interpreter import Python
    from buildrs.pipeline.plan import DistPlan

__all__ = ["dated", "log_to_stderr", "replay_wheel", "wheel_plan"]

log = logging.getLogger("buildrs")


def replay_wheel(root: Path, wheel_directory: Path, now: Snapshot) -> str | None:
    """Build the wheel from a kept one when only ``.rs`` files changed; its file
    name, or ``None`` for setuptools to build it."""
    found = kept_wheel(root, now)
    if found is None:
        return None
    recorded = found.entry
    kept = found.folder / "wheel" / recorded["file"]
    if not kept.is_file():
        return None
    plan = wheel_plan(root)
    tag = _tag_for(plan, found)
    if tag is None:
        return None
    log_to_stderr()
    log.info(
        "buildrs: no file but Rust sources changed since the last wheel: cargo builds, "
        "setuptools' part is reused (build/buildrs-wheel; BUILDRS_NO_FAST_PATH=1 rebuilds it)"
    )
    with dated(now.epoch):
        built = _build_rust(root, plan, recorded["file"])
        if built is None:
            return None
        renames = _renames(recorded["entries"], built)
        if renames is None:
            return None
        target = wheel_directory / _retagged(recorded["file"], tag)
        _rewrite(kept, target, built, renames, tag)
    _check(plan, target, built, root)
    if not found.own:
        adopt(root, now, target, plan, list(built), recorded["sources"])
    return _repair(plan, target).name


def _tag_for(plan: DistPlan, found: Found) -> tuple[str, str] | None:
    """The interpreter and ABI tags of the wheel to make from ``found``'s: its own for
    this interpreter's recipe under the same plan; this interpreter's for another's,
    when this plan's wheel is one per interpreter too; else ``None``."""
    impl, abi, _ = wheel_tag(found.entry["file"])
    if found.own:
        return (impl, abi) if plan_key(plan) == found.entry["plan"] else None
    if plan.platform.target or plan.abi3_floor is not None or not plan.modules:
        return None
    return interpreter_tag()


def _retagged(wheel_file: str, tag: tuple[str, str]) -> str:
    name = wheel_file[: -len(".whl")].rsplit("-", 3)[0]
    return f"{name}-{tag[0]}-{tag[1]}-{wheel_tag(wheel_file)[2]}.whl"


def _renames(entries: list[str], built: Mapping[str, Path]) -> dict[str, str] | None:
    """Each kept entry's name in the new wheel: its own when it was built again, or for
    a module built for another interpreter, that of the module built here in the same
    folder under the same name (``_native.cpython-312-...so`` ->
    ``_native.cpython-313-...so``); ``None`` when the two sets of files do not pair up
    one to one."""

    def stem(name: str) -> tuple[str, str]:
        folder, _, base = name.rpartition("/")
        return folder, base.split(".")[0]

    kept = set(entries)
    fresh = [name for name in built if name not in kept]
    added = {stem(name): name for name in fresh}
    if len(added) != len(fresh):
        return None
    renames = {}
    for name in entries:
        found = name if name in built else added.pop(stem(name), None)
        if found is None:
            return None
        renames[name] = found
    return None if added else renames


def wheel_plan(root: Path, python: Python | None = None) -> DistPlan:
    """The plan of the wheel of a project declared wholly in pyproject.toml, as the
    setuptools path makes it, for ``python`` (the running interpreter unless given)."""
    from buildrs.pipeline.config import load_pyproject
    from buildrs.pipeline.prepare import make_plan
    from buildrs.pipeline.resolve import active_config_settings, resolve

    _, config = load_pyproject(root)
    assert config is not None
    settings = resolve(
        project=config.project, config_settings=active_config_settings(), environ=os.environ
    )
    return make_plan(config.targets, root, settings, False, python=python)


@contextmanager
def dated(epoch: str) -> Iterator[None]:
    """``SOURCE_DATE_EPOCH`` as ``bdist_wheel`` sets it while it builds."""
    if os.environ.get("SOURCE_DATE_EPOCH"):
        yield
        return
    os.environ["SOURCE_DATE_EPOCH"] = epoch
    try:
        yield
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)


def log_to_stderr() -> None:
    """setuptools shows buildrs' progress on its path; say it the same way here."""
    logger = logging.getLogger("buildrs")
    if not logger.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def _data_dir(wheel_file: str) -> str:
    name, version = wheel_file.split("-")[:2]
    return f"{name}-{version}.data"


def _build_rust(root: Path, plan: DistPlan, wheel_file: str) -> dict[str, Path] | None:
    """Build the plan into a staging tree laid out as the wheel is; each file by its
    path in the wheel, or ``None`` when an optional target failed."""
    from buildrs.pipeline.build import build
    from buildrs.pipeline.install import Layout
    from buildrs.pipeline.locking import hold_project_lock

    hold_project_lock(root)
    staging = cache_dir(root) / "staging"
    if staging.exists():
        shutil.rmtree(staging)
    layout = Layout(build_lib=staging, scripts_dir=staging / _data_dir(wheel_file) / "scripts")
    outcome = build(plan, project_dir=root, layout=layout)
    if outcome.skipped:
        return None
    return {item.path.relative_to(staging).as_posix(): item.path for item in outcome.installed}


def _rewrite(
    kept: Path,
    target: Path,
    built: Mapping[str, Path],
    renames: Mapping[str, str],
    tag: tuple[str, str],
) -> None:
    """``target``: ``kept`` with the ``built`` files in place of their old copies (by
    ``renames``) and ``tag`` in its WHEEL file, every entry otherwise as it was (order,
    dates, modes), and its RECORD to match."""
    new = {name: path.read_bytes() for name, path in built.items()}
    temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    target.parent.mkdir(parents=True, exist_ok=True)
    same_names = all(old == name for old, name in renames.items()) and target.name == kept.name
    with zipfile.ZipFile(kept) as old:
        names = set(old.namelist())
        unchanged = same_names and all(
            n in names and old.read(n) == data for n, data in new.items()
        )
    if unchanged:  # cargo had nothing to do: the kept wheel is the wheel
        shutil.copyfile(kept, temp)
        os.replace(temp, target)
        return
    with zipfile.ZipFile(kept) as old, zipfile.ZipFile(temp, "w") as out:
        infos = old.infolist()
        record = next(i for i in infos if i.filename.endswith(".dist-info/RECORD"))
        wheel_file = record.filename.replace("/RECORD", "/WHEEL")
        if wheel_file in names:
            new[wheel_file] = _tagged(old.read(wheel_file), kept.name, tag)
        rows = list(csv.reader(io.StringIO(old.read(record).decode("utf-8"))))
        for row in rows:
            name = renames.get(row[0], row[0]) if row else ""
            if name in new:
                row[:] = [name, record_digest(new[name]), str(len(new[name]))]
        text = record_text(rows)
        for info in infos:
            name = renames.get(info.filename, info.filename)
            if info is record:
                data = text.encode("utf-8")
            else:
                data = new[name] if name in new else old.read(info)
            if name != info.filename:
                info = copy.copy(info)
                info.filename = name
            out.writestr(info, data)
    os.replace(temp, target)


def _tagged(wheel_metadata: bytes, kept_file: str, tag: tuple[str, str]) -> bytes:
    """The WHEEL file with ``tag`` for the kept wheel's interpreter and ABI tags."""
    impl, abi, plat = wheel_tag(kept_file)
    old_line, new_line = f"Tag: {impl}-{abi}-{plat}", f"Tag: {tag[0]}-{tag[1]}-{plat}"
    lines = wheel_metadata.decode("utf-8").split("\n")
    return "\n".join(new_line if line == old_line else line for line in lines).encode("utf-8")


def _check(plan: DistPlan, wheel: Path, built: Mapping[str, Path], root: Path) -> None:
    """What ``bdist_wheel`` checks before it writes a wheel; a wheel that fails goes.
    The files cargo did not build were checked when the kept wheel was written."""
    from .wheel import WheelTagError, check_files

    with zipfile.ZipFile(wheel) as archive:
        files = archive.namelist()
    staging = (cache_dir(root) / "staging", list(built))
    try:
        check_files(plan, files, wheel_tag(wheel.name), _data_dir(wheel.name), staging)
    except WheelTagError:
        wheel.unlink()
        raise


def _repair(plan: DistPlan, wheel: Path) -> Path:
    from .wheel import repair_linux

    plat = wheel_tag(wheel.name)[2]
    return repair_linux(plan, wheel, plat, wheel.name.split("-")[0])
