"""``bdist_wheel``: tags from the build's plan, and a last check of the wheel's files.

The tag comes from the same ``DistPlan`` that names the modules: abi3 when every
extension module is abi3 (``cpXY-abi3``, XY the highest floor), ``py3-none-<platform>``
for a wheel of Rust binaries only, and the cross target's platform. Before the
wheel is written, ``check_wheel_files`` compares every extension module in it with
the tag, and every declared target with what is there, so a wheel that cannot
import where pip would install it is never written.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from buildrs.errors import BuildrsError
from buildrs.pipeline.install import Installed
from buildrs.pipeline.plan import DistPlan
from buildrs.pipeline.wheelcheck import check_binary_platforms, check_wheel_files, expected_files

from .distribution import dist_plan, project_dir, rust_targets
from .snapshot import source_date_epoch

__all__ = [
    "SKIPPED_FILE",
    "WheelTagError",
    "check_files",
    "check_tree",
    "installed_entries",
    "make_bdist_wheel",
    "repair_linux",
    "write_sbom",
    "write_skipped",
]


log = logging.getLogger("buildrs")


class WheelTagError(BuildrsError):
    """The files of a wheel do not match its tag, or a declared target is missing."""


def check_files(
    plan: DistPlan,
    files: Sequence[str],
    tag: tuple[str, str, str],
    data_dir: str,
    binaries: tuple[Path, Sequence[str]],
) -> None:
    """Refuse a wheel whose ``files`` do not match ``tag`` or the plan's targets, or
    whose native binaries (``binaries``: a folder and paths in it, as in the wheel)
    are for another platform than the tag."""
    floors, required = expected_files(plan, data_dir)
    problems = check_wheel_files(files, tag, floors, required)
    problems += check_binary_platforms(binaries[0], binaries[1], tag[2])
    if problems:
        raise WheelTagError(
            "the wheel was not written, because what it holds does not match "
            "its tag or its declared targets:\n  " + "\n  ".join(problems)
        )


def repair_linux(plan: DistPlan, wheel: Path, platform_tag: str, label: str) -> Path:
    """Graft, refuse or report the shared libraries a Linux wheel needs from outside
    the platform policy (see ``repair``); the wheel to keep."""
    if not platform_tag.startswith(("linux", "manylinux", "musllinux")):
        return wheel
    from buildrs.pipeline.repair import repair_wheel

    return repair_wheel(wheel, plan.settings.repair, label)


def check_tree(plan: DistPlan, root: Path, tag: tuple[str, str, str], data_dir: str) -> None:
    """``check_files`` for the wheel laid out in the folder ``root``."""
    files = [path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()]
    check_files(plan, files, tag, data_dir, (root, files))


def installed_entries(installed: Iterable[Installed], build_lib: Path, data_dir: str) -> list[str]:
    """The paths in the wheel of the files a build installed into ``build_lib`` (scripts
    into ``<data_dir>/scripts``)."""
    return [
        f"{data_dir}/scripts/{item.path.name}"
        if item.is_script
        else item.regular_path.relative_to(build_lib).as_posix()
        for item in installed
    ]


SKIPPED_FILE = "buildrs-skipped.txt"
"""In a wheel's .dist-info: the optional targets that failed to build, and why."""


def write_skipped(dist_info: Path, skipped: Sequence[str]) -> None:
    """Name the optional targets that failed in the wheel (pip hides a successful
    build's output: say it where it can be read later)."""
    if skipped:
        lines = "".join(f"{line}\n" for line in skipped)
        (dist_info / SKIPPED_FILE).write_text(
            f"Optional Rust targets that failed to build:\n{lines}", encoding="utf-8"
        )


def write_sbom(
    plan: DistPlan, name: str, version: str, root: Path, dist_info: Path, epoch: str | None
) -> None:
    """``sboms/<dist>.cdx.json`` in the wheel's ``.dist-info`` (PEP 770), unless the
    settings leave it out; ``epoch``: the ``SOURCE_DATE_EPOCH`` the user gave."""
    if not plan.settings.sbom or not plan.invocations:
        return
    from buildrs.pipeline import cargo
    from buildrs.pipeline.sbom import compiled_crates, sbom_json

    crates = compiled_crates(plan.invocations, cargo.find_cargo(), root)
    text = sbom_json(name, version, crates, epoch, root / "build" / "buildrs-sbom")
    target = dist_info / "sboms" / f"{name.replace('-', '_')}.cdx.json"
    target.parent.mkdir(exist_ok=True)
    target.write_text(text, encoding="utf-8")
    log.info("buildrs: SBOM of %d crates in %s", len(crates), target.name)


class _RustWheel:
    """What buildrs adds to setuptools' ``bdist_wheel`` (mixed in before it)."""

    distribution: Any
    bdist_dir: str
    data_dir: str
    dist_dir: str
    wheel_dist_name: str

    def initialize_options(self) -> None:
        super().initialize_options()  # type: ignore[misc]
        self.target: str | None = None

    def _plan(self) -> DistPlan | None:
        if not rust_targets(self.distribution):
            return None
        return dist_plan(self.distribution, inplace=False)

    def finalize_options(self) -> None:
        plan = self._plan()
        if plan is not None:
            floor = plan.abi3_floor
            if not getattr(self, "py_limited_api", None) and floor is not None:
                self.py_limited_api = f"cp{floor[0]}{floor[1]}"
            if plan.platform.wheel_platform and not getattr(self, "plat_name", None):
                self.plat_name = plan.platform.wheel_platform
        super().finalize_options()  # type: ignore[misc]

    def get_tag(self) -> tuple[str, str, str]:
        impl, abi, plat = super().get_tag()  # type: ignore[misc]
        plan = self._plan()
        if plan is not None and plan.platform.wheel_platform:
            # setuptools folds dots into underscores; a manylinux tag keeps its
            # legacy alias as a second, dot-separated platform.
            plat = plan.platform.wheel_platform
        if plan is not None and plan.platform.target and abi not in ("abi3", "none"):
            # A cross build for another CPython (PYO3_CROSS_PYTHON_VERSION).
            major, minor = plan.platform.python_version
            if plan.platform.is_cpython and (major, minor) != sys.version_info[:2]:
                impl = abi = f"cp{major}{minor}"
        targets = rust_targets(self.distribution)
        only_binaries = (
            bool(targets) and not self.distribution.ext_modules and all(t.is_bin for t in targets)
        )
        return ("py3", "none", plat) if only_binaries else (impl, abi, plat)

    def run(self) -> None:
        # Editable installs call write_wheelfile too, for a wheel of links only.
        self._buildrs_check = True
        saved = os.environ.get("SOURCE_DATE_EPOCH")
        self._asked_epoch = saved
        if not saved:
            os.environ["SOURCE_DATE_EPOCH"] = source_date_epoch(project_dir(self.distribution))
        try:
            super().run()  # type: ignore[misc]
            self._stash()
            self._repair()
        finally:
            self._buildrs_check = False
            if not saved:
                os.environ.pop("SOURCE_DATE_EPOCH", None)

    def _wheel_path(self) -> Path:
        return Path(self.dist_dir) / f"{self.wheel_dist_name}-{'-'.join(self.get_tag())}.whl"

    def _stash(self) -> None:
        """Keep the wheel as written, for the next build to reuse (see ``replay``)."""
        plan = self._plan()
        built = self.distribution.get_command_obj("build_rust", create=False)
        if plan is None or built is None:
            return
        from . import recipe

        data_dir = f"{self.wheel_dist_name}.data"
        entries = installed_entries(built.installed, Path(built.build_lib), data_dir)
        root = project_dir(self.distribution)
        recipe.stash(root, self._wheel_path(), plan, entries, built.sources, bool(built.skipped))

    def _repair(self) -> None:
        plan = self._plan()
        if plan is not None:
            repair_linux(plan, self._wheel_path(), self.get_tag()[2], self.distribution.get_name())

    def _check(self, plan: DistPlan) -> None:
        root = Path(self.bdist_dir)
        data = Path(self.data_dir)  # relative to the wheel's root
        data_dir = (data.relative_to(root) if data.is_absolute() else data).as_posix()
        check_tree(plan, root, self.get_tag(), data_dir)

    def write_wheelfile(self, wheelfile_base: str, *args: Any, **kwargs: Any) -> None:
        plan = self._plan() if getattr(self, "_buildrs_check", False) else None
        if plan is not None:
            self._check(plan)
            dist_info, dist = Path(wheelfile_base), self.distribution
            epoch = getattr(self, "_asked_epoch", None)
            write_sbom(
                plan, dist.get_name(), dist.get_version(), project_dir(dist), dist_info, epoch
            )
            built = dist.get_command_obj("build_rust", create=False)
            write_skipped(dist_info, getattr(built, "skipped", []))
        super().write_wheelfile(wheelfile_base, *args, **kwargs)  # type: ignore[misc]


def make_bdist_wheel(base: type[Any]) -> type[Any]:
    """A ``bdist_wheel`` tagged from the plan and checked before it is written."""
    options = [
        *base.user_options,
        ("target=", None, "cargo target triple to build for; the wheel is tagged for it"),
    ]
    return type("bdist_wheel", (_RustWheel, base), {"user_options": options})
