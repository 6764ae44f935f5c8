"""A release from one command, for real: ``python -m buildrs wheels`` over a matrix of
targets and Pythons, every wheel built by real cargo through the one assembly.
aarch64 modules are imported and called under qemu, this machine's with the
interpreter they are for; a target whose standard library is missing fails alone,
named with its fix, and the exit status says so. A second run compiles nothing and
rewrites no wheel.

The toolchains are .ci/cross-toolchains' (the system rustc with Debian's aarch64
standard library, gcc-aarch64, qemu, an arm64 CPython 3.11) and zig from PyPI.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from test_platforms import (
    AARCH64,
    ARM64_PYTHON,
    BUILD_STD,
    CROSS_TARGET,
    SETUP,
    WINDOWS,
    _need,
    _std_sources,
    arm64_python,
)

from buildrs.binfmt import macho
from buildrs.binfmt.elf import needed_libraries
from buildrs.binfmt.pe import read_pe
from conftest import CRATES, EXAMPLE, SHARED_TARGET, CopyProject, find_cpython, run, with_backend

pytestmark = [pytest.mark.integration, pytest.mark.network, pytest.mark.cross]

HOST = "x86_64-unknown-linux-gnu"
NO_STD = "riscv64gc-unknown-linux-gnu"


def _environment(build_env: dict[str, str], target_dir: Path) -> dict[str, str]:
    _need("/usr/bin/rustc", "/usr/bin/cargo", "aarch64-linux-gnu-gcc")
    if sys.platform != "linux" or os.uname().machine != "x86_64":
        pytest.skip("the release matrix is tested from x86_64 Linux")
    return {
        **build_env,
        "CARGO": "/usr/bin/cargo",
        "RUSTC": "/usr/bin/rustc",
        "CARGO_TARGET_DIR": str(target_dir),
    }


def _release(
    project: Path, out: Path, env: dict[str, str], *args: str
) -> tuple[int, str, dict[str, Any]]:
    argv = [sys.executable, "-m", "buildrs", "wheels", str(project), "-w", str(out), *args]
    result = run(argv, cwd=project, env=env, check=False)
    found = out / ".buildrs-release.json"
    assert found.is_file(), result.stdout + result.stderr
    report = json.loads(found.read_text())
    return result.returncode, result.stdout + result.stderr, report


def _arm64_interpreter(folder: Path) -> str:
    """The arm64 CPython 3.11 as a command that runs it under qemu, which is how
    `wheels -i` is given an interpreter of another machine where binfmt_misc does
    not run it directly."""
    python = ARM64_PYTHON / "usr" / "bin" / "python3.11"
    if not python.exists():
        pytest.skip(f"no arm64 CPython in {ARM64_PYTHON} ({SETUP})")
    _need("qemu-aarch64-static")
    wrapper = folder / "python3.11-arm64"
    wrapper.write_text(
        f'#!/bin/sh\nQEMU_LD_PREFIX={ARM64_PYTHON} exec qemu-aarch64-static {python} "$@"\n'
    )
    wrapper.chmod(0o755)
    return str(wrapper)


def _unpacked(wheel: Path, folder: Path) -> Path:
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(folder)
    return folder


def _state(out: Path) -> dict[str, tuple[int, bytes]]:
    return {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in out.glob("*.whl")}


def test_abi3_release_from_its_sdist_for_every_target(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    project = with_backend(copy_project(CRATES / "abi3"))
    with (project / "pyproject.toml").open("a") as pyproject:
        pyproject.write(
            f'\n[tool.buildrs.release]\ntargets = ["{HOST}", "{AARCH64}", "{NO_STD}"]\n'
        )
    env = _environment(build_env, CROSS_TARGET)
    env["CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER"] = "aarch64-linux-gnu-gcc"
    out = tmp_path / "dist"
    interpreters = ["-i", sys.executable, "-i", _arm64_interpreter(tmp_path)]
    code, output, report = _release(project, out, env, "--sdist", *interpreters)
    assert code == 1, output
    rows = {(r["target"], r["python"]): r for r in report["results"]}
    assert sorted(rows) == [(AARCH64, "abi3"), (NO_STD, "abi3"), (HOST, "abi3")]
    here, arm, riscv = rows[HOST, "abi3"], rows[AARCH64, "abi3"], rows[NO_STD, "abi3"]
    # this machine links through zig (no linker is configured for it): manylinux
    manylinux = "manylinux_2_17_x86_64.manylinux2014_x86_64"
    assert here["wheel"] == f"abi3_demo-0.1.0-cp39-abi3-{manylinux}.whl"
    assert here["verified"] == f"imported here (cpython3.{sys.version_info[1]})"
    assert here["this_machine"] and not arm["this_machine"]
    # aarch64's configured linker is used as it is: the compiler's own tag
    assert arm["wheel"] == "abi3_demo-0.1.0-cp39-abi3-linux_aarch64.whl"
    assert arm["verified"] == "imported under emulation (cpython3.11)"
    assert riscv["wheel"] is None
    assert f"Install it with `rustup target add {NO_STD}`" in riscv["error"]
    assert f"{NO_STD}, abi3: the build is for {NO_STD}" in output
    assert "error: 1 of 3 wheels failed" in output
    assert sorted(p.name for p in out.iterdir()) == [
        ".buildrs-release.json",
        "abi3_demo-0.1.0-cp39-abi3-linux_aarch64.whl",
        f"abi3_demo-0.1.0-cp39-abi3-{manylinux}.whl",
        "abi3_demo-0.1.0.tar.gz",
    ]
    # The wheels were built from the sdist, unpacked.
    assert "sdist: abi3_demo-0.1.0.tar.gz" in output
    assert "build/buildrs/release-source/project" in output.replace(os.sep, "/")
    root = _unpacked(out / arm["wheel"], tmp_path / "arm")
    called = arm64_python(
        "from abi3_demo import _abi3demo; print(_abi3demo.hello('qemu'))", root, cwd=tmp_path
    )
    assert called.stdout == "hello qemu from Python 3.11\n"

    before = _state(out)
    code, output, again = _release(project, out, env, "--sdist", *interpreters)
    assert code == 1
    assert "Compiling" not in output, output
    assert _state(out) == before
    assert [r["wheel"] for r in again["results"]] == [r["wheel"] for r in report["results"]]
    # The unchanged wheels were imported by the first run: they are not imported again.
    assert [r["verified"] for r in again["results"]] == [r["verified"] for r in report["results"]]
    minor = sys.version_info[1]
    assert f"{here['wheel']}: imported here with cpython3.{minor} by the last run" in output
    assert f"{arm['wheel']}: imported under emulation with cpython3.11 by the last run" in output


def test_version_specific_release_for_two_targets_and_two_pythons(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    pythons = [find_cpython(11), find_cpython(12)]
    if None in pythons:
        pytest.skip("CPython 3.11 and 3.12 are both needed")
    project = copy_project(CRATES / "manylinux")  # zig = true: manylinux wheels
    env = _environment(build_env, SHARED_TARGET.parent / "release")
    out = tmp_path / "dist"
    interpreters = [arg for python in pythons for arg in ("-i", str(python))]
    interpreters += ["-i", _arm64_interpreter(tmp_path)]
    code, output, report = _release(
        project, out, env, "--target", HOST, "--target", AARCH64, *interpreters
    )
    assert code == 0, output
    made = {(r["target"], r["python"]): (r["wheel"], r["verified"]) for r in report["results"]}
    linux = "manylinux_2_17_{0}.manylinux2014_{0}"
    assert made == {
        (HOST, f"cpython3.{minor}"): (
            f"manylinux_demo-0.1.0-cp3{minor}-cp3{minor}-{linux.format('x86_64')}.whl",
            f"imported here (cpython3.{minor})",
        )
        for minor in (11, 12)
    } | {
        (AARCH64, f"cpython3.{minor}"): (
            f"manylinux_demo-0.1.0-cp3{minor}-cp3{minor}-{linux.format('aarch64')}.whl",
            "imported under emulation (cpython3.11)" if minor == 11 else "checked from the file",
        )
        for minor in (11, 12)
    }
    for minor in (11, 12):
        (wheel,) = out.glob(f"*-cp3{minor}-*aarch64.whl")
        root = _unpacked(wheel, tmp_path / f"arm{minor}")
        module = root / "manylinux_demo" / f"_native.cpython-3{minor}-aarch64-linux-gnu.so"
        assert module.is_file(), sorted(p.name for p in root.rglob("*"))
    called = arm64_python(
        "import manylinux_demo; print(manylinux_demo.libc_version()[:2])",
        tmp_path / "arm11",
        cwd=tmp_path,
    )
    assert called.stdout == "2.\n"
    before = _state(out)
    code, output, _ = _release(
        project, out, env, "--target", HOST, "--target", AARCH64, *interpreters
    )
    assert code == 0
    assert "Compiling" not in output, output
    assert _state(out) == before
    assert output.count("by the last run, and unchanged") == 3, output


def test_abi3_release_for_windows_macos_and_musl_in_one_run(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    """The targets whose standard library cargo builds from source here (as a user
    with rustup would `rustup target add` them): Windows through mingw's linker,
    macOS and musl through zig, which links where no linker is configured."""
    _need("x86_64-w64-mingw32-gcc")
    _std_sources()
    project = with_backend(copy_project(CRATES / "abi3"))
    env = {**_environment(build_env, CROSS_TARGET), **BUILD_STD}
    env["CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER"] = "x86_64-w64-mingw32-gcc"
    env.pop("BUILDRS_ZIG", None)
    targets = {
        WINDOWS: "win_amd64",
        "x86_64-apple-darwin": "macosx_10_12_x86_64",
        "aarch64-apple-darwin": "macosx_11_0_arm64",
        "universal2-apple-darwin": "macosx_10_12_universal2",
        "x86_64-unknown-linux-musl": "musllinux_1_2_x86_64",
    }
    args = [arg for triple in targets for arg in ("--target", triple)]
    code, output, report = _release(project, tmp_path / "dist", env, *args)
    assert code == 0, output
    made = {r["target"]: (r["wheel"], r["verified"]) for r in report["results"]}
    assert made == {
        triple: (f"abi3_demo-0.1.0-cp39-abi3-{platform}.whl", "checked from the file")
        for triple, platform in targets.items()
    }
    with zipfile.ZipFile(tmp_path / "dist" / made[WINDOWS][0]) as archive:
        assert "abi3_demo/_abi3demo.pyd" in archive.namelist()


def test_a_binary_for_musl_and_macos_stripped_as_asked(
    build_env: dict[str, str], tmp_path: Path
) -> None:
    """The bin template's project (a Rust program in a wheel, `strip = "Debug"`) for
    musl and macOS arm64: the musl program is static and runs here (zig's musl start
    files, as cargo built the standard library itself); the macOS one is stripped
    by the system rustc's rust-objcopy, which .ci/cross-toolchains puts in its
    sysroot as a user of such a rustc would."""
    _std_sources()
    project = tmp_path / "tool"
    argv = [sys.executable, "-m", "buildrs", "new", str(project), "--template", "bin"]
    run([*argv, "--no-input", "command_name=wordy"], env=build_env)
    env = {**_environment(build_env, CROSS_TARGET), **BUILD_STD}
    musl, mac = "x86_64-unknown-linux-musl", "aarch64-apple-darwin"
    code, output, report = _release(
        project, tmp_path / "dist", env, "--target", musl, "--target", mac
    )
    assert code == 0, output
    made = {r["target"]: (r["python"], r["wheel"]) for r in report["results"]}
    assert made == {
        musl: ("py3", "tool-0.1.0-py3-none-musllinux_1_2_x86_64.whl"),
        mac: ("py3", "tool-0.1.0-py3-none-macosx_11_0_arm64.whl"),
    }
    scripts = "tool-0.1.0.data/scripts/wordy"
    binary = _unpacked(tmp_path / "dist" / made[musl][1], tmp_path / "musl") / scripts
    assert needed_libraries(binary) == ()  # static: it needs no library at all
    binary.chmod(0o755)
    words = tmp_path / "words.txt"
    words.write_text("one two\nthree\n")
    assert run([str(binary), str(words)]).stdout.split()[:3] == ["2", "3", "14"]
    root = _unpacked(tmp_path / "dist" / made[mac][1], tmp_path / "mac")
    (image,) = macho.images((root / scripts).read_bytes())
    assert image.filetype == 2  # MH_EXECUTE


def test_a_library_the_targets_lack_is_grafted_into_aarch64_and_windows_wheels(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    """libgreet, a C library of the project's own, built for aarch64 Linux and (as a
    mingw DLL) for Windows, into folders only the build script names: auditwheel
    grafts the aarch64 one, repairwheel (delvewheel's repair) the Windows one, each
    found where the build script told cargo to link it from. The aarch64 wheel is
    then imported by the arm64 CPython under qemu, with libgreet gone from where it
    was built."""
    _need("aarch64-linux-gnu-gcc", "x86_64-w64-mingw32-gcc")
    _std_sources()
    source = str(CRATES / "repair" / "greet" / "greet.c")
    prefix = tmp_path / "prefix"
    arm_lib, win_lib = prefix / AARCH64 / "lib", prefix / WINDOWS / "lib"
    arm_lib.mkdir(parents=True)
    win_lib.mkdir(parents=True)
    soname = ["-Wl,-soname,libgreet.so.1", "-o", str(arm_lib / "libgreet.so.1")]
    run(["aarch64-linux-gnu-gcc", "-shared", "-fPIC", *soname, source])
    (arm_lib / "libgreet.so").symlink_to("libgreet.so.1")
    implib = f"-Wl,--out-implib,{win_lib / 'libgreet.dll.a'}"
    run(["x86_64-w64-mingw32-gcc", "-shared", "-o", str(win_lib / "greet.dll"), source, implib])

    project = copy_project(CRATES / "repair")
    env = {**_environment(build_env, CROSS_TARGET), **BUILD_STD, "GREET_PREFIX": str(prefix)}
    env["CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER"] = "aarch64-linux-gnu-gcc"
    env["CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER"] = "x86_64-w64-mingw32-gcc"
    out = tmp_path / "dist"
    args = ["--target", AARCH64, "--target", WINDOWS, "-i", _arm64_interpreter(tmp_path)]
    code, output, report = _release(project, out, env, *args)
    assert code == 0, output
    made = {r["target"]: (r["wheel"], r["verified"]) for r in report["results"]}
    # auditwheel tags it for the policy it now meets (the cross glibc's symbols say which)
    assert re.fullmatch(
        r"repair_demo-0\.1\.0-cp39-abi3-manylinux_2_\d+_aarch64\.whl", made[AARCH64][0]
    )
    assert made[AARCH64][1] == "imported under emulation (cpython3.11)"
    assert made[WINDOWS] == ("repair_demo-0.1.0-cp39-abi3-win_amd64.whl", "checked from the file")
    before = _state(out)
    code, output, _ = _release(project, out, env, *args)
    assert code == 0
    assert "Compiling" not in output, output
    assert _state(out) == before, output

    root = _unpacked(out / made[AARCH64][0], tmp_path / "arm")
    (grafted,) = (root / "repair_demo.libs").glob("libgreet*.so*")
    assert grafted.name in (needed_libraries(root / "repair_pkg" / "_native.abi3.so") or ())
    with zipfile.ZipFile(out / made[WINDOWS][0]) as archive:
        names = archive.namelist()
        (dll,) = [
            n for n in names if n.rsplit("/", 1)[-1].startswith("greet") and n.endswith(".dll")
        ]
        module = read_pe(archive.read("repair_pkg/_native.pyd"))
    assert module is not None and dll.rsplit("/", 1)[-1] in module.imported_dlls, (names, module)
    assert "greet.dll" not in module.imported_dlls

    shutil.rmtree(prefix)  # only the grafted copies are left
    called = arm64_python(
        "from repair_pkg import _native; print(_native.greeting())", root, cwd=tmp_path
    )
    assert called.stdout == "hello from libgreet\n"


def test_example_crates_release_wheels_module_and_binary_for_every_target(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    """What a release is, not what the other tests build: the example crate, abi3,
    in the release profile (stripped, optimised; macOS binaries stripped by the
    sysroot's rust-objcopy), module and `example-wc` binary, for every target this
    machine builds, in one run. The musl binary is linked through zig from the
    standard library cargo built, static, and runs here."""
    _need("aarch64-linux-gnu-gcc", "x86_64-w64-mingw32-gcc")
    _std_sources()
    project = copy_project(EXAMPLE)
    pyproject = project / "pyproject.toml"
    module = 'target = "example_crate._native"'
    text = pyproject.read_text()
    assert module in text
    pyproject.write_text(text.replace(module, module + '\nfeatures = ["pyo3/abi3-py39"]', 1))
    target_dir = SHARED_TARGET.parent / "release-profile"
    env = {**_environment(build_env, target_dir), **BUILD_STD, "BUILDRS_PROFILE": "release"}
    env["CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER"] = "aarch64-linux-gnu-gcc"
    env["CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER"] = "x86_64-w64-mingw32-gcc"
    env.pop("BUILDRS_ZIG", None)
    musl = "x86_64-unknown-linux-musl"
    platforms = {
        HOST: "manylinux_2_17_x86_64.manylinux2014_x86_64",
        AARCH64: "linux_aarch64",
        musl: "musllinux_1_2_x86_64",
        WINDOWS: "win_amd64",
        "aarch64-apple-darwin": "macosx_11_0_arm64",  # x86_64's takes the same path
    }
    args = [arg for triple in platforms for arg in ("--target", triple)]
    out = tmp_path / "dist"
    code, output, report = _release(project, out, env, *args)
    assert code == 0, output
    made = {r["target"]: r["wheel"] for r in report["results"]}
    assert made == {t: f"example_crate-0.1.0-cp39-abi3-{p}.whl" for t, p in platforms.items()}
    scripts = "example_crate-0.1.0.data/scripts"
    for triple, wheel in made.items():
        with zipfile.ZipFile(out / wheel) as archive:
            names = set(archive.namelist())
        windows = triple == WINDOWS
        native = "example_crate/_native." + ("pyd" if windows else "abi3.so")
        binary = f"{scripts}/example-wc" + (".exe" if windows else "")
        assert {native, binary} <= names, (triple, sorted(names))
    words = tmp_path / "words.txt"
    words.write_text("one two\nthree two\n")
    for triple in (HOST, musl):
        root = _unpacked(out / made[triple], tmp_path / triple)
        program = root / scripts / "example-wc"
        program.chmod(0o755)
        assert run([str(program), "two", str(words)]).stdout == "2\n", triple
    static = _unpacked(out / made[musl], tmp_path / "musl-check") / scripts / "example-wc"
    assert needed_libraries(static) == ()
