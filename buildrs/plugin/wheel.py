"""``bdist_wheel``: tags from the build's plan, and a last check of the wheel's files.

The tag comes from the same ``DistPlan`` that names the modules: abi3 when every
extension module is abi3 (``cpXY-abi3``, XY the highest floor), ``py3-none-<platform>``
for a wheel of Rust binaries only, and the cross target's platform. Before the
wheel is written, ``check_wheel_files`` compares every extension module in it with
the tag, and every declared target with what is there, so a wheel that cannot
import where pip would install it is never written.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from buildrs.errors import BuildrsError
from buildrs.pipeline import process
from buildrs.pipeline.plan import DistPlan

from .distribution import dist_plan, project_dir, rust_targets

__all__ = [
    "SKIPPED_FILE",
    "WheelTagError",
    "check_wheel_files",
    "make_bdist_wheel",
    "module_abi",
    "source_date_epoch",
]


class WheelTagError(BuildrsError):
    """The files of a wheel do not match its tag, or a declared target is missing."""


_VERSIONED = (
    re.compile(r"\.cpython-3(\d+)([a-z]*)-[^/]*\.so$"),
    re.compile(r"\.cp3(\d+)([a-z]*)-[^/]*\.pyd$"),
)


def module_abi(name: str) -> tuple[str, tuple[int, int] | None]:
    """What an extension module file's name says it needs: ``("abi3", None)``,
    ``("cp", (3, 11))`` (``"cpt"`` for free-threaded), ``("other", None)`` for
    another implementation's module, or ``("", None)`` when the name says nothing
    (a plain ``.so``, or not a module at all)."""
    if name.endswith(".abi3.so"):
        return "abi3", None
    for pattern in _VERSIONED:
        found = pattern.search(name)
        if found:
            return ("cpt" if "t" in found.group(2) else "cp"), (3, int(found.group(1)))
    if name.endswith(".pyd"):
        return "abi3", None
    if re.search(r"\.(pypy|graalpy)[^/]*\.so$", name):
        return "other", None
    return "", None


def _tag_version(interpreter: str) -> tuple[int, int] | None:
    found = re.fullmatch(r"cp3(\d+)", interpreter)
    return (3, int(found.group(1))) if found else None


def check_wheel_files(
    files: Iterable[str],
    tag: tuple[str, str, str],
    floors: Mapping[str, tuple[int, int] | None],
    required: Sequence[tuple[str, str]],
) -> list[str]:
    """Problems of a wheel holding ``files`` (paths relative to its root, with ``/``)
    under ``tag``. ``floors`` maps the Rust modules' paths to their abi3 floors;
    ``required`` lists ``(path, label)`` of the declared, non-optional targets."""
    impl, abi, _ = tag
    wheel = "-".join(tag)
    present = set(files)
    problems = [
        f"{label} is declared but {path} is not in the wheel (was it built in place?)"
        for path, label in required
        if path not in present
    ]
    version = _tag_version(impl)
    for path in sorted(present):
        kind, module_version = module_abi(path)
        if not kind or kind == "other":
            continue
        floor = floors.get(path)
        if abi == "none":
            problems.append(
                f"{path} is an extension module, but the wheel is tagged {wheel}, "
                "which claims no Python ABI"
            )
        elif abi == "abi3" and kind != "abi3":
            problems.append(
                f"{path} is built for one Python version only, but the wheel is tagged "
                f"{wheel} (the stable ABI): it would install on other versions and fail "
                "to import. Build it against the stable ABI (py-limited-api, or pyo3's "
                "abi3 features) or drop [bdist_wheel] py_limited_api"
            )
        elif kind in ("cp", "cpt") and version is not None and module_version != version:
            problems.append(
                f"{path} is built for Python {module_version[0]}.{module_version[1]}"  # type: ignore[index]
                f" but the wheel is tagged {wheel}"
            )
        elif kind == "abi3" and floor is not None and version is not None and version < floor:
            problems.append(
                f"{path} needs the stable ABI of Python {floor[0]}.{floor[1]} or newer, "
                f"but the wheel is tagged {wheel} and would install on older versions. "
                f"Enable pyo3's abi3-py{impl[2:]} feature or raise py_limited_api"
            )
    return problems


def _expected(plan: DistPlan, data_dir: str) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    floors: dict[str, Any] = {}
    required: list[tuple[str, str]] = []
    for t in plan.targets:
        if t.to_scripts:
            path = f"{data_dir}/scripts/{t.filename}"
        else:
            path = "/".join([*t.package_parts, t.filename])
        if t.is_module:
            floors[path] = t.abi3
        if not t.optional:
            required.append((path, t.label))
    return floors, required


def _wheel_files(root: Path) -> list[str]:
    return [path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()]


SKIPPED_FILE = "buildrs-skipped.txt"
"""In a wheel's .dist-info: the optional targets that failed to build, and why."""

_ZIP_EPOCH = "315532800"  # 1980-01-01, the earliest date a zip entry can hold


def source_date_epoch(project: Path) -> str:
    """The date for a wheel's entries when ``SOURCE_DATE_EPOCH`` is unset: the last
    commit's, so that two builds of one commit are byte for byte the same; outside a
    git checkout (an sdist, say), 1980-01-01."""
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


class _RustWheel:
    """What buildrs adds to setuptools' ``bdist_wheel`` (mixed in before it)."""

    distribution: Any
    bdist_dir: str
    data_dir: str

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
        if not saved:
            os.environ["SOURCE_DATE_EPOCH"] = source_date_epoch(project_dir(self.distribution))
        try:
            super().run()  # type: ignore[misc]
        finally:
            self._buildrs_check = False
            if not saved:
                os.environ.pop("SOURCE_DATE_EPOCH", None)

    def _check(self, plan: DistPlan) -> None:
        root = Path(self.bdist_dir)
        data = Path(self.data_dir)  # relative to the wheel's root
        data_dir = (data.relative_to(root) if data.is_absolute() else data).as_posix()
        floors, required = _expected(plan, data_dir)
        problems = check_wheel_files(_wheel_files(root), self.get_tag(), floors, required)
        if problems:
            raise WheelTagError(
                "the wheel was not written, because what it holds does not match "
                "its tag or its declared targets:\n  " + "\n  ".join(problems)
            )

    def write_wheelfile(self, wheelfile_base: str, *args: Any, **kwargs: Any) -> None:
        plan = self._plan() if getattr(self, "_buildrs_check", False) else None
        if plan is not None:
            self._check(plan)
        built = self.distribution.get_command_obj("build_rust", create=False)
        skipped = getattr(built, "skipped", []) if plan is not None else []
        if skipped:
            # pip hides a successful build's output: say it where it can be read later.
            lines = "".join(f"{line}\n" for line in skipped)
            Path(wheelfile_base, SKIPPED_FILE).write_text(
                f"Optional Rust targets that failed to build:\n{lines}", encoding="utf-8"
            )
        super().write_wheelfile(wheelfile_base, *args, **kwargs)  # type: ignore[misc]


def make_bdist_wheel(base: type[Any]) -> type[Any]:
    """A ``bdist_wheel`` tagged from the plan and checked before it is written."""
    options = [
        *base.user_options,
        ("target=", None, "cargo target triple to build for; the wheel is tagged for it"),
    ]
    return type("bdist_wheel", (_RustWheel, base), {"user_options": options})
