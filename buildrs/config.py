"""Read and validate ``[tool.buildrs]`` of pyproject.toml.

Every key is checked: an unknown key is an error that names the file, the full
key path and, where one is close, the key that was probably meant.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .errors import ConfigError
from .extension import Binding, RustBin, RustExtension, Strip
from .manifest import load_toml

__all__ = ["BuildrsConfig", "load_pyproject", "parse_config"]


@dataclass(frozen=True)
class BuildrsConfig:
    """The validated ``[tool.buildrs]`` table."""

    targets: tuple[RustExtension, ...] = ()
    """``ext-modules`` then ``bins``, in file order."""
    profile: str | None = None
    """``profile``: the cargo profile for regular (wheel) builds."""
    editable_profile: str | None = None
    """``editable-profile``: the cargo profile for editable and in-place builds."""
    vendor: bool = False
    """``vendor``: put the crates' dependencies into the sdist (``cargo vendor``)."""


def _suggest(key: str, allowed: list[str]) -> str:
    normal = key.replace("_", "-").lower()
    if normal in allowed:
        return f" — did you mean {normal!r}?"
    close = difflib.get_close_matches(normal, allowed, n=1, cutoff=0.6)
    return f" — did you mean {close[0]!r}?" if close else f" (known keys: {', '.join(allowed)})"


def _check_keys(table: Mapping[str, Any], allowed: list[str], where: str) -> None:
    for key in table:
        if key not in allowed:
            raise ConfigError(f"{where}: unknown key {key!r}{_suggest(key, allowed)}")


def _string(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where}: expected a non-empty string, got {value!r}")
    return value


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: expected true or false, got {value!r}")
    return value


def _string_list(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f'{where}: expected a list of strings like ["a", "b"], got {value!r}')
    return value


def _string_table(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ConfigError(f"{where}: expected a table of strings, got {value!r}")
    return value


def _enum(kind: type[Binding] | type[Strip]) -> Callable[[Any, str], Any]:
    names = [member.name for member in kind]

    def convert(value: Any, where: str) -> Any:
        if isinstance(value, str):
            for name in names:
                if value.lower() == name.lower():
                    return kind[name]
        raise ConfigError(f"{where}: expected one of {', '.join(names)}, got {value!r}")

    return convert


def _limited_api(value: Any, where: str) -> Any:
    if isinstance(value, bool) or value == "auto":
        return value
    if isinstance(value, str):
        return value
    raise ConfigError(f"{where}: expected 'auto', true, false or a version like 'cp39'")


# key in pyproject.toml -> (keyword argument, converter)
_COMMON: dict[str, tuple[str, Callable[[Any, str], Any]]] = {
    "target": ("target", _string),
    "path": ("path", _string),
    "args": ("args", _string_list),
    "cargo-manifest-args": ("cargo_manifest_args", _string_list),
    "features": ("features", _string_list),
    "rustc-flags": ("rustc_flags", _string_list),
    "rust-version": ("rust_version", _string),
    "quiet": ("quiet", _bool),
    "debug": ("debug", _bool),
    "strip": ("strip", _enum(Strip)),
    "optional": ("optional", _bool),
    "env": ("env", _string_table),
}
_EXT_ONLY: dict[str, tuple[str, Callable[[Any, str], Any]]] = {
    "binding": ("binding", _enum(Binding)),
    "script": ("script", _bool),
    "native": ("native", _bool),
    "py-limited-api": ("py_limited_api", _limited_api),
    "generated-files": ("generated_files", _string_table),
}
_EXT_KEYS = {**_COMMON, **_EXT_ONLY}
_TOP_KEYS = ["ext-modules", "bins", "profile", "editable-profile", "vendor"]


def _targets(
    entries: Any, section: str, keys: Mapping[str, tuple[str, Callable[[Any, str], Any]]], file: str
) -> list[RustExtension]:
    where_list = f"{file}: [[tool.buildrs.{section}]]"
    if not isinstance(entries, list):
        raise ConfigError(f"{where_list}: expected an array of tables ([[tool.buildrs.{section}]])")
    made: list[RustExtension] = []
    for index, entry in enumerate(entries):
        where = f"{where_list}[{index}]"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: expected a table, got {entry!r}")
        _check_keys(entry, list(keys), where)
        if "target" not in entry:
            example = "mypackage._native" if section == "ext-modules" else "my-tool"
            raise ConfigError(f"{where}: missing required key 'target', e.g. target = {example!r}")
        kwargs = {keys[k][0]: keys[k][1](value, f"{where}.{k}") for k, value in entry.items()}
        made.append(RustExtension(**kwargs) if section == "ext-modules" else RustBin(**kwargs))
    return made


def parse_config(table: Mapping[str, Any], file: str = "pyproject.toml") -> BuildrsConfig:
    """Validate a ``[tool.buildrs]`` table (already parsed from TOML)."""
    if not isinstance(table, dict):
        raise ConfigError(f"{file}: [tool.buildrs] must be a table")
    _check_keys(table, _TOP_KEYS, f"{file}: [tool.buildrs]")
    targets = _targets(table.get("ext-modules", []), "ext-modules", _EXT_KEYS, file)
    targets += _targets(table.get("bins", []), "bins", _COMMON, file)
    where = f"{file}: [tool.buildrs]"
    profiles = {
        key: _string(table[key], f"{where}.{key}") if key in table else None
        for key in ("profile", "editable-profile")
    }
    return BuildrsConfig(
        targets=tuple(targets),
        profile=profiles["profile"],
        editable_profile=profiles["editable-profile"],
        vendor=_bool(table.get("vendor", False), f"{where}.vendor"),
    )


def load_pyproject(project_dir: Path) -> tuple[dict[str, Any], BuildrsConfig | None]:
    """Parse ``project_dir/pyproject.toml``; return it and its buildrs config, if any."""
    path = project_dir / "pyproject.toml"
    if not path.is_file():
        return {}, None
    data = load_toml(path, "pyproject.toml")
    table = data.get("tool", {}).get("buildrs")
    if table is None:
        return data, None
    return data, parse_config(table, "pyproject.toml")
