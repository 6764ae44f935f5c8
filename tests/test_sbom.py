"""Every wheel with a Rust target carries a CycloneDX SBOM of the crates compiled into
it (PEP 770), valid against the CycloneDX 1.6 schema, equal to what `cargo tree`
says is built, and the same bytes from one build to the next."""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

from buildrs import folders
from conftest import EXAMPLE, CopyProject, pip_wheel, run

pytestmark = [pytest.mark.integration, pytest.mark.network]

SBOM = "example_crate-0.1.0.dist-info/sboms/example_crate.cdx.json"


def sbom_of(wheel: Path) -> tuple[str, dict[str, Any]]:
    with zipfile.ZipFile(wheel) as archive:
        text = archive.read(SBOM).decode("utf-8")
        record = archive.read("example_crate-0.1.0.dist-info/RECORD").decode("utf-8")
    assert SBOM in record, "the SBOM is listed in RECORD"
    return text, json.loads(text)


def validate(text: str) -> None:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    errors = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    assert errors is None, errors


def cargo_tree(project: Path, *args: str, edges: str = "normal") -> set[str]:
    """``name@version`` of what cargo builds for the host with ``args``."""
    cargo = shutil.which("cargo")
    assert cargo
    host = next(
        line.split(": ")[1]
        for line in run([cargo, "-vV"]).stdout.splitlines()
        if line.startswith("host: ")
    )
    out = run(
        [
            cargo,
            "tree",
            "--offline",
            "-e",
            edges,
            "--target",
            host,
            "--prefix",
            "none",
            "-f",
            "{p}",
            "--manifest-path",
            str(project / "Cargo.toml"),
            *args,
        ]
    ).stdout
    found = (re.match(r"(\S+) v(\S+)", line) for line in out.splitlines())
    return {f"{m.group(1)}@{m.group(2)}" for m in found if m}


def test_the_example_wheel_lists_what_cargo_builds(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    project = copy_project(EXAMPLE)
    wheel = pip_wheel(project, tmp_path / "one", build_env)
    text, document = sbom_of(wheel)
    validate(text)
    assert document["specVersion"] == "1.6"
    assert "timestamp" not in document["metadata"]
    assert document["metadata"]["component"]["name"] == "example-crate"
    listed = {f"{c['name']}@{c['version']}" for c in document["components"]}
    # The module (default features) and the example-wc binary (no default features).
    expected = cargo_tree(project) | cargo_tree(project, "--no-default-features")
    assert listed == expected
    built_for_build_scripts = cargo_tree(project, edges="normal,build") - expected
    assert built_for_build_scripts, "the crate has build-only dependencies to leave out"
    assert not listed & built_for_build_scripts
    by_name = {c["name"]: c for c in document["components"]}
    pyo3 = by_name["pyo3"]
    assert pyo3["purl"] == f"pkg:cargo/pyo3@{pyo3['version']}"
    assert pyo3["licenses"] == [{"expression": "MIT OR Apache-2.0"}]
    assert pyo3["hashes"][0]["alg"] == "SHA-256" and len(pyo3["hashes"][0]["content"]) == 64
    lock = (project / "Cargo.lock").read_text()
    assert pyo3["hashes"][0]["content"] in lock
    edges = {d["ref"]: set(d.get("dependsOn", [])) for d in document["dependencies"]}
    assert f"pyo3@{pyo3['version']}" in edges["example-crate@0.1.0+local"]

    again = pip_wheel(copy_project(EXAMPLE, "again"), tmp_path / "two", build_env)
    assert sbom_of(again)[0] == text, "two builds of one tree give the same bytes"


def test_sbom_can_be_turned_off_and_dated(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    project = copy_project(EXAMPLE)
    off = pip_wheel(project, tmp_path / "off", {**build_env, "BUILDRS_SBOM": "0"})
    with zipfile.ZipFile(off) as archive:
        assert not [n for n in archive.namelist() if "/sboms/" in n]
    dated = pip_wheel(project, tmp_path / "dated", {**build_env, "SOURCE_DATE_EPOCH": "1700000000"})
    text, document = sbom_of(dated)
    validate(text)
    assert document["metadata"]["timestamp"].startswith("2023-11-14T22:13:20")
    # The document is kept for the next build of this tree, under a key that holds
    # every input: another date is another document.
    cached = sorted(Path(folders.sbom_cache(project)).glob("*.cdx.json"))
    assert text in [p.read_text(encoding="utf-8") for p in cached]
    later = pip_wheel(project, tmp_path / "later", {**build_env, "SOURCE_DATE_EPOCH": "1800000000"})
    assert sbom_of(later)[1]["metadata"]["timestamp"].startswith("2027-01-15T08:00:00")


def test_the_sbom_is_made_from_the_build_alone_offline(
    build_env: dict[str, str], tmp_path: Path
) -> None:
    """libcst's layout: a dev-dependency (for benches) that the build never downloads.
    The SBOM comes from what cargo compiled, so the build needs nothing more than
    cargo did, offline, and lists no dev-dependency."""
    project = tmp_path / "devdep"
    (project / "src").mkdir(parents=True)
    (project / "tiny").mkdir()
    (project / "tiny" / "__init__.py").write_text("")
    (project / "src" / "lib.rs").write_text('#[no_mangle]\npub extern "C" fn one() -> i32 { 1 }\n')
    (project / "Cargo.toml").write_text(
        '[package]\nname = "devdep"\nversion = "0.1.0"\nedition = "2021"\nlicense = "MIT"\n'
        '[lib]\ncrate-type = ["cdylib"]\n[dev-dependencies]\nciborium = "=0.2.1"\n'
    )
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=70", "buildrs"]\n'
        'build-backend = "buildrs.build_meta"\n[project]\nname = "devdep"\nversion = "1"\n'
        '[[tool.buildrs.ext-modules]]\ntarget = "tiny._native"\nbinding = "NoBinding"\n'
    )
    cargo = shutil.which("cargo")
    assert cargo
    run([cargo, "generate-lockfile", "--manifest-path", str(project / "Cargo.toml")])
    assert "ciborium" in (project / "Cargo.lock").read_text()
    env = {**build_env, "CARGO_NET_OFFLINE": "true"}
    wheel = pip_wheel(project, tmp_path / "dist", env, "--no-build-isolation")
    with zipfile.ZipFile(wheel) as archive:
        document = json.loads(archive.read("devdep-1.dist-info/sboms/devdep.cdx.json"))
    assert [c["name"] for c in document["components"]] == ["devdep"]
