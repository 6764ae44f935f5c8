"""Each key of ``[tool.maturin]`` (maturin 1.16): what it does here, and its value
turned into buildrs' own, a target's cargo arguments or a build-wide setting, or an
error that names the key where buildrs does not build what it asks for yet."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from buildrs.errors import ConfigError

__all__ = [
    "KEYS",
    "NOTED",
    "WHERE",
    "cargo_args",
    "check_keys",
    "features",
    "flag",
    "key_table",
    "settings",
    "strings",
    "text",
    "unsupported",
    "wheel_patterns",
]


WHERE = "pyproject.toml: [tool.maturin]"


KEYS: dict[str, str] = {
    "module-name": "the module's dotted name: the target (`pkg._native`, or `name` for a "
    "pure-Rust layout)",
    "python-source": "the folder holding the Python package (a mixed project)",
    "python-packages": "further top-level packages in `python-source` shipped in the wheel",
    "manifest-path": "the crate's Cargo.toml: the target's `path`",
    "bindings": '`"pyo3"` and `"pyo3-ffi"`: an extension module; `"bin"`: the crate\'s '
    'binary, installed as a script; `"cffi"` and `"uniffi"` stop with an error (not built '
    "yet)",
    "features": "cargo features: plain names, and `{feature, python-version, "
    "python-implementation}` tables, enabled for the interpreters that match",
    "all-features": "`--all-features`",
    "no-default-features": "`--no-default-features`",
    "profile": "the cargo profile of wheels (`profile`)",
    "editable-profile": "the cargo profile of editable and in-place builds (`editable-profile`)",
    "frozen": "`--frozen`",
    "locked": "`--locked`",
    "config": "`--config` for each entry",
    "unstable-flags": "`-Z` for each entry",
    "rustc-args": "flags for rustc (`rustc-flags`)",
    "strip": '`true`: strip every symbol (`strip = "All"`)',
    "compatibility": '`"linux"`: no repair, the wheel keeps its `linux_*` tag; otherwise '
    "auditwheel chooses the manylinux or musllinux tag, as buildrs does for every wheel",
    "manylinux": "the old name of `compatibility`",
    "auditwheel": '`"repair"`, `"check"`, `"warn"` or `"skip"`: buildrs\' `repair` '
    '(`"auto"`, `"check"`, `"off"`, `"off"`)',
    "skip-auditwheel": '`true`: `repair = "off"`',
    "sbom": "`false`: no SBOM in the wheel (`sbom`); a table is accepted, and the SBOM is "
    "buildrs' own",
    "data": "the folder whose `data`, `scripts`, `headers`, `purelib` and `platlib` go into "
    "the wheel's `.data` (default: `<module>.data` when it exists)",
    "include": "glob patterns (plain, or `{path, format}`) of files added to the wheel, found "
    "from the project folder, else from `python-source`, and placed relative to "
    '`python-source` where they lie in it; the `{path, from = "out-dir", to}` form stops '
    "with an error (not followed yet); the sdist holds every file already",
    "exclude": "glob patterns, as in a `.gitignore`, of files left out of the wheel, matched "
    "file by file against their path in the wheel and in the project folder (`*.pyc`, "
    "`python/pkg/tests/**`; a folder pattern such as `pkg/tests/` leaves out nothing, as "
    "with maturin)",
    "targets": "one entry, the library, is the module; several stop with an error",
    "target": "`target.<triple>.macos-deployment-target`: noted; set "
    "`MACOSX_DEPLOYMENT_TARGET` for macOS builds",
    "include-import-lib": "noted (Windows import libraries are not shipped)",
    "sdist-generator": "noted: buildrs' sdist holds the files cargo packages and the project's",
    "use-base-python": "noted: buildrs keys its builds by interpreter version, not path",
    "generate-ci": "noted: steers `maturin generate-ci` only",
    "pgo-command": "noted: steers maturin's profile-guided builds only",
}
"""Every ``[tool.maturin]`` key of maturin 1.16 and what it does here."""


NOTED = (
    "target",
    "include-import-lib",
    "sdist-generator",
    "use-base-python",
    "generate-ci",
    "pgo-command",
)


def key_table() -> str:
    """The Markdown table of ``KEYS`` (docs/configuration.md, "Moving from maturin")."""
    rows = ["| `[tool.maturin]` key | what buildrs does with it |", "| --- | --- |"]
    rows += [f"| `{key}` | {meaning} |" for key, meaning in KEYS.items()]
    return "\n".join(rows)


def flag(tool: Mapping[str, Any], key: str) -> bool:
    value = tool.get(key, False)
    if not isinstance(value, bool):
        raise ConfigError(f"{WHERE}.{key}: expected true or false, got {value!r}")
    return value


def strings(tool: Mapping[str, Any], key: str) -> list[str]:
    value = tool.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f'{WHERE}.{key}: expected a list of strings like ["a"], got {value!r}')
    return value


def text(tool: Mapping[str, Any], key: str) -> str | None:
    value = tool.get(key)
    if value is not None and (not isinstance(value, str) or not value):
        raise ConfigError(f"{WHERE}.{key}: expected a string, got {value!r}")
    return value


def unsupported(key: str, what: str) -> ConfigError:
    return ConfigError(
        f"{WHERE}.{key}: {what}, which buildrs does not build yet; build this project with "
        "maturin, or declare its targets in [tool.buildrs] instead"
    )


def check_keys(tool: Mapping[str, Any]) -> None:
    import difflib

    for key in tool:
        if key not in KEYS:
            close = difflib.get_close_matches(key, list(KEYS), n=1)
            hint = f" — did you mean {close[0]!r}?" if close else ""
            raise ConfigError(f"{WHERE}: unknown key {key!r}{hint} (maturin 1.16 has no such key)")


Conditional = tuple[str, "str | None", "str | None"]


def features(tool: Mapping[str, Any]) -> tuple[list[str], list[Conditional]]:
    """The plain features, and those enabled for some Pythons only
    (``{feature, python-version, python-implementation}``)."""
    value = tool.get("features", [])
    if not isinstance(value, list):
        raise ConfigError(f'{WHERE}.features: expected a list like ["a"], got {value!r}')
    plain: list[str] = []
    conditional: list[Conditional] = []
    for item in value:
        if isinstance(item, dict):
            conditional.append(_conditional(item))
        elif isinstance(item, str):
            plain += [part for part in re.split(r"[\s,]+", item) if part]
        else:
            raise ConfigError(f"{WHERE}.features: {item!r} is not a feature name")
    return plain, conditional


def _conditional(item: Mapping[str, Any]) -> Conditional:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    where = f"{WHERE}.features: {item!r}"
    unknown = set(item) - {"feature", "python-version", "python-implementation"}
    if unknown or not isinstance(item.get("feature"), str):
        raise ConfigError(
            f'{where}: expected {{feature = "name", python-version = ">=3.12", '
            'python-implementation = "cpython"}'
        )
    version, implementation = item.get("python-version"), item.get("python-implementation")
    if version is not None:
        try:
            SpecifierSet(str(version))
        except InvalidSpecifier:
            raise ConfigError(f"{where}: python-version is not a version specifier") from None
    if implementation is not None and not isinstance(implementation, str):
        raise ConfigError(f"{where}: python-implementation is not a name")
    return (
        item["feature"],
        None if version is None else str(version),
        None if implementation is None else implementation.lower(),
    )


def cargo_args(tool: Mapping[str, Any]) -> list[str]:
    args: list[str] = []
    if flag(tool, "all-features"):
        args.append("--all-features")
    if flag(tool, "no-default-features"):
        args.append("--no-default-features")
    if flag(tool, "frozen"):
        args.append("--frozen")
    if flag(tool, "locked"):
        args.append("--locked")
    for value in strings(tool, "config"):
        args += ["--config", value]
    for value in strings(tool, "unstable-flags"):
        args += ["-Z", value]
    return args


def _repair(tool: Mapping[str, Any]) -> str | None:
    if flag(tool, "skip-auditwheel"):
        return "off"
    mode = text(tool, "auditwheel")
    modes = {"repair": "auto", "check": "check", "warn": "off", "skip": "off"}
    if mode is not None and mode not in modes:
        raise ConfigError(
            f"{WHERE}.auditwheel = {mode!r}: expected 'repair', 'check', 'warn' or 'skip'"
        )
    compatibility = tool.get("compatibility", tool.get("manylinux"))
    if compatibility is not None and not isinstance(compatibility, str):
        raise ConfigError(f"{WHERE}.compatibility: expected a string, got {compatibility!r}")
    if compatibility == "linux":
        return "off"
    return modes[mode] if mode is not None else None


def wheel_patterns(tool: Mapping[str, Any], key: str) -> tuple[str, ...]:
    """The ``include``/``exclude`` glob patterns meant for wheels (a plain pattern, or
    ``{path, format}`` naming ``wheel``), checked: relative, no ``..``."""
    value = tool.get(key, [])
    if not isinstance(value, list):
        raise ConfigError(f"{WHERE}.{key}: expected a list of patterns, got {value!r}")
    found: list[str] = []
    for item in value:
        formats: object = ["sdist", "wheel"]
        if isinstance(item, dict):
            if "from" in item or "to" in item:
                raise unsupported(key, f"{item!r} copies files cargo's build script wrote")
            formats = item.get("format", formats)
            pattern = item.get("path")
        else:
            pattern = item
        if not isinstance(pattern, str) or not pattern:
            raise ConfigError(f"{WHERE}.{key}: {item!r} is not a pattern")
        parts = pattern.replace("\\", "/").split("/")
        if pattern.startswith("/") or any(part in (".", "..") for part in parts):
            raise ConfigError(
                f"{WHERE}.{key}: {pattern!r} must be relative to the project folder, without "
                "'.' or '..'"
            )
        listed = [formats] if isinstance(formats, str) else formats
        if isinstance(listed, list) and "wheel" in listed:
            found.append(pattern)
    return tuple(found)


def settings(tool: Mapping[str, Any]) -> dict[str, object]:
    """The build-wide settings ``[tool.maturin]`` gives, by ``[tool.buildrs]`` key."""
    settings: dict[str, object] = {}
    for key in ("profile", "editable-profile"):
        value = text(tool, key)
        if value is not None:
            settings[key] = value
    repair = _repair(tool)
    if repair is not None:
        settings["repair"] = repair
    if tool.get("sbom") is False:
        settings["sbom"] = False
    return settings
