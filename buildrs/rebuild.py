"""Rebuild on import, for editable installs.

An editable install of a buildrs project gets a ``.pth`` file that imports a small
generated module, ``_buildrs_rebuild_<project>``; it puts a finder on
``sys.meta_path`` that knows the project's Rust modules and nothing else. The
first import of one of them in a process calls ``ensure_fresh``: when the fast
path says its build is up to date (no cargo run; a few milliseconds) the import
goes on; otherwise ``python -m buildrs develop`` rebuilds the project in place,
cargo's progress on stderr, and the fresh module is imported.

- A failed build raises ``ImportError`` holding the compiler's diagnostics; the
  previous module file stays in place (``BUILDRS_REBUILD=0`` imports it).
- ``BUILDRS_REBUILD=0`` turns rebuilding off; ``BUILDRS_REBUILD_QUIET=1`` hides
  cargo's progress unless the build fails.
- ``BUILDRS_REBUILDING`` is set in every process that builds the project (it holds
  the project's build lock), so a build that imports the package does not rebuild
  it again, nor wait for its own lock.
- Two processes importing at once build once: ``develop`` holds the project's
  build lock, and the second finds the first one's build fresh.
- A moved or read-only source tree gives a warning and imports what is there.

Binaries are not rebuilt on import; run ``python -m buildrs develop`` for them.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from . import fastpath

__all__ = ["ensure_fresh", "finder_module"]

_OFF = ("0", "false", "no", "off")


def ensure_fresh(fullname: str, project: str, records: Sequence[Mapping[str, Any]]) -> None:
    """Rebuild the project in place if the build of ``fullname`` is out of date."""
    environ = os.environ
    if environ.get("BUILDRS_REBUILD", "1").strip().lower() in _OFF:
        return
    if environ.get("BUILDRS_REBUILDING"):
        return
    if all(fastpath.is_fresh(record, environ) for record in records):
        return
    root = Path(project)
    if not (root / "pyproject.toml").is_file() or not os.access(root, os.W_OK):
        warnings.warn(
            f"{fullname}: the sources of this editable install ({root}) are missing or "
            "read-only, so the Rust extension is not rebuilt; importing the module as built",
            RuntimeWarning,
            stacklevel=3,
        )
        return
    quiet = environ.get("BUILDRS_REBUILD_QUIET", "").strip().lower() not in ("", *_OFF)
    # Not process.run: stderr is both shown live and kept for the ImportError.
    import subprocess  # noqa: TID251

    argv = [sys.executable, "-m", "buildrs", "develop", str(root)]
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
    if child.wait() != 0:
        raise ImportError(
            f"{fullname}: rebuilding the Rust extension failed, so it was not imported "
            "(the previous build is still in place: BUILDRS_REBUILD=0 imports it).\n"
            + "".join(diagnostics).rstrip(),
            name=fullname,
        )


_FINDER = '''\
"""Rebuilds the Rust extensions of {project!r} when they are imported and their
sources changed (installed by buildrs with the editable install). Set
BUILDRS_REBUILD=0 to import whatever is built."""

import sys

_PROJECT = {project!r}
_MODULES = {modules!r}


class _BuildrsRebuildFinder:
    @staticmethod
    def find_spec(fullname, path=None, target=None):
        records = _MODULES.pop(fullname, None)
        if records is None:
            return None
        try:
            from buildrs.rebuild import ensure_fresh
        except ImportError:
            import warnings

            warnings.warn(
                f"{{fullname}}: buildrs is not installed in this environment, so the Rust "
                "extension is not rebuilt on import (pip install buildrs)",
                RuntimeWarning,
                stacklevel=2,
            )
            return None
        ensure_fresh(fullname, _PROJECT, records)
        return None


sys.meta_path.insert(0, _BuildrsRebuildFinder)
'''


def finder_module(project: str, inputs: Sequence[Mapping[str, Any]]) -> str:
    """The source of the module the ``.pth`` file imports: a finder for the modules
    the fast-path ``inputs`` (one per cargo invocation) build."""
    modules: dict[str, list[Mapping[str, Any]]] = {}
    for record in inputs:
        for module in record["modules"]:
            modules.setdefault(module, []).append(dict(record))
    return _FINDER.format(project=project, modules=modules)
