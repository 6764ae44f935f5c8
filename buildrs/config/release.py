"""``[tool.buildrs.release]``: the release matrix ``python -m buildrs wheels`` builds.

::

    [tool.buildrs.release]
    targets = ["x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu", "x86_64-pc-windows-gnu"]
    pythons = ["3.11", "3.12"]      # or "abi3"

``targets`` are cargo target triples (``universal2-apple-darwin`` for one macOS
wheel of both architectures); ``pythons`` the CPython versions a module built for
one Python version is built for, or ``"abi3"``, which says every module is built
for the stable ABI (one wheel per target) and is checked when the build is planned.
The command line's ``--target`` and ``-i`` take the place of either list.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Union

from buildrs.errors import ConfigError

from .values import check_keys, parse_python_version, strings

__all__ = ["ABI3", "Pythons", "ReleaseMatrix", "check_triple", "read_release"]

ABI3 = "abi3"

Pythons = Union[tuple[tuple[int, int], ...], Literal["abi3"]]
"""CPython versions, or ``"abi3"``: one stable-ABI wheel per target."""


@dataclass(frozen=True)
class ReleaseMatrix:
    """What one release is built for."""

    targets: tuple[str, ...] = ()
    """Cargo target triples; empty: the machine's own."""
    pythons: Pythons = ()
    """CPython versions, or ``"abi3"``; empty: the interpreters given or found."""


_TRIPLE = re.compile(r"[a-z0-9_.]+(-[a-z0-9_.]+){2,3}")


def check_triple(text: str, where: str) -> str:
    """A cargo target triple as written (``aarch64-unknown-linux-gnu``)."""
    if not _TRIPLE.fullmatch(text):
        raise ConfigError(
            f"{where}: {text!r} is not a target triple; write one as `rustc --print "
            "target-list` does, e.g. 'aarch64-unknown-linux-gnu' or 'x86_64-pc-windows-gnu'"
        )
    return text


def _pythons(value: object, where: str) -> Pythons:
    if value == ABI3:
        return "abi3"
    if isinstance(value, str):
        raise ConfigError(
            f'{where}: expected "abi3" or a list of versions like ["3.11", "3.12"], got {value!r}'
        )
    versions = [parse_python_version(text, where) for text in strings(value, where)]
    if len(set(versions)) != len(versions):
        raise ConfigError(f"{where}: a version is listed twice; list each once")
    return tuple(versions)


def read_release(table: object, file: str = "pyproject.toml") -> ReleaseMatrix:
    """Validate a ``[tool.buildrs.release]`` table."""
    where = f"{file}: [tool.buildrs.release]"
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where} must be a table")
    checked = check_keys(table, ["targets", "pythons"], where)
    targets = strings(checked.get("targets"), f"{where} targets")
    for triple in targets:
        check_triple(triple, f"{where} targets")
    if len(set(targets)) != len(targets):
        raise ConfigError(f"{where} targets: a triple is listed twice; list each once")
    pythons = _pythons(checked.get("pythons", []), f"{where} pythons")
    return ReleaseMatrix(targets=targets, pythons=pythons)
