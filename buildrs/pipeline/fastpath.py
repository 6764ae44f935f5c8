"""Skip cargo when nothing it reads has changed (in-place, editable and develop builds).

After a build, a stamp is written for each cargo invocation: a key (the command
line, the variables it adds, every ``CARGO*``/``RUST*``/``PYO3_*`` variable,
cargo's path and where the files go) and the state (modification time
and size, or absence) of every file cargo's decision rests on:

- the sources in the artifact's dep-info file (``target/<profile>/lib<name>.d``);
- every ``Cargo.toml``, ``Cargo.lock``, ``.cargo/config(.toml)`` and
  ``rust-toolchain(.toml)`` from the crate up to the file system's root, and
  ``$CARGO_HOME/config(.toml)``;
- the toolchain: cargo, rustc on PATH, rustup's settings and update hashes, and
  the interpreter pyo3 configures itself from;
- the files and variables the crates' build scripts watch (``rerun-if-changed``
  of local crates, ``rerun-if-env-changed`` of all);
- the installed copies themselves.

When the next build's key and every one of those states match, cargo is not run:
the files in place are the artifact's copies. Anything unknown (no dep-info, a
local build script that watches nothing, a stamp from another version) means
"run cargo". ``BUILDRS_NO_FAST_PATH=1`` always runs it. Wheel builds always do.

This module uses little of the standard library (no pathlib, no hashlib), so that
a no-op ``develop`` starts fast; the objects it is handed are duck-typed.
"""

from __future__ import annotations

import json
import os
import sys
import zlib
from collections.abc import Iterable, Mapping, Sequence

TYPE_CHECKING = False  # not typing's: see buildrs/__init__.py
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

__all__ = [
    "cached_develop",
    "check",
    "enabled",
    "invocation_key",
    "is_fresh",
    "last_inplace",
    "read_dep_info",
    "record",
    "record_develop",
    "record_last_inplace",
    "stamp_path",
]

STAMP_VERSION = 1
_PREFIXES = ("CARGO", "RUST", "PYO3_")
_PER_DIRECTORY = (
    "Cargo.toml",
    "Cargo.lock",
    ".cargo/config.toml",
    ".cargo/config",
    "rust-toolchain.toml",
    "rust-toolchain",
)

# A file's state: [mtime_ns, size], or None for a missing file.


def enabled(environ: Mapping[str, str]) -> bool:
    return environ.get("BUILDRS_NO_FAST_PATH", "").strip().lower() not in ("1", "true", "yes", "on")


def _state(path: str | os.PathLike[str]) -> list[int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return [stat.st_mtime_ns, stat.st_size]


def invocation_key(
    args: Sequence[str],
    added_env: Mapping[str, str],
    environ: Mapping[str, str],
    cargo: str,
    destinations: Iterable[str],
) -> str:
    """What the build is asked to do, hashed."""
    relevant = {k: v for k, v in environ.items() if k.startswith(_PREFIXES)}
    return json.dumps(
        [STAMP_VERSION, list(args), dict(added_env), relevant, cargo, sorted(destinations)],
        sort_keys=True,
    )


def _name(parts: Sequence[str]) -> str:
    """A short file name for a stamp; the stamp's key tells two commands apart."""
    text = "\0".join(parts).encode("utf-8")
    return f"{zlib.crc32(text):08x}{zlib.adler32(text):08x}"


def stamp_path(project_dir: Path, args: Sequence[str]) -> Path:
    return project_dir / "build" / "buildrs-fast" / f"{_name(args)}.json"


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
    for name, value in data["env"].items():
        if environ.get(name) != value:
            return None
    for path, state in data["files"].items():
        if _state(path) != state:
            return None
    for entry in data["installed"]:
        if _state(entry["path"]) != entry["state"]:
            return None
    installed: list[dict[str, Any]] = data["installed"]
    return installed


def is_fresh(inputs: Mapping[str, Any], environ: Mapping[str, str]) -> bool:
    """Whether the invocation described by ``inputs`` (see ``pipeline.fast_path_inputs``)
    would be skipped now."""
    key = invocation_key(
        inputs["args"], inputs["env"], environ, inputs["cargo"], inputs["destinations"]
    )
    return check(inputs["stamp"], key, environ) is not None


def read_dep_info(path: Path) -> list[str] | None:
    """The prerequisites of the first rule of a Makefile-style dep-info file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    rule = text.split("\n\n", 1)[0].replace("\\\n", " ")
    _, sep, deps = rule.partition(": ")
    if not sep:
        return None
    found: list[str] = []
    current = ""
    escaped = False
    for char in deps:
        if escaped:
            current += char
            escaped = False
        elif char == "\\":
            escaped = True
        elif char.isspace():
            if current:
                found.append(current)
            current = ""
        else:
            current += char
    if current:
        found.append(current)
    return found


def _build_script_inputs(
    out_dirs: Mapping[str, Path],
    files: dict[str, Any],
    watched: dict[str, str | None],
    environ: Mapping[str, str],
) -> bool:
    """Add what the build scripts watch; ``False`` when it cannot be known."""
    for package_id, out_dir in out_dirs.items():
        try:
            lines = (out_dir.parent / "output").read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            return False
        local = "path+file://" in package_id
        package_dir = package_id.split("path+file://", 1)[1].split("#", 1)[0] if local else ""
        package_dir = package_dir.rstrip(")").split(" ", 1)[0]
        watches_files = False
        for line in lines:
            instruction = line.removeprefix("cargo::").removeprefix("cargo:")
            name, _, value = instruction.partition("=")
            if name == "rerun-if-env-changed":
                watched[value] = environ.get(value)
            elif name == "rerun-if-changed":
                watches_files = True
                if local:
                    path = os.path.join(package_dir, value)
                    files[path] = _state(path)
        if local and not watches_files:
            return False  # cargo reruns it when any file of the package changes
    return True


def _toolchain_files(
    cargo: str, added_env: Mapping[str, str], environ: Mapping[str, str]
) -> list[str]:
    import shutil

    found = [cargo]
    rustc = shutil.which(environ.get("RUSTC") or "rustc", path=environ.get("PATH"))
    if rustc:
        found.append(rustc)
    home = os.path.expanduser("~")
    rustup = environ.get("RUSTUP_HOME") or os.path.join(home, ".rustup")
    found.append(os.path.join(rustup, "settings.toml"))
    hashes = os.path.join(rustup, "update-hashes")
    if os.path.isdir(hashes):
        found += [os.path.join(hashes, name) for name in sorted(os.listdir(hashes))]
    for name in ("PYO3_PYTHON", "PYTHON_SYS_EXECUTABLE"):
        if added_env.get(name):
            found.append(added_env[name])
    cargo_home = environ.get("CARGO_HOME") or os.path.join(home, ".cargo")
    found += [os.path.join(cargo_home, "config.toml"), os.path.join(cargo_home, "config")]
    return found


def record(
    stamp: Path,
    key: str,
    *,
    manifest_path: Path,
    artifacts: Sequence[Path],
    out_dirs: Mapping[str, Path],
    installed: Sequence[dict[str, Any]],
    cargo: str,
    added_env: Mapping[str, str],
    environ: Mapping[str, str],
    local_manifests: Iterable[Path] = (),
) -> bool:
    """Write the stamp of a finished build; ``False`` (and no stamp) when what cargo
    reads cannot be known, so the next build runs cargo."""
    files: dict[str, Any] = {}
    watched: dict[str, str | None] = {}
    for artifact in artifacts:
        deps = read_dep_info(artifact.with_suffix(".d"))
        if deps is None:
            stamp.unlink(missing_ok=True)
            return False
        for dep in deps:
            files[dep] = _state(dep)
    for directory in [manifest_path.parent, *manifest_path.parent.parents]:
        for name in _PER_DIRECTORY:
            files[str(directory / name)] = _state(directory / name)
    for manifest in local_manifests:  # path dependencies: their features, their deps
        files[str(manifest)] = _state(manifest)
    for path in _toolchain_files(cargo, added_env, environ):
        files[path] = _state(path)
    if not _build_script_inputs(out_dirs, files, watched, environ):
        stamp.unlink(missing_ok=True)
        return False
    data = {
        "version": STAMP_VERSION,
        "key": key,
        "env": watched,
        "files": files,
        "installed": [{**entry, "state": _state(entry["path"])} for entry in installed],
    }
    _dump(str(stamp), data)
    return True


# --- python -m buildrs develop: the whole project at once ---------------------------
#
# A no-op ``develop`` should cost about what cargo's own no-op does. Reading the
# TOML files and planning the build would cost more than that, so ``develop``
# also keeps one stamp for the project: its options, the interpreter, pyproject's
# state, the values of every variable a build-wide setting reads (the heavy side
# names them, from the settings' declarations), and the fast-path inputs of every
# cargo command the plan made. When that stamp and every command's own stamp
# hold, the build is up to date before anything else is imported.


def _develop_stamp(root: str, options: Sequence[str]) -> str:
    return os.path.join(root, "build", "buildrs-fast", f"develop-{_name(options)}.json")


def _develop_key(options: Sequence[str], environ: Mapping[str, str]) -> str:
    import sysconfig

    relevant = {k: v for k, v in environ.items() if k.startswith(_PREFIXES)}
    scripts = sysconfig.get_path("scripts")
    return json.dumps(
        [STAMP_VERSION, list(options), sys.executable, sys.version, scripts, relevant],
        sort_keys=True,
    )


def cached_develop(
    root: str | os.PathLike[str], options: Sequence[str], environ: Mapping[str, str]
) -> list[str] | None:
    """The summary lines of the last ``develop`` when it is still up to date, else ``None``."""
    data = _load(_develop_stamp(os.fspath(root), options))
    if not isinstance(data, dict) or data.get("key") != _develop_key(options, environ):
        return None
    if any(environ.get(name) != value for name, value in data["watched"].items()):
        return None
    if any(_state(path) != state for path, state in data["files"].items()):
        return None
    if not all(is_fresh(inputs, environ) for inputs in data["inputs"]):
        return None
    lines: list[str] = data["lines"]
    return lines


def record_develop(
    root: str | os.PathLike[str],
    options: Sequence[str],
    environ: Mapping[str, str],
    watched: Iterable[str],
    inputs: Sequence[Mapping[str, Any]],
    lines: Sequence[str],
) -> None:
    """Keep what ``cached_develop`` needs, if every cargo command has a stamp.
    ``watched`` names the variables the build-wide settings read."""
    root = os.fspath(root)
    stamp = _develop_stamp(root, options)
    if not all(os.path.isfile(i["stamp"]) for i in inputs):
        if os.path.exists(stamp):
            os.unlink(stamp)
        return
    names = (os.path.join(root, "pyproject.toml"), os.path.join(root, "setup.py"))
    data = {
        "key": _develop_key(options, environ),
        "watched": {name: environ.get(name) for name in watched},
        "files": {name: _state(name) for name in names},
        "inputs": [dict(i) for i in inputs],
        "lines": list(lines),
    }
    _dump(stamp, data)


# --- the last in-place build, which rebuilding on import repeats --------------------


def _last_path(root: str) -> str:
    return os.path.join(root, "build", "buildrs-fast", "last-inplace.json")


def record_last_inplace(
    root: str | os.PathLike[str], options: Sequence[str], inputs: Sequence[Mapping[str, Any]]
) -> None:
    """Remember the last in-place build: ``develop``'s options that repeat its settings,
    and the fast-path inputs of its cargo commands."""
    _dump(
        _last_path(os.fspath(root)), {"options": list(options), "inputs": [dict(i) for i in inputs]}
    )


def last_inplace(root: str | os.PathLike[str]) -> dict[str, Any] | None:
    """What ``record_last_inplace`` kept, if anything."""
    data = _load(_last_path(os.fspath(root)))
    if not isinstance(data, dict) or not isinstance(data.get("options"), list):
        return None
    if not isinstance(data.get("inputs"), list):
        return None
    return data
