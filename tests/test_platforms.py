"""Release wheels for other platforms, built here through real pip (isolation on) and
checked for real: aarch64 Linux modules are imported and run under qemu; Windows,
macOS and musl files are read (exports, imports, load commands, needed libraries)
with buildrs' own readers and cross-checked with LLVM's and mingw's tools.

The toolchains are set up by .ci/cross-toolchains the way a user with a custom
toolchain configures cargo (the system rustc with Debian's standard libraries and
their sources, linkers named by CARGO_TARGET_<TRIPLE>_LINKER, -Zbuild-std for
targets without a packaged standard library, zig through cargo-zigbuild). A test
whose toolchain is missing skips and says which.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from buildrs.binfmt import exported_symbols, macho
from buildrs.binfmt.elf import needed_libraries
from buildrs.binfmt.pe import read_pe
from conftest import (
    CRATES,
    EXAMPLE,
    ROOT,
    SHARED_TARGET,
    CopyProject,
    audit_abi3,
    run,
    with_backend,
)

pytestmark = [pytest.mark.integration, pytest.mark.network, pytest.mark.cross]

CROSS_DIR = Path(os.environ.get("BUILDRS_CROSS_DIR", ROOT / "target" / "cross"))
ARM64_PYTHON = CROSS_DIR / "arm64-python"
CROSS_TARGET = SHARED_TARGET.parent / "cross"
SETUP = "run .ci/cross-toolchains"
BUILD_STD = {"RUSTC_BOOTSTRAP": "1", "CARGO_UNSTABLE_BUILD_STD": "std,panic_abort"}


def _need(*programs: str) -> None:
    missing = [p for p in programs if not (shutil.which(p) or Path(p).exists())]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed ({SETUP})")


def _std_sources() -> None:
    if not Path("/usr/lib/rustlib/src/rust/library").is_dir():
        pytest.skip(f"the standard library's sources (rust-web-src) are not installed ({SETUP})")


@dataclass
class Wheel:
    path: Path
    root: Path
    """Where it was unpacked."""

    @property
    def tag(self) -> str:
        return self.path.name.removesuffix(".whl").split("-", 2)[2]

    def file(self, name: str) -> Path:
        found = self.root / name
        assert found.is_file(), sorted(p.name for p in self.root.rglob("*"))
        return found


def cross_wheel(
    project: Path, tmp_path: Path, build_env: Mapping[str, str], env: Mapping[str, str]
) -> Wheel:
    """Build ``project`` with pip for another platform: the system rustc and cargo,
    one shared target directory for every cross test (std builds included)."""
    _need("/usr/bin/rustc", "/usr/bin/cargo")
    environment = {
        **build_env,
        "CARGO": "/usr/bin/cargo",
        "RUSTC": "/usr/bin/rustc",
        "CARGO_TARGET_DIR": str(CROSS_TARGET),
        **env,
    }
    out = tmp_path / "dist"
    argv = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(out), str(project)]
    run(argv, env=environment)
    (path,) = out.glob("*.whl")
    root = tmp_path / "unpacked"
    with zipfile.ZipFile(path) as archive:
        archive.extractall(root)
    return Wheel(path, root)


def auditwheel_show(wheel: Wheel) -> str:
    program = shutil.which("auditwheel", path=str(Path(sys.executable).parent))
    assert program, "auditwheel is a test extra"
    return " ".join(run([program, "show", str(wheel.path)]).stdout.split())


# --- aarch64 Linux, run under qemu -------------------------------------------------------

AARCH64 = "aarch64-unknown-linux-gnu"
AARCH64_ENV = {
    "CARGO_BUILD_TARGET": AARCH64,
    "CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER": "aarch64-linux-gnu-gcc",
}


def arm64_python(code: str, *paths: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``code`` with the arm64 CPython under qemu, ``paths`` on its sys.path."""
    python = ARM64_PYTHON / "usr" / "bin" / "python3.11"
    if not python.exists():
        pytest.skip(f"no arm64 CPython in {ARM64_PYTHON} ({SETUP})")
    _need("qemu-aarch64-static")
    env = {
        "QEMU_LD_PREFIX": str(ARM64_PYTHON),
        "PYTHONPATH": os.pathsep.join(map(str, paths)),
        "PATH": os.environ["PATH"],
    }
    return run(["qemu-aarch64-static", str(python), "-c", code], cwd=cwd, env=env)


def test_aarch64_version_specific_module_runs_its_own_tests_under_qemu(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    _need("aarch64-linux-gnu-gcc")
    env = {**AARCH64_ENV, "PYO3_CROSS_LIB_DIR": str(ARM64_PYTHON / "usr/lib/python3.11")}
    wheel = cross_wheel(copy_project(EXAMPLE), tmp_path, build_env, env)
    assert wheel.tag == "cp311-cp311-linux_aarch64"
    module = wheel.file("example_crate/_native.cpython-311-aarch64-linux-gnu.so")
    assert "PyInit__native" in (exported_symbols(module) or ())
    assert "libpython" not in " ".join(needed_libraries(module) or ())
    assert 'consistent with the following platform tag: "manylinux_' in auditwheel_show(wheel)
    wc = wheel.file("example_crate-0.1.0.data/scripts/example-wc")
    assert wc.read_bytes()[:4] == b"\x7fELF"

    # The crate's own tests, with pytest for the arm64 Python, under qemu. Left out:
    # the two tests that start the interpreter (or the example-wc binary) as a new
    # process, which this machine can only run through qemu explicitly.
    pure = tmp_path / "pure"
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--target",
            str(pure),
            "--only-binary",
            ":all:",
            "--platform",
            "manylinux2014_aarch64",
            "--python-version",
            "3.11",
            "pytest",
        ],
        env=build_env,
    )
    tests = tmp_path / "tests"
    shutil.copytree(EXAMPLE / "tests", tests)
    code = (
        "import sys, pytest; sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', 'tests', "
        "'--deselect', 'tests/test_package.py::test_demo_runs', "
        "'--deselect', 'tests/test_package.py::test_example_wc_script']))"
    )
    result = arm64_python(code, wheel.root, pure, cwd=tmp_path)
    assert " passed" in result.stdout and "failed" not in result.stdout, result.stdout
    machine = arm64_python("import platform; print(platform.machine())", cwd=tmp_path)
    assert machine.stdout.strip() == "aarch64"


@pytest.mark.parametrize("zig", [False, True], ids=["gcc", "zig-manylinux2014"])
def test_aarch64_abi3_module_imports_under_qemu(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path, zig: bool
) -> None:
    _need("aarch64-linux-gnu-gcc")
    project = with_backend(copy_project(CRATES / "abi3"))
    env = {"CARGO_BUILD_TARGET": AARCH64, "BUILDRS_ZIG": "1"} if zig else AARCH64_ENV
    wheel = cross_wheel(project, tmp_path, build_env, env)
    platform = "manylinux_2_17_aarch64.manylinux2014_aarch64" if zig else "linux_aarch64"
    assert wheel.tag == f"cp39-abi3-{platform}"
    wheel.file("abi3_demo/_abi3demo.abi3.so")
    audit_abi3(wheel.path, "3.9")
    shown = auditwheel_show(wheel)
    if zig:
        assert 'consistent with the following platform tag: "manylinux_2_17_aarch64"' in shown
    out = arm64_python(
        "from abi3_demo import _abi3demo; print(_abi3demo.hello('qemu'))", wheel.root, cwd=tmp_path
    )
    assert out.stdout == "hello qemu from Python 3.11\n"


def test_a_manylinux_wheel_linked_against_a_newer_glibc_is_not_written(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    """zig = true tags the wheel manylinux_2_17, but a linker named for the target
    replaces zig's and links against this machine's glibc: the module needs symbols
    of glibc 2.3x, so the wheel would install where it cannot load."""
    _need("aarch64-linux-gnu-gcc")
    project = with_backend(copy_project(CRATES / "abi3"))
    env = {**build_env, "CARGO": "/usr/bin/cargo", "RUSTC": "/usr/bin/rustc", **AARCH64_ENV}
    env.update(BUILDRS_ZIG="1", CARGO_TARGET_DIR=str(CROSS_TARGET))
    argv = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(tmp_path / "d")]
    result = run([*argv, str(project)], env=env, check=False)
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0
    assert "the wheel was not written" in output
    assert "abi3_demo/_abi3demo.abi3.so needs glibc 2.3" in output
    assert "which promises glibc 2.17" in output
    assert not (tmp_path / "d").exists() or not list((tmp_path / "d").glob("*.whl"))


# --- Windows (gnu), checked from the file -----------------------------------------------

WINDOWS = "x86_64-pc-windows-gnu"
WINDOWS_ENV = {
    **BUILD_STD,
    "CARGO_BUILD_TARGET": WINDOWS,
    "CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER": "x86_64-w64-mingw32-gcc",
}


def mingw_dlls(path: Path) -> list[str]:
    """The DLLs mingw's objdump says ``path`` imports (a second opinion)."""
    out = run(["x86_64-w64-mingw32-objdump", "-p", str(path)]).stdout
    return [line.split(":", 1)[1].strip() for line in out.splitlines() if "DLL Name:" in line]


@pytest.mark.parametrize("crate", ["example", "abi3"])
def test_windows_gnu_wheel_holds_a_loadable_pyd(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path, crate: str
) -> None:
    _need("x86_64-w64-mingw32-gcc", "x86_64-w64-mingw32-objdump")
    _std_sources()
    if crate == "example":
        env = {**WINDOWS_ENV, "PYO3_CROSS_PYTHON_VERSION": "3.11"}
        wheel = cross_wheel(copy_project(EXAMPLE), tmp_path, build_env, env)
        assert wheel.tag == "cp311-cp311-win_amd64"
        module, dll = wheel.file("example_crate/_native.cp311-win_amd64.pyd"), "python311.dll"
        exe = wheel.file("example_crate-0.1.0.data/scripts/example-wc.exe")
        program = read_pe(exe.read_bytes())
        assert program is not None and not program.is_dll and program.machine == 0x8664
        assert not (wheel.root / "example_crate-0.1.0.data/scripts/example-wc").exists()
    else:
        wheel = cross_wheel(copy_project(CRATES / "abi3"), tmp_path, build_env, WINDOWS_ENV)
        assert wheel.tag == "cp39-abi3-win_amd64"
        module, dll = wheel.file("abi3_demo/_abi3demo.pyd"), "python3.dll"
        audit_abi3(wheel.path, "3.9")
    library = read_pe(module.read_bytes())
    assert library is not None and library.is_dll and library.machine == 0x8664
    name = module.name.split(".")[0]
    assert f"PyInit_{name}" in library.exported
    assert dll in library.imported_dlls
    assert mingw_dlls(module) == list(library.imported_dlls)


# --- macOS through zig, checked from the file --------------------------------------------


@pytest.mark.parametrize(
    ("triple", "platform", "minos"),
    [
        ("x86_64-apple-darwin", "macosx_10_12_x86_64", {"x86_64": "10.12"}),
        ("aarch64-apple-darwin", "macosx_11_0_arm64", {"arm64": "11.0"}),
        (
            "universal2-apple-darwin",
            "macosx_10_12_universal2",
            {"x86_64": "10.12", "arm64": "11.0"},
        ),
    ],
    ids=["x86_64", "arm64", "universal2"],
)
def test_macos_wheel_holds_a_loadable_module(
    copy_project: CopyProject,
    build_env: dict[str, str],
    tmp_path: Path,
    triple: str,
    platform: str,
    minos: dict[str, str],
) -> None:
    _need("llvm-objdump")
    _std_sources()
    project = with_backend(copy_project(CRATES / "abi3"))
    env = {**BUILD_STD, "CARGO_BUILD_TARGET": triple, "BUILDRS_ZIG": "1"}
    if shutil.which("lipo"):
        env["PATH"] = os.pathsep.join(  # buildrs' own fat writer, as on Linux
            d for d in os.environ["PATH"].split(os.pathsep) if not (Path(d) / "lipo").exists()
        )
    wheel = cross_wheel(project, tmp_path, build_env, env)
    assert wheel.tag == f"cp39-abi3-{platform}"
    module = wheel.file("abi3_demo/_abi3demo.abi3.so")
    audit_abi3(wheel.path, "3.9")
    arches = {macho.CPU_TYPE_X86_64: "x86_64", macho.CPU_TYPE_ARM64: "arm64"}
    images = macho.images(module.read_bytes())
    assert {arches[image.cputype]: image.minos for image in images} == minos
    for image in images:
        assert image.filetype == 6  # MH_DYLIB
        assert image.install_name == "@rpath/_abi3demo.abi3.so"
        assert "PyInit__abi3demo" in image.exported
        assert not [lib for lib in image.libraries if "ython" in lib], image.libraries
        python_symbols = {s for s in image.dynamic_lookup | image.other_undefined if s[:2] == "Py"}
        assert python_symbols and python_symbols <= image.dynamic_lookup
    # LLVM's reading agrees, slice by slice: LC_BUILD_VERSION's minos, or the
    # LC_VERSION_MIN_MACOSX older targets get.
    for arch, version in minos.items():
        argv = ["llvm-objdump", "--macho", "--private-headers", f"--arch={arch}", str(module)]
        objdump = " ".join(run(argv).stdout.split())
        assert "@rpath/_abi3demo.abi3.so" in objdump
        assert f"minos {version}" in objdump or (
            f"LC_VERSION_MIN_MACOSX cmdsize 16 version {version}" in objdump
        ), objdump[-600:]
    lipo = shutil.which("llvm-lipo-14") or shutil.which("llvm-lipo")
    if triple.startswith("universal2") and lipo:
        info = run([lipo, "-info", str(module)]).stdout
        assert "x86_64" in info and "arm64" in info


# --- musl through zig, checked from the file ---------------------------------------------


def test_musl_wheel_is_musllinux_and_needs_musl_by_its_musllinux_name(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    _std_sources()
    project = with_backend(copy_project(CRATES / "abi3"))
    env = {**BUILD_STD, "CARGO_BUILD_TARGET": "x86_64-unknown-linux-musl", "BUILDRS_ZIG": "1"}
    wheel = cross_wheel(project, tmp_path, build_env, env)
    assert wheel.tag == "cp39-abi3-musllinux_1_2_x86_64"
    module = wheel.file("abi3_demo/_abi3demo.abi3.so")
    assert "PyInit__abi3demo" in (exported_symbols(module) or ())
    needed = needed_libraries(module)
    assert needed == ("libc.musl-x86_64.so.1",), needed
    audit_abi3(wheel.path, "3.9")
    shown = auditwheel_show(wheel)
    assert 'consistent with the following platform tag: "musllinux_1_2_x86_64"' in shown


# --- what cannot be built is said before cargo runs --------------------------------------


def test_a_version_specific_cross_module_needs_to_know_its_python(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    _need("aarch64-linux-gnu-gcc")
    project = copy_project(EXAMPLE)
    env = {**build_env, "CARGO": "/usr/bin/cargo", "RUSTC": "/usr/bin/rustc", **AARCH64_ENV}
    env.pop("PYO3_CROSS_LIB_DIR", None)
    env.pop("PYO3_CROSS_PYTHON_VERSION", None)
    argv = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(tmp_path / "d")]
    result = run([*argv, str(project)], env=env, check=False)
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0
    assert (
        "ext-module 'example_crate._native' is built for one Python version, for "
        "aarch64-unknown-linux-gnu, but nothing says which Python that is. Set "
        "PYO3_CROSS_LIB_DIR"
    ) in output
    assert "Compiling" not in output
