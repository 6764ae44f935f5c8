"""The PEP 517 backend: ``build-backend = "buildrs.build_meta"``.

Each hook reads the project once into a ``ProjectContext`` and asks ``wheel.route``
who builds: where pyproject.toml declares the Rust targets, buildrs drives the build
and ``wheel.assemble`` makes the wheel, its Python part made by buildrs from
``[project]``, kept from the last build, or made by setuptools; where setuptools
must run the build (setup.py, setup.cfg...), it does, and buildrs' ``bdist_wheel``
hands its tree to the same assembly. ``pip wheel -v`` shows which and why.

Build options come from the front end as config settings::

    pip wheel . -C buildrs.profile=dev -C buildrs.features=simd
    python -m build --sdist -C buildrs.vendor=true

They rank above pyproject.toml and command options and below the ``BUILDRS_*``
environment variables; every other setting goes to setuptools, and an unknown
``buildrs.*`` setting is an error. With ``zig`` on, the front end is also asked to
install cargo-zigbuild and ziglang. setuptools is imported only when it runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

if TYPE_CHECKING:
    from .plan.context import ProjectContext
    from .wheel.route import PartSource

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
Rest = Union[dict[str, object], None]


def _setuptools() -> Any:
    from setuptools import build_meta

    return build_meta


def _log_to_stderr() -> None:
    """buildrs' progress on stderr (pip shows it with ``-v``), once."""
    import logging
    import sys

    logger = logging.getLogger("buildrs")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def _start(config_settings: ConfigSettings) -> tuple[ProjectContext, Rest]:
    """The project in the folder the hook runs in, and the config settings that are
    setuptools'."""
    from .config.pyproject import project_folder
    from .config.resolve import split_config_settings
    from .errors import ConfigError
    from .plan.context import ProjectContext

    try:
        ours, rest = split_config_settings(config_settings)
    except ConfigError as exc:
        raise SystemExit(f"error: {exc}") from None
    _log_to_stderr()
    root = project_folder(Path.cwd().resolve())
    return ProjectContext.load(root, config_settings=ours), rest


def _setuptools_drives(context: ProjectContext, rest: Rest) -> str | None:
    from .wheel.route import setuptools_drives

    return setuptools_drives(context.root, context.pyproject, rest)


def _tools(context: ProjectContext) -> list[str]:
    from .plan.toolchain import tool_requirements

    return tool_requirements(context.settings, context.targets, context.root)


def get_requires_for_build_wheel(config_settings: ConfigSettings = None) -> list[str]:
    from .config import caches
    from .wheel.installed import setuptools_alone

    context, rest = _start(config_settings)
    if context.maturin is not None:
        return _tools(context)
    alone = caches.direct_wheel(context.environ) and setuptools_alone(context.root)
    if alone and _setuptools_drives(context, rest) is None:
        return _tools(context)  # what setuptools answers, without its egg_info
    found: list[str] = _setuptools().get_requires_for_build_wheel(rest)
    return found + _tools(context)


def get_requires_for_build_sdist(config_settings: ConfigSettings = None) -> list[str]:
    context, rest = _start(config_settings)
    if context.maturin is not None:
        return []
    found: list[str] = _setuptools().get_requires_for_build_sdist(rest)
    return found


def get_requires_for_build_editable(config_settings: ConfigSettings = None) -> list[str]:
    context, rest = _start(config_settings)
    if context.maturin is not None:
        return _tools(context)
    found: list[str] = _setuptools().get_requires_for_build_editable(rest)
    return found + _tools(context)


def prepare_metadata_for_build_wheel(
    metadata_directory: str, config_settings: ConfigSettings = None
) -> str:
    import shutil

    from .wheel.cache import WheelCache
    from .wheel.route import project_source

    context, rest = _start(config_settings)
    if _setuptools_drives(context, rest) is None:
        part = WheelCache(context).kept_part()
        if part is not None:
            shutil.copytree(part.tree / part.dist_info, Path(metadata_directory, part.dist_info))
            return part.dist_info
        source, _ = project_source(context)
        if source is not None:
            return source.project.write_dist_info(Path(metadata_directory))
    name: str = _setuptools().prepare_metadata_for_build_wheel(metadata_directory, rest)
    return name


def prepare_metadata_for_build_editable(
    metadata_directory: str, config_settings: ConfigSettings = None
) -> str:
    context, rest = _start(config_settings)
    if context.maturin is not None:
        from .wheel.part import read_project

        return read_project(context).write_dist_info(Path(metadata_directory))
    name: str = _setuptools().prepare_metadata_for_build_editable(metadata_directory, rest)
    return name


def _source(context: ProjectContext, rest: Rest) -> PartSource:
    """Where a new Python part comes from: buildrs, from ``[project]``, or setuptools."""
    from .setuptools.run import SetuptoolsSource
    from .wheel.route import project_source

    source, why = project_source(context)
    if source is not None:
        return source
    reason = f"setuptools makes it ({why})"
    return SetuptoolsSource(context.root, reason, context.config_settings, rest)


def build_wheel(
    wheel_directory: str,
    config_settings: ConfigSettings = None,
    metadata_directory: str | None = None,
) -> str:
    from .plan.interpreter import running
    from .setuptools.run import build
    from .wheel.assemble import WheelJob
    from .wheel.assemble import build_wheel as assemble
    from .wheel.route import say

    context, rest = _start(config_settings)
    out = Path(wheel_directory)
    why = _setuptools_drives(context, rest)
    if why is not None:
        from .wheel.check import check_not_empty

        say(f"setuptools builds this wheel ({why})")
        ours = context.config_settings
        name = build(context.root, ["bdist_wheel"], ".whl", out, ours, rest)
        check_not_empty(out / name, context.root, context.pyproject)
        return name
    python = running()
    job = WheelJob(context, python, context.plan(python), out)
    return assemble(job, lambda: _source(context, rest)).name


def build_editable(
    wheel_directory: str,
    config_settings: ConfigSettings = None,
    metadata_directory: str | None = None,
) -> str:
    from .setuptools.run import build

    context, rest = _start(config_settings)
    if context.maturin is not None:
        from .wheel.editable import build_editable as maturin_editable

        return maturin_editable(context, Path(wheel_directory)).name
    command = ["editable_wheel"]
    found = sorted(Path(metadata_directory).glob("*.dist-info")) if metadata_directory else []
    if found:
        command += ["--dist-info-dir", str(found[0])]
    ours = context.config_settings
    return build(context.root, command, ".whl", Path(wheel_directory), ours, rest)


def build_sdist(sdist_directory: str, config_settings: ConfigSettings = None) -> str:
    from .setuptools.run import build

    context, rest = _start(config_settings)
    if context.maturin is not None:
        from .wheel.sdist import build_sdist as maturin_sdist

        return maturin_sdist(context, Path(sdist_directory)).name
    command = ["sdist", "--formats", "gztar"]
    ours = context.config_settings
    return build(context.root, command, ".tar.gz", Path(sdist_directory), ours, rest)
