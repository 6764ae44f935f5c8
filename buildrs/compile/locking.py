"""One build of a project at a time.

setuptools builds in the project's ``build/`` directory and writes ``*.egg-info``
beside the sources, so two builds of one project at once (two ``pip wheel`` runs,
say) trip over each other's files. The first time a process wires buildrs into a
distribution it takes an exclusive lock on ``build/.buildrs.lock`` and keeps it
until the process ends: a front end runs each PEP 517 hook in a process of its
own, so concurrent builds are serialised hook by hook and both succeed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

__all__ = ["hold_project_lock", "inspecting"]

log = logging.getLogger("buildrs")

_held: dict[Path, int] = {}
_inspecting: list[bool] = []


@contextlib.contextmanager
def inspecting() -> Iterator[None]:
    """Within it, reading a project (``doctor`` running setup.py) takes no lock and
    writes nothing: nothing is built, so no build needs to wait for it."""
    _inspecting.append(True)
    try:
        yield
    finally:
        _inspecting.pop()


def _lock(fd: int, blocking: bool) -> bool:
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_LOCK if blocking else msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
    except BlockingIOError:
        return False
    return True


def hold_project_lock(project_dir: Path) -> None:
    """Take the project's build lock for the rest of this process (once per project)."""
    if _inspecting:
        return
    path = (project_dir / "build" / ".buildrs.lock").resolve()
    if path in _held:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:  # a read-only tree cannot be built into anyway
        log.debug("buildrs: no build lock at %s: %s", path, exc)
        return
    if not _lock(fd, blocking=False):
        log.warning("buildrs: another build of %s is running; waiting for it", project_dir)
        started = time.monotonic()
        _lock(fd, blocking=True)
        log.info("buildrs: waited %.1f s for the other build", time.monotonic() - started)
    _held[path] = fd
    # A process that builds the project must not rebuild it when it (or a build
    # script it starts) imports the package: that rebuild would wait for this lock.
    os.environ.setdefault("BUILDRS_REBUILDING", "1")
