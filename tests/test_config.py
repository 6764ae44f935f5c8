"""Validation of [tool.buildrs]: exact messages naming the file, key path and fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from buildrs import Binding, RustBin, Strip
from buildrs.config import load_pyproject, parse_config
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
    assert config.profile == "release-lto"
    assert (ext.target, ext.path, ext.binding, ext.strip) == (
        "pkg._native",
        "rust/Cargo.toml",
        Binding.NoBinding,
        Strip.All,
    )
    assert ext.features == ("fast",) and ext.args == ("--locked",)
    assert ext.cargo_manifest_args == ("--frozen",) and ext.rustc_flags == ("-Copt-level=3",)
    assert ext.env == {"A": "1"} and ext.generated_files == {"gen.txt": "pkg.data"}
    assert (ext.debug, ext.optional, ext.quiet, ext.py_limited_api) == (False, True, True, "cp39")
    assert isinstance(wc, RustBin) and wc.is_bin and wc.script and wc.strip is Strip.Debug


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            {"ext-modules": [{"target": "a._b", "featurs": ["x"]}]},
            "pyproject.toml: [[tool.buildrs.ext-modules]][0]: unknown key 'featurs' "
            "— did you mean 'features'?",
        ),
        (
            {"ext-modules": [{"target": "a._b"}, {"target": "a._c", "cargo_manifest_args": []}]},
            "pyproject.toml: [[tool.buildrs.ext-modules]][1]: unknown key "
            "'cargo_manifest_args' — did you mean 'cargo-manifest-args'?",
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
