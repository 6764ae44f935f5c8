"""The date a wheel's entries carry: ``SOURCE_DATE_EPOCH``, or the last commit's.

Two builds of one commit are then the same bytes. Outside a git checkout (an
unpacked sdist, say) the date is 1980-01-01, the earliest a zip entry can hold.
The date of the commit last asked about is kept in ``build/buildrs/`` under the
commit's name: git takes longer to start than the rest of a wheel hook that builds
nothing, and HEAD is read from ``.git`` without it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from buildrs import folders
from buildrs.errors import BuildrsError, ConfigError

__all__ = ["ZIP_EPOCH", "BuildDate", "build_date", "head_commit"]

ZIP_EPOCH = 315532800
"""1980-01-01, the earliest date a zip entry can hold."""


@dataclass(frozen=True)
class BuildDate:
    """When a build says it was made."""

    epoch: int
    """Seconds since 1970: the date of every entry of the wheel (1980 at the earliest)."""
    given: bool
    """``SOURCE_DATE_EPOCH`` named it (the SBOM then carries it as its timestamp)."""


def build_date(project: Path, environ: Mapping[str, str]) -> BuildDate:
    """``SOURCE_DATE_EPOCH`` when it is set, else the date of the commit HEAD names."""
    given = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if given:
        if not given.isdigit():
            raise ConfigError(
                f"SOURCE_DATE_EPOCH={given!r} is not a date: it must be a number of seconds "
                "since 1970-01-01 (for example `date +%s`, or `git log -1 --format=%ct`); "
                "unset it to date the wheel by the last commit"
            )
        return BuildDate(int(given), True)
    return BuildDate(_commit_date(project, environ), False)


def _in_repository(project: Path, environ: Mapping[str, str]) -> bool:
    """Whether git could find a repository for ``project`` (a ``.git`` above it, or
    the variables that point git elsewhere)."""
    if any(name in environ for name in ("GIT_DIR", "GIT_WORK_TREE")):
        return True
    return any((folder / ".git").exists() for folder in (project, *project.parents))


def _commit_date(project: Path, environ: Mapping[str, str]) -> int:
    if not _in_repository(project, environ):
        return ZIP_EPOCH  # an unpacked sdist, say: no git to ask
    commit = head_commit(project, environ)
    memo = Path(folders.commit_date(project))
    if commit is not None:
        try:
            known = json.loads(memo.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            known = None
        if isinstance(known, list) and len(known) == 2 and known[0] == commit:
            return int(known[1])
    epoch = _git_date(project)
    if commit is not None:
        try:
            memo.parent.mkdir(parents=True, exist_ok=True)
            memo.write_text(json.dumps([commit, epoch]), encoding="utf-8")
        except OSError:
            pass
    return epoch


def _git_date(project: Path) -> int:
    from buildrs import process

    try:
        result = process.run(
            ["git", "log", "-1", "--format=%ct"], cwd=project, quiet=True, check=False
        )
    except BuildrsError:  # no git
        return ZIP_EPOCH
    stamp = result.stdout.strip()
    if result.returncode != 0 or not stamp.isdigit():
        return ZIP_EPOCH
    return max(int(stamp), ZIP_EPOCH)


def head_commit(project: Path, environ: Mapping[str, str] = os.environ) -> str | None:
    """The commit HEAD names, read from ``.git`` where that is a plain repository
    folder with the commit in a loose or packed ref; ``None`` where git alone can
    tell (a worktree, a submodule, ``GIT_DIR``, no repository)."""
    if any(name in environ for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_CEILING_DIRECTORIES")):
        return None
    for folder in (project, *project.parents):
        git = folder / ".git"
        if git.exists():
            break
    else:
        return None
    try:
        head = (git / "HEAD").read_text(encoding="utf-8").strip()
        if not head.startswith("ref: "):
            return head if _is_commit(head) else None
        ref = head[len("ref: ") :]
        loose = git / ref
        if loose.is_file():
            commit = loose.read_text(encoding="utf-8").strip()
            return commit if _is_commit(commit) else None
        for line in (git / "packed-refs").read_text(encoding="utf-8").splitlines():
            commit, _, name = line.partition(" ")
            if name == ref and _is_commit(commit):
                return commit
    except OSError:  # .git is a file (a worktree's), or unreadable
        return None
    return None


def _is_commit(text: str) -> bool:
    return len(text) in (40, 64) and all(c in "0123456789abcdef" for c in text)
