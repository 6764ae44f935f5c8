"""Shared fixtures: one cargo target directory for the whole session, a buildrs
wheel built once from this checkout, and fresh virtual environments.

Integration tests run real pip (with build isolation) and real cargo; they use
cargo's dev profile unless the test is about profiles, so that pyo3 is compiled
once per session and reused by every crate.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CRATES = Path(__file__).resolve().parent / "crates"
COMPAT = Path(__file__).resolve().parent / "compat"
EXAMPLE = ROOT / "example_crate"
EXT_SUFFIX = sysconfig.get_config_var("EXT_SUFFIX")
SHARED_TARGET = Path(os.environ.get("BUILDRS_TEST_TARGET_DIR", ROOT / "target" / "tests"))


def run(
    argv: list[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run a command, returning its output; on an unexpected exit show everything."""
    result = subprocess.run(
        argv,
        cwd=cwd,
        env=dict(env) if env is not None else None,
        capture_output=True,
        text=True,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"{argv} exited {result.returncode}\n--- stdout\n{result.stdout}\n"
            f"--- stderr\n{result.stderr}"
        )
    return result


def pip_wheel(project: Path, out: Path, env: Mapping[str, str], *extra: str) -> Path:
    """Build one wheel of ``project`` with pip (build isolation on) into ``out``."""
    run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(out), *extra, str(project)],
        env=env,
    )
    (wheel,) = out.glob("*.whl")
    return wheel


def pip_wheel_logged(
    project: Path, out: Path, env: Mapping[str, str], *extra: str
) -> tuple[Path, str]:
    """``pip wheel -v`` (build isolation on, unless ``extra`` turns it off): the wheel
    and everything pip printed, buildrs' and cargo's lines included."""
    argv = [sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", *extra]
    argv += ["-w", str(out), str(project)]
    result = run(argv, env=env)
    (wheel,) = out.glob("*.whl")
    return wheel, result.stdout + result.stderr


def wheel_entries(wheel: Path) -> list[tuple[str, object, int, int, bytes]]:
    """Every entry of ``wheel`` in order (name, date, mode, compression, contents), with
    the ``Generator`` line of WHEEL and its row in RECORD left out: what two wheels of
    the same files written by two tools have in common."""
    import re
    import zipfile

    found: list[tuple[str, object, int, int, bytes]] = []
    with zipfile.ZipFile(wheel) as archive:
        for info in archive.infolist():
            data = archive.read(info)
            if info.filename.endswith(".dist-info/WHEEL"):
                data = re.sub(rb"Generator: [^\n]*\n", b"", data)
            if info.filename.endswith(".dist-info/RECORD"):
                data = re.sub(rb"[^\n]*\.dist-info/WHEEL,[^\n]*\n", b"", data)
            found.append(
                (info.filename, info.date_time, info.external_attr, info.compress_type, data)
            )
    return found


def audit_abi3(wheel: Path, floor: str) -> None:
    """abi3audit (a test extra) finds every extension module of ``wheel`` within the
    stable ABI of Python ``floor``, with no symbol outside it."""
    program = shutil.which("abi3audit", path=str(Path(sys.executable).parent))
    assert program, "abi3audit is a test extra: pip install -e '.[test]'"
    report = json.loads(run([program, "--strict", "--report", str(wheel)]).stdout)
    (found,) = report["specs"].values()
    modules = found["wheel"]
    assert modules, f"abi3audit found no extension module in {wheel.name}"
    for module in modules:
        result = module["result"]
        assert result["is_abi3"], module
        assert result["is_abi3_baseline_compatible"], module
        assert result["baseline"] == floor, module
        assert result["non_abi3_symbols"] == [], module


def failing_build(project: Path, env: Mapping[str, str], tmp_path: Path, *extra: str) -> str:
    """Build a wheel that must fail: one clear message, no traceback, no cargo JSON."""
    result = run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            *extra,
            "-w",
            str(tmp_path / "dist"),
            str(project),
        ],
        env=env,
        check=False,
    )
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert '{"reason"' not in output
    assert not list((tmp_path / "dist").glob("*.whl")) if (tmp_path / "dist").exists() else True
    return output


def counting_cargo(directory: Path) -> tuple[Path, Path]:
    """A CARGO wrapper that logs each call's arguments, a line a call, then runs cargo.
    Returns the wrapper and the log."""
    log = directory / "cargo-calls.log"
    wrapper = directory / "cargo-wrapper"
    real = shutil.which("cargo")
    assert real, "cargo is needed"
    wrapper.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\nexec "{real}" "$@"\n')
    wrapper.chmod(0o755)
    return wrapper, log


PYTHONS = Path(os.environ.get("BUILDRS_PYTHONS_DIR", "/var/cache/buildrs/pythons")) / "bin"
"""Where ``.ci/pythons`` puts the CPythons pyenv has none of here: ``python3.14`` and
``python3.15`` (wrappers running Debian unstable's in a root of their own, through
``in-sid``) and the free-threaded ``python3.13t``."""


def find_cpython(minor: int, free_threaded: bool = False) -> str | None:
    """A working CPython 3.<minor>: on PATH, one of pyenv's, or one ``.ci/pythons`` made."""
    name = f"python3.{minor}{'t' if free_threaded else ''}"
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates = [
        shutil.which(name),
        *sorted(pyenv_root.glob(f"versions/3.{minor}.*/bin/{name}")),
        PYTHONS / name if (PYTHONS / name).exists() else None,
    ]
    for exe in filter(None, candidates):
        probe = run([str(exe), "-c", "import sys; print(sys.implementation.name)"], check=False)
        if probe.returncode == 0 and probe.stdout.strip() == "cpython":
            return str(exe)
    return None


def in_sid(python: str) -> bool:
    """Whether ``python`` is one of the wrappers that run Debian unstable's CPythons in
    their root: a virtual environment of it runs there too (see ``own_venv``)."""
    path = Path(python)
    return path.parent == PYTHONS and b"in-sid" in path.read_bytes()[:512]


def own_venv(python: str, path: Path) -> str:
    """A virtual environment of ``python`` with its own pip; returns a program that runs
    its interpreter (for a CPython of the Debian unstable root, a script that runs the
    environment's interpreter there)."""
    made = run([python, "-m", "venv", str(path)], check=False)
    if made.returncode != 0:
        pytest.skip(f"{python} cannot make a virtual environment: {made.stderr.strip()[-200:]}")
    if not in_sid(python):
        return str(path / "bin" / "python")
    runner = path / "run-python"
    runner.write_text(f'#!/bin/sh\nexec "{PYTHONS / "in-sid"}" "{path}/bin/python" "$@"\n')
    runner.chmod(0o755)
    return str(runner)


@pytest.fixture(scope="session")
def buildrs_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel of this checkout; its directory is what pip's --find-links points at."""
    out = tmp_path_factory.mktemp("buildrs-wheel")
    src = tmp_path_factory.mktemp("buildrs-src") / "buildrs"
    # Build from a copy so the checkout gets no build/ or egg-info litter; the
    # checkout's own folders only (a template has a tests/ folder of its own).
    top = {".git", "target", "build", "dist", "example_crate", "tests"}

    def ignore(folder: str, names: list[str]) -> set[str]:
        skipped = {n for n in names if n.startswith(".venv") or n.endswith(".egg-info")}
        return skipped | (top & set(names) if Path(folder) == ROOT else set())

    shutil.copytree(ROOT, src, ignore=ignore)
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            str(src),
        ]
    )
    (wheel,) = out.glob("buildrs-*.whl")
    return wheel


@pytest.fixture(scope="session")
def build_env(buildrs_wheel: Path) -> dict[str, str]:
    """Environment for pip builds: finds buildrs locally, shares cargo's target dir."""
    env = dict(os.environ)
    env["PIP_FIND_LINKS"] = str(buildrs_wheel.parent)
    env["CARGO_TARGET_DIR"] = str(SHARED_TARGET)
    env["BUILDRS_PROFILE"] = "dev"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env.pop("PYTHONPATH", None)
    env.pop("CARGO", None)
    return env


def maturin_env(build_env: Mapping[str, str]) -> dict[str, str]:
    """``build_env`` for builds with maturin's backend (installed here, a test extra):
    the maturin program of this environment first on PATH (the backend runs the one it
    finds there), and the dev profile in the shared target directory, as buildrs' builds
    use it, so the two tools compile the dependencies they share once."""
    if shutil.which("maturin", path=str(Path(sys.executable).parent)) is None:
        pytest.skip("maturin is a test extra: pip install -e '.[test]'")
    env = dict(build_env)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["MATURIN_PEP517_ARGS"] = "--profile dev"
    return env


@dataclass
class Venv:
    path: Path
    env: dict[str, str]

    @property
    def python(self) -> Path:
        sub = "Scripts" if sys.platform == "win32" else "bin"
        return self.path / sub / ("python.exe" if sys.platform == "win32" else "python")

    @property
    def bin(self) -> Path:
        return self.python.parent

    def pip(
        self, *args: str, cwd: Path | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        return run(
            [sys.executable, "-m", "pip", "--python", str(self.python), *args],
            cwd=cwd,
            env=self.env,
            check=check,
        )

    def python_run(self, code: str, cwd: Path | None = None) -> str:
        return run([str(self.python), "-c", code], cwd=cwd or self.path, env=self.env).stdout


@pytest.fixture
def fresh_venv(tmp_path: Path, build_env: dict[str, str]) -> Iterator[Venv]:
    """An empty virtual environment (no pip of its own: the test's pip drives it)."""
    path = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False, symlinks=sys.platform != "win32").create(path)
    yield Venv(path, build_env)


CopyProject = Callable[..., Path]
"""The ``copy_project`` fixture: ``copy(source, name=None) -> Path``."""


@pytest.fixture
def copy_project(tmp_path: Path) -> CopyProject:
    """Copy a fixture project (or the example crate) into tmp_path and return its path."""

    def copy(source: Path, name: str | None = None) -> Path:
        dest = tmp_path / (name or source.name)
        shutil.copytree(
            source,
            dest,
            ignore=shutil.ignore_patterns("target", "build", "*.egg-info", "*.so", "__pycache__"),
        )
        return dest

    return copy


@pytest.fixture
def ffi_project(copy_project: CopyProject) -> Path:
    """The C-ABI fixture (a module, a generated file, a binary) under buildrs' backend."""
    project = copy_project(CRATES / "ffi")
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text().replace("setuptools.build_meta", "buildrs.build_meta")
    pyproject.write_text(text)
    return project


CRATE = """[package]
name = "tinyffi"
version = "0.1.0"
edition = "2021"

[lib]
crate-type = ["cdylib"]
"""
LIBRARY = '#[no_mangle]\npub extern "C" fn tiny_add(a: i64, b: i64) -> i64 { a + b }\n'


@pytest.fixture(scope="session")
def crate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small C-ABI crate outside every project that names it by path (compiled once)."""
    folder = tmp_path_factory.mktemp("crate")
    (folder / "src").mkdir()
    (folder / "Cargo.toml").write_text(CRATE)
    (folder / "src" / "lib.rs").write_text(LIBRARY)
    return folder


def both_ways(
    root: Path, env: Mapping[str, str], tmp_path: Path, umask: int | None = None
) -> tuple[Path, Path, str, str]:
    """The wheel of ``root`` built by pip with buildrs' own Python part, then with
    setuptools' (from a clean tree), under ``umask`` if given: both wheels, and what pip
    printed for each."""
    ours, ours_log = _pip_here(root, tmp_path / "ours", env, umask)
    for leftover in [root / "build", *root.glob("*.egg-info")]:
        shutil.rmtree(leftover, ignore_errors=True)
    setuptools = {**env, "BUILDRS_NO_FAST_PATH": "1"}
    theirs, theirs_log = _pip_here(root, tmp_path / "theirs", setuptools, umask)
    return ours, theirs, ours_log, theirs_log


def _pip_here(root: Path, out: Path, env: Mapping[str, str], umask: int | None) -> tuple[Path, str]:
    argv = [sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "--no-build-isolation"]
    argv += ["-w", str(out), str(root)]
    if umask is not None:
        argv = ["sh", "-c", f'umask {umask:03o} && exec "$@"', "sh", *argv]
    result = run(argv, env=env)
    (wheel,) = out.glob("*.whl")
    return wheel, result.stdout + result.stderr


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


def with_backend(project: Path, backend: str = "buildrs.build_meta") -> Path:
    """``project`` built by ``backend`` rather than setuptools' own
    (``buildrs.build_meta`` asks pip for what buildrs needs: cargo-zigbuild...)."""
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"setuptools.build_meta"', f'"{backend}"'))
    return project
