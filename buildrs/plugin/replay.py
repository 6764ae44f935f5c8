"""Wheel builds that skip setuptools when only Rust sources changed.

When the snapshot of a wheel build matches the recipe kept from the last one (see
``recipe``), ``.rs`` files aside, setuptools would write the same Python files and
metadata. cargo builds through the same plan instead; the new artifacts (and stubs and
generated files) take the place of the old ones in a copy of the kept wheel, every
other entry as it was (order, dates, modes), with a RECORD to match; the wheel is
checked as ``bdist_wheel`` checks it and repaired. Anything else (another file
changed or a new one appeared, an optional target failed, a different plan) goes
through setuptools, which records anew. ``BUILDRS_NO_FAST_PATH=1`` always does.
"""

from __future__ import annotations

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

from .recipe import Snapshot, cache_dir, digest, kept_wheel, plan_key

if TYPE_CHECKING:
    from buildrs.pipeline.plan import DistPlan

__all__ = ["replay_wheel"]

log = logging.getLogger("buildrs")


def replay_wheel(root: Path, wheel_directory: Path, now: Snapshot) -> str | None:
    """Build the wheel from the kept one when only ``.rs`` files changed; its file
    name, or ``None`` for setuptools to build it."""
    recorded = kept_wheel(root)
    if recorded is None or not now.matches(recorded, recorded["sources"]):
        return None
    kept = cache_dir(root) / "wheel" / recorded["file"]
    if not kept.is_file():
        return None
    plan = _plan(root)
    if plan_key(plan) != recorded["plan"]:
        return None
    _log_to_stderr()
    log.info(
        "buildrs: no file but Rust sources changed since the last wheel: cargo builds, "
        "setuptools' part is reused (build/buildrs-wheel; BUILDRS_NO_FAST_PATH=1 rebuilds it)"
    )
    with _epoch(now.epoch):
        built = _build_rust(root, plan, recorded["file"])
        if built is None or sorted(built) != recorded["entries"]:
            return None
        target = wheel_directory / recorded["file"]
        _rewrite(kept, target, built)
    _check(plan, target, built, root)
    return _repair(plan, target).name


def _plan(root: Path) -> DistPlan:
    from buildrs.pipeline.config import load_pyproject
    from buildrs.pipeline.prepare import make_plan
    from buildrs.pipeline.resolve import active_config_settings, resolve

    _, config = load_pyproject(root)
    assert config is not None
    settings = resolve(
        project=config.project, config_settings=active_config_settings(), environ=os.environ
    )
    return make_plan(config.targets, root, settings, False)


@contextmanager
def _epoch(epoch: str) -> Iterator[None]:
    """``SOURCE_DATE_EPOCH`` as ``bdist_wheel`` sets it while it builds."""
    if os.environ.get("SOURCE_DATE_EPOCH"):
        yield
        return
    os.environ["SOURCE_DATE_EPOCH"] = epoch
    try:
        yield
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)


def _log_to_stderr() -> None:
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


def _rewrite(kept: Path, target: Path, built: Mapping[str, Path]) -> None:
    """``target``: ``kept`` with the ``built`` files in place of their old copies, every
    entry otherwise as it was (order, dates, modes), and its RECORD to match."""
    new = {name: path.read_bytes() for name, path in built.items()}
    temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(kept) as old:
        names = set(old.namelist())
        unchanged = all(n in names and old.read(n) == data for n, data in new.items())
    if unchanged:  # cargo had nothing to do: the kept wheel is the wheel
        shutil.copyfile(kept, temp)
        os.replace(temp, target)
        return
    with zipfile.ZipFile(kept) as old, zipfile.ZipFile(temp, "w") as out:
        infos = old.infolist()
        record = next(i for i in infos if i.filename.endswith(".dist-info/RECORD"))
        rows = list(csv.reader(io.StringIO(old.read(record).decode("utf-8"))))
        for row in rows:
            if row and row[0] in new:
                row[1:] = [digest(new[row[0]]), str(len(new[row[0]]))]
        text = io.StringIO()
        csv.writer(text, delimiter=",", quotechar='"', lineterminator="\n").writerows(rows)
        for info in infos:
            if info is record:
                data = text.getvalue().encode("utf-8")
            else:
                data = new[info.filename] if info.filename in new else old.read(info)
            out.writestr(info, data)
    os.replace(temp, target)


def _check(plan: DistPlan, wheel: Path, built: Mapping[str, Path], root: Path) -> None:
    """What ``bdist_wheel`` checks before it writes a wheel; a wheel that fails goes.
    The files cargo did not build were checked when the kept wheel was written."""
    from .wheel import WheelTagError, check_files

    impl, abi, plat = wheel.name[: -len(".whl")].split("-")[-3:]
    with zipfile.ZipFile(wheel) as archive:
        files = archive.namelist()
    staging = (cache_dir(root) / "staging", list(built))
    try:
        check_files(plan, files, (impl, abi, plat), _data_dir(wheel.name), staging)
    except WheelTagError:
        wheel.unlink()
        raise


def _repair(plan: DistPlan, wheel: Path) -> Path:
    from .wheel import repair_linux

    plat = wheel.name[: -len(".whl")].split("-")[-1]
    return repair_linux(plan, wheel, plat, wheel.name.split("-")[0])
