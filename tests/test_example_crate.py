"""example_crate, built and installed by buildrs through pip, passes its own test
suite, and mypy accepts its stubs against that suite's usage."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import EXAMPLE, Venv, pip_wheel, run

pytestmark = [pytest.mark.integration, pytest.mark.network]


def install_copy(
    tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]
) -> tuple[Venv, Path]:
    """A venv with example_crate installed from a wheel that pip built from a copy."""
    import venv

    build_env = env
    root = tmp_path_factory.mktemp("example")
    project = root / "example_crate"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("target", "*.egg-info", "*.so"))
    env_dir = root / "venv"
    venv.EnvBuilder(with_pip=False, symlinks=True).create(env_dir)
    environment = Venv(env_dir, build_env)
    wheel = pip_wheel(project, root / "dist", build_env)
    environment.pip("install", str(wheel), "pytest", "mypy")
    # The sources must not be importable from the test run: only the installed package.
    shutil.rmtree(project / "python")
    return environment, project


@pytest.fixture(scope="module")
def installed(
    tmp_path_factory: pytest.TempPathFactory, build_env: dict[str, str]
) -> tuple[Venv, Path]:
    """Built with the dev profile, as the rest of the suite."""
    return install_copy(tmp_path_factory, build_env)


def test_example_suite_passes_against_the_release_wheel(
    tmp_path_factory: pytest.TempPathFactory, build_env: dict[str, str]
) -> None:
    """What `pip install ./example_crate` gives a user: the release profile."""
    env = {**build_env, "BUILDRS_PROFILE": "release"}
    environment, project = install_copy(tmp_path_factory, env)
    result = run(
        [str(environment.python), "-m", "pytest", "-p", "no:cacheprovider"],
        cwd=project,
        env=environment.env,
    )
    assert " passed" in result.stdout and " failed" not in result.stdout, result.stdout


def test_example_suite_passes_against_installed_package(installed: tuple[Venv, Path]) -> None:
    environment, project = installed
    result = run(
        [str(environment.python), "-m", "pytest", "-p", "no:cacheprovider"],
        cwd=project,
        env=environment.env,
    )
    assert " passed" in result.stdout and " failed" not in result.stdout, result.stdout
    imported = environment.python_run("import example_crate._native as n; print(n.__file__)")
    assert imported.startswith(str(environment.path)), imported


def test_mypy_accepts_stubs_against_tests(installed: tuple[Venv, Path]) -> None:
    environment, project = installed
    result = run(
        [str(environment.python), "-m", "mypy", "tests"],
        cwd=project,
        env=environment.env,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout


def test_stubs_match_the_compiled_module(installed: tuple[Venv, Path]) -> None:
    """stubtest compares _native.pyi with the module's runtime signatures."""
    environment, project = installed
    result = run(
        [str(environment.python), "-m", "mypy.stubtest", "example_crate._native"],
        cwd=project,
        env=environment.env,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
