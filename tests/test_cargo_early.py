"""A wheel build starts cargo before it makes the wheel's Python part, and the build
takes that run over (``process.start``, handed to ``process.run`` as ``started``):
one cargo run per command, the first of them before setuptools' egg_info."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from buildrs import process
from buildrs.errors import CargoError
from conftest import pip_wheel_logged

PRINT = [sys.executable, "-c", "import os; print(os.environ.get('EARLY_VALUE', '-'))"]


def _start(argv: list[str], cwd: Path | None = None, **env: str) -> process.Started:
    found = process.start(argv, env=env, cwd=cwd)
    assert found is not None
    return found


def test_a_run_takes_over_the_same_command_started_early(tmp_path: Path) -> None:
    early = [_start(PRINT, tmp_path, EARLY_VALUE="early")]
    try:
        # Another environment is another command: it runs on its own.
        other = process.run(PRINT, env={"EARLY_VALUE": "other"}, cwd=tmp_path, started=early)
        assert other.stdout == "other\n"
        lines: list[str] = []
        process.run(
            PRINT, env={"EARLY_VALUE": "early"}, cwd=tmp_path, on_line=lines.append, started=early
        )
        assert lines == ["early"]
        assert early[0].taken
        # Taken once: the same command again runs again.
        again = process.run(PRINT, env={"EARLY_VALUE": "early"}, cwd=tmp_path, started=early)
        assert again.stdout == "early\n"
    finally:
        for started in early:
            started.stop()


def test_a_failure_started_early_is_the_runs_failure(tmp_path: Path) -> None:
    failing = [sys.executable, "-c", "raise SystemExit(3)"]
    early = [_start(failing, tmp_path)]
    with pytest.raises(CargoError) as raised:
        process.run(failing, cwd=tmp_path, started=early)
    assert raised.value.returncode == 3


def test_what_no_run_takes_is_stopped(tmp_path: Path) -> None:
    marker = tmp_path / "finished"
    sleeper = [sys.executable, "-c", f"import time; time.sleep(30); open({str(marker)!r}, 'w')"]
    early = _start(sleeper)
    early.stop()
    assert not marker.exists()
    assert process.run(PRINT).stdout == "-\n"


@pytest.mark.integration
def test_the_wheel_build_takes_over_cargo_started_before_setuptools(
    ffi_project: Path, build_env: dict[str, str], tmp_path: Path
) -> None:
    project = ffi_project
    # A MANIFEST.in, whose rules setuptools applies: setuptools makes the Python part.
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
    assert "setuptools makes it (MANIFEST.in" in output
    assert "running egg_info" in output
    calls = [line.split() for line in log.read_text().splitlines()]
    # The library's build started before egg_info and was taken over; the binary's
    # build (the plan's second cargo run) came after it. No other cargo command ran:
    # the SBOM is made from the build's own record.
    assert calls == [["0", "rustc"], ["1", "build"]]
    assert wheel.name.startswith("ffi_demo-0.1.0-")
