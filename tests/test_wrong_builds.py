"""Builds that used to end with exit 0 and a wrong, empty or broken wheel, or a module
built differently than asked: each now does what was asked or stops with an error
that names the fix. Real pip (build isolation on), real cargo, real interpreters."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pytest

from conftest import (
    COMPAT,
    CRATES,
    EXAMPLE,
    SHARED_TARGET,
    CopyProject,
    Venv,
    audit_abi3,
    counting_cargo,
    failing_build,
    find_cpython,
    pip_wheel,
    run,
    with_backend,
)

pytestmark = pytest.mark.integration


def names(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


# 1 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "env"),
    [
        (("-C", "buildrs.cargo-args=--profile fast"), {}),
        ((), {"BUILDRS_CARGO_ARGS": "--locked --profile=fast"}),
    ],
    ids=["config-setting", "environment"],
)
def test_a_profile_in_the_cargo_arguments_is_refused_naming_buildrs_profile(
    copy_project: CopyProject,
    build_env: dict[str, str],
    tmp_path: Path,
    extra: tuple[str, ...],
    env: dict[str, str],
) -> None:
    project = with_backend(copy_project(CRATES / "fastpath"))
    argv = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(tmp_path / "dist")]
    result = run([*argv, *extra, str(project)], env={**build_env, **env}, check=False)
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0
    assert "would change the cargo profile: set it with buildrs.profile" in output
    assert "Traceback" not in output
    assert not list((tmp_path / "dist").glob("*.whl"))


# 2 -----------------------------------------------------------------------------------


def test_develop_is_not_answered_from_its_stamp_when_a_setting_changed(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    """zig and glibc change what develop builds: a changed BUILDRS_ZIG or BUILDRS_GLIBC
    is a new build, while the same settings again are answered without cargo."""
    project = copy_project(CRATES / "fastpath")
    wrapper, log = counting_cargo(tmp_path)
    # A target directory of its own: test_develop counts the cargo runs of this crate.
    env = {**build_env, "CARGO": str(wrapper), "CARGO_TARGET_DIR": str(tmp_path / "target")}
    env.pop("BUILDRS_PROFILE")

    def develop(**extra: str) -> str:
        argv = [sys.executable, "-m", "buildrs", "develop", str(project)]
        return run(argv, env={**env, **extra}).stdout

    assert "(dev, built)" in develop()
    assert "(dev, up to date)" in develop()
    runs = len(log.read_text().splitlines())
    assert "(dev, built)" in develop(BUILDRS_ZIG="1")
    assert len(log.read_text().splitlines()) > runs, "cargo-zigbuild ran no cargo"
    assert "(dev, up to date)" in develop(BUILDRS_ZIG="1")
    assert "(dev, built)" in develop(BUILDRS_ZIG="1", BUILDRS_GLIBC="2.28")
    assert "(dev, up to date)" in develop(BUILDRS_ZIG="1", BUILDRS_GLIBC="2.28")
    assert "(dev, built)" in develop()


# 3 and 4 -----------------------------------------------------------------------------


@pytest.mark.network
@pytest.mark.multi_python
@pytest.mark.parametrize("declared", ["auto", "True"])
def test_py_limited_api_builds_a_real_abi3_module_for_the_wheels_floor(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path, declared: str
) -> None:
    """`[bdist_wheel] py_limited_api = cp39` with `py_limited_api="auto"` or `True` on a
    crate without pyo3's abi3 features: pyo3 is built with abi3-py39, so the cp39-abi3
    wheel imports on 3.9 and on 3.13."""
    pythons = [find_cpython(9), find_cpython(13)]
    if None in pythons:
        pytest.skip("CPython 3.9 and 3.13 are needed (pyenv install 3.9 3.13)")
    project = copy_project(COMPAT / "limited")
    setup = project / "setup.py"
    text = setup.read_text()
    if declared == "True":
        text = text.replace(
            'RustExtension("limited_pkg._limited")',
            'RustExtension("limited_pkg._limited", py_limited_api=True)',
        )
        assert "py_limited_api=True" in text
    setup.write_text(text)
    wheel = pip_wheel(project, tmp_path / "dist", build_env)
    assert "-cp39-abi3-" in wheel.name
    assert "limited_pkg/_limited.abi3.so" in names(wheel)
    audit_abi3(wheel, "3.9")
    for python in pythons:
        assert python is not None
        target = tmp_path / f"venv-{Path(python).name}"
        run([python, "-m", "venv", str(target)])
        run(
            [str(target / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)],
            env=build_env,
        )
        code = "from limited_pkg import _limited; print(_limited.version())"
        out = run([str(target / "bin" / "python"), "-c", code], cwd=tmp_path)
        assert out.stdout.strip() == Path(python).name.removeprefix("python")


# 5 -----------------------------------------------------------------------------------


@pytest.mark.network
def test_rebuild_on_import_keeps_the_profile_of_the_last_build(
    copy_project: CopyProject, fresh_venv: Venv, buildrs_wheel: Path, tmp_path: Path
) -> None:
    """`develop --release`, then an import: nothing changed, so nothing is rebuilt and
    the release module stays; after an edit, the import rebuilds it in release too."""
    project = copy_project(EXAMPLE)
    wrapper, log = counting_cargo(tmp_path)
    env = {**fresh_venv.env, "CARGO": str(wrapper)}
    env.pop("BUILDRS_PROFILE")
    fresh_venv.env = env
    fresh_venv.pip("install", str(buildrs_wheel))
    fresh_venv.pip("install", "-e", str(project))
    python = str(fresh_venv.python)
    developed = run([python, "-m", "buildrs", "develop", str(project), "--release"], env=env)
    assert "(release, built)" in developed.stdout

    def module_builds() -> list[str]:
        return [line for line in log.read_text().splitlines() if line.startswith("rustc --lib")]

    built = module_builds()
    assert "--release" in built[-1]
    code = "import example_crate as e; print(e.sum_as_string(1, 2))"
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    assert run([python, "-c", code], cwd=cwd, env=env).stdout == "3\n"
    assert module_builds() == built, "an unchanged import rebuilt the module"

    source = project / "src" / "python" / "mod.rs"
    text = source.read_text()
    source.write_text(text.replace("Ok((a + b).to_string())", 'Ok(format!("{}.", a + b))'))
    assert run([python, "-c", code], cwd=cwd, env=env).stdout == "3.\n"
    rebuilt = module_builds()
    assert len(rebuilt) == len(built) + 1
    assert "--release" in rebuilt[-1], rebuilt[-1]


# 6 and 7 -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "words"),
    [
        (
            "setuptools-rust",
            "rename [tool.setuptools-rust] to [tool.buildrs] and "
            "[[tool.setuptools-rust.ext-modules]] to [[tool.buildrs.ext-modules]]",
        ),
        ("buidrs", "[tool.buidrs] is not a table buildrs reads — did you mean [tool.buildrs]?"),
    ],
)
def test_targets_in_a_table_buildrs_does_not_read_stop_the_build(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path, table: str, words: str
) -> None:
    project = copy_project(CRATES / "fastpath")
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("tool.buildrs.", f"tool.{table}."))
    output = failing_build(project, build_env, tmp_path)
    assert words in " ".join(output.split())


def test_a_misspelt_package_stops_the_build_and_a_namespace_package_still_builds(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    project = copy_project(CRATES / "fastpath")
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"fast_pkg._fast"', '"fastpkg._fast"'))
    output = " ".join(failing_build(project, build_env, tmp_path).split())
    assert (
        "target 'fastpkg._fast' names the package 'fastpkg', which is not in the project, "
        "but 'fast_pkg' is — did you mean 'fast_pkg._fast'?"
    ) in output

    pyproject.write_text(pyproject.read_text().replace('"fastpkg._fast"', '"native_only._fast"'))
    own = {**build_env, "CARGO_TARGET_DIR": str(tmp_path / "target")}
    wheel = pip_wheel(project, tmp_path / "ns", own)
    assert "native_only/_fast" in " ".join(names(wheel))


# 8 -----------------------------------------------------------------------------------


@pytest.mark.network
def test_setuptools_rust_left_in_setup_requires_is_named(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    """setuptools runs every installed plugin's rust_extensions hook; with setuptools-rust
    still in setup_requires both would build, so the build stops at that line."""
    project = copy_project(COMPAT / "limited")
    setup = project / "setup.py"
    text = setup.read_text()
    setup.write_text(
        text.replace(
            '    packages=["limited_pkg"],',
            '    packages=["limited_pkg"],\n    setup_requires=["setuptools-rust"],',
        )
    )
    output = " ".join(failing_build(project, build_env, tmp_path).split())
    line = next(
        number
        for number, text in enumerate(setup.read_text().splitlines(), 1)
        if "setup_requires" in text
    )
    assert f"setup.py:{line}: setuptools" in output
    assert "would be built twice" in output
    assert "AttributeError" not in output


# 9 -----------------------------------------------------------------------------------


@pytest.mark.network
def test_build_scripts_run_the_builds_own_python_with_its_requirements(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    """A build script that runs $PYO3_PYTHON (as cryptography's runs cffi) sees the
    packages the project's [build-system] requires, not the host's, on a Python that
    has the package installed globally and on one that does not."""
    for minor in (11, 12):
        python = find_cpython(minor)
        if python is None:
            pytest.skip(f"CPython 3.{minor} is needed")
        project = copy_project(CRATES / "buildpython", f"buildpython-{minor}")
        builder = tmp_path / f"builder-{minor}"
        run([python, "-m", "venv", str(builder)])
        pip = [str(builder / "bin" / "python"), "-m", "pip"]
        out = tmp_path / f"dist-{minor}"
        # One target directory per version, as in test_interpreters: pyo3 differs.
        target = SHARED_TARGET if minor == 11 else SHARED_TARGET.parent / f"cpython3{minor}"
        env = {**build_env, "CARGO_TARGET_DIR": str(target)}
        run([*pip, "wheel", "-q", "--no-deps", "-w", str(out), str(project)], env=env)
        (wheel,) = out.glob("*.whl")
        site = tmp_path / f"site-{minor}"
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(site)
        code = "from buildpython_pkg import _native; print(_native.packaging_version())"
        version = run([python, "-c", code], cwd=site).stdout.strip()
        assert version == "23.2"


# 10 ----------------------------------------------------------------------------------


@pytest.mark.network
def test_an_editable_import_never_fails_because_of_the_finder(
    copy_project: CopyProject, fresh_venv: Venv, buildrs_wheel: Path, tmp_path: Path
) -> None:
    """With warnings as errors, and buildrs uninstalled from the environment, importing
    the editable project still works; BUILDRS_REBUILD=0 keeps the finder silent."""
    project = copy_project(EXAMPLE)
    fresh_venv.pip("install", str(buildrs_wheel))
    fresh_venv.pip("install", "-e", str(project))
    fresh_venv.pip("uninstall", "-y", "buildrs")
    source = project / "src" / "python" / "mod.rs"
    source.write_text(source.read_text() + "\n// changed\n")
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    code = "import example_crate as e; print(e.sum_as_string(20, 22))"
    python = str(fresh_venv.python)
    loud = run([python, "-W", "error", "-c", code], cwd=cwd, env=fresh_venv.env)
    assert loud.stdout == "42\n"
    assert "buildrs is not installed in this environment" in loud.stderr
    quiet = run(
        [python, "-W", "error", "-c", code],
        cwd=cwd,
        env={**fresh_venv.env, "BUILDRS_REBUILD": "0"},
    )
    assert (quiet.stdout, quiet.stderr) == ("42\n", "")
