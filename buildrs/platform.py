"""What we build for: the target OS, the interpreter and its file-name rules.

``detect()`` reads the running interpreter (sysconfig, sys) and the environment
once; everything downstream takes the resulting ``Platform`` as a plain value,
so the planning stage stays pure and testable for any OS.
"""

from __future__ import annotations

import os
import sys
import sysconfig
from collections.abc import Mapping
from dataclasses import dataclass

from .errors import ConfigError

__all__ = ["Platform", "detect", "ext_suffix_for", "os_of_triple", "wheel_platform_for"]


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

    @property
    def abi3_suffix(self) -> str:
        """Suffix of stable-ABI modules: ``.abi3.so`` or, on Windows, ``.pyd``."""
        return ".pyd" if self.os == "windows" else ".abi3.so"

    @property
    def exe_suffix(self) -> str:
        return ".exe" if self.os == "windows" else ""

    @property
    def is_cpython(self) -> bool:
        return self.implementation == "cpython"


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


def wheel_platform_for(triple: str, macos_deployment_target: str | None = None) -> str:
    """The wheel platform tag for a cross target (``linux_aarch64``, ``win_arm64``...)."""
    arch = triple.split("-")[0]
    system = os_of_triple(triple)
    if system == "windows":
        return _WINDOWS_PLATFORMS.get(arch, f"win_{arch}")
    if system == "macos":
        major, _, minor = (macos_deployment_target or "11.0").partition(".")
        mac_arch = "arm64" if arch == "aarch64" else arch
        return f"macosx_{major}_{minor or '0'}_{mac_arch}"
    return f"{system}_{_WHEEL_ARCH.get(arch, arch)}"


def _stable_python() -> str:
    """The interpreter for PyO3 to inspect: one whose path stays the same from build to
    build and from one front end to another.

    pip builds with its own interpreter plus an overlay of packages, ``python -m build``
    and ``uv build`` in a new virtual environment each time; pointing PyO3 at the
    interpreter each of them runs would re-run pyo3's build script, and recompile
    pyo3, whenever the front end changes. They all run the same base interpreter,
    with the same configuration, so PyO3 is pointed at its real path.
    """
    base = getattr(sys, "_base_executable", None) or sys.executable
    if not os.path.isfile(base):
        base = sys.executable
    return os.path.realpath(base)


def _pip_overlay(env: Mapping[str, str]) -> bool:
    """Whether ``PYTHONPATH`` carries pip's build-isolation overlay (a ``sitecustomize``
    written for the interpreter pip runs)."""
    entries = [e for e in env.get("PYTHONPATH", "").split(os.pathsep) if e]
    return any(os.path.isfile(os.path.join(entry, "sitecustomize.py")) for entry in entries)


def _host_os() -> str:
    if sys.platform == "darwin":
        return "macos"
    if sys.platform in ("win32", "cygwin"):
        return "windows"
    if sys.platform.startswith("linux"):
        return "linux"
    return sys.platform.rstrip("0123456789")


def detect(target: str | None = None, environ: Mapping[str, str] | None = None) -> Platform:
    """Describe the platform of the running interpreter, or of ``target`` when cross-building.

    ``target`` falls back to ``CARGO_BUILD_TARGET``.
    """
    env = os.environ if environ is None else environ
    target = target or env.get("CARGO_BUILD_TARGET") or None
    version = (sys.version_info[0], sys.version_info[1])
    ext_suffix = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
    system = _host_os()
    deployment = None
    wheel_platform = None
    if target:
        target_os = os_of_triple(target)
        host_arch = sysconfig.get_platform().rsplit("-", 1)[-1]
        same_machine = target_os == system and target.split("-")[0] in (
            host_arch,
            {"amd64": "x86_64", "arm64": "aarch64"}.get(host_arch.lower(), host_arch),
        )
        if not same_machine:
            system = target_os
            ext_suffix = ext_suffix_for(target, version)
            wheel_platform = wheel_platform_for(target, env.get("MACOSX_DEPLOYMENT_TARGET"))
    if system == "macos":
        deployment = env.get("MACOSX_DEPLOYMENT_TARGET") or sysconfig.get_config_var(
            "MACOSX_DEPLOYMENT_TARGET"
        )
    python = env.get("PYO3_PYTHON") or _stable_python()
    overlay = python != sys.executable and _pip_overlay(env)
    return Platform(
        os=system,
        ext_suffix=ext_suffix,
        python=python,
        python_version=version,
        implementation=sys.implementation.name,
        target=target,
        macos_deployment_target=str(deployment) if deployment else None,
        wheel_platform=wheel_platform,
        free_threaded=bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
        unset_env=("PYTHONPATH",) if overlay else (),
    )
