"""The last check before a wheel is written: its modules against its tag, and its
declared targets against its files. Pure logic, table-driven."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from buildrs.binfmt import macho
from buildrs.wheel.check import check_binary_platforms, check_wheel_files, module_abi
from buildrs.wheel.repair import _macos_provided, _windows_provided, system_of

LINUX_311 = "pkg/_native.cpython-311-x86_64-linux-gnu.so"
LINUX_312 = "pkg/_native.cpython-312-x86_64-linux-gnu.so"
FREE_313 = "pkg/_native.cpython-313t-x86_64-linux-gnu.so"
ABI3 = "pkg/_native.abi3.so"
ABI3T = "pkg/_native.abi3t.so"
WIN_311 = "pkg/_native.cp311-win_amd64.pyd"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (LINUX_311, ("cp", (3, 11))),
        (FREE_313, ("cpt", (3, 13))),
        (ABI3, ("abi3", None)),
        (WIN_311, ("cp", (3, 11))),
        ("pkg/_native.pyd", ("abi3", None)),
        ("pkg/_native.pypy310-pp73-x86_64-linux-gnu.so", ("other", None)),
        ("pkg/libhelper.so", ("", None)),
        ("pkg/data.txt", ("", None)),
    ],
)
def test_module_abi(name: str, expected: tuple[str, tuple[int, int] | None]) -> None:
    assert module_abi(name) == expected


CP311 = ("cp311", "cp311", "linux_x86_64")
CP39_ABI3 = ("cp39", "abi3", "linux_x86_64")
CP315_ABI3T = ("cp315", "abi3.abi3t", "linux_x86_64")
PURE = ("py3", "none", "linux_x86_64")


@pytest.mark.parametrize(
    ("files", "tag", "floors", "problem"),
    [
        ([LINUX_311], CP311, {LINUX_311: None}, None),
        ([ABI3], CP39_ABI3, {ABI3: (3, 9)}, None),
        ([ABI3], CP311, {ABI3: (3, 9)}, None),  # an abi3 module runs on 3.11 too
        ([ABI3T], CP315_ABI3T, {ABI3T: (3, 15)}, None),
        ([ABI3T], ("cp315", "abi3", "linux_x86_64"), {ABI3T: (3, 15)}, None),
        ([ABI3T], ("cp315", "cp315t", "linux_x86_64"), {ABI3T: (3, 15)}, None),
        (
            [ABI3],
            CP315_ABI3T,
            {ABI3: (3, 9)},
            f"{ABI3} is not built for abi3t, but the wheel is tagged "
            "cp315-abi3.abi3t-linux_x86_64, which free-threaded CPython installs",
        ),
        (
            ["pkg/_native.cpython-315-x86_64-linux-gnu.so"],
            CP315_ABI3T,
            {},
            "pkg/_native.cpython-315-x86_64-linux-gnu.so is not built for abi3t",
        ),
        (
            [ABI3T],
            ("cp314", "abi3.abi3t", "linux_x86_64"),
            {ABI3T: (3, 15)},
            f"{ABI3T} needs the stable ABI of Python 3.15 or newer, but the wheel is tagged "
            "cp314-abi3.abi3t-linux_x86_64",
        ),
        ([ABI3, "pkg/libhelper.so"], CP39_ABI3, {ABI3: (3, 8)}, None),
        (
            [LINUX_311],
            CP39_ABI3,
            {LINUX_311: None},
            f"{LINUX_311} is built for one Python version only, but the wheel is tagged "
            "cp39-abi3-linux_x86_64",
        ),
        (
            [ABI3],
            CP39_ABI3,
            {ABI3: (3, 11)},
            f"{ABI3} needs the stable ABI of Python 3.11 or newer, but the wheel is tagged "
            "cp39-abi3-linux_x86_64",
        ),
        (
            [ABI3],
            CP311,
            {ABI3: (3, 12)},
            f"{ABI3} needs the stable ABI of Python 3.12 or newer",
        ),
        (
            [LINUX_312],
            CP311,
            {},
            f"{LINUX_312} is built for Python 3.12 but the wheel is tagged cp311-cp311-",
        ),
        (
            [LINUX_311],
            PURE,
            {},
            f"{LINUX_311} is an extension module, but the wheel is tagged py3-none-",
        ),
    ],
)
def test_modules_against_the_tag(
    files: list[str],
    tag: tuple[str, str, str],
    floors: dict[str, tuple[int, int] | None],
    problem: str | None,
) -> None:
    problems = check_wheel_files(files, tag, floors, [])
    if problem is None:
        assert problems == []
    else:
        assert len(problems) == 1 and problems[0].startswith(problem), problems


def test_a_declared_target_must_be_in_the_wheel() -> None:
    required = [
        (LINUX_311, "RustExtension('pkg._native')"),
        ("pkg-0.1.0.data/scripts/tool", "RustBin('tool')"),
    ]
    problems = check_wheel_files(["pkg/__init__.py", LINUX_311], CP311, {}, required)
    assert problems == [
        "RustBin('tool') is declared but pkg-0.1.0.data/scripts/tool is not in the wheel "
        "(was it built in place?)"
    ]


def _elf(machine: int) -> bytes:
    return b"\x7fELF\x02\x01\x01" + bytes(11) + struct.pack("<H", machine) + bytes(40)


def _pe(machine: int) -> bytes:
    head = bytearray(0x100)
    head[:2] = b"MZ"
    struct.pack_into("<I", head, 0x3C, 0x80)
    head[0x80:0x84] = b"PE\0\0"
    struct.pack_into("<H", head, 0x84, machine)
    return bytes(head)


def _macho(cputype: int) -> bytes:
    return struct.pack("<IiI", 0xFEEDFACF, cputype, 0) + bytes(20)


@pytest.mark.parametrize(
    ("head", "platform_tag", "problem"),
    [
        (_elf(62), "linux_x86_64", None),
        (_elf(62), "manylinux_2_17_x86_64.manylinux2014_x86_64", None),
        (_elf(183), "musllinux_1_2_aarch64", None),
        (_elf(183), "linux_x86_64", "is a linux binary for aarch64, but the wheel is tagged"),
        (_elf(62), "win_amd64", "is a linux binary for x86_64, but the wheel is tagged win_amd64"),
        (_pe(0x8664), "win_amd64", None),
        (_pe(0xAA64), "win_amd64", "is a win binary for arm64"),
        (_pe(0x14C), "win32", None),
        (_macho(0x01000007), "macosx_10_12_x86_64", None),
        (_macho(0x0100000C), "macosx_11_0_arm64", None),
        (_macho(0x0100000C), "macosx_10_12_x86_64", "is a macosx binary for arm64"),
        (
            macho.write_fat([_macho(0x01000007), _macho(0x0100000C)]),
            "macosx_10_12_universal2",
            None,
        ),
        (_macho(0x01000007), "macosx_10_12_universal2", "is a macosx binary for x86_64"),
        (b"#!/bin/sh\n", "win_amd64", None),
    ],
)
def test_binaries_for_another_platform_are_caught(
    tmp_path: Path, head: bytes, platform_tag: str, problem: str | None
) -> None:
    """A stale binary of an earlier build for another target must not ship."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "file").write_bytes(head)
    problems = check_binary_platforms({"pkg/file": tmp_path / "pkg" / "file"}, platform_tag)
    if problem is None:
        assert problems == []
    else:
        (found,) = problems
        assert found.startswith("pkg/file ") and problem in found


@pytest.mark.parametrize(
    ("name", "platform_tag", "problem"),
    [
        ("pkg/_native.cpython-311-x86_64-linux-gnu.so", "musllinux_1_2_x86_64", "linux-gnu"),
        ("pkg/_native.cpython-311-x86_64-linux-musl.so", "musllinux_1_2_x86_64", None),
        ("pkg/_native.cpython-311-x86_64-linux-musl.so", "linux_x86_64", "linux-musl"),
        ("pkg/_native.cpython-311-darwin.so", "macosx_11_0_arm64", None),
        ("pkg/_native.cpython-311-darwin.so", "win_amd64", "darwin"),
        ("pkg/_native.cp311-win_amd64.pyd", "win_amd64", None),
        ("pkg/_native.cp311-win_amd64.pyd", "manylinux_2_17_x86_64", "windows"),
        ("pkg/_native.cpython-311-aarch64-linux-gnu.so", "manylinux_2_17_aarch64", None),
    ],
)
def test_module_names_for_another_system_are_caught(
    name: str, platform_tag: str, problem: str | None
) -> None:
    problems = check_wheel_files([name], ("cp311", "cp311", platform_tag), {}, [])
    if problem is None:
        assert problems == []
    else:
        (found,) = problems
        assert found.startswith(f"{name} is named for {problem}, but the wheel is tagged")


@pytest.mark.parametrize(
    ("name", "system"),
    [
        ("demo-1.0-cp39-abi3-win_amd64.whl", "windows"),
        ("demo-1.0-cp311-cp311-win_arm64.whl", "windows"),
        ("demo-1.0-cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "linux"),
        ("demo-1.0-cp39-abi3-musllinux_1_2_aarch64.whl", "linux"),
        ("demo-1.0-cp311-cp311-linux_armv7l.whl", "linux"),
        ("demo-1.0-cp39-abi3-macosx_11_0_arm64.whl", "macos"),
        ("demo-1.0-py3-none-any.whl", None),
    ],
)
def test_whose_binaries_a_wheel_holds(name: str, system: str | None) -> None:
    assert system_of(Path(name)) == system


AMD64 = 0x8664


@pytest.mark.parametrize(
    ("dll", "provided"),
    [
        ("KERNEL32.dll", True),
        ("ntdll.dll", True),
        ("api-ms-win-crt-runtime-l1-1-0.dll", True),
        ("api-ms-win-core-synch-l1-2-0.dll", True),
        ("python3.dll", True),
        ("python313t.dll", True),
        ("VCRUNTIME140_1.dll", True),
        ("msvcrt.dll", True),
        ("bcryptprimitives.dll", True),
        ("greet.dll", False),
        ("libgcc_s_seh-1.dll", False),
        ("libwinpthread-1.dll", False),
        ("msvcp140.dll", False),
    ],
)
def test_dlls_every_windows_has(dll: str, provided: bool) -> None:
    assert _windows_provided(dll, AMD64) is provided


def test_the_rest_of_windows_dlls_are_delvewheels_list() -> None:
    pytest.importorskip("delvewheel", reason="delvewheel comes with repairwheel (Python 3.11+)")
    assert _windows_provided("d3d11.dll", AMD64)
    assert _windows_provided("WINHTTP.dll", AMD64)
    assert not _windows_provided("greet.dll", AMD64)


@pytest.mark.parametrize(
    ("library", "provided"),
    [
        ("/usr/lib/libSystem.B.dylib", True),
        ("/System/Library/Frameworks/CoreFoundation.framework/Versions/A/CoreFoundation", True),
        ("@rpath/libgreet.dylib", False),
        ("/opt/homebrew/lib/libssl.3.dylib", False),
    ],
)
def test_libraries_every_macos_has(library: str, provided: bool) -> None:
    assert _macos_provided(library) is provided
