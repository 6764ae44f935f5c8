"""Validation of [tool.buildrs]: exact messages naming the file, key path and fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from buildrs import Binding, Strip
from buildrs.config.pyproject import load_pyproject, parse_config
from buildrs.errors import ConfigError


def test_full_table_parses_into_targets() -> None:
    config = parse_config(
        {
            "profile": "release-lto",
            "ext-modules": [
                {
                    "target": "pkg._native",
                    "path": "rust/Cargo.toml",
                    "features": ["fast"],
                    "args": ["--locked"],
                    "cargo-manifest-args": ["--frozen"],
                    "rustc-flags": ["-Copt-level=3"],
                    "binding": "nobinding",
                    "strip": "All",
                    "debug": False,
                    "py-limited-api": "cp39",
                    "env": {"A": "1"},
                    "generated-files": {"gen.txt": "pkg.data"},
                    "optional": True,
                    "quiet": True,
                    "rust-version": "1.70",
                    "native": False,
                    "script": False,
                }
            ],
            "bins": [{"target": "wc", "strip": "debug"}],
        }
    )
    ext, wc = config.targets
    assert config.project == {"profile": "release-lto"}
    assert (ext.target, ext.path, ext.binding, ext.strip) == (
        "pkg._native",
        "rust/Cargo.toml",
        Binding.NoBinding,
        Strip.All,
    )
    assert ext.features == ("fast",) and ext.args == ("--locked",)
    assert ext.cargo_manifest_args == ("--frozen",) and ext.rustc_flags == ("-Copt-level=3",)
    assert ext.env == {"A": "1"} and ext.generated_files == {"gen.txt": "pkg.data"}
    assert (ext.debug, ext.optional, ext.quiet, ext.py_limited_api) == (False, True, True, (3, 9))
    assert wc.kind == "bin" and wc.is_bin and wc.strip is Strip.Debug


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            {"ext-modules": [{"target": "a._b", "featurs": ["x"]}]},
            "pyproject.toml: [[tool.buildrs.ext-modules]][0]: unknown key 'featurs' "
            "— did you mean 'features'?",
        ),
        (
            {"ext-modules": [{"target": "a._b"}, {"target": "a._c", "cargo_manifest_arg": []}]},
            "pyproject.toml: [[tool.buildrs.ext-modules]][1]: unknown key "
            "'cargo_manifest_arg' — did you mean 'cargo-manifest-args'?",
        ),
        (
            {"ext-modules": [{"target": "a._b", "rustc_flags": [], "rustc-flags": []}]},
            "pyproject.toml: [[tool.buildrs.ext-modules]][0]: 'rustc-flags' is given twice",
        ),
        (
            {"ext-modules": [{"target": "a._b", "py-limited-api": "banana"}]},
            "pyproject.toml: [[tool.buildrs.ext-modules]][0].py-limited-api: expected "
            '"auto", true, false or a version like "cp39", got \'banana\'',
        ),
        (
            {"ext-modules": [{"target": "a._b", "rust-version": "soon"}]},
            "pyproject.toml: [[tool.buildrs.ext-modules]][0].rust-version: 'soon' is not a "
            "rustc version requirement",
        ),
        (
            {"ext-modules": [{"target": "a._b", "debug": 2}]},
            "pyproject.toml: [[tool.buildrs.ext-modules]][0].debug: expected true or false "
            "(or 1 or 0), got 2",
        ),
        (
            {"ext-modules": [{"target": "a._b", "script": True}]},
            '[[tool.buildrs.ext-modules]][0].script: script = true needs binding = "Exec"',
        ),
        (
            {"profile": 3},
            "pyproject.toml: [tool.buildrs].profile: expected a cargo profile name, got 3",
        ),
        (
            {"ext-module": []},
            "pyproject.toml: [tool.buildrs]: unknown key 'ext-module' — did you mean "
            "'ext-modules'?",
        ),
        (
            {"bins": [{"target": "wc", "binding": "Exec"}]},
            "pyproject.toml: [[tool.buildrs.bins]][0]: unknown key 'binding' (known keys:",
        ),
        (
            {"ext-modules": [{"path": "Cargo.toml"}]},
            "pyproject.toml: [[tool.buildrs.ext-modules]][0]: missing required key 'target', "
            "e.g. target = 'mypackage._native'",
        ),
        (
            {"ext-modules": [{"target": "a._b", "features": "x"}]},
            "pyproject.toml: [[tool.buildrs.ext-modules]][0].features: expected a list of strings",
        ),
        (
            {"ext-modules": [{"target": "a._b", "binding": "pyo4"}]},
            "pyproject.toml: [[tool.buildrs.ext-modules]][0].binding: expected one of PyO3, "
            "RustCPython, NoBinding, Exec, got 'pyo4'",
        ),
        (
            {"ext-modules": [{"target": "a._b", "debug": "yes"}]},
            "pyproject.toml: [[tool.buildrs.ext-modules]][0].debug: expected true or false",
        ),
        (
            {"ext-modules": [{"target": "my-pkg._native"}]},
            "target 'my-pkg._native' is not a dotted Python module path ('my-pkg' is not a "
            "Python identifier)",
        ),
        ({"ext-modules": {"target": "a._b"}}, "expected an array of tables"),
    ],
)
def test_bad_config_is_a_clear_error(table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(table)
    assert message in str(caught.value)


def test_load_pyproject_without_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    data, config = load_pyproject(tmp_path)
    assert data == {"project": {"name": "x"}}
    assert config is None


def test_setuptools_rust_spellings_are_accepted() -> None:
    """setuptools-rust's underscore keys and 0/1 booleans mean the same here."""
    config = parse_config(
        {
            "ext-modules": [
                {
                    "target": "pkg._native",
                    "cargo_manifest_args": ["--locked"],
                    "rustc_flags": ["-Cdebuginfo=0"],
                    "py_limited_api": "auto",
                    "rust_version": ">=1.56.0",
                    "generated_files": {"a.txt": "pkg"},
                    "debug": 0,
                    "quiet": 1,
                    "binding": "PyO3",
                }
            ],
            "bins": [{"target": "tool", "rust_version": "~=1.70", "debug": 1}],
            "editable_profile": "dev",
        }
    )
    ext, tool = config.targets
    assert ext.cargo_manifest_args == ("--locked",) and ext.rustc_flags == ("-Cdebuginfo=0",)
    assert (ext.debug, ext.quiet, ext.rust_version) == (False, True, ">=1.56.0")
    assert ext.generated_files == {"a.txt": "pkg"}
    assert (tool.debug, tool.rust_version) == (True, "~=1.70")
    assert config.project == {"editable-profile": "dev"}


@pytest.mark.parametrize(
    ("requirement", "satisfied", "unsatisfied"),
    [
        ("1.70", ["1.70.0", "1.95.0"], ["1.69.9"]),
        (">=1.56.0", ["1.56.0", "2.0.0"], ["1.55.0"]),
        ("~=1.70", ["1.70.0", "1.99.1"], ["1.69.0", "2.0.0"]),
        ("^1.70", ["1.70.0", "1.95.0"], ["1.69.0", "2.0.0"]),
        ("~1.70", ["1.70.3"], ["1.71.0"]),
        (">=1.60, <1.90", ["1.89.0"], ["1.90.0", "1.59.0"]),
    ],
)
def test_rust_version_requirements(
    requirement: str, satisfied: list[str], unsatisfied: list[str]
) -> None:
    from buildrs.config.values import parse_rust_version

    spec = parse_rust_version(requirement, "here")
    assert all(spec.contains(v) for v in satisfied)
    assert not any(spec.contains(v) for v in unsatisfied)
