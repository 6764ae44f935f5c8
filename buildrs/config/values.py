"""Checks of single values, shared by every place settings are read.

Each function takes the value as given and ``where`` (the file, key path or
variable it came from, for the message) and returns the value checked and
normalised, or raises ``ConfigError`` naming ``where`` and what would be right.
"""

from __future__ import annotations

import contextlib
import difflib
import keyword
import re
import shlex
from collections.abc import Mapping, Sequence
from enum import IntEnum
from pathlib import PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING, Any, Literal, Union

from buildrs.errors import ConfigError

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet

PyLimitedApi = Union[Literal["auto"], bool, tuple[int, int]]
"""``"auto"``, ``True``, ``False`` or a stable-ABI floor such as ``(3, 9)``."""

__all__ = [
    "PyLimitedApi",
    "check_build_cargo_args",
    "check_glibc",
    "check_keys",
    "check_macos_version",
    "check_module_path",
    "check_profile",
    "check_python_version",
    "check_repair",
    "did_you_mean",
    "enum_member",
    "env_map",
    "flag",
    "generated_files",
    "limited_api",
    "optional_flag",
    "parse_python_version",
    "parse_rust_version",
    "rust_version",
    "split_args",
    "split_list",
    "string",
    "string_map",
    "strings",
    "subtable",
    "truth",
]


def did_you_mean(name: str, known: Sequence[str], what: str = "known keys") -> str:
    """`` — did you mean 'x'?`` for a close match, else the list of ``known`` names."""
    match = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f" — did you mean {match[0]!r}?" if match else f" ({what}: {', '.join(known)})"


def check_keys(
    table: Mapping[str, object], allowed: Sequence[str], where: str
) -> dict[str, object]:
    """``table`` with setuptools-rust's underscore spellings turned into dashed keys;
    an unknown key, or one given in both spellings, is an error."""
    out: dict[str, object] = {}
    for key, value in table.items():
        dashed = key.replace("_", "-")
        if dashed not in allowed:
            raise ConfigError(f"{where}: unknown key {key!r}{did_you_mean(dashed, allowed)}")
        if dashed in out:
            raise ConfigError(f"{where}: {dashed!r} is given twice (as {key!r} too); keep one")
        out[dashed] = value
    return out


def strings(value: object, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ConfigError(f'{where}: expected a list of strings like ["a", "b"], got {value!r}')


def string(value: object, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where}: expected a non-empty string, got {value!r}")
    return value


def flag(value: object, where: str) -> bool:
    """A typed boolean: ``true``/``false``, or setuptools-rust's ``1``/``0``."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise ConfigError(f"{where}: expected true or false (or 1 or 0), got {value!r}")


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


def truth(text: object, where: str) -> bool:
    """A boolean written as text (environment, ``-C``, setup.cfg): ``1``/``true``/``yes``/``on``
    or ``0``/``false``/``no``/``off``."""
    if isinstance(text, bool):
        return text
    if isinstance(text, int) and text in (0, 1):
        return bool(text)
    word = str(text).strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ConfigError(f"{where}: expected true or false, got {text!r}")


def split_list(text: str, where: str) -> tuple[str, ...]:
    """``"a, b c"`` -> ``("a", "b", "c")``."""
    return tuple(item for item in text.replace(",", " ").split() if item)


def split_args(text: str, where: str) -> tuple[str, ...]:
    """Command-line arguments written as one string, split as a POSIX shell would."""
    try:
        return tuple(shlex.split(text))
    except ValueError as exc:
        raise ConfigError(f"{where}: cannot split {text!r} into arguments: {exc}") from None


def string_map(value: object, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, Mapping) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        return dict(value)
    raise ConfigError(
        f'{where}: expected a table of strings like {{ NAME = "value" }}, got {value!r}'
    )


def env_map(value: object, where: str) -> dict[str, str]:
    """Environment variables to add: names without ``=`` or NUL, values without NUL."""
    env = string_map(value, where)
    for name, item in env.items():
        if not name or "=" in name or "\0" in name:
            raise ConfigError(
                f"{where}: {name!r} cannot be the name of an environment variable "
                "(it is empty or holds '=' or a NUL byte)"
            )
        if "\0" in item:
            raise ConfigError(f"{where}: the value of {name} holds a NUL byte")
    return env


def parse_python_version(value: str, where: str) -> tuple[int, int]:
    """``"cp39"``, ``"py39"``, ``"3.9"`` or ``"39"`` -> ``(3, 9)``."""
    text = value.lower().removeprefix("cp").removeprefix("py").replace(".", "")
    if len(text) >= 2 and text.isdigit() and text[0] == "3":
        return 3, int(text[1:])
    raise ConfigError(f"{where}: expected a Python version like 'cp39', got {value!r}")


def parse_rust_version(value: str, where: str) -> SpecifierSet:
    """A rustc version requirement: a bare version is a minimum; PEP 440 operators
    (``>=1.56``, ``~=1.70``, ``<2``), cargo's ``^1.70``/``~1.70`` and comma-joined
    lists of them are accepted."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    parts: list[str] = []
    for raw in value.split(","):
        text = raw.strip()
        try:
            if text[:1].isdigit():
                text = f">={text}"
            elif text.startswith("^"):
                base = text[1:].strip()
                major = int(base.split(".")[0])
                text = f">={base},<{major + 1}"
            elif text.startswith("~") and not text.startswith("~="):
                base = text[1:].strip()
                nums = [int(n) for n in base.split(".")]
                upper = f"{nums[0]}.{nums[1] + 1}" if len(nums) > 1 else f"{nums[0] + 1}"
                text = f">={base},<{upper}"
            parts.append(text)
        except (ValueError, IndexError):
            parts.append("!" + text)  # rejected below
    try:
        return SpecifierSet(",".join(parts))
    except InvalidSpecifier:
        raise ConfigError(
            f"{where}: {value!r} is not a rustc version requirement; write a minimum like "
            '"1.70" or a specifier like ">=1.70" or "~=1.70"'
        ) from None


def check_glibc(text: str, where: str) -> str:
    """A glibc version such as ``2.17``."""
    if not re.fullmatch(r"2\.\d{1,2}", text.strip()):
        raise ConfigError(
            f'{where}: expected a glibc version such as "2.17" (manylinux2014) or '
            f'"2.28", got {text!r}'
        )
    return text.strip()


def check_module_path(target: str, where: str) -> None:
    """Raise ``ConfigError`` unless ``target`` is a dotted Python module path."""
    for part in target.split("."):
        if not part.isidentifier() or keyword.iskeyword(part):
            raise ConfigError(
                f"{where}: target {target!r} is not a dotted Python module path "
                f"({part!r} is not a Python identifier); write it as e.g. 'mypackage._native'"
            )


_RESERVED_ARGS = {
    "--profile": "the cargo profile: set it with buildrs.profile ({fix})",
    "--release": "the cargo profile: set it with buildrs.profile ({fix})",
    "-r": "the cargo profile: set it with buildrs.profile ({fix})",
    "--target": "the target triple, which names the modules and tags the wheel: pass "
    "--target to the build command or set CARGO_BUILD_TARGET",
    "--manifest-path": "the crate, which each target's `path` names",
    "--message-format": "cargo's output format, which builds read artifacts from",
    "--": "rustc's own flags, which go in a target's rustc-flags (rustc_flags in setup.py)",
}


def check_cargo_args(args: Sequence[str], where: str, allow_profile: bool = False) -> None:
    """Refuse cargo arguments that choose what buildrs chooses itself: they would build
    something other than what the modules are named and the wheel is tagged for."""
    for arg in args:
        name = arg.split("=", 1)[0] if arg.startswith("--") else arg
        if name in ("--profile", "--release", "-r") and allow_profile:
            continue
        reason = _RESERVED_ARGS.get(name)
        if reason is not None:
            fix = "-C buildrs.profile=NAME, or BUILDRS_PROFILE=NAME"
            raise ConfigError(
                f"{where}: {arg!r} would change {reason.format(fix=fix)}; remove it from the "
                "cargo arguments"
            )


def optional_flag(value: object, where: str) -> bool | None:
    return None if value is None else flag(value, where)


def enum_member(kind: type[IntEnum]) -> Any:
    def convert(value: object, where: str) -> Any:
        if isinstance(value, kind):
            return value
        if isinstance(value, str):
            for member in kind:
                if value.lower() == member.name.lower():
                    return member
        if isinstance(value, int) and not isinstance(value, bool):
            with contextlib.suppress(ValueError):
                return kind(value)
        names = ", ".join(member.name for member in kind)
        raise ConfigError(f"{where}: expected one of {names}, got {value!r}")

    return convert


def limited_api(value: object, where: str) -> PyLimitedApi:
    if isinstance(value, bool) or value == "auto":
        return value
    if isinstance(value, str):
        try:
            return parse_python_version(value, where)
        except ConfigError:
            pass
    raise ConfigError(
        f'{where}: expected "auto", true, false or a version like "cp39", got {value!r}'
    )


def rust_version(value: object, where: str) -> str | None:
    if value is None:
        return None
    text = string(value, where)
    parse_rust_version(text, where)
    return text


def generated_files(value: object, where: str) -> dict[str, str]:
    mapping = string_map(value, where)
    for inside, package in mapping.items():
        path = PurePosixPath(inside.replace("\\", "/"))
        if not inside or path.is_absolute() or ".." in path.parts or PureWindowsPath(inside).drive:
            raise ConfigError(
                f"{where}: {inside!r} must be a relative path inside the build script's "
                "OUT_DIR (no leading '/' and no '..')"
            )
        if not all(part.isidentifier() for part in package.split(".")):
            raise ConfigError(
                f"{where}: {package!r} (for {inside!r}) must be a dotted Python package "
                "such as 'mypackage.data'"
            )
    return mapping


# --- checks of build-wide settings (see settings) ------------------------------------


_PROFILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*")


def check_profile(name: str, where: str) -> str:
    if not _PROFILE_NAME.fullmatch(name):
        raise ConfigError(f"{where}: {name!r} is not a cargo profile name (such as dev or release)")
    return "dev" if name == "debug" else name


def check_build_cargo_args(args: tuple[str, ...], where: str) -> tuple[str, ...]:
    check_cargo_args(args, where)
    return args


def check_macos_version(text: str, where: str) -> str:
    if not re.fullmatch(r"\d{1,2}(\.\d{1,2}){0,2}", text):
        raise ConfigError(f"{where}={text!r} is not a macOS version such as 11.0")
    return text


def check_repair(text: str, where: str) -> str:
    if text not in ("auto", "check", "off"):
        raise ConfigError(f'{where}: expected "auto", "check" or "off", got {text!r}')
    return text


def check_python_version(text: str, where: str) -> tuple[int, int]:
    return parse_python_version(text, where)


def subtable(parent: Mapping[str, Any], key: str) -> dict[str, Any]:
    """``parent[key]`` where it is a table, else an empty one (a TOML document read
    leniently: a wrong type is checked where the key is read for what it says)."""
    found = parent.get(key)
    return found if isinstance(found, dict) else {}
