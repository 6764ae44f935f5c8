"""The editable wheel of a maturin project, made without setuptools.

setuptools cannot read a maturin project (its metadata comes from Cargo.toml), so
``pip install -e`` of one is served here: the Rust targets are built in place
(``build_in_place``, as ``python -m buildrs develop`` builds them), and the wheel
holds the ``.dist-info``, a ``.pth`` file that puts the project's Python folder on
``sys.path`` (for a pure-Rust layout, buildrs' own folder holding the package
maturin would write and the module), and the finder that rebuilds the modules on
import (``finder_module``, which setuptools' editable wheels carry too).
"""

from __future__ import annotations

import os
import re
import shutil
import sysconfig
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from buildrs import folders
from buildrs.compile.install import Layout
from buildrs.compile.locking import hold_project_lock
from buildrs.compile.run import BuildOutcome, build
from buildrs.config.packages import package_dir
from buildrs.errors import ConfigError
from buildrs.plan.context import ProjectContext
from buildrs.plan.interpreter import running
from buildrs.plan.invocations import DistPlan

from .archive import WheelContents, default_mode, wheel_metadata, write_wheel
from .part import read_project
from .tag import wheel_tag

__all__ = ["build_editable", "build_in_place", "finder_module", "python_path"]

_FINDER = '''\
"""Rebuilds the Rust extensions of {project!r} when they are imported and their
sources changed (installed by buildrs with the editable install). Set
BUILDRS_REBUILD=0 to import whatever is built."""

import os
import sys

_PROJECT = {project!r}
_MODULES = {modules!r}
_TOLD = []


class _BuildrsRebuildFinder:
    @staticmethod
    def find_spec(fullname, path=None, target=None):
        records = _MODULES.pop(fullname, None)
        if records is None:
            return None
        if os.environ.get("BUILDRS_REBUILD", "1").strip().lower() in ("0", "false", "no", "off"):
            return None
        try:
            from buildrs.cli.rebuild import rebuild_error
        except ImportError:
            if _TOLD:
                return None
            _TOLD.append(fullname)
            sys.stderr.write(
                f"buildrs: {{fullname}}: buildrs is not installed in this environment, so the "
                "Rust extension is not rebuilt on import (pip install buildrs)\\n"
            )
            return None
        message = rebuild_error(fullname, _PROJECT, records)
        if message is not None:
            raise ImportError(message, name=fullname)
        return None


sys.meta_path.insert(0, _BuildrsRebuildFinder)
'''


def finder_module(project: str, inputs: Sequence[Mapping[str, Any]]) -> str:
    """The source of the module the ``.pth`` file imports: a finder for the modules
    the stamp ``inputs`` (one per cargo invocation) build, and for the packages of
    their ctypes/cffi libraries."""
    modules: dict[str, list[Any]] = {}
    for record in inputs:
        for name in [*record["modules"], *record.get("packages", [])]:
            modules.setdefault(name, []).append(dict(record))
    return _FINDER.format(project=project, modules=modules)


def python_path(context: ProjectContext) -> Path:
    """The folder an editable install puts on ``sys.path``."""
    layout = context.maturin
    if layout is None:
        raise ConfigError("an editable wheel without setuptools is made for maturin projects")
    return Path(folders.maturin_packages(context.root)) if layout.generated else layout.python_dir


def _write_generated(context: ProjectContext) -> None:
    """The files maturin writes into a pure-Rust project's package, in buildrs' folder."""
    layout = context.maturin
    if layout is None or not layout.generated:
        return
    base = Path(folders.maturin_packages(context.root))
    for name, content in layout.generated.items():
        path = base / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_bytes() != content:
            path.write_bytes(content)
    for name, source in layout.copied.items():
        path = base / name
        if not path.is_file() or path.read_bytes() != source.read_bytes():
            path.write_bytes(source.read_bytes())


def build_in_place(context: ProjectContext) -> tuple[DistPlan, BuildOutcome]:
    """Build every target of ``context`` in place: modules beside their Python
    sources, binaries into this environment's scripts folder."""
    root = context.root
    hold_project_lock(root)
    _write_generated(context)
    plan = context.plan(inplace=True)
    layout = Layout(
        build_lib=root / "build" / "lib",
        scripts_dir=Path(sysconfig.get_path("scripts")),
        inplace=True,
        package_dir=lambda package: package_dir(root, context.pyproject, context.holders, package),
    )
    return plan, build(plan, project_dir=root, layout=layout, environ=context.environ)


def build_editable(context: ProjectContext, out: Path) -> Path:
    """The editable wheel of the maturin project ``context`` in ``out``."""
    from buildrs import __version__

    plan, outcome = build_in_place(context)
    part = read_project(context)
    staging = Path(folders.staging(context.root)) / "editable"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        dist_info = part.write_dist_info(staging)
        contents = WheelContents()
        contents.add_tree(staging)
        name = re.sub(r"\W", "_", part.metadata.name)
        mode = default_mode()
        line = f"{os.fspath(python_path(context))}\n"
        contents.add(f"{name}.pth", line.encode("utf-8"), mode)
        inputs = [i for i in outcome.stamp_inputs if i["modules"]]
        if inputs:
            module = f"_buildrs_rebuild_{name}"
            source = finder_module(str(context.root), inputs)
            contents.add(f"{module}.py", source.encode("utf-8"), mode)
            contents.add(f"__buildrs_rebuild_{name}.pth", f"import {module}\n".encode(), mode)
        built = [i.path for i in outcome.installed if i.target is not None]
        tag = wheel_tag(plan, running(), context.environ, built, False)
        generator = f"buildrs ({__version__})"
        contents.add(f"{dist_info}/WHEEL", wheel_metadata(tag, generator).encode("utf-8"))
        dist = dist_info[: -len(".dist-info")]
        wheel = out / f"{dist}-{tag}.whl"
        write_wheel(contents, wheel, dist_info, context.build_date.epoch)
        return wheel
    finally:
        shutil.rmtree(staging, ignore_errors=True)
