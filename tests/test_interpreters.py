"""Every interpreter this machine has: each CPython pyo3 supports builds the example
with its own pip (isolation on) and imports it; PyPy builds a version-specific
module where abi3 was asked for; zig links a wheel that auditwheel confirms as
manylinux_2_17.

Interpreters that are not installed are skipped with the command that installs them.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from conftest import (
    CRATES,
    EXAMPLE,
    SHARED_TARGET,
    CopyProject,
    Venv,
    failing_build,
    find_cpython,
    own_venv,
    run,
)

pytestmark = [pytest.mark.integration, pytest.mark.multi_python]

# pyo3 0.30, which the example crate uses, supports CPython 3.9 to 3.15.
PYO3_CPYTHONS = range(9, 16)


def interpreter_facts(python: str) -> tuple[str, str]:
    """``(EXT_SUFFIX, "major.minor")`` of an interpreter."""
    out = run(
        [
            python,
            "-c",
            "import sys, sysconfig; print(sysconfig.get_config_var('EXT_SUFFIX')); "
            "print('%d.%d' % sys.version_info[:2])",
        ]
    ).stdout.split()
    return out[0], out[1]


@pytest.mark.network
@pytest.mark.parametrize("minor", PYO3_CPYTHONS, ids=lambda minor: f"3.{minor}")
def test_example_builds_and_imports_on_cpython(
    minor: int, copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    found = find_cpython(minor)
    if found is None:
        pytest.skip(
            f"CPython 3.{minor} is not installed here "
            f"(pyenv install 3.{minor}; bash .ci/pythons makes 3.14 and 3.15)"
        )
    python = own_venv(found, tmp_path / "venv")
    suffix, version = interpreter_facts(python)
    assert version == f"3.{minor}"
    project = copy_project(EXAMPLE)
    # One target directory per version: pyo3's build differs per interpreter.
    env = {**build_env, "CARGO_TARGET_DIR": str(SHARED_TARGET.parent / f"cpython3{minor}")}
    run([python, "-m", "pip", "install", "-q", str(project)], env=env)
    out = run(
        [
            python,
            "-c",
            "import example_crate as e, example_crate._native as c, os; "
            "print(e.sum_as_string(3, 9)); print(os.path.basename(c.__file__))",
        ],
        cwd=tmp_path,
    ).stdout.split()
    assert out == ["12", f"_native{suffix}"]
    if minor >= 14:
        # The newest Pythons (Debian's, in a root of their own): the example's own tests too.
        run([python, "-m", "pip", "install", "-q", "pytest"], env=env)
        tests = tmp_path / "example-tests"
        shutil.copytree(EXAMPLE / "tests", tests)
        result = run(
            [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tests)], cwd=tmp_path
        )
        assert " passed" in result.stdout and "failed" not in result.stdout, result.stdout


def find_pypy() -> str | None:
    for name in ("pypy3", "pypy3.11", "pypy3.10", "pypy3.9", "pypy"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.mark.network
def test_pypy_builds_a_version_specific_module_where_abi3_was_asked(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    pypy = find_pypy()
    if pypy is None:
        pytest.skip("PyPy is not installed here (apt-get install pypy3 pypy3-venv)")
    python = own_venv(pypy, tmp_path / "venv")
    suffix, version = interpreter_facts(python)
    assert suffix.startswith(".pypy3"), suffix
    project = copy_project(CRATES / "pypy")
    env = {**build_env, "CARGO_TARGET_DIR": str(SHARED_TARGET.parent / "pypy")}
    dist = tmp_path / "dist"
    result = run(
        [python, "-m", "pip", "wheel", "-v", "--no-deps", "-w", str(dist), str(project)], env=env
    )
    log = result.stdout + result.stderr
    (wheel,) = dist.glob("*.whl")
    major, minor = version.split(".")
    assert wheel.name.startswith(f"pypy_demo-0.1.0-pp{major}{minor}-pypy{major}{minor}_pp"), wheel
    assert "abi3" not in wheel.name
    with zipfile.ZipFile(wheel) as archive:
        assert f"pypy_demo/_native{suffix}" in archive.namelist()
    assert (
        f"note: ext-module 'pypy_demo._native': PyPy {version} has no stable ABI, so the "
        f"module is built for this interpreter only (_native{suffix}) instead of abi3 "
        "(Python 3.9+)"
    ) in log
    run([python, "-m", "pip", "install", "-q", "--no-index", "--no-deps", str(wheel)], env=env)
    out = run([python, "-c", "import pypy_demo; print(pypy_demo.hello('pypy'))"], cwd=tmp_path)
    assert out.stdout.strip() == f"hello pypy from Python {version}"


@pytest.mark.network
@pytest.mark.skipif(sys.platform != "linux" or sysconfig.get_platform() != "linux-x86_64",
                    reason="manylinux through zig is tested on x86_64 Linux")  # fmt: skip
def test_zig_builds_a_manylinux_2_17_wheel_that_auditwheel_confirms(
    copy_project: CopyProject, build_env: dict[str, str], fresh_venv: Venv, tmp_path: Path
) -> None:
    auditwheel = shutil.which("auditwheel", path=str(Path(sys.executable).parent))
    if auditwheel is None:
        pytest.skip("auditwheel is not installed (pip install auditwheel; it is a test extra)")
    project = copy_project(CRATES / "manylinux")
    env = {**build_env, "CARGO_TARGET_DIR": str(SHARED_TARGET.parent / "zig")}
    dist = tmp_path / "dist"
    # cargo-zigbuild and ziglang come from PyPI through the backend's build requirements.
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(dist), str(project)], env=env)
    (wheel,) = dist.glob("*.whl")
    tag = f"cp{sys.version_info[0]}{sys.version_info[1]}"
    assert wheel.name == (
        f"manylinux_demo-0.1.0-{tag}-{tag}-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
    )
    with zipfile.ZipFile(wheel) as archive:
        meta = archive.read("manylinux_demo-0.1.0.dist-info/WHEEL").decode()
    assert f"Tag: {tag}-{tag}-manylinux_2_17_x86_64\n" in meta
    assert f"Tag: {tag}-{tag}-manylinux2014_x86_64\n" in meta
    shown = run([auditwheel, "show", str(wheel)]).stdout
    assert 'consistent with the following platform tag: "manylinux_2_17_x86_64"' in " ".join(
        shown.split()
    ), shown
    fresh_venv.pip("install", "-q", "--no-index", "--no-deps", str(wheel))
    glibc = fresh_venv.python_run("import manylinux_demo; print(manylinux_demo.libc_version())")
    assert glibc.strip().startswith("2.")


def test_pyo3_python_naming_another_version_is_refused(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    """pyo3 would compile for PYO3_PYTHON while the module is named for the Python
    running the build: refused before cargo runs, instead of a module that fails to
    import."""
    other = next(
        (p for p in map(find_cpython, PYO3_CPYTHONS) if p and f"3.{sys.version_info[1]}" not in p),
        None,
    )
    if other is None:
        pytest.skip("no second CPython is installed here")
    project = copy_project(EXAMPLE)
    output = failing_build(project, {**build_env, "PYO3_PYTHON": other}, tmp_path)
    version = run([other, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"]).stdout
    assert (
        f"error: PYO3_PYTHON={other} is CPython {version.strip()}, but this build runs on" in output
    )
    assert "Unset PYO3_PYTHON, or run the build with that interpreter" in output


def cpythons_or_skip(*minors: int) -> dict[int, str]:
    """CPython 3.<minor> for each of ``minors``, or a skip naming those missing."""
    found = {minor: find_cpython(minor) for minor in minors}
    missing = [f"3.{minor}" for minor, python in found.items() if python is None]
    if missing:
        pytest.skip(f"CPython {', '.join(missing)} not here (bash .ci/pythons makes 3.14, 3.15)")
    return {minor: python for minor, python in found.items() if python is not None}


def buildrs_wheels(
    project: Path, pythons: dict[int, str], dist: Path, build_env: dict[str, str]
) -> None:
    """``python -m buildrs wheels -i ...`` over ``pythons`` into ``dist``, in one shared
    target directory for the wrapped interpreters' builds."""
    env = {**build_env, "CARGO_TARGET_DIR": str(SHARED_TARGET.parent / "wrapped")}
    command = [sys.executable, "-m", "buildrs", "wheels", "-w", str(dist)]
    for python in pythons.values():
        command += ["-i", python]
    run(command, cwd=project, env=env)


def test_wheels_builds_for_pythons_reached_through_a_wrapper(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    """``wheels -i`` takes a program that runs an interpreter in another root (here
    Debian unstable's CPython 3.14 and 3.15, in a chroot): the interpreter is probed and
    run through it, cargo and the wheel are made here, and each wheel imports there."""
    pythons = cpythons_or_skip(14, 15)
    dist = tmp_path / "dist"
    buildrs_wheels(copy_project(EXAMPLE), pythons, dist, build_env)
    for minor, found in pythons.items():
        wheel = dist / f"example_crate-0.1.0-cp3{minor}-cp3{minor}-linux_x86_64.whl"
        assert wheel.is_file(), sorted(p.name for p in dist.iterdir())
        python = own_venv(found, tmp_path / f"venv3{minor}")
        run([python, "-m", "pip", "install", "-q", "--no-index", "--no-deps", str(wheel)])
        out = run([python, "-c", "import example_crate as e; print(e.sum_as_string(3, 9))"])
        assert out.stdout.strip() == "12"


THREADED_CALLS = """
import sys, threading, ft_demo
threads = [threading.Thread(target=ft_demo.bump, args=(200_000,)) for _ in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(sys._is_gil_enabled(), ft_demo.total())
"""


@pytest.mark.network
def test_free_threaded_cpython_builds_a_module_that_runs_without_the_gil(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    """A pyo3 0.28 crate through pip on a free-threaded CPython 3.13: the module and the
    wheel are named for ``cp313t`` (its abi3 feature does not apply there, as pyo3
    decides), the GIL stays off when eight threads call it at once, and a build of the
    same crate whose module declares ``gil_used = true`` says the GIL comes back on."""
    found = find_cpython(13, free_threaded=True)
    if found is None:
        pytest.skip("no free-threaded CPython 3.13 here (bash .ci/pythons builds one)")
    python = own_venv(found, tmp_path / "venv")
    project = copy_project(CRATES / "freethreaded")
    env = {**build_env, "CARGO_TARGET_DIR": str(SHARED_TARGET.parent / "cpython313t")}
    logs = {}
    for name, extra in (("free", []), ("gil", ["-C", "buildrs.features=gil-used"])):
        dist = tmp_path / f"dist-{name}"
        command = [python, "-m", "pip", "wheel", "-v", "--no-deps", "-w", str(dist), *extra]
        result = run([*command, str(project)], env=env)
        logs[name] = result.stdout + result.stderr
        (wheel,) = dist.glob("*.whl")
        assert wheel.name == "ft_demo-0.1.0-cp313-cp313t-linux_x86_64.whl"
        with zipfile.ZipFile(wheel) as archive:
            assert "ft_demo/_native.cpython-313t-x86_64-linux-gnu.so" in archive.namelist()
    assert (
        "note: ext-module 'ft_demo._native': free-threaded CPython 3.13 cannot load abi3 "
        "modules, so the module is built for this interpreter only "
        "(_native.cpython-313t-x86_64-linux-gnu.so)"
    ) in logs["free"]
    gil_note = "free-threaded CPython 3.13 turns the GIL back on when it imports this module"
    assert gil_note not in logs["free"]
    assert (
        f"note: ext-module 'ft_demo._native': {gil_note}, which does not declare that it "
        "runs without the GIL. Once the module is thread-safe, declare it: "
        "#[pymodule(gil_used = false)]"
    ) in logs["gil"]

    wheel = next((tmp_path / "dist-free").glob("*.whl"))
    run([python, "-m", "pip", "install", "-q", "--no-index", "--no-deps", str(wheel)])
    env = {k: v for k, v in os.environ.items() if k != "PYTHON_GIL"}
    out = run([python, "-c", THREADED_CALLS], cwd=tmp_path, env=env)
    assert out.stdout.split() == ["False", "1600000"]
    assert "GIL" not in out.stderr

    wheel = next((tmp_path / "dist-gil").glob("*.whl"))
    run([python, "-m", "pip", "install", "-q", "--force-reinstall", "--no-deps", str(wheel)])
    out = run([python, "-c", THREADED_CALLS], cwd=tmp_path, env=env)
    assert out.stdout.split() == ["True", "1600000"]
    assert "The global interpreter lock (GIL) has been enabled" in out.stderr


@pytest.mark.network
def test_abi3t_wheel_serves_cpython_315_and_newer_only(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    """A pyo3 crate with both ``abi3-py39`` and ``abi3t-py315``, built through pip by
    CPython 3.15: pyo3 builds the free-threaded stable ABI (PEP 803), so the module is
    ``_native.abi3t.so`` in a ``cp315-abi3.abi3t`` wheel, which 3.15 imports and 3.14's
    pip refuses. (No free-threaded 3.15 can be had here to import it too.)"""
    pythons = cpythons_or_skip(14, 15)
    python315 = own_venv(pythons[15], tmp_path / "venv315")
    project = copy_project(CRATES / "abi3t")
    env = {**build_env, "CARGO_TARGET_DIR": str(SHARED_TARGET.parent / "cpython315")}
    dist = tmp_path / "dist"
    run([python315, "-m", "pip", "wheel", "--no-deps", "-w", str(dist), str(project)], env=env)
    (wheel,) = dist.glob("*.whl")
    assert wheel.name == "abi3t_demo-0.1.0-cp315-abi3.abi3t-linux_x86_64.whl"
    with zipfile.ZipFile(wheel) as archive:
        assert "abi3t_demo/_native.abi3t.so" in archive.namelist()
        meta = archive.read("abi3t_demo-0.1.0.dist-info/WHEEL").decode()
    assert "Tag: cp315-abi3-linux_x86_64\nTag: cp315-abi3t-linux_x86_64\n" in meta

    run([python315, "-m", "pip", "install", "-q", "--no-index", "--no-deps", str(wheel)])
    call = "import abi3t_demo as a; c = a.Counter(); c.add(2); print(c.add(3), a.triple('ab'))"
    assert run([python315, "-c", call], cwd=tmp_path).stdout.split() == ["5", "ababab"]

    python314 = own_venv(pythons[14], tmp_path / "venv314")
    refused = run(
        [python314, "-m", "pip", "install", "--no-index", "--no-deps", str(wheel)], check=False
    )
    assert refused.returncode != 0
    assert "is not a supported wheel on this platform" in refused.stderr

    # abi3audit reads the floor from the tag; the one symbol it does not know is the
    # module's own PEP 793 export hook, which CPython 3.15 calls to load it.
    abi3audit = shutil.which("abi3audit", path=str(Path(sys.executable).parent))
    if abi3audit is None:
        pytest.skip("abi3audit is not installed (it is a test extra)")
    report = run([abi3audit, "--report", str(wheel)], check=False).stdout
    (result,) = json.loads(report[report.index("{") :])["specs"][str(wheel)]["wheel"]
    assert result["result"]["baseline"] == "3.15"
    assert result["result"]["non_abi3_symbols"] == ["PyModExport__native"]


def test_wheels_makes_one_abi3_wheel_and_one_abi3t_wheel(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    """``wheels`` over CPython 3.11, 3.14 and 3.15 for the crate with abi3-py39 and
    abi3t-py315: one ``cp39-abi3`` wheel (3.14 needs none of its own) and one
    ``cp315-abi3.abi3t`` wheel; 3.14 imports the first, 3.15 the second."""
    pythons = cpythons_or_skip(11, 14, 15)
    dist = tmp_path / "dist"
    buildrs_wheels(copy_project(CRATES / "abi3t"), pythons, dist, build_env)
    assert sorted(p.name for p in dist.glob("*.whl")) == [
        "abi3t_demo-0.1.0-cp315-abi3.abi3t-linux_x86_64.whl",
        "abi3t_demo-0.1.0-cp39-abi3-linux_x86_64.whl",
    ]
    call = "import abi3t_demo as a, os; print(a.triple('x'), os.path.basename(a._native.__file__))"
    for minor, wheel, module in (
        (14, "cp39-abi3", "_native.abi3.so"),
        (15, "cp315-abi3.abi3t", "_native.abi3t.so"),
    ):
        python = own_venv(pythons[minor], tmp_path / f"venv3{minor}")
        path = dist / f"abi3t_demo-0.1.0-{wheel}-linux_x86_64.whl"
        run([python, "-m", "pip", "install", "-q", "--no-index", "--no-deps", str(path)])
        assert run([python, "-c", call], cwd=tmp_path).stdout.split() == ["xxx", module]


def test_release_matrix_groups_this_machines_pythons_by_wheel_tag(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    """The release matrix (``wheels --target``) over CPython 3.11, 3.14 and 3.15 for
    the crate with abi3-py39 and abi3t-py315 builds this machine's wheels as
    ``wheels`` does: one abi3 wheel, imported by the first CPython it serves, and one
    abi3t wheel, imported by 3.15."""
    pythons = cpythons_or_skip(11, 14, 15)
    dist = tmp_path / "dist"
    env = {**build_env, "CARGO_TARGET_DIR": str(SHARED_TARGET.parent / "wrapped")}
    command = [sys.executable, "-m", "buildrs", "wheels", "-w", str(dist)]
    command += ["--target", "x86_64-unknown-linux-gnu"]
    for python in pythons.values():
        command += ["-i", python]
    run(command, cwd=copy_project(CRATES / "abi3t"), env=env)
    report = json.loads((dist / ".buildrs-release.json").read_text())
    linux = "manylinux_2_17_x86_64.manylinux2014_x86_64"
    assert [(r["python"], r["wheel"], r["verified"]) for r in report["results"]] == [
        ("abi3", f"abi3t_demo-0.1.0-cp39-abi3-{linux}.whl", "imported here (cpython3.11)"),
        (
            "abi3t",
            f"abi3t_demo-0.1.0-cp315-abi3.abi3t-{linux}.whl",
            "imported here (cpython3.15)",
        ),
    ]
