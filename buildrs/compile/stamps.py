"""Skip cargo when nothing it reads has changed (in-place, editable and develop builds).

After an in-place build, a stamp is written for each cargo invocation: a key (the
command line, the variables it adds, every ``CARGO*``/``RUST*``/``PYO3_*``
variable, cargo's path and where the files go), the record of what cargo read
(``inputs.cargo_inputs``) and the state of the installed copies. When the next
build's key, every input and every copy are as recorded, cargo is not run: the
files in place are the artifact's copies. ``BUILDRS_NO_INPLACE_CACHE=1`` (or
``BUILDRS_NO_FAST_PATH=1``) always runs it. Wheel builds keep what they read in
``wheel.cache``, through the same ``inputs``.

This module uses little of the standard library (no pathlib, no hashlib), so that
a no-op ``develop`` and an editable install's finder start fast.
"""

from __future__ import annotations

import json
import os
import sys
import zlib
from collections.abc import Iterable, Mapping, Sequence

from buildrs import folders
from buildrs.config import caches

from . import inputs

TYPE_CHECKING = False  # not typing's: see buildrs/__init__.py
if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "cached_develop",
    "check",
    "enabled",
    "invocation_key",
    "is_fresh",
    "last_inplace",
    "record",
    "record_develop",
    "record_last_inplace",
    "stamp_path",
]

STAMP_VERSION = 2


def enabled(environ: Mapping[str, str]) -> bool:
    """Whether in-place builds may skip cargo (``config.caches``)."""
    return caches.inplace(environ)


def invocation_key(
    args: Sequence[str],
    added_env: Mapping[str, str],
    environ: Mapping[str, str],
    cargo: str,
    destinations: Iterable[str],
) -> str:
    """What the build is asked to do."""
    return json.dumps(
        [
            STAMP_VERSION,
            list(args),
            dict(added_env),
            inputs.variables(environ),
            cargo,
            sorted(destinations),
        ],
        sort_keys=True,
    )


def _name(parts: Sequence[str]) -> str:
    """A short file name for a stamp; the stamp's key tells two commands apart."""
    text = "\0".join(parts).encode("utf-8")
    return f"{zlib.crc32(text):08x}{zlib.adler32(text):08x}"


def stamp_path(project_dir: str | os.PathLike[str], args: Sequence[str]) -> str:
    return os.path.join(folders.stamps(project_dir), f"{_name(args)}.json")


def _load(path: str | os.PathLike[str]) -> Any:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def _dump(path: str, data: object) -> None:
    import tempfile

    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=directory, prefix=".stamp.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    os.replace(temp, path)


def check(
    stamp: str | os.PathLike[str], key: str, environ: Mapping[str, str]
) -> list[dict[str, Any]] | None:
    """The installed files recorded by ``stamp`` when nothing has changed, else ``None``."""
    data = _load(stamp)
    if not isinstance(data, dict) or data.get("version") != STAMP_VERSION or data.get("key") != key:
        return None
    if inputs.changed(data["inputs"], environ):
        return None
    for entry in data["installed"]:
        if inputs.state(entry["path"]) != entry["state"]:
            return None
    installed: list[dict[str, Any]] = data["installed"]
    return installed


def is_fresh(recorded: Mapping[str, Any], environ: Mapping[str, str]) -> bool:
    """Whether the invocation described by ``recorded`` (see ``run.stamp_inputs``)
    would be skipped now."""
    key = invocation_key(
        recorded["args"], recorded["env"], environ, recorded["cargo"], recorded["destinations"]
    )
    return check(recorded["stamp"], key, environ) is not None


def record(
    stamp: str, key: str, read: Mapping[str, Any] | None, installed: Sequence[dict[str, Any]]
) -> bool:
    """Write the stamp of a finished build: its key, what cargo read (``read``, from
    ``inputs.cargo_inputs``) and the installed copies; with ``read`` unknown, remove
    it, so that the next build runs cargo. Whether a stamp was written."""
    if read is None:
        if os.path.exists(stamp):
            os.unlink(stamp)
        return False
    copies = [{**entry, "state": inputs.state(entry["path"])} for entry in installed]
    data = {"version": STAMP_VERSION, "key": key, "inputs": dict(read), "installed": copies}
    _dump(stamp, data)
    return True


# --- python -m buildrs develop: the whole project at once ---------------------------
#
# A no-op ``develop`` should cost about what cargo's own no-op does. Reading the
# TOML files and planning the build would cost more than that, so ``develop``
# also keeps one stamp for the project: its options, the interpreter, pyproject's
# state, the values of every variable a build-wide setting reads (the heavy side
# names them, from the settings' declarations), and the stamps of every cargo
# command the plan made. When that stamp and every command's own stamp hold, the
# build is up to date before anything else is imported.


def _develop_stamp(root: str, options: Sequence[str]) -> str:
    return os.path.join(folders.stamps(root), f"develop-{_name(options)}.json")


def _develop_key(options: Sequence[str], environ: Mapping[str, str]) -> str:
    import sysconfig

    scripts = sysconfig.get_path("scripts")
    return json.dumps(
        [
            STAMP_VERSION,
            list(options),
            sys.executable,
            sys.version,
            scripts,
            inputs.variables(environ),
        ],
        sort_keys=True,
    )


def cached_develop(
    root: str | os.PathLike[str], options: Sequence[str], environ: Mapping[str, str]
) -> list[str] | None:
    """The summary lines of the last ``develop`` when it is still up to date, else ``None``."""
    data = _load(_develop_stamp(os.fspath(root), options))
    if not isinstance(data, dict) or data.get("key") != _develop_key(options, environ):
        return None
    if inputs.changed({"files": data["files"], "env": data["watched"]}, environ):
        return None
    if not all(is_fresh(recorded, environ) for recorded in data["inputs"]):
        return None
    lines: list[str] = data["lines"]
    return lines


def record_develop(
    root: str | os.PathLike[str],
    options: Sequence[str],
    environ: Mapping[str, str],
    watched: Iterable[str],
    recorded: Sequence[Mapping[str, Any]],
    lines: Sequence[str],
) -> None:
    """Keep what ``cached_develop`` needs, if every cargo command has a stamp.
    ``watched`` names the variables the build-wide settings read."""
    root = os.fspath(root)
    stamp = _develop_stamp(root, options)
    if not all(os.path.isfile(i["stamp"]) for i in recorded):
        if os.path.exists(stamp):
            os.unlink(stamp)
        return
    names = (os.path.join(root, "pyproject.toml"), os.path.join(root, "setup.py"))
    data = {
        "key": _develop_key(options, environ),
        "watched": {name: environ.get(name) for name in watched},
        "files": {name: inputs.state(name) for name in names},
        "inputs": [dict(i) for i in recorded],
        "lines": list(lines),
    }
    _dump(stamp, data)


# --- the last in-place build, which rebuilding on import repeats --------------------


def _last_path(root: str) -> str:
    return os.path.join(folders.stamps(root), "last-inplace.json")


def record_last_inplace(
    root: str | os.PathLike[str], options: Sequence[str], recorded: Sequence[Mapping[str, Any]]
) -> None:
    """Remember the last in-place build: ``develop``'s options that repeat its settings,
    and the stamp inputs of its cargo commands."""
    _dump(
        _last_path(os.fspath(root)),
        {"options": list(options), "inputs": [dict(i) for i in recorded]},
    )


def last_inplace(root: str | os.PathLike[str]) -> dict[str, Any] | None:
    """What ``record_last_inplace`` kept, if anything."""
    data = _load(_last_path(os.fspath(root)))
    if not isinstance(data, dict) or not isinstance(data.get("options"), list):
        return None
    if not isinstance(data.get("inputs"), list):
        return None
    return data
