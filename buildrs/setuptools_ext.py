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

from setuptools import find_packages

from .commands import (
    build_rust,
    clean_rust,
    make_bdist_wheel,
    make_build_ext,
    make_install_scripts,
    make_sdist,
    project_dir,
)
from .config import BuildrsConfig, load_pyproject
from .errors import ConfigError
from .extension import RustExtension

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
    add_rust_extensions(dist, config.targets)
    _default_packages(dist, root, pyproject, config)


# Run after setuptools' own keyword handling, so setup.py targets are already known.
pyproject_config.order = 20  # type: ignore[attr-defined]


def add_rust_extensions(dist: Any, targets: Iterable[RustExtension]) -> None:
    """Add ``targets`` to the distribution and wire buildrs' commands in (once)."""
    from setuptools.command.bdist_wheel import bdist_wheel
    from setuptools.command.build_ext import build_ext
    from setuptools.command.install_scripts import install_scripts
    from setuptools.command.sdist import sdist

    current = list(getattr(dist, "rust_extensions", None) or [])
    current.extend(t for t in targets if all(t is not c for c in current))
    dist.rust_extensions = current
    if not getattr(dist, _WIRED, False):
        setattr(dist, _WIRED, True)
        # A distribution with compiled code: platform-tagged wheels, build_ext runs.
        dist.has_ext_modules = lambda: True
        # Named here, not only as entry points, so that another plugin's command of
        # the same name (setuptools-rust's build_rust) cannot take their place.
        dist.cmdclass.setdefault("build_rust", build_rust)
        dist.cmdclass.setdefault("clean_rust", clean_rust)
        dist.cmdclass["build_ext"] = make_build_ext(dist.cmdclass.get("build_ext", build_ext))
        dist.cmdclass["bdist_wheel"] = make_bdist_wheel(
            dist.cmdclass.get("bdist_wheel", bdist_wheel)
        )
        dist.cmdclass["sdist"] = make_sdist(dist.cmdclass.get("sdist", sdist))
    if any(t.is_bin and t.script for t in current) and not getattr(dist, _SCRIPTS, False):
        setattr(dist, _SCRIPTS, True)
        # Rust binaries go straight into build_scripts' directory; install_scripts
        # (and so the wheel's .data/scripts) only runs when the distribution has scripts.
        dist.scripts = list(dist.scripts or [])
        dist.has_scripts = lambda: True
        dist.cmdclass["install_scripts"] = make_install_scripts(
            dist.cmdclass.get("install_scripts", install_scripts)
        )


_PYTHON_ROOTS = ("python", ".", "src", "py")


def _default_packages(
    dist: Any, root: Path, pyproject: dict[str, Any], config: BuildrsConfig
) -> None:
    """Choose the Python packages when the project does not say.

    setuptools' automatic discovery mistakes cargo's ``src/`` for a Python src
    layout and ships no Python code at all; a Rust project therefore gets its
    packages from the declared targets: ``mypkg._native`` -> the ``mypkg``
    package, looked for under python/, the project root, src/ and py/.
    """
    setuptools_table = pyproject.get("tool", {}).get("setuptools", {})
    if any(key in setuptools_table for key in ("packages", "py-modules", "package-dir")):
        return
    if dist.packages is not None or dist.py_modules is not None:
        return
    tops = sorted({t.target.split(".")[0] for t in config.targets if not t.is_bin and t.package})
    packages: list[str] = []
    base = None
    for top in tops:
        for candidate in _PYTHON_ROOTS:
            if (root / candidate / top / "__init__.py").is_file():
                if base not in (None, candidate):
                    raise ConfigError(
                        f"pyproject.toml: Python packages of the Rust targets are under both "
                        f"{base}/ and {candidate}/; set [tool.setuptools] packages and "
                        "package-dir"
                    )
                base = candidate
                packages += find_packages(str(root / candidate), include=[top, f"{top}.*"])
                break
    dist.packages = sorted(set(packages))
    dist.py_modules = []
    if base not in (None, "."):
        dist.package_dir = {"": base}
    log.info("buildrs: packages %s from %s/", dist.packages, base or ".")
