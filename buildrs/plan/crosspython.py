"""The Python a cross build is for: what ``PYO3_CROSS_LIB_DIR`` and
``PYO3_CROSS_PYTHON_VERSION`` say, as pyo3 reads them.

``PYO3_CROSS_LIB_DIR`` names the target Python's library directory; its
``_sysconfigdata_*.py`` holds the version and the module suffix (read as data:
it is another machine's file). ``PYO3_CROSS_PYTHON_VERSION`` names the version
alone. When both are given they must agree.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from buildrs.config.values import parse_python_version
from buildrs.errors import ConfigError

__all__ = ["CrossPython", "cross_python"]


@dataclass(frozen=True)
class CrossPython:
    """The Python a cross build is for, and where that was learnt."""

    version: tuple[int, int]
    ext_suffix: str | None = None
    """Its own ``EXT_SUFFIX``, when its sysconfig data was read."""
    source: str = ""
    """``PYO3_CROSS_LIB_DIR=...`` or ``PYO3_CROSS_PYTHON_VERSION``; empty: nothing said,
    so the building Python's version was assumed."""


_SYSCONFIG_KEYS = ("VERSION", "EXT_SUFFIX")


def _sysconfig_data(path: str) -> dict[str, str]:
    """``VERSION`` and ``EXT_SUFFIX`` of a ``_sysconfigdata_*.py`` file, read without
    running it (it is another machine's)."""
    import ast

    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read(), path)
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
            found = {}
            for key, value in zip(node.value.keys, node.value.values):
                if isinstance(key, ast.Constant) and key.value in _SYSCONFIG_KEYS:
                    found[str(key.value)] = str(ast.literal_eval(value))
            if found:
                return found
    return {}


def cross_python(environ: Mapping[str, str], host: tuple[int, int]) -> CrossPython:
    """What ``PYO3_CROSS_LIB_DIR`` (its sysconfig data) and ``PYO3_CROSS_PYTHON_VERSION``
    say about the Python a cross build is for; the two must agree."""
    given = environ.get("PYO3_CROSS_PYTHON_VERSION")
    version = parse_python_version(given, "PYO3_CROSS_PYTHON_VERSION") if given else None
    lib_dir = environ.get("PYO3_CROSS_LIB_DIR")
    if not lib_dir:
        return CrossPython(version or host, None, "PYO3_CROSS_PYTHON_VERSION" if given else "")
    import glob

    files = sorted(glob.glob(os.path.join(lib_dir, "**", "_sysconfigdata_*.py"), recursive=True))
    facts = {(d.get("VERSION"), d.get("EXT_SUFFIX")) for d in map(_sysconfig_data, files)}
    facts.discard((None, None))
    if len(facts) != 1:
        found = "no _sysconfigdata_*.py file" if not facts else "sysconfig data of several Pythons"
        if version is None:
            raise ConfigError(
                f"PYO3_CROSS_LIB_DIR={lib_dir} holds {found}, so the Python the modules are "
                "for cannot be told; point it at the target Python's lib/python3.X directory, "
                "or set PYO3_CROSS_PYTHON_VERSION too"
            )
        return CrossPython(version, None, "PYO3_CROSS_PYTHON_VERSION")
    ((text, suffix),) = facts
    read = parse_python_version(text or "", f"{files[0]}: VERSION")
    if version is not None and version != read:
        raise ConfigError(
            f"PYO3_CROSS_PYTHON_VERSION={given} but PYO3_CROSS_LIB_DIR={lib_dir} holds Python "
            f"{read[0]}.{read[1]}'s sysconfig data; make them agree"
        )
    return CrossPython(read, suffix, f"PYO3_CROSS_LIB_DIR={lib_dir}")
