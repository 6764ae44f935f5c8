"""pyo3 against the Python and rustc of a build: its support range, read from its
own build script, and its ``rust-version``.

Each pyo3 release states the Python versions it supports in its build script
(``pyo3-ffi/build.rs`` from 0.16 on), in one of three forms: constants holding
``SupportedVersions`` (0.26 on), inline ``PythonVersion`` values (0.20), or a
``MINIMUM_SUPPORTED_VERSION`` alone (0.17).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from buildrs.plan.invocations import PlannedTarget
from buildrs.plan.platform import Platform, python_name

from .report import Problem, Pyo3Facts, Report, TargetFacts

__all__ = ["Range", "check_pyo3", "older", "pyo3_support"]

_VERSION_CONST = re.compile(
    r"const\s+(\w+)\s*:\s*PythonVersion\s*=\s*PythonVersion\s*\{\s*major\s*:\s*(\d+)\s*,"
    r"\s*minor\s*:\s*(\d+)\s*,?\s*\}"
)
_SUPPORTED = re.compile(
    r"const\s+SUPPORTED_VERSIONS_(\w+)\s*:\s*SupportedVersions\s*=\s*SupportedVersions\s*\{"
    r"\s*min\s*:\s*(?P<min>[^,{]+(?:\{[^}]*\})?)\s*,\s*max\s*:\s*(?P<max>[^,{]+(?:\{[^}]*\})?)"
    r"\s*,?\s*\}"
)
_INLINE = re.compile(r"PythonVersion\s*\{\s*major\s*:\s*(\d+)\s*,\s*minor\s*:\s*(\d+)\s*,?\s*\}")

Range = tuple[tuple[int, int], "tuple[int, int] | None"]


def pyo3_support(build_rs: str) -> dict[str, Range]:
    """The Python versions pyo3's build script accepts, per implementation
    (``"cpython"``, ``"pypy"``...): ``(min, max)``, ``max`` ``None`` where the script
    sets none. Older pyo3 releases state only ``MINIMUM_SUPPORTED_VERSION``."""
    consts = {
        m.group(1): (int(m.group(2)), int(m.group(3))) for m in _VERSION_CONST.finditer(build_rs)
    }
    found: dict[str, Range] = {}

    def value(expr: str) -> tuple[int, int] | None:
        expr = expr.strip()
        inline = _INLINE.fullmatch(expr)
        if inline:
            return int(inline.group(1)), int(inline.group(2))
        reference = re.fullmatch(r"SUPPORTED_VERSIONS_(\w+)\.(min|max)", expr)
        if reference:
            other = found.get(reference.group(1).lower())
            return None if other is None else other[0 if reference.group(2) == "min" else 1]
        return consts.get(expr)

    for match in _SUPPORTED.finditer(build_rs):
        low, high = value(match.group("min")), value(match.group("max"))
        if low is not None:
            found[match.group(1).lower()] = (low, high)
    if not found and "MINIMUM_SUPPORTED_VERSION" in consts:
        found["cpython"] = (consts["MINIMUM_SUPPORTED_VERSION"], None)
    return found


def _resolved(metadata: Mapping[str, Any], manifest: Path, name: str) -> dict[str, Any] | None:
    """The package ``name`` that the crate at ``manifest`` depends on, as resolved."""
    packages = {p["id"]: p for p in metadata.get("packages", [])}
    root = next(
        (p for p in packages.values() if Path(p["manifest_path"]) == manifest.resolve()), None
    )
    if root is None:
        return None
    for node in (metadata.get("resolve") or {}).get("nodes", []):
        if node["id"] == root["id"]:
            for dep in node.get("deps", []):
                package: dict[str, Any] | None = packages.get(dep["pkg"])
                if package and package["name"] == name:
                    return package
    return None


def _support_of(metadata: Mapping[str, Any], pyo3: Mapping[str, Any]) -> dict[str, Range]:
    """pyo3's support range, from pyo3-ffi's build script (pyo3's own, before 0.16)."""
    for package in metadata.get("packages", []):
        if package["name"] == "pyo3-ffi" and package["version"] == pyo3["version"]:
            script = Path(package["manifest_path"]).with_name("build.rs")
            if script.is_file():
                return pyo3_support(script.read_text(encoding="utf-8", errors="replace"))
    script = Path(pyo3["manifest_path"]).with_name("build.rs")
    if script.is_file():
        return pyo3_support(script.read_text(encoding="utf-8", errors="replace"))
    return {}


def _shown(version: tuple[int, int] | None) -> str:
    return "?" if version is None else f"{version[0]}.{version[1]}"


def older(rustc: str, required: str) -> bool:
    from packaging.version import InvalidVersion, Version

    try:
        return Version(rustc.split("-")[0]) < Version(required)
    except InvalidVersion:
        return False


def check_pyo3(
    report: Report,
    entry: TargetFacts,
    planned: PlannedTarget,
    metadata: Mapping[str, Any],
    platform: Platform,
    rustc: str | None,
) -> None:
    """pyo3's rust-version and its supported Pythons, against this rustc and Python."""
    pyo3 = _resolved(metadata, planned.manifest_path, "pyo3")
    if pyo3 is None:
        return
    support = _support_of(metadata, pyo3)
    shown = {impl: (_shown(low), _shown(high)) for impl, (low, high) in sorted(support.items())}
    entry.pyo3 = Pyo3Facts(pyo3["version"], pyo3.get("rust_version"), shown)
    label, version = planned.label, pyo3["version"]
    needed = pyo3.get("rust_version")
    if needed and rustc and older(rustc, needed):
        report.problems.append(
            Problem(
                f"{label}: pyo3 {version} needs rustc {needed}, but rustc is {rustc}",
                f"rustup update (or rustup toolchain install {needed})",
            )
        )
    name = python_name(platform.implementation)
    if platform.implementation not in support:
        if support:
            report.problems.append(
                Problem(
                    f"{label}: pyo3 {version} does not support {name}",
                    f"build with CPython, or use a pyo3 release that lists {name} in its "
                    "build script",
                )
            )
        else:
            report.notes.append(f"{label}: pyo3 {version}'s supported Pythons are unknown")
        return
    low, high = support[platform.implementation]
    here = platform.python_version
    span = f"{name} {_shown(low)}-{_shown(high)}" if high else f"{name} {_shown(low)}+"
    if here < low:
        report.problems.append(
            Problem(
                f"{label}: pyo3 {version} supports {span}, but this is {name} {_shown(here)}",
                f"build with {name} {_shown(low)} or newer, or use an older pyo3 "
                "(change its version in Cargo.toml, then `cargo update -p pyo3`)",
            )
        )
    elif high is not None and here > high and planned.abi3 is None:
        report.problems.append(
            Problem(
                f"{label}: pyo3 {version} supports {span}, but this is {name} "
                f"{_shown(here)}: pyo3 is too old for it",
                "raise pyo3's version in Cargo.toml to a release that supports "
                f"{name} {_shown(here)}, then `cargo update -p pyo3`; or build for "
                f"{name} {_shown(high)} or older",
            )
        )
