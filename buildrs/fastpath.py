"""Skip cargo when nothing it reads has changed (in-place, editable and develop builds).

After a build, a stamp is written for each cargo invocation: a key (the command
line, the variables it adds, every ``CARGO*``/``RUST*``/``PYO3_*`` variable and
``PATH``, cargo's path and where the files go) and the state (modification time
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

This module uses the standard library only, so that a no-op ``develop`` starts
fast; the objects it is handed are duck-typed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["check", "enabled", "invocation_key", "read_dep_info", "record", "stamp_path"]

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

State = Any  # [mtime_ns, size] or None for a missing file


def enabled(environ: Mapping[str, str]) -> bool:
    return environ.get("BUILDRS_NO_FAST_PATH", "").strip().lower() not in ("1", "true", "yes", "on")


def _state(path: str | Path) -> State:
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
    relevant = {k: v for k, v in environ.items() if k.startswith(_PREFIXES) or k == "PATH"}
    text = json.dumps(
        [STAMP_VERSION, list(args), dict(added_env), relevant, cargo, sorted(destinations)],
        sort_keys=True,
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def stamp_path(project_dir: Path, args: Sequence[str]) -> Path:
    name = hashlib.sha256("\0".join(args).encode("utf-8")).hexdigest()[:24]
    return project_dir / "build" / "buildrs-fast" / f"{name}.json"


def check(stamp: Path, key: str, environ: Mapping[str, str]) -> list[dict[str, Any]] | None:
    """The installed files recorded by ``stamp`` when nothing has changed, else ``None``."""
    try:
        data = json.loads(stamp.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
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
    files: dict[str, State],
    watched: dict[str, str | None],
    environ: Mapping[str, str],
) -> bool:
    """Add what the build scripts watch; ``False`` when it cannot be known."""
    for package_id, out_dir in out_dirs.items():
        try:
            lines = (out_dir.parent / "output").read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            return False
        local = package_id.startswith("path+file://")
        package_dir = package_id[len("path+file://") :].split("#", 1)[0] if local else ""
        watches_files = False
        for line in lines:
            instruction = line.removeprefix("cargo::").removeprefix("cargo:")
            name, _, value = instruction.partition("=")
            if name == "rerun-if-env-changed":
                watched[value] = environ.get(value)
            elif name == "rerun-if-changed":
                watches_files = True
                if local:
                    path = Path(package_dir, value)
                    files[str(path)] = _state(path)
        if local and not watches_files:
            return False  # cargo reruns it when any file of the package changes
    return True


def _rustup_home(environ: Mapping[str, str]) -> Path:
    return Path(environ.get("RUSTUP_HOME") or Path.home() / ".rustup")


def _toolchain_files(
    cargo: str, added_env: Mapping[str, str], environ: Mapping[str, str]
) -> list[str]:
    found = [cargo]
    rustc = shutil.which(environ.get("RUSTC") or "rustc", path=environ.get("PATH"))
    if rustc:
        found.append(rustc)
    rustup = _rustup_home(environ)
    found.append(str(rustup / "settings.toml"))
    hashes = rustup / "update-hashes"
    if hashes.is_dir():
        found += [str(p) for p in sorted(hashes.iterdir())]
    for name in ("PYO3_PYTHON", "PYTHON_SYS_EXECUTABLE"):
        if added_env.get(name):
            found.append(added_env[name])
    cargo_home = Path(environ.get("CARGO_HOME") or Path.home() / ".cargo")
    found += [str(cargo_home / "config.toml"), str(cargo_home / "config")]
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
) -> bool:
    """Write the stamp of a finished build; ``False`` (and no stamp) when what cargo
    reads cannot be known, so the next build runs cargo."""
    files: dict[str, State] = {}
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
    stamp.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=stamp.parent, prefix=".stamp.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    os.replace(temp, stamp)
    return True
