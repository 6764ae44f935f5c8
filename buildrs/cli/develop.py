"""``python -m buildrs develop``: build a project's Rust targets in place, without setuptools.

The same pipeline as every setuptools build, with the in-place layout: modules
next to their Python sources, binaries into the running environment's scripts
directory, and the fast path, so a build with nothing changed does not run cargo.
``develop``'s options are build-wide settings given directly to the resolver. A
project whose targets are declared in setup.py is handed to ``setup.py build_rust
--inplace``.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DevelopResult", "develop"]

log = logging.getLogger("buildrs")


@dataclass(frozen=True)
class DevelopResult:
    """One line per target: what it is, where it went, whether cargo had to run."""

    lines: tuple[str, ...]
    returncode: int = 0


def _setup_py(root: Path, values: Mapping[str, str], environ: Mapping[str, str]) -> DevelopResult:
    """Hand the build to ``setup.py build_rust --inplace``: the profile and target as its
    options, the other settings as their variables (unless the environment sets them)."""
    from buildrs import process
    from buildrs.config.settings import declarations

    options = [f"--{name}={values[name]}" for name in ("profile", "target") if name in values]
    added = {}
    for name, decl in declarations():
        passed = name in values and name not in ("profile", "target") and decl.env
        if passed and not environ.get(decl.env[-1]):
            added[decl.env[-1]] = values[name]
    result = process.run(
        [sys.executable, "setup.py", "build_rust", "--inplace", *options],
        env=added,
        cwd=root,
        on_line=lambda line: print(line, file=sys.stderr),
        check=False,
    )
    return DevelopResult((), result.returncode)


def _no_project(root: Path) -> str:
    if not root.is_dir():
        return f"{root}: no such directory; give develop the folder of a project"
    if not (root / "pyproject.toml").is_file():
        return (
            f"{root}: there is no pyproject.toml or setup.py here, so there is no project to "
            "build; run develop in the project's folder or give its path "
            "(python -m buildrs develop path/to/project)"
        )
    return (
        f"{root}: nothing to build: pyproject.toml has no [tool.buildrs] table and there "
        "is no setup.py"
    )


def develop(
    path: Path, values: Mapping[str, str] | None = None, environ: Mapping[str, str] | None = None
) -> DevelopResult:
    """Build every target of the project at ``path`` in place. ``values`` are build-wide
    settings given on the command line, by setting name (``profile``, ``target``...)."""
    from buildrs.compile import stamps
    from buildrs.config.settings import watched_environment
    from buildrs.errors import ConfigError
    from buildrs.plan.context import ProjectContext
    from buildrs.wheel.editable import build_in_place

    from .main import develop_options

    env = os.environ if environ is None else environ
    values = dict(values or {})
    root = path.resolve()
    if not (root / "pyproject.toml").is_file() or not root.is_dir():
        if (root / "setup.py").is_file():
            return _setup_py(root, values, env)
        raise ConfigError(_no_project(root))
    context = ProjectContext.load(root, environ=env, explicit=values)
    if not context.declared:
        if (root / "setup.py").is_file():
            return _setup_py(root, values, env)
        raise ConfigError(_no_project(root))
    plan, outcome = build_in_place(context)
    lines = []
    for item in outcome.installed:
        if item.target is None:
            continue
        where = os.path.relpath(item.path, root) if item.path.is_relative_to(root) else item.path
        status = "up to date" if item.target in outcome.up_to_date else "built"
        profile_name = next(i.profile for i in plan.invocations if item.target in i.targets)
        lines.append(f"{item.target.target}: {where} ({profile_name}, {status})")
    lines += [f"{line} (optional, not built)" for line in outcome.skipped]
    if stamps.enabled(env) and not outcome.skipped:
        fresh = [line.replace(", built)", ", up to date)") for line in lines]
        stamps.record_develop(
            root,
            develop_options(values),
            env,
            watched_environment(),
            outcome.stamp_inputs,
            fresh,
        )
    return DevelopResult(tuple(lines))
