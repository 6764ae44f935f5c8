"""The Python files of a wheel, found as setuptools' ``build_py`` finds them.

For a project declared in pyproject.toml, without setuptools: the packages buildrs
chooses for the targets (``default_packages``) or those ``[tool.setuptools]
packages`` lists; each package's modules (``*.py``), its type information
(``*.pyi``, ``py.typed``) and the package data ``package-data`` names; the files
setuptools' manifest holds that lie in a package folder (the readme and licence
files, with ``include-package-data``, its default); less what
``exclude-package-data`` names; and the top-level modules of ``py-modules``. Paths
are matched as setuptools matches them, as written (``./pkg/secret.txt`` under
``package-dir = {"" = "."}``), and each file keeps its path relative to its
package, as ``build_py`` copies it into the build tree.

A ``[tool.setuptools]`` key this module does not follow (``packages.find``,
``data-files``, ``script-files``...) or a MANIFEST.in, whose rules setuptools'
``include-package-data`` applies, raise ``SetuptoolsNeeded``: setuptools builds
that wheel's Python part.
"""

from __future__ import annotations

import fnmatch
import glob
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from buildrs.config.packages import find_package_roots
from buildrs.errors import SetuptoolsNeeded

__all__ = ["LAYOUT_KEYS", "PythonFiles", "default_packages", "package_dir", "python_files"]

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
_READMES = ("README", "README.rst", "README.txt", "README.md")
_ALWAYS_EXCLUDED = ("ez_setup", "*__pycache__")


@dataclass(frozen=True)
class PythonFiles:
    """The Python part of a wheel."""

    modules: Mapping[str, Path]
    """Each module by its path in the wheel, and its source (``build_py`` writes the
    copy anew: its mode is a new file's)."""
    data: Mapping[str, Path]
    """Each package data file by its path in the wheel, and its source (copied with
    its mode, made writable by its owner)."""
    top_level: tuple[str, ...]
    """The top-level names (``top_level.txt``)."""
    mapping: Mapping[str, str]
    """The package-dir mapping (``{"": "python"}``)."""
    zip_safe: bool | None
    """``[tool.setuptools] zip-safe``, when it is set."""
    generated: Mapping[str, bytes] = field(default_factory=dict)
    """Files written into the wheel that have no source: wheel path -> content."""


def _need(reason: str) -> SetuptoolsNeeded:
    return SetuptoolsNeeded(f"[tool.setuptools] {reason}")


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


def package_dir(mapping: Mapping[str, str], package: str) -> str:
    """The source directory of ``package``, relative to the project and as written, as
    distutils' ``build_py.get_package_dir`` gives it (``./pkg`` under ``{"": "."}``)."""
    path = package.split(".") if package else []
    if not mapping:
        return os.path.join(*path) if path else ""
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
    if isinstance(listed, dict):
        raise _need("packages.find is left to setuptools")
    if "packages" not in table:
        raise _need("py-modules or package-dir without packages: setuptools finds the packages")
    if not isinstance(listed, list) or not all(isinstance(p, str) for p in listed):
        raise _need("packages is not a list of package names")
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


class _Finder:
    """Paths found as setuptools finds them, relative to the project and as written:
    ``glob`` run in the project folder."""

    def __init__(self, root: Path) -> None:
        self.root = str(root)

    def glob(self, pattern: str) -> list[str]:
        anchored = os.path.join(glob.escape(self.root), pattern)
        cut = len(self.root) + 1
        return [m[cut:] for m in glob.glob(anchored, recursive=True)]

    def isfile(self, path: str) -> bool:
        return os.path.isfile(os.path.join(self.root, path))


def _manifest(finder: _Finder, referenced: Sequence[str]) -> list[str]:
    """The files of setuptools' manifest (SOURCES.txt) that can lie in a package
    folder, for a fresh build of a project with no MANIFEST.in and no file finders:
    the first README, the tests' modules, and the readme and licence files
    ``[project]`` names (``referenced``)."""
    found = [next((name for name in _READMES if finder.isfile(name)), "")]
    for pattern in ("tests/test*.py", "test/test*.py"):
        found += [path for path in finder.glob(pattern) if finder.isfile(path)]
    return [path for path in [*found, *referenced] if path and finder.isfile(path)]


def _in_package(manifest: Iterable[str], src_dirs: Mapping[str, str]) -> dict[str, list[str]]:
    """The manifest's files that lie in a package folder and are not its modules, by
    package, as ``build_py.analyze_manifest`` assigns them (by the path as written)."""
    found: dict[str, list[str]] = {}
    for path in manifest:
        d, f = os.path.split(path)
        prev, oldf = None, f
        while d and d != prev and d not in src_dirs:
            prev = d
            d, df = os.path.split(d)
            f = os.path.join(df, f)
        if d in src_dirs:
            if f == oldf and f.endswith(".py") and f[: -len(".py")].isidentifier():
                continue  # a module, not data
            found.setdefault(src_dirs[d], []).append(path)
    return found


def _data_files(
    finder: _Finder,
    src_dir: str,
    package: str,
    data: Mapping[str, list[str]],
    exclude: Mapping[str, list[str]],
    manifest: Sequence[str],
) -> list[str]:
    """The package's data files, relative to its source directory (``build_py``'s
    ``find_data_files``)."""
    patterns = (*_IMPLICIT_DATA, *data.get("", []), *data.get(package, []))
    found = list(manifest)
    for pattern in patterns:
        found += [p for p in finder.glob(os.path.join(src_dir, pattern)) if finder.isfile(p)]
    bad: set[str] = set()
    for pattern in (*exclude.get("", []), *exclude.get(package, [])):
        bad.update(fnmatch.filter(found, os.path.join(src_dir, pattern)))
    kept = dict.fromkeys(f for f in found if f not in bad)
    return [os.path.relpath(f, src_dir or ".") for f in kept]


def _modules(finder: _Finder, src_dir: str) -> list[str]:
    return sorted(finder.glob(os.path.join(glob.escape(src_dir), "*.py")))


def python_files(
    root: Path, pyproject: Mapping[str, Any], holders: Iterable[str], referenced: Sequence[str]
) -> PythonFiles:
    """The Python files of the wheel of the project in ``root`` (``holders``: the
    packages that hold its Rust modules; ``referenced``: the readme and licence files
    ``[project]`` names, as written)."""
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
    finder = _Finder(root)
    src_dirs = {package_dir(mapping, package): package for package in packages}
    if "" in src_dirs:
        raise _need("package-dir puts a package in the project folder itself")
    with_manifest = table.get("include-package-data", True) is not False
    manifest = _in_package(_manifest(finder, referenced), src_dirs) if with_manifest else {}
    found_modules: dict[str, Path] = {}
    found_data: dict[str, Path] = {}
    for package in packages:
        src_dir = package_dir(mapping, package)
        if (
            not finder.isfile(os.path.join(src_dir, "__init__.py"))
            and not (root / src_dir).is_dir()
        ):
            raise _need(f"package {package!r}: its folder {src_dir or '.'} does not exist")
        out = package.replace(".", "/")
        for module in _modules(finder, src_dir):
            found_modules[f"{out}/{os.path.basename(module)}"] = root / module
        listed = manifest.get(package, [])
        for name in _data_files(finder, src_dir, package, data, exclude, listed):
            found_data[f"{out}/{Path(name).as_posix()}"] = root / src_dir / name
    for dotted in modules:
        package, _, name = dotted.rpartition(".")
        source = os.path.join(package_dir(mapping, package), f"{name}.py")
        if finder.isfile(source):  # build_py skips a missing module with a warning
            out = "/".join([*(package.split(".") if package else []), f"{name}.py"])
            found_modules[out] = root / source
    tops = sorted({name.split(".")[0] for name in (*packages, *modules)})
    zip_safe = table.get("zip-safe")
    safe = zip_safe if isinstance(zip_safe, bool) else None
    return PythonFiles(found_modules, found_data, tuple(tops), mapping, safe)
