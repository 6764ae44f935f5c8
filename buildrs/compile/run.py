"""Carry out a ``DistPlan``: run each cargo invocation, then install its artifacts.

In-place builds skip an invocation whose stamp says nothing changed (``stamps``).
An artifact cargo reports fresh but another checkout built (a shared target
directory) is rebuilt. universal2 builds merge each target's two thin files
before installing them. Independent of setuptools: the commands only gather the
inputs and report the outputs. Every build ends with one line per target.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from buildrs import process
from buildrs.config.settings import develop_argv
from buildrs.config.targets import Binding
from buildrs.errors import BuildrsError
from buildrs.plan import toolchain
from buildrs.plan.invocations import CargoInvocation, DistPlan, PlannedTarget
from buildrs.plan.platform import Platform

from . import cargo, inputs, stamps
from .artifacts import (
    built_elsewhere,
    record_origins,
    report_sccache,
    sccache_counts,
    universal,
)
from .cargo import Selected
from .gil import report_gil
from .install import Installed, Layout, install_targets
from .stubs import write_stubs

__all__ = ["BuildOutcome", "CargoRun", "build", "stamp_inputs", "started"]

log = logging.getLogger("buildrs")


def _destinations(invocation: CargoInvocation, layout: Layout) -> list[str]:
    return [
        os.path.abspath(layout.scripts_dir if t.to_scripts else layout.module_dir(t.package))
        for t in invocation.targets
    ]


def stamp_inputs(
    invocation: CargoInvocation, project_dir: Path, layout: Layout, cargo_exe: str
) -> dict[str, Any]:
    """What an invocation's stamp is keyed on, as plain data (``stamps.is_fresh``)."""
    return {
        "modules": [t.target for t in invocation.targets if t.is_module],
        "packages": [
            t.package
            for t in invocation.targets
            if t.is_module and t.binding is Binding.NoBinding and t.package
        ],
        "stamp": stamps.stamp_path(project_dir, invocation.args),
        "args": list(invocation.args),
        "env": dict(invocation.env),
        "cargo": cargo_exe,
        "destinations": _destinations(invocation, layout),
    }


def _entries(
    installed: Sequence[Installed], invocation: CargoInvocation, layout: Layout
) -> list[dict[str, object]]:
    """``installed`` as a stamp keeps it."""
    entries: list[dict[str, object]] = []
    for item in installed:
        index = invocation.targets.index(item.target) if item.target is not None else None
        regular = None if item.is_script else str(item.regular_path.relative_to(layout.build_lib))
        entries.append({"path": os.path.abspath(item.path), "regular": regular, "target": index})
    return entries


def _from_entries(
    entries: Sequence[Mapping[str, object]], invocation: CargoInvocation, layout: Layout
) -> list[Installed]:
    found = []
    for entry in entries:
        path = Path(str(entry["path"]))
        regular = layout.build_lib / str(entry["regular"]) if entry["regular"] else path
        index = entry["target"]
        target = invocation.targets[index] if isinstance(index, int) else None
        found.append(Installed(path, regular, target))
    return found


@dataclass(frozen=True)
class _Programs:
    """The programs a build runs: cargo, and what runs ``args`` for each invocation."""

    cargo: str
    environ: Mapping[str, str]
    platform: Platform
    _zig: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def tool(self, invocation: CargoInvocation) -> tuple[str, dict[str, str]]:
        """The program that runs the invocation's ``args``, and the variables it adds
        at run time (never part of the plan: they name this very process). A build of
        the project is under way (``BUILDRS_REBUILDING``): its build scripts must not
        rebuild it when they import it (see ``cli.rebuild``)."""
        added = {**dict(self.platform.python_env), "BUILDRS_REBUILDING": "1"}
        if invocation.tool == "cargo":
            return self.cargo, added
        if not self._zig:
            self._zig.append(toolchain.find_zigbuild(self.cargo, self.environ))
        program, zig_env = self._zig[0]
        return program, {**added, **zig_env}


@dataclass(frozen=True)
class CargoRun:
    """One cargo invocation as it ran: what it reported and what it read."""

    invocation: CargoInvocation
    output: cargo.CargoOutput
    artifacts: tuple[Path, ...]
    """The files of its targets' artifacts (before universal2 files are merged)."""
    cargo: str
    """The program that ran it."""
    tool_env: Mapping[str, str]
    """The variables added at run time."""
    started_ns: int
    """When it started (``time.time_ns``)."""

    def inputs(self, project_dir: Path, environ: Mapping[str, str]) -> dict[str, Any] | None:
        """What it read (``inputs.cargo_inputs``), or ``None`` when that cannot be known."""
        local = {a.manifest_path for a in self.output.artifacts if "path+file://" in a.package_id}
        return inputs.cargo_inputs(
            manifest_path=self.invocation.manifest_path,
            cwd=project_dir,
            artifacts=self.artifacts,
            out_dirs=self.output.out_dirs,
            local_manifests=sorted(local),
            cargo=self.cargo,
            added_env={**self.invocation.env, **self.tool_env},
            environ=environ,
            started_ns=self.started_ns,
        )


def _run(
    invocation: CargoInvocation,
    programs: _Programs,
    project_dir: Path,
    early: Sequence[process.Started],
) -> tuple[CargoRun, Selected]:
    """Run the invocation; rebuild when its artifacts came from another checkout.
    Returns the run and each target's artifact."""
    exe, tool_env = programs.tool(invocation)
    started_ns = time.time_ns()
    environ = programs.environ
    output = cargo.run_invocation(invocation, exe, project_dir, environ, tool_env, early)
    selected = cargo.select(invocation, output, programs.platform)
    others = built_elsewhere(selected)
    if others:
        log.warning(
            "buildrs: cargo reported %s fresh, but its library was built from %s, another "
            "checkout sharing this target directory; cleaning that package and rebuilding",
            invocation.manifest_path,
            others[0],
        )
        process.run(
            [programs.cargo, *invocation.clean_args],
            env=invocation.env,
            unset=invocation.unset_env,
            cwd=project_dir,
            base=environ,
        )
        output = cargo.run_invocation(invocation, exe, project_dir, environ, tool_env)
        selected = cargo.select(invocation, output, programs.platform)
    record_origins(selected)
    artifacts = tuple(source for _, _, source in selected)
    return CargoRun(invocation, output, artifacts, exe, tool_env, started_ns), selected


@dataclass
class BuildOutcome:
    """What a build did."""

    installed: list[Installed]
    """The files written."""
    skipped: list[str]
    """One line per optional target that failed: what it is, and why."""
    up_to_date: list[PlannedTarget] = field(default_factory=list)
    """Targets whose cargo run a stamp skipped."""
    stamp_inputs: list[dict[str, Any]] = field(default_factory=list)
    """Per invocation, what its stamp is keyed on (``stamp_inputs``)."""
    seconds: dict[str, float] = field(default_factory=dict)
    """How long each target's cargo run and install took, by label."""
    runs: list[CargoRun] = field(default_factory=list)
    """The cargo runs, in order (none for an invocation a stamp skipped)."""

    @property
    def sources(self) -> set[str] | None:
        """The files the built artifacts' dep-info names (their sources), or ``None``
        when one of them has none or a stamp skipped cargo."""
        if self.up_to_date:
            return None
        found: set[str] = set()
        for run in self.runs:
            for artifact in run.artifacts:
                deps = inputs.read_dep_info(artifact.with_suffix(".d"))
                # Relative paths (cargo's build.dep-info-basedir) cannot be placed.
                if deps is None or not all(map(os.path.isabs, deps)):
                    return None
                found.update(deps)
        return found


@dataclass
class _Builder:
    """The state of one build while its invocations run."""

    plan: DistPlan
    project_dir: Path
    layout: Layout
    programs: _Programs
    early: Sequence[process.Started]
    outcome: BuildOutcome = field(default_factory=lambda: BuildOutcome([], []))
    checked: set[str] = field(default_factory=set)
    slices: dict[str, list[Path]] = field(default_factory=dict)

    @property
    def environ(self) -> Mapping[str, str]:
        return self.programs.environ

    def _skipped_by_stamp(self, invocation: CargoInvocation, stamp: str, key: str) -> bool:
        """Whether the invocation's stamp holds: its files are then already in place."""
        entries = stamps.check(stamp, key, self.environ)
        if entries is None:
            return False
        names = ", ".join(t.target for t in invocation.targets)
        log.info("buildrs: %s is up to date (cargo not run)", names)
        self.outcome.installed.extend(_from_entries(entries, invocation, self.layout))
        self.outcome.up_to_date.extend(invocation.targets)
        return True

    def run(self, invocation: CargoInvocation) -> None:
        exe = self.programs.tool(invocation)[0]
        recorded = stamp_inputs(invocation, self.project_dir, self.layout, exe)
        self.outcome.stamp_inputs.append(recorded)
        key = stamps.invocation_key(
            recorded["args"], recorded["env"], self.environ, exe, recorded["destinations"]
        )
        stamp = recorded["stamp"]
        fast = self.layout.inplace and stamps.enabled(self.environ) and not invocation.slice
        if fast and self._skipped_by_stamp(invocation, stamp, key):
            return
        for planned in invocation.targets:
            if planned.note:
                log.warning("buildrs: note: %s", planned.note)
            required = planned.rust_version
            if required and required not in self.checked:
                cargo.check_rust_version(required, planned.label, self.environ)
                self.checked.add(required)
        names = ", ".join(t.target for t in invocation.targets)
        log.info("buildrs: building %s (%s profile)", names, invocation.profile)
        before = sccache_counts(self.plan.settings)
        done, selected = _run(invocation, self.programs, self.project_dir, self.early)
        report_sccache(self.plan.settings, before)
        self.outcome.runs.append(done)
        if invocation.slice is not None:
            selected = universal(selected, self.slices)
        installed = install_targets(selected, done.output, self.layout, self.project_dir)
        report_gil(installed, self.plan.platform, self.environ)
        installed += write_stubs(
            installed, self.layout, self.plan.platform.cross, self.layout.package_dir
        )
        self.outcome.installed.extend(installed)
        if fast:
            read = done.inputs(self.project_dir, self.environ)
            stamps.record(stamp, key, read, _entries(installed, invocation, self.layout))

    def summary(self) -> list[str]:
        """One line per target: what, where, the profile, and the seconds it took."""
        lines = []
        profiles = {t.label: i.profile for i in self.plan.invocations for t in i.targets}
        for item in self.outcome.installed:
            if item.target is None:
                continue
            where = item.path
            if where.is_relative_to(self.project_dir):
                where = where.relative_to(self.project_dir)
            label = item.target.label
            if item.target in self.outcome.up_to_date:
                took = "up to date"
            else:
                took = f"{self.outcome.seconds.get(label, 0.0):.1f} s"
            lines.append(f"buildrs: {label} -> {where} ({profiles[label]} profile, {took})")
        return lines


@contextlib.contextmanager
def started(
    dist_plan: DistPlan, *, project_dir: Path, environ: Mapping[str, str]
) -> Iterator[list[process.Started]]:
    """The plan's first cargo run, started now, for ``build`` to take over when it
    runs the same command (``early``): a wheel build compiles while the rest of the
    wheel is made. What ``build`` did not take over is stopped when the block ends;
    what goes wrong in starting is left for ``build`` to report."""
    early: list[process.Started] = []
    invocation = dist_plan.invocations[0] if dist_plan.invocations else None
    if invocation is not None and invocation.tool == "cargo" and not invocation.quiet:
        try:
            programs = _Programs(toolchain.find_cargo(environ), environ, dist_plan.platform)
            exe, tool_env = programs.tool(invocation)
            args, added = cargo.command_line(invocation, environ)
            found = process.start(
                [exe, *args],
                env={**added, **tool_env},
                unset=invocation.unset_env,
                cwd=project_dir,
                base=environ,
            )
            early += [found] if found is not None else []
        except BuildrsError:
            pass
    try:
        yield early
    finally:
        for process_started in early:
            process_started.stop()


def build(
    dist_plan: DistPlan,
    *,
    project_dir: Path,
    layout: Layout,
    environ: Mapping[str, str],
    cargo_exe: str | None = None,
    early: Sequence[process.Started] = (),
) -> BuildOutcome:
    """Run the plan's cargo invocations and install the results according to
    ``layout``; processes of ``early`` (see ``started``) are taken over."""
    if not dist_plan.invocations:
        return BuildOutcome([], [])
    programs = _Programs(cargo_exe or toolchain.find_cargo(environ), environ, dist_plan.platform)
    builder = _Builder(dist_plan, project_dir, layout, programs, early)
    for invocation in dist_plan.invocations:
        began = time.monotonic()
        try:
            builder.run(invocation)
        except BuildrsError as exc:
            if not invocation.optional:
                raise
            names = ", ".join(t.target for t in invocation.targets)
            log.warning("buildrs: optional target %s was not built: %s", names, exc)
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            builder.outcome.skipped.append(f"{names}: {reason}")
        took = time.monotonic() - began
        for planned in invocation.targets:
            builder.outcome.seconds[planned.label] = (
                builder.outcome.seconds.get(planned.label, 0.0) + took
            )
    for line in builder.summary():
        log.info("%s", line)
    if layout.inplace and not builder.outcome.skipped:
        options = develop_argv(dist_plan.settings)
        stamps.record_last_inplace(project_dir, options, builder.outcome.stamp_inputs)
    return builder.outcome
