"""Which stable ABI a module is built for, decided as pyo3 decides it: ``abi3`` from
pyo3's ``abi3*`` features (or what the target asks of buildrs), ``abi3t`` (PEP 803)
from its ``abi3t*`` features on CPython 3.15+, and neither on PyPy or on a
free-threaded CPython before 3.15. Pure, like ``plan``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import NamedTuple

from buildrs.config.manifest import CrateInfo
from buildrs.config.settings import BuildSettings
from buildrs.config.targets import Binding, TargetSettings
from buildrs.errors import ConfigError

from .platform import Platform, python_name

__all__ = [
    "ABI3T_SINCE",
    "StableAbi",
    "choose_stable_abi",
    "default_features",
    "no_stable_abi_note",
    "pyo3_floors",
]


def default_features(t: TargetSettings, build: BuildSettings) -> bool:
    """Whether cargo builds the target's crate with its default features."""
    return "--no-default-features" not in t.args + build.cargo_args


ABI3T_SINCE = (3, 15)
"""The first CPython with ``abi3t`` (PEP 803), the stable ABI free-threaded builds load."""


def pyo3_floors(
    t: TargetSettings,
    crate: CrateInfo,
    platform: Platform,
    build: BuildSettings,
    features: Sequence[str],
    kind: str = "abi3",
) -> list[tuple[int, int]]:
    """The stable-ABI floors pyo3's ``abi3*`` features (``abi3t*`` for ``kind="abi3t"``)
    give, as the crate is built."""
    floors = []
    if t.binding is Binding.PyO3:
        prefix = f"{kind}-py3"
        for feature in crate.dependency_features("pyo3", features, default_features(t, build)):
            if feature.startswith(prefix) and feature[len(prefix) :].isdigit():
                floors.append((3, int(feature[len(prefix) :])))
            elif feature == kind:
                floors.append(platform.python_version)
    return floors


def _abi3t_floor(
    t: TargetSettings,
    crate: CrateInfo,
    platform: Platform,
    build: BuildSettings,
    features: Sequence[str],
) -> tuple[int, int] | None:
    """The ``abi3t`` floor of a module, chosen as pyo3 chooses it: with an ``abi3t*``
    feature, a CPython 3.15 or newer (free-threaded or not) gets a module of the
    free-threaded stable ABI, which both kinds of build load; older ones and other
    implementations get none."""
    if t.is_bin or t.py_limited_api is False or not platform.is_cpython:
        return None
    if platform.python_version < ABI3T_SINCE:
        return None
    floors = pyo3_floors(t, crate, platform, build, features, kind="abi3t")
    return max(min(floors), ABI3T_SINCE) if floors else None


def _asked_floor(t: TargetSettings, build: BuildSettings) -> tuple[int, int] | bool | None:
    """The stable ABI the target asks for itself (``True``: any), else ``None``."""
    setting = t.py_limited_api
    if isinstance(setting, tuple):
        return setting
    if setting in (True, "auto") and build.py_limited_api is not None:
        return build.py_limited_api  # bdist_wheel's floor
    return True if setting is True else None


def _abi3_features(
    t: TargetSettings, crate: CrateInfo, floors: Sequence[tuple[int, int]], build: BuildSettings
) -> list[str]:
    """pyo3's feature for the stable ABI a target asks for (``py_limited_api``, or
    ``bdist_wheel``'s for ``"auto"`` targets): without it pyo3 builds a module for one
    Python version, which a ``.abi3`` name and tag would claim runs on others."""
    dep = crate.dependencies.get("pyo3")
    asked = _asked_floor(t, build)
    if dep is None or t.binding is not Binding.PyO3 or t.is_bin or asked is None:
        return []
    if isinstance(asked, tuple):
        if floors and min(floors) <= asked:
            return []
        return [f"{dep.key}/abi3-py{asked[0]}{asked[1]}"]
    return [] if floors else [f"{dep.key}/abi3"]


def _refuse_abi3_when_free_threaded(
    t: TargetSettings, platform: Platform, build: BuildSettings, abi3t: bool
) -> None:
    """A target that asks buildrs itself for abi3 (``py-limited-api``, or
    ``bdist_wheel``'s) cannot have it on a free-threaded CPython, which loads no abi3
    module: refused, naming the two ways out. (pyo3's own ``abi3*`` features are
    followed as pyo3 follows them: a version-specific module, with a note.)"""
    if not platform.free_threaded or abi3t or t.is_bin or t.py_limited_api is False:
        return
    asked = _asked_floor(t, build)
    if asked is None:
        return
    major, minor = platform.python_version
    where = "[bdist_wheel] py_limited_api" if t.py_limited_api == "auto" else "py-limited-api"
    raise ConfigError(
        f"{t.describe()}: {where} asks for abi3, but free-threaded CPython {major}.{minor} "
        "cannot load abi3 modules. Build a module for this interpreter alone "
        '(py-limited-api = "auto" with pyo3\'s abi3-py3X features, which pyo3 applies '
        "only where they can apply), or, for CPython 3.15 and newer, abi3t (pyo3's "
        "abi3t-py315 feature), the stable ABI free-threaded builds load (PEP 803)"
    )


def _abi3_floor(
    t: TargetSettings, platform: Platform, build: BuildSettings, floors: list[tuple[int, int]]
) -> tuple[int, int] | None:
    """The stable-ABI floor a module is built for, or ``None`` for a version-specific one."""
    if t.is_bin or t.py_limited_api is False:
        return None
    if not platform.is_cpython or platform.free_threaded:
        return None
    asked = _asked_floor(t, build)
    if isinstance(asked, tuple) and t.binding is not Binding.PyO3:
        return asked  # the name is all a NoBinding library's stable ABI is
    if asked is True and not floors:
        return platform.python_version
    return min(floors) if floors else None


class StableAbi(NamedTuple):
    """The stable ABI of one module, and the features its crate is built with."""

    features: tuple[str, ...]
    """Every feature cargo is given, sorted (pyo3's abi3 feature added where the
    target asks buildrs for abi3)."""
    floor: tuple[int, int] | None
    """The stable-ABI floor; ``None``: a module for one interpreter."""
    abi3t: bool
    """Built for ``abi3t`` (``floor`` then 3.15 or newer)."""


def choose_stable_abi(
    t: TargetSettings,
    crate: CrateInfo,
    platform: Platform,
    build: BuildSettings,
    enabled: Sequence[str],
) -> StableAbi:
    """The stable ABI of ``t`` built with the features ``enabled``, or a ConfigError
    where it asks for one the interpreter cannot load."""
    floors = pyo3_floors(t, crate, platform, build, enabled)
    features = sorted({*enabled, *_abi3_features(t, crate, floors, build)})
    floors = pyo3_floors(t, crate, platform, build, features)
    abi3t = _abi3t_floor(t, crate, platform, build, features)
    _refuse_abi3_when_free_threaded(t, platform, build, abi3t is not None)
    floor = abi3t or _abi3_floor(t, platform, build, floors)
    return StableAbi(tuple(features), floor, abi3t is not None)


def no_stable_abi_note(
    t: TargetSettings,
    crate: CrateInfo,
    platform: Platform,
    build: BuildSettings,
    features: Sequence[str],
    filename: str,
) -> str | None:
    """Why a module that asks for the stable ABI is built for this interpreter only."""
    if platform.is_cpython and not platform.free_threaded:
        return None
    if _abi3t_floor(t, crate, platform, build, features) is not None:
        return None
    plain = replace(platform, implementation="cpython", free_threaded=False)
    wanted = _abi3_floor(t, plain, build, pyo3_floors(t, crate, plain, build, features))
    if wanted is None:
        return None
    major, minor = platform.python_version
    if platform.free_threaded:
        abi3t = (
            "pyo3's abi3t-py315 feature builds one for both"
            if (major, minor) >= (3, 15)
            else "abi3t, the stable ABI both builds load, starts with 3.15"
        )
        return (
            f"{t.describe()}: free-threaded CPython {major}.{minor} cannot load abi3 "
            f"modules, so the module is built for this interpreter only ({filename}) "
            f"instead of abi3 (Python {wanted[0]}.{wanted[1]}+), as pyo3 does ({abi3t})"
        )
    python = python_name(platform.implementation)
    return (
        f"{t.describe()}: {python} {major}.{minor} has no stable ABI, so the module is "
        f"built for this interpreter only ({filename}) instead of abi3 "
        f"(Python {wanted[0]}.{wanted[1]}+), as pyo3 does"
    )
