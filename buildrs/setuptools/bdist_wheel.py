"""``bdist_wheel``: setuptools makes the tree, buildrs' one assembly makes the wheel.

setuptools' own ``bdist_wheel`` builds the project (``build_py``, C extensions,
buildrs' ``build_rust``), installs it into its tree and turns the egg-info into the
``.dist-info``; there, where setuptools would write WHEEL and zip the tree, buildrs
takes over: ``wheel.assemble.finish`` adds the SBOM and the skipped-target list,
checks every file against the tag (``wheel.tag``, the one tag computation), writes
the wheel with buildrs' writer and repairs it. With ``--buildrs-python-part=DIR``
(``buildrs.build_meta``, for a pyproject-declared project whose Python part
setuptools must make) nothing is compiled and the tree is handed over as the
wheel's Python part instead.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from buildrs.compile.run import BuildOutcome
from buildrs.plan.interpreter import running
from buildrs.wheel.assemble import WheelJob, finish
from buildrs.wheel.part import PythonPart
from buildrs.wheel.tag import wheel_tag

from .distribution import CONFIG_OPTION, PART_OPTION, context, python_part_folder

__all__ = ["make_bdist_wheel"]


class _TreeReady(Exception):
    """setuptools has made the wheel's tree (raised where it would write WHEEL)."""

    def __init__(self, tree: str) -> None:
        super().__init__(tree)
        self.tree = tree


class _RustWheel:
    """What buildrs changes in setuptools' ``bdist_wheel`` (mixed in before it)."""

    distribution: Any
    bdist_dir: str
    dist_dir: str
    keep_temp: bool

    def initialize_options(self) -> None:
        super().initialize_options()  # type: ignore[misc]
        self.target: str | None = None
        self.buildrs_config_settings: str | None = None
        self.buildrs_python_part: str | None = None
        self._buildrs_running = False

    def _job(self) -> WheelJob | None:
        """The wheel to make, or ``None`` where only its Python part is asked for."""
        if python_part_folder(self.distribution):
            return None
        found = context(self.distribution)
        c_extensions = bool(self.distribution.ext_modules)
        out = Path(self.dist_dir or "dist")
        return WheelJob(found, running(), found.plan(), out, c_extensions)

    def finalize_options(self) -> None:
        if not python_part_folder(self.distribution):
            context(self.distribution)  # a bad setting fails first, naming its source
        super().finalize_options()  # type: ignore[misc]

    def get_tag(self) -> tuple[str, str, str]:
        job = self._job()
        if job is None:
            found: tuple[str, str, str] = super().get_tag()  # type: ignore[misc]
            return found
        binaries = [p for p in Path(self.bdist_dir).rglob("*") if p.is_file()]
        environ = job.context.environ
        return tuple(wheel_tag(job.plan, job.python, environ, binaries, job.c_extensions))  # type: ignore[return-value]

    def run(self) -> None:
        self._buildrs_running = True
        try:
            super().run()  # type: ignore[misc]
        except _TreeReady as ready:
            self._hand_over(Path(ready.tree))
        finally:
            self._buildrs_running = False

    def write_wheelfile(self, wheelfile_base: str, *args: Any, **kwargs: Any) -> None:
        if not self._buildrs_running:  # editable_wheel writes the WHEEL of a wheel of links
            super().write_wheelfile(wheelfile_base, *args, **kwargs)  # type: ignore[misc]
            return
        raise _TreeReady(os.path.dirname(wheelfile_base))

    def _hand_over(self, tree: Path) -> None:
        """The tree setuptools made, made into the wheel, or kept as the Python part."""
        dist = self.distribution
        part_folder = python_part_folder(dist)
        name, version = dist.get_name(), dist.get_version()
        mapping = dict(getattr(dist, "package_dir", None) or {})
        if part_folder is not None:
            shutil.rmtree(part_folder, ignore_errors=True)
            part_folder.mkdir(parents=True)
            shutil.move(str(tree), part_folder / "tree")
            PythonPart(part_folder / "tree", name, version, mapping).save(part_folder)
            return
        job = self._job()
        assert job is not None
        built = dist.get_command_obj("build_rust", create=False)
        outcome = getattr(built, "outcome", None) or BuildOutcome([], [])
        part = PythonPart(tree, name, version, mapping)
        wheel = finish(job, part, outcome)
        getattr(dist, "dist_files", []).append(("bdist_wheel", "", str(wheel)))
        if not self.keep_temp:
            shutil.rmtree(self.bdist_dir, ignore_errors=True)


def make_bdist_wheel(base: type[Any]) -> type[Any]:
    """setuptools' ``bdist_wheel``, finished by buildrs' assembly."""
    options = [
        *base.user_options,
        ("target=", None, "cargo target triple to build for; the wheel is tagged for it"),
        CONFIG_OPTION,
        PART_OPTION,
    ]
    return type("bdist_wheel", (_RustWheel, base), {"user_options": options})
