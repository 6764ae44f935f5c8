"""``python -m buildrs develop``: build a project's Rust targets in place, without setuptools.

The same pipeline as every setuptools build, with the in-place layout: modules
next to their Python sources, binaries into the running environment's scripts
directory, and the fast path, so a build with nothing changed does not run cargo.
A project whose targets are declared in setup.py is handed to
``setup.py build_rust --inplace``.
"""

from __future__ import annotations

import logging
import os
import sys
import sysconfig
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


def _setup_py(root: Path, options: list[str]) -> DevelopResult:
    from . import process

    result = process.run(
        [sys.executable, "setup.py", "build_rust", "--inplace", *options],
        cwd=root,
        on_line=lambda line: print(line, file=sys.stderr),
        check=False,
    )
    return DevelopResult((), result.returncode)


def develop(
    path: Path,
    *,
    profile: str | None = None,
    target: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> DevelopResult:
    """Build every target of the project at ``path`` in place."""
    from . import fastpath
    from .config import load_pyproject
    from .errors import ConfigError
    from .locking import hold_project_lock
    from .packages import package_dir
    from .pipeline import Layout, build, make_plan
    from .settings import resolve

    env = os.environ if environ is None else environ
    root = path.resolve()
    hold_project_lock(root)
    options = [
        *(["--profile", profile] if profile else []),
        *(["--target", target] if target else []),
    ]
    pyproject, config = load_pyproject(root)
    if config is None:
        if (root / "setup.py").is_file():
            return _setup_py(root, options)
        raise ConfigError(
            f"{root}: nothing to build: pyproject.toml has no [tool.buildrs] table and there "
            "is no setup.py"
        )
    command: dict[str, tuple[str, object]] = {}
    if profile:
        command["profile"] = ("command line", profile)
    if target:
        command["target"] = ("command line", target)
    settings = resolve(
        project=config.project,
        commands={"build_rust": command},
        config_settings={},
        environ=env,
    )
    plan = make_plan(config.targets, root, settings, inplace=True, environ=env)
    holders = [t.package for t in config.targets if t.kind == "ext" and t.package]
    layout = Layout(
        build_lib=root / "build" / "lib",
        scripts_dir=Path(sysconfig.get_path("scripts")),
        inplace=True,
        package_dir=lambda package: package_dir(root, pyproject, holders, package),
    )
    outcome = build(plan, project_dir=root, layout=layout, environ=env)
    lines = []
    for item in outcome.installed:
        if item.target is None:
            continue
        where = os.path.relpath(item.path, root) if item.path.is_relative_to(root) else item.path
        status = "up to date" if item.target in outcome.up_to_date else "built"
        profile_name = next(i.profile for i in plan.invocations if item.target in i.targets)
        lines.append(f"{item.target.target}: {where} ({profile_name}, {status})")
    lines += [f"{line} (optional, not built)" for line in outcome.skipped]
    if fastpath.enabled(env) and not outcome.skipped:
        fresh = [line.replace(", built)", ", up to date)") for line in lines]
        fastpath.record_develop(root, options, env, outcome.fast_path_inputs, fresh)
    return DevelopResult(tuple(lines))
