"""Whether a module built for a free-threaded CPython lets it run without the GIL.

A free-threaded CPython turns the GIL back on when it imports a module that does not
declare that it runs without one (pyo3's ``#[pymodule(gil_used = true)]``, the
default before pyo3 0.28), and says so only at run time, in a RuntimeWarning its
users see. After a build for a free-threaded CPython that runs on this machine, each
module built is imported once, in a new process of that interpreter, and a module
that turns the GIL on is named in the build's output with the fix.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from buildrs import process
from buildrs.plan.platform import Platform

from .install import Installed

__all__ = ["gil_notes", "report_gil"]

log = logging.getLogger("buildrs")

# Run by the free-threaded interpreter: loads one extension module from its file.
_PROBE = """
import importlib.util, sys, warnings
warnings.simplefilter("ignore")
spec = importlib.util.spec_from_file_location(sys.argv[1], sys.argv[2])
spec.loader.exec_module(importlib.util.module_from_spec(spec))
print("gil" if sys._is_gil_enabled() else "free")
"""


def gil_notes(
    installed: Sequence[Installed], platform: Platform, environ: Mapping[str, str]
) -> list[str]:
    """One note per module of ``installed`` that turns the GIL back on; none where the
    build is not for a free-threaded CPython running here, or a module cannot be
    imported on its own (the wheel's own checks and its users' imports judge that)."""
    if not platform.free_threaded or platform.cross or platform.implementation != "cpython":
        return []
    env = {**environ, **dict(platform.python_env)}
    env.pop("PYTHON_GIL", None)  # the interpreter's default, as users get it
    notes = []
    for item in installed:
        target = item.target
        if target is None or not target.is_module:
            continue
        argv = [platform.python, "-I", "-c", _PROBE, target.target, str(item.path)]
        result = process.run(argv, base=env, quiet=True, check=False)
        if result.returncode != 0 or result.stdout.strip() != "gil":
            continue
        major, minor = platform.python_version
        notes.append(
            f"{target.label}: free-threaded CPython {major}.{minor} turns the GIL back on "
            "when it imports this module, which does not declare that it runs without "
            "the GIL. Once the module is thread-safe, declare it: "
            "#[pymodule(gil_used = false)] with pyo3 (the default from pyo3 0.28 on)"
        )
    return notes


def report_gil(
    installed: Sequence[Installed], platform: Platform, environ: Mapping[str, str]
) -> None:
    """Print ``gil_notes`` the way the build prints its other notes."""
    for note in gil_notes(installed, platform, environ):
        log.warning("buildrs: note: %s", note)
