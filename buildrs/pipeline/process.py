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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from buildrs.errors import CargoError

__all__ = ["ProcessResult", "merged_env", "run"]

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
    # A file, not a pipe, holds quiet stderr: nothing can block while stdout is read.
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as err_file:
        try:
            proc = subprocess.Popen(
                list(argv),
                env=merged_env(env, unset),
                cwd=cwd,
                stdout=subprocess.PIPE,
                stderr=err_file if quiet else None,
                text=True,
                encoding="utf-8",
                errors="replace",
            )
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
