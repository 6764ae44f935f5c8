"""What buildrs keeps on a setuptools ``Distribution``: its targets and its one context.

Every command of a setuptools run reads the same ``ProjectContext``, made once per
distribution from pyproject.toml, setup.py's targets, the command options (setup.cfg
and the command line), buildrs' config settings and the environment. The config
settings reach setuptools as the hidden ``--buildrs-config-settings`` option of the
command ``buildrs.build_meta`` runs (``run``), so they travel in the command line
setuptools parses, never in a variable.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from buildrs.config.settings import BuildSettings
from buildrs.config.targets import TargetSettings
from buildrs.errors import ConfigError
from buildrs.plan.context import ProjectContext

from .extension import RustExtension

__all__ = [
    "CONFIG_OPTION",
    "PART_OPTION",
    "build_settings",
    "context",
    "project_dir",
    "python_part_folder",
    "rust_targets",
]

CONFIG_OPTION = ("buildrs-config-settings=", None, "buildrs' config settings, as JSON (internal)")
"""The option ``buildrs.build_meta`` hands its ``-C buildrs.*`` settings over in."""
PART_OPTION = ("buildrs-python-part=", None, "only make the wheel's Python part here (internal)")
"""The option of ``bdist_wheel`` that asks for the Python part alone, into a folder."""
_COMMANDS = ("bdist_wheel", "sdist", "editable_wheel")


def rust_targets(dist: Any) -> list[TargetSettings]:
    """The Rust targets declared on a distribution (setup.py and pyproject.toml)."""
    extensions: list[RustExtension] = list(getattr(dist, "rust_extensions", None) or [])
    return [settings for ext in extensions for settings in ext.settings]


def project_dir(dist: Any) -> Path:
    return Path(getattr(dist, "src_root", None) or os.curdir).resolve()


def _option(dist: Any, name: str) -> str | None:
    """The value of one of buildrs' hidden options, from whichever command has it."""
    for command in _COMMANDS:
        found = dist.command_options.get(command, {}).get(name)
        if found is not None:
            return str(found[1])
    return None


def python_part_folder(dist: Any) -> Path | None:
    """Where ``bdist_wheel`` is asked to put the wheel's Python part alone (then
    ``build_rust`` builds nothing), or ``None`` for a whole wheel."""
    found = _option(dist, "buildrs_python_part")
    return Path(found) if found else None


def _config_settings(dist: Any) -> dict[str, object]:
    given = _option(dist, "buildrs_config_settings")
    if not given:
        return {}
    try:
        found = json.loads(given)
    except ValueError:
        raise ConfigError(f"--buildrs-config-settings: not JSON: {given!r}") from None
    return dict(found) if isinstance(found, dict) else {}


def context(dist: Any) -> ProjectContext:
    """The distribution's context, made once."""
    found: ProjectContext | None = getattr(dist, "_buildrs_context", None)
    if found is None:
        found = ProjectContext.load(
            project_dir(dist),
            commands=dist.command_options,
            config_settings=_config_settings(dist),
            targets=tuple(rust_targets(dist)),
        )
        dist._buildrs_context = found
    return found


def build_settings(dist: Any) -> BuildSettings:
    """The build-wide settings, resolved once per distribution."""
    return context(dist).settings
