"""Build-wide settings: each declared once.

Every field of ``BuildSettings`` is declared with ``setting(...)``: its
``[tool.buildrs]`` key, its setup.cfg/command-line options, its ``-C buildrs.*``
name, its environment variables, its kind (how text becomes a value), its check,
its default and one line of documentation. Everything else is derived from these
declarations: the resolver (``resolve``), the top-level keys pyproject.toml
accepts, the ``--config-settings`` accepted, ``develop``'s options, the variables
the fast path watches and the table in docs/configuration.md (``settings_table()``).

The sources rank in one order, later ones winning::

    defaults < [tool.buildrs] < setup.cfg and command-line options (and develop's)
             < --config-settings < environment variables

except for a variable that belongs to cargo (``CARGO_BUILD_TARGET``), which keeps
cargo's rule and ranks below the command line.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping
from dataclasses import Field, dataclass, field, fields
from typing import Any, Literal

from .values import (
    check_build_cargo_args,
    check_glibc,
    check_macos_version,
    check_profile,
    check_python_version,
    check_repair,
)

__all__ = [
    "DEFAULT_GLIBC",
    "BuildSettings",
    "Declaration",
    "Option",
    "config_settings",
    "declarations",
    "develop_argv",
    "develop_option",
    "develop_settings",
    "project_keys",
    "settings_table",
    "watched_environment",
]

DEFAULT_GLIBC = "2.17"
"""The glibc zig builds link against unless told otherwise: manylinux2014."""

Kind = Literal["flag", "text", "list", "args"]
"""How a setting is written: a boolean, one string, a comma-separated list, or
command-line arguments (split as a shell would)."""


@dataclass(frozen=True)
class Option:
    """A setup.cfg / command-line option of a setuptools command that sets a setting."""

    command: str
    name: str
    """As setuptools stores it (``_`` for ``-``)."""
    value: str | None = None
    """For a flag option: the setting's value when the flag is on (``--debug`` ->
    ``"dev"``); ``None``: the option's own value is the setting's."""

    @property
    def shown(self) -> str:
        return f"{self.command} --{self.name.replace('_', '-')}"


@dataclass(frozen=True)
class Declaration:
    """Where one build-wide setting is read from, and what it means."""

    kind: Kind
    doc: str
    """One line for the settings table."""
    what: str = ""
    """What a right value looks like, for messages (``"a cargo profile name"``)."""
    key: str | None = None
    """Its ``[tool.buildrs]`` key."""
    options: tuple[Option, ...] = ()
    """Command options, the first one set winning."""
    config: str | None = None
    """Its ``--config-settings`` name, after ``buildrs.``."""
    env: tuple[str, ...] = ()
    """Environment variables, the last one set winning."""
    cargo_rule: bool = False
    """The variables are cargo's own: they rank below the command line."""
    develop: bool = False
    """``python -m buildrs develop`` takes it as ``--<config name>``."""
    check: Callable[[Any, str], Any] | None = None
    """Checks and normalises a value (``where`` names its source)."""
    shown_default: str = ""
    """The default, as the settings table shows it."""
    changes_build: bool = True
    """It changes what an in-place build produces (so the fast path watches it)."""


def setting(default: object, declaration: Declaration) -> Any:
    """A ``BuildSettings`` field declared by ``declaration``."""
    return field(default=default, metadata={"setting": declaration})


_PROFILE_OPTIONS = (
    Option("build_rust", "profile"),
    Option("build_rust", "release", "release"),
    Option("build_rust", "debug", "dev"),
    Option("build_ext", "debug", "dev"),
)


@dataclass(frozen=True)
class BuildSettings:
    """What one build is asked for, for every target; see ``resolve``."""

    profile: str | None = setting(
        None,
        Declaration(
            "text",
            "cargo profile of every target (`dev`, `release` or a custom one), above the "
            "targets' own",
            "a cargo profile name",
            options=_PROFILE_OPTIONS,
            config="profile",
            env=("SETUPTOOLS_RUST_CARGO_PROFILE", "BUILDRS_PROFILE"),
            develop=True,
            check=check_profile,
            shown_default="unset",
        ),
    )
    wheel_profile: str = setting(
        "release",
        Declaration(
            "text",
            "cargo profile of wheels and other regular builds, below the targets' own",
            "a cargo profile name",
            key="profile",
            check=check_profile,
            shown_default="`release`",
        ),
    )
    editable_profile: str = setting(
        "dev",
        Declaration(
            "text",
            "cargo profile of editable and in-place builds, below the targets' own",
            "a cargo profile name",
            key="editable-profile",
            check=check_profile,
            shown_default="`dev`",
        ),
    )
    features: tuple[str, ...] = setting(
        (),
        Declaration(
            "list",
            "cargo features added to every target's own (comma separated)",
            config="features",
            env=("BUILDRS_FEATURES",),
            develop=True,
            shown_default="none",
        ),
    )
    cargo_args: tuple[str, ...] = setting(
        (),
        Declaration(
            "args",
            "cargo arguments added to every target's own (not the profile or the target)",
            config="cargo-args",
            env=("BUILDRS_CARGO_ARGS",),
            develop=True,
            check=check_build_cargo_args,
            shown_default="none",
        ),
    )
    target: str | None = setting(
        None,
        Declaration(
            "text",
            "cargo target triple to build for; names and wheel tags follow it",
            "a target triple",
            options=(
                Option("build_rust", "target"),
                Option("build_ext", "target"),
                Option("bdist_wheel", "target"),
            ),
            env=("CARGO_BUILD_TARGET",),
            cargo_rule=True,
            develop=True,
            shown_default="the host",
        ),
    )
    py_limited_api: tuple[int, int] | None = setting(
        None,
        Declaration(
            "text",
            'build `"auto"` targets for the stable ABI of this Python (`cp39`)',
            options=(Option("bdist_wheel", "py_limited_api"),),
            check=check_python_version,
            shown_default="unset",
        ),
    )
    quiet: bool = setting(
        False,
        Declaration(
            "flag",
            "hide every target's cargo progress unless it fails",
            options=(Option("build_rust", "qbuild"),),
            shown_default="`false`",
        ),
    )
    target_dir: str | None = setting(
        None,
        Declaration(
            "text",
            "cargo's target directory",
            options=(Option("build_rust", "build_temp"),),
            shown_default="cargo's",
        ),
    )
    rustc_wrapper: str | None = setting(
        None,
        Declaration(
            "text",
            "the program cargo runs rustc through, a compile cache such as `sccache`",
            'a program such as "sccache"',
            key="rustc-wrapper",
            env=("RUSTC_WRAPPER",),
            shown_default="none",
        ),
    )
    zig: bool = setting(
        False,
        Declaration(
            "flag",
            "link Linux builds through zig, for manylinux wheels (see Pythons and platforms)",
            key="zig",
            config="zig",
            env=("BUILDRS_ZIG",),
            develop=True,
            shown_default="`false`",
        ),
    )
    glibc: str = setting(
        DEFAULT_GLIBC,
        Declaration(
            "text",
            "with zig: the glibc Linux builds link against (the manylinux tag)",
            'a version string such as "2.17"',
            key="glibc",
            config="glibc",
            env=("BUILDRS_GLIBC",),
            develop=True,
            check=check_glibc,
            shown_default=f"`{DEFAULT_GLIBC}`",
        ),
    )
    vendor: bool = setting(
        False,
        Declaration(
            "flag",
            "sdists: vendor the crates' dependencies (see Packaging)",
            key="vendor",
            options=(Option("sdist", "vendor"), Option("sdist", "vendor_crates")),
            config="vendor",
            env=("BUILDRS_VENDOR",),
            shown_default="`false`",
            changes_build=False,
        ),
    )
    sbom: bool = setting(
        True,
        Declaration(
            "flag",
            "wheels carry a CycloneDX SBOM of the crates compiled into them (PEP 770)",
            key="sbom",
            config="sbom",
            env=("BUILDRS_SBOM",),
            shown_default="`true`",
            changes_build=False,
        ),
    )
    repair: str = setting(
        "auto",
        Declaration(
            "text",
            'wheels that need shared libraries their platform does not provide: `"auto"` '
            "grafts them in (auditwheel for Linux, repairwheel for Windows and macOS), "
            '`"check"` stops the build, `"off"` warns',
            '"auto", "check" or "off"',
            key="repair",
            config="repair",
            env=("BUILDRS_REPAIR",),
            check=check_repair,
            shown_default='`"auto"`',
            changes_build=False,
        ),
    )
    macos_deployment_target: str | None = setting(
        None,
        Declaration(
            "text",
            "the oldest macOS to support; the wheel's tag follows it",
            env=("MACOSX_DEPLOYMENT_TARGET",),
            check=check_macos_version,
            shown_default="the interpreter's",
        ),
    )
    unset_env: tuple[str, ...] = ()
    """Derived: variables kept from cargo. ``CARGO_TARGET_DIR`` when it is passed as
    ``--target-dir`` instead, because sccache puts every ``CARGO_*`` variable into
    its cache keys and the target directory differs from checkout to checkout."""
    given: Mapping[str, object] = field(default_factory=dict, compare=False)
    """Derived: the settings given above pyproject.toml (command line, ``-C``,
    environment), by field name: what a rebuild on import repeats."""

    @property
    def sccache(self) -> bool:
        """Whether the rustc wrapper is sccache (its hit figures are reported)."""
        return _is_sccache(self.rustc_wrapper)


def declarations() -> list[tuple[str, Declaration]]:
    """Every build-wide setting: ``(field name, declaration)``, in documentation order."""
    return [(f.name, f.metadata["setting"]) for f in fields(BuildSettings) if _declared(f)]


def _declared(item: Field[Any]) -> bool:
    return "setting" in item.metadata


def project_keys() -> list[str]:
    """The top-level keys of ``[tool.buildrs]`` that are settings."""
    return [d.key for _, d in declarations() if d.key]


def config_settings() -> dict[str, str]:
    """Each ``-C buildrs.*`` name and what it sets (for messages and the backend)."""
    return {f"buildrs.{d.config}": name for name, d in declarations() if d.config}


def develop_option(name: str) -> str:
    """``develop``'s option for the setting ``name``: ``cargo_args`` -> ``--cargo-args``."""
    return "--" + name.replace("_", "-")


def develop_settings() -> list[tuple[str, Declaration]]:
    """The settings ``python -m buildrs develop`` takes on its command line."""
    return [(name, d) for name, d in declarations() if d.develop]


def develop_argv(settings: BuildSettings) -> list[str]:
    """``develop``'s options that repeat the settings given to ``settings``' build above
    pyproject.toml (what a rebuild on import must keep)."""
    argv: list[str] = []
    for name, decl in develop_settings():
        if name not in settings.given:
            continue
        value, option = settings.given[name], develop_option(name)
        if decl.kind == "flag":
            argv.append(option if value else f"--no-{option[2:]}")
        elif decl.kind == "list":
            argv += [option, ",".join(value)]  # type: ignore[arg-type]
        elif decl.kind == "args":
            argv += [option, shlex.join(value)]  # type: ignore[arg-type]
        else:
            argv += [option, str(value)]
    return argv


def watched_environment() -> tuple[str, ...]:
    """The variables whose values change what an in-place build produces."""
    return tuple(name for _, d in declarations() if d.changes_build for name in d.env)


def _is_sccache(wrapper: str | None) -> bool:
    name = (wrapper or "").replace("\\", "/").rsplit("/", 1)[-1]
    return name.removesuffix(".exe") == "sccache"


# --- documentation -----------------------------------------------------------------------


def settings_table() -> str:
    """The Markdown table of the build-wide settings, as docs/configuration.md shows it."""
    rows = [
        "| `[tool.buildrs]` | `-C` | environment | command line | meaning | default |",
        "| --- | --- | --- | --- | --- | --- |",
    ]

    def codes(items: list[str]) -> str:
        return ", ".join(f"`{item}`" for item in items) or "—"

    for name, d in declarations():
        options = [o.shown for o in d.options]
        if d.develop:
            options.append(f"develop {develop_option(name)}")
        key = codes([d.key] if d.key else [])
        config = codes([f"buildrs.{d.config}"] if d.config else [])
        rows.append(
            f"| {key} | {config} | {codes(list(d.env))} | {codes(options)} | {d.doc} "
            f"| {d.shown_default} |"
        )
    return "\n".join(rows)
