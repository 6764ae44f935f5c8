"""Reading Cargo.toml: targets, binding dependencies, workspaces, lock files."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from buildrs.config.manifest import read_crate
from buildrs.errors import ManifestError


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dedent(text))
    return path


def test_defaults_follow_cargo(tmp_path: Path) -> None:
    write(tmp_path / "Cargo.toml", '[package]\nname = "my-crate"\nversion = "0.1.0"\n')
    write(tmp_path / "src/lib.rs", "")
    write(tmp_path / "src/main.rs", "fn main() {}")
    write(tmp_path / "src/bin/extra.rs", "fn main() {}")
    write(tmp_path / "src/bin/multi/main.rs", "fn main() {}")
    write(tmp_path / "build.rs", "fn main() {}")
    info = read_crate(tmp_path / "Cargo.toml")
    assert info.lib_name == "my_crate"
    assert info.crate_types == ("lib",)
    assert info.bins == ("my-crate", "extra", "multi")
    assert info.has_build_script
    assert info.dependencies == {}


def test_lib_section_pyo3_and_lock(tmp_path: Path) -> None:
    write(
        tmp_path / "Cargo.toml",
        """
        [package]
        name = "demo"
        version = "0.1.0"
        autobins = false

        [lib]
        name = "_native"
        crate-type = ["cdylib", "rlib"]

        [[bin]]
        name = "tool"
        path = "src/tool.rs"

        [dependencies]
        py = { package = "pyo3", version = "0.21", features = ["macros"] }

        [features]
        default = ["stable"]
        stable = ["py/abi3-py38"]
        """,
    )
    write(tmp_path / "src/main.rs", "fn main() {}")
    write(
        tmp_path / "Cargo.lock",
        """
        version = 4
        [[package]]
        name = "pyo3"
        version = "0.21.2"
        """,
    )
    info = read_crate(tmp_path)
    assert (info.lib_name, info.crate_types, info.bins) == (
        "_native",
        ("cdylib", "rlib"),
        ("tool",),
    )
    dep = info.dependencies["pyo3"]
    assert (dep.key, dep.version_req, dep.locked_version, dep.version) == (
        "py",
        "0.21",
        "0.21.2",
        (0, 21),
    )
    assert info.dependency_features("pyo3", []) == {"macros", "abi3-py38"}
    assert info.dependency_features("pyo3", [], default_features=False) == {"macros"}
    assert info.dependency_features("pyo3", ["py/abi3"], default_features=False) == {
        "macros",
        "abi3",
    }


def test_workspace_inherited_dependency(tmp_path: Path) -> None:
    write(
        tmp_path / "Cargo.toml",
        """
        [workspace]
        members = ["crates/*"]
        [workspace.dependencies]
        pyo3 = { version = "0.30", features = ["abi3-py39"] }
        """,
    )
    write(
        tmp_path / "Cargo.lock",
        'version = 4\n[[package]]\nname = "pyo3"\nversion = "0.30.1"\n',
    )
    member = write(
        tmp_path / "crates/ext/Cargo.toml",
        """
        [package]
        name = "ext"
        version = "0.1.0"
        [dependencies]
        pyo3 = { workspace = true, features = ["macros"] }
        """,
    )
    write(tmp_path / "crates/ext/src/lib.rs", "")
    info = read_crate(member)
    assert info.workspace_root == tmp_path.resolve()
    dep = info.dependencies["pyo3"]
    assert dep.features == ("abi3-py39", "macros")
    assert dep.locked_version == "0.30.1"


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "Cargo.toml not found. Point the target's `path` at the crate's Cargo.toml"),
        ({"Cargo.toml": "[package\nname = 1"}, "Cargo.toml: invalid TOML:"),
        (
            {"Cargo.toml": '[workspace]\nmembers = ["a"]\n'},
            "has no [package] name. It is a virtual workspace manifest; point `path` at the "
            "member crate's Cargo.toml instead.",
        ),
        (
            {"Cargo.toml": '[package]\nname = "x"\n[lib]\ncrate-type = "cdylib"\n'},
            '[lib] crate-type must be a list like ["cdylib"]',
        ),
    ],
)
def test_bad_manifest(tmp_path: Path, files: dict[str, str], message: str) -> None:
    for name, text in files.items():
        write(tmp_path / name, text)
    with pytest.raises(ManifestError) as caught:
        read_crate(tmp_path / "Cargo.toml")
    assert message in str(caught.value)
    assert str(tmp_path.resolve()) in str(caught.value)
