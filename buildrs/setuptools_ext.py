"""Entry points setuptools calls: the ``rust_extensions`` keyword of ``setup()`` and
the hook that reads ``[tool.buildrs]`` from pyproject.toml.

Both end in ``add_rust_extensions``, which wires the commands into the
distribution exactly once, so cargo runs once per build however the targets
were declared.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from setuptools import find_namespace_packages, find_packages

from .commands import (
    build_rust,
    clean_rust,
    make_build_ext,
    make_clean,
    make_editable_wheel,
    make_egg_info,
    make_install_scripts,
    make_sdist,
)
from .config import BuildrsConfig, load_pyproject
from .distribution import project_dir, rust_targets
from .errors import ConfigError
from .extension import RustExtension
from .locking import hold_project_lock
from .packages import find_package_roots
from .wheel import make_bdist_wheel

__all__ = ["add_rust_extensions", "pyproject_config", "rust_extensions"]

log = logging.getLogger("buildrs")

_WIRED = "_buildrs_wired"
_SCRIPTS = "_buildrs_scripts_wired"


def rust_extensions(dist: Any, attr: str, value: Any) -> None:
    """Handle ``setup(rust_extensions=[...])``."""
    if not isinstance(value, (list, tuple)):
        raise ConfigError(
            f"setup(): {attr} must be a list of RustExtension/RustBin, got {type(value).__name__}"
        )
    for item in value:
        if not isinstance(item, RustExtension):
            raise ConfigError(
                f"setup(): {attr} must hold RustExtension or RustBin objects "
                f"(from buildrs import RustExtension), got {item!r}"
            )
    add_rust_extensions(dist, [])


def pyproject_config(dist: Any) -> None:
    """Read ``[tool.buildrs]`` (a ``setuptools.finalize_distribution_options`` hook)."""
    root = project_dir(dist)
    pyproject, config = load_pyproject(root)
    if config is None:
        return
    dist.buildrs_config = config
    add_rust_extensions(dist, [RustExtension.from_settings(t) for t in config.targets])
    _default_packages(dist, root, pyproject, config)


# Run after setuptools' own keyword handling, so setup.py targets are already known.
pyproject_config.order = 20  # type: ignore[attr-defined]


def _command(dist: Any, name: str) -> type[Any]:
    """The class of command ``name`` now: another plugin's, or setuptools' own."""
    found: type[Any] = dist.get_command_class(name)
    return found


def add_rust_extensions(dist: Any, targets: Iterable[RustExtension]) -> None:
    """Add ``targets`` to the distribution and wire buildrs' commands in (once)."""
    current = list(getattr(dist, "rust_extensions", None) or [])
    current.extend(t for t in targets if all(t is not c for c in current))
    dist.rust_extensions = current
    if not getattr(dist, _WIRED, False):
        setattr(dist, _WIRED, True)
        hold_project_lock(project_dir(dist))
        # Platform-tagged wheels and a build_ext run only when there is Rust to build.
        has_c_extensions = dist.has_ext_modules
        dist.has_ext_modules = lambda: has_c_extensions() or bool(rust_targets(dist))
        # Named here, not only as entry points, so that another plugin's command of
        # the same name (setuptools-rust's build_rust) cannot take their place.
        dist.cmdclass.setdefault("build_rust", build_rust)
        dist.cmdclass.setdefault("clean_rust", clean_rust)
        dist.cmdclass["build_ext"] = make_build_ext(_command(dist, "build_ext"))
        dist.cmdclass["bdist_wheel"] = make_bdist_wheel(_command(dist, "bdist_wheel"))
        dist.cmdclass["sdist"] = make_sdist(_command(dist, "sdist"))
        dist.cmdclass["clean"] = make_clean(_command(dist, "clean"))
        dist.cmdclass["egg_info"] = make_egg_info(_command(dist, "egg_info"))
        dist.cmdclass["editable_wheel"] = make_editable_wheel(_command(dist, "editable_wheel"))
    if any(t.kind == "bin" for t in rust_targets(dist)) and not getattr(dist, _SCRIPTS, False):
        setattr(dist, _SCRIPTS, True)
        # Rust binaries go straight into build_scripts' directory; install_scripts
        # (and so the wheel's .data/scripts) only runs when the distribution has scripts.
        dist.scripts = list(dist.scripts or [])
        dist.has_scripts = lambda: True
        dist.cmdclass["install_scripts"] = make_install_scripts(_command(dist, "install_scripts"))


def _default_packages(
    dist: Any, root: Path, pyproject: dict[str, Any], config: BuildrsConfig
) -> None:
    """Choose the Python packages when the project does not say (see ``packages``)."""
    setuptools_table = pyproject.get("tool", {}).get("setuptools", {})
    if any(key in setuptools_table for key in ("packages", "py-modules", "package-dir")):
        return
    if dist.packages is not None or dist.py_modules is not None:
        return
    found = find_package_roots(
        root, (t.package for t in config.targets if t.kind == "ext" and t.package)
    )
    packages: list[str] = []
    for top, namespace in found.tops.items():
        find = find_namespace_packages if namespace else find_packages
        packages += find(str(root / (found.base or ".")), include=[top, f"{top}.*"])
    dist.packages = sorted(set(packages))
    dist.py_modules = []
    if found.base not in (None, "."):
        dist.package_dir = {"": found.base}
    log.info("buildrs: packages %s from %s/", dist.packages, found.base or ".")
