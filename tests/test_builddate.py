"""A build's date, read without a process where it can be: the commit HEAD names, the
date of that commit kept for the next hook, and ``SOURCE_DATE_EPOCH`` checked."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from buildrs.errors import ConfigError
from buildrs.plan import builddate


def git(cwd: Path, *args: str) -> str:
    argv = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args]
    env = {**os.environ, "GIT_COMMITTER_DATE": "2026-01-02T03:04:05Z"}
    return subprocess.run(argv, cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def test_the_head_commit_is_read_from_the_repository(tmp_path: Path) -> None:
    assert builddate.head_commit(tmp_path / "nowhere") is None
    repo = tmp_path / "repo"
    (repo / "sub").mkdir(parents=True)
    git(repo, "init", "-q")
    (repo / "sub" / "file").write_text("x")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "one")
    head = git(repo, "rev-parse", "HEAD").strip()
    assert builddate.head_commit(repo / "sub") == head  # loose ref, from a subfolder
    git(repo, "pack-refs", "--all")
    assert builddate.head_commit(repo) == head  # packed ref
    git(repo, "checkout", "-q", "--detach")
    assert builddate.head_commit(repo) == head  # detached HEAD
    git(repo, "worktree", "add", "-q", str(tmp_path / "tree"))
    assert builddate.head_commit(tmp_path / "tree") is None  # .git is a file: git knows
    # The commit's date, kept for the next hook under the commit's name.
    date = builddate.build_date(repo / "sub", {})
    assert date == builddate.BuildDate(1767323045, given=False)
    memo = repo / "sub" / "build" / "buildrs" / "commit-date.json"
    assert json.loads(memo.read_text()) == [head, 1767323045]
    git(repo, "commit", "-q", "--allow-empty", "-m", "two")
    assert builddate.build_date(repo / "sub", {}).epoch == 1767323045
    assert json.loads(memo.read_text())[0] == git(repo, "rev-parse", "HEAD").strip()


def test_source_date_epoch_wins_and_must_be_a_number(tmp_path: Path) -> None:
    given = builddate.build_date(tmp_path, {"SOURCE_DATE_EPOCH": "1700000000"})
    assert given == builddate.BuildDate(1700000000, given=True)
    # Outside a repository: 1980, the earliest date a zip entry can hold.
    assert builddate.build_date(tmp_path, {}) == builddate.BuildDate(315532800, given=False)
    with pytest.raises(ConfigError, match="SOURCE_DATE_EPOCH='yesterday' is not a date"):
        builddate.build_date(tmp_path, {"SOURCE_DATE_EPOCH": "yesterday"})
