"""One build's view of its project: read once, resolved once, each plan made once.

A PEP 517 hook, a setuptools distribution and each command of ``python -m buildrs``
make one ``ProjectContext`` and hand it to every stage that needs it: pyproject.toml
parsed, the targets and the build-wide settings resolved (``config``), the build
date, and ``plan()``, made once for each interpreter, in-place or not, and target
directory. Nothing of it travels any other way: no setting, target directory or
date is read back from ``os.environ`` or a module global by a later stage.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from buildrs.config.maturin import MaturinLayout
from buildrs.config.packages import check_target_packages
from buildrs.config.pyproject import load_pyproject
from buildrs.config.release import ReleaseMatrix
from buildrs.config.resolve import CommandOptions, resolve
from buildrs.config.settings import BuildSettings
from buildrs.config.targets import TargetSettings

from .builddate import BuildDate, build_date
from .interpreter import Python, running
from .invocations import DistPlan

__all__ = ["ProjectContext"]

log = logging.getLogger("buildrs")


@dataclass(frozen=True)
class ProjectContext:
    """A project as one build sees it."""

    root: Path
    """The project folder: where pyproject.toml (and setup.py) are."""
    pyproject: Mapping[str, Any]
    """pyproject.toml, parsed (empty where there is none)."""
    declared: bool
    """pyproject.toml has a ``[tool.buildrs]`` table."""
    targets: tuple[TargetSettings, ...]
    """Every Rust target, from pyproject.toml and setup.py."""
    settings: BuildSettings
    """The build-wide settings, resolved from every source."""
    environ: Mapping[str, str]
    """The environment the build runs in."""
    config_settings: Mapping[str, object] = field(default_factory=dict)
    """The ``-C buildrs.*`` settings the build was given."""
    read_from: str = "[tool.buildrs]"
    """The table the targets were read from (``[tool.maturin]`` for a maturin project)."""
    maturin: MaturinLayout | None = None
    """A maturin project's layout: its wheel's Python part is laid out as maturin's."""
    release: ReleaseMatrix | None = None
    """``[tool.buildrs.release]``: the matrix ``python -m buildrs wheels`` builds."""
    _plans: dict[tuple[object, ...], DistPlan] = field(
        default_factory=dict, repr=False, compare=False
    )
    _dates: dict[str, BuildDate] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def load(
        cls,
        root: Path,
        *,
        environ: Mapping[str, str] | None = None,
        config_settings: Mapping[str, object] | None = None,
        commands: CommandOptions | None = None,
        explicit: Mapping[str, object] | None = None,
        targets: tuple[TargetSettings, ...] | None = None,
    ) -> ProjectContext:
        """Read the project in ``root``: its pyproject.toml, and the settings from it,
        ``commands`` (setuptools' command options), ``explicit`` (a tool's own
        options), ``config_settings`` and ``environ`` (default: this process's).
        ``targets``: every target, where setup.py declares some too. A target whose
        package is misspelt stops here, whichever route builds it."""
        env = dict(os.environ if environ is None else environ)
        pyproject, config = load_pyproject(root)
        settings = resolve(
            project=config.project if config else None,
            commands=commands,
            config_settings=config_settings,
            environ=env,
            explicit=explicit,
        )
        found = targets if targets is not None else (config.targets if config else ())
        check_target_packages(root, pyproject, found)
        for note in config.notes if config else ():
            print(f"buildrs: {note}", file=sys.stderr, flush=True)
        return cls(
            root=root,
            pyproject=pyproject,
            declared=config is not None,
            targets=tuple(found),
            settings=settings,
            environ=env,
            config_settings=dict(config_settings or {}),
            read_from=config.read_from if config else "[tool.buildrs]",
            maturin=config.maturin if config else None,
            release=config.release if config else None,
        )

    @property
    def holders(self) -> list[str]:
        """The packages that hold the extension modules (``pkg`` of ``pkg._native``)."""
        return [t.package for t in self.targets if t.kind == "ext" and t.package]

    @property
    def build_date(self) -> BuildDate:
        """The date of the wheel's entries (``builddate``), found once."""
        if "date" not in self._dates:
            self._dates["date"] = build_date(self.root, self.environ)
        return self._dates["date"]

    def plan(
        self, python: Python | None = None, *, inplace: bool = False, target_dir: Path | None = None
    ) -> DistPlan:
        """The plan of the build for ``python`` (default: the running interpreter), in
        place or not, in ``target_dir`` (default: the settings'); made once."""
        from .make import make_plan

        python = python or running()
        key = (python, inplace, target_dir)
        if key not in self._plans:
            settings = self.settings
            if target_dir is not None:
                settings = replace(settings, target_dir=str(target_dir))
            made = make_plan(self.targets, self.root, settings, inplace, self.environ, python)
            kind = "in-place" if inplace else "wheel"
            log.info(
                "buildrs: planned the %s build for %s: %d cargo run(s)",
                kind,
                python.name,
                len(made.invocations),
            )
            self._plans[key] = made
        return self._plans[key]

    def with_settings(self, settings: BuildSettings) -> ProjectContext:
        """The same project with other settings (and plans made anew)."""
        return replace(self, settings=settings, _plans={})

    def for_target(self, triple: str, version: tuple[int, int] | None, zig: bool) -> ProjectContext:
        """The same project built for another machine's ``triple``: for the CPython
        ``version`` (given to pyo3 as ``PYO3_CROSS_PYTHON_VERSION``, unless
        ``PYO3_CROSS_LIB_DIR`` names the target Python's own), or, with ``None``, for
        modules of the stable ABI alone; linked through zig with ``zig``."""
        environ = dict(self.environ)
        lib_dir = environ.get("PYO3_CROSS_LIB_DIR")
        if version is not None and lib_dir:
            from buildrs.errors import ConfigError

            from .crosspython import cross_python

            environ.pop("PYO3_CROSS_PYTHON_VERSION", None)
            found = cross_python(environ, version).version
            if found != version:
                raise ConfigError(
                    f"{triple}, CPython {version[0]}.{version[1]}: PYO3_CROSS_LIB_DIR={lib_dir} "
                    f"holds CPython {found[0]}.{found[1]}'s files; unset it (buildrs gives pyo3 "
                    "each version itself), or build that version alone"
                )
        elif version is not None:
            environ["PYO3_CROSS_PYTHON_VERSION"] = f"{version[0]}.{version[1]}"
        settings = replace(self.settings, target=triple, zig=self.settings.zig or zig)
        return replace(self, settings=settings, environ=environ, _plans={})
