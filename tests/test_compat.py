"""setuptools-rust projects build with buildrs after changing only the import (or
the table's name): one small project under tests/compat/ for each behaviour,
built with real pip and cargo, installed and run."""

from __future__ import annotations

import platform
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

from conftest import (
    COMPAT,
    EXT_SUFFIX,
    CopyProject,
    Venv,
    audit_abi3,
    failing_build,
    find_cpython,
    pip_wheel,
    pip_wheel_logged,
    run,
)

pytestmark = pytest.mark.integration

TAG = f"cp{sys.version_info[0]}{sys.version_info[1]}"
HOST_TRIPLE = "x86_64-unknown-linux-gnu"
on_x86_64_linux = pytest.mark.skipif(
    not (sys.platform.startswith("linux") and platform.machine() == "x86_64"),
    reason=f"builds for {HOST_TRIPLE}, the triple of this machine's CI",
)


def names(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


def without_profile(env: dict[str, str]) -> dict[str, str]:
    """The suite forces the dev profile; tests about profiles take that away."""
    return {k: v for k, v in env.items() if k != "BUILDRS_PROFILE"}


def setup_py(project: Path, env: dict[str, str], *args: str, check: bool = True) -> str:
    result = run([sys.executable, "setup.py", *args], cwd=project, env=env, check=check)
    return result.stdout + result.stderr


# 1 -----------------------------------------------------------------------------------


@pytest.mark.network
def test_pymodule_name_not_lib_name_decides(
    copy_project: CopyProject, fresh_venv: Venv, build_env: dict[str, str], tmp_path: Path
) -> None:
    """`[lib] name = "pkg_rust"` with `#[pymodule] fn rust` and target `pkg.rust`."""
    project = copy_project(COMPAT / "libname")
    wheel = pip_wheel(project, tmp_path / "dist", build_env)
    assert f"libname_pkg/rust{EXT_SUFFIX}" in names(wheel)
    fresh_venv.pip("install", str(wheel))
    assert fresh_venv.python_run("from libname_pkg import rust; print(rust.triple(14))") == "42\n"


@pytest.mark.network
def test_module_that_would_not_import_fails_the_build(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    """The exported PyInit_ symbol is read from the built library: a target whose last
    part is not the #[pymodule] name is an error at build time, naming the fix."""
    project = copy_project(COMPAT / "libname")
    setup = project / "setup.py"
    setup.write_text(setup.read_text().replace('"libname_pkg.rust"', '"libname_pkg.other"'))
    output = failing_build(project, build_env, tmp_path)
    assert (
        "RustExtension('libname_pkg.other'): the module is installed as "
        f"'other{EXT_SUFFIX}', so Python will call PyInit_other() to load it, but it exports "
        "the init function of 'rust' instead. Name the #[pymodule] function other (or add "
        "#[pyo3(name = \"other\")] to it), or change the target to 'libname_pkg.rust'."
    ) in " ".join(output.split())


# 2 -----------------------------------------------------------------------------------


def test_profile_in_args_decides_and_env_overrides(
    copy_project: CopyProject, fresh_venv: Venv, build_env: dict[str, str], tmp_path: Path
) -> None:
    project = copy_project(COMPAT / "profiles")
    env = without_profile(build_env)
    wheel, output = pip_wheel_logged(project, tmp_path / "a", env)
    assert "building profiles_pkg._answer (dist profile)" in output
    assert "building profile-of (release profile)" in output
    assert "--profile dist" in output and "--release --profile" not in output
    fresh_venv.pip("install", str(wheel))
    assert run([str(fresh_venv.bin / "profile-of")]).stdout == "optimized\n"
    assert fresh_venv.python_run("import profiles_pkg; print(profiles_pkg.answer())") == "2\n"

    # setuptools-rust's variable overrides the profile in args, for bins too.
    env["SETUPTOOLS_RUST_CARGO_PROFILE"] = "dev"
    wheel, output = pip_wheel_logged(project, tmp_path / "b", env)
    assert "building profiles_pkg._answer (dev profile)" in output
    assert "building profile-of (dev profile)" in output
    fresh_venv.pip("install", "--force-reinstall", str(wheel))
    assert run([str(fresh_venv.bin / "profile-of")]).stdout == "debug\n"


# 3 -----------------------------------------------------------------------------------


@pytest.mark.network
@pytest.mark.multi_python
def test_bdist_wheel_py_limited_api_builds_abi3_for_other_pythons(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    """`[bdist_wheel] py_limited_api = cp39` in setup.cfg: pyo3 built with abi3-py39,
    the module named .abi3.so, the wheel tagged cp39-abi3 and importable on 3.12."""
    python312 = find_cpython(12)
    if python312 is None:
        pytest.skip("CPython 3.12 is not installed here (pyenv install 3.12)")
    project = copy_project(COMPAT / "limited")
    wheel = pip_wheel(project, tmp_path / "dist", build_env)
    assert wheel.name.endswith("-cp39-abi3-" + wheel.name.rsplit("-", 1)[1])
    assert "limited_pkg/_limited.abi3.so" in names(wheel)
    audit_abi3(wheel, "3.9")
    target = tmp_path / "venv312"
    run([python312, "-m", "venv", str(target)])
    run([str(target / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)], env=build_env)
    out = run(
        [
            str(target / "bin" / "python"),
            "-c",
            "from limited_pkg import _limited; print(_limited.version())",
        ],
        cwd=tmp_path,
    )
    assert out.stdout == "3.12\n"


def test_bdist_wheel_py_limited_api_from_the_command_line(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    project = copy_project(COMPAT / "cliopts")
    setup_py(project, build_env, "bdist_wheel", "--py-limited-api=cp310", "-d", str(tmp_path / "d"))
    (wheel,) = (tmp_path / "d").glob("*.whl")
    assert "-cp310-abi3-" in wheel.name
    assert "cliopts_pkg/_cli.abi3.so" in names(wheel)
    audit_abi3(wheel, "3.10")


@pytest.mark.parametrize(
    ("declared", "message"),
    [
        (
            "py_limited_api=False",
            f"cliopts_pkg/_cli{EXT_SUFFIX} is built for one Python version only, but the "
            "wheel is tagged cp39-abi3-",
        ),
        (
            'py_limited_api="cp311"',
            "cliopts_pkg/_cli.abi3.so needs the stable ABI of Python 3.11 or newer, but the "
            "wheel is tagged cp39-abi3-",
        ),
    ],
)
def test_wheel_whose_modules_do_not_match_its_tag_is_never_written(
    copy_project: CopyProject,
    build_env: dict[str, str],
    tmp_path: Path,
    declared: str,
    message: str,
) -> None:
    project = copy_project(COMPAT / "cliopts")
    setup = project / "setup.py"
    setup.write_text(
        setup.read_text().replace(
            "binding=Binding.NoBinding", f"binding=Binding.NoBinding, {declared}"
        )
    )
    output = setup_py(
        project,
        build_env,
        "bdist_wheel",
        "--py-limited-api=cp39",
        "-d",
        str(tmp_path / "d"),
        check=False,
    )
    assert "the wheel was not written" in output
    assert message in output
    assert "Traceback" not in output
    assert not (tmp_path / "d").exists() or not list((tmp_path / "d").glob("*.whl"))


# 4 -----------------------------------------------------------------------------------


def test_rust_version_specifiers(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    project = copy_project(COMPAT / "rustversion")
    assert pip_wheel(project, tmp_path / "ok", build_env).name.startswith("rustversion_pkg-")
    output = failing_build(project, {**build_env, "FIXTURE_RUST_VERSION": "~=1.20.0"}, tmp_path)
    assert "RustExtension('rustversion_pkg._rv') needs rustc ~=1.20.0, but rustc is 1." in output


# 5 -----------------------------------------------------------------------------------


def test_exec_binaries_with_console_scripts(
    copy_project: CopyProject, fresh_venv: Venv, build_env: dict[str, str], tmp_path: Path
) -> None:
    """`RustExtension({"hello": "pkg.hello", ...}, binding=Binding.Exec, script=True)`:
    every binary inside the package, and a console script that runs each."""
    project = copy_project(COMPAT / "execscripts")
    wheel = pip_wheel(project, tmp_path / "dist", build_env)
    content = names(wheel)
    for name in (
        "exec_pkg/hello",
        "exec_pkg/hello_two",
        "exec_pkg/_gen_hello.py",
        "exec_pkg/_gen_hello_two.py",
    ):
        assert name in content, name
    fresh_venv.pip("install", str(wheel))
    assert run([str(fresh_venv.bin / "hello"), "from", "rust"]).stdout == "hello from rust\n"
    assert run([str(fresh_venv.bin / "hello_two")]).stdout == "second binary\n"


# 6 -----------------------------------------------------------------------------------


def test_inplace_default_never_leaks_into_a_wheel(
    copy_project: CopyProject, fresh_venv: Venv, build_env: dict[str, str], tmp_path: Path
) -> None:
    """`[tool.distutils.build_rust] inplace = true` is for `setup.py build_rust`; a wheel
    build always builds into the build tree, as setuptools-rust does."""
    project = copy_project(COMPAT / "inplacedefault")
    wheel = pip_wheel(project, tmp_path / "dist", build_env)
    assert f"inplace_pkg/_inplace{EXT_SUFFIX}" in names(wheel)
    assert not list((project / "inplace_pkg").glob("_inplace*"))
    fresh_venv.pip("install", str(wheel))
    assert fresh_venv.python_run("import inplace_pkg; print(inplace_pkg.answer())") == "6\n"


# 7 -----------------------------------------------------------------------------------


def test_no_rust_targets_give_a_pure_wheel(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    project = copy_project(COMPAT / "notargets")
    assert pip_wheel(project, tmp_path / "a", build_env).name.endswith("-py3-none-any.whl")
    (project / "setup.py").unlink()
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=70", "buildrs"]\n'
        'build-backend = "setuptools.build_meta"\n\n'
        '[project]\nname = "notargets-pkg"\nversion = "0.1.0"\n\n'
        '[tool.setuptools]\npackages = ["notargets_pkg"]\n\n'
        "[tool.buildrs]\next-modules = []\n"
    )
    assert pip_wheel(project, tmp_path / "b", build_env).name.endswith("-py3-none-any.whl")


# 8 -----------------------------------------------------------------------------------


def test_sdist_vendor_crates(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    """setuptools-rust's `sdist --vendor-crates` vendors, as `--vendor` does (which the
    packaging tests build offline); `--no-vendor-crates` does not."""
    project = copy_project(COMPAT / "cliopts")
    output = setup_py(project, build_env, "sdist", "--vendor-crates", "-d", str(tmp_path / "a"))
    assert "cargo vendor --manifest-path" in output
    (sdist,) = (tmp_path / "a").glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        assert "cliopts_pkg-0.1.0/.cargo/config.toml" in archive.getnames()
    output = setup_py(project, build_env, "sdist", "--no-vendor-crates", "-d", str(tmp_path / "b"))
    assert "cargo vendor" not in output


@on_x86_64_linux
@pytest.mark.parametrize(
    "how",
    [
        ["build_rust", f"--target={HOST_TRIPLE}", "bdist_wheel"],
        ["bdist_wheel", f"--target={HOST_TRIPLE}"],
        ["build_ext", f"--target={HOST_TRIPLE}", "bdist_wheel"],
        "CARGO_BUILD_TARGET",
    ],
    ids=["build_rust", "bdist_wheel", "build_ext", "env"],
)
def test_target_triple_builds_and_tags_the_wheel(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path, how: list[str] | str
) -> None:
    project = copy_project(COMPAT / "cliopts")
    out = tmp_path / "dist"
    if how == "CARGO_BUILD_TARGET":
        wheel = pip_wheel(project, out, {**build_env, "CARGO_BUILD_TARGET": HOST_TRIPLE})
    else:
        output = setup_py(project, build_env, *how, "-d", str(out))
        assert f"--target {HOST_TRIPLE}" in output
        (wheel,) = out.glob("*.whl")
    platform_tag = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    assert wheel.name == f"cliopts_pkg-0.1.0-{TAG}-{TAG}-{platform_tag}.whl"
    assert f"cliopts_pkg/_cli{EXT_SUFFIX}" in names(wheel)


def test_qbuild_build_temp_and_clean(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    """`build_rust --qbuild --build-temp DIR` (here from setup.cfg) builds quietly into
    DIR; `setup.py clean` removes this crate's output from it and nothing else."""
    project = copy_project(COMPAT / "cliopts")
    target_dir = tmp_path / "cargo-target"
    (project / "setup.cfg").write_text(f"[build_rust]\nqbuild = 1\nbuild_temp = {target_dir}\n")
    output = setup_py(project, build_env, "build_rust", "--inplace")
    assert "Compiling cliopts" not in output
    assert list(target_dir.glob("debug/lib_cli.so")), sorted(target_dir.rglob("*"))
    assert list((project / "cliopts_pkg").glob("_cli*"))
    other = target_dir / "debug" / "other-project-file"
    other.write_text("not cargo's to remove")
    output = setup_py(project, build_env, "clean")
    assert "running clean_rust" in output
    assert not list(target_dir.glob("debug/lib_cli.so"))
    assert other.read_text() == "not cargo's to remove"


# 9 -----------------------------------------------------------------------------------


def test_setuptools_rust_pyproject_spellings(
    copy_project: CopyProject, fresh_venv: Venv, build_env: dict[str, str], tmp_path: Path
) -> None:
    project = copy_project(COMPAT / "spellings")
    fresh_venv.pip("install", str(pip_wheel(project, tmp_path / "dist", build_env)))
    assert fresh_venv.python_run("import spellings_pkg; print(spellings_pkg.answer())") == "9\n"


def test_namespace_package(
    copy_project: CopyProject, fresh_venv: Venv, build_env: dict[str, str], tmp_path: Path
) -> None:
    """`nsroot.inner._ns`, where `nsroot` is a namespace package (no __init__.py)."""
    project = copy_project(COMPAT / "namespace")
    wheel = pip_wheel(project, tmp_path / "dist", build_env)
    assert {"nsroot/inner/__init__.py", f"nsroot/inner/_ns{EXT_SUFFIX}"} <= set(names(wheel))
    fresh_venv.pip("install", str(wheel))
    assert fresh_venv.python_run("import nsroot.inner as i; print(i.answer())") == "11\n"
