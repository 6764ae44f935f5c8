"""Naming rules for targets other than the running interpreter's."""

from __future__ import annotations

import os
import sys
import sysconfig

import pytest

from buildrs.platform import detect, ext_suffix_for, os_of_triple, wheel_platform_for


@pytest.mark.parametrize(
    ("triple", "os_name", "suffix", "wheel_platform"),
    [
        ("x86_64-unknown-linux-gnu", "linux", ".cpython-311-x86_64-linux-gnu.so", "linux_x86_64"),
        (
            "aarch64-unknown-linux-gnu",
            "linux",
            ".cpython-311-aarch64-linux-gnu.so",
            "linux_aarch64",
        ),
        ("i686-unknown-linux-gnu", "linux", ".cpython-311-i386-linux-gnu.so", "linux_i686"),
        (
            "armv7-unknown-linux-gnueabihf",
            "linux",
            ".cpython-311-arm-linux-gnueabihf.so",
            "linux_armv7l",
        ),
        ("x86_64-unknown-linux-musl", "linux", ".cpython-311-x86_64-linux-musl.so", "linux_x86_64"),
        ("x86_64-apple-darwin", "macos", ".cpython-311-darwin.so", "macosx_10_12_x86_64"),
        ("aarch64-apple-darwin", "macos", ".cpython-311-darwin.so", "macosx_11_0_arm64"),
        ("x86_64-pc-windows-msvc", "windows", ".cp311-win_amd64.pyd", "win_amd64"),
        ("x86_64-pc-windows-gnu", "windows", ".cp311-win_amd64.pyd", "win_amd64"),
        ("aarch64-pc-windows-msvc", "windows", ".cp311-win_arm64.pyd", "win_arm64"),
        ("i686-pc-windows-msvc", "windows", ".cp311-win32.pyd", "win32"),
    ],
)
def test_cross_target_names(triple: str, os_name: str, suffix: str, wheel_platform: str) -> None:
    assert os_of_triple(triple) == os_name
    assert ext_suffix_for(triple, (3, 11)) == suffix
    assert wheel_platform_for(triple, "10.12") == wheel_platform


def test_detect_host_uses_sysconfig() -> None:
    platform = detect(environ={})
    assert platform.ext_suffix == sysconfig.get_config_var("EXT_SUFFIX")
    assert platform.python_version == sys.version_info[:2]
    assert platform.target is None
    assert platform.wheel_platform is None


def test_pyo3_python_is_stable_across_build_environments() -> None:
    """PyO3 gets the real path of the base interpreter, whichever environment (pip's
    overlay, a new venv per build) runs the backend."""
    base = os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)
    assert detect(environ={}).python == base
    assert detect(environ={"PYTHONPATH": "/pip/overlay"}).python == base
    assert detect(environ={"PYO3_PYTHON": "/chosen/python"}).python == "/chosen/python"


def test_detect_cross_target_and_pyo3_python_override() -> None:
    platform = detect(
        environ={"CARGO_BUILD_TARGET": "aarch64-pc-windows-msvc", "PYO3_PYTHON": "/x/python"}
    )
    assert platform.target == "aarch64-pc-windows-msvc"
    assert platform.os == "windows"
    assert platform.ext_suffix == f".cp{sys.version_info[0]}{sys.version_info[1]}-win_arm64.pyd"
    assert platform.wheel_platform == "win_arm64"
    assert platform.python == "/x/python"
    assert platform.exe_suffix == ".exe"
    assert platform.abi3_suffix == ".pyd"
