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
from typing import IO, NamedTuple

from buildrs.errors import CargoError

__all__ = ["ProcessResult", "merged_env", "run", "start_early", "stop_early"]

log = logging.getLogger("buildrs")


@dataclass(frozen=True)
class ProcessResult:
    returncode: int
    stdout: str
    """Collected stdout (empty when lines went to a callback)."""


def merged_env(additions: Mapping[str, str] | None, unset: Sequence[str] = ()) -> dict[str, str]:
    """``os.environ`` with ``additions`` laid over it, less the variables in ``unset``."""
    env = dict(os.environ)
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
) -> subprocess.Popen[str]:
    """``argv`` started with its stdout piped as text (stderr to ``stderr``, or the
    user's)."""
    return subprocess.Popen(
        list(argv),
        env=merged_env(env, unset),
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        encoding="utf-8",
        errors="replace",
    )


class _Early(NamedTuple):
    proc: subprocess.Popen[str]
    lines: list[str]
    reader: threading.Thread
    stderr: IO[str] | None


_early: dict[tuple[object, ...], _Early] = {}


def _early_key(
    argv: Sequence[str],
    env: Mapping[str, str] | None,
    unset: Sequence[str],
    cwd: Path | str | None,
    quiet: bool,
) -> tuple[object, ...]:
    merged = tuple(sorted(merged_env(env, unset).items()))
    return (tuple(argv), merged, None if cwd is None else str(cwd), quiet)


def start_early(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    unset: Sequence[str] = (),
    cwd: Path | str | None = None,
    quiet: bool = False,
) -> None:
    """Start ``argv`` now, for a later ``run`` of the same command, in the same
    directory and environment and as ``quiet``, to take over (its stderr goes to
    the user as it comes, or, ``quiet``, into the error of a failure). ``stop_early``
    stops what no ``run`` took."""
    key = _early_key(argv, env, unset, cwd, quiet)
    if key in _early:
        return
    log.info("buildrs: starting %s", shlex.join(argv))
    # The file outlives this call: the run that takes the process over closes it.
    err_file = (
        tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")  # noqa: SIM115
        if quiet
        else None
    )
    try:
        proc = _popen(argv, env, unset, cwd, err_file)
    except OSError:
        if err_file is not None:
            err_file.close()
        return  # ``run`` says why
    lines: list[str] = []
    assert proc.stdout is not None
    reader = threading.Thread(target=lines.extend, args=(proc.stdout,), daemon=True)
    reader.start()
    _early[key] = _Early(proc, lines, reader, err_file)


def stop_early() -> None:
    """Stop every process ``start_early`` started that no ``run`` took over."""
    while _early:
        _, early = _early.popitem()
        early.proc.terminate()
        early.proc.wait()
        early.reader.join()  # it reads to the end of the output, then the pipe closes
        assert early.proc.stdout is not None
        early.proc.stdout.close()
        if early.stderr is not None:
            early.stderr.close()


def _took_over(
    early: _Early, on_line: Callable[[str], None] | None, check: bool, argv: Sequence[str]
) -> ProcessResult:
    returncode = early.proc.wait()
    early.reader.join()
    assert early.proc.stdout is not None
    early.proc.stdout.close()
    stderr = ""
    if early.stderr is not None:
        early.stderr.seek(0)
        stderr = early.stderr.read()
        early.stderr.close()
    if on_line is not None:
        for line in early.lines:
            on_line(line.rstrip("\n"))
    if check and returncode != 0:
        raise CargoError(argv, returncode, stderr)
    return ProcessResult(returncode, "" if on_line is not None else "".join(early.lines))


def run(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    unset: Sequence[str] = (),
    cwd: Path | str | None = None,
    on_line: Callable[[str], None] | None = None,
    quiet: bool = False,
    check: bool = True,
) -> ProcessResult:
    """Run ``argv`` and wait for it.

    ``env`` holds additions to the current environment; ``unset`` names variables
    the process must not inherit.  With ``on_line`` each
    stdout line is passed to it as it arrives; otherwise stdout is returned.
    With ``quiet``, stderr is kept and only shown (in the error) on failure.
    A non-zero exit raises ``CargoError`` when ``check`` is true.
    """
    shown_env = " ".join(f"{k}={shlex.quote(v)}" for k, v in sorted((env or {}).items()))
    log.info("buildrs: running %s%s", f"{shown_env} " if shown_env else "", shlex.join(argv))
    if _early:
        early = _early.pop(_early_key(argv, env, unset, cwd, quiet), None)
        if early is not None:
            return _took_over(early, on_line, check, argv)
    # A file, not a pipe, holds quiet stderr: nothing can block while stdout is read.
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as err_file:
        try:
            proc = _popen(argv, env, unset, cwd, err_file if quiet else None)
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
