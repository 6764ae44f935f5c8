"""``python -m buildrs doctor``: a healthy project exits 0; each broken one exits 1
and names the problem and its fix. Real cargo, rustc and interpreters throughout;
pyo3's supported Pythons are read from the build script of the pyo3 cargo resolves."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from buildrs.cli.doctor import pyo3_support
from conftest import CRATES, EXAMPLE, CopyProject, find_cpython, run


def doctor(
    project: Path, *args: str, env: dict[str, str] | None = None
) -> tuple[int, str, dict[str, Any]]:
    """Run doctor twice, as text and as JSON: (exit status, text, report)."""
    argv = [sys.executable, "-m", "buildrs", "doctor", str(project), *args]
    text = run(argv, env=env, check=False)
    data = run([*argv, "--json"], env=env, check=False)
    assert text.returncode == data.returncode, (text.stdout, data.stdout)
    assert "Traceback" not in text.stderr + data.stderr, text.stderr + data.stderr
    return text.returncode, text.stdout, json.loads(data.stdout)


@pytest.mark.integration
def test_healthy_project(copy_project: CopyProject) -> None:
    code, text, report = doctor(copy_project(EXAMPLE))
    assert code == 0, text
    assert report["healthy"] is True
    assert report["problems"] == []
    assert text.rstrip().endswith("verdict: healthy; 2 targets ready to build")
    module, binary = report["targets"]
    assert module["target"] == "ext-module 'example_crate._native'"
    assert (module["wheel_profile"], module["editable_profile"]) == ("release", "dev")
    assert "next wheel: release profile; next editable or develop build: dev profile" in text
    assert module["file"] == "_native" + str(report["python"]["ext_suffix"])
    assert module["pyo3"]["version"].startswith("0.30.")
    assert module["pyo3"]["supports"]["cpython"][0] == "3.9"
    assert binary["target"] == "bin 'example-wc'"
    assert report["toolchain"]["rustc_version"]
    assert report["python"]["version"] == ".".join(map(str, sys.version_info[:3]))


@pytest.mark.integration
def test_healthy_setup_py_project(copy_project: CopyProject) -> None:
    project = copy_project(CRATES / "setuppy")
    code, text, report = doctor(project)
    assert code == 0, text
    (target,) = report["targets"]
    assert target["target"] == "RustExtension('setuppy_pkg._ext')"
    assert target["crate"] == str(project / "Cargo.toml")
    assert not (project / "build").exists()


@pytest.mark.integration
def test_target_triple_without_its_standard_library(copy_project: CopyProject) -> None:
    env = {**os.environ, "CARGO_BUILD_TARGET": "universal2-apple-darwin"}
    code, _, report = doctor(copy_project(CRATES / "abi3"), env=env)
    assert code == 1
    missing = [p for p in report["problems"] if "rustc has no standard library" in p["what"]]
    assert [p["fix"] for p in missing] == [
        f"rustup target add {t}"
        for t in ("x86_64-apple-darwin", "aarch64-apple-darwin")
        if t not in report["toolchain"]["targets"]
    ]
    assert len(report["targets"]) == 1
    assert report["targets"][0]["file"] == "_abi3demo.abi3.so"


@pytest.mark.integration
def test_no_cargo(copy_project: CopyProject, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("CARGO", "RUSTC")}
    env["PATH"] = str(Path(sys.executable).parent)
    env["CARGO_HOME"] = str(tmp_path / "no-cargo-home")
    code, text, report = doctor(copy_project(EXAMPLE), env=env)
    assert code == 1
    assert report["toolchain"]["cargo"] is None
    assert "cargo          not found: install Rust with rustup (https://rustup.rs)" in text
    (problem,) = report["problems"]
    assert problem["what"].startswith("cargo was not found")
    assert "rustup" in problem["what"]
    assert "verdict: 1 problem found\n  1. cargo was not found" in text


@pytest.mark.integration
@pytest.mark.network
def test_pyo3_too_old_for_this_python(copy_project: CopyProject) -> None:
    newer = next((p for p in map(find_cpython, (13, 14, 15)) if p), None)
    if newer is None:
        pytest.skip("no CPython newer than 3.12 is installed here (pyenv install 3.13)")
    code, text, report = doctor(copy_project(CRATES / "oldpyo3"), "--python", newer)
    assert code == 1, text
    version = report["python"]["version"].rsplit(".", 1)[0]
    (problem,) = report["problems"]
    assert problem["what"] == (
        "ext-module 'oldpyo3_demo._native': pyo3 0.20.3 supports CPython 3.7-3.12, but "
        f"this is CPython {version}: pyo3 is too old for it"
    )
    assert "raise pyo3's version in Cargo.toml" in problem["fix"]
    assert report["targets"][0]["pyo3"]["supports"]["cpython"] == ["3.7", "3.12"]


@pytest.mark.integration
def test_pyo3_too_new_for_this_pypy(copy_project: CopyProject) -> None:
    pypy = shutil.which("pypy3")
    if pypy is None:
        pytest.skip("PyPy is not installed here (apt-get install pypy3)")
    code, _, report = doctor(copy_project(EXAMPLE), "--python", pypy)
    version = report["python"]["version"].rsplit(".", 1)[0]
    if tuple(map(int, version.split("."))) >= (3, 11):
        assert code == 0
        return
    assert code == 1
    (problem,) = report["problems"]
    assert f"supports PyPy 3.11-3.15, but this is PyPy {version}" in problem["what"]


@pytest.mark.integration
def test_rustc_older_than_rust_version(copy_project: CopyProject) -> None:
    project = copy_project(CRATES / "abi3")
    manifest = project / "Cargo.toml"
    manifest.write_text(
        manifest.read_text().replace('edition = "2021"', 'edition = "2021"\nrust-version = "1.999"')
    )
    code, text, report = doctor(project)
    assert code == 1, text
    (problem,) = report["problems"]
    assert problem["what"].startswith(
        "ext-module 'abi3_demo._abi3demo': crate abi3-demo needs rustc 1.999 "
        f"(rust-version in {manifest}), but rustc is "
    )
    assert problem["fix"] == "rustup update (or rustup toolchain install 1.999)"


@pytest.mark.integration
def test_declared_target_whose_crate_has_no_pyo3(copy_project: CopyProject) -> None:
    project = copy_project(CRATES / "abi3")
    manifest = project / "Cargo.toml"
    text = manifest.read_text()
    manifest.write_text(text[: text.index("[dependencies]")])
    code, out, report = doctor(project)
    assert code == 1
    (problem,) = report["problems"]
    assert "crate 'abi3-demo' does not depend on pyo3" in problem["what"]
    assert "Add pyo3 to [dependencies]" in problem["what"]
    assert "verdict: 1 problem found" in out


@pytest.mark.integration
def test_pyo3_python_for_another_interpreter(copy_project: CopyProject) -> None:
    other = next(
        (p for p in map(find_cpython, range(9, 16)) if p and f"3.{sys.version_info[1]}" not in p),
        None,
    )
    if other is None:
        pytest.skip("no second CPython is installed here")
    env = {**os.environ, "PYO3_PYTHON": other}
    code, _, report = doctor(copy_project(EXAMPLE), env=env)
    assert code == 1
    (problem,) = report["problems"]
    assert problem["what"].startswith(f"PYO3_PYTHON={other} is CPython 3.")
    assert "they would not import" in problem["what"]


CPYTHON_0_30 = """
const PY_3_9: PythonVersion = PythonVersion { major: 3, minor: 9 };
const PY_3_11: PythonVersion = PythonVersion {
    major: 3,
    minor: 11,
};
const PY_3_15: PythonVersion = PythonVersion { major: 3, minor: 15 };
const SUPPORTED_VERSIONS_CPYTHON: SupportedVersions = SupportedVersions {
    min: PY_3_9,
    max: PY_3_15,
};
const SUPPORTED_VERSIONS_PYPY: SupportedVersions = SupportedVersions {
    min: PY_3_11,
    max: SUPPORTED_VERSIONS_CPYTHON.max,
};
"""
INLINE_0_20 = """
const SUPPORTED_VERSIONS_CPYTHON: SupportedVersions = SupportedVersions {
    min: PythonVersion { major: 3, minor: 7 },
    max: PythonVersion {
        major: 3,
        minor: 12,
    },
};
const SUPPORTED_VERSIONS_PYPY: SupportedVersions = SupportedVersions {
    min: PythonVersion { major: 3, minor: 7 },
    max: PythonVersion { major: 3, minor: 10 },
};
"""
MINIMUM_0_17 = """
const MINIMUM_SUPPORTED_VERSION: PythonVersion = PythonVersion { major: 3, minor: 7 };
"""


@pytest.mark.parametrize(
    ("build_rs", "expected"),
    [
        (CPYTHON_0_30, {"cpython": ((3, 9), (3, 15)), "pypy": ((3, 11), (3, 15))}),
        (INLINE_0_20, {"cpython": ((3, 7), (3, 12)), "pypy": ((3, 7), (3, 10))}),
        (MINIMUM_0_17, {"cpython": ((3, 7), None)}),
        ("fn main() {}", {}),
    ],
    ids=["consts-0.30", "inline-0.20", "minimum-only-0.17", "nothing"],
)
def test_pyo3_support_is_read_from_its_build_script(
    build_rs: str, expected: dict[str, object]
) -> None:
    assert pyo3_support(build_rs) == expected


@pytest.mark.integration
def test_python_older_than_pyo3_supports(copy_project: CopyProject) -> None:
    """CPython 3.8 is on the test machine, but pyo3 0.30 starts at 3.9: doctor says so
    instead of letting the build fail in pyo3's build script."""
    python38 = find_cpython(8)
    if python38 is None:
        pytest.skip("CPython 3.8 is not installed here (pyenv install 3.8)")
    code, _, report = doctor(copy_project(EXAMPLE), "--python", python38)
    assert code == 1
    (problem,) = report["problems"]
    assert "supports CPython 3.9-3.15, but this is CPython 3.8" in problem["what"]
    assert problem["fix"].startswith("build with CPython 3.9 or newer, or use an older pyo3")


@pytest.mark.integration
def test_library_built_by_another_checkout_is_noted(copy_project: CopyProject) -> None:
    """A shared target directory holding this crate's library from another checkout:
    healthy (the next build rebuilds it), with a note saying so."""
    project = copy_project(CRATES / "abi3")
    env = {k: v for k, v in os.environ.items() if k != "CARGO_TARGET_DIR"}
    origin = project / "target" / "release" / ".lib_abi3demo.so.buildrs-origin"
    origin.parent.mkdir(parents=True)
    origin.write_text("/elsewhere/abi3/Cargo.toml", encoding="utf-8")
    code, _, report = doctor(project, env=env)
    assert code == 0
    (note,) = report["notes"]
    assert note.startswith(
        f"ext-module 'abi3_demo._abi3demo': the target directory {project / 'target'} "
        "holds lib_abi3demo.so built from another checkout (/elsewhere/abi3/Cargo.toml)"
    )


@pytest.mark.integration
def test_release_tools_are_reported(copy_project: CopyProject) -> None:
    """What a release wheel carries (SBOM, repair, stubs) and whether its tools are here."""
    project = copy_project(CRATES / "stubs")
    code, text, report = doctor(project)
    assert code == 0, text
    release = report["tools"]["release"]
    assert release[0] == "SBOM           on, cyclonedx-python-lib found"
    assert release[1].startswith("repair         auto, auditwheel ")
    assert release[2] == "stubs          ext-module 'stubs_pkg._native': stubgen, mypy found"
    assert "  stubs          ext-module 'stubs_pkg._native'" in text
