"""Which route a wheel takes, decided in one place, and why (printed: ``pip wheel -v``).

Every wheel is made by ``assemble``; the routes differ only in who drives the build
and where the wheel's Python part comes from:

- ``setuptools_drives``: setuptools runs the build (setup.py or a setup.cfg declares
  the project, ``[tool.distutils]`` configures it, no ``[tool.buildrs]`` table, or
  config settings meant for setuptools were given); buildrs' ``bdist_wheel`` hands
  setuptools' tree to the same assembly.
- otherwise buildrs drives, and the Python part comes from the last build
  (``cache``), from ``[project]`` (``ProjectSource``), or from setuptools
  (``buildrs.setuptools.run``) where ``project_source`` says why buildrs cannot make
  it exactly.
"""

from __future__ import annotations

import configparser
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from buildrs.config import caches
from buildrs.errors import ConfigError, SetuptoolsNeeded
from buildrs.plan.context import ProjectContext

from .installed import setuptools_plugins
from .part import ProjectPart, PythonPart, read_project
from .validate import check_pyproject

__all__ = ["PartSource", "ProjectSource", "project_source", "say", "setuptools_drives"]


class PartSource(Protocol):
    """Where a wheel's Python part comes from when the last build's cannot serve."""

    @property
    def reason(self) -> str:
        """Who makes the part and why, for the log."""
        ...

    def make(self, folder: Path) -> PythonPart:
        """Make the part in ``folder``."""
        ...


@dataclass(frozen=True)
class ProjectSource:
    """buildrs makes the part from ``[project]``."""

    project: ProjectPart
    reason: str = "buildrs makes it from [project]"

    def make(self, folder: Path) -> PythonPart:
        return self.project.stage(folder)


def say(message: str) -> None:
    """A line on stderr, which pip shows with ``-v``."""
    import sys

    print(f"buildrs: {message}", file=sys.stderr, flush=True)


def _inert_setup_cfg(path: Path) -> bool:
    """Whether ``path`` is missing, or is the setup.cfg setuptools writes into every
    sdist (``[egg_info]`` with no tag): a wheel built from an sdist, as ``python -m
    build`` builds it, is then built as one from the project."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return True
    except (OSError, UnicodeDecodeError):
        return False
    parser = configparser.ConfigParser()
    try:
        parser.read_string(text)
    except configparser.Error:
        return False
    sections = {name: dict(parser[name]) for name in parser.sections()}
    return sections == {"egg_info": {"tag_build": "", "tag_date": "0"}}


def setuptools_drives(
    root: Path, pyproject: Mapping[str, Any], rest: Mapping[str, object] | None
) -> str | None:
    """Why setuptools must run the build of the project in ``root``, or ``None``
    when buildrs drives it (the targets are declared in pyproject.toml, or it is a
    maturin project, which setuptools cannot build)."""
    tool = pyproject.get("tool")
    tool = tool if isinstance(tool, dict) else {}
    if (root / "setup.py").exists():
        return "setup.py declares the project"
    if not _inert_setup_cfg(root / "setup.cfg"):
        return "setup.cfg configures the project"
    if "distutils" in tool:
        return "[tool.distutils] configures setuptools' commands"
    if "buildrs" not in tool and "maturin" not in tool:
        return "pyproject.toml declares no Rust target ([tool.buildrs])"
    if rest and "maturin" not in tool:
        return f"config settings for setuptools were given ({', '.join(sorted(rest))})"
    return None


def project_source(
    context: ProjectContext, plugins: bool = True
) -> tuple[ProjectSource | None, str]:
    """``(source, reason)``: buildrs' own source of the Python part, or ``None`` and
    why setuptools must make it. ``plugins``: an installed setuptools plugin counts
    (one could add files that setuptools would ship)."""
    maturin = context.maturin is not None
    if maturin:
        check_pyproject(context.root, context.pyproject, maturin=True)
        try:
            return ProjectSource(read_project(context), "buildrs makes it as maturin would"), ""
        except SetuptoolsNeeded as why:
            raise ConfigError(
                f"pyproject.toml: this maturin project's wheel cannot be made: {why}; "
                "setuptools cannot build a maturin project either"
            ) from None
    if not caches.direct_wheel(context.environ):
        return None, f"{caches.SETUPTOOLS} (or {caches.ALL}) asks for setuptools"
    found = setuptools_plugins(context.root) if plugins else []
    if found:
        return None, f"setuptools plugins are installed: {', '.join(found)}"
    check_pyproject(context.root, context.pyproject)
    try:
        return ProjectSource(read_project(context)), ""
    except SetuptoolsNeeded as why:
        return None, str(why)
