"""What buildrs keeps on a setuptools ``Distribution``: its targets, its settings
and its plan, each worked out once and read by every command."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from buildrs.pipeline.config import BuildrsConfig
from buildrs.pipeline.plan import DistPlan
from buildrs.pipeline.prepare import make_plan
from buildrs.pipeline.resolve import active_config_settings, resolve
from buildrs.pipeline.settings import BuildSettings
from buildrs.pipeline.targets import TargetSettings

from .extension import RustExtension

__all__ = ["build_settings", "dist_plan", "project_dir", "rust_targets"]


def rust_targets(dist: Any) -> list[TargetSettings]:
    """The Rust targets declared on a distribution (setup.py and pyproject.toml)."""
    extensions: list[RustExtension] = list(getattr(dist, "rust_extensions", None) or [])
    return [settings for ext in extensions for settings in ext.settings]


def project_dir(dist: Any) -> Path:
    return Path(getattr(dist, "src_root", None) or os.curdir).resolve()


def build_settings(dist: Any) -> BuildSettings:
    """The build-wide settings, resolved from every source once per distribution."""
    cached: BuildSettings | None = getattr(dist, "_buildrs_settings", None)
    if cached is None:
        config: BuildrsConfig = getattr(dist, "buildrs_config", None) or BuildrsConfig()
        cached = resolve(
            project=config.project,
            commands=dist.command_options,
            config_settings=active_config_settings(),
            environ=os.environ,
        )
        dist._buildrs_settings = cached
    return cached


def dist_plan(dist: Any, inplace: bool) -> DistPlan:
    """The plan of an in-place (editable) or a regular build of the distribution."""
    plans: dict[bool, DistPlan] = dist.__dict__.setdefault("_buildrs_plans", {})
    if inplace not in plans:
        plans[inplace] = make_plan(
            rust_targets(dist), project_dir(dist), build_settings(dist), inplace
        )
    return plans[inplace]
