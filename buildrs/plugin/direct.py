"""Wheels without setuptools, for projects declared wholly in pyproject.toml.

Under ``build-backend = "buildrs.build_meta"``, a project whose pyproject.toml says
everything (no setup.py or setup.cfg, ``[tool.buildrs]``, a ``[project]`` table
with no ``dynamic`` field, only the ``[tool.setuptools]`` keys ``pyfiles``
follows, no MANIFEST.in), built where no setuptools plugin but buildrs is
installed, gets its wheel from buildrs alone: the metadata from ``[project]``
(``metadata``), the Python files as ``build_py`` finds them (``pyfiles``), cargo's
build of the plan, the SBOM and the checks of ``bdist_wheel``, zipped as setuptools
zips a wheel (``wheelfile``). cargo starts first, so the rest of the wheel is
ready by the time it finishes. The wheel is the one setuptools would write, file
for file, but for the ``Generator`` line of WHEEL (``tests/test_direct.py``).

Anything else raises ``SetuptoolsNeeded`` from ``read_project``, and setuptools
builds the wheel as before. The wheel can be built for another interpreter than
the running one (``python -m buildrs wheels``): its tags and module names come
from the ``interpreter.Python`` it is built for.
"""

from __future__ import annotations

import logging
import os
import shutil
import stat
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from buildrs import __version__
from buildrs.errors import SetuptoolsNeeded
from buildrs.pipeline.config import BuildrsConfig, load_pyproject
from buildrs.pipeline.interpreter import Python, abi_tag, interpreter_tag, platform_tag
from buildrs.pipeline.metadata import ProjectMetadata, project_metadata, wheel_name_parts
from buildrs.pipeline.packages import check_target_packages
from buildrs.pipeline.plan import DistPlan
from buildrs.pipeline.pyfiles import PythonFiles, python_files

from . import snapshot

__all__ = ["Project", "cargo_started", "make_wheel", "read_project", "wheel_tag", "write_metadata"]

log = logging.getLogger("buildrs")


@dataclass(frozen=True)
class Project:
    """What a wheel built without setuptools is made from, read once."""

    root: Path
    config: BuildrsConfig
    metadata: ProjectMetadata
    python: PythonFiles

    @property
    def dist_name(self) -> str:
        """``<name>-<version>`` as the wheel's file and folders spell it."""
        return "-".join(wheel_name_parts(self.metadata.name, self.metadata.version))


def read_project(root: Path, rest: Mapping[str, object] | None, plugins: bool = True) -> Project:
    """The project in ``root``, when buildrs can build its wheel alone; otherwise
    ``SetuptoolsNeeded`` says why. ``plugins``: refuse where a setuptools plugin is
    installed (it could add files setuptools would ship)."""
    from buildrs.pipeline import fastpath

    if not fastpath.enabled(os.environ):
        raise SetuptoolsNeeded("BUILDRS_NO_FAST_PATH asks for setuptools")
    if not snapshot.eligible(root, rest):
        raise SetuptoolsNeeded(
            "the project is not declared wholly in pyproject.toml, or config settings "
            "for setuptools were given"
        )
    if plugins:
        others = snapshot.setuptools_plugins(root)
        if others:
            raise SetuptoolsNeeded(f"setuptools plugins are installed: {', '.join(others)}")
    pyproject, config = load_pyproject(root)
    assert config is not None  # eligible: [tool.buildrs] is there
    table = pyproject.get("project")
    if not isinstance(table, dict):
        raise SetuptoolsNeeded("pyproject.toml has no [project] table")
    check_target_packages(root, pyproject, config.targets)
    scripts = [f"{s[0]} = {s[1]}:run" for t in config.targets if (s := t.console_script)]
    metadata = project_metadata(root, table, scripts)
    holders = [t.package for t in config.targets if t.kind == "ext" and t.package]
    return Project(root, config, metadata, python_files(root, pyproject, holders))


def wheel_tag(project: Project, plan: DistPlan, python: Python) -> tuple[str, str, str]:
    """The wheel's tags, as buildrs' ``bdist_wheel`` gives them."""
    if python.sys_platform == "darwin" and not plan.platform.wheel_platform:
        # setuptools reads a macOS wheel's platform from its binaries.
        raise SetuptoolsNeeded("a macOS wheel's platform tag is read by setuptools")
    plat = plan.platform.wheel_platform or platform_tag(python)
    if project.config.targets and all(t.is_bin for t in project.config.targets):
        return "py3", "none", plat
    impl, abi = interpreter_tag(python), abi_tag(python)
    floor = plan.abi3_floor
    if floor is not None and impl.startswith("cp"):
        return f"cp{floor[0]}{floor[1]}", "abi3", plat
    version = plan.platform.python_version
    if plan.platform.target and plan.platform.is_cpython and version != python.version:
        impl = abi = f"cp{version[0]}{version[1]}"  # a cross build for another CPython
    return impl, abi, plat


def write_metadata(project: Project, directory: Path) -> str:
    """The ``.dist-info`` folder (without WHEEL and RECORD) in ``directory``; its name."""
    name = f"{project.dist_name}.dist-info"
    folder = directory / name
    folder.mkdir(parents=True, exist_ok=True)
    meta = project.metadata
    (folder / "METADATA").write_text(meta.metadata, encoding="utf-8")
    if meta.entry_points:
        (folder / "entry_points.txt").write_text(meta.entry_points, encoding="utf-8")
    for path in meta.license_files:
        copy = folder / "licenses" / path
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(project.root / path, copy)
    tops = "".join(f"{name}\n" for name in project.python.top_level) or "\n"
    (folder / "top_level.txt").write_text(tops, encoding="utf-8")
    return name


def _stage_python(project: Project, tree: Path) -> None:
    """Copy the Python files into ``tree`` as ``build_py`` copies them (modes and
    times kept; package data made writable by its owner)."""
    for name, (source, data) in project.python.files.items():
        target = tree / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
        if data:
            target.chmod(target.stat().st_mode | stat.S_IWRITE)


@contextmanager
def cargo_started(root: Path, plan: DistPlan, env: Mapping[str, str]) -> Iterator[None]:
    """cargo compiling ``plan`` (and reading the crate graph for its SBOM) from now on,
    with ``env`` added to the environment: the build and the SBOM take the running
    processes over when they come to the same commands (see ``process.start_early``);
    what none takes is stopped when the block ends. What goes wrong in starting is
    left for the build to report."""
    from buildrs.errors import BuildrsError
    from buildrs.pipeline import build, cargo, process, sbom

    try:
        build.start_early(plan, project_dir=root, env=env)
        if plan.settings.sbom and plan.invocations:
            sbom.start_early(plan.invocations, cargo.find_cargo(os.environ), root, env=env)
    except BuildrsError:
        pass
    try:
        yield
    finally:
        process.stop_early()


def make_wheel(project: Project, wheel_directory: Path, python: Python, epoch: str) -> Path:
    """Build the project's wheel for ``python`` into ``wheel_directory``, dated
    ``epoch`` unless ``SOURCE_DATE_EPOCH`` says otherwise; the wheel, repaired.
    ``SetuptoolsNeeded`` comes before anything is built."""
    from buildrs.pipeline.locking import hold_project_lock

    from . import recipe
    from .replay import dated, log_to_stderr, wheel_plan
    from .wheel import repair_linux

    log_to_stderr()
    log.info("buildrs: building the wheel without setuptools (%s)", python.name)
    root = project.root
    hold_project_lock(root)
    asked = os.environ.get("SOURCE_DATE_EPOCH") or None
    with dated(epoch):
        plan = wheel_plan(root, python)
        tag = wheel_tag(project, plan, python)
        with cargo_started(root, plan, {}):
            wheel, kept = _build(project, wheel_directory, plan, tag, asked)
    recipe.stash(root, wheel, plan, kept.entries, kept.sources, kept.skipped)
    return repair_linux(plan, wheel, tag[2], project.metadata.name)


class _Kept(NamedTuple):
    """What ``recipe.stash`` keeps of a wheel."""

    entries: list[str]
    sources: set[str] | None
    skipped: bool


def _build(
    project: Project,
    wheel_directory: Path,
    plan: DistPlan,
    tag: tuple[str, str, str],
    asked_epoch: str | None,
) -> tuple[Path, _Kept]:
    """Build ``plan`` into a tree laid out as the wheel is, check it and zip it."""
    from buildrs.pipeline.build import build
    from buildrs.pipeline.install import Layout
    from buildrs.pipeline.wheelfile import wheel_metadata, write_wheel

    from .wheel import check_tree, installed_entries, write_sbom, write_skipped

    tree = project.root / "build" / "buildrs-wheel" / f"tree-{'-'.join(tag)}"
    shutil.rmtree(tree, ignore_errors=True)
    tree.mkdir(parents=True)
    _stage_python(project, tree)
    data_dir = f"{project.dist_name}.data"
    layout = Layout(
        build_lib=tree,
        scripts_dir=tree / data_dir / "scripts",
        package_dir=lambda package: project.root / project.python.source_dir(package),
    )
    # All that does not wait for cargo is done while it compiles: the SBOM's crate
    # graph comes from cargo metadata, not from what the build makes.
    dist_info = write_metadata(project, tree)
    meta = project.metadata
    write_sbom(plan, meta.name, meta.version, project.root, tree / dist_info, asked_epoch)
    outcome = build(plan, project_dir=project.root, layout=layout)
    write_skipped(tree / dist_info, outcome.skipped)
    check_tree(plan, tree, tag, data_dir)
    generator = f"buildrs ({__version__})"
    (tree / dist_info / "WHEEL").write_text(wheel_metadata(tag, generator), encoding="utf-8")
    wheel = wheel_directory / f"{project.dist_name}-{'-'.join(tag)}.whl"
    write_wheel(tree, wheel, dist_info, int(os.environ["SOURCE_DATE_EPOCH"]))
    shutil.rmtree(tree, ignore_errors=True)
    entries = installed_entries(outcome.installed, tree, data_dir)
    return wheel, _Kept(entries, outcome.sources, bool(outcome.skipped))
