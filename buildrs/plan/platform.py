"""What we build for: the target OS, the interpreter and its file-name rules.

``detect()`` reads the interpreter (``interpreter.Python``: the running one unless
another is given) and the environment once; everything downstream takes the
resulting ``Platform`` as a plain value, so the planning stage stays pure and
testable for any OS.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from buildrs.errors import ConfigError

from .crosspython import CrossPython, cross_python
from .interpreter import Python, running

if TYPE_CHECKING:
    from buildrs.config.settings import BuildSettings

__all__ = [
    "UNIVERSAL2",
    "UNIVERSAL2_SLICES",
    "CrossPython",
    "Platform",
    "cross_platform",
    "cross_python",
    "detect",
    "ext_suffix_for",
    "macos_deployment_for",
    "manylinux_tags",
    "musllinux_tag",
    "os_of_triple",
    "python_name",
    "runs_code_of",
    "triple_of",
    "wheel_platform_for",
]


@dataclass(frozen=True)
class Platform:
    """The build target, as far as naming and linking are concerned."""

    os: str
    """``"linux"``, ``"macos"``, ``"windows"`` or another lower-case OS name."""
    ext_suffix: str
    """Suffix of version-specific extension modules, e.g. ``.cpython-311-x86_64-linux-gnu.so``."""
    python: str
    """The interpreter PyO3's build script inspects (``PYO3_PYTHON``)."""
    python_version: tuple[int, int]
    """(major, minor) of the interpreter the modules are built for."""
    implementation: str = "cpython"
    """``sys.implementation.name`` of that interpreter."""
    target: str | None = None
    """A cargo ``--target`` triple when cross-compiling; ``None`` builds for the host."""
    macos_deployment_target: str | None = None
    """``MACOSX_DEPLOYMENT_TARGET`` to build with (macOS only)."""
    wheel_platform: str | None = None
    """Wheel platform tag to force (cross builds); ``None`` keeps setuptools' own."""
    free_threaded: bool = False
    """A free-threaded CPython build, which cannot load ``abi3`` modules."""
    unset_env: tuple[str, ...] = ()
    """Variables cargo must not inherit: pip's overlay ``PYTHONPATH``, which is meant
    for pip's interpreter, not for the one ``python`` names."""
    glibc: str | None = None
    """The glibc version a zig build links against (``cargo zigbuild --target T.2.17``)."""
    python_env: tuple[tuple[str, str], ...] = ()
    """Variables ``python`` runs with when it is buildrs' launcher of the build's own
    interpreter (see ``interpreter``); empty when ``PYO3_PYTHON`` was given."""
    cross: bool = False
    """Built for another OS or architecture than the running interpreter's."""
    cross_python: str | None = None
    """A cross build: where the target Python's version came from (``PYO3_CROSS_LIB_DIR=...``
    or ``PYO3_CROSS_PYTHON_VERSION``); ``None`` when neither said (the building
    Python's version is assumed)."""

    @property
    def cargo_target(self) -> str | None:
        """The ``--target`` value of the build: the triple, with the glibc version
        appended when zig pins it."""
        if self.target and self.glibc:
            return f"{self.target}.{self.glibc}"
        return self.target

    @property
    def abi3_suffix(self) -> str:
        """Suffix of stable-ABI modules: ``.abi3.so`` or, on Windows, ``.pyd``."""
        return ".pyd" if self.os == "windows" else ".abi3.so"

    @property
    def abi3t_suffix(self) -> str:
        """Suffix of modules of the free-threaded stable ABI (PEP 803): ``.abi3t.so``,
        which CPython 3.15+ loads whether free-threaded or not, or, on Windows, ``.pyd``."""
        return ".pyd" if self.os == "windows" else ".abi3t.so"

    @property
    def exe_suffix(self) -> str:
        return ".exe" if self.os == "windows" else ""

    @property
    def is_cpython(self) -> bool:
        return self.implementation == "cpython"


_PYTHON_NAMES = {"cpython": "CPython", "pypy": "PyPy", "graalpy": "GraalPy"}


def python_name(implementation: str) -> str:
    """How people write ``sys.implementation.name``: ``pypy`` -> ``PyPy``."""
    return _PYTHON_NAMES.get(implementation, implementation)


def os_of_triple(triple: str) -> str:
    """The OS a target triple builds for: ``x86_64-apple-darwin`` -> ``macos``."""
    parts = triple.split("-")
    if "darwin" in parts:
        return "macos"
    if "windows" in parts:
        return "windows"
    if "linux" in parts:
        return "linux"
    for name in ("freebsd", "netbsd", "openbsd", "dragonfly", "solaris", "illumos", "emscripten"):
        if name in parts:
            return name
    return parts[2] if len(parts) > 2 else triple


_LINUX_MULTIARCH = {
    "x86_64": "x86_64-linux-gnu",
    "i686": "i386-linux-gnu",
    "i586": "i386-linux-gnu",
    "aarch64": "aarch64-linux-gnu",
    "armv7": "arm-linux-gnueabihf",
    "arm": "arm-linux-gnueabi",
    "powerpc64le": "powerpc64le-linux-gnu",
    "powerpc64": "powerpc64-linux-gnu",
    "s390x": "s390x-linux-gnu",
    "riscv64gc": "riscv64-linux-gnu",
    "loongarch64": "loongarch64-linux-gnu",
}

_WINDOWS_PLATFORMS = {
    "x86_64": "win_amd64",
    "i686": "win32",
    "i586": "win32",
    "aarch64": "win_arm64",
}

_WHEEL_ARCH = {"i686": "i686", "i586": "i686", "armv7": "armv7l", "riscv64gc": "riscv64"}


def ext_suffix_for(triple: str, version: tuple[int, int]) -> str:
    """CPython's EXT_SUFFIX for another target, for cross builds."""
    arch = triple.split("-")[0]
    tag = f"{version[0]}{version[1]}"
    system = os_of_triple(triple)
    if system == "windows":
        try:
            return f".cp{tag}-{_WINDOWS_PLATFORMS[arch]}.pyd"
        except KeyError:
            raise ConfigError(f"target {triple!r}: unknown Windows architecture {arch!r}") from None
    if system == "macos":
        return f".cpython-{tag}-darwin.so"
    if system == "linux":
        multiarch = _LINUX_MULTIARCH.get(arch, f"{arch}-linux-gnu")
        if triple.endswith("musl"):
            multiarch = multiarch.replace("-gnu", "-musl")
        return f".cpython-{tag}-{multiarch}.so"
    return f".cpython-{tag}.so"


UNIVERSAL2 = "universal2-apple-darwin"
"""The pseudo-triple of a macOS build for both x86_64 and arm64, merged into one file."""
UNIVERSAL2_SLICES = (("x86_64", "x86_64-apple-darwin"), ("arm64", "aarch64-apple-darwin"))
"""The architectures of a universal2 build and the triples that build them."""


def _macos_platform(arch: str, deployment_target: str | None) -> str:
    """A macOS platform tag pip accepts: arm64 starts at macOS 11, x86_64 and universal2
    at Rust's default of 10.12, and from macOS 11 on only the major version counts."""
    mac_arch = "arm64" if arch == "aarch64" else arch
    floor = (11, 0) if mac_arch == "arm64" else (10, 12)
    version = floor
    if deployment_target:
        try:
            parts = [int(p) for p in deployment_target.split(".")[:2]]
        except ValueError:
            raise ConfigError(
                f"MACOSX_DEPLOYMENT_TARGET={deployment_target!r} is not a macOS version "
                "such as 11.0"
            ) from None
        version = max(floor, (parts[0], parts[1] if len(parts) > 1 else 0))
    if version[0] >= 11:
        version = (version[0], 0)
    return f"macosx_{version[0]}_{version[1]}_{mac_arch}"


def wheel_platform_for(triple: str, macos_deployment_target: str | None = None) -> str:
    """The wheel platform tag for a cross target (``linux_aarch64``, ``win_arm64``...)."""
    arch = triple.split("-")[0]
    system = os_of_triple(triple)
    if system == "windows":
        return _WINDOWS_PLATFORMS.get(arch, f"win_{arch}")
    if system == "macos":
        return _macos_platform(arch, macos_deployment_target)
    if system == "linux" and "-musl" in triple:
        return musllinux_tag(DEFAULT_MUSL, triple)
    return f"{system}_{_WHEEL_ARCH.get(arch, arch)}"


DEFAULT_MUSL = "1.2"
"""The musl of rustc's musl targets (1.2.3 and newer since Rust 1.71): ``musllinux_1_2``."""


def musllinux_tag(musl: str, triple: str) -> str:
    """The wheel platform tag of a module linked against ``musl`` (``1.2.5``) for
    ``triple``: ``musllinux_1_2_x86_64``, which pip on Alpine installs."""
    major, minor = musl.split(".")[:2]
    return f"musllinux_{int(major)}_{int(minor)}_{_manylinux_arch(triple)}"


_LEGACY_MANYLINUX = {(2, 5): "manylinux1", (2, 12): "manylinux2010", (2, 17): "manylinux2014"}


def _manylinux_arch(triple: str) -> str:
    """The architecture as manylinux and musllinux tags spell it."""
    arch = triple.split("-")[0]
    return {
        "i586": "i686",
        "armv7": "armv7l",
        "powerpc64le": "ppc64le",
        "powerpc64": "ppc64",
        "riscv64gc": "riscv64",
    }.get(arch, arch)


def manylinux_tags(glibc: str, triple: str) -> str:
    """The wheel platform tag of a build linked against ``glibc`` for ``triple``:
    ``manylinux_2_17_x86_64.manylinux2014_x86_64``, legacy alias included."""
    major, minor = (int(part) for part in glibc.split("."))
    arch = _manylinux_arch(triple)
    tags = [f"manylinux_{major}_{minor}_{arch}"]
    legacy = _LEGACY_MANYLINUX.get((major, minor))
    if legacy and (legacy == "manylinux2014" or arch in ("x86_64", "i686")):
        tags.append(f"{legacy}_{arch}")
    return ".".join(tags)


def _host_triple(machine: str, ext_suffix: str) -> str:
    """The Rust target triple of this Linux machine, for builds that must name one."""
    arch = {"amd64": "x86_64", "arm64": "aarch64", "ppc64le": "powerpc64le"}.get(
        machine.lower(), machine
    )
    if arch not in ("x86_64", "aarch64", "i686", "powerpc64le", "s390x", "riscv64gc"):
        raise ConfigError(
            f"zig: cannot tell the Rust target triple of this {machine} machine; pass the "
            "target (build_rust --target, or CARGO_BUILD_TARGET)"
        )
    return f"{arch}-unknown-linux-{'musl' if 'musl' in ext_suffix else 'gnu'}"


def triple_of(python: Python) -> str:
    """The Rust target triple a Linux interpreter runs the code of (an aarch64 one
    run under emulation, say)."""
    return _host_triple(python.platform.rsplit("-", 1)[-1], python.ext_suffix)


def runs_code_of(triple: str, python: Python) -> bool:
    """Whether ``python`` can import a module built for ``triple``."""
    return _same_machine(triple, _host_os(python.sys_platform), python)


def _pip_overlay(env: Mapping[str, str]) -> bool:
    """Whether ``PYTHONPATH`` carries pip's build-isolation overlay (a ``sitecustomize``
    written for the interpreter pip runs)."""
    entries = [e for e in env.get("PYTHONPATH", "").split(os.pathsep) if e]
    return any(os.path.isfile(os.path.join(entry, "sitecustomize.py")) for entry in entries)


def _host_os(sys_platform: str) -> str:
    if sys_platform == "darwin":
        return "macos"
    if sys_platform in ("win32", "cygwin"):
        return "windows"
    if sys_platform.startswith("linux"):
        return "linux"
    return sys_platform.rstrip("0123456789")


_MACOS_FLOORS = {"aarch64": "11.0", "arm64": "11.0"}


def macos_deployment_for(triple: str, asked: str | None) -> str:
    """The ``MACOSX_DEPLOYMENT_TARGET`` a macOS build links with: the asked one, raised
    to the architecture's floor (11.0 for arm64, rustc's 10.12 for x86_64). Always
    given: a linker left to itself (zig's) picks its own newest macOS."""
    floor = _MACOS_FLOORS.get(triple.split("-")[0], "10.12")
    if not asked:
        return floor

    def key(text: str) -> tuple[int, ...]:
        return tuple(int(p) for p in text.split(".") if p.isdigit())

    return asked if key(asked) >= key(floor) else floor


def cross_platform(
    triple: str,
    python: CrossPython,
    launcher: str,
    zig_glibc: str | None = None,
    deployment_target: str | None = None,
) -> Platform:
    """The platform of a build for another machine's ``triple``, for the Python
    ``python`` describes, with ``launcher`` as ``PYO3_PYTHON``. Pure: every cross
    build's names and tags follow from these arguments."""
    system = os_of_triple(triple)
    deployment = None
    if system == "macos":
        deployment = deployment_target or "10.12"
        if triple != UNIVERSAL2:
            deployment = macos_deployment_for(triple, deployment_target)
    glibc = zig_glibc if "-linux-gnu" in triple else None
    return Platform(
        os=system,
        ext_suffix=python.ext_suffix or ext_suffix_for(triple, python.version),
        python=launcher,
        python_version=python.version,
        target=triple,
        macos_deployment_target=deployment,
        wheel_platform=(
            manylinux_tags(glibc, triple) if glibc else wheel_platform_for(triple, deployment)
        ),
        glibc=glibc,
        cross=True,
        cross_python=python.source or None,
    )


def _same_machine(triple: str, system: str, python: Python) -> bool:
    """Whether ``triple`` is what ``python`` is built for: the same OS, architecture
    and, on Linux, C library (a musl target from a glibc Python is a cross build,
    whose modules are named for musl)."""
    host_arch = python.platform.rsplit("-", 1)[-1]
    if system == "linux" and ("musl" in triple) != ("musl" in python.ext_suffix):
        return False
    return os_of_triple(triple) == system and triple.split("-")[0] in (
        host_arch,
        {"amd64": "x86_64", "arm64": "aarch64"}.get(host_arch.lower(), host_arch),
    )


def detect(
    settings: BuildSettings | None = None,
    environ: Mapping[str, str] | None = None,
    python: Python | None = None,
) -> Platform:
    """Describe the platform of ``python`` (the running interpreter unless given), or
    of ``settings.target`` when cross-building. With ``settings.zig`` the glibc of Linux
    GNU targets, the host's own included, is pinned to ``settings.glibc`` and the
    wheel is tagged manylinux for it.
    """
    from .launchers import pyo3_python

    env = os.environ if environ is None else environ
    facts = python or running()
    target = settings.target if settings else None
    zig_glibc = settings.glibc if settings and settings.zig else None
    deployment = settings.macos_deployment_target if settings else None
    version, ext_suffix = facts.version, facts.ext_suffix
    system = _host_os(facts.sys_platform)
    pyo3, python_env = pyo3_python(env, facts)
    if zig_glibc and not target and system == "linux":
        target = _host_triple(facts.platform.rsplit("-", 1)[-1], ext_suffix)
    overlay = pyo3 != sys.executable and _pip_overlay(env)
    unset = ("PYTHONPATH",) if overlay else ()
    if target and not _same_machine(target, system, facts):
        found = cross_python(env, version)
        cross = cross_platform(target, found, pyo3, zig_glibc, deployment)
        return replace(cross, unset_env=unset, python_env=python_env)
    glibc = zig_glibc if target and "-linux-gnu" in target else None
    if system == "macos":
        deployment = deployment or facts.macos_deployment_target
    return Platform(
        os=system,
        ext_suffix=ext_suffix,
        python=pyo3,
        python_version=version,
        implementation=facts.implementation,
        target=target,
        macos_deployment_target=str(deployment) if system == "macos" and deployment else None,
        wheel_platform=manylinux_tags(glibc, target) if glibc and target else None,
        free_threaded=facts.free_threaded,
        unset_env=unset,
        glibc=glibc,
        python_env=python_env,
    )
