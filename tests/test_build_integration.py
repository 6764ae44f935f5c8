"""Real builds: real pip (with build isolation), real cargo, real imports."""

from __future__ import annotations

import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from conftest import (
    CRATES,
    EXAMPLE,
    EXT_SUFFIX,
    SHARED_TARGET,
    CopyProject,
    Venv,
    counting_cargo,
    failing_build,
    pip_wheel,
    pip_wheel_logged,
    run,
)

pytestmark = pytest.mark.integration

TAG = f"cp{sys.version_info[0]}{sys.version_info[1]}"


@pytest.mark.network
def test_example_wheel_is_tagged_installs_and_imports(
    copy_project: CopyProject, fresh_venv: Venv, build_env: dict[str, str], tmp_path: Path
) -> None:
    project = copy_project(EXAMPLE)
    wheel = pip_wheel(project, tmp_path / "dist", build_env)
    platform_tag = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    assert wheel.name == f"example_crate-0.1.0-{TAG}-{TAG}-{platform_tag}.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        wheel_meta = archive.read("example_crate-0.1.0.dist-info/WHEEL").decode()
    assert f"example_crate/_native{EXT_SUFFIX}" in names
    assert "example_crate/__init__.py" in names
    assert "Root-Is-Purelib: false" in wheel_meta
    fresh_venv.pip("install", str(wheel))
    out = fresh_venv.python_run("import example_crate; print(example_crate.sum_as_string(5, 20))")
    assert out.strip() == "25"


@pytest.mark.network
def test_front_ends_share_one_pyo3_build(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    """pip (its own interpreter plus an overlay), `python -m build` and `uv build` (a
    new virtual environment each) in any order: pyo3 compiles at most once, in the
    first build, never when the front end changes. (The kept wheel is off, so that
    cargo runs every time.)"""
    project = copy_project(EXAMPLE)
    env = {**build_env, "UV_FIND_LINKS": build_env["PIP_FIND_LINKS"]}
    env["CARGO_TARGET_DIR"] = str(tmp_path / "target")
    env["BUILDRS_NO_WHEEL_CACHE"] = "1"
    uv = Path(sys.executable).with_name("uv")
    front_ends = {
        "pip": [sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "-w"],
        "build": [sys.executable, "-m", "build", "--wheel", "--outdir"],
        "uv": [str(uv), "build", "--wheel", "-v", "--out-dir"],
    }
    logs = []
    for index, name in enumerate(["pip", "build", "uv", "pip", "uv", "build"]):
        out = tmp_path / f"dist{index}"
        result = run([*front_ends[name], str(out), str(project)], env=env)
        logs.append((name, result.stdout + result.stderr))
        (wheel,) = out.glob("*.whl")
        with zipfile.ZipFile(wheel) as archive:
            assert f"example_crate/_native{EXT_SUFFIX}" in archive.namelist()
    assert "Compiling pyo3 " in logs[0][1]
    for name, log in logs[1:]:
        assert "buildrs: building example_crate._native" in log, name
        assert "Compiling pyo3 " not in log, name


@pytest.mark.network
def test_editable_install_builds_in_place(
    copy_project: CopyProject, fresh_venv: Venv, build_env: dict[str, str]
) -> None:
    project = copy_project(EXAMPLE)
    fresh_venv.pip("install", "-e", str(project))
    built = project / "python" / "example_crate" / f"_native{EXT_SUFFIX}"
    assert built.is_file()
    out = fresh_venv.python_run(
        "import example_crate, example_crate._native as n; "
        "print(n.__file__); print(example_crate.sum_as_string(2, 3))"
    )
    assert out.split() == [str(built), "5"]


@pytest.mark.network
def test_setup_py_build_ext_inplace(copy_project: CopyProject, build_env: dict[str, str]) -> None:
    project = copy_project(CRATES / "setuppy")
    result = run([sys.executable, "setup.py", "build_ext", "--inplace"], cwd=project, env=build_env)
    assert "running build_rust" in result.stdout + result.stderr
    built = project / "setuppy_pkg" / f"_ext{EXT_SUFFIX}"
    assert built.is_file()
    out = run(
        [sys.executable, "-c", "import setuppy_pkg; print(setuppy_pkg.double(21))"],
        cwd=project,
        env=build_env,
    )
    assert out.stdout.strip() == "42"


@pytest.mark.network
def test_setup_py_project_wheel_through_pip(
    copy_project: CopyProject, fresh_venv: Venv, build_env: dict[str, str], tmp_path: Path
) -> None:
    project = copy_project(CRATES / "setuppy")
    wheel = pip_wheel(project, tmp_path / "dist", build_env)
    fresh_venv.pip("install", str(wheel))
    assert fresh_venv.python_run("import setuppy_pkg; print(setuppy_pkg.double(4))").strip() == "8"


def without_checkout_rebuilds(calls: list[str]) -> list[str]:
    """cargo's calls less each ``clean -p`` and the repeat of the build before it: in a
    shared target directory, another checkout's artifact reported fresh is cleaned and
    built again, by design (see docs/troubleshooting.md). The SBOM's ``metadata`` runs
    may come between the build and its clean: they start with the build."""
    kept: list[str] = []
    for i, call in enumerate(calls):
        if call.startswith("clean "):
            builds = [c for c in calls[:i] if not c.startswith(("metadata", "-vV"))]
            assert i + 1 < len(calls) and builds and calls[i + 1] == builds[-1], calls
            continue
        if i > 0 and calls[i - 1].startswith("clean "):
            continue
        kept.append(call)
    return kept


@pytest.mark.network
def test_cargo_runs_once_per_build(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    """Each pyproject-declared target is built by exactly one cargo process (the SBOM
    asks `cargo metadata` too), and a second build of the same tree compiles nothing:
    the module and the binary, built with different features, keep apart."""
    project = copy_project(EXAMPLE)
    wrapper, log = counting_cargo(tmp_path)
    env = {**build_env, "CARGO": str(wrapper)}
    pip_wheel(project, tmp_path / "dist", env)
    calls = without_checkout_rebuilds(log.read_text().splitlines())
    calls = sorted(c for c in calls if not c.startswith(("metadata", "-vV")))
    # One process for the extension module, one for the command line tool.
    assert len(calls) == 2, calls
    assert calls[0].startswith("build --bin example-wc --message-format=json-render-diagnostics")
    assert f"--target-dir {SHARED_TARGET / 'buildrs-bin'}" in calls[0]
    assert calls[1].startswith("rustc --lib --message-format=json-render-diagnostics")
    _, again = pip_wheel_logged(project, tmp_path / "again", env)
    assert "Compiling" not in again, again


def test_nobinding_cdylib_bin_and_generated_file(
    copy_project: CopyProject, fresh_venv: Venv, build_env: dict[str, str], tmp_path: Path
) -> None:
    project = copy_project(CRATES / "ffi")
    wheel = pip_wheel(project, tmp_path / "dist", build_env)
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert f"ffi_demo/_ffi{EXT_SUFFIX}" in names
    assert "ffi_demo/build_info.txt" in names
    assert "ffi_demo-0.1.0.data/scripts/ffi-hello" in names
    fresh_venv.pip("install", str(wheel))
    out = fresh_venv.python_run(
        "import ffi_demo; print(ffi_demo.add(40, 2), ffi_demo.build_info())"
    )
    assert out.strip() == "42 ffi-demo 0.1.0"
    hello = run([str(fresh_venv.bin / "ffi-hello"), "pip"])
    assert hello.stdout.strip() == "hello, pip, from rust"


def test_clean_rust_cleans_only_the_declared_crates(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    """A target directory shared with other projects keeps their files."""
    project = copy_project(CRATES / "ffi")
    own_target = tmp_path / "own-target"
    env = {**build_env, "CARGO_TARGET_DIR": str(own_target)}
    (project / "setup.py").write_text("from setuptools import setup\nsetup()\n")
    run([sys.executable, "setup.py", "build_rust", "--inplace"], cwd=project, env=env)
    binaries = own_target / "buildrs-bin" / "debug"
    built = [own_target / "debug" / "lib_ffi.so", binaries / "ffi-hello"]
    assert all(path.is_file() for path in built)
    others = own_target / "debug" / "deps" / "libsomeone_else.rlib"
    others.write_text("another project's build")
    run([sys.executable, "setup.py", "clean_rust"], cwd=project, env=env)
    assert not any(path.exists() for path in built)
    assert others.read_text() == "another project's build"


# --- failures: one clear paragraph, never a traceback or cargo's JSON -----------------


def test_compile_error_shows_rustc_diagnostics(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    project = copy_project(CRATES / "ffi")
    lib = project / "src" / "lib.rs"
    lib.write_text(lib.read_text().replace("a + b", "a + undefined_name"))
    output = failing_build(project, build_env, tmp_path)
    assert "error[E0425]: cannot find value `undefined_name` in this scope" in output
    assert "failed with exit code 101" in output


def test_missing_cargo_explains_how_to_install(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    project = copy_project(CRATES / "ffi")
    env = {**build_env, "CARGO": str(tmp_path / "no-such-cargo")}
    output = failing_build(project, env, tmp_path)
    assert "cargo was not found" in output
    assert "rustup" in output
    assert "CARGO environment variable" in output


def test_unknown_config_key_suggests_fix(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    project = copy_project(CRATES / "ffi")
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace('binding = "NoBinding"', 'bindng = "NoBinding"')
    )
    output = failing_build(project, build_env, tmp_path)
    assert "unknown key 'bindng' — did you mean 'binding'?" in output


def test_source_tree_is_left_clean_by_pip_wheel(
    build_env: dict[str, str], tmp_path: Path, copy_project: CopyProject
) -> None:
    """Building a wheel writes no extension module into the sources."""
    project = copy_project(CRATES / "ffi")
    pip_wheel(project, tmp_path / "dist", build_env)
    assert not list((project / "ffi_demo").glob("_ffi*"))


def test_optional_target_that_fails_is_skipped_with_a_warning(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    project = copy_project(CRATES / "ffi")
    broken = project / "broken"
    (broken / "src").mkdir(parents=True)
    (broken / "Cargo.toml").write_text(
        '[package]\nname = "broken"\nversion = "0.1.0"\nedition = "2021"\n\n'
        '[lib]\nname = "_broken"\ncrate-type = ["cdylib"]\n\n[workspace]\n'
    )
    (broken / "src" / "lib.rs").write_text("this is not rust\n")
    with (project / "pyproject.toml").open("a") as pyproject:
        pyproject.write(
            '\n[[tool.buildrs.ext-modules]]\ntarget = "ffi_demo._broken"\n'
            'path = "broken/Cargo.toml"\nbinding = "NoBinding"\noptional = true\n'
        )
    result = run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-v",
            "--no-deps",
            "-w",
            str(tmp_path / "dist"),
            str(project),
        ],
        env=build_env,
    )
    assert "optional target ffi_demo._broken was not built" in result.stdout + result.stderr
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert f"ffi_demo/_ffi{EXT_SUFFIX}" in names
    assert not [n for n in names if "_broken" in n]
    # pip shows no output of a build that succeeds: the wheel records what was skipped.
    with zipfile.ZipFile(wheel) as archive:
        note = archive.read("ffi_demo-0.1.0.dist-info/buildrs-skipped.txt").decode()
    assert note.startswith("Optional Rust targets that failed to build:\nffi_demo._broken: `")
    assert "failed with exit code 101" in note


def test_rust_version_is_checked_against_real_rustc() -> None:
    from buildrs.compile.cargo import check_rust_version
    from buildrs.errors import ConfigError

    check_rust_version("1.56", "RustExtension('a._b')")
    with pytest.raises(
        ConfigError, match=r"RustExtension\('a._b'\) needs rustc >=99.0, but rustc is 1\.\d+"
    ):
        check_rust_version("99.0", "RustExtension('a._b')")
    with pytest.raises(ConfigError, match=r"'latest' is not a rustc version requirement"):
        check_rust_version("latest", "RustExtension('a._b')")


@pytest.mark.network
def test_build_ext_builds_c_extensions_then_rust(
    copy_project: CopyProject, build_env: dict[str, str]
) -> None:
    project = copy_project(CRATES / "setuppy")
    (project / "setuppy_pkg" / "_cmod.c").write_text(
        "#include <Python.h>\n"
        "static PyObject *triple(PyObject *self, PyObject *arg) {\n"
        "    long value = PyLong_AsLong(arg);\n"
        "    if (value == -1 && PyErr_Occurred()) return NULL;\n"
        "    return PyLong_FromLong(3 * value);\n"
        "}\n"
        'static PyMethodDef methods[] = {{"triple", triple, METH_O, NULL},\n'
        "                                {NULL, NULL, 0, NULL}};\n"
        'static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_cmod", NULL, -1, methods};\n'
        "PyMODINIT_FUNC PyInit__cmod(void) { return PyModule_Create(&module); }\n"
    )
    setup = project / "setup.py"
    setup.write_text(
        setup.read_text()
        .replace("from setuptools import setup", "from setuptools import Extension, setup")
        .replace(
            "    rust_extensions=",
            '    ext_modules=[Extension("setuppy_pkg._cmod", ["setuppy_pkg/_cmod.c"])],\n'
            "    rust_extensions=",
        )
    )
    result = run([sys.executable, "setup.py", "build_ext", "--inplace"], cwd=project, env=build_env)
    log = result.stdout + result.stderr
    assert log.index("building 'setuppy_pkg._cmod' extension") < log.index("running build_rust")
    out = run(
        [
            sys.executable,
            "-c",
            "from setuppy_pkg import _cmod, double; print(_cmod.triple(2), double(2))",
        ],
        cwd=project,
        env=build_env,
    )
    assert out.stdout.split() == ["6", "4"]


def test_modules_of_one_workspace_are_built_by_one_cargo_run(
    copy_project: CopyProject, fresh_venv: Venv, build_env: dict[str, str], tmp_path: Path
) -> None:
    project = copy_project(CRATES / "workspace")
    wrapper, log = counting_cargo(tmp_path)
    # Its own target directory: in the shared one, an earlier session's checkout of
    # these crates would (rightly) be cleaned and built again, a second cargo run.
    env = {**build_env, "CARGO": str(wrapper), "CARGO_TARGET_DIR": str(tmp_path / "target")}
    wheel = pip_wheel(project, tmp_path / "dist", env)
    calls = without_checkout_rebuilds(log.read_text().splitlines())
    builds = [c for c in calls if not c.startswith(("metadata", "-vV"))]
    assert len(builds) == 1, builds
    assert builds[0].startswith("build -p alpha -p beta -p gamma --lib ")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    for name in ("alpha", "beta", "gamma"):
        assert f"ws_pkg/_{name}{EXT_SUFFIX}" in names
    fresh_venv.pip("install", str(wheel))
    out = fresh_venv.python_run(
        "import ws_pkg; print([ws_pkg.value(n) for n in ('alpha', 'beta', 'gamma')])"
    )
    assert out.strip() == "[105, 104, 105]"
