"""``[tool.maturin]`` and Cargo.toml read as buildrs' own configuration: the layouts
maturin decides, the metadata it takes from Cargo.toml, each key's translation, and
the errors for what buildrs does not build yet. Pure logic: no cargo runs here."""

from __future__ import annotations

from pathlib import Path

import pytest

from buildrs.config.crate_metadata import pep440
from buildrs.config.maturin_keys import KEYS, key_table
from buildrs.config.pyproject import load_pyproject
from buildrs.errors import ConfigError
from buildrs.wheel.maturin_part import excluded

BACKEND = '[build-system]\nrequires = ["buildrs"]\nbuild-backend = "buildrs.build_meta"\n\n'
CRATE = """[package]
name = "demo-crate"
version = "{version}"
description = "From   Cargo.toml"
authors = ["Ada Demo <ada@example.org>", "Bob"]
license = "MIT OR Apache-2.0"
keywords = ["a", "b"]
homepage = "https://example.org"
repository = "https://example.org/src"

[lib]
name = "demo"
crate-type = ["cdylib"]

[dependencies]
pyo3 = "0.30"
"""


def _project(root: Path, pyproject: str, files: dict[str, str] | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(pyproject)
    written = {"Cargo.toml": CRATE.format(version="1.2.3"), "src/lib.rs": ""}
    written.update(files or {})
    for name, text in written.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.mark.parametrize(
    ("cargo", "python"),
    [
        ("1.2.3", "1.2.3"),
        ("0.2.0-alpha.1", "0.2.0a1"),
        ("0.2.0-alpha", "0.2.0a0"),
        ("0.2.0-beta.2", "0.2.0b2"),
        ("0.2.0-rc.3", "0.2.0rc3"),
        ("0.2.0-rc3", "0.2.0rc3"),
        ("0.2.0-dev.4", "0.2.0.dev4"),
        ("1.0.0+build.5", "1.0.0+build.5"),
        ("1.0.0-beta.1+git-abc", "1.0.0b1+git.abc"),
    ],
)
def test_cargo_versions_in_pep_440(cargo: str, python: str) -> None:
    assert pep440(cargo, "Cargo.toml") == python


def test_a_version_pep_440_cannot_say_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"'1.0.0-nightly.2024' has a pre-release part"):
        pep440("1.0.0-nightly.2024", "Cargo.toml")


def test_pure_rust_layout_with_a_stub(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", BACKEND + "[tool.maturin]\n", {"demo.pyi": "x: int\n"})
    pyproject, config = load_pyproject(root)
    assert config is not None and config.maturin is not None
    assert [t.target for t in config.targets] == ["demo.demo"]
    assert config.read_from == "[tool.maturin]"
    layout = config.maturin
    assert layout.python_dir == root.resolve()
    assert layout.packages == ()
    assert sorted(layout.generated) == ["demo/__init__.py", "demo/py.typed"]
    assert layout.copied == {"demo/__init__.pyi": root.resolve() / "demo.pyi"}
    assert pyproject["tool"]["setuptools"]["package-dir"] == {
        "": ".",
        "demo": "build/buildrs/packages/demo",
    }


def test_everything_from_cargo_toml_without_a_project_table(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", BACKEND, {"README.md": "# demo\n"})
    pyproject, config = load_pyproject(root)
    assert config is not None and config.read_from == "Cargo.toml (no [tool.maturin])"
    assert pyproject["project"] == {
        "name": "demo-crate",
        "version": "1.2.3",
        "description": "From Cargo.toml",
        "readme": "README.md",
        "license": "MIT OR Apache-2.0",
        "authors": [{"name": "Ada Demo", "email": "ada@example.org"}, {"name": "Bob"}],
        "keywords": ["a", "b"],
        "urls": {"Homepage": "https://example.org", "Source Code": "https://example.org/src"},
    }


def test_only_the_dynamic_fields_come_from_cargo_toml(tmp_path: Path) -> None:
    table = '[project]\nname = "demo"\ndescription = "Own"\ndynamic = ["version"]\n'
    root = _project(tmp_path / "p", BACKEND + table)
    project = load_pyproject(root)[0]["project"]
    assert project == {"name": "demo", "description": "Own", "version": "1.2.3"}


def test_a_workspace_inherited_version(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    (workspace / "py").mkdir(parents=True)
    (workspace / "Cargo.toml").write_text(
        '[workspace]\nmembers = ["py"]\n\n[workspace.package]\nversion = "3.1.0-rc.1"\n'
    )
    crate = CRATE.format(version="0").replace('version = "0"', "version.workspace = true")
    root = _project(
        workspace / "py",
        BACKEND + '[project]\nname = "demo"\ndynamic = ["version"]\n',
        {"Cargo.toml": crate},
    )
    assert load_pyproject(root)[0]["project"]["version"] == "3.1.0rc1"


def test_mixed_layouts(tmp_path: Path) -> None:
    dotted = BACKEND + '[tool.maturin]\npython-source = "python"\nmodule-name = "demo._native"\n'
    root = _project(tmp_path / "a", dotted, {"python/demo/__init__.py": ""})
    config = load_pyproject(root)[1]
    assert config is not None and config.maturin is not None
    assert [t.target for t in config.targets] == ["demo._native"]
    assert config.maturin.packages == ("demo",) and not config.maturin.generated
    assert config.maturin.python_dir == root.resolve() / "python"

    undotted = BACKEND + '[project]\nname = "demo"\nversion = "1"\n'
    root = _project(tmp_path / "b", undotted, {"demo/__init__.py": ""})
    config = load_pyproject(root)[1]
    assert config is not None and [t.target for t in config.targets] == ["demo.demo"]

    src = BACKEND + '[project]\nname = "demo"\nversion = "1"\n'
    root = _project(tmp_path / "c", src, {"src/demo/__init__.py": "", "rust/src/lib.rs": ""})
    (root / "rust" / "Cargo.toml").write_text((root / "Cargo.toml").read_text())
    (root / "Cargo.toml").unlink()
    pyproject, config = load_pyproject(root)
    assert config is not None and [t.path for t in config.targets] == ["rust/Cargo.toml"]
    assert pyproject["tool"]["setuptools"]["package-dir"] == {"": "src"}


def test_cargo_options_and_settings(tmp_path: Path) -> None:
    table = """[tool.maturin]
features = ["a", "b c"]
all-features = true
no-default-features = true
frozen = true
locked = true
config = ["profile.release.lto=true"]
unstable-flags = ["build-std"]
rustc-args = ["-Cdebuginfo=1"]
strip = true
profile = "dist"
editable-profile = "dev"
auditwheel = "check"
sbom = false
generate-ci = "github"
"""
    root = _project(tmp_path / "p", BACKEND + table)
    config = load_pyproject(root)[1]
    assert config is not None
    (target,) = config.targets
    assert target.features == ("a", "b", "c")
    assert target.args == (
        "--all-features",
        "--no-default-features",
        "--frozen",
        "--locked",
        "--config",
        "profile.release.lto=true",
        "-Z",
        "build-std",
    )
    assert target.rustc_flags == ("-Cdebuginfo=1",)
    assert target.strip.name == "All"
    assert config.project == {
        "profile": "dist",
        "editable-profile": "dev",
        "repair": "check",
        "sbom": False,
    }
    assert config.notes == (
        "[tool.maturin] generate-ci is noted, not used: " + KEYS["generate-ci"],
    )


@pytest.mark.parametrize(
    ("table", "repair"),
    [
        ('auditwheel = "repair"', "auto"),
        ('auditwheel = "warn"', "off"),
        ('auditwheel = "skip"', "off"),
        ("skip-auditwheel = true", "off"),
        ('compatibility = "linux"', "off"),
        ('manylinux = "linux"', "off"),
    ],
)
def test_auditwheel_modes(tmp_path: Path, table: str, repair: str) -> None:
    root = _project(tmp_path / "p", BACKEND + f"[tool.maturin]\n{table}\n")
    config = load_pyproject(root)[1]
    assert config is not None and config.project == {"repair": repair}


@pytest.mark.parametrize(
    ("table", "files", "message"),
    [
        ('bindings = "uniffi"', {}, "bindings: 'uniffi' bindings generate Python glue code"),
        ('bindings = "cffi"', {}, "bindings: 'cffi' bindings generate Python glue code"),
        ('bindings = "wasm"', {}, "bindings = 'wasm': expected one of"),
        ('modul-name = "x"', {}, "unknown key 'modul-name' — did you mean 'module-name'?"),
        (
            'features = [{feature = "x", python = ">=3.12"}]',
            {},
            'expected {feature = "name", python-version = ">=3.12"',
        ),
        (
            'features = [{feature = "x", python-version = "new"}]',
            {},
            "python-version is not a version specifier",
        ),
        (
            'include = [{path = "x", from = "out-dir", to = "pkg/"}]',
            {},
            "copies files cargo's build script wrote, which buildrs does not build yet",
        ),
        ('exclude = ["../up"]', {}, "'../up' must be relative to the project folder"),
        (
            'targets = [{name = "a"}, {name = "b"}]',
            {},
            "targets: several cargo targets are listed",
        ),
        ('python-source = "nowhere"', {}, "python-source = 'nowhere': there is no such folder"),
        ('manifest-path = "x/Cargo.toml"', {}, "manifest-path = 'x/Cargo.toml': there is no"),
        ("", {"demo/empty.txt": ""}, "holds no __init__.py; add one"),
        ('data = "nodata"', {}, "data = 'nodata': there is no such folder"),
        ("", {"demo.data/lib/x.txt": ""}, "holds only the folders data, scripts, headers"),
    ],
)
def test_what_buildrs_refuses_names_the_key(
    tmp_path: Path, table: str, files: dict[str, str], message: str
) -> None:
    root = _project(tmp_path / "p", BACKEND + f"[tool.maturin]\n{table}\n", files)
    with pytest.raises(ConfigError) as caught:
        load_pyproject(root)
    assert message in str(caught.value)
    assert "pyproject.toml: [tool.maturin]" in str(caught.value) or "demo" in str(caught.value)


def test_features_for_some_pythons_only(tmp_path: Path) -> None:
    table = (
        '[tool.maturin]\nfeatures = ["plain", '
        '{feature = "new", python-version = ">=3.12"}, '
        '{feature = "fast", python-implementation = "CPython"}]\n'
    )
    root = _project(tmp_path / "p", BACKEND + table)
    config = load_pyproject(root)[1]
    assert config is not None
    (target,) = config.targets
    assert target.features == ("plain",)
    assert target.conditional_features == (("new", ">=3.12", None), ("fast", None, "cpython"))


def test_sdist_only_patterns_are_accepted(tmp_path: Path) -> None:
    table = '[tool.maturin]\ninclude = [{path = "LICENSE", format = "sdist"}]\n'
    root = _project(tmp_path / "p", BACKEND + table)
    assert load_pyproject(root)[1] is not None


def test_a_buildrs_table_or_a_setup_py_wins(tmp_path: Path) -> None:
    buildrs = '[[tool.buildrs.ext-modules]]\ntarget = "demo"\n\n[tool.maturin]\n'
    root = _project(tmp_path / "a", BACKEND + buildrs)
    config = load_pyproject(root)[1]
    assert config is not None and config.read_from == "[tool.buildrs]" and config.maturin is None
    root = _project(tmp_path / "b", BACKEND + "[tool.maturin]\n", {"setup.py": ""})
    assert load_pyproject(root)[1] is None


def test_licence_classifiers_beside_an_expression_are_a_warning(tmp_path: Path) -> None:
    table = (
        '[project]\nname = "demo"\nversion = "1"\nlicense = "MIT"\n'
        'classifiers = ["License :: OSI Approved :: MIT License"]\n\n[tool.maturin]\n'
    )
    root = _project(tmp_path / "p", BACKEND + table)
    config = load_pyproject(root)[1]
    assert config is not None
    (note,) = config.notes
    assert note.startswith("warning: License classifiers beside the licence expression 'MIT'")
    assert note.endswith(": License :: OSI Approved :: MIT License")


def test_every_key_is_in_the_docs() -> None:
    text = (Path(__file__).resolve().parent.parent / "docs" / "configuration.md").read_text()
    assert key_table() in text


@pytest.mark.parametrize(
    ("path", "pattern", "left_out"),
    [
        ("pkg/a.secret", "*.secret", True),
        ("a.secret", "*.secret", True),
        ("pkg/tests/test_a.py", "pkg/tests/", False),
        ("pkg/tests/test_a.py", "tests", False),
        ("pkg/tests/test_a.py", "pkg/tests/*", True),
        ("pkg/tests/deep/test_a.py", "pkg/tests/*", False),
        ("pkg/tests/deep/test_a.py", "pkg/tests/**", True),
        ("other/pkg/tests/x.py", "pkg/tests/**", False),
        ("pkg/deep/er/x.c", "pkg/**/*.c", True),
        ("pkg/x.c", "pkg/**/*.c", True),
        ("pkg/x.py", "pkg/*.c", False),
        ("pkg/x.py", "/pkg/x.py", True),
        ("pkg/ab.py", "pkg/a?.py", True),
    ],
)
def test_exclude_matches_as_a_gitignore_does(path: str, pattern: str, left_out: bool) -> None:
    assert excluded([path], [pattern]) is left_out


def test_a_release_table_alone_keeps_the_maturin_targets(tmp_path: Path) -> None:
    table = '[tool.maturin]\n\n[tool.buildrs.release]\ntargets = ["aarch64-unknown-linux-gnu"]\n'
    config = load_pyproject(_project(tmp_path / "p", BACKEND + table))[1]
    assert config is not None and config.maturin is not None
    assert [t.target for t in config.targets] == ["demo.demo"]
    assert config.read_from == "[tool.maturin]"
    assert config.release is not None
    assert config.release.targets == ("aarch64-unknown-linux-gnu",)
