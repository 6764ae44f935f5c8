"""Turn targets + crates + platform into the cargo commands to run.

``plan()`` is a pure function: no files are read and no processes run, so every
platform's command lines can be checked exactly in unit tests.  A plan is a list
of invocations; each one yields one or more targets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError, ManifestError
from .extension import Binding, RustExtension, Strip
from .manifest import CrateInfo
from .platform import Platform

__all__ = [
    "BuildOptions",
    "CargoInvocation",
    "PlannedTarget",
    "abi3_floor",
    "plan",
    "profile_args",
]

MESSAGE_FORMAT = "--message-format=json-render-diagnostics"

# pyo3 reads PYO3_BUILD_EXTENSION_MODULE from 0.26 on and deprecates the
# `extension-module` feature; older versions need the feature.
PYO3_ENV_SINCE = (0, 26)


@dataclass(frozen=True)
class BuildOptions:
    """Settings that apply to a whole build rather than to one target."""

    profile: str | None = None
    """A cargo profile forced on every target (``release``, ``dev`` or a custom one)."""
    default_profile: str = "release"
    """The profile of targets whose ``debug`` is unset."""
    features: tuple[str, ...] = ()
    """Extra cargo features for every target."""
    args: tuple[str, ...] = ()
    """Extra cargo arguments for every target."""


@dataclass(frozen=True)
class PlannedTarget:
    """One declared target and where its artifact goes."""

    ext: RustExtension
    """The declaration it comes from."""
    kind: str
    """``"cdylib"`` or ``"bin"``: which cargo artifact it takes."""
    cargo_name: str
    """The cargo target's name (library or binary name)."""
    filename: str
    """The installed file's name, e.g. ``_native.cpython-311-x86_64-linux-gnu.so``."""
    abi3: tuple[int, int] | None = None
    """The stable-ABI floor when the module is built against ``abi3``."""

    @property
    def is_script(self) -> bool:
        """Installed into the environment's scripts directory rather than a package."""
        return self.ext.is_bin and self.ext.script

    @property
    def package_parts(self) -> tuple[str, ...]:
        """The package directories, from the top, that hold the file."""
        if self.is_script or not self.ext.package:
            return ()
        return tuple(self.ext.package.split("."))


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


def profile_args(profile: str) -> tuple[str, ...]:
    if profile == "release":
        return ("--release",)
    if profile == "dev":
        return ()
    return ("--profile", profile)


def _normal_profile(name: str) -> str:
    return "dev" if name == "debug" else name


def _profile_for(ext: RustExtension, options: BuildOptions) -> str:
    if options.profile:
        return _normal_profile(options.profile)
    if ext.debug is True:
        return "dev"
    if ext.debug is False:
        return "release"
    return _normal_profile(options.default_profile)


def _parse_abi3_version(value: str, where: str) -> tuple[int, int]:
    text = value.lower().removeprefix("cp").removeprefix("py").replace(".", "")
    if len(text) >= 2 and text.isdigit() and text[0] == "3":
        return 3, int(text[1:])
    raise ConfigError(
        f"{where}: py_limited_api must be 'auto', true, false or a version like 'cp39', "
        f"got {value!r}"
    )


def _enabled_features(ext: RustExtension, options: BuildOptions) -> tuple[str, ...]:
    return tuple(sorted(set(ext.features) | set(options.features)))


def _default_features(ext: RustExtension, options: BuildOptions) -> bool:
    return "--no-default-features" not in ext.args + options.args


def abi3_floor(
    ext: RustExtension, crate: CrateInfo, platform: Platform, options: BuildOptions
) -> tuple[int, int] | None:
    """The stable-ABI floor a module is built for, or ``None`` for a version-specific one."""
    where = repr(ext)
    setting = ext.py_limited_api
    if ext.binding is Binding.Exec or setting is False:
        return None
    if not platform.is_cpython or platform.free_threaded:
        return None
    pyo3_features = crate.dependency_features(
        "pyo3", _enabled_features(ext, options), _default_features(ext, options)
    )
    floors = []
    for feature in pyo3_features:
        if feature.startswith("abi3-py"):
            floors.append(_parse_abi3_version(feature.removeprefix("abi3-"), where))
        elif feature == "abi3":
            floors.append(platform.python_version)
    if isinstance(setting, str) and setting != "auto":
        return _parse_abi3_version(setting, where)
    if setting is True:
        return min(floors) if floors else platform.python_version
    if setting == "auto" and floors and ext.binding is Binding.PyO3:
        return min(floors)
    return None


def _check_crate(ext: RustExtension, crate: CrateInfo) -> str:
    """Return the cargo target name ``ext`` builds, or raise a ManifestError."""
    manifest = crate.manifest_path
    if ext.is_bin:
        name = ext.cargo_target or ext.module_name
        if name not in crate.bins:
            known = ", ".join(repr(b) for b in crate.bins) or "none"
            raise ManifestError(
                f"{manifest}: crate {crate.package_name!r} has no binary named {name!r} "
                f"(binaries found: {known}). Add a [[bin]] with name = {name!r}, or change "
                f"the target to one of the binaries."
            )
        return name
    if crate.lib_name is None:
        raise ManifestError(
            f"{manifest}: crate {crate.package_name!r} has no library target, but "
            f"{ext.target!r} ({ext.binding.name}) is built from one. Add src/lib.rs and a "
            f'[lib] section with crate-type = ["cdylib"] to Cargo.toml.'
        )
    if crate.lib_name != ext.module_name:
        raise ManifestError(
            f"{manifest}: [lib] name is {crate.lib_name!r}, but target {ext.target!r} ends in "
            f"{ext.module_name!r}. Python finds a module's init function by the name it was "
            f"compiled with, so they must match: set name = {ext.module_name!r} under [lib] "
            f"in Cargo.toml, or name the target "
            f"{'.'.join([*ext.package.split('.'), crate.lib_name]).lstrip('.')!r}."
        )
    return crate.lib_name


def _file_name(ext: RustExtension, platform: Platform, abi3: tuple[int, int] | None) -> str:
    if ext.is_bin:
        return ext.module_name + platform.exe_suffix
    return ext.module_name + (platform.abi3_suffix if abi3 else platform.ext_suffix)


def _rustc_flags(ext: RustExtension, platform: Platform, filename: str) -> list[str]:
    flags = list(ext.rustc_flags)
    if ext.native:
        flags += ["-C", "target-cpu=native"]
    if ext.strip is Strip.Debug:
        flags += ["-C", "strip=debuginfo"]
    elif ext.strip is Strip.All:
        flags += ["-C", "strip=symbols"]
    if platform.os == "macos" and ext.binding in (Binding.PyO3, Binding.RustCPython):
        flags += [
            "-C",
            "link-arg=-undefined",
            "-C",
            "link-arg=dynamic_lookup",
            "-C",
            f"link-args=-Wl,-install_name,@rpath/{filename}",
        ]
    return flags


def _env(ext: RustExtension, platform: Platform, extension_module: bool) -> dict[str, str]:
    env: dict[str, str] = {}
    if ext.binding in (Binding.PyO3, Binding.Exec):
        env["PYO3_PYTHON"] = platform.python
    if extension_module and ext.binding is Binding.PyO3:
        env["PYO3_BUILD_EXTENSION_MODULE"] = "1"
    if ext.binding is Binding.RustCPython:
        env["PYTHON_SYS_EXECUTABLE"] = platform.python
    if platform.os == "macos" and platform.macos_deployment_target:
        env["MACOSX_DEPLOYMENT_TARGET"] = platform.macos_deployment_target
    env.update(ext.env)
    return env


def _binding_features(ext: RustExtension, crate: CrateInfo, options: BuildOptions) -> list[str]:
    """Features that make the crate build as an extension module."""
    package = {Binding.PyO3: "pyo3", Binding.RustCPython: "cpython"}.get(ext.binding)
    if package is None:
        return []
    dep = crate.dependencies.get(package)
    if dep is None:
        return []
    active = crate.dependency_features(
        package, _enabled_features(ext, options), _default_features(ext, options)
    )
    if "extension-module" in active:
        return []
    if package == "pyo3" and dep.version is not None and dep.version >= PYO3_ENV_SINCE:
        return []
    return [f"{dep.key}/extension-module"]


def _check_args(ext: RustExtension, options: BuildOptions) -> None:
    if "--" in ext.args or "--" in options.args:
        raise ConfigError(
            f"{ext!r}: args contains '--'; pass flags meant for rustc in rustc_flags "
            "(rustc-flags in pyproject.toml) instead"
        )


def _common_args(
    ext: RustExtension,
    crate: CrateInfo,
    platform: Platform,
    profile: str,
    features: Sequence[str],
) -> list[str]:
    args = [MESSAGE_FORMAT, "--manifest-path", str(crate.manifest_path), *ext.cargo_manifest_args]
    args += profile_args(profile)
    if platform.target:
        args += ["--target", platform.target]
    if features:
        args += ["--features", ",".join(features)]
    if ext.quiet:
        args.append("--quiet")
    return args


def ext_manifest(ext: RustExtension) -> Path:
    """The Cargo.toml an extension names, as a path (relative paths stay relative)."""
    return Path(ext.path)


@dataclass
class _BinGroup:
    """Binaries that one ``cargo build`` can make: same crate, profile, features, settings."""

    first: RustExtension
    crate: CrateInfo
    profile: str
    features: list[str]
    targets: list[PlannedTarget] = field(default_factory=list)


def _invocation(
    ext: RustExtension,
    crate: CrateInfo,
    platform: Platform,
    args: list[str],
    targets: Sequence[PlannedTarget],
    profile: str,
) -> CargoInvocation:
    return CargoInvocation(
        args=tuple(args),
        env=_env(ext, platform, extension_module=not ext.is_bin),
        manifest_path=crate.manifest_path,
        targets=tuple(targets),
        quiet=ext.quiet,
        optional=ext.optional,
        profile=profile,
    )


def plan(
    targets: Sequence[RustExtension],
    crates: Mapping[Path, CrateInfo],
    platform: Platform,
    options: BuildOptions = BuildOptions(),
) -> list[CargoInvocation]:
    """Plan the cargo invocations that build ``targets``.

    ``crates`` maps each target's ``Path(ext.path)`` to the crate read from it.
    Extension modules get one ``cargo rustc --lib --crate-type cdylib`` each;
    binaries of one crate that share their settings are built by one
    ``cargo build --bin a --bin b`` (``cargo rustc --bin`` when they need rustc flags).
    """
    invocations: list[CargoInvocation] = []
    bin_groups: dict[tuple[object, ...], _BinGroup] = {}
    for ext in targets:
        _check_args(ext, options)
        crate = crates[ext_manifest(ext)]
        cargo_name = _check_crate(ext, crate)
        profile = _profile_for(ext, options)
        abi3 = abi3_floor(ext, crate, platform, options)
        filename = _file_name(ext, platform, abi3)
        planned = PlannedTarget(
            ext=ext,
            kind="bin" if ext.is_bin else "cdylib",
            cargo_name=cargo_name,
            filename=filename,
            abi3=abi3,
        )
        features = sorted(
            set(_enabled_features(ext, options)) | set(_binding_features(ext, crate, options))
        )
        rustc_flags = _rustc_flags(ext, platform, filename)
        if ext.is_bin and not rustc_flags:
            key = (
                ext.path,
                profile,
                tuple(features),
                ext.args,
                ext.cargo_manifest_args,
                tuple(sorted(ext.env.items())),
                ext.quiet,
                ext.optional,
            )
            group = bin_groups.setdefault(key, _BinGroup(ext, crate, profile, features))
            group.targets.append(planned)
            continue
        selector = ["--bin", cargo_name] if ext.is_bin else ["--lib"]
        args = ["rustc", *selector, *_common_args(ext, crate, platform, profile, features)]
        args += [*ext.args, *options.args]
        if not ext.is_bin:
            args += ["--crate-type", "cdylib"]
        if rustc_flags:
            args += ["--", *rustc_flags]
        invocations.append(_invocation(ext, crate, platform, args, [planned], profile))
    for group in bin_groups.values():
        args = ["build"]
        for planned in group.targets:
            args += ["--bin", planned.cargo_name]
        args += _common_args(group.first, group.crate, platform, group.profile, group.features)
        args += [*group.first.args, *options.args]
        invocations.append(
            _invocation(group.first, group.crate, platform, args, group.targets, group.profile)
        )
    return invocations
