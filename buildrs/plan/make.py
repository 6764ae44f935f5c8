"""Make a build's plan: read the crates and the platform, plan, check against this machine.

``make_plan`` reads each crate's Cargo.toml, describes the platform, plans the
cargo runs (``invocations.plan``, pure) and checks what can only be checked against
the running machine, such as a ``PYO3_PYTHON`` of another Python. A build makes
its plans through its ``context.ProjectContext``, once each.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from buildrs import process
from buildrs.config.manifest import CrateInfo, read_crate
from buildrs.config.settings import BuildSettings
from buildrs.config.targets import Binding, TargetSettings
from buildrs.errors import BuildrsError, ConfigError

from . import toolchain
from .interpreter import Python
from .invocations import CargoInvocation, DistPlan, plan
from .platform import Platform, detect, musllinux_tag, python_name
from .targetplan import stubs_requirement

__all__ = [
    "check_cross_python",
    "check_objcopy",
    "check_pyo3_python",
    "check_standard_library",
    "make_plan",
    "profile_strips",
    "read_crates",
    "separate_binaries",
    "stub_requirements",
    "version_specific",
]


def read_crates(targets: Sequence[TargetSettings], project_dir: Path) -> dict[Path, CrateInfo]:
    crates: dict[Path, CrateInfo] = {}
    for t in targets:
        key = Path(t.path)
        if key not in crates:
            crates[key] = read_crate(project_dir / key)
    return crates


def stub_requirements(
    targets: Sequence[TargetSettings], project_dir: Path, settings: BuildSettings
) -> list[str]:
    """What the stub makers of the targets that ask for stubs need from PyPI, read from
    their crates without planning the build."""
    wanted = [t for t in targets if t.stubs]
    crates = read_crates(wanted, project_dir)
    found = {stubs_requirement(t, crates[Path(t.path)], settings) for t in wanted}
    return sorted(r for r in found if r)


def make_plan(
    targets: Sequence[TargetSettings],
    project_dir: Path,
    settings: BuildSettings,
    inplace: bool = False,
    environ: Mapping[str, str] | None = None,
    python: Python | None = None,
) -> DistPlan:
    """Read the crates and the platform, and plan the build of ``targets`` for
    ``python`` (the running interpreter unless given)."""
    env = os.environ if environ is None else environ
    platform = detect(settings, env, python)
    if settings.zig and platform.target and "-musl" in platform.target:
        musl = toolchain.zig_musl_version(env)
        if musl:
            platform = replace(platform, wheel_platform=musllinux_tag(musl, platform.target))
    crates = read_crates(targets, project_dir)
    invocations = separate_binaries(plan(targets, crates, platform, settings, inplace), env)
    check_pyo3_python(platform, invocations)
    check_cross_python(platform, invocations)
    if invocations and platform.target:
        check_standard_library(platform, invocations, project_dir, env)
        check_objcopy(platform, invocations, env)
    return DistPlan(platform, settings, tuple(invocations))


def _target_directory(invocation: CargoInvocation, environ: Mapping[str, str]) -> Path:
    """The target directory cargo builds the invocation into."""
    import json

    args = list(invocation.args)
    if "--target-dir" in args:
        return Path(args[args.index("--target-dir") + 1])
    if environ.get("CARGO_TARGET_DIR"):
        return Path(environ["CARGO_TARGET_DIR"])
    argv = [toolchain.find_cargo(environ), "metadata", "--no-deps", "--offline", "--format-version"]
    argv += ["1", "--manifest-path", str(invocation.manifest_path)]
    result = process.run(argv, env=invocation.env, unset=invocation.unset_env, quiet=True)
    return Path(json.loads(result.stdout)["target_directory"])


def separate_binaries(
    invocations: Sequence[CargoInvocation], environ: Mapping[str, str]
) -> list[CargoInvocation]:
    """Give binaries of a crate that also makes a module a target directory of their own
    (``buildrs-bin`` inside the usual one). cargo keeps one build of a crate's library
    per target directory whatever its features, and pyo3's build script reruns when
    ``PYO3_BUILD_EXTENSION_MODULE`` comes and goes: a module and a binary built
    differently would otherwise rebuild each other on every build."""
    modules = {i.manifest_path for i in invocations if any(t.is_module for t in i.targets)}
    separated = []
    for invocation in invocations:
        if invocation.manifest_path not in modules or any(t.is_module for t in invocation.targets):
            separated.append(invocation)
            continue
        own = str(_target_directory(invocation, environ) / "buildrs-bin")
        args = _with_target_dir(invocation.args, own)
        clean = _with_target_dir(invocation.clean_args, own)
        separated.append(replace(invocation, args=args, clean_args=clean))
    return separated


def _with_target_dir(args: Sequence[str], folder: str) -> tuple[str, ...]:
    items = list(args)
    if "--target-dir" in items:
        items[items.index("--target-dir") + 1] = folder
        return tuple(items)
    at = items.index("--") if "--" in items else len(items)
    return (*items[:at], "--target-dir", folder, *items[at:])


def version_specific(invocations: Sequence[CargoInvocation]) -> list[str]:
    """The targets that are modules for one Python version (PyO3, RustCPython)."""
    return [
        t.label
        for invocation in invocations
        for t in invocation.targets
        if t.is_module and t.abi3 is None and t.binding in (Binding.PyO3, Binding.RustCPython)
    ]


def check_cross_python(platform: Platform, invocations: Sequence[CargoInvocation]) -> None:
    """A cross build of a module for one Python version must be told which Python:
    the building Python's version would be a guess, and a module named for the wrong
    Python installs and then fails to import."""
    labels = version_specific(invocations)
    if not platform.cross or platform.cross_python or not labels:
        return
    raise ConfigError(
        f"{labels[0]} is built for one Python version, for {platform.target}, but nothing "
        "says which Python that is. Set PYO3_CROSS_LIB_DIR to the target Python's "
        "lib/python3.X directory (its _sysconfigdata names the version and the module's "
        "suffix), or PYO3_CROSS_PYTHON_VERSION=3.X; or build the module for the stable "
        "ABI (pyo3's abi3-py3X feature)"
    )


def _build_std_configured(project_dir: Path, environ: Mapping[str, str]) -> bool:
    """Whether cargo builds the standard library itself (``-Zbuild-std``), by the
    environment or a ``[unstable] build-std`` in a cargo config file."""
    if environ.get("CARGO_UNSTABLE_BUILD_STD"):
        return True
    for config in toolchain.cargo_configs(project_dir, environ):
        unstable = config.get("unstable")
        if isinstance(unstable, dict) and unstable.get("build-std"):
            return True
    return False


def check_standard_library(
    platform: Platform,
    invocations: Sequence[CargoInvocation],
    project_dir: Path,
    environ: Mapping[str, str],
) -> None:
    """Stop a build for a triple whose standard library rustc does not have, before
    cargo fails on it deep in a dependency."""
    if any("build-std" in arg for i in invocations for arg in i.args):
        return
    triples = sorted({i.triple for i in invocations if i.triple})
    rustc = environ.get("RUSTC") or "rustc"
    sysroot = toolchain.rustc_sysroot(environ)
    for triple in triples:
        # rustc's target-libdir, which ``--print target-libdir`` would name
        libdir = Path(sysroot, "lib", "rustlib", triple, "lib") if sysroot else None
        if libdir is not None and any(libdir.glob("libcore-*.rlib")):
            continue
        if _build_std_configured(project_dir, environ):
            return
        raise ConfigError(
            f"the build is for {triple}, but rustc ({rustc}) has no standard library for it"
            f"{f' in {libdir}' if libdir else ''}. Install it with `rustup target add "
            f"{triple}`, or have cargo build it from source (-Zbuild-std; see "
            "Cross-compiling in docs/platforms.md)"
        )


def profile_strips(invocation: CargoInvocation, environ: Mapping[str, str]) -> bool:
    """Whether rustc strips what ``invocation`` builds: a target's own ``strip``
    (``-C strip=...``), or its profile's (``CARGO_PROFILE_<P>_STRIP``, or
    ``[profile.<p>] strip`` in the crate's Cargo.toml), which defaults to stripping
    debug info from the release profile and the profiles built on it, never from
    ``dev``."""
    from buildrs.config.manifest import load_toml

    args = list(invocation.args)
    own = [args[i + 1] for i, arg in enumerate(args[:-1]) if arg == "-C"]
    if any(flag.startswith("strip=") and flag != "strip=none" for flag in own):
        return True
    profile = invocation.profile
    given: object = environ.get(f"CARGO_PROFILE_{profile.upper().replace('-', '_')}_STRIP")
    if given is None:
        table = load_toml(invocation.manifest_path, "Cargo.toml").get("profile")
        entry = table.get(profile) if isinstance(table, dict) else None
        given = entry.get("strip") if isinstance(entry, dict) else None
    if given is None:
        return profile not in ("dev", "test")
    return given not in (False, "false", "none")


def check_objcopy(
    platform: Platform, invocations: Sequence[CargoInvocation], environ: Mapping[str, str]
) -> None:
    """Stop a macOS build from another system whose profile strips, where rustc's
    sysroot lacks the ``rust-objcopy`` rustc strips Mach-O files with (rustup's
    toolchains ship it; a distribution's rustc may not), before cargo fails on it
    at the last link."""
    if platform.os != "macos" or not any(profile_strips(i, environ) for i in invocations):
        return
    rustc = environ.get("RUSTC") or "rustc"
    sysroot = toolchain.rustc_sysroot(environ)
    host = toolchain.rustc_host(environ)
    if not sysroot or not host or "apple-darwin" in host:
        return  # on macOS rustc strips with the system's own tools
    where = Path(sysroot) / "lib" / "rustlib" / host / "bin"
    if (where / "rust-objcopy").exists():
        return
    raise ConfigError(
        f"rustc ({rustc}) strips macOS binaries with rust-objcopy, which its sysroot lacks "
        f"({where}/rust-objcopy): rustup's toolchains ship it. Put LLVM's objcopy there "
        f'under that name (`mkdir -p {where} && ln -s "$(command -v llvm-objcopy)" '
        f"{where}/rust-objcopy`), or build without stripping (strip = false in the "
        "profile, or CARGO_PROFILE_RELEASE_STRIP=false)"
    )


def check_pyo3_python(platform: Platform, invocations: Sequence[CargoInvocation]) -> None:
    """Refuse a ``PYO3_PYTHON`` that is another Python than the one version-specific
    modules are named for: pyo3 would compile for it, and they would not import."""
    if not version_specific(invocations) or platform.cross:
        return
    if platform.python_env:
        return  # buildrs' launcher: it runs the interpreter of this very build
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
