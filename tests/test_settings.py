"""The settings model: one resolver, its precedence, and the docs generated from it."""

from __future__ import annotations

from typing import Any, cast

import pytest

from buildrs import Binding, RustBin, RustExtension
from buildrs.config.resolve import resolve, split_config_settings
from buildrs.config.settings import BuildSettings
from buildrs.errors import ConfigError

CMD = "command line"


def opts(**commands: dict[str, Any]) -> dict[str, dict[str, tuple[str, Any]]]:
    return {name: {k: (CMD, v) for k, v in values.items()} for name, values in commands.items()}


@pytest.mark.parametrize(
    ("sources", "expected"),
    [
        ({}, BuildSettings()),
        (
            {"project": {"profile": "dist", "editable-profile": "fast", "vendor": True}},
            BuildSettings(wheel_profile="dist", editable_profile="fast", vendor=True),
        ),
        (
            {"commands": opts(build_rust={"debug": 1})},
            BuildSettings(profile="dev"),
        ),
        (
            {"commands": opts(build_rust={"release": 1, "profile": "dist"})},
            BuildSettings(profile="dist"),
        ),
        (
            {"commands": opts(build_ext={"debug": "1"})},
            BuildSettings(profile="dev"),
        ),
        (
            {
                "commands": opts(build_rust={"profile": "a"}),
                "config_settings": {"buildrs.profile": "b"},
            },
            BuildSettings(profile="b"),
        ),
        (
            {
                "config_settings": {"buildrs.profile": "b"},
                "environ": {"BUILDRS_PROFILE": "c"},
            },
            BuildSettings(profile="c"),
        ),
        (
            {"environ": {"SETUPTOOLS_RUST_CARGO_PROFILE": "d"}},
            BuildSettings(profile="d"),
        ),
        (
            {"environ": {"SETUPTOOLS_RUST_CARGO_PROFILE": "d", "BUILDRS_PROFILE": "e"}},
            BuildSettings(profile="e"),
        ),
        (
            {
                "config_settings": {
                    "buildrs.features": ["a", "b"],
                    "buildrs.cargo-args": "--locked",
                },
                "environ": {"BUILDRS_FEATURES": "c, d"},
            },
            BuildSettings(features=("c", "d"), cargo_args=("--locked",)),
        ),
        (
            {"project": {"vendor": True}, "commands": opts(sdist={"vendor_crates": 0})},
            BuildSettings(vendor=False),
        ),
        (
            {"commands": opts(sdist={"vendor": 1}), "environ": {"BUILDRS_VENDOR": "no"}},
            BuildSettings(vendor=False),
        ),
        (
            {"commands": opts(sdist={"vendor_crates": 1})},
            BuildSettings(vendor=True),
        ),
        (
            {"environ": {"CARGO_BUILD_TARGET": "aarch64-unknown-linux-gnu"}},
            BuildSettings(target="aarch64-unknown-linux-gnu"),
        ),
        (
            {
                "commands": opts(bdist_wheel={"target": "x86_64-pc-windows-gnu"}),
                "environ": {"CARGO_BUILD_TARGET": "aarch64-unknown-linux-gnu"},
            },
            BuildSettings(target="x86_64-pc-windows-gnu"),
        ),
        (
            {"commands": opts(build_rust={"target": "a-b-c"}, bdist_wheel={"target": "d-e-f"})},
            BuildSettings(target="a-b-c"),
        ),
        (
            {"commands": {"bdist_wheel": {"py_limited_api": ("setup.cfg", "cp39")}}},
            BuildSettings(py_limited_api=(3, 9)),
        ),
        (
            {"commands": opts(build_rust={"qbuild": 1, "build_temp": "tmp/cargo"})},
            BuildSettings(quiet=True, target_dir="tmp/cargo"),
        ),
        ({"project": {"zig": True}}, BuildSettings(zig=True)),
        (
            {"project": {"zig": True, "glibc": "2.28"}, "environ": {"BUILDRS_ZIG": "0"}},
            BuildSettings(zig=False, glibc="2.28"),
        ),
        (
            {
                "project": {"glibc": "2.28"},
                "config_settings": {"buildrs.zig": "true", "buildrs.glibc": "2.31"},
            },
            BuildSettings(zig=True, glibc="2.31"),
        ),
        (
            {"config_settings": {"buildrs.glibc": "2.31"}, "environ": {"BUILDRS_GLIBC": "2.17"}},
            BuildSettings(glibc="2.17"),
        ),
    ],
)
def test_resolve_precedence(sources: dict[str, Any], expected: BuildSettings) -> None:
    """defaults < [tool.buildrs] < setup.cfg/command options < -C < environment."""
    assert resolve(config_settings=sources.pop("config_settings", {}), **sources) == expected


@pytest.mark.parametrize(
    ("sources", "message"),
    [
        (
            {"commands": opts(build_rust={"debug": 1, "release": 1})},
            "build_rust: --debug and --release cannot be used together",
        ),
        (
            {"environ": {"BUILDRS_CARGO_ARGS": "--config 'a=1"}},
            'BUILDRS_CARGO_ARGS: cannot split "--config \'a=1" into arguments',
        ),
        ({"environ": {"BUILDRS_VENDOR": "maybe"}}, "BUILDRS_VENDOR: expected true or false"),
        ({"environ": {"BUILDRS_ZIG": "please"}}, "BUILDRS_ZIG: expected true or false"),
        (
            {"environ": {"BUILDRS_GLIBC": "2.17.1"}},
            'BUILDRS_GLIBC: expected a glibc version such as "2.17" (manylinux2014) or "2.28"',
        ),
        (
            {"commands": {"bdist_wheel": {"py_limited_api": ("setup.cfg", "abi3")}}},
            "bdist_wheel --py-limited-api (setup.cfg): expected a Python version like 'cp39'",
        ),
        (
            {"environ": {"BUILDRS_CARGO_ARGS": "--locked --profile fast"}},
            "BUILDRS_CARGO_ARGS: '--profile' would change the cargo profile: set it with "
            "buildrs.profile (-C buildrs.profile=NAME, or BUILDRS_PROFILE=NAME)",
        ),
        (
            {"config_settings": {"buildrs.cargo-args": "--release"}},
            "-C buildrs.cargo-args: '--release' would change the cargo profile",
        ),
        (
            {"environ": {"BUILDRS_CARGO_ARGS": "--target=aarch64-unknown-linux-gnu"}},
            "would change the target triple, which names the modules and tags the wheel",
        ),
    ],
)
def test_resolve_errors(sources: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        resolve(**{"config_settings": {}, **sources})
    assert message in str(caught.value)


def test_config_settings_are_split_and_checked() -> None:
    ours, rest = split_config_settings({"buildrs.profile": "dev", "editable_mode": "strict"})
    assert (ours, rest) == ({"buildrs.profile": "dev"}, {"editable_mode": "strict"})
    with pytest.raises(ConfigError, match=r"unknown buildrs setting 'buildrs\.profil' — did you"):
        split_config_settings({"buildrs.profil": "dev"})


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: RustExtension("a._b", py_limited_api="banana"),
            "RustExtension('a._b'): py_limited_api",
        ),
        (lambda: RustExtension("a._b", rust_version="soon"), "RustExtension('a._b'): rust_version"),
        (lambda: RustExtension("a._b", features="x"), "RustExtension('a._b'): features: expected"),
        (
            lambda: RustBin("tool", debug=cast(Any, "yes")),
            "RustBin('tool'): debug: expected true or false",
        ),
        (
            lambda: RustExtension({"a": "p.a", "b": "p.b"}),
            "a mapping with several targets is for binaries; add binding=Binding.Exec",
        ),
        (lambda: RustExtension("my-pkg._x"), "'my-pkg' is not a Python identifier"),
    ],
)
def test_setup_py_arguments_are_checked_where_given(make: Any, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        make()
    assert message in str(caught.value)


def test_setuptools_rust_attributes_stay_readable() -> None:
    ext = RustExtension("pkg._native", "rust/Cargo.toml", features=["a"], debug=False)
    assert (ext.name, ext.path, ext.features, ext.debug, ext.binding) == (
        "pkg._native",
        "rust/Cargo.toml",
        ("a",),
        False,
        Binding.PyO3,
    )
    exe = RustExtension({"tool": "pkg.tool"}, binding=Binding.Exec)
    assert exe.target == {"tool": "pkg.tool"} and exe.settings[0].binary_name == "tool"


def test_every_place_a_setting_is_read_comes_from_its_declaration() -> None:
    """The top-level keys, the -C settings, develop's options and the variables the
    fast path watches are all derived from the declarations of BuildSettings."""
    from buildrs.config.pyproject import parse_config
    from buildrs.config.settings import (
        config_settings,
        declarations,
        develop_settings,
        project_keys,
        watched_environment,
    )

    declared = dict(declarations())
    assert project_keys() == [d.key for d in declared.values() if d.key]
    assert set(config_settings()) == {f"buildrs.{d.config}" for d in declared.values() if d.config}
    assert [name for name, _ in develop_settings()] == [
        "profile",
        "features",
        "cargo_args",
        "target",
        "zig",
        "glibc",
    ]
    watched = watched_environment()
    for name in ("BUILDRS_ZIG", "BUILDRS_GLIBC", "MACOSX_DEPLOYMENT_TARGET", "BUILDRS_FEATURES"):
        assert name in watched
    assert "BUILDRS_VENDOR" not in watched  # sdists only: an in-place build is the same
    # Every key a declaration gives is one [tool.buildrs] accepts, with its check.
    for key in project_keys():
        with pytest.raises(ConfigError, match=rf"\[tool\.buildrs\]\.{key}: expected"):
            parse_config({key: {"a": "table"}})


@pytest.mark.parametrize(
    ("explicit", "environ", "expected"),
    [
        ({"profile": "release"}, {}, BuildSettings(profile="release")),
        ({"profile": "release"}, {"BUILDRS_PROFILE": "dev"}, BuildSettings(profile="dev")),
        ({"zig": "true", "glibc": "2.28"}, {}, BuildSettings(zig=True, glibc="2.28")),
        ({"features": "a,b"}, {}, BuildSettings(features=("a", "b"))),
    ],
)
def test_values_given_directly_rank_as_command_options(
    explicit: dict[str, str], environ: dict[str, str], expected: BuildSettings
) -> None:
    """develop passes its options to the resolver as values, not as setuptools options."""
    settings = resolve(config_settings={}, environ=environ, explicit=explicit)
    assert settings == expected
    assert set(settings.given) == set(explicit) | {
        name for name in ("profile",) if "BUILDRS_PROFILE" in environ
    }


def test_develop_repeats_only_what_was_given_above_pyproject() -> None:
    from buildrs.config.settings import develop_argv

    settings = resolve(
        project={"zig": True, "profile": "dist"},
        config_settings={"buildrs.features": "a,b", "buildrs.cargo-args": "--locked -v"},
        environ={"BUILDRS_PROFILE": "release"},
    )
    assert develop_argv(settings) == [
        "--profile",
        "release",
        "--features",
        "a,b",
        "--cargo-args",
        "--locked -v",
    ]
