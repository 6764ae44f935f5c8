"""The Python part of a wheel: everything in it but what cargo builds.

A ``PythonPart`` is a folder laid out as the wheel is, holding the Python packages
and modules, their package data and the ``.dist-info`` metadata (METADATA, entry
points, top-level names, licence files), without WHEEL, RECORD, the SBOM and the
Rust modules and binaries. It comes from one of three places (``route``): buildrs
makes it from pyproject.toml's ``[project]`` table (``read_project``, then
``ProjectPart.stage``), the last build kept it (``cache``), or setuptools made it
(``buildrs.setuptools``).

The part buildrs makes is the one setuptools would make for the same table, file for
file and mode for mode: modules written anew (a new file's mode), package data
copied with its mode and made writable by its owner, METADATA ``0o644``, the other
metadata files a new file's mode, licence files with their own mode. What it cannot
make exactly raises ``SetuptoolsNeeded`` from ``read_project``, naming why.
"""

from __future__ import annotations

import json
import shutil
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from buildrs.errors import SetuptoolsNeeded
from buildrs.plan.context import ProjectContext

from .archive import default_mode
from .maturin_part import maturin_files
from .metadata import ProjectMetadata, project_metadata, wheel_name_parts
from .pyfiles import PythonFiles, package_dir, python_files

__all__ = ["ProjectPart", "PythonPart", "read_project"]


@dataclass(frozen=True)
class PythonPart:
    """A wheel's Python part: a folder laid out as the wheel is."""

    tree: Path
    name: str
    """The distribution's name, as METADATA gives it."""
    version: str
    """Its version, as METADATA gives it (normalised)."""
    mapping: Mapping[str, str] = field(default_factory=dict)
    """The package-dir mapping: where each package's sources are (stubs and generated
    files find the project's own files by it)."""

    @property
    def dist_name(self) -> str:
        """``<name>-<version>`` as the wheel's file and folders spell them."""
        return "-".join(wheel_name_parts(self.name, self.version))

    @property
    def dist_info(self) -> str:
        return f"{self.dist_name}.dist-info"

    @property
    def data_dir(self) -> str:
        return f"{self.dist_name}.data"

    def source_dir(self, root: Path, package: str) -> Path:
        """The folder of ``package``'s sources in the project in ``root``."""
        return root / package_dir(self.mapping, package)

    def save(self, folder: Path) -> None:
        """Keep what the part is in ``folder``, its tree's parent, for ``load``."""
        data = {"name": self.name, "version": self.version, "mapping": dict(self.mapping)}
        (folder / "part.json").write_text(json.dumps(data), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> PythonPart | None:
        """The part saved in ``folder`` (its tree in ``folder / "tree"``), or ``None``."""
        try:
            data = json.loads((folder / "part.json").read_text(encoding="utf-8"))
            tree = folder / "tree"
            part = cls(tree, str(data["name"]), str(data["version"]), dict(data["mapping"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return part if tree.is_dir() else None


@dataclass(frozen=True)
class ProjectPart:
    """What buildrs makes a wheel's Python part from, read from pyproject.toml."""

    root: Path
    metadata: ProjectMetadata
    python: PythonFiles

    @property
    def dist_info(self) -> str:
        return "-".join(wheel_name_parts(self.metadata.name, self.metadata.version)) + (
            ".dist-info"
        )

    def write_dist_info(self, directory: Path) -> str:
        """The ``.dist-info`` folder (without WHEEL and RECORD) in ``directory``; its
        name."""
        folder = directory / self.dist_info
        folder.mkdir(parents=True, exist_ok=True)
        meta = self.metadata
        _write(folder / "METADATA", meta.metadata.encode("utf-8"), 0o644)
        if meta.entry_points:
            _write(folder / "entry_points.txt", meta.entry_points.encode("utf-8"))
        for path in meta.license_files:
            copy = folder / "licenses" / path
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(self.root / path, copy)
        tops = "".join(f"{name}\n" for name in self.python.top_level) or "\n"
        _write(folder / "top_level.txt", tops.encode("utf-8"))
        if self.python.zip_safe:
            _write(folder / "zip-safe", b"\n")
        return self.dist_info

    def stage(self, folder: Path) -> PythonPart:
        """The Python part, made in ``folder / "tree"`` as ``build_py`` and ``egg_info``
        make it."""
        shutil.rmtree(folder, ignore_errors=True)
        tree = folder / "tree"
        tree.mkdir(parents=True)
        for name, source in self.python.modules.items():
            _write(tree / name, source.read_bytes())
        for name, source in self.python.data.items():
            target = tree / name
            if target.exists():  # a module too: build_py leaves the module's copy
                target.chmod(target.stat().st_mode | stat.S_IWRITE)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            target.chmod(stat.S_IMODE(source.stat().st_mode) | stat.S_IWRITE)
        for name, content in self.python.generated.items():
            _write(tree / name, content)
        self.write_dist_info(tree)
        meta = self.metadata
        part = PythonPart(tree, meta.name, meta.version, dict(self.python.mapping))
        part.save(folder)
        return part


def _write(path: Path, data: bytes, mode: int | None = None) -> None:
    """A new file holding ``data``, with ``mode`` (default: a new file's)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    path.chmod(default_mode() if mode is None else mode)


def read_project(context: ProjectContext) -> ProjectPart:
    """What the project's Python part is made of, when buildrs can make it exactly as
    setuptools would; otherwise ``SetuptoolsNeeded`` says why."""
    table = context.pyproject.get("project")
    if not isinstance(table, dict):
        raise SetuptoolsNeeded("pyproject.toml has no [project] table")
    scripts = [f"{s[0]} = {s[1]}:run" for t in context.targets if (s := t.console_script)]
    maturin = context.maturin
    metadata = project_metadata(context.root, table, scripts, maturin is not None)
    if maturin is not None:
        data_dir = "-".join(wheel_name_parts(metadata.name, metadata.version)) + ".data"
        return ProjectPart(context.root, metadata, maturin_files(context.root, maturin, data_dir))
    referenced = [*metadata.referenced, *metadata.license_files]
    python = python_files(context.root, context.pyproject, context.holders, referenced)
    return ProjectPart(context.root, metadata, python)
