"""Naming rules for targets other than the running interpreter's."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from buildrs.config.resolve import resolve
from buildrs.plan.platform import detect, ext_suffix_for, os_of_triple, wheel_platform_for


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
        (
            "x86_64-unknown-linux-musl",
            "linux",
            ".cpython-311-x86_64-linux-musl.so",
            "musllinux_1_2_x86_64",
        ),
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


def test_pyo3_python_is_one_launcher_for_every_build_environment(tmp_path: Path) -> None:
    """PyO3 gets one path whichever environment (pip's overlay, a new venv per build)
    runs the backend: a launcher that runs the build's own interpreter, with its
    PYTHONPATH, and the base interpreter outside a build."""
    env = {"XDG_CACHE_HOME": str(tmp_path)}
    plain = detect(environ=env)
    overlay = detect(environ={**env, "PYTHONPATH": "/pip/overlay"})
    assert plain.python == overlay.python
    assert Path(plain.python).is_relative_to(tmp_path / "buildrs" / "python")
    assert dict(plain.python_env) == {"BUILDRS_BUILD_PYTHON": sys.executable}
    assert dict(overlay.python_env) == {
        "BUILDRS_BUILD_PYTHON": sys.executable,
        "BUILDRS_BUILD_PYTHONPATH": "/pip/overlay",
    }
    before = Path(plain.python).stat().st_mtime_ns
    assert detect(environ=env).python == plain.python
    assert Path(plain.python).stat().st_mtime_ns == before, "an unchanged launcher is kept"
    probe = "import sys; print(sys.executable)"
    base = os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)
    outside = subprocess.run(
        [plain.python, "-c", probe], capture_output=True, text=True, env={}, check=True
    )
    assert os.path.realpath(outside.stdout.strip()) == base
    inside = subprocess.run(
        [plain.python, "-c", "import sys; print(sys.executable, sys.path[1])"],
        capture_output=True,
        text=True,
        env={**dict(overlay.python_env), "BUILDRS_BUILD_PYTHONPATH": str(tmp_path)},
        check=True,
    )
    assert inside.stdout.split() == [sys.executable, str(tmp_path)]


def test_a_chosen_pyo3_python_is_passed_on_as_it_is() -> None:
    chosen = detect(environ={"PYO3_PYTHON": "/chosen/python"})
    assert (chosen.python, chosen.python_env) == ("/chosen/python", ())


def test_detect_cross_target_and_pyo3_python_override() -> None:
    environ = {"CARGO_BUILD_TARGET": "aarch64-pc-windows-msvc", "PYO3_PYTHON": "/x/python"}
    platform = detect(resolve(config_settings={}, environ=environ), environ=environ)
    assert platform.target == "aarch64-pc-windows-msvc"
    assert platform.os == "windows"
    assert platform.ext_suffix == f".cp{sys.version_info[0]}{sys.version_info[1]}-win_arm64.pyd"
    assert platform.wheel_platform == "win_arm64"
    assert platform.python == "/x/python"
    assert platform.exe_suffix == ".exe"
    assert platform.abi3_suffix == ".pyd"
