"""The installed package: its API, its docs, and its command line tool."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import example_crate as ec


def test_reexports_native_api() -> None:
    from example_crate import _native

    for name in ec.__all__:
        assert getattr(ec, name) is getattr(_native, name)


def test_docstring_lists_the_api() -> None:
    assert ec.__doc__ is not None
    for name in ec.__all__:
        assert name in ec.__doc__, name


def test_typing_files_ship() -> None:
    package = Path(ec.__file__).parent
    assert (package / "py.typed").is_file()
    assert (package / "_native.pyi").is_file()


def test_example_wc_script(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "example-wc"
    assert script.is_file() or shutil.which("example-wc"), "example-wc was not installed"
    path = str(script) if script.is_file() else "example-wc"
    sample = tmp_path / "sample.txt"
    sample.write_text("to be or not to be\nto be\n")
    result = subprocess.run([path, "be", str(sample)], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "3"
    piped = subprocess.run([path, "to"], input="to to\nno\n", capture_output=True, text=True)
    assert piped.stdout.strip() == "2"
    usage = subprocess.run([path], capture_output=True, text=True)
    assert usage.returncode == 2
    assert "usage: example-wc WORD [FILE]" in usage.stderr


def test_demo_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "example_crate"], capture_output=True, text=True, check=True
    )
    assert "sum_as_string(5, 20) == '25'" in result.stdout
    assert "Rust, parallel" in result.stdout
