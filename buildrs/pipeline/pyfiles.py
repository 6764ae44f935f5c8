"""The Python files of a wheel, found as setuptools' ``build_py`` finds them.

For a project declared in pyproject.toml, without setuptools: the packages buildrs
chooses for the targets (``packages.find_package_roots``) or those
``[tool.setuptools] packages`` lists; each package's modules (``*.py``), its type
information (``*.pyi``, ``py.typed``) and the package data
``[tool.setuptools] package-data`` names, less ``exclude-package-data``; and the
top-level modules of ``py-modules``. Each file keeps its path relative to its
package, as ``build_py`` copies it into the build tree.

A ``[tool.setuptools]`` key this module does not follow (``packages.find``,
``data-files``, ``script-files``...) or a MANIFEST.in, whose rules setuptools'
``include-package-data`` applies, raise ``SetuptoolsNeeded``: setuptools builds
that wheel.
"""

from __future__ import annotations

import fnmatch
import glob
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from buildrs.errors import SetuptoolsNeeded

from .packages import find_package_roots

__all__ = ["LAYOUT_KEYS", "PythonFiles", "default_packages", "python_files"]

_KNOWN = {
    "packages",
    "package-dir",
    "py-modules",
    "package-data",
    "exclude-package-data",
    "include-package-data",
    "zip-safe",
}
_IMPLICIT_DATA = ("*.pyi", "py.typed")
LAYOUT_KEYS = ("packages", "py-modules", "package-dir")
"""The ``[tool.setuptools]`` keys that say where the Python code is; without them,
buildrs chooses (``default_packages``)."""


@dataclass(frozen=True)
class PythonFiles:
    """The Python part of a wheel."""

    files: Mapping[str, tuple[Path, bool]]
    """Each file by its path in the wheel: its source, and whether it is package data
    (which ``build_py`` makes writable by its owner)."""
    top_level: tuple[str, ...]
    """The top-level names (``top_level.txt``)."""
    mapping: Mapping[str, str]
    """The package-dir mapping (``{"": "python"}``)."""

    def source_dir(self, package: str) -> str:
        """The folder of ``package``'s sources, relative to the project."""
        return _package_dir(self.mapping, package)


def _need(reason: str) -> SetuptoolsNeeded:
    return SetuptoolsNeeded(f"[tool.setuptools] {reason}")


_ALWAYS_EXCLUDED = ("ez_setup", "*__pycache__")


def _find(where: Path, include: Iterable[str], namespace: bool) -> Iterator[str]:
    """setuptools' ``find_packages`` (``find_namespace_packages`` with ``namespace``)."""
    patterns = list(include)
    for folder, dirs, _ in os.walk(where, followlinks=True):
        found, dirs[:] = dirs[:], []
        for name in found:
            full = os.path.join(folder, name)
            package = os.path.relpath(full, where).replace(os.path.sep, ".")
            if "." in name or not (namespace or os.path.isfile(os.path.join(full, "__init__.py"))):
                continue
            wanted = any(fnmatch.fnmatchcase(package, pattern) for pattern in patterns)
            if wanted and not any(fnmatch.fnmatchcase(package, p) for p in _ALWAYS_EXCLUDED):
                yield package
            dirs.append(name)


def default_packages(root: Path, holders: Iterable[str]) -> tuple[list[str], dict[str, str]]:
    """The packages buildrs chooses when ``[tool.setuptools]`` does not say: those that
    hold the targets (``holders``), found under python/, the project root, src/ or
    py/ (``packages.find_package_roots``), with their subpackages; and the
    package-dir mapping that points there."""
    found = find_package_roots(root, holders)
    packages: set[str] = set()
    for top, namespace in found.tops.items():
        packages.update(_find(root / (found.base or "."), [top, f"{top}.*"], namespace))
    mapping = {"": found.base} if found.base is not None and found.base != "." else {}
    return sorted(packages), mapping


def _package_dir(mapping: Mapping[str, str], package: str) -> str:
    """The source directory of ``package``, relative to the project, as distutils'
    ``build_py.get_package_dir`` finds it."""
    path = package.split(".") if package else []
    tail: list[str] = []
    while path:
        found = mapping.get(".".join(path))
        if found is not None:
            return os.path.join(found, *tail)
        tail.insert(0, path.pop())
    base = mapping.get("")
    parts = [base, *tail] if base is not None else tail
    return os.path.join(*parts) if parts else ""


def _layout(
    root: Path, table: Mapping[str, Any], holders: Iterable[str]
) -> tuple[list[str], list[str], dict[str, str]]:
    """Packages, top-level modules and the package-dir mapping."""
    if not any(key in table for key in LAYOUT_KEYS):
        packages, chosen = default_packages(root, holders)
        return packages, [], chosen
    listed = table.get("packages")
    if not isinstance(listed, list) or not all(isinstance(p, str) for p in listed):
        raise _need("packages is not a list of package names (packages.find is left to setuptools)")
    modules = table.get("py-modules", [])
    mapping = table.get("package-dir", {})
    if not isinstance(modules, list) or not all(isinstance(m, str) for m in modules):
        raise _need("py-modules is not a list of module names")
    if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
        raise _need("package-dir is not a table of folders")
    return list(listed), list(modules), dict(mapping)


def _globs(table: Mapping[str, Any], key: str) -> dict[str, list[str]]:
    value = table.get(key, {})
    if not isinstance(value, dict) or not all(
        isinstance(v, list) and all(isinstance(p, str) for p in v) for v in value.values()
    ):
        raise _need(f"{key} is not a table of lists of patterns")
    return {("" if k == "*" else k): list(v) for k, v in value.items()}


def _data_files(
    root: Path,
    src_dir: str,
    package: str,
    data: Mapping[str, list[str]],
    exclude: Mapping[str, list[str]],
) -> list[str]:
    """The package's data files, relative to its source directory."""
    anchor = glob.escape(str(root))
    found: list[str] = []
    for pattern in (*_IMPLICIT_DATA, *data.get("", []), *data.get(package, [])):
        relative = os.path.join(src_dir, pattern)
        for match in glob.glob(os.path.join(anchor, relative), recursive=True):
            if os.path.isfile(match):
                found.append(os.path.relpath(match, root))
    bad: set[str] = set()
    for pattern in (*exclude.get("", []), *exclude.get(package, [])):
        bad.update(fnmatch.filter(found, os.path.join(src_dir, pattern)))
    kept = dict.fromkeys(f for f in found if f not in bad)
    return [os.path.relpath(f, src_dir or ".") for f in kept]


def python_files(root: Path, pyproject: Mapping[str, Any], holders: Iterable[str]) -> PythonFiles:
    """The Python files of the wheel of the project in ``root`` (``holders``: the
    packages that hold its Rust modules)."""
    if (root / "MANIFEST.in").exists():
        raise SetuptoolsNeeded("MANIFEST.in: setuptools applies its rules to package data")
    tool = pyproject.get("tool", {})
    table = tool.get("setuptools", {}) if isinstance(tool, dict) else {}
    if not isinstance(table, dict):
        raise _need("is not a table")
    unknown = sorted(set(table) - _KNOWN)
    if unknown:
        raise _need(f"has keys buildrs does not follow itself: {', '.join(unknown)}")
    packages, modules, mapping = _layout(root, table, holders)
    data, exclude = _globs(table, "package-data"), _globs(table, "exclude-package-data")
    files: dict[str, tuple[Path, bool]] = {}
    for package in packages:
        src_dir = _package_dir(mapping, package)
        if not (root / src_dir).is_dir():
            raise _need(f"package {package!r}: its folder {src_dir or '.'} does not exist")
        out = package.replace(".", "/")
        for module in sorted(glob.glob(os.path.join(glob.escape(str(root / src_dir)), "*.py"))):
            files[f"{out}/{os.path.basename(module)}"] = (Path(module), False)
        for name in _data_files(root, src_dir, package, data, exclude):
            files[f"{out}/{Path(name).as_posix()}"] = (root / src_dir / name, True)
    for dotted in modules:
        package, _, name = dotted.rpartition(".")
        source = root / _package_dir(mapping, package) / f"{name}.py"
        if source.is_file():  # build_py skips a missing module with a warning
            out = "/".join([*(package.split(".") if package else []), f"{name}.py"])
            files[out] = (source, False)
    tops = sorted({name.split(".")[0] for name in (*packages, *modules)})
    return PythonFiles(files, tuple(tops), mapping)
