"""Careless and hostile input: clear errors, nothing written outside the project,
no build that succeeds wrongly. Real pip and cargo."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import COMPAT, CopyProject, Venv, pip_wheel, run

pytestmark = pytest.mark.integration


def test_two_checkouts_sharing_a_target_dir_each_ship_their_own_code(
    copy_project: CopyProject, fresh_venv: Venv, build_env: dict[str, str], tmp_path: Path
) -> None:
    """cargo reports the second checkout fresh (it fingerprints by package name and
    file times, not by path); buildrs notices and rebuilds it."""
    first = copy_project(COMPAT / "cliopts", "first")
    second = copy_project(COMPAT / "cliopts", "second")
    lib = second / "src" / "lib.rs"
    lib.write_text(lib.read_text().replace("    8\n", "    80\n"))
    os.utime(lib, (946684800, 946684800))  # a checkout older than the other's build
    env = {**build_env, "CARGO_TARGET_DIR": str(tmp_path / "shared-target")}
    answers = []
    for project in (first, second):
        wheel = pip_wheel(project, tmp_path / project.name, env)
        fresh_venv.pip("install", "--force-reinstall", str(wheel))
        answers.append(fresh_venv.python_run("import cliopts_pkg; print(cliopts_pkg.answer())"))
    assert answers == ["8\n", "80\n"]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_concurrent_builds_of_one_project_both_succeed_identically(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    """Two `pip wheel` runs in one project at once would collide in setuptools' build/
    directory; buildrs serialises them, and both wheels are the same bytes."""
    project = copy_project(COMPAT / "cliopts")
    argv = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w"]
    procs = [
        subprocess.Popen(
            [*argv, str(tmp_path / name), str(project)],
            env=build_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for name in ("one", "two")
    ]
    outputs = [proc.communicate(timeout=600)[0] for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], outputs
    (one,) = (tmp_path / "one").glob("*.whl")
    (two,) = (tmp_path / "two").glob("*.whl")
    assert sha256(one) == sha256(two)


def git(cwd: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_DATE": "2026-01-02T03:04:05Z",
        "GIT_COMMITTER_DATE": "2026-01-02T03:04:05Z",
    }
    run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=cwd, env=env)


def test_two_checkouts_of_one_commit_give_identical_wheels(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    """Without SOURCE_DATE_EPOCH, the wheel's dates come from the last commit."""
    origin = copy_project(COMPAT / "cliopts", "origin")
    git(origin, "init", "-q")
    git(origin, "add", ".")
    git(origin, "commit", "-q", "-m", "fixture")
    clone = tmp_path / "elsewhere" / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    env = {k: v for k, v in build_env.items() if k != "SOURCE_DATE_EPOCH"}
    env["BUILDRS_PROFILE"] = "release"  # no debug info, which names the checkout's path
    wheels = [
        pip_wheel(project, tmp_path / f"dist-{project.name}", env) for project in (origin, clone)
    ]
    assert sha256(wheels[0]) == sha256(wheels[1])
    with zipfile.ZipFile(wheels[0]) as archive:
        assert {info.date_time[:3] for info in archive.infolist()} == {(2026, 1, 2)}
