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

from buildrs.binfmt import platform_of
from buildrs.errors import BuildrsError
from buildrs.pipeline import process
from buildrs.pipeline.plan import DistPlan

from .distribution import dist_plan, project_dir, rust_targets

__all__ = [
    "SKIPPED_FILE",
    "WheelTagError",
    "check_binary_platforms",
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
    impl, abi, platform_tag = tag
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
        named, promised = _named_system(path), _tag_system(platform_tag)
        if named and promised and named != promised:
            problems.append(
                f"{path} is named for {named}, but the wheel is tagged {wheel} ({promised})"
            )
        elif abi == "none":
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


def _named_system(path: str) -> str | None:
    """The system a version-specific module's name is for: ``linux-gnu``,
    ``linux-musl``, ``darwin`` or ``windows``; ``None`` when the name does not say."""
    name = path.rsplit("/", 1)[-1]
    if name.endswith(".pyd"):
        return "windows" if "-win" in name else None
    for system in ("linux-gnu", "linux-musl", "darwin"):
        if re.search(rf"[-.]{system}[^./]*\.so$", name):
            return system
    return None


def _tag_system(platform_tag: str) -> str | None:
    """The system a wheel's platform tag is for, as module names spell it."""
    first = platform_tag.split(".")[0]
    if first.startswith("win"):
        return "windows"
    if first.startswith("macosx_"):
        return "darwin"
    if first.startswith("musllinux_"):
        return "linux-musl"
    if first.startswith(("manylinux", "linux_")):
        return "linux-gnu"
    return None


def _tag_platform(platform_tag: str) -> tuple[str, set[str]]:
    """``(system, architectures)`` a wheel's platform tag promises: ``win_amd64`` ->
    ``("win", {"amd64"})``, ``manylinux_2_17_x86_64.manylinux2014_x86_64`` -> ``("linux",
    {"x86_64"})``."""
    tags = platform_tag.split(".")
    if tags[0] == "win32":
        return "win", {"win32"}
    if tags[0].startswith("win_"):
        return "win", {tag.removeprefix("win_") for tag in tags}
    if tags[0].startswith("macosx_"):
        return "macosx", {tag.split("_", 3)[3] for tag in tags if tag.count("_") >= 3}
    arches = set()
    for tag in tags:
        for prefix in ("manylinux2014_", "manylinux2010_", "manylinux1_", "linux_"):
            if tag.startswith(prefix):
                arches.add(tag.removeprefix(prefix))
                break
        else:
            found = re.fullmatch(r"(?:many|musl)linux_\d+_\d+_(.+)", tag)
            if found:
                arches.add(found.group(1))
    return "linux", arches


def check_binary_platforms(root: Path, files: Iterable[str], platform_tag: str) -> list[str]:
    """Problems of native binaries in a wheel built for another system or architecture
    than its platform tag says (a stale file of an earlier build for another target)."""
    if platform_tag == "any":
        return []
    system, arches = _tag_platform(platform_tag)
    problems = []
    for name in sorted(files):
        with (root / name).open("rb") as handle:
            found = platform_of(handle.read(4096))
        if found is None:
            continue
        fat = found[1] == "universal2" and arches <= {"x86_64", "arm64"}
        if found[0] != system or (arches and found[1] not in arches and not fat):
            problems.append(
                f"{name} is a {found[0]} binary for {found[1]}, but the wheel is tagged "
                f"{platform_tag}"
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
        files, tag = _wheel_files(root), self.get_tag()
        problems = check_wheel_files(files, tag, floors, required)
        problems += check_binary_platforms(root, files, tag[2])
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
