"""What a build read, and whether any of it has changed since: buildrs' one change detector.

Both caches rest on it: the stamps that let an in-place build skip cargo
(``stamps``) and the wheel kept for the next build (``wheel.cache``). A record
holds the state (modification time and size, or absence) of every file and the
value of every variable the build read. For one cargo run, that is:

- the sources in each artifact's dep-info file (``target/<profile>/lib<name>.d``);
- every ``Cargo.toml``, ``Cargo.lock``, ``.cargo/config(.toml)`` and
  ``rust-toolchain(.toml)`` from the crate and from the folder cargo runs in up to
  the file system's root (the workspace root above a project included), and
  ``$CARGO_HOME/config(.toml)``;
- the manifests of the local crates it built (path dependencies: their features,
  their dependencies);
- the toolchain: cargo, rustc on PATH, rustup's settings and update hashes, and the
  interpreter pyo3 configures itself from;
- the files and variables the build scripts watch (``rerun-if-changed`` of local
  crates, ``rerun-if-env-changed`` of all);

and for a project's own files, every file under its folder but build outputs,
version control and virtual environments (``tree``).

A cargo run's record is refused (``None``) where what it read cannot be known: an
artifact without dep-info, a local build script that watches nothing (cargo reruns
it when any file of its package changes), or an input that changed while the build
ran (cargo may have read it before the change).

This module uses little of the standard library (no pathlib, no hashlib), so that
an editable install's finder loads it fast; objects it is handed are duck-typed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence

TYPE_CHECKING = False  # not typing's: see buildrs/__init__.py
if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "PRUNED_AT_ROOT",
    "cargo_inputs",
    "changed",
    "read_dep_info",
    "state",
    "tree",
    "variables",
]

_PREFIXES = ("CARGO", "RUST", "PYO3_")
_PER_DIRECTORY = (
    "Cargo.toml",
    "Cargo.lock",
    ".cargo/config.toml",
    ".cargo/config",
    "rust-toolchain.toml",
    "rust-toolchain",
)


def state(path: str | os.PathLike[str]) -> list[int] | None:
    """``[mtime_ns, size]`` of ``path``, or ``None`` when it is missing."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return [found.st_mtime_ns, found.st_size]


def variables(environ: Mapping[str, str]) -> dict[str, str]:
    """The variables cargo and pyo3 read: every ``CARGO*``, ``RUST*`` and ``PYO3_*``."""
    return {k: v for k, v in environ.items() if k.startswith(_PREFIXES)}


def changed(record: Mapping[str, Any], environ: Mapping[str, str]) -> bool:
    """Whether any file or variable of ``record`` is not as it was."""
    for name, value in record["env"].items():
        if environ.get(name) != value:
            return True
    return any(state(path) != was for path, was in record["files"].items())


def read_dep_info(path: str | os.PathLike[str]) -> list[str] | None:
    """The prerequisites of the first rule of a Makefile-style dep-info file."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
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
    out_dirs: Mapping[str, Any],
    files: dict[str, Any],
    watched: dict[str, str | None],
    environ: Mapping[str, str],
) -> bool:
    """Add what the build scripts watch; ``False`` when it cannot be known."""
    for package_id, out_dir in out_dirs.items():
        try:
            with open(os.path.join(os.path.dirname(out_dir), "output"), encoding="utf-8") as f:
                lines = f.read().splitlines()
        except (OSError, UnicodeDecodeError):
            return False
        local = "path+file://" in package_id
        package_dir = package_id.split("path+file://", 1)[1].split("#", 1)[0] if local else ""
        package_dir = package_dir.rstrip(")").split(" ", 1)[0]
        scoped = False
        for line in lines:
            instruction = line.removeprefix("cargo::").removeprefix("cargo:")
            name, _, value = instruction.partition("=")
            if name == "rerun-if-env-changed":
                scoped = True
                watched[value] = environ.get(value)
            elif name == "rerun-if-changed":
                scoped = True
                if local:
                    path = os.path.join(package_dir, value)
                    files[path] = state(path)
        if local and not scoped:
            # With no rerun-if-* line, cargo reruns it when any file of the package
            # changes; with any, only when what they name changes.
            return False
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


def _upwards(folder: str) -> Iterable[str]:
    """``folder`` and each folder above it, to the file system's root."""
    folder = os.path.abspath(folder)
    while True:
        yield folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return
        folder = parent


def _outputs(artifacts: Sequence[Any]) -> list[str]:
    """The profile folders the artifacts were built in (``target/<profile>``), whose
    files a build writes itself (generated sources among them)."""
    found = set()
    for artifact in artifacts:
        folder = os.path.dirname(os.path.abspath(artifact))
        if os.path.basename(folder) == "deps":
            folder = os.path.dirname(folder)
        found.add(folder + os.sep)
    return sorted(found)


def cargo_inputs(
    *,
    manifest_path: str | os.PathLike[str],
    cwd: str | os.PathLike[str],
    artifacts: Sequence[Any],
    out_dirs: Mapping[str, Any],
    local_manifests: Iterable[Any],
    cargo: str,
    added_env: Mapping[str, str],
    environ: Mapping[str, str],
    started_ns: int,
) -> dict[str, Any] | None:
    """The record of what one cargo run, started at ``started_ns``, read; ``None``
    when that cannot be known."""
    files: dict[str, Any] = {}
    watched: dict[str, str | None] = {}
    for artifact in artifacts:
        deps = read_dep_info(os.path.splitext(os.fspath(artifact))[0] + ".d")
        if deps is None:
            return None
        for dep in deps:
            files[dep] = state(dep)
    for start in (os.path.dirname(os.fspath(manifest_path)), os.fspath(cwd)):
        for directory in _upwards(start):
            for name in _PER_DIRECTORY:
                path = os.path.join(directory, name)
                files[path] = state(path)
    for manifest in local_manifests:
        files[os.fspath(manifest)] = state(manifest)
    for path in _toolchain_files(cargo, added_env, environ):
        files[path] = state(path)
    if not _build_script_inputs(out_dirs, files, watched, environ):
        return None
    outputs = _outputs(artifacts)
    for path, found in files.items():
        written = found is not None and found[0] >= started_ns
        if written and not any(path.startswith(folder) for folder in outputs):
            return None  # it changed while cargo ran: cargo may have read it before
    return {"files": files, "env": watched}


PRUNED = {".git", ".hg", ".svn", "__pycache__", ".tox", ".nox", ".venv", "node_modules"}
PRUNED_AT_ROOT = {"build", "dist"}
# cargo tags a target directory it creates (CACHEDIR.TAG) and writes .rustc_info.json
# in every one it builds in, created or not.
_SKIPPED_MARKERS = ("CACHEDIR.TAG", ".rustc_info.json", "pyvenv.cfg")


def tree(root: str | os.PathLike[str]) -> dict[str, list[int]]:
    """The state of every file of the project in ``root``, by path relative to it:
    all but version control, caches, virtual environments, cargo target directories,
    egg-info and the ``build/`` and ``dist/`` folders at the top."""
    root = os.fspath(root)
    states: dict[str, list[int]] = {}
    for directory, dirs, names in os.walk(root):
        kept = []
        for name in dirs:
            if name in PRUNED or name.endswith((".egg-info", "_cache")):
                continue
            if directory == root and name in PRUNED_AT_ROOT:
                continue
            sub = os.path.join(directory, name)
            if any(os.path.exists(os.path.join(sub, marker)) for marker in _SKIPPED_MARKERS):
                continue  # a cargo target directory or a virtual environment
            kept.append(name)
        dirs[:] = sorted(kept)
        for name in names:
            path = os.path.join(directory, name)
            found = state(path)
            if found is not None:
                states[os.path.relpath(path, root).replace(os.sep, "/")] = found
    return states
