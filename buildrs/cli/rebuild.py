"""Rebuild on import, for editable installs: what the finder runs at the first import.

An editable install of a buildrs project gets a ``.pth`` file that imports a small
generated module (``buildrs.setuptools.editable`` writes it); it puts a finder on
``sys.meta_path`` that knows the project's Rust modules and nothing else. The
first import of one of them in a process calls ``ensure_fresh``: when the fast
path says the last in-place build is up to date (no cargo run; a few
milliseconds) the import goes on; otherwise ``python -m buildrs develop`` rebuilds
the project in place, with the options of that last build (profile, features,
target...), cargo's progress on stderr, and the fresh module is imported.

- A failed build raises ``ImportError`` saying so; rustc's diagnostics are shown
  once (live, or in the error when ``BUILDRS_REBUILD_QUIET=1`` hid them). The
  previous module file stays in place (``BUILDRS_REBUILD=0`` imports it).
- ``BUILDRS_REBUILD=0`` turns rebuilding off; ``BUILDRS_REBUILD_QUIET=1`` hides
  cargo's progress unless the build fails.
- ``BUILDRS_REBUILDING`` is set in every process that builds the project (it holds
  the project's build lock), so a build that imports the package does not rebuild
  it again, nor wait for its own lock.
- A moved or read-only source tree is reported on stderr (never as a warning, which
  ``-W error`` would turn into a failed import) and what is built is imported.

Binaries are not rebuilt on import; run ``python -m buildrs develop`` for them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence

from buildrs.compile import stamps

TYPE_CHECKING = False  # not typing's: see buildrs/__init__.py
if TYPE_CHECKING:
    from typing import Any

__all__ = ["ensure_fresh", "rebuild_error"]

_OFF = ("0", "false", "no", "off")


def _say(message: str) -> None:
    sys.stderr.write(f"buildrs: {message}\n")


def rebuild_error(fullname: str, project: str, records: Sequence[Mapping[str, Any]]) -> str | None:
    """Rebuild the project in place if the build of ``fullname`` is out of date.
    Returns the message of the ``ImportError`` the import should raise, or ``None``."""
    environ = os.environ
    if environ.get("BUILDRS_REBUILD", "1").strip().lower() in _OFF:
        return None
    if environ.get("BUILDRS_REBUILDING"):
        return None
    last = stamps.last_inplace(project)
    options: list[str] = []
    if last is not None:
        records, options = last["inputs"], last["options"]
    if all(stamps.is_fresh(record, environ) for record in records):
        return None
    if not os.path.isfile(os.path.join(project, "pyproject.toml")) or not os.access(
        project, os.W_OK
    ):
        _say(
            f"{fullname}: the sources of this editable install ({project}) are missing or "
            "read-only, so the Rust extension is not rebuilt; importing the module as built"
        )
        return None
    quiet = environ.get("BUILDRS_REBUILD_QUIET", "").strip().lower() not in ("", *_OFF)
    # Not process.run: stderr is both shown live and kept for the ImportError.
    import subprocess  # noqa: TID251

    argv = [sys.executable, "-m", "buildrs", "develop", project, *options]
    child = subprocess.Popen(
        argv,
        env={**environ, "BUILDRS_REBUILDING": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
    )
    assert child.stderr is not None
    diagnostics = []
    for line in child.stderr:
        diagnostics.append(line)
        if not quiet:
            sys.stderr.write(line)
    if child.wait() == 0:
        return None
    head = (
        f"{fullname}: rebuilding the Rust extension failed, so it was not imported "
        "(the previous build is still in place: BUILDRS_REBUILD=0 imports it)"
    )
    if quiet:
        return head + ".\n" + "".join(diagnostics).rstrip()
    return head + "; the compiler's messages are above"


def ensure_fresh(fullname: str, project: str, records: Sequence[Mapping[str, Any]]) -> None:
    """``rebuild_error`` raising its ``ImportError`` (for callers that want one)."""
    message = rebuild_error(fullname, project, records)
    if message is not None:
        raise ImportError(message, name=fullname)
