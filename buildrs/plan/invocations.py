"""Turn targets + crates + platform + settings into the cargo commands to run.

``plan()`` is a pure function: no files are read and no processes run, so every
platform's command lines can be checked exactly in unit tests. Each target is
decided on its own (``targetplan``); here targets that can share a cargo process
are grouped. A plan is a list of invocations; each one yields one or more
``PlannedTarget``s, which carry everything the later stages need, so nothing
downstream reads a declaration. ``DistPlan`` is what a whole build will do: the
wheel's tag and the files in it are both read from it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from buildrs.config.manifest import CrateInfo
from buildrs.config.settings import BuildSettings
from buildrs.config.targets import Binding, TargetSettings
from buildrs.errors import ConfigError

from .platform import UNIVERSAL2, UNIVERSAL2_SLICES, Platform, macos_deployment_for
from .targetplan import TargetPlan, plan_target, profile_args, split_profile

__all__ = [
    "CargoInvocation",
    "DistPlan",
    "PlannedTarget",
    "plan",
    "profile_args",
    "split_profile",
]

MESSAGE_FORMAT = "--message-format=json-render-diagnostics"


@dataclass(frozen=True)
class PlannedTarget:
    """One target of the build, with everything needed to install its artifact."""

    label: str
    """How messages name it, e.g. ``RustExtension('pkg._native')``."""
    target: str
    """The dotted module path, or a bin's name."""
    kind: Literal["cdylib", "bin"]
    """Which cargo artifact it takes."""
    binding: Binding
    """The binding the module is built with."""
    cargo_name: str
    """The cargo target's name (library or binary name)."""
    manifest_path: Path
    """The crate's Cargo.toml."""
    filename: str
    """The installed file's name, e.g. ``_native.cpython-311-x86_64-linux-gnu.so``."""
    package: str = ""
    """The dotted package the file goes into (``""``: top level, or a script)."""
    to_scripts: bool = False
    """Installed into the scripts directory (``bin/``) rather than into a package."""
    abi3: tuple[int, int] | None = None
    """The stable-ABI floor when the module is built against ``abi3`` or ``abi3t``."""
    abi3t: bool = False
    """Built for ``abi3t`` (PEP 803), which free-threaded CPython 3.15+ loads too."""
    init_symbol: str | None = None
    """The symbol Python calls to load the module (PyO3 and RustCPython)."""
    wrapper: str | None = None
    """For an Exec binary with a console script: the wrapper module's dotted name."""
    generated_files: Mapping[str, str] = field(default_factory=dict)
    """Files of the build script's ``OUT_DIR`` copied into packages."""
    optional: bool = False
    """A failure is reported and skipped instead of failing the build."""
    rust_version: str | None = None
    """The rustc versions the crate builds with."""
    note: str | None = None
    """Something the build does differently from what was asked, and why, to report."""
    stubs: str | None = None
    """How its ``.pyi`` is made: ``"introspection"`` (pyo3-introspection reads the
    library) or ``"stubgen"`` (mypy's stubgen imports it); ``None``: no stub."""
    stubs_requirement: str | None = None
    """What the stub maker needs from PyPI, e.g. ``pyo3-introspection>=0.30,<0.31``."""
    musl_libc: str | None = None
    """For a musl target: the name musllinux systems load libc by
    (``libc.musl-x86_64.so.1``), which the installed file must need instead of the
    ``libc.so`` other musl toolchains record."""

    @property
    def package_parts(self) -> tuple[str, ...]:
        """The package directories, from the top, that hold the file."""
        return tuple(self.package.split(".")) if self.package else ()

    @property
    def is_module(self) -> bool:
        """An extension module (not a binary)."""
        return self.kind == "cdylib"


@dataclass(frozen=True)
class CargoInvocation:
    """One cargo process to run."""

    args: tuple[str, ...]
    """Arguments after the cargo executable."""
    env: Mapping[str, str]
    """Variables added to (never replacing) the environment."""
    manifest_path: Path
    """The crate it builds."""
    targets: tuple[PlannedTarget, ...]
    """What it yields."""
    quiet: bool = False
    """Whether cargo's progress output is hidden unless it fails."""
    optional: bool = False
    """A failure is reported and skipped instead of failing the build."""
    profile: str = "release"
    """The cargo profile it builds with."""
    clean_args: tuple[str, ...] = ()
    """Arguments of the ``cargo clean`` that removes this crate's output of this build."""
    unset_env: tuple[str, ...] = ()
    """Variables cargo must not inherit (see ``Platform.unset_env``)."""
    tool: Literal["cargo", "cargo-zigbuild"] = "cargo"
    """The program that runs ``args``; ``clean_args`` are always cargo's."""
    slice: str | None = None
    """For one architecture of a universal2 build (``x86_64``, ``arm64``): its
    artifacts are merged with the other architecture's before they are installed."""
    triple: str | None = None
    """The target triple built for (``None``: the host)."""
    target_rustflags: tuple[str, ...] = ()
    """Flags every crate of the target is built with: given to cargo as its
    ``target.<triple>.rustflags`` (see ``cargo.command_line``)."""


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

    @property
    def abi3t(self) -> bool:
        """Every extension module is built for ``abi3t``: the wheel is tagged
        ``abi3.abi3t`` and serves free-threaded CPython too."""
        return bool(self.modules) and all(t.abi3t for t in self.modules)


def _tool(build: BuildSettings) -> Literal["cargo", "cargo-zigbuild"]:
    """The program that runs a build's cargo commands: cargo-zigbuild for zig builds."""
    return "cargo-zigbuild" if build.zig else "cargo"


def _build_command(build: BuildSettings) -> str:
    """``cargo build``'s subcommand, or cargo-zigbuild's name for it."""
    return "zigbuild" if build.zig else "build"


def _selection(
    manifest_args: Sequence[str],
    profile: str,
    platform: Platform,
    build: BuildSettings,
    clean: bool = False,
) -> list[str]:
    """What every cargo command of a build is given after the manifest path: the
    manifest arguments, the profile, the target triple and the target directory.
    ``cargo clean`` takes the plain triple where zig is given a glibc version."""
    argv = [*manifest_args, *profile_args(profile)]
    target = platform.target if clean else platform.cargo_target
    if target:
        argv += ["--target", target]
    if build.target_dir:
        argv += ["--target-dir", build.target_dir]
    return argv


@dataclass
class _Job:
    """Targets of one crate that one cargo process builds, before argv is made."""

    first: TargetSettings
    crate: CrateInfo
    decided: TargetPlan
    """The first target's plan; the others share its profile, features and args."""
    targets: list[PlannedTarget] = field(default_factory=list)

    def selection(self, platform: Platform, build: BuildSettings, clean: bool = False) -> list[str]:
        return _selection(
            self.first.cargo_manifest_args, self.decided.profile, platform, build, clean
        )


def _argv(job: _Job, platform: Platform, build: BuildSettings) -> list[str]:
    t, decided = job.first, job.decided
    if t.is_bin and not decided.rustc_flags:
        head = [_build_command(build)]
        for planned in job.targets:
            head += ["--bin", planned.cargo_name]
    elif t.is_bin:
        head = ["rustc", "--bin", job.targets[0].cargo_name]
    else:
        head = ["rustc", "--lib"]
    argv = [*head, MESSAGE_FORMAT, "--manifest-path", str(job.crate.manifest_path)]
    argv += job.selection(platform, build)
    if decided.features:
        argv += ["--features", ",".join(decided.features)]
    if t.quiet or build.quiet:
        argv.append("--quiet")
    argv += decided.args
    if not t.is_bin:
        argv += ["--crate-type", "cdylib"]
    if decided.rustc_flags:
        argv += ["--", *decided.rustc_flags]
    return argv


def _invocation(
    job: _Job,
    argv: Sequence[str],
    manifest: Path,
    clean: Sequence[str],
    platform: Platform,
    build: BuildSettings,
) -> CargoInvocation:
    t = job.first
    return CargoInvocation(
        args=tuple(argv),
        env=job.decided.env,
        manifest_path=manifest,
        targets=tuple(job.targets),
        quiet=t.quiet or build.quiet,
        optional=t.optional,
        profile=job.decided.profile,
        clean_args=tuple(clean),
        unset_env=(*platform.unset_env, *build.unset_env),
        tool=_tool(build),
        triple=platform.target,
        target_rustflags=job.decided.target_rustflags,
    )


def _crate_invocation(job: _Job, platform: Platform, build: BuildSettings) -> CargoInvocation:
    manifest = job.crate.manifest_path
    clean = ["clean", "--manifest-path", str(manifest), "-p", job.crate.package_name]
    clean += job.selection(platform, build, clean=True)
    return _invocation(job, _argv(job, platform, build), manifest, clean, platform, build)


def _workspace_invocation(
    members: Sequence[_Job], platform: Platform, build: BuildSettings
) -> CargoInvocation:
    """One ``cargo build -p a -p b --lib`` for modules of one workspace."""
    first = members[0]
    root = first.crate.workspace_root
    assert root is not None
    manifest = root / "Cargo.toml"
    packages = [arg for m in members for arg in ("-p", m.crate.package_name)]
    argv = [_build_command(build), *packages, "--lib", MESSAGE_FORMAT]
    argv += ["--manifest-path", str(manifest), *first.selection(platform, build)]
    features = [f"{m.crate.package_name}/{f}" for m in members for f in m.decided.features]
    if features:
        argv += ["--features", ",".join(features)]
    if first.first.quiet or build.quiet:
        argv.append("--quiet")
    argv += first.decided.args
    clean = ["clean", "--manifest-path", str(manifest), *packages]
    clean += first.selection(platform, build, clean=True)
    merged = replace(first, targets=[t for m in members for t in m.targets])
    return _invocation(merged, argv, manifest, clean, platform, build)


def _workspace_key(t: TargetSettings, crate: CrateInfo, decided: TargetPlan) -> object:
    """What modules must share to be built by one ``cargo build -p a -p b``, or ``None``
    when this one cannot be: it needs rustc flags (``cargo build`` cannot give them to
    one package only), its Cargo.toml does not make a cdylib, it is in no workspace,
    or it needs a dependency's feature (which ``-p`` builds cannot name per package)."""
    if t.is_bin or decided.rustc_flags:
        return None
    if crate.workspace_root is None or "cdylib" not in crate.crate_types:
        return None
    if any("/" in feature for feature in decided.features):
        return None
    env = tuple(sorted(decided.env.items()))
    common = (decided.profile, decided.args, t.cargo_manifest_args, env, t.quiet, t.optional)
    return (crate.workspace_root, decided.target_rustflags, *common)


def _bin_key(t: TargetSettings, decided: TargetPlan) -> object:
    """What binaries of one crate must share to be built by one ``cargo build --bin a
    --bin b``, or ``None`` when they need rustc flags (``cargo rustc`` takes one)."""
    if not t.is_bin or decided.rustc_flags:
        return None
    env = tuple(sorted(t.env.items()))
    common = (decided.profile, decided.args, t.cargo_manifest_args, env, t.quiet, t.optional)
    return (t.path, decided.features, *common)


def _planned(t: TargetSettings, crate: CrateInfo, decided: TargetPlan) -> PlannedTarget:
    script = t.console_script
    return PlannedTarget(
        label=t.describe(),
        target=t.target,
        kind="bin" if t.is_bin else "cdylib",
        binding=t.binding,
        cargo_name=decided.cargo_name,
        manifest_path=crate.manifest_path,
        filename=decided.filename,
        package=t.package,
        to_scripts=t.kind == "bin",
        abi3=decided.abi3,
        abi3t=decided.abi3t,
        init_symbol=(
            f"PyInit_{t.module_name}"
            if t.binding in (Binding.PyO3, Binding.RustCPython) and not t.is_bin
            else None
        ),
        wrapper=script[1] if script else None,
        generated_files=dict(t.generated_files),
        optional=t.optional,
        rust_version=t.rust_version,
        note=decided.note,
        musl_libc=decided.musl_libc,
        stubs=decided.stubs[0] if decided.stubs else None,
        stubs_requirement=decided.stubs[1] if decided.stubs else None,
    )


def _slice(platform: Platform, triple: str) -> Platform:
    """One architecture of a universal2 build, with that architecture's macOS floor."""
    deployment = macos_deployment_for(triple, platform.macos_deployment_target)
    return replace(platform, target=triple, macos_deployment_target=deployment)


def _check_declared_once(targets: Sequence[TargetSettings]) -> None:
    seen: dict[tuple[str, str], TargetSettings] = {}
    for t in targets:
        place = ("bin" if t.kind == "bin" else "pkg", t.target)
        if place in seen:
            first = seen[place]
            raise ConfigError(
                f"{t.describe()} is declared twice: by {first.declared or first.path} and by "
                f"{t.declared or t.path}; every target must be declared once"
            )
        seen[place] = t


def plan(
    targets: Sequence[TargetSettings],
    crates: Mapping[Path, CrateInfo],
    platform: Platform,
    build: BuildSettings | None = None,
    inplace: bool = False,
) -> list[CargoInvocation]:
    """Plan the cargo invocations that build ``targets``.

    ``crates`` maps each target's ``Path(path)`` to the crate read from it;
    ``inplace`` says the build is in place or editable (its default profile is
    ``editable_profile``). Extension modules get one ``cargo rustc --lib
    --crate-type cdylib`` each, except that the modules of one workspace whose
    crates make cdylibs and share their settings are built by one ``cargo build -p a
    -p b --lib``, so cargo builds them in parallel and their dependencies once;
    binaries of one crate that share their settings are built by one ``cargo build
    --bin a --bin b`` (``cargo rustc --bin`` when they need rustc flags). A universal2
    build plans everything once per architecture.
    """
    build = build or BuildSettings()
    if platform.target == UNIVERSAL2:
        # One build per architecture; the pipeline merges their artifacts.
        return [
            replace(invocation, slice=arch)
            for arch, triple in UNIVERSAL2_SLICES
            for invocation in plan(targets, crates, _slice(platform, triple), build, inplace)
        ]
    _check_declared_once(targets)
    singles: list[_Job] = []
    groups: dict[object, list[_Job]] = {}
    binaries: dict[object, _Job] = {}
    for t in targets:
        crate = crates[Path(t.path)]
        decided = plan_target(t, crate, platform, build, inplace)
        job = _Job(t, crate, decided, [_planned(t, crate, decided)])
        bin_key = _bin_key(t, decided)
        group = _workspace_key(t, crate, decided)
        if bin_key is not None:
            binaries.setdefault(bin_key, replace(job, targets=[])).targets += job.targets
        elif group is not None:
            groups.setdefault(group, []).append(job)
        else:
            singles.append(job)
    shared = [m for m in groups.values() if len(m) > 1]
    singles += [m[0] for m in groups.values() if len(m) == 1]
    return [
        *(_crate_invocation(job, platform, build) for job in [*singles, *binaries.values()]),
        *(_workspace_invocation(members, platform, build) for members in shared),
    ]
