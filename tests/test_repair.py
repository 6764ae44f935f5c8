"""Wheels that link a shared library outside the manylinux policy: repaired with
auditwheel by default, refused with repair = "check", kept with a warning with
repair = "off"; a wheel that needs nothing is left byte for byte."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from conftest import CRATES, CopyProject, Venv, failing_build, pip_wheel, pip_wheel_logged, run

pytestmark = [pytest.mark.integration, pytest.mark.network]


@pytest.fixture
def libgreet(tmp_path: Path) -> Path:
    """libgreet.so.1, built into a private prefix; returns the prefix."""
    prefix = tmp_path / "prefix"
    (prefix / "lib").mkdir(parents=True)
    source = CRATES / "repair" / "greet" / "greet.c"
    library = prefix / "lib" / "libgreet.so.1"
    run(["cc", "-shared", "-fPIC", "-Wl,-soname,libgreet.so.1", "-o", str(library), str(source)])
    (prefix / "lib" / "libgreet.so").symlink_to("libgreet.so.1")
    return prefix


def test_a_wheel_needing_a_private_library_is_repaired_and_runs_without_it(
    copy_project: CopyProject,
    build_env: dict[str, str],
    libgreet: Path,
    fresh_venv: Venv,
    tmp_path: Path,
) -> None:
    project = copy_project(CRATES / "repair")
    env = {**build_env, "GREET_PREFIX": str(libgreet)}
    wheel, log = pip_wheel_logged(project, tmp_path / "dist", env)
    assert "-manylinux_" in wheel.name, wheel.name
    assert "buildrs: repaired with auditwheel" in log
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        grafted = [n for n in names if n.startswith("repair_demo.libs/libgreet")]
        assert grafted, names
        module = tmp_path / "module.so"
        module.write_bytes(archive.read("repair_pkg/_native.abi3.so"))
    runpath = run(["readelf", "-d", str(module)]).stdout
    assert "$ORIGIN/../repair_demo.libs" in runpath
    shutil.rmtree(libgreet)  # only the grafted copy is left
    fresh_venv.pip("install", str(wheel))
    code = "from repair_pkg import _native; print(_native.greeting())"
    assert fresh_venv.python_run(code, cwd=tmp_path) == "hello from libgreet\n"


def test_check_refuses_and_off_warns(
    copy_project: CopyProject, build_env: dict[str, str], libgreet: Path, tmp_path: Path
) -> None:
    project = copy_project(CRATES / "repair")
    env = {**build_env, "GREET_PREFIX": str(libgreet)}
    refused = " ".join(failing_build(project, {**env, "BUILDRS_REPAIR": "check"}, tmp_path).split())
    assert "the wheel needs shared libraries outside the platform policy" in refused
    assert "repair_pkg/_native.abi3.so needs libgreet.so.1" in refused
    wheel, log = pip_wheel_logged(project, tmp_path / "off", {**env, "BUILDRS_REPAIR": "off"})
    assert wheel.name.endswith("-linux_x86_64.whl")
    assert "links libraries no manylinux system provides" in log
    assert "libgreet.so.1" in log


@pytest.mark.parametrize("zig", [False, True], ids=["gcc", "zig"])
def test_a_wheel_that_needs_nothing_is_left_as_it_is(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path, zig: bool
) -> None:
    project = copy_project(CRATES / "abi3")
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace('"setuptools.build_meta"', '"buildrs.build_meta"')
    )
    env = {**build_env, **({"BUILDRS_ZIG": "1"} if zig else {})}
    repaired = pip_wheel(project, tmp_path / "auto", env)
    kept = pip_wheel(project, tmp_path / "off", {**env, "BUILDRS_REPAIR": "off"})
    assert repaired.name == kept.name
    assert repaired.read_bytes() == kept.read_bytes()
    assert ("manylinux_2_17" in repaired.name) == zig
