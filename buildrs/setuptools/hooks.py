"""Entry points setuptools calls: the ``rust_extensions`` keyword of ``setup()`` and
the hook that reads ``[tool.buildrs]`` from pyproject.toml.

Both end in ``add_rust_extensions``, which wires the commands into the
distribution exactly once, so cargo runs once per build however the targets
were declared. setuptools runs every installed plugin's ``rust_extensions``
hook: a setup.py whose targets are buildrs' own while setuptools-rust is in the
build environment too (a leftover ``setup_requires``) would be built by both, so
it is stopped with the line to change.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

from buildrs.compile.locking import hold_project_lock
from buildrs.config.packages import check_listed_packages
from buildrs.config.pyproject import BuildrsConfig, load_pyproject
from buildrs.errors import ConfigError
from buildrs.wheel.pyfiles import LAYOUT_KEYS, default_packages
from buildrs.wheel.validate import check_pyproject

from .bdist_wheel import make_bdist_wheel
from .commands import (
    build_rust,
    clean_rust,
    make_build_ext,
    make_clean,
    make_egg_info,
    make_install_scripts,
    make_sdist,
)
from .distribution import project_dir, rust_targets
from .editable import make_editable_wheel
from .extension import RustExtension

__all__ = ["add_rust_extensions", "pyproject_config", "rust_extensions"]

log = logging.getLogger("buildrs")

_WIRED = "_buildrs_wired"
_SCRIPTS = "_buildrs_scripts_wired"


def _foreign(item: object) -> bool:
    """An object of another plugin (setuptools-rust's own ``RustExtension``)."""
    return not isinstance(item, RustExtension) and type(item).__module__.startswith(
        "setuptools_rust"
    )


def _other_plugins() -> list[str]:
    """Distributions other than buildrs that handle ``setup(rust_extensions=...)``."""
    found = []
    for entry in metadata.entry_points(group="distutils.setup_keywords"):
        if entry.name == "rust_extensions" and not entry.value.startswith("buildrs."):
            dist = getattr(entry, "dist", None)
            found.append(getattr(dist, "name", None) or entry.value.split(".")[0])
    return found


def _line_naming(root: Path, names: Iterable[str]) -> str | None:
    """``setup.py:12`` for the first line of setup.py that names one of ``names``
    outside an import, e.g. in ``setup_requires``."""
    try:
        lines = (root / "setup.py").read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    words = ["[-_.]".join(map(re.escape, re.split(r"[-_.]", name))) for name in names]
    pattern = re.compile("|".join(words), re.IGNORECASE)
    for number, line in enumerate(lines, 1):
        if pattern.search(line) and not line.lstrip().startswith(("import ", "from ")):
            return f"setup.py:{number}"
    return None


def _refuse_second_plugin(dist: Any) -> None:
    others = _other_plugins()
    if not others:
        return
    names = ", ".join(sorted(set(others)))
    line = _line_naming(project_dir(dist), others)
    where = f"{line}: " if line else ""
    fix = (
        f"remove {names} from that line (setup_requires, or the build requirements): buildrs "
        "builds these targets itself"
        if line
        else f"uninstall {names} from this build environment, or drop it from the build "
        "requirements: buildrs builds these targets itself"
    )
    raise ConfigError(
        f"{where}{names} is installed in this build too, and setuptools runs its "
        f"rust_extensions hook as well as buildrs', so the targets would be built twice "
        f"(and its hook does not know buildrs' targets); {fix}."
    )


def rust_extensions(dist: Any, attr: str, value: Any) -> None:
    """Handle ``setup(rust_extensions=[...])``."""
    if not isinstance(value, (list, tuple)):
        raise ConfigError(
            f"setup(): {attr} must be a list of RustExtension/RustBin, got {type(value).__name__}"
        )
    if value and all(_foreign(item) for item in value):
        return  # setuptools-rust's own objects: its hook builds them
    for item in value:
        if not isinstance(item, RustExtension):
            raise ConfigError(
                f"setup(): {attr} must hold RustExtension or RustBin objects "
                f"(from buildrs import RustExtension), got {item!r}"
            )
    _refuse_second_plugin(dist)
    root = project_dir(dist)
    check_pyproject(root, load_pyproject(root)[0])
    if dist.packages:
        check_listed_packages(rust_targets(dist), dist.packages)
    add_rust_extensions(dist, [])


def pyproject_config(dist: Any) -> None:
    """Read ``[tool.buildrs]`` (a ``setuptools.finalize_distribution_options`` hook)."""
    root = project_dir(dist)
    pyproject, config = load_pyproject(root)
    if config is None:
        return
    check_pyproject(root, pyproject)
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
    if any(key in setuptools_table for key in LAYOUT_KEYS):
        return
    if dist.packages is not None or dist.py_modules is not None:
        return
    holders = (t.package for t in config.targets if t.kind == "ext" and t.package)
    packages, mapping = default_packages(root, holders)
    dist.packages = packages
    dist.py_modules = []
    if mapping:
        dist.package_dir = mapping
    log.info("buildrs: packages %s from %s/", dist.packages, mapping.get("", "."))
