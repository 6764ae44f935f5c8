"""Read and validate ``[tool.buildrs]`` of pyproject.toml.

Every key is checked where it is loaded: an unknown key is an error that names
the file, the full key path and, where one is close, the key that was probably
meant. setuptools-rust's underscore spellings (``cargo_manifest_args``) are
accepted for the dashed keys. The top-level keys besides the target tables are
the build-wide settings that declare one (``settings.project_keys``).

A project that builds with buildrs (its ``[build-system] requires`` names it) but
whose targets sit in a table buildrs does not read, setuptools-rust's
``[tool.setuptools-rust]`` or a misspelt ``[tool.buidrs]``, is stopped: it would
build a wheel without its Rust modules.

With no ``[tool.buildrs]`` table (and no setup.py), a maturin project is read from
``[tool.maturin]`` and Cargo.toml (``config.maturin``) into the same
``BuildrsConfig``, and the pyproject.toml every later stage sees has its
``[project]`` completed from Cargo.toml.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from buildrs.errors import ConfigError

from .manifest import load_toml
from .maturin import MaturinLayout, read_maturin
from .release import ReleaseMatrix, read_release
from .resolve import read_project_table
from .settings import project_keys
from .targets import TargetSettings, target_from_table
from .values import check_keys

__all__ = ["BuildrsConfig", "load_pyproject", "parse_config", "project_folder"]

_TARGET_TABLES = ("ext-modules", "bins")
_RELEASE = "release"


@dataclass(frozen=True)
class BuildrsConfig:
    """The validated ``[tool.buildrs]`` table."""

    targets: tuple[TargetSettings, ...] = ()
    """``ext-modules`` then ``bins``, in file order."""
    project: Mapping[str, object] | None = None
    """The build-wide settings the table sets, by key, checked."""
    read_from: str = "[tool.buildrs]"
    """The table the targets come from (``[tool.maturin]`` for a maturin project)."""
    maturin: MaturinLayout | None = None
    """A maturin project's layout (``config.maturin``)."""
    notes: tuple[str, ...] = ()
    """What the build says about the configuration it read."""
    release: ReleaseMatrix | None = None
    """``[tool.buildrs.release]``: the matrix ``python -m buildrs wheels`` builds."""


def _targets(
    entries: Any, section: str, kind: Literal["ext", "bin"], file: str
) -> list[TargetSettings]:
    where_list = f"{file}: [[tool.buildrs.{section}]]"
    if not isinstance(entries, list):
        raise ConfigError(f"{where_list}: expected an array of tables ([[tool.buildrs.{section}]])")
    return [
        target_from_table(kind, entry, f"{where_list}[{index}]")
        for index, entry in enumerate(entries)
    ]


def parse_config(table: Mapping[str, Any], file: str = "pyproject.toml") -> BuildrsConfig:
    """Validate a ``[tool.buildrs]`` table (already parsed from TOML)."""
    where = f"{file}: [tool.buildrs]"
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table")
    table = check_keys(table, [*_TARGET_TABLES, _RELEASE, *project_keys()], where)
    targets = _targets(table.get("ext-modules", []), "ext-modules", "ext", file)
    targets += _targets(table.get("bins", []), "bins", "bin", file)
    release = read_release(table[_RELEASE], file) if _RELEASE in table else None
    settings = {k: v for k, v in table.items() if k != _RELEASE}
    return BuildrsConfig(
        targets=tuple(targets), project=read_project_table(settings, where), release=release
    )


def _requires(data: Mapping[str, Any]) -> set[str]:
    """The normalised names of the project's build requirements."""
    system = data.get("build-system")
    requires = system.get("requires", []) if isinstance(system, dict) else []
    names = set()
    for item in requires if isinstance(requires, list) else []:
        found = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", str(item))
        if found:
            names.add(re.sub(r"[-_.]+", "-", found.group(1)).lower())
    return names


def _check_unread_tables(data: Mapping[str, Any], tool: Mapping[str, Any]) -> None:
    """Stop a buildrs project whose targets are in a table buildrs does not read."""
    requires = _requires(data)
    if "buildrs" not in requires:
        return
    if "setuptools-rust" in tool and "setuptools-rust" not in requires:
        raise ConfigError(
            "pyproject.toml: [tool.setuptools-rust] is setuptools-rust's table, but this project "
            "builds with buildrs ([build-system] requires it), which reads [tool.buildrs]: "
            "rename [tool.setuptools-rust] to [tool.buildrs] and "
            "[[tool.setuptools-rust.ext-modules]] to [[tool.buildrs.ext-modules]] (the keys "
            "are the same). As it is, the wheel would hold none of its Rust targets."
        )
    for name in tool:
        if name != "buildrs" and difflib.SequenceMatcher(None, name, "buildrs").ratio() >= 0.8:
            raise ConfigError(
                f"pyproject.toml: [tool.{name}] is not a table buildrs reads — did you mean "
                "[tool.buildrs]? As it is, the wheel would hold none of the targets it declares."
            )


def load_pyproject(project_dir: Path) -> tuple[dict[str, Any], BuildrsConfig | None]:
    """Parse ``project_dir/pyproject.toml``; return it and its buildrs config, if any."""
    path = project_dir / "pyproject.toml"
    if not path.is_file():
        return {}, None
    with path.open("rb") as handle:
        if handle.read(3) == b"\xef\xbb\xbf":
            raise ConfigError(
                "pyproject.toml: starts with a UTF-8 byte-order mark, which pip and setuptools "
                "cannot read; save the file as UTF-8 without a BOM"
            )
    data = load_toml(path, "pyproject.toml")
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        return data, None
    _check_unread_tables(data, tool)
    table = tool.get("buildrs")
    release = None
    if table is not None:
        config = parse_config(table, "pyproject.toml")
        if not isinstance(table, dict) or set(table) != {_RELEASE}:
            return data, config
        release = config.release  # a maturin project's release matrix alone
    maturin = read_maturin(project_dir, data)
    if maturin is None:
        return data, None if release is None else BuildrsConfig(release=release)
    settings = read_project_table(maturin.settings, "pyproject.toml: [tool.maturin]")
    config = BuildrsConfig(
        targets=maturin.targets,
        project=settings,
        read_from=maturin.read_from,
        maturin=maturin.layout,
        notes=maturin.notes,
        release=release,
    )
    return maturin.pyproject, config


def project_folder(folder: Path) -> Path:
    """The project a build in ``folder`` builds: ``folder``, or, in an sdist buildrs
    rooted above the project (its crates lie outside it), the project's folder that
    the sdist's pyproject.toml names (``[tool.buildrs-sdist] project``)."""
    path = folder / "pyproject.toml"
    if not path.is_file():
        return folder
    tool = load_toml(path, "pyproject.toml").get("tool")
    table = tool.get("buildrs-sdist") if isinstance(tool, dict) else None
    where = table.get("project") if isinstance(table, dict) else None
    if where is None:
        return folder
    found = (folder / str(where)).resolve()
    if not found.is_relative_to(folder.resolve()) or not (found / "pyproject.toml").is_file():
        raise ConfigError(
            f"{path}: [tool.buildrs-sdist] project = {where!r} names no project folder in it"
        )
    return found
