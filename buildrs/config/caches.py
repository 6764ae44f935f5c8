"""The variables that turn buildrs' caches off, one per cache.

- ``BUILDRS_NO_INPLACE_CACHE=1``: in-place, editable and ``develop`` builds run cargo
  even when nothing it reads has changed (the stamps of ``compile.stamps``);
- ``BUILDRS_NO_WHEEL_CACHE=1``: a wheel is built anew, neither the last wheel nor its
  Python part reused (``wheel.cache``);
- ``BUILDRS_SETUPTOOLS_WHEEL=1``: setuptools makes the Python part of every wheel,
  never buildrs from ``[project]`` (``wheel.route``);
- ``BUILDRS_NO_FAST_PATH=1``: all three.

This module imports nothing, so that the editable finder can ask it.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: see buildrs/__init__.py
if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "ALL",
    "INPLACE",
    "SETUPTOOLS",
    "VARIABLES",
    "WHEEL",
    "direct_wheel",
    "inplace",
    "variables_table",
    "wheel",
]

ALL = "BUILDRS_NO_FAST_PATH"
INPLACE = "BUILDRS_NO_INPLACE_CACHE"
WHEEL = "BUILDRS_NO_WHEEL_CACHE"
SETUPTOOLS = "BUILDRS_SETUPTOOLS_WHEEL"

VARIABLES = (
    (INPLACE, "in-place, editable and `develop` builds run cargo even when nothing changed"),
    (WHEEL, "wheels are built anew: neither the last wheel nor its Python part is reused"),
    (SETUPTOOLS, "setuptools makes the Python part of every wheel"),
    (ALL, f"all three: `{INPLACE}`, `{WHEEL}` and `{SETUPTOOLS}`"),
)
"""Each variable and what it does, for the documentation (``variables_table``)."""

_ON = ("1", "true", "yes", "on")


def variables_table() -> str:
    """The rows of the variables in configuration.md's table of the environment."""
    return "".join(f"| `{name}` | `1`: {effect} |\n" for name, effect in VARIABLES)


def _set(environ: Mapping[str, str], name: str) -> bool:
    return any(environ.get(n, "").strip().lower() in _ON for n in (name, ALL))


def inplace(environ: Mapping[str, str]) -> bool:
    """Whether in-place builds may skip cargo by their stamps."""
    return not _set(environ, INPLACE)


def wheel(environ: Mapping[str, str]) -> bool:
    """Whether a wheel may reuse the last wheel or its Python part."""
    return not _set(environ, WHEEL)


def direct_wheel(environ: Mapping[str, str]) -> bool:
    """Whether buildrs may make a wheel's Python part from ``[project]`` itself."""
    return not _set(environ, SETUPTOOLS)
