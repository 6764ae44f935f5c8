"""Read and validate ``[tool.buildrs]`` of pyproject.toml.

Every key is checked where it is loaded: an unknown key is an error that names
the file, the full key path and, where one is close, the key that was probably
meant.  setuptools-rust's underscore spellings (``cargo_manifest_args``) are
accepted for the dashed keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .errors import ConfigError
from .manifest import load_toml
from .settings import TargetSettings, check_glibc, check_keys, target_from_table

__all__ = ["BuildrsConfig", "load_pyproject", "parse_config"]

_TOP_KEYS = [
    "ext-modules",
    "bins",
    "profile",
    "editable-profile",
    "vendor",
    "rustc-wrapper",
    "zig",
    "glibc",
]


@dataclass(frozen=True)
class BuildrsConfig:
    """The validated ``[tool.buildrs]`` table."""

    targets: tuple[TargetSettings, ...] = ()
    """``ext-modules`` then ``bins``, in file order."""
    project: Mapping[str, object] | None = None
    """The top-level keys other than the targets (``profile``, ``vendor``...), checked."""


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
    table = check_keys(table, _TOP_KEYS, where)
    targets = _targets(table.get("ext-modules", []), "ext-modules", "ext", file)
    targets += _targets(table.get("bins", []), "bins", "bin", file)
    project: dict[str, object] = {}
    for key, what in (
        ("profile", "a cargo profile name"),
        ("editable-profile", "a cargo profile name"),
        ("rustc-wrapper", 'a program such as "sccache"'),
    ):
        if key in table:
            value = table[key]
            if not isinstance(value, str) or not value:
                raise ConfigError(f"{where}.{key}: expected {what}, got {value!r}")
            project[key] = value
    for key in ("vendor", "zig"):
        if key in table:
            if not isinstance(table[key], bool):
                raise ConfigError(f"{where}.{key}: expected true or false, got {table[key]!r}")
            project[key] = table[key]
    if "glibc" in table:
        value = table["glibc"]
        if not isinstance(value, str):
            raise ConfigError(
                f'{where}.glibc: expected a version string such as "2.17", got {value!r}'
            )
        project["glibc"] = check_glibc(value, f"{where}.glibc")
    return BuildrsConfig(targets=tuple(targets), project=project)


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
    table = tool.get("buildrs") if isinstance(tool, dict) else None
    if table is None:
        return data, None
    return data, parse_config(table, "pyproject.toml")
