"""Run the stages in order: manifest -> plan -> cargo -> install.

This is the whole build, independent of setuptools: the commands in
``commands.py`` only gather its inputs and report its outputs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import cargo
from .errors import BuildrsError
from .extension import RustExtension
from .install import copy_generated, install_file, remove_stale_modules
from .manifest import CrateInfo, read_crate
from .plan import BuildOptions, CargoInvocation, PlannedTarget, plan
from .platform import Platform

__all__ = ["Installed", "Layout", "build"]

log = logging.getLogger("buildrs")


@dataclass(frozen=True)
class Layout:
    """Where a build puts its files."""

    build_lib: Path
    """The build tree a wheel is made from."""
    scripts_dir: Path
    """Where script binaries go."""
    inplace: bool = False
    """Put modules next to their Python sources instead of into ``build_lib``."""
    package_dir: Callable[[str], Path] | None = None
    """Source directory of a dotted package (needed for in-place builds)."""

    def module_dir(self, package: str) -> Path:
        if self.inplace and self.package_dir is not None:
            return self.package_dir(package)
        return self.build_lib.joinpath(*package.split(".")) if package else self.build_lib


@dataclass(frozen=True)
class Installed:
    """A file the build wrote."""

    path: Path
    """Where it is now."""
    regular_path: Path
    """Where it would be in ``build_lib`` (equal to ``path`` unless in place)."""
    target: PlannedTarget | None = None
    """The target it is the artifact of; ``None`` for generated files."""


def read_crates(targets: Sequence[RustExtension], project_dir: Path) -> dict[Path, CrateInfo]:
    crates: dict[Path, CrateInfo] = {}
    for ext in targets:
        key = Path(ext.path)
        if key not in crates:
            crates[key] = read_crate(project_dir / key)
    return crates


def _install(
    invocation: CargoInvocation, output: cargo.CargoOutput, platform: Platform, layout: Layout
) -> list[Installed]:
    installed: list[Installed] = []
    for planned in invocation.targets:
        artifact, source = cargo.select_artifact(
            planned, invocation.manifest_path, output, platform
        )
        if planned.is_script:
            dest = install_file(source, layout.scripts_dir / planned.filename, executable=True)
            installed.append(Installed(dest, dest, planned))
            continue
        package = planned.ext.package
        dest = install_file(
            source, layout.module_dir(package) / planned.filename, executable=planned.ext.is_bin
        )
        if not planned.ext.is_bin:
            remove_stale_modules(dest)
        regular = layout.build_lib.joinpath(*planned.package_parts, planned.filename)
        installed.append(Installed(dest, regular, planned))
        if planned.ext.generated_files:
            root = layout.module_dir("")
            written = copy_generated(
                output.out_dir_of(artifact), planned.ext.generated_files, root, repr(planned.ext)
            )
            installed.extend(
                Installed(path, layout.build_lib / path.relative_to(root)) for path in written
            )
    return installed


def build(
    targets: Sequence[RustExtension],
    *,
    project_dir: Path,
    platform: Platform,
    layout: Layout,
    options: BuildOptions | None = None,
    cargo_exe: str | None = None,
) -> list[Installed]:
    """Build ``targets`` with cargo and install the results according to ``layout``."""
    if not targets:
        return []
    crates = read_crates(targets, project_dir)
    invocations = plan(targets, crates, platform, options or BuildOptions())
    exe = cargo_exe or cargo.find_cargo()
    checked: set[str] = set()
    installed: list[Installed] = []
    for invocation in invocations:
        names = ", ".join(t.ext.target for t in invocation.targets)
        try:
            for planned in invocation.targets:
                required = planned.ext.rust_version
                if required and required not in checked:
                    cargo.check_rust_version(required, repr(planned.ext))
                    checked.add(required)
            log.info("buildrs: building %s (%s profile)", names, invocation.profile)
            output = cargo.run_invocation(invocation, exe, project_dir)
            installed.extend(_install(invocation, output, platform, layout))
        except BuildrsError as exc:
            if not invocation.optional:
                raise
            log.warning("buildrs: optional target %s was not built: %s", names, exc)
    return installed
