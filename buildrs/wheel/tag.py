"""A wheel's tag, computed in one place for every route to a wheel.

The tag follows from the plan (which names the modules) and the interpreter built
for, as setuptools' ``bdist_wheel`` would write it for the same files:

- no Rust target at all: ``py3-none-any``, a pure-Python wheel;
- Rust binaries only: ``py3-none-<platform>``;
- every module built for the stable ABI: ``cpXY-abi3-<platform>``, XY the highest floor
  (or the version ``bdist_wheel --py-limited-api`` asks for); ``cpXY-abi3.abi3t-<platform>``
  when every module is built for the free-threaded stable ABI (PEP 803) too;
- otherwise the interpreter's own tags (``cp312-cp312``, ``cp313-cp313t``,
  ``pp310-pypy310_pp73``), or those of the CPython a cross build is for.

The platform is the cross target's (or zig's manylinux/musllinux tag) when the plan
names one, else the interpreter's; on macOS it is raised to the newest macOS any
built binary needs, as setuptools reads it from the binaries.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import NamedTuple

from buildrs.plan.interpreter import Python, abi_tag, interpreter_tag, platform_tag
from buildrs.plan.invocations import DistPlan

__all__ = ["WheelTag", "macos_platform", "wheel_tag"]


class WheelTag(NamedTuple):
    """The three parts of a wheel's tag; each may hold several, joined by dots (a
    manylinux tag and its legacy alias)."""

    interpreter: str
    abi: str
    platform: str

    def __str__(self) -> str:
        return "-".join(self)

    @classmethod
    def of_file(cls, name: str) -> WheelTag:
        """The tag in a wheel's file name."""
        impl, abi, plat = name[: -len(".whl")].split("-")[-3:]
        return cls(impl, abi, plat)


def wheel_tag(
    plan: DistPlan,
    python: Python,
    environ: Mapping[str, str],
    binaries: Iterable[Path] = (),
    c_extensions: bool = False,
) -> WheelTag:
    """The tag of the wheel ``plan`` builds for ``python``; ``binaries``: the built
    files, which a macOS wheel's platform is read from; ``c_extensions``: setup.py
    builds extension modules of its own too."""
    if not plan.targets and not c_extensions:
        return WheelTag("py3", "none", "any")
    plat = plan.platform.wheel_platform or _platform(python, environ, binaries)
    if not c_extensions and all(not t.is_module for t in plan.targets):
        return WheelTag("py3", "none", plat)
    impl, abi = interpreter_tag(python), abi_tag(python)
    # ``bdist_wheel --py-limited-api`` asks for the tag; else the modules' floor says it.
    floor = plan.settings.py_limited_api or plan.abi3_floor
    if plan.abi3t and floor is not None and impl.startswith("cp"):
        return WheelTag(f"cp{floor[0]}{floor[1]}", "abi3.abi3t", plat)
    if floor is not None and impl.startswith("cp") and not python.free_threaded:
        return WheelTag(f"cp{floor[0]}{floor[1]}", "abi3", plat)
    version = plan.platform.python_version
    if plan.platform.target and plan.platform.is_cpython and version != python.version:
        impl = abi = f"cp{version[0]}{version[1]}"  # a cross build for another CPython
    return WheelTag(impl, abi, plat)


def _platform(python: Python, environ: Mapping[str, str], binaries: Iterable[Path]) -> str:
    if python.sys_platform == "darwin":
        return macos_platform(python.platform, environ.get("MACOSX_DEPLOYMENT_TARGET"), binaries)
    return platform_tag(python)


def _release(text: str) -> tuple[int, int]:
    """``"10.9"`` -> ``(10, 9)``; ``"11.3"`` -> ``(11, 0)``: from macOS 11 on, only the
    major version counts."""
    parts = [int(p) for p in text.split(".")[:2]] + [0]
    major, minor = parts[0], parts[1]
    return (major, 0) if major > 10 else (major, minor)


def macos_platform(platform: str, deployment: str | None, binaries: Iterable[Path]) -> str:
    """The platform tag of a macOS wheel: the interpreter's platform
    (``macosx-11.0-arm64``), raised to ``MACOSX_DEPLOYMENT_TARGET`` and to the newest
    macOS any of ``binaries`` (``.so``, ``.dylib``) says it needs."""
    from buildrs.binfmt import macho

    _, base, arch = platform.split("-", 2)
    version = _release(base)
    if deployment:
        version = max(version, _release(deployment))
    for path in binaries:
        if not path.name.endswith((".so", ".dylib")):
            continue
        data = path.read_bytes()
        if not macho.is_macho(data):
            continue
        for image in macho.images(data, str(path)):
            if image.minos:
                version = max(version, _release(image.minos))
    tag = f"macosx_{version[0]}_{version[1]}_{arch}"
    return tag.lower().replace("-", "_").replace(".", "_").replace(os.sep, "_")
