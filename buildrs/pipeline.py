"""Run the stages in order: manifest -> plan -> cargo -> install.

``make_plan`` reads the crates and the platform once and plans every cargo run;
``build`` carries a plan out. Both are independent of setuptools: the commands
only gather the inputs and report the outputs, and every command of one build
reads the same ``DistPlan``, so a wheel's tag and the files in it agree.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import cargo, fastpath, macho, process
from .errors import ArtifactError, BuildrsError, ConfigError
from .install import copy_generated, install_file, remove_stale_modules, write_text
from .manifest import CrateInfo, read_crate
from .plan import CargoInvocation, PlannedTarget, plan
from .platform import UNIVERSAL2, UNIVERSAL2_SLICES, Platform, detect, python_name, stable_python
from .settings import Binding, BuildSettings, TargetSettings
from .symbols import exported_symbols

__all__ = [
    "BuildOutcome",
    "DistPlan",
    "Installed",
    "Layout",
    "build",
    "check_pyo3_python",
    "fast_path_inputs",
    "make_plan",
    "read_crates",
]

log = logging.getLogger("buildrs")


@dataclass(frozen=True)
class Layout:
    """Where a build puts its files."""

    build_lib: Path
    """The build tree a wheel is made from."""
    scripts_dir: Path
    """Where script binaries go."""
    inplace: bool = False
    """Put modules next to their Python sources instead of into ``build_lib``."""
    package_dir: Callable[[str], Path] | None = None
    """Source directory of a dotted package (needed for in-place builds)."""

    def module_dir(self, package: str) -> Path:
        if self.inplace and self.package_dir is not None:
            return self.package_dir(package)
        return self.build_lib.joinpath(*package.split(".")) if package else self.build_lib


@dataclass(frozen=True)
class Installed:
    """A file the build wrote."""

    path: Path
    """Where it is now."""
    regular_path: Path
    """Where it would be in ``build_lib`` (equal to ``path`` unless in place)."""
    target: PlannedTarget | None = None
    """The target it is the artifact of; ``None`` for generated files."""

    @property
    def is_script(self) -> bool:
        return self.target is not None and self.target.to_scripts


@dataclass(frozen=True)
class DistPlan:
    """Everything one build of a distribution will do."""

    platform: Platform
    """What is built for."""
    settings: BuildSettings
    """The build-wide settings it was planned with."""
    invocations: tuple[CargoInvocation, ...]
    """The cargo runs, in order."""

    @property
    def targets(self) -> tuple[PlannedTarget, ...]:
        return tuple(t for invocation in self.invocations for t in invocation.targets)

    @property
    def modules(self) -> tuple[PlannedTarget, ...]:
        return tuple(t for t in self.targets if t.is_module)

    @property
    def abi3_floor(self) -> tuple[int, int] | None:
        """The wheel's stable-ABI floor: set when every extension module is abi3."""
        floors = [t.abi3 for t in self.modules]
        if not floors or any(floor is None for floor in floors):
            return None
        return max(f for f in floors if f is not None)


def read_crates(targets: Sequence[TargetSettings], project_dir: Path) -> dict[Path, CrateInfo]:
    crates: dict[Path, CrateInfo] = {}
    for t in targets:
        key = Path(t.path)
        if key not in crates:
            crates[key] = read_crate(project_dir / key)
    return crates


def make_plan(
    targets: Sequence[TargetSettings],
    project_dir: Path,
    settings: BuildSettings,
    inplace: bool = False,
    environ: Mapping[str, str] | None = None,
) -> DistPlan:
    """Read the crates and the platform, and plan the build of ``targets``."""
    platform = detect(settings.target, environ, settings.glibc if settings.zig else None)
    crates = read_crates(targets, project_dir)
    invocations = plan(targets, crates, platform, settings, inplace)
    check_pyo3_python(platform, invocations)
    return DistPlan(platform, settings, tuple(invocations))


def check_pyo3_python(platform: Platform, invocations: Sequence[CargoInvocation]) -> None:
    """Refuse a ``PYO3_PYTHON`` that is another Python than the one version-specific
    modules are named for: pyo3 would compile for it, and they would not import."""
    version_specific = any(
        t.is_module and t.abi3 is None and t.binding in (Binding.PyO3, Binding.RustCPython)
        for invocation in invocations
        for t in invocation.targets
    )
    if not version_specific or platform.target is not None:
        return
    if platform.python == stable_python():
        return
    probe = "import sys; print(sys.implementation.name, *sys.version_info[:2])"
    try:
        result = process.run([platform.python, "-c", probe], quiet=True, check=False)
        words = result.stdout.split() if result.returncode == 0 else []
    except BuildrsError:
        words = []
    wanted = [platform.implementation, *map(str, platform.python_version)]
    if words == wanted:
        return
    major, minor = platform.python_version
    named = f"{python_name(platform.implementation)} {major}.{minor}"
    seen = (
        f"is {python_name(words[0])} {words[1]}.{words[2]}" if len(words) == 3 else "cannot be run"
    )
    raise ConfigError(
        f"PYO3_PYTHON={platform.python} {seen}, but this build runs on {named} and names "
        f"modules for it ({platform.ext_suffix}): pyo3 would compile them for the other "
        "Python and they would not import. Unset PYO3_PYTHON, or run the build with that "
        f"interpreter ({platform.python} -m pip wheel .)"
    )


def _check_init_symbol(planned: PlannedTarget, artifact: Path) -> None:
    """Fail unless the library exports the function Python calls to load it."""
    if planned.init_symbol is None:
        return
    exported = exported_symbols(artifact)
    if exported is None or planned.init_symbol in exported:
        return
    others = sorted(name[len("PyInit_") :] for name in exported if name.startswith("PyInit_"))
    name = planned.init_symbol[len("PyInit_") :]
    found = (
        f"it exports the init function of {', '.join(repr(o) for o in others)} instead"
        if others
        else "it exports no PyInit_ function at all (is the #[pymodule] compiled in?)"
    )
    alternatives = " or ".join(repr(".".join([*planned.package_parts, other])) for other in others)
    rename = f", or change the target to {alternatives}" if alternatives else ""
    raise ArtifactError(
        f"{planned.label}: the module is installed as {planned.filename!r}, so Python will "
        f"call {planned.init_symbol}() to load it, but {found}. Name the #[pymodule] function "
        f'{name} (or add #[pyo3(name = "{name}")] to it){rename}. '
        f"Built from {planned.manifest_path}."
    )


_WRAPPER = '''\
"""Run the {binary} program shipped in this package."""

import os
import subprocess
import sys


def run() -> None:
    program = os.path.join(os.path.dirname(os.path.abspath(__file__)), {filename!r})
    if not os.path.isfile(program):
        sys.exit(f"{{program}} is missing: reinstall the package")
    if os.name == "nt":
        sys.exit(subprocess.call([program, *sys.argv[1:]]))
    os.execv(program, [program, *sys.argv[1:]])


if __name__ == "__main__":
    run()
'''


def _checked(path: Path, base: Path, label: str) -> Path:
    """``path``, after checking that it stays inside ``base`` once links are resolved."""
    if not path.resolve().is_relative_to(base.resolve()):
        raise ArtifactError(
            f"{label}: refusing to write {path}: it resolves to {path.resolve()}, outside "
            f"{base}. Remove the symbolic link that leads there."
        )
    return path


def _install(
    selected: Selected, output: cargo.CargoOutput, layout: Layout, project_dir: Path
) -> list[Installed]:
    """Install each target's artifact; return what was written."""
    installed: list[Installed] = []
    for planned, artifact, source in selected:
        _check_init_symbol(planned, source)
        if planned.to_scripts:
            dest = _checked(
                layout.scripts_dir / planned.filename, layout.scripts_dir, planned.label
            )
            installed.append(Installed(install_file(source, dest, executable=True), dest, planned))
            continue
        module_dir = layout.module_dir(planned.package)
        tree = project_dir if layout.inplace else layout.build_lib
        dest = _checked(module_dir / planned.filename, tree, planned.label)
        dest = install_file(source, dest, executable=not planned.is_module)
        if planned.is_module:
            remove_stale_modules(dest)
        regular = layout.build_lib.joinpath(*planned.package_parts, planned.filename)
        installed.append(Installed(dest, regular, planned))
        if planned.wrapper:
            name = planned.wrapper.rpartition(".")[2] + ".py"
            text = _WRAPPER.format(binary=planned.target, filename=planned.filename)
            installed.append(
                Installed(
                    write_text(_checked(module_dir / name, tree, planned.label), text),
                    layout.build_lib.joinpath(*planned.package_parts, name),
                )
            )
        if planned.generated_files:
            root = layout.module_dir("")
            written = copy_generated(
                output.out_dir_of(artifact), planned.generated_files, root, planned.label, tree
            )
            installed.extend(
                Installed(path, layout.build_lib / path.relative_to(root)) for path in written
            )
    return installed


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


Selected = list[tuple[PlannedTarget, cargo.Artifact, Path]]
"""Each target of an invocation, with its artifact and the file to install."""


def _select(invocation: CargoInvocation, output: cargo.CargoOutput, platform: Platform) -> Selected:
    return [
        (planned, *cargo.select_artifact(planned, output, platform))
        for planned in invocation.targets
    ]


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
    _zig: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def tool(self, invocation: CargoInvocation) -> tuple[str, dict[str, str]]:
        """The program that runs the invocation's ``args``, and the variables it adds."""
        if invocation.tool == "cargo":
            return self.cargo, {}
        if not self._zig:
            self._zig.append(cargo.find_zigbuild(self.cargo, self.environ))
        return self._zig[0]


def _run(
    invocation: CargoInvocation, programs: _Programs, project_dir: Path, platform: Platform
) -> tuple[cargo.CargoOutput, Selected]:
    """Run the invocation; rebuild when its artifacts came from another checkout.
    Returns what cargo reported and each target's artifact."""
    exe, tool_env = programs.tool(invocation)
    output = cargo.run_invocation(invocation, exe, project_dir, tool_env)
    selected = _select(invocation, output, platform)
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
        selected = _select(invocation, output, platform)
    _record_origins(selected)
    return output, selected


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
            ready.append((planned, artifact, macho.merge(parts, merged)))
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


def build(
    dist_plan: DistPlan,
    *,
    project_dir: Path,
    layout: Layout,
    cargo_exe: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> BuildOutcome:
    """Run the plan's cargo invocations and install the results according to ``layout``.

    In-place builds skip an invocation whose fast-path stamp says nothing changed."""
    outcome = BuildOutcome([], [])
    if not dist_plan.invocations:
        return outcome
    env = os.environ if environ is None else environ
    programs = _Programs(cargo_exe or cargo.find_cargo(env), env)
    fast_enabled = layout.inplace and fastpath.enabled(env)
    checked: set[str] = set()
    slices: dict[str, list[Path]] = {}
    for invocation in dist_plan.invocations:
        names = ", ".join(t.target for t in invocation.targets)
        exe = programs.tool(invocation)[0]
        inputs = fast_path_inputs(invocation, project_dir, layout, exe)
        outcome.fast_path_inputs.append(inputs)
        key = fastpath.invocation_key(
            inputs["args"], inputs["env"], env, exe, inputs["destinations"]
        )
        stamp = Path(inputs["stamp"])
        fast = fast_enabled and invocation.slice is None
        entries = fastpath.check(stamp, key, env) if fast else None
        if entries is not None:
            log.info("buildrs: %s is up to date (cargo not run)", names)
            outcome.installed.extend(_from_entries(entries, invocation, layout))
            outcome.up_to_date.extend(invocation.targets)
            continue
        try:
            for planned in invocation.targets:
                if planned.note:
                    log.warning("buildrs: note: %s", planned.note)
                required = planned.rust_version
                if required and required not in checked:
                    cargo.check_rust_version(required, planned.label)
                    checked.add(required)
            log.info("buildrs: building %s (%s profile)", names, invocation.profile)
            before = _sccache_counts(dist_plan.settings)
            output, selected = _run(invocation, programs, project_dir, dist_plan.platform)
            _report_sccache(dist_plan.settings, before)
            if invocation.slice is not None:
                selected = _universal(selected, slices)
            installed = _install(selected, output, layout, project_dir)
            outcome.installed.extend(installed)
            if fast:
                fastpath.record(
                    stamp,
                    key,
                    manifest_path=invocation.manifest_path,
                    artifacts=[source for _, _, source in selected],
                    out_dirs=output.out_dirs,
                    installed=_entries(installed, invocation, layout),
                    cargo=exe,
                    added_env=invocation.env,
                    environ=env,
                    local_manifests={
                        a.manifest_path for a in output.artifacts if "path+file://" in a.package_id
                    },
                )
        except BuildrsError as exc:
            if not invocation.optional:
                raise
            log.warning("buildrs: optional target %s was not built: %s", names, exc)
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            outcome.skipped.append(f"{names}: {reason}")
    return outcome
