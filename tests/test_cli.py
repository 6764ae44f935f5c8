"""`python -m buildrs`: its answers where nothing is built, and the lines a build ends with."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from buildrs import __version__
from buildrs.cli.main import DEVELOP_SETTINGS
from buildrs.config.settings import develop_settings, settings_table
from conftest import CRATES, CopyProject, pip_wheel_logged, run

BUILDRS = [sys.executable, "-m", "buildrs"]


def test_version() -> None:
    assert run([*BUILDRS, "--version"]).stdout == f"buildrs {__version__}\n"


def test_keys_into_a_closed_pipe_ends_quietly() -> None:
    """`python -m buildrs keys | head -1`: the reader leaves early; no traceback."""
    shell = f"{sys.executable} -m buildrs keys settings | head -1"
    result = subprocess.run(shell, shell=True, capture_output=True, text=True, check=False)
    assert result.stdout == settings_table().splitlines()[0] + "\n"
    assert result.stderr == ""


def test_develop_options_are_the_declared_develop_settings() -> None:
    """develop's options are written out for a fast start; they are exactly the settings
    declared ``develop=True``, with a value unless the setting is a flag."""
    declared = [(name, d.kind == "flag") for name, d in develop_settings()]
    written = [(name, metavar is None) for name, metavar, _ in DEVELOP_SETTINGS]
    assert written == declared


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda p: None, "there is no pyproject.toml or setup.py here"),
        (
            lambda p: (p / "pyproject.toml").write_text("[project]\nname = 'x'\n"),
            "nothing to build",
        ),
    ],
    ids=["empty-folder", "no-targets"],
)
def test_develop_where_there_is_no_project(tmp_path: Path, make: object, words: str) -> None:
    make(tmp_path)  # type: ignore[operator]
    result = run([*BUILDRS, "develop", str(tmp_path)], check=False)
    assert result.returncode == 1
    assert words in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "build").exists()


def test_develop_refuses_release_with_another_profile(tmp_path: Path) -> None:
    result = run([*BUILDRS, "develop", str(tmp_path), "--release", "--profile", "dev"], check=False)
    assert result.returncode == 1
    assert "--release and --profile cannot be used together" in result.stderr


@pytest.mark.integration
def test_a_build_ends_with_one_line_per_target(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    """Under `pip wheel -v` (and so `pip install -v`): what was built, where, with
    which profile, in how many seconds."""
    project = copy_project(CRATES / "fastpath")
    own = {**build_env, "CARGO_TARGET_DIR": str(tmp_path / "target")}
    _, log = pip_wheel_logged(project, tmp_path / "dist", own)
    lines = [line for line in log.splitlines() if "buildrs: ext-module 'fast_pkg._fast' ->" in line]
    assert len(lines) == 1, log
    assert "fast_pkg/_fast" in lines[0]
    assert lines[0].rstrip().endswith(" s)")
    assert "(dev profile, " in lines[0]
