"""A wheel build reuses what the last one made (``buildrs.wheel.cache``): the whole
wheel when nothing it was built from changed (cargo does not even run), its Python
part when only cargo's sources changed (cargo builds, the SBOM is made anew). These
tests build real wheels with pip and hold the reused wheel to one built anew, file
for file; any other change makes the Python part anew."""

from __future__ import annotations

import ctypes
import json
import shutil
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import pip_wheel_logged, run, wheel_entries

pytestmark = [pytest.mark.integration]

REUSED = "the Python part is the last build's"
KEPT = "the last wheel holds"
SETUPTOOLS = "running egg_info"
DIRECT = "the Python part: buildrs makes it from [project]"
PLANNED = "buildrs: planned the wheel build for"


def wheel(project: Path, out: Path, env: dict[str, str], *extra: str) -> tuple[Path, str]:
    shutil.rmtree(out, ignore_errors=True)
    return pip_wheel_logged(project, out, env, *extra)


def ffi_add(wheel: Path, tmp_path: Path) -> int:
    """``ffi_add(2, 3)`` from the library inside ``wheel``."""
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.startswith("ffi_demo/_ffi")]
        library = Path(archive.extract(name, tmp_path / wheel.stem))
    result: int = ctypes.CDLL(str(library)).ffi_add(2, 3)
    return result


def test_a_rust_edit_reuses_the_last_wheel_and_gives_setuptools_bytes(
    ffi_project: Path, build_env: dict[str, str], tmp_path: Path
) -> None:
    first, log = wheel(ffi_project, tmp_path / "first", build_env)
    assert DIRECT in log and SETUPTOOLS not in log and REUSED not in log
    assert log.count(PLANNED) == 1, "one plan for the metadata and the wheel hooks"
    again, log = wheel(ffi_project, tmp_path / "again", build_env)
    assert log.count(PLANNED) == 1
    assert KEPT in log and "Running `" not in log, "cargo did not run"
    assert SETUPTOOLS not in log, "neither the metadata nor the wheel hook ran setuptools"
    assert again.read_bytes() == first.read_bytes()

    lib = ffi_project / "src" / "lib.rs"
    lib.write_text(lib.read_text().replace("a + b", "a + b + 1"))
    edited, log = wheel(ffi_project, tmp_path / "edited", build_env)
    assert REUSED in log and KEPT not in log and SETUPTOOLS not in log
    assert log.count(PLANNED) == 1
    assert ffi_add(edited, tmp_path) == 6

    env = {**build_env, "BUILDRS_NO_FAST_PATH": "1"}
    rebuilt, log = wheel(ffi_project, tmp_path / "rebuilt", env)
    assert SETUPTOOLS in log and REUSED not in log and DIRECT not in log
    assert log.count(PLANNED) == 1, "setuptools' metadata hook plans nothing"
    assert edited.name == rebuilt.name
    assert wheel_entries(edited) == wheel_entries(rebuilt)


def test_any_other_change_builds_the_wheel_anew(
    ffi_project: Path, build_env: dict[str, str], tmp_path: Path
) -> None:
    isolation = "--no-build-isolation"
    wheel(ffi_project, tmp_path / "first", build_env, isolation)
    init = ffi_project / "ffi_demo" / "__init__.py"
    init.write_text(init.read_text() + "EDITED = True\n")
    (ffi_project / "ffi_demo" / "extra.py").write_text("NEW = 1\n")
    edited, log = wheel(ffi_project, tmp_path / "edited", build_env, isolation)
    assert DIRECT in log and REUSED not in log
    with zipfile.ZipFile(edited) as archive:
        assert "EDITED = True" in archive.read("ffi_demo/__init__.py").decode()
        assert archive.read("ffi_demo/extra.py") == b"NEW = 1\n"

    pyproject = ffi_project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('version = "0.1.0"', 'version = "0.2.0"'))
    bumped, log = wheel(ffi_project, tmp_path / "bumped", build_env, isolation)
    assert DIRECT in log and REUSED not in log
    assert bumped.name.startswith("ffi_demo-0.2.0-")


def test_a_rust_file_the_wheel_ships_is_never_reused(
    ffi_project: Path, build_env: dict[str, str], tmp_path: Path
) -> None:
    """A ``.rs`` file that is both a source of the library and package data."""
    (ffi_project / "ffi_demo" / "bonus.rs").write_text("const BONUS: i64 = 0;\n")
    lib = ffi_project / "src" / "lib.rs"
    text = lib.read_text().replace("a + b", "a + b + BONUS")
    lib.write_text(text + 'include!("../ffi_demo/bonus.rs");\n')
    pyproject = ffi_project / "pyproject.toml"
    data = '\n[tool.setuptools.package-data]\nffi_demo = ["*.rs"]\n'
    pyproject.write_text(pyproject.read_text() + data)
    isolation = "--no-build-isolation"
    wheel(ffi_project, tmp_path / "first", build_env, isolation)
    wheel(ffi_project, tmp_path / "again", build_env, isolation)

    (ffi_project / "ffi_demo" / "bonus.rs").write_text("const BONUS: i64 = 10;\n")
    edited, log = wheel(ffi_project, tmp_path / "edited", build_env, isolation)
    assert REUSED not in log and KEPT not in log
    with zipfile.ZipFile(edited) as archive:
        assert archive.read("ffi_demo/bonus.rs") == b"const BONUS: i64 = 10;\n"
    assert ffi_add(edited, tmp_path) == 15


def test_a_project_with_setup_py_always_runs_it(
    ffi_project: Path, build_env: dict[str, str], tmp_path: Path
) -> None:
    (ffi_project / "setup.py").write_text("from setuptools import setup\nsetup()\n")
    isolation = "--no-build-isolation"
    wheel(ffi_project, tmp_path / "first", build_env, isolation)
    _, log = wheel(ffi_project, tmp_path / "again", build_env, isolation)
    assert "setuptools builds this wheel (setup.py declares the project)" in log
    assert SETUPTOOLS in log and REUSED not in log and KEPT not in log
    assert not (ffi_project / "build" / "buildrs" / "wheel").exists()


def test_a_target_directory_in_the_project_is_not_part_of_the_snapshot(
    ffi_project: Path, build_env: dict[str, str], tmp_path: Path
) -> None:
    """cargo writes no CACHEDIR.TAG into a ``target/`` that already exists; what it
    builds there must not look like a change to the project."""
    (ffi_project / "target").mkdir()
    env = {k: v for k, v in build_env.items() if k != "CARGO_TARGET_DIR"}
    isolation = "--no-build-isolation"
    first, log = wheel(ffi_project, tmp_path / "first", env, isolation)
    assert DIRECT in log
    assert not (ffi_project / "target" / "CACHEDIR.TAG").exists()
    again, log = wheel(ffi_project, tmp_path / "again", env, isolation)
    assert KEPT in log and DIRECT not in log
    assert again.read_bytes() == first.read_bytes()


def test_the_requirement_hook_answers_as_setuptools_without_running_it(
    ffi_project: Path, build_env: dict[str, str]
) -> None:
    code = (
        "import json; from buildrs import build_meta; "
        "print(json.dumps(build_meta.get_requires_for_build_wheel()))"
    )
    env = {**build_env, "BUILDRS_NO_FAST_PATH": "1"}
    by_setuptools = run([sys.executable, "-c", code], cwd=ffi_project, env=env).stdout
    egg_info = [*ffi_project.glob("*.egg-info")]
    assert egg_info, "setuptools' hook runs egg_info"
    for folder in egg_info:
        shutil.rmtree(folder)
    ours = run([sys.executable, "-c", code], cwd=ffi_project, env=build_env).stdout
    # setuptools prints its progress first; the answer is the last line.
    assert json.loads(ours.splitlines()[-1]) == json.loads(by_setuptools.splitlines()[-1])
    assert not [*ffi_project.glob("*.egg-info")], "setuptools ran"
