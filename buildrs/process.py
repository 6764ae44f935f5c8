"""The one place buildrs starts processes.

Environment additions are merged over ``os.environ`` (never replacing it), the
command is logged before it runs, stderr streams straight to the user (so cargo's
progress and rendered diagnostics appear live), and stdout is either collected or
handed line by line to a callback.
"""

from __future__ import annotations

import logging
import os
import shlex
import subprocess  # noqa: TID251 - this module is the wrapper
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from buildrs.errors import CargoError

__all__ = ["ProcessResult", "Started", "merged_env", "run", "start"]

log = logging.getLogger("buildrs")


@dataclass(frozen=True)
class ProcessResult:
    returncode: int
    stdout: str
    """Collected stdout (empty when lines went to a callback)."""


def merged_env(
    additions: Mapping[str, str] | None,
    unset: Sequence[str] = (),
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """``base`` (default: ``os.environ``) with ``additions`` laid over it, less the
    variables in ``unset``."""
    env = dict(os.environ if base is None else base)
    if additions:
        env.update(additions)
    for name in unset:
        env.pop(name, None)
    return env


def _why_not_started(program: str, exc: OSError) -> str:
    """Why ``program`` could not be started, in words: a script whose ``#!``
    interpreter is missing fails with "No such file" although the script is there."""
    reason = exc.strerror or str(exc)
    if isinstance(exc, FileNotFoundError) and os.path.isfile(program):
        try:
            with open(program, "rb") as handle:
                first = handle.readline(512)
        except OSError:
            return reason
        if first.startswith(b"#!"):
            words = first[2:].decode("utf-8", "replace").split()
            interpreter = words[0] if words else ""
            return (
                f"{program} is a script whose interpreter {interpreter!r} (its #! line) does "
                "not exist; fix that line, or point the variable that named the program "
                "(CARGO, RUSTC_WRAPPER...) at the program itself"
            )
    return reason


def _popen(
    argv: Sequence[str],
    env: Mapping[str, str] | None,
    unset: Sequence[str],
    cwd: Path | str | None,
    stderr: IO[str] | None,
    base: Mapping[str, str] | None = None,
) -> subprocess.Popen[str]:
    """``argv`` started with its stdout piped as text (stderr to ``stderr``, or the
    user's)."""
    return subprocess.Popen(
        list(argv),
        env=merged_env(env, unset, base),
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        encoding="utf-8",
        errors="replace",
    )


class Started:
    """A process started ahead of the ``run`` that will take it over (see ``start``)."""

    def __init__(
        self,
        key: tuple[object, ...],
        proc: subprocess.Popen[str],
        stderr: IO[str] | None,
    ) -> None:
        self.key = key
        self.proc = proc
        self.stderr = stderr
        self.lines: list[str] = []
        self.taken = False
        assert proc.stdout is not None
        self.reader = threading.Thread(target=self.lines.extend, args=(proc.stdout,), daemon=True)
        self.reader.start()

    def stop(self) -> None:
        """Stop the process, unless a ``run`` took it over."""
        if self.taken:
            return
        self.taken = True
        self.proc.terminate()
        self.proc.wait()
        self.reader.join()  # it reads to the end of the output, then the pipe closes
        self._close()

    def _close(self) -> None:
        assert self.proc.stdout is not None
        self.proc.stdout.close()
        if self.stderr is not None:
            self.stderr.close()

    def took_over(
        self, on_line: Callable[[str], None] | None, check: bool, argv: Sequence[str]
    ) -> ProcessResult:
        """Wait for the process as ``run`` would have waited for its own."""
        self.taken = True
        returncode = self.proc.wait()
        self.reader.join()
        stderr = ""
        if self.stderr is not None:
            self.stderr.seek(0)
            stderr = self.stderr.read()
        self._close()
        if on_line is not None:
            for line in self.lines:
                on_line(line.rstrip("\n"))
        if check and returncode != 0:
            raise CargoError(argv, returncode, stderr)
        return ProcessResult(returncode, "" if on_line is not None else "".join(self.lines))


def _key(
    argv: Sequence[str],
    env: Mapping[str, str] | None,
    unset: Sequence[str],
    cwd: Path | str | None,
    quiet: bool,
    base: Mapping[str, str] | None,
) -> tuple[object, ...]:
    merged = tuple(sorted(merged_env(env, unset, base).items()))
    return (tuple(argv), merged, None if cwd is None else str(cwd), quiet)


def start(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    unset: Sequence[str] = (),
    cwd: Path | str | None = None,
    quiet: bool = False,
    base: Mapping[str, str] | None = None,
) -> Started | None:
    """Start ``argv`` now, for a later ``run`` of the same command, in the same
    directory and environment and as ``quiet``, to take over when it is handed the
    result (its stderr goes to the user as it comes, or, ``quiet``, into the error of
    a failure). ``None`` when it cannot start: ``run`` says why. What no ``run``
    takes over must be stopped (``Started.stop``)."""
    log.info("buildrs: starting %s", shlex.join(argv))
    # The file outlives this call: the run that takes the process over closes it.
    err_file = (
        tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")  # noqa: SIM115
        if quiet
        else None
    )
    try:
        proc = _popen(argv, env, unset, cwd, err_file, base)
    except OSError:
        if err_file is not None:
            err_file.close()
        return None
    return Started(_key(argv, env, unset, cwd, quiet, base), proc, err_file)


def run(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    unset: Sequence[str] = (),
    cwd: Path | str | None = None,
    on_line: Callable[[str], None] | None = None,
    quiet: bool = False,
    check: bool = True,
    started: Sequence[Started] = (),
    base: Mapping[str, str] | None = None,
) -> ProcessResult:
    """Run ``argv`` and wait for it, or take over the process of ``started`` that runs
    the same command (see ``start``).

    ``env`` holds additions to the environment ``base`` (default: this process's);
    ``unset`` names variables the process must not inherit. With ``on_line`` each
    stdout line is passed to it as it arrives; otherwise stdout is returned.
    With ``quiet``, stderr is kept and only shown (in the error) on failure.
    A non-zero exit raises ``CargoError`` when ``check`` is true.
    """
    shown_env = " ".join(f"{k}={shlex.quote(v)}" for k, v in sorted((env or {}).items()))
    log.info("buildrs: running %s%s", f"{shown_env} " if shown_env else "", shlex.join(argv))
    if started:
        key = _key(argv, env, unset, cwd, quiet, base)
        for early in started:
            if not early.taken and early.key == key:
                return early.took_over(on_line, check, argv)
    # A file, not a pipe, holds quiet stderr: nothing can block while stdout is read.
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as err_file:
        try:
            proc = _popen(argv, env, unset, cwd, err_file if quiet else None, base)
        except OSError as exc:
            raise CargoError(argv, None, _why_not_started(argv[0], exc)) from None
        with proc:
            assert proc.stdout is not None
            collected: list[str] = []
            for line in proc.stdout:
                if on_line is not None:
                    on_line(line.rstrip("\n"))
                else:
                    collected.append(line)
            returncode = proc.wait()
        err_file.seek(0)
        stderr = err_file.read()
    if check and returncode != 0:
        raise CargoError(argv, returncode, stderr)
    return ProcessResult(returncode, "".join(collected))
