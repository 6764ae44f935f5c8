"""Carry out a ``DistPlan``: run each cargo invocation, then install its artifacts.

In-place builds skip an invocation whose fast-path stamp says nothing changed.
An artifact cargo reports fresh but another checkout built (a shared target
directory) is rebuilt. universal2 builds merge each target's two thin files
before installing them. Independent of setuptools: the commands only gather the
inputs and report the outputs. Every build ends with one line per target.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from buildrs.binfmt import macho
from buildrs.errors import BuildrsError

from . import cargo, fastpath, process
from .cargo import Selected
from .install import Installed, Layout, install_targets, write_text
from .plan import CargoInvocation, DistPlan, PlannedTarget
from .platform import UNIVERSAL2, UNIVERSAL2_SLICES, Platform
from .settings import BuildSettings, develop_argv
from .stubs import write_stubs
from .targets import Binding

__all__ = ["BuildOutcome", "build", "fast_path_inputs", "merge_universal"]

log = logging.getLogger("buildrs")


def _destinations(invocation: CargoInvocation, layout: Layout) -> list[str]:
    return [
        os.path.abspath(layout.scripts_dir if t.to_scripts else layout.module_dir(t.package))
        for t in invocation.targets
    ]


def fast_path_inputs(
    invocation: CargoInvocation, project_dir: Path, layout: Layout, cargo_exe: str
) -> dict[str, Any]:
    """What the fast path keys an invocation on, as plain data (``fastpath.is_fresh``)."""
    return {
        "modules": [t.target for t in invocation.targets if t.is_module],
        "packages": [
            t.package
            for t in invocation.targets
            if t.is_module and t.binding is Binding.NoBinding and t.package
        ],
        "stamp": str(fastpath.stamp_path(project_dir, invocation.args)),
        "args": list(invocation.args),
        "env": dict(invocation.env),
        "cargo": cargo_exe,
        "destinations": _destinations(invocation, layout),
    }


def _entries(
    installed: Sequence[Installed], invocation: CargoInvocation, layout: Layout
) -> list[dict[str, object]]:
    """``installed`` as the fast path's stamp keeps it."""
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


def _origin(artifact: Path) -> Path:
    """The file beside a cargo artifact that names the Cargo.toml it was built from."""
    return artifact.with_name(f".{artifact.name}.buildrs-origin")


def _built_elsewhere(selected: Selected) -> list[str]:
    """Targets whose artifact cargo reported fresh but another checkout built.

    cargo fingerprints a workspace's own crates by package name and file times,
    not by path: in a target directory shared by two checkouts of one crate, the
    second is reported fresh and the first one's library would be shipped."""
    stale = []
    for planned, artifact, source in selected:
        origin = _origin(source)
        recorded = origin.read_text(encoding="utf-8") if origin.is_file() else None
        if artifact.fresh and recorded is not None and recorded != str(planned.manifest_path):
            stale.append(recorded)
    return stale


def _record_origins(selected: Selected) -> None:
    for planned, _, source in selected:
        origin = _origin(source)
        manifest = str(planned.manifest_path)
        if not origin.is_file() or origin.read_text(encoding="utf-8") != manifest:
            write_text(origin, manifest)


@dataclass(frozen=True)
class _Programs:
    """The programs a build runs: cargo, and what runs ``args`` for each invocation."""

    cargo: str
    environ: Mapping[str, str]
    platform: Platform
    _zig: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def tool(self, invocation: CargoInvocation) -> tuple[str, dict[str, str]]:
        """The program that runs the invocation's ``args``, and the variables it adds
        at run time (never part of the plan: they name this very process)."""
        added = dict(self.platform.python_env)
        if invocation.tool == "cargo":
            return self.cargo, added
        if not self._zig:
            self._zig.append(cargo.find_zigbuild(self.cargo, self.environ))
        program, zig_env = self._zig[0]
        return program, {**added, **zig_env}


def _run(
    invocation: CargoInvocation, programs: _Programs, project_dir: Path
) -> tuple[cargo.CargoOutput, Selected]:
    """Run the invocation; rebuild when its artifacts came from another checkout.
    Returns what cargo reported and each target's artifact."""
    exe, tool_env = programs.tool(invocation)
    output = cargo.run_invocation(invocation, exe, project_dir, tool_env)
    selected = cargo.select(invocation, output, programs.platform)
    others = _built_elsewhere(selected)
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
        )
        output = cargo.run_invocation(invocation, exe, project_dir, tool_env)
        selected = cargo.select(invocation, output, programs.platform)
    _record_origins(selected)
    return output, selected


def merge_universal(thin: Sequence[Path], dest: Path) -> Path:
    """The universal file of the ``thin`` libraries: ``lipo`` where it exists, else
    buildrs' own fat-file writer."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    lipo = shutil.which("lipo")
    if lipo:
        process.run([lipo, "-create", "-output", str(dest), *map(str, thin)])
        return dest
    images = [path.read_bytes() for path in thin]
    dest.write_bytes(macho.write_fat(images, [str(path) for path in thin]))
    return dest


def _universal(selected: Selected, slices: dict[str, list[Path]]) -> Selected:
    """Collect one architecture's artifacts of a universal2 build; once every
    architecture is in, the targets with their merged files, ready to install."""
    ready: Selected = []
    for planned, artifact, source in selected:
        parts = slices.setdefault(planned.label, [])
        parts.append(source)
        if len(parts) == len(UNIVERSAL2_SLICES):
            # <target-dir>/<triple>/<profile>/<file> -> <target-dir>/universal2-apple-darwin/...
            merged = source.parents[2] / UNIVERSAL2 / source.parent.name / source.name
            ready.append((planned, artifact, merge_universal(parts, merged)))
    return ready


@dataclass
class BuildOutcome:
    """What a build did."""

    installed: list[Installed]
    """The files written."""
    skipped: list[str]
    """One line per optional target that failed: what it is, and why."""
    up_to_date: list[PlannedTarget] = field(default_factory=list)
    """Targets whose cargo run the fast path skipped."""
    fast_path_inputs: list[dict[str, Any]] = field(default_factory=list)
    """Per invocation, what the fast path keys it on (``fast_path_inputs``)."""
    seconds: dict[str, float] = field(default_factory=dict)
    """How long each target's cargo run and install took, by label."""
    sources: set[str] | None = field(default_factory=set)
    """The files the built artifacts' dep-info names (their Rust sources), or ``None``
    when one of them has none or cargo was not run."""

    def add_sources(self, artifacts: Sequence[Path]) -> None:
        for artifact in artifacts:
            deps = fastpath.read_dep_info(artifact.with_suffix(".d"))
            # Relative paths (cargo's build.dep-info-basedir) cannot be placed.
            if deps is None or self.sources is None or not all(map(os.path.isabs, deps)):
                self.sources = None
                return
            self.sources.update(deps)


def _sccache_counts(settings: BuildSettings) -> tuple[int, int] | None:
    """(hits, misses) so far, from the sccache server, when cargo runs rustc through it."""
    if not settings.sccache or settings.rustc_wrapper is None:
        return None
    try:
        result = process.run(
            [settings.rustc_wrapper, "--show-stats", "--stats-format=json"],
            quiet=True,
            check=False,
        )
        stats = json.loads(result.stdout)["stats"]
        return (
            sum(stats["cache_hits"]["counts"].values()),
            sum(stats["cache_misses"]["counts"].values()),
        )
    except (BuildrsError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _report_sccache(settings: BuildSettings, before: tuple[int, int] | None) -> None:
    after = _sccache_counts(settings)
    if before is None or after is None:
        return
    hits, misses = after[0] - before[0], after[1] - before[1]
    if hits or misses:
        rate = 100 * hits / (hits + misses)
        log.info("buildrs: sccache: %d hits, %d misses (%.0f%% hits)", hits, misses, rate)


@dataclass
class _Builder:
    """The state of one build while its invocations run."""

    plan: DistPlan
    project_dir: Path
    layout: Layout
    programs: _Programs
    environ: Mapping[str, str]
    outcome: BuildOutcome = field(default_factory=lambda: BuildOutcome([], []))
    checked: set[str] = field(default_factory=set)
    slices: dict[str, list[Path]] = field(default_factory=dict)

    def run(self, invocation: CargoInvocation) -> None:
        exe = self.programs.tool(invocation)[0]
        inputs = fast_path_inputs(invocation, self.project_dir, self.layout, exe)
        self.outcome.fast_path_inputs.append(inputs)
        key = fastpath.invocation_key(
            inputs["args"], inputs["env"], self.environ, exe, inputs["destinations"]
        )
        stamp = Path(inputs["stamp"])
        fast = self.layout.inplace and fastpath.enabled(self.environ) and not invocation.slice
        entries = fastpath.check(stamp, key, self.environ) if fast else None
        names = ", ".join(t.target for t in invocation.targets)
        if entries is not None:
            log.info("buildrs: %s is up to date (cargo not run)", names)
            self.outcome.installed.extend(_from_entries(entries, invocation, self.layout))
            self.outcome.up_to_date.extend(invocation.targets)
            self.outcome.sources = None
            return
        for planned in invocation.targets:
            if planned.note:
                log.warning("buildrs: note: %s", planned.note)
            required = planned.rust_version
            if required and required not in self.checked:
                cargo.check_rust_version(required, planned.label)
                self.checked.add(required)
        log.info("buildrs: building %s (%s profile)", names, invocation.profile)
        before = _sccache_counts(self.plan.settings)
        output, selected = _run(invocation, self.programs, self.project_dir)
        _report_sccache(self.plan.settings, before)
        self.outcome.add_sources([source for _, _, source in selected])
        if invocation.slice is not None:
            selected = _universal(selected, self.slices)
        installed = install_targets(selected, output, self.layout, self.project_dir)
        installed += write_stubs(
            installed, self.layout, self.plan.platform.cross, self.layout.package_dir
        )
        self.outcome.installed.extend(installed)
        if fast:
            fastpath.record(
                stamp,
                key,
                manifest_path=invocation.manifest_path,
                artifacts=[source for _, _, source in selected],
                out_dirs=output.out_dirs,
                installed=_entries(installed, invocation, self.layout),
                cargo=exe,
                added_env=invocation.env,
                environ=self.environ,
                local_manifests={
                    a.manifest_path for a in output.artifacts if "path+file://" in a.package_id
                },
            )

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


def start_early(
    dist_plan: DistPlan, *, project_dir: Path, env: Mapping[str, str] | None = None
) -> None:
    """Start the plan's first cargo run now, with ``env`` added to the environment,
    for ``build`` to take over when it runs the same command (see
    ``process.start_early``): a wheel build compiles while setuptools readies
    everything else."""
    if not dist_plan.invocations:
        return
    invocation = dist_plan.invocations[0]
    if invocation.tool != "cargo" or invocation.quiet:
        return
    programs = _Programs(cargo.find_cargo(os.environ), os.environ, dist_plan.platform)
    exe, tool_env = programs.tool(invocation)
    args, added = cargo.command_line(invocation, os.environ)
    process.start_early(
        [exe, *args],
        env={**(env or {}), **added, **tool_env},
        unset=invocation.unset_env,
        cwd=project_dir,
    )


def build(
    dist_plan: DistPlan,
    *,
    project_dir: Path,
    layout: Layout,
    cargo_exe: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> BuildOutcome:
    """Run the plan's cargo invocations and install the results according to ``layout``."""
    if not dist_plan.invocations:
        return BuildOutcome([], [])
    env = os.environ if environ is None else environ
    programs = _Programs(cargo_exe or cargo.find_cargo(env), env, dist_plan.platform)
    builder = _Builder(dist_plan, project_dir, layout, programs, env)
    for invocation in dist_plan.invocations:
        started = time.monotonic()
        try:
            builder.run(invocation)
        except BuildrsError as exc:
            if not invocation.optional:
                raise
            names = ", ".join(t.target for t in invocation.targets)
            log.warning("buildrs: optional target %s was not built: %s", names, exc)
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            builder.outcome.skipped.append(f"{names}: {reason}")
        took = time.monotonic() - started
        for planned in invocation.targets:
            builder.outcome.seconds[planned.label] = (
                builder.outcome.seconds.get(planned.label, 0.0) + took
            )
    for line in builder.summary():
        log.info("%s", line)
    if layout.inplace and not builder.outcome.skipped:
        options = develop_argv(dist_plan.settings)
        fastpath.record_last_inplace(project_dir, options, builder.outcome.fast_path_inputs)
    return builder.outcome
