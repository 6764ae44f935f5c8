"""A maturin project read as buildrs' own: ``[tool.maturin]`` and Cargo.toml.

A project that declares no ``[tool.buildrs]`` table and no setup.py, but has a
``[tool.maturin]`` table or a crate (``Cargo.toml``, or ``rust/Cargo.toml`` beside a
``src/<name>/`` package), is built the way maturin 1.16 builds it:

- the crate is found as maturin finds it (``manifest-path``, the ``rust/`` layout,
  the project folder), and the module is named by ``module-name`` or the crate's
  library name;
- the layout is decided as maturin decides it: with a Python package of the
  module's first name in ``python-source`` (default: ``src/`` when it holds the
  package, else the project folder) the project is mixed and the module goes into
  that package; otherwise the wheel gets a package of the module's name holding the
  module, an ``__init__.py`` that re-exports it and, from ``<module>.pyi`` beside
  the crate, ``__init__.pyi`` and ``py.typed``;
- the metadata fields ``[project]`` lists in ``dynamic`` (all of them, where there
  is no ``[project]`` table) come from Cargo.toml, workspace-inherited values
  included.

Every key of ``[tool.maturin]`` is known (``KEYS``): each is turned into a buildrs
target, setting or cargo argument, or is accepted with a note where it steers only
maturin's own commands. What buildrs cannot build yet (``cffi`` and ``uniffi``
bindings, several targets, files copied from cargo's ``OUT_DIR``) stops with an
error naming the key: never a wrong wheel.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from buildrs import folders
from buildrs.errors import ConfigError

from .crate_metadata import complete_project
from .manifest import load_toml
from .maturin_keys import (
    KEYS,
    NOTED,
    WHERE,
    cargo_args,
    check_keys,
    features,
    flag,
    settings,
    strings,
    text,
    unsupported,
    wheel_patterns,
)
from .targets import TargetSettings, target_from_table
from .values import subtable

__all__ = ["MaturinLayout", "MaturinProject", "read_maturin"]


@dataclass(frozen=True)
class MaturinLayout:
    """Where the wheel's Python part comes from, as maturin lays it out."""

    python_dir: Path
    """The folder holding the packages (``python-source``)."""
    packages: tuple[str, ...]
    """The top-level packages shipped whole from ``python_dir``."""
    extension: str
    """The module's own name (the last part of the module name)."""
    generated: Mapping[str, bytes] = field(default_factory=dict)
    """Files buildrs writes into the wheel: wheel path -> content."""
    copied: Mapping[str, Path] = field(default_factory=dict)
    """Files copied into the wheel under another name: wheel path -> source."""
    data: Path | None = None
    """The folder of the wheel's ``.data`` (``data``)."""
    include: tuple[str, ...] = ()
    """Glob patterns of further files for the wheel (``include``)."""
    exclude: tuple[str, ...] = ()
    """Glob patterns of the wheel's files left out, as in a ``.gitignore``."""


@dataclass(frozen=True)
class MaturinProject:
    """A maturin project as buildrs builds it."""

    pyproject: dict[str, Any]
    """pyproject.toml with ``[project]`` completed from Cargo.toml and the package
    folder recorded as ``[tool.setuptools] package-dir``, as every stage reads it."""
    targets: tuple[TargetSettings, ...]
    settings: dict[str, object]
    """Build-wide settings, by ``[tool.buildrs]`` key."""
    layout: MaturinLayout
    notes: tuple[str, ...] = ()
    """What was accepted without effect, and what maturin accepts that setuptools would
    refuse, for the build's output."""
    read_from: str = "[tool.maturin]"


def _requires_buildrs(pyproject: Mapping[str, Any]) -> bool:
    system = pyproject.get("build-system")
    backend = system.get("build-backend") if isinstance(system, dict) else None
    return isinstance(backend, str) and backend.split(":")[0].startswith("buildrs")


def _manifest(root: Path, pyproject: Mapping[str, Any], tool: Mapping[str, Any]) -> Path | None:
    """The crate's Cargo.toml, found as maturin finds it, or ``None``."""
    given = tool.get("manifest-path")
    if given is not None:
        if not isinstance(given, str) or not given:
            raise ConfigError(f"{WHERE}.manifest-path: expected a path, got {given!r}")
        path = (root / given).resolve()
        if not path.is_file():
            raise ConfigError(
                f"{WHERE}.manifest-path = {given!r}: there is no such file in {root}; name "
                "the crate's Cargo.toml, relative to the project folder"
            )
        return path
    rust = root / "rust" / "Cargo.toml"
    if rust.is_file():
        name = _project_name(pyproject)
        if "python-source" in tool or (name and (root / "src" / _import(name)).is_dir()):
            return rust
    own = root / "Cargo.toml"
    return own if own.is_file() else None


def _project_name(pyproject: Mapping[str, Any]) -> str | None:
    project = pyproject.get("project")
    name = project.get("name") if isinstance(project, dict) else None
    return name if isinstance(name, str) else None


def _import(name: str) -> str:
    return name.replace("-", "_")


def _binding(tool: Mapping[str, Any], crate: Mapping[str, Any]) -> str:
    """``pyo3`` or ``bin``: the bindings given, or detected as maturin detects them."""
    given = text(tool, "bindings")
    if given is not None:
        if given in ("pyo3", "pyo3-ffi", "bin"):
            return "bin" if given == "bin" else "pyo3"
        if given in ("cffi", "uniffi"):
            raise unsupported("bindings", f"{given!r} bindings generate Python glue code")
        raise ConfigError(
            f"{WHERE}.bindings = {given!r}: expected one of 'pyo3', 'pyo3-ffi', 'cffi', "
            "'uniffi' or 'bin'"
        )
    names: set[str] = set()
    for table in ("dependencies", "target"):
        found = subtable(crate, table)
        if table == "target":
            for spec in found.values():
                if isinstance(spec, dict):
                    names.update(subtable(spec, "dependencies"))
        else:
            names.update(found)
    if names & {"pyo3", "pyo3-ffi"}:
        return "pyo3"
    lib = subtable(crate, "lib")
    types = lib.get("crate-type", [])
    if "cdylib" in types:
        raise unsupported(
            "bindings",
            "the crate is a cdylib without pyo3, which maturin builds with cffi bindings",
        )
    return "bin"


def _python_dir(root: Path, tool: Mapping[str, Any], name: str | None) -> Path:
    given = text(tool, "python-source")
    if given is not None:
        folder = (root / given).resolve()
        if not folder.is_dir():
            raise ConfigError(
                f"{WHERE}.python-source = {given!r}: there is no such folder in {root}"
            )
        return folder
    if name and (root / "src" / _import(name)).is_dir():
        return root / "src"
    return root


def _module_name(tool: Mapping[str, Any], crate: Mapping[str, Any], manifest: Path) -> str:
    given = text(tool, "module-name")
    if given is not None:
        if not all(part.isidentifier() for part in given.split(".")):
            raise ConfigError(
                f"{WHERE}.module-name = {given!r}: expected a dotted module path such as "
                "'pkg._native'"
            )
        return given
    lib, package = subtable(crate, "lib"), subtable(crate, "package")
    name = lib.get("name") or package.get("name")
    if not isinstance(name, str):
        raise ConfigError(f"{manifest}: [package] name is missing")
    return _import(name)


_DATA_FOLDERS = ("data", "scripts", "headers", "purelib", "platlib")


def _layout(
    root: Path, tool: Mapping[str, Any], module: str, python_dir: Path, binding: str
) -> tuple[MaturinLayout, str]:
    """The layout, and the target's dotted name."""
    parts = module.split(".")
    extension = parts[-1]
    top = python_dir / parts[0]
    extra = strings(tool, "python-packages")
    data_given = text(tool, "data")
    data = (root / data_given) if data_given else root / f"{module}.data"
    if data_given and not data.is_dir():
        raise ConfigError(f"{WHERE}.data = {data_given!r}: there is no such folder in {root}")
    data_dir = data if data.is_dir() else None
    for entry in sorted(data_dir.iterdir()) if data_dir else []:
        if not entry.is_dir() or entry.name not in _DATA_FOLDERS:
            raise ConfigError(
                f"{entry}: a wheel's data folder holds only the folders "
                f"{', '.join(_DATA_FOLDERS)}; move it into one of them"
            )
    if binding == "bin":
        packages = [p for p in extra if (python_dir / p).is_dir()]
        if top.is_dir():
            packages.insert(0, parts[0])
        return MaturinLayout(python_dir, tuple(packages), extension, data=data_dir), extension
    if top.is_dir():
        if not (top / "__init__.py").is_file() and not (top / "__init__.pyi").is_file():
            raise ConfigError(
                f"{top} has the module's name ({parts[0]}), which makes this a mixed "
                "Python/Rust project, but holds no __init__.py; add one"
            )
        packages = [parts[0], *(p for p in extra if p != parts[0])]
        target = module if len(parts) > 1 else f"{module}.{module}"
        return MaturinLayout(python_dir, tuple(packages), extension, data=data_dir), target
    init = (
        f"from .{extension} import *\n\n"
        f"__doc__ = {extension}.__doc__\n"
        f'if hasattr({extension}, "__all__"):\n'
        f"    __all__ = {extension}.__all__\n"
    )
    generated: dict[str, bytes] = {f"{extension}/__init__.py": init.encode()}
    copied: dict[str, Path] = {}
    stub = root / f"{extension}.pyi"
    if stub.is_file():
        copied[f"{extension}/__init__.pyi"] = stub
        generated[f"{extension}/py.typed"] = b""
    layout = MaturinLayout(python_dir, tuple(extra), extension, generated, copied, data=data_dir)
    return layout, f"{extension}.{extension}"


def read_maturin(root: Path, pyproject: Mapping[str, Any]) -> MaturinProject | None:
    """The maturin project in ``root``, or ``None`` where it is not one (a
    ``[tool.buildrs]`` table or a setup.py declares the project, or there is no
    ``[tool.maturin]`` table and no crate). ``[tool.buildrs.release]`` alone
    declares no target."""
    root = root.resolve()
    tool_tables = subtable(pyproject, "tool")
    declared = set(subtable(tool_tables, "buildrs")) - {"release"}
    if declared or (root / "setup.py").exists():
        return None
    if "maturin" not in tool_tables and not _requires_buildrs(pyproject):
        return None
    tool = tool_tables.get("maturin", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{WHERE} must be a table")
    check_keys(tool)
    manifest = _manifest(root, pyproject, tool)
    if manifest is None:
        if "maturin" in tool_tables:
            raise ConfigError(
                f"{WHERE}: there is no Cargo.toml in {root} (nor rust/Cargo.toml); set "
                "manifest-path to the crate's Cargo.toml"
            )
        return None
    crate = load_toml(manifest, "Cargo.toml")
    if "package" not in crate:
        raise ConfigError(
            f"{manifest} is a virtual workspace manifest; set [tool.maturin] manifest-path "
            "to the Cargo.toml of the crate that builds the module"
        )
    binding = _binding(tool, crate)
    targets_given = tool.get("targets")
    if targets_given is not None and (
        not isinstance(targets_given, list) or len(targets_given) > 1
    ):
        raise unsupported("targets", "several cargo targets are listed")
    project, notes = complete_project(root, pyproject, manifest, crate)
    name = str(project.get("name") or "")
    python_dir = _python_dir(root, tool, name)
    module = _module_name(tool, crate, manifest)
    layout, target = _layout(root, tool, module, python_dir, binding)
    layout = replace(
        layout, include=wheel_patterns(tool, "include"), exclude=wheel_patterns(tool, "exclude")
    )
    built = _targets(tool, manifest, crate, root, module, target, binding)
    notes += [
        f"[tool.maturin] {key} is noted, not used: {KEYS[key]}" for key in NOTED if key in tool
    ]
    mapping = {"": _relative(python_dir, root)}
    if layout.generated:  # pure Rust: built in place into buildrs' own folder
        inplace = Path(folders.maturin_packages(root)) / layout.extension
        mapping[layout.extension] = _relative(inplace, root)
    tools = {**tool_tables, "maturin": tool}
    tools["setuptools"] = {"package-dir": mapping, "packages": list(layout.packages)}
    translated = {**pyproject, "project": project, "tool": tools}
    read_from = "[tool.maturin]" if "maturin" in tool_tables else "Cargo.toml (no [tool.maturin])"
    return MaturinProject(translated, built, settings(tool), layout, tuple(notes), read_from)


def _targets(
    tool: Mapping[str, Any],
    manifest: Path,
    crate: Mapping[str, Any],
    root: Path,
    module: str,
    target: str,
    binding: str,
) -> tuple[TargetSettings, ...]:
    """The module (``target``), or each binary of a ``bin`` project, as buildrs declares
    them, with the cargo options ``[tool.maturin]`` gives."""
    entry: dict[str, object] = {"path": _relative(manifest, root)}
    (wanted, conditional), args = features(tool), cargo_args(tool)
    entry.update({"features": wanted} if wanted else {})
    entry.update({"args": args} if args else {})
    rustc = strings(tool, "rustc-args")
    entry.update({"rustc-flags": rustc} if rustc else {})
    if flag(tool, "strip"):
        entry["strip"] = "All"
    where = f"{WHERE} (module {module!r})"
    if binding == "bin":
        bins = _bin_names(manifest, crate)
        built = tuple(
            target_from_table("bin", {**entry, "target": b}, f"{where}, binary {b!r}") for b in bins
        )
    else:
        built = (target_from_table("ext", {**entry, "target": target}, where),)
    return tuple(replace(t, conditional_features=tuple(conditional)) for t in built)


def _relative(path: Path, root: Path) -> str:
    """``path`` relative to the project folder ``root``, as pyproject.toml writes paths."""
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def _bin_names(manifest: Path, crate: Mapping[str, Any]) -> list[str]:
    found = [
        b["name"]
        for b in crate.get("bin", [])
        if isinstance(b, dict) and isinstance(b.get("name"), str)
    ]
    if not found and (manifest.parent / "src" / "main.rs").is_file():
        found.append(str(subtable(crate, "package").get("name")))
    if not found:
        raise ConfigError(
            f"{manifest}: bindings = 'bin', but the crate has no binary target (src/main.rs or "
            "[[bin]])"
        )
    return found
