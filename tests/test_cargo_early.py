"""cargo starts before setuptools on a wheel build's setuptools path, and the build
takes that run over (``process.start_early``): one cargo run per command, the first
of them before setuptools' egg_info."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from buildrs.errors import CargoError
from buildrs.pipeline import process
from conftest import pip_wheel_logged

PRINT = [sys.executable, "-c", "import os; print(os.environ.get('EARLY_VALUE', '-'))"]


def test_a_run_takes_over_the_same_command_started_early(tmp_path: Path) -> None:
    process.start_early(PRINT, env={"EARLY_VALUE": "early"}, cwd=tmp_path)
    try:
        # Another environment is another command: it runs on its own.
        assert process.run(PRINT, env={"EARLY_VALUE": "other"}, cwd=tmp_path).stdout == "other\n"
        lines: list[str] = []
        process.run(PRINT, env={"EARLY_VALUE": "early"}, cwd=tmp_path, on_line=lines.append)
        assert lines == ["early"]
        # Taken once: the same command again runs again.
        process.start_early(PRINT, env={"EARLY_VALUE": "early"}, cwd=tmp_path)
        assert process.run(PRINT, env={"EARLY_VALUE": "early"}, cwd=tmp_path).stdout == "early\n"
    finally:
        process.stop_early()


def test_a_failure_started_early_is_the_runs_failure(tmp_path: Path) -> None:
    failing = [sys.executable, "-c", "raise SystemExit(3)"]
    process.start_early(failing, cwd=tmp_path)
    with pytest.raises(CargoError) as raised:
        process.run(failing, cwd=tmp_path)
    assert raised.value.returncode == 3


def test_what_no_run_takes_is_stopped(tmp_path: Path) -> None:
    marker = tmp_path / "finished"
    sleeper = [sys.executable, "-c", f"import time; time.sleep(30); open({str(marker)!r}, 'w')"]
    process.start_early(sleeper)
    process.stop_early()
    assert not marker.exists()
    assert process.run(PRINT).stdout == "-\n"


@pytest.mark.integration
def test_the_wheel_build_takes_over_cargo_started_before_setuptools(
    ffi_project: Path, build_env: dict[str, str], tmp_path: Path
) -> None:
    project = ffi_project
    # A MANIFEST.in, whose rules setuptools applies: setuptools builds the wheel.
    (project / "MANIFEST.in").write_text("include README*\n")
    # Each cargo call, with how many egg-info folders setuptools had written by then.
    log = tmp_path / "calls.log"
    wrapper = tmp_path / "cargo-wrapper"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'echo "$(find . -maxdepth 2 -name "*.egg-info" | wc -l) $1" >> "{log}"\n'
        f'exec "{shutil.which("cargo")}" "$@"\n'
    )
    wrapper.chmod(0o755)
    # A target directory of its own: nothing in it was built from another checkout.
    env = {**build_env, "CARGO": str(wrapper), "CARGO_TARGET_DIR": str(tmp_path / "target")}
    wheel, output = pip_wheel_logged(project, tmp_path / "dist", env, "--no-build-isolation")
    assert "running egg_info" in output
    calls = [line.split() for line in log.read_text().splitlines()]
    # The library's build and the SBOM's cargo metadata (of the library's graph and
    # the binary's) started before egg_info, and were taken over; the binary's build
    # (the plan's second cargo run) came after it.
    assert [c for c in calls if c[1] != "-vV"] == [
        ["0", "rustc"],
        ["0", "metadata"],
        ["0", "metadata"],
        ["1", "build"],
    ]
    assert wheel.name.startswith("ffi_demo-0.1.0-")
