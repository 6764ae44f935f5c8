"""Where the Python packages of a pyproject-declared project live (no setuptools needed).

setuptools' automatic discovery mistakes cargo's ``src/`` for a Python src layout
and ships no Python code at all; a Rust project therefore gets its packages from
the declared targets: ``mypkg._native`` -> the ``mypkg`` package, looked for under
python/, the project root, src/ and py/. A target inside a namespace package
(``ns.pkg._native`` with no ``ns/__init__.py``) is found by the directory of the
package that holds it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigError

__all__ = ["PackageRoots", "find_package_roots", "package_dir"]

PYTHON_ROOTS = ("python", ".", "src", "py")


@dataclass(frozen=True)
class PackageRoots:
    """The top-level packages of the targets and the directory that holds them."""

    base: str | None
    """``python``, ``.``, ``src`` or ``py``; ``None`` when no package was found."""
    tops: Mapping[str, bool]
    """Each top-level package, and whether it is a namespace package."""


def find_package_roots(root: Path, holders: Iterable[str]) -> PackageRoots:
    """Find the packages that hold the targets (``holders``: dotted package names)."""
    holders = set(holders)
    tops: dict[str, bool] = {}
    base = None
    for top in sorted({package.split(".")[0] for package in holders}):
        inner = sorted(p.split(".") for p in holders if p.split(".")[0] == top)
        for candidate in PYTHON_ROOTS:
            regular = (root / candidate / top / "__init__.py").is_file()
            namespace = not regular and any(
                (root / candidate).joinpath(*parts, "__init__.py").is_file() for parts in inner
            )
            if regular or namespace:
                if base not in (None, candidate):
                    raise ConfigError(
                        f"pyproject.toml: Python packages of the Rust targets are under both "
                        f"{base}/ and {candidate}/; set [tool.setuptools] packages and "
                        "package-dir"
                    )
                base = candidate
                tops[top] = namespace
                break
    return PackageRoots(base, tops)


def package_dir(
    root: Path, pyproject: Mapping[str, Any], holders: Iterable[str], package: str
) -> Path:
    """The source directory of ``package``, as setuptools would use it in place:
    ``[tool.setuptools] package-dir`` when the project sets it, else the directory
    ``find_package_roots`` finds."""
    tool = pyproject.get("tool", {})
    setuptools_table = tool.get("setuptools", {}) if isinstance(tool, dict) else {}
    mapping = setuptools_table.get("package-dir") if isinstance(setuptools_table, dict) else None
    parts = package.split(".") if package else []
    if isinstance(mapping, dict):
        for cut in range(len(parts), -1, -1):
            prefix = ".".join(parts[:cut])
            if isinstance(mapping.get(prefix), str):
                return root.joinpath(mapping[prefix], *parts[cut:])
        return root.joinpath(*parts)
    base = find_package_roots(root, holders).base or "."
    return root.joinpath(base, *parts)
