"""Programs at fixed paths, so that cargo sees the same build whichever front end runs it.

cargo rebuilds a crate when a program it runs for it moves: the ``PYO3_PYTHON``
pyo3's build script runs, the linker. A front end gives every build a new
environment (pip's overlay, a new virtual environment), so the programs of a
build have new paths almost every time. Each of them is therefore reached
through a fixed path under ``~/.cache/buildrs``: a launcher that runs the
program of the build under way, or a copy of it.

The ``PYO3_PYTHON`` cargo gets: one path for every front end, the build's own Python.

pyo3's build script reruns, and pyo3 recompiles, whenever ``PYO3_PYTHON`` changes.
pip runs a backend with its own interpreter plus an overlay of packages, ``python
-m build`` and ``uv build`` in a new virtual environment each time, so the
interpreter a build runs on has a new path almost every time. A crate's own build
script may also run ``$PYO3_PYTHON`` and expect the build's requirements there
(cryptography's runs cffi that way).

So cargo is given a small launcher at a fixed place per base interpreter
(``~/.cache/buildrs/python/<implementation><version>-<id>/python``). It runs the
interpreter of the build that started cargo, with that build's ``PYTHONPATH``
(``BUILDRS_BUILD_PYTHON``, ``BUILDRS_BUILD_PYTHONPATH``), and the base interpreter
when cargo was started some other way. The launcher's path and contents never
change, so pyo3 is built once for every front end, and build scripts see the
packages the build declared. A ``PYO3_PYTHON`` set by the user is passed on as it
is. Where no launcher can be written (Windows, a read-only home) pyo3 is pointed at
the base interpreter itself.
"""

from __future__ import annotations

import functools
import os
import zlib
from collections.abc import Mapping

from .interpreter import Python

__all__ = ["pyo3_python", "stable_copy", "zig_launcher"]

_LAUNCHER = """\
#!/bin/sh
# Written by buildrs: runs the Python of the build that started cargo, with that
# build's packages, or {base} outside a build.
if [ -n "$BUILDRS_BUILD_PYTHON" ]; then
    if [ -n "${{BUILDRS_BUILD_PYTHONPATH+set}}" ]; then
        PYTHONPATH=$BUILDRS_BUILD_PYTHONPATH
        export PYTHONPATH
    fi
    exec "$BUILDRS_BUILD_PYTHON" "$@"
fi
exec {quoted} "$@"
"""


def _cache_dir(environ: Mapping[str, str], kind: str = "python") -> str:
    root = environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(root, "buildrs", kind)


def _write(path: str, text: str | None, source: str | None = None) -> str | None:
    """``path`` holding ``text`` (or a copy of the file ``source``), executable, written
    atomically when it is missing or different; ``None`` if it cannot be written."""
    try:
        if text is not None:
            with open(path, encoding="utf-8") as handle:
                if handle.read() == text and os.access(path, os.X_OK):
                    return path
        elif os.path.isfile(path):
            return path
    except OSError:
        pass
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        temp = f"{path}.{os.getpid()}.tmp"
        if text is not None:
            with open(temp, "w", encoding="utf-8") as handle:
                handle.write(text)
        else:
            import shutil

            shutil.copyfile(str(source), temp)
        os.chmod(temp, 0o755)
        os.replace(temp, path)
    except OSError:
        return None
    return path


def _launcher(python: Python, environ: Mapping[str, str]) -> str | None:
    """The launcher for ``python``'s base interpreter, written if missing or different;
    ``None`` if it cannot be."""
    if os.name != "posix":
        return None
    base = python.base
    name = f"{python.implementation}{python.version[0]}.{python.version[1]}"
    folder = os.path.join(_cache_dir(environ), f"{name}-{zlib.crc32(base.encode()):08x}")
    quoted = "'" + base.replace("'", "'\\''") + "'"
    return _write(os.path.join(folder, "python"), _LAUNCHER.format(base=base, quoted=quoted))


_ZIG = """\
#!/bin/sh
# Written by buildrs: runs the zig of the build that started cargo.
exec "${BUILDRS_ZIG_PROGRAM:?is set by buildrs to the zig of the running build}" "$@"
"""


def zig_launcher(zig: str, environ: Mapping[str, str]) -> tuple[str, dict[str, str]]:
    """A fixed path that runs ``zig``, and the variables it needs; ``zig`` itself where
    no launcher can be written. zig compiles parts of its C library from its own
    folder and records those paths in debug information, so PyPI's zig (whose folder
    is a new build environment's each time) is also given its library folder at a
    fixed path: a link, per zig version, to the running build's."""
    if os.name != "posix":
        return zig, {}
    tools = _cache_dir(environ, "tools")
    launcher = _write(os.path.join(tools, "zig"), _ZIG)
    if launcher is None:
        return zig, {}
    added = {"BUILDRS_ZIG_PROGRAM": zig}
    real = os.path.realpath(zig)
    lib = os.path.join(os.path.dirname(real), "lib")
    if not environ.get("ZIG_LIB_DIR") and os.path.isdir(os.path.join(lib, "std")):
        # One link per zig release (told apart by the binary's size: hashing 180 MB
        # on every build would cost more than the link saves).
        link = os.path.join(tools, f"zig-lib-{os.path.getsize(real)}")
        try:
            if os.path.realpath(link) != os.path.realpath(lib):
                temp = f"{link}.{os.getpid()}.tmp"
                os.symlink(lib, temp)
                os.replace(temp, link)
            added["ZIG_LIB_DIR"] = link
        except OSError:
            pass
    return launcher, added


def stable_copy(program: str, environ: Mapping[str, str]) -> str:
    """A copy of ``program`` at a fixed path (one per content), for programs that
    record their own path (cargo-zigbuild writes it into the linker wrappers cargo
    runs); ``program`` where no copy can be made."""
    try:
        found = os.stat(program)
        digest = _digest(program, found.st_size, found.st_mtime_ns)
    except OSError:
        return program
    folder = os.path.join(_cache_dir(environ, "tools"), digest)
    return _write(os.path.join(folder, os.path.basename(program)), None, source=program) or program


@functools.cache
def _digest(program: str, size: int, changed: int) -> str:
    """The start of the hash of ``program``'s contents, read once per size and
    modification time."""
    import hashlib

    with open(program, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()[:16]


def pyo3_python(
    environ: Mapping[str, str], python: Python
) -> tuple[str, tuple[tuple[str, str], ...]]:
    """``PYO3_PYTHON`` for cargo to build for ``python``, and the variables the launcher
    needs to run that interpreter (none when the user chose ``PYO3_PYTHON``, or no
    launcher exists)."""
    given = environ.get("PYO3_PYTHON")
    if given:
        return given, ()
    launcher = _launcher(python, environ)
    if launcher is None:
        return python.base, ()
    added = [("BUILDRS_BUILD_PYTHON", python.executable)]
    if "PYTHONPATH" in environ:
        added.append(("BUILDRS_BUILD_PYTHONPATH", environ["PYTHONPATH"]))
    return launcher, tuple(added)
