"""PEP 517 backend: setuptools' own, plus buildrs' ``--config-settings``.

Use ``build-backend = "buildrs.build_meta"`` to pass build options from the
front end::

    pip wheel . -C buildrs.profile=dev -C buildrs.features=simd
    python -m build --sdist -C buildrs.vendor=true

Each setting is applied for the duration of the hook through the environment
variable it shadows (so a config setting beats the variable, which beats
pyproject.toml); every other setting goes to setuptools unchanged.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Union

from setuptools import build_meta as _setuptools

__all__ = [
    "SETTINGS",
    "build_editable",
    "build_sdist",
    "build_wheel",
    "get_requires_for_build_editable",
    "get_requires_for_build_sdist",
    "get_requires_for_build_wheel",
    "prepare_metadata_for_build_editable",
    "prepare_metadata_for_build_wheel",
]

SETTINGS = {
    "buildrs.profile": "BUILDRS_PROFILE",
    "buildrs.features": "BUILDRS_FEATURES",
    "buildrs.cargo-args": "BUILDRS_CARGO_ARGS",
    "buildrs.vendor": "BUILDRS_VENDOR",
}
"""Config setting -> the environment variable it sets."""

ConfigSettings = Union[Mapping[str, Union[str, list[str], None]], None]


def _value(key: str, value: object) -> str:
    if isinstance(value, list):
        separator = " " if key == "buildrs.cargo-args" else ","
        return separator.join(str(v) for v in value)
    return "" if value is None else str(value)


@contextmanager
def _applied(config_settings: ConfigSettings) -> Iterator[dict[str, Any] | None]:
    if not config_settings:
        yield None
        return
    rest: dict[str, Any] = {}
    ours: dict[str, str] = {}
    for key, value in config_settings.items():
        if key in SETTINGS:
            ours[SETTINGS[key]] = _value(key, value)
        elif key.startswith("buildrs."):
            close = difflib.get_close_matches(key, list(SETTINGS), n=1)
            hint = f" — did you mean {close[0]!r}?" if close else f" (known: {', '.join(SETTINGS)})"
            raise SystemExit(f"error: --config-settings: unknown buildrs setting {key!r}{hint}")
        else:
            rest[key] = value
    saved = {name: os.environ.get(name) for name in ours}
    os.environ.update(ours)
    try:
        yield rest or None
    finally:
        for name, old in saved.items():
            if old is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = old


def get_requires_for_build_wheel(config_settings: ConfigSettings = None) -> list[str]:
    with _applied(config_settings) as rest:
        result: list[str] = _setuptools.get_requires_for_build_wheel(rest)
        return result


def get_requires_for_build_sdist(config_settings: ConfigSettings = None) -> list[str]:
    with _applied(config_settings) as rest:
        result: list[str] = _setuptools.get_requires_for_build_sdist(rest)
        return result


def get_requires_for_build_editable(config_settings: ConfigSettings = None) -> list[str]:
    with _applied(config_settings) as rest:
        result: list[str] = _setuptools.get_requires_for_build_editable(rest)
        return result


def prepare_metadata_for_build_wheel(
    metadata_directory: str, config_settings: ConfigSettings = None
) -> str:
    with _applied(config_settings) as rest:
        result: str = _setuptools.prepare_metadata_for_build_wheel(metadata_directory, rest)
        return result


def prepare_metadata_for_build_editable(
    metadata_directory: str, config_settings: ConfigSettings = None
) -> str:
    with _applied(config_settings) as rest:
        result: str = _setuptools.prepare_metadata_for_build_editable(metadata_directory, rest)
        return result


def build_wheel(
    wheel_directory: str,
    config_settings: ConfigSettings = None,
    metadata_directory: str | None = None,
) -> str:
    with _applied(config_settings) as rest:
        result: str = _setuptools.build_wheel(wheel_directory, rest, metadata_directory)
        return result


def build_editable(
    wheel_directory: str,
    config_settings: ConfigSettings = None,
    metadata_directory: str | None = None,
) -> str:
    with _applied(config_settings) as rest:
        result: str = _setuptools.build_editable(wheel_directory, rest, metadata_directory)
        return result


def build_sdist(sdist_directory: str, config_settings: ConfigSettings = None) -> str:
    with _applied(config_settings) as rest:
        result: str = _setuptools.build_sdist(sdist_directory, rest)
        return result
