"""Where the Python packages of a pyproject-declared project live (no setuptools needed).

setuptools' automatic discovery mistakes cargo's ``src/`` for a Python src layout
and ships no Python code at all; a Rust project therefore gets its packages from
the declared targets: ``mypkg._native`` -> the ``mypkg`` package, looked for under
python/, the project root, src/ and py/. A target inside a namespace package
(``ns.pkg._native`` with no ``ns/__init__.py``) is found by the directory of the
package that holds it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from buildrs.errors import ConfigError

from .targets import TargetSettings

__all__ = [
    "PackageRoots",
    "check_listed_packages",
    "check_target_packages",
    "find_package_roots",
    "package_dir",
]

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
                if candidate == "." and top == "build":
                    raise ConfigError(
                        "pyproject.toml: the package 'build' of the Rust targets is the "
                        "folder setuptools and buildrs build in (build/); move it to "
                        "src/build/ (a src layout)"
                    )
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


def _python_dirs(directory: Path) -> list[str]:
    """The names of the Python packages directly inside ``directory``."""
    try:
        children = list(directory.iterdir())
    except OSError:
        return []
    return sorted(
        child.name
        for child in children
        if child.is_dir() and child.name.isidentifier() and any(child.glob("*.py"))
    )


def _close(name: str, candidates: list[str]) -> list[str]:
    """The candidate ``name`` is probably a misspelling of: a close one by difflib, or
    one of the same letters in another order (``tyni`` for ``tiny``)."""
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.75)
    if close:
        return close
    letters = sorted(name)
    return [c for c in candidates if len(name) >= 3 and c != name and sorted(c) == letters][:1]


def _near_miss(root: Path, bases: Iterable[str], parts: list[str]) -> tuple[str, str] | None:
    """``(what was written, the close package that exists)`` when a package of ``parts``
    is missing but one of a close name is there, else ``None``."""
    for base in bases:
        current = root / base
        for depth, part in enumerate(parts):
            if (current / part).is_dir():
                current = current / part
                continue
            close = _close(part, _python_dirs(current))
            if close:
                written = ".".join(parts[: depth + 1])
                return written, ".".join([*parts[:depth], close[0]])
            break
    return None


def check_target_packages(
    root: Path, pyproject: Mapping[str, Any], targets: Iterable[TargetSettings]
) -> None:
    """Stop a target whose package does not exist while one of a close name does
    (``fastmath._native`` beside ``fast_math/``): the wheel would hold a stray
    ``fastmath/`` and the import would fail. A package that exists nowhere, with no
    close name, is a namespace package (PEP 420) and is left alone."""
    tool = pyproject.get("tool", {})
    table = tool.get("setuptools", {}) if isinstance(tool, dict) else {}
    if isinstance(table, dict) and "package-dir" in table:
        return
    for t in targets:
        if t.kind != "ext" or not t.package:
            continue
        found = _near_miss(root, PYTHON_ROOTS, t.package.split("."))
        if found is None:
            continue
        written, existing = found
        fixed = existing + t.target[len(written) :]
        raise ConfigError(
            f"{t.declared or t.describe()}: target {t.target!r} names the package "
            f"{written!r}, which is not in the project, but {existing!r} is — did you mean "
            f"{fixed!r}? As it is, the module would be installed into a new, empty "
            f"{written.replace('.', '/')}/ and the package's own code would not import it"
        )


def check_listed_packages(targets: Iterable[TargetSettings], packages: Iterable[str]) -> None:
    """The same check for a setup.py that lists its packages: a target's package that
    is not listed, while a close one is."""
    listed = sorted(set(packages))
    for t in targets:
        if t.kind != "ext" or not t.package or t.package in listed:
            continue
        close = _close(t.package, listed)
        if close:
            fixed = close[0] + t.target[len(t.package) :]
            raise ConfigError(
                f"{t.describe()}: the package {t.package!r} is not among the packages setup() "
                f"lists, but {close[0]!r} is — did you mean {fixed!r}? As it is, the module "
                f"would be installed into a new, empty {t.package.replace('.', '/')}/"
            )
