"""Turn targets + crates + platform + settings into the cargo commands to run.

``plan()`` is a pure function: no files are read and no processes run, so every
platform's command lines can be checked exactly in unit tests.  A plan is a list
of invocations; each one yields one or more ``PlannedTarget``s, which carry
everything the later stages need, so nothing downstream reads a declaration.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from .errors import ConfigError, ManifestError
from .manifest import CrateInfo
from .platform import UNIVERSAL2, UNIVERSAL2_SLICES, Platform, python_name
from .settings import Binding, BuildSettings, Strip, TargetSettings

__all__ = [
    "CargoInvocation",
    "PlannedTarget",
    "plan",
    "profile_args",
    "split_profile",
]

MESSAGE_FORMAT = "--message-format=json-render-diagnostics"

# pyo3 reads PYO3_BUILD_EXTENSION_MODULE from 0.26 on and deprecates the
# `extension-module` feature; older versions need the feature.
PYO3_ENV_SINCE = (0, 26)


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
    """The stable-ABI floor when the module is built against ``abi3``."""
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


def profile_args(profile: str) -> tuple[str, ...]:
    if profile == "release":
        return ("--release",)
    if profile == "dev":
        return ()
    return ("--profile", profile)


def _normal_profile(name: str) -> str:
    return "dev" if name == "debug" else name


def split_profile(args: Sequence[str], where: str) -> tuple[str | None, tuple[str, ...]]:
    """The profile that cargo ``args`` select (``--release``, ``-r``, ``--profile X``,
    ``--profile=X``), and the arguments without it."""
    found: str | None = None
    rest: list[str] = []
    items = iter(args)
    for arg in items:
        if arg in ("--release", "-r"):
            name = "release"
        elif arg == "--profile":
            name = next(items, "")
        elif arg.startswith("--profile="):
            name = arg.partition("=")[2]
        else:
            rest.append(arg)
            continue
        if not name:
            raise ConfigError(f"{where}: --profile needs a profile name")
        name = _normal_profile(name)
        if found is not None and found != name:
            raise ConfigError(f"{where}: args select two profiles, {found!r} and {name!r}")
        found = name
    return found, tuple(rest)


def _profile_for(
    t: TargetSettings, build: BuildSettings, inplace: bool
) -> tuple[str, tuple[str, ...]]:
    """The target's profile and its args without profile flags. First match wins:
    the build's forced profile (command line, ``-C``, environment), a profile in
    ``args``, ``debug``, then the default of the kind of build."""
    declared, args = split_profile(t.args, f"{t.describe()}: args")
    if build.profile:
        return _normal_profile(build.profile), args
    if declared:
        return declared, args
    if t.debug is True:
        return "dev", args
    if t.debug is False:
        return "release", args
    return _normal_profile(build.editable_profile if inplace else build.wheel_profile), args


def _enabled_features(t: TargetSettings, build: BuildSettings) -> tuple[str, ...]:
    return tuple(sorted(set(t.features) | set(build.features)))


def _default_features(t: TargetSettings, build: BuildSettings) -> bool:
    return "--no-default-features" not in t.args + build.cargo_args


def _wheel_abi3_feature(t: TargetSettings, crate: CrateInfo, build: BuildSettings) -> list[str]:
    """``pyo3/abi3-py3X`` when ``bdist_wheel`` asks for abi3 and the target follows it."""
    dep = crate.dependencies.get("pyo3")
    if build.py_limited_api is None or t.py_limited_api != "auto" or dep is None:
        return []
    if t.binding is not Binding.PyO3:
        return []
    major, minor = build.py_limited_api
    return [f"{dep.key}/abi3-py{major}{minor}"]


def _abi3_floor(
    t: TargetSettings,
    crate: CrateInfo,
    platform: Platform,
    build: BuildSettings,
    features: Sequence[str],
) -> tuple[int, int] | None:
    """The stable-ABI floor a module is built for, or ``None`` for a version-specific one."""
    setting = t.py_limited_api
    if t.is_bin or setting is False:
        return None
    if not platform.is_cpython or platform.free_threaded:
        return None
    if isinstance(setting, tuple):
        return setting
    floors = []
    if t.binding is Binding.PyO3:
        for feature in crate.dependency_features("pyo3", features, _default_features(t, build)):
            if feature.startswith("abi3-py3") and feature[8:].isdigit():
                floors.append((3, int(feature[8:])))
            elif feature == "abi3":
                floors.append(platform.python_version)
    if setting is True:
        return min(floors) if floors else platform.python_version
    if floors:
        return min(floors)
    if build.py_limited_api is not None and t.binding is Binding.NoBinding:
        return build.py_limited_api
    return None


def _cargo_name(t: TargetSettings, crate: CrateInfo) -> str:
    """The cargo target ``t`` builds, or a ManifestError naming the fix."""
    manifest = crate.manifest_path
    if t.is_bin:
        name = t.binary_name
        if name not in crate.bins:
            known = ", ".join(repr(b) for b in crate.bins) or "none"
            raise ManifestError(
                f"{manifest}: crate {crate.package_name!r} has no binary named {name!r} "
                f"(binaries found: {known}). Add a [[bin]] with name = {name!r}, or change "
                f"the target to one of the binaries."
            )
        return name
    binding_crate = {Binding.PyO3: "pyo3", Binding.RustCPython: "cpython"}.get(t.binding)
    if binding_crate and binding_crate not in crate.dependencies:
        raise ManifestError(
            f"{manifest}: crate {crate.package_name!r} does not depend on {binding_crate}, but "
            f"{t.describe()} is built with binding {t.binding.name}, so the module could not "
            f"be imported. Add {binding_crate} to [dependencies], or set the binding "
            "(NoBinding for a plain C-ABI library)."
        )
    if crate.lib_name is None:
        raise ManifestError(
            f"{manifest}: crate {crate.package_name!r} has no library target, but "
            f"{t.target!r} ({t.binding.name}) is built from one. Add src/lib.rs and a "
            f'[lib] section with crate-type = ["cdylib"] to Cargo.toml.'
        )
    return crate.lib_name


def _file_name(t: TargetSettings, platform: Platform, abi3: tuple[int, int] | None) -> str:
    if t.is_bin:
        return t.module_name + platform.exe_suffix
    return t.module_name + (platform.abi3_suffix if abi3 else platform.ext_suffix)


def _rustc_flags(t: TargetSettings, platform: Platform, filename: str) -> list[str]:
    flags = list(t.rustc_flags)
    if t.native:
        flags += ["-C", "target-cpu=native"]
    if (
        platform.target
        and "-musl" in platform.target
        and not t.is_bin
        and not any("crt-static" in flag for flag in flags)
    ):
        # musl links statically by default, and a static C runtime cannot make a cdylib.
        flags += ["-C", "target-feature=-crt-static"]
    if t.strip is Strip.Debug:
        flags += ["-C", "strip=debuginfo"]
    elif t.strip is Strip.All:
        flags += ["-C", "strip=symbols"]
    if platform.os == "macos" and t.binding in (Binding.PyO3, Binding.RustCPython):
        flags += [
            "-C",
            "link-arg=-undefined",
            "-C",
            "link-arg=dynamic_lookup",
            "-C",
            f"link-args=-Wl,-install_name,@rpath/{filename}",
        ]
    return flags


def _env(t: TargetSettings, platform: Platform, build: BuildSettings) -> dict[str, str]:
    env: dict[str, str] = {}
    if build.rustc_wrapper:
        env["RUSTC_WRAPPER"] = build.rustc_wrapper
    if t.binding in (Binding.PyO3, Binding.Exec):
        env["PYO3_PYTHON"] = platform.python
    if not t.is_bin and t.binding is Binding.PyO3:
        env["PYO3_BUILD_EXTENSION_MODULE"] = "1"
    if t.binding is Binding.RustCPython:
        env["PYTHON_SYS_EXECUTABLE"] = platform.python
    if platform.os == "macos" and platform.macos_deployment_target:
        env["MACOSX_DEPLOYMENT_TARGET"] = platform.macos_deployment_target
    env.update(t.env)
    return env


def _binding_features(t: TargetSettings, crate: CrateInfo, enabled: Sequence[str]) -> list[str]:
    """Features that make the crate build as an extension module."""
    package = {Binding.PyO3: "pyo3", Binding.RustCPython: "cpython"}.get(t.binding)
    if package is None or t.is_bin:
        return []
    dep = crate.dependencies.get(package)
    if dep is None:
        return []
    if "extension-module" in crate.dependency_features(package, enabled):
        return []
    if package == "pyo3" and dep.version is not None and dep.version >= PYO3_ENV_SINCE:
        return []
    return [f"{dep.key}/extension-module"]


def _check_args(t: TargetSettings, build: BuildSettings) -> None:
    if "--" in t.args or "--" in build.cargo_args:
        raise ConfigError(
            f"{t.describe()}: args contains '--'; pass flags meant for rustc in rustc_flags "
            "(rustc-flags in pyproject.toml) instead"
        )


@dataclass
class _Job:
    """What one cargo process is planned to do, before it is turned into argv."""

    first: TargetSettings
    crate: CrateInfo
    profile: str
    features: list[str]
    args: tuple[str, ...]
    rustc_flags: list[str]
    targets: list[PlannedTarget] = field(default_factory=list)


def _argv(job: _Job, platform: Platform, build: BuildSettings) -> list[str]:
    t = job.first
    if t.is_bin and not job.rustc_flags:
        head = [_build_command(build)]
        for planned in job.targets:
            head += ["--bin", planned.cargo_name]
    elif t.is_bin:
        head = ["rustc", "--bin", job.targets[0].cargo_name]
    else:
        head = ["rustc", "--lib"]
    argv = [*head, MESSAGE_FORMAT, "--manifest-path", str(job.crate.manifest_path)]
    argv += _selection(t.cargo_manifest_args, job.profile, platform, build)
    if job.features:
        argv += ["--features", ",".join(job.features)]
    if t.quiet or build.quiet:
        argv.append("--quiet")
    argv += job.args
    if not t.is_bin:
        argv += ["--crate-type", "cdylib"]
    if job.rustc_flags:
        argv += ["--", *job.rustc_flags]
    return argv


@dataclass
class _Member:
    """An extension module that may share one ``cargo build`` with the other modules
    of its workspace."""

    t: TargetSettings
    crate: CrateInfo
    planned: PlannedTarget
    features: list[str]
    args: tuple[str, ...]


def _workspace_key(
    t: TargetSettings,
    crate: CrateInfo,
    profile: str,
    features: Sequence[str],
    args: tuple[str, ...],
    platform: Platform,
    build: BuildSettings,
) -> tuple[object, ...] | None:
    """What modules must share to be built by one ``cargo build -p a -p b``, or ``None``
    when this one cannot be: it needs rustc flags (``cargo build`` cannot give them to
    one package only), its Cargo.toml does not make a cdylib, it is in no workspace,
    or it needs a dependency's feature (which ``-p`` builds cannot name per package)."""
    if crate.workspace_root is None or "cdylib" not in crate.crate_types:
        return None
    if any("/" in feature for feature in features):
        return None
    env = tuple(sorted(_env(t, platform, build).items()))
    return (crate.workspace_root, profile, args, t.cargo_manifest_args, env, t.quiet, t.optional)


def _workspace_invocation(
    members: Sequence[_Member], profile: str, platform: Platform, build: BuildSettings
) -> CargoInvocation:
    first = members[0]
    root = first.crate.workspace_root
    assert root is not None
    manifest = root / "Cargo.toml"
    packages = [arg for m in members for arg in ("-p", m.crate.package_name)]
    selection = _selection(first.t.cargo_manifest_args, profile, platform, build)
    argv = [
        _build_command(build),
        *packages,
        "--lib",
        MESSAGE_FORMAT,
        "--manifest-path",
        str(manifest),
    ]
    argv += selection
    features = [f"{m.crate.package_name}/{f}" for m in members for f in m.features]
    if features:
        argv += ["--features", ",".join(features)]
    if first.t.quiet or build.quiet:
        argv.append("--quiet")
    argv += first.args
    clean = ["clean", "--manifest-path", str(manifest), *packages]
    clean += _selection(first.t.cargo_manifest_args, profile, platform, build, clean=True)
    return CargoInvocation(
        args=tuple(argv),
        env=_env(first.t, platform, build),
        manifest_path=manifest,
        targets=tuple(m.planned for m in members),
        quiet=first.t.quiet or build.quiet,
        optional=first.t.optional,
        profile=profile,
        clean_args=tuple(clean),
        unset_env=(*platform.unset_env, *build.unset_env),
        tool=_tool(build),
    )


def _clean_argv(job: _Job, platform: Platform, build: BuildSettings) -> list[str]:
    argv = ["clean", "--manifest-path", str(job.crate.manifest_path), "-p", job.crate.package_name]
    return argv + _selection(job.first.cargo_manifest_args, job.profile, platform, build, True)


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
            for invocation in plan(
                targets, crates, replace(platform, target=triple), build, inplace
            )
        ]
    jobs: list[_Job] = []
    bin_jobs: dict[tuple[object, ...], _Job] = {}
    workspaces: dict[tuple[object, ...], list[_Member]] = {}
    _, global_args = split_profile(build.cargo_args, "BUILDRS_CARGO_ARGS")
    seen: dict[tuple[str, str], TargetSettings] = {}
    for t in targets:
        _check_args(t, build)
        place = ("bin" if t.kind == "bin" else "pkg", t.target)
        if place in seen:
            raise ConfigError(
                f"{t.describe()} is declared twice ({seen[place].path} and {t.path}); "
                "every target must be declared once"
            )
        seen[place] = t
        crate = crates[Path(t.path)]
        profile, args = _profile_for(t, build, inplace)
        enabled = _enabled_features(t, build)
        features = sorted(
            {
                *enabled,
                *_binding_features(t, crate, enabled),
                *_wheel_abi3_feature(t, crate, build),
            }
        )
        abi3 = _abi3_floor(t, crate, platform, build, features)
        filename = _file_name(t, platform, abi3)
        note = None
        if abi3 is None and not (platform.is_cpython and not platform.free_threaded):
            plain = replace(platform, implementation="cpython", free_threaded=False)
            wanted = _abi3_floor(t, crate, plain, build, features)
            if wanted is not None:
                python = python_name(platform.implementation)
                python = "free-threaded " + python if platform.free_threaded else python
                note = (
                    f"{t.describe()}: {python} {platform.python_version[0]}."
                    f"{platform.python_version[1]} has no stable ABI, so the module is built "
                    f"for this interpreter only ({filename}) instead of abi3 "
                    f"(Python {wanted[0]}.{wanted[1]}+), as pyo3 does"
                )
        script = t.console_script
        planned = PlannedTarget(
            label=t.describe(),
            target=t.target,
            kind="bin" if t.is_bin else "cdylib",
            binding=t.binding,
            cargo_name=_cargo_name(t, crate),
            manifest_path=crate.manifest_path,
            filename=filename,
            package=t.package,
            to_scripts=t.kind == "bin",
            abi3=abi3,
            init_symbol=(
                f"PyInit_{t.module_name}"
                if t.binding in (Binding.PyO3, Binding.RustCPython) and not t.is_bin
                else None
            ),
            wrapper=script[1] if script else None,
            generated_files=dict(t.generated_files),
            optional=t.optional,
            rust_version=t.rust_version,
            note=note,
        )
        rustc_flags = _rustc_flags(t, platform, filename)
        args = (*args, *global_args)
        if t.is_bin and not rustc_flags:
            key = (
                t.path,
                profile,
                tuple(features),
                args,
                t.cargo_manifest_args,
                tuple(sorted(t.env.items())),
                t.quiet,
                t.optional,
            )
            if key not in bin_jobs:
                bin_jobs[key] = _Job(t, crate, profile, features, args, [])
            bin_jobs[key].targets.append(planned)
            continue
        group = (
            None
            if t.is_bin or rustc_flags
            else _workspace_key(t, crate, profile, features, args, platform, build)
        )
        if group is not None:
            workspaces.setdefault(group, []).append(_Member(t, crate, planned, features, args))
            continue
        jobs.append(_Job(t, crate, profile, features, args, rustc_flags, [planned]))
    shared: list[CargoInvocation] = []
    for group, members in workspaces.items():
        if len(members) > 1:
            shared.append(_workspace_invocation(members, str(group[1]), platform, build))
        else:
            (m,) = members
            jobs.append(_Job(m.t, m.crate, str(group[1]), m.features, m.args, [], [m.planned]))
    return [
        CargoInvocation(
            args=tuple(_argv(job, platform, build)),
            env=_env(job.first, platform, build),
            manifest_path=job.crate.manifest_path,
            targets=tuple(job.targets),
            quiet=job.first.quiet or build.quiet,
            optional=job.first.optional,
            profile=job.profile,
            clean_args=tuple(_clean_argv(job, platform, build)),
            unset_env=(*platform.unset_env, *build.unset_env),
            tool=_tool(build),
        )
        for job in [*jobs, *bin_jobs.values()]
    ] + shared
