"""The last check of a wheel before it is written: its files against its tag.

``check_wheel_files`` compares every extension module's name with the tag (the
Python version, the stable ABI, the system) and every declared target with what
is there; ``check_binary_platforms`` reads every native binary and compares its
format, architecture and, for manylinux, the newest glibc it needs with what the
tag promises. A wheel that installs where it cannot be imported is never written.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from buildrs.binfmt import platform_of
from buildrs.binfmt.elf import required_versions
from buildrs.config.manifest import load_toml
from buildrs.config.values import subtable
from buildrs.errors import BuildrsError, ConfigError
from buildrs.plan.invocations import DistPlan

__all__ = [
    "WheelTagError",
    "check_binary_platforms",
    "check_not_empty",
    "check_wheel",
    "check_wheel_files",
    "expected_files",
    "module_abi",
]


class WheelTagError(BuildrsError):
    """The files of a wheel do not match its tag, or a declared target is missing."""


def check_wheel(
    plan: DistPlan,
    names: Sequence[str],
    binaries: Mapping[str, Path],
    tag: Sequence[str],
    data_dir: str,
) -> None:
    """Refuse a wheel whose files (``names``) do not match ``tag`` or the plan's
    targets, or whose native binaries (``binaries``: the files on disk, by name) are
    for another platform than the tag."""
    floors, required = expected_files(plan, data_dir)
    problems = check_wheel_files(names, tuple(tag), floors, required)  # type: ignore[arg-type]
    problems += check_binary_platforms(binaries, tag[2])
    if problems:
        raise WheelTagError(
            "the wheel was not written, because what it holds does not match "
            "its tag or its declared targets:\n  " + "\n  ".join(problems)
        )


def check_not_empty(wheel: Path, root: Path, pyproject: Mapping[str, Any]) -> None:
    """Refuse (and remove) a wheel setuptools made of a project with a Cargo.toml that
    holds nothing but its ``.dist-info``: no Rust target was declared, and the wheel
    would install no module at all."""
    manifest = root / "Cargo.toml"
    if not manifest.is_file():
        return
    with zipfile.ZipFile(wheel) as archive:
        held = [n for n in archive.namelist() if not n.split("/")[0].endswith(".dist-info")]
    if held:
        return
    wheel.unlink()
    crate = load_toml(manifest, "Cargo.toml")
    library, package = subtable(crate, "lib"), subtable(crate, "package")
    name = str(library.get("name") or package.get("name") or "my_module").replace("-", "_")
    tool = subtable(pyproject, "tool")
    maturin = " ([tool.maturin] is read only where no setup.py or setup.cfg declares the project)"
    raise ConfigError(
        f"{manifest} is a Rust crate, but no Rust target is declared for it "
        "([tool.buildrs] in pyproject.toml, or rust_extensions in setup.py)"
        f"{maturin if 'maturin' in tool else ''}, so the wheel would hold no module and "
        "none was written; declare the module in pyproject.toml, for instance:\n"
        f'  [[tool.buildrs.ext-modules]]\n  target = "{name}"'
    )


def expected_files(
    plan: DistPlan, data_dir: str
) -> tuple[dict[str, tuple[int, int] | None], list[tuple[str, str]]]:
    """What ``check_wheel_files`` compares a wheel with: the abi3 floor of each module's
    path in the wheel, and the path and label of every target that must be there."""
    floors: dict[str, tuple[int, int] | None] = {}
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


_VERSIONED = (
    re.compile(r"\.cpython-3(\d+)([a-z]*)-[^/]*\.so$"),
    re.compile(r"\.cp3(\d+)([a-z]*)-[^/]*\.pyd$"),
)


def module_abi(name: str) -> tuple[str, tuple[int, int] | None]:
    """What an extension module file's name says it needs: ``("abi3", None)``,
    ``("abi3t", None)`` (PEP 803's, which free-threaded CPython loads too),
    ``("cp", (3, 11))`` (``"cpt"`` for free-threaded), ``("other", None)`` for
    another implementation's module, or ``("", None)`` when the name says nothing
    (a plain ``.so``, or not a module at all)."""
    if name.endswith(".abi3.so"):
        return "abi3", None
    if name.endswith(".abi3t.so"):
        return "abi3t", None
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
    _, abi, platform_tag = tag
    wheel = "-".join(tag)
    present = set(files)
    problems = [
        f"{label} is declared but {path} is not in the wheel (was it built in place?)"
        for path, label in required
        if path not in present
    ]
    for path in sorted(present):
        kind, module_version = module_abi(path)
        if not kind or kind == "other":
            continue
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
        else:
            problem = _abi_problem(path, kind, module_version, floors.get(path), tag)
            if problem:
                problems.append(problem)
    return problems


def _abi_problem(
    path: str,
    kind: str,
    module_version: tuple[int, int] | None,
    floor: tuple[int, int] | None,
    tag: tuple[str, str, str],
) -> str | None:
    """What is wrong with a module of ``kind`` (``module_abi``) under ``tag``'s
    interpreter and ABI, if anything."""
    impl, abi, _ = tag
    wheel = "-".join(tag)
    version = _tag_version(impl)
    if "abi3t" in abi.split(".") and kind != "abi3t":
        return (
            f"{path} is not built for abi3t, but the wheel is tagged {wheel}, which "
            "free-threaded CPython installs: it would fail to import there. Build "
            "every module with pyo3's abi3t-py315 feature"
        )
    if abi == "abi3" and kind not in ("abi3", "abi3t"):
        return (
            f"{path} is built for one Python version only, but the wheel is tagged "
            f"{wheel} (the stable ABI): it would install on other versions and fail "
            "to import. Build it against the stable ABI (py-limited-api, or pyo3's "
            "abi3 features) or drop [bdist_wheel] py_limited_api"
        )
    if kind in ("cp", "cpt") and version is not None and module_version != version:
        assert module_version is not None
        return (
            f"{path} is built for Python {module_version[0]}.{module_version[1]}"
            f" but the wheel is tagged {wheel}"
        )
    if kind in ("abi3", "abi3t") and floor is not None and version is not None and version < floor:
        return (
            f"{path} needs the stable ABI of Python {floor[0]}.{floor[1]} or newer, "
            f"but the wheel is tagged {wheel} and would install on older versions. "
            f"Enable pyo3's abi3-py{impl[2:]} feature or raise py_limited_api"
        )
    return None


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


def check_binary_platforms(files: Mapping[str, Path], platform_tag: str) -> list[str]:
    """Problems of native binaries in a wheel (``files``: each file's path by its name
    in the wheel) built for another system or architecture than its platform tag says
    (a stale file of an earlier build for another target)."""
    if platform_tag == "any":
        return []
    system, arches = _tag_platform(platform_tag)
    problems = []
    for name in sorted(files):
        with files[name].open("rb") as handle:
            found = platform_of(handle.read(4096))
        if found is None:
            continue
        fat = found[1] == "universal2" and arches <= {"x86_64", "arm64"}
        if found[0] != system or (arches and found[1] not in arches and not fat):
            problems.append(
                f"{name} is a {found[0]} binary for {found[1]}, but the wheel is tagged "
                f"{platform_tag}"
            )
            continue
        promised = _tag_glibc(platform_tag)
        needed = _glibc_needed(files[name]) if promised else None
        if promised and needed and needed > promised:
            problems.append(
                f"{name} needs glibc {needed[0]}.{needed[1]} (GLIBC_{needed[0]}.{needed[1]} "
                f"symbols), but the wheel is tagged {platform_tag}, which promises glibc "
                f"{promised[0]}.{promised[1]}: it was linked against a newer glibc than the "
                "tag's (with zig = true, is a CARGO_TARGET_<TRIPLE>_LINKER or a linker in "
                "a cargo config replacing zig's?)"
            )
    return problems


_LEGACY_GLIBC = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}


def _tag_glibc(platform_tag: str) -> tuple[int, int] | None:
    """The oldest glibc a manylinux tag promises to run on (its lowest, if several)."""
    found = []
    for tag in platform_tag.split("."):
        versioned = re.match(r"manylinux_(\d+)_(\d+)_", tag)
        if versioned:
            found.append((int(versioned.group(1)), int(versioned.group(2))))
        elif tag.split("_")[0] in _LEGACY_GLIBC:
            found.append(_LEGACY_GLIBC[tag.split("_")[0]])
    return min(found) if found else None


def _glibc_needed(path: Path) -> tuple[int, int] | None:
    """The newest ``GLIBC_x.y`` symbol version an ELF file needs."""
    versions = required_versions(path) or {}
    found = [
        (int(m.group(1)), int(m.group(2)))
        for names in versions.values()
        for name in names
        if (m := re.fullmatch(r"GLIBC_(\d+)\.(\d+)(?:\.\d+)?", name))
    ]
    return max(found) if found else None
