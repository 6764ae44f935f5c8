"""What a wheel hook's snapshot rests on that is read without a process: the commit
HEAD names, and the date of that commit kept for the next hook."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from buildrs.plugin import snapshot


def git(cwd: Path, *args: str) -> str:
    argv = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args]
    env = {**os.environ, "GIT_COMMITTER_DATE": "2026-01-02T03:04:05Z"}
    return subprocess.run(argv, cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def test_the_head_commit_is_read_from_the_repository(tmp_path: Path) -> None:
    assert snapshot._head_commit(tmp_path / "nowhere") is None
    repo = tmp_path / "repo"
    (repo / "sub").mkdir(parents=True)
    git(repo, "init", "-q")
    (repo / "sub" / "file").write_text("x")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "one")
    head = git(repo, "rev-parse", "HEAD").strip()
    assert snapshot._head_commit(repo / "sub") == head  # loose ref, from a subfolder
    git(repo, "pack-refs", "--all")
    assert snapshot._head_commit(repo) == head  # packed ref
    git(repo, "checkout", "-q", "--detach")
    assert snapshot._head_commit(repo) == head  # detached HEAD
    git(repo, "worktree", "add", "-q", str(tmp_path / "tree"))
    assert snapshot._head_commit(tmp_path / "tree") is None  # .git is a file: git knows
    # The commit's date, kept for the next hook under the commit's name.
    assert snapshot.source_date_epoch(repo / "sub") == "1767323045"
    memo = repo / "sub" / "build" / "buildrs-wheel" / "commit-date.json"
    assert json.loads(memo.read_text()) == [head, "1767323045"]
    git(repo, "commit", "-q", "--allow-empty", "-m", "two")
    assert snapshot.source_date_epoch(repo / "sub") == "1767323045"
    assert json.loads(memo.read_text())[0] == git(repo, "rev-parse", "HEAD").strip()
