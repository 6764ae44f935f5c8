"""What one target needs from cargo, decided from its declaration, its crate, the
platform and the build's settings: the profile, the features, the stable-ABI floor,
the installed file's name, the rustc flags and the variables. Pure, like ``plan``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from buildrs.config.manifest import CrateInfo
from buildrs.config.settings import BuildSettings
from buildrs.config.targets import Binding, Strip, TargetSettings
from buildrs.config.values import check_cargo_args
from buildrs.errors import ConfigError, ManifestError

from .platform import Platform
from .stableabi import choose_stable_abi, default_features, no_stable_abi_note

__all__ = [
    "PYO3_ENV_SINCE",
    "TargetPlan",
    "plan_target",
    "profile_args",
    "split_profile",
    "stubs_requirement",
]

# pyo3 reads PYO3_BUILD_EXTENSION_MODULE from 0.26 on and deprecates the
# `extension-module` feature; older versions need the feature.
PYO3_ENV_SINCE = (0, 26)

NAME_MAX = 255
"""The longest file name (in bytes) the common file systems take."""


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


def _file_name(
    t: TargetSettings, platform: Platform, abi3: tuple[int, int] | None, abi3t: bool = False
) -> str:
    if t.is_bin:
        name = t.module_name + platform.exe_suffix
    elif abi3t:
        name = t.module_name + platform.abi3t_suffix
    else:
        name = t.module_name + (platform.abi3_suffix if abi3 else platform.ext_suffix)
    if len(name.encode("utf-8")) > NAME_MAX:
        raise ConfigError(
            f"{t.describe()}: the installed file would be named {name[:40]}... "
            f"({len(name.encode('utf-8'))} bytes), longer than file systems allow "
            f"({NAME_MAX}); choose a shorter name in {t.declared or 'the target'}"
        )
    return name


def _rustc_flags(t: TargetSettings, platform: Platform, filename: str) -> list[str]:
    flags = list(t.rustc_flags)
    if t.native:
        flags += ["-C", "target-cpu=native"]
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


def _target_rustflags(t: TargetSettings, platform: Platform, zig: bool) -> tuple[str, ...]:
    """Flags every crate of the target must be built with. musl links the C runtime
    statically by default, and a static C runtime cannot make a cdylib: cargo itself
    refuses the crate type unless its own target flags turn that off (flags after
    ``cargo rustc --`` come too late for that check). A musl binary stays static,
    and through zig it takes its C runtime's start files from zig's musl: rustc's
    own (``self-contained``) are missing where cargo built the standard library
    itself (``-Zbuild-std``), and zig cannot link the static-PIE rustc asks for with
    them."""
    if not platform.target or "-musl" not in platform.target:
        return ()
    if t.is_bin:
        given = any("link-self-contained" in flag for flag in t.rustc_flags)
        return ("-C", "link-self-contained=no") if zig and not given else ()
    if any("crt-static" in flag for flag in t.rustc_flags):
        return ()  # the user chose
    return ("-C", "target-feature=-crt-static")


def _stubs(
    t: TargetSettings, crate: CrateInfo, features: Sequence[str], build: BuildSettings
) -> tuple[str, str] | None:
    """How the target's stub is made: pyo3's own introspection of the library when the
    crate builds with pyo3's ``experimental-inspect`` (with the pyo3-introspection of
    the same pyo3 release), else mypy's stubgen, which imports the module."""
    if not t.stubs:
        return None
    dep = crate.dependencies.get("pyo3")
    inspected = crate.dependency_features("pyo3", features, default_features(t, build))
    if dep is not None and "experimental-inspect" in inspected and dep.version:
        major, minor = dep.version
        return "introspection", f"pyo3-introspection>={major}.{minor},<{major}.{minor + 1}"
    return "stubgen", "mypy"


_MUSL_ARCH = {"i686": "x86", "i586": "x86", "powerpc64le": "ppc64le", "riscv64gc": "riscv64"}


def musl_libc_name(triple: str | None) -> str | None:
    """``libc.musl-<arch>.so.1`` for a musl triple: the soname of musl's libc on musllinux
    systems (Alpine), which auditwheel's musllinux policies allow."""
    if not triple or "-linux-musl" not in triple:
        return None
    arch = triple.split("-")[0]
    arch = "armv7" if arch.startswith("armv7") else _MUSL_ARCH.get(arch, arch)
    return f"libc.musl-{arch}.so.1"


def target_env(t: TargetSettings, platform: Platform, build: BuildSettings) -> dict[str, str]:
    """The variables cargo gets for ``t``, added to the environment."""
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


@dataclass(frozen=True)
class TargetPlan:
    """Everything planned for one target, before targets are grouped into cargo runs."""

    profile: str
    args: tuple[str, ...]
    """The target's cargo arguments without profile flags, then the build's."""
    features: tuple[str, ...]
    """Every feature cargo is given for it, sorted."""
    abi3: tuple[int, int] | None
    abi3t: bool
    """The module is built for ``abi3t`` (``abi3`` then holds its floor)."""
    filename: str
    cargo_name: str
    rustc_flags: tuple[str, ...]
    target_rustflags: tuple[str, ...]
    """Flags for every crate of the target (cargo's ``target.<triple>.rustflags``)."""
    env: dict[str, str]
    note: str | None
    musl_libc: str | None
    stubs: tuple[str, str] | None
    """``(how, what it needs from PyPI)`` when the target asks for stubs."""


def stubs_requirement(t: TargetSettings, crate: CrateInfo, build: BuildSettings) -> str | None:
    """What the stub maker of ``t`` needs from PyPI (``None``: it asks for no stub); the
    platform does not change it."""
    enabled = sorted(set(t.features) | set(build.features))
    enabled += _binding_features(t, crate, enabled)
    how = _stubs(t, crate, enabled, build)
    return how[1] if how else None


def _for_python(t: TargetSettings, platform: Platform) -> set[str]:
    """The target's conditional features that the interpreter built for matches."""
    if not t.conditional_features:
        return set()
    from packaging.specifiers import SpecifierSet

    version = "{}.{}".format(*platform.python_version)
    return {
        feature
        for feature, specifier, implementation in t.conditional_features
        if (specifier is None or SpecifierSet(specifier).contains(version, prereleases=True))
        and (implementation is None or implementation == platform.implementation)
    }


def plan_target(
    t: TargetSettings, crate: CrateInfo, platform: Platform, build: BuildSettings, inplace: bool
) -> TargetPlan:
    """Decide everything about ``t`` that does not depend on the other targets."""
    check_cargo_args(t.args, f"{t.describe()}: args", allow_profile=True)
    profile, args = _profile_for(t, build, inplace)
    enabled = sorted(set(t.features) | set(build.features) | _for_python(t, platform))
    enabled += _binding_features(t, crate, enabled)
    abi = choose_stable_abi(t, crate, platform, build, enabled)
    filename = _file_name(t, platform, abi.floor, abi.abi3t)
    return TargetPlan(
        profile=profile,
        args=(*args, *build.cargo_args),
        features=abi.features,
        abi3=abi.floor,
        abi3t=abi.abi3t,
        filename=filename,
        cargo_name=_cargo_name(t, crate),
        rustc_flags=tuple(_rustc_flags(t, platform, filename)),
        target_rustflags=_target_rustflags(t, platform, build.zig),
        env=target_env(t, platform, build),
        note=no_stable_abi_note(t, crate, platform, build, abi.features, filename),
        musl_libc=musl_libc_name(platform.target),
        stubs=_stubs(t, crate, abi.features, build),
    )
