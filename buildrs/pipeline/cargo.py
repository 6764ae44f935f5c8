"""Run planned cargo invocations and read what they built from cargo's JSON messages.

Artifacts are never found by guessing paths: cargo reports each file it produced
in a ``compiler-artifact`` message, and each build script's ``OUT_DIR`` in a
``build-script-executed`` message.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sys
import sysconfig
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from buildrs.errors import ArtifactError, CargoNotFoundError, ConfigError

from . import process
from .launchers import stable_copy, zig_launcher
from .plan import CargoInvocation, PlannedTarget
from .platform import Platform
from .values import parse_rust_version

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet
    from packaging.version import Version

__all__ = [
    "Artifact",
    "CargoOutput",
    "Selected",
    "check_rust_version",
    "command_line",
    "find_cargo",
    "read_messages",
    "run_invocation",
    "select",
    "select_artifact",
]


@dataclass(frozen=True)
class Artifact:
    """One ``compiler-artifact`` message."""

    package_id: str
    manifest_path: Path
    target_name: str
    crate_types: tuple[str, ...]
    filenames: tuple[Path, ...]
    executable: Path | None
    fresh: bool = False
    """cargo did not rebuild it (its fingerprint was up to date)."""


@dataclass(frozen=True)
class CargoOutput:
    """Everything one cargo run reported."""

    artifacts: tuple[Artifact, ...] = ()
    out_dirs: Mapping[str, Path] = field(default_factory=dict)
    """Build script ``OUT_DIR`` by package id."""
    success: bool | None = None
    """``build-finished``'s verdict, when cargo sent it."""

    def out_dir_of(self, artifact: Artifact) -> Path | None:
        return self.out_dirs.get(artifact.package_id)


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


def read_messages(lines: Iterable[str], echo: bool = True) -> CargoOutput:
    """Collect artifacts and build-script outputs from cargo's JSON message lines.

    Lines that are not JSON objects (a program printing to stdout) are echoed.
    """
    artifacts: list[Artifact] = []
    out_dirs: dict[str, Path] = {}
    success: bool | None = None
    for line in lines:
        message = None
        if line.startswith("{"):
            try:
                message = json.loads(line)
            except ValueError:
                message = None
        if not isinstance(message, dict):
            if echo and line.strip():
                print(line, flush=True)
            continue
        reason = message.get("reason")
        if reason == "compiler-artifact":
            target = message.get("target", {})
            executable = message.get("executable")
            artifacts.append(
                Artifact(
                    package_id=str(message.get("package_id", "")),
                    manifest_path=Path(message.get("manifest_path", "")),
                    target_name=str(target.get("name", "")),
                    crate_types=tuple(target.get("crate_types", ())),
                    filenames=tuple(Path(f) for f in message.get("filenames", ())),
                    executable=Path(executable) if executable else None,
                    fresh=message.get("fresh") is True,
                )
            )
        elif reason == "build-script-executed":
            out_dir = message.get("out_dir")
            if out_dir:
                out_dirs[str(message.get("package_id", ""))] = Path(out_dir)
        elif reason == "build-finished":
            success = bool(message.get("success"))
    return CargoOutput(tuple(artifacts), out_dirs, success)


_DYLIB_SUFFIX = {"windows": ".dll", "macos": ".dylib"}


def select_artifact(
    planned: PlannedTarget, output: CargoOutput, platform: Platform
) -> tuple[Artifact, Path]:
    """The artifact and the file in it that ``planned`` installs (matched by cargo
    target name and the crate's Cargo.toml)."""
    manifest_path = planned.manifest_path
    manifest = os.path.normcase(os.path.realpath(manifest_path))
    suffix = _DYLIB_SUFFIX.get(platform.os, ".so")
    for artifact in output.artifacts:
        if artifact.target_name != planned.cargo_name:
            continue
        if os.path.normcase(os.path.realpath(artifact.manifest_path)) != manifest:
            continue
        if planned.kind == "bin" and "bin" in artifact.crate_types and artifact.executable:
            return artifact, artifact.executable
        if planned.kind == "cdylib" and "cdylib" in artifact.crate_types:
            for filename in artifact.filenames:
                if filename.name.endswith(suffix):
                    return artifact, filename
    reported = "; ".join(
        f"{a.target_name} ({', '.join(a.crate_types)}): {', '.join(map(str, a.filenames))}"
        for a in output.artifacts
        if os.path.normcase(os.path.realpath(a.manifest_path)) == manifest
    )
    raise ArtifactError(
        f"{manifest_path}: cargo finished but reported no {planned.kind} artifact named "
        f"{planned.cargo_name!r} for {planned.target!r} "
        f"(it reported: {reported or 'nothing for this crate'}). Check [lib]/[[bin]] in "
        "Cargo.toml, and that args do not deselect the target."
    )


Selected = list[tuple[PlannedTarget, Artifact, Path]]
"""Each target of an invocation, with its artifact and the file to install."""


def select(invocation: CargoInvocation, output: CargoOutput, platform: Platform) -> Selected:
    """Each target's artifact from what cargo reported."""
    return [
        (planned, *select_artifact(planned, output, platform)) for planned in invocation.targets
    ]


def command_line(
    invocation: CargoInvocation, environ: Mapping[str, str]
) -> tuple[list[str], dict[str, str]]:
    """The arguments and added variables of an invocation, with its target's own rustc
    flags given the way cargo reads them: as ``--config target.<triple>.rustflags``,
    which cargo joins with the user's config files, or, when the environment sets
    ``CARGO_ENCODED_RUSTFLAGS`` or ``RUSTFLAGS`` (which replace every config file's
    flags), added to those."""
    args, env = list(invocation.args), dict(invocation.env)
    flags = invocation.target_rustflags
    if not flags or not invocation.triple:
        return args, env
    encoded = environ.get("CARGO_ENCODED_RUSTFLAGS")
    plain = environ.get("RUSTFLAGS")
    if encoded is not None or plain is not None:
        mine = list(encoded.split("\x1f") if encoded else (plain or "").split())
        env["CARGO_ENCODED_RUSTFLAGS"] = "\x1f".join([f for f in mine if f] + list(flags))
        return args, env
    setting = f"target.{invocation.triple}.rustflags={json.dumps(list(flags))}"
    return [args[0], "--config", setting, *args[1:]], env


def run_invocation(
    invocation: CargoInvocation, cargo: str, cwd: Path, tool_env: Mapping[str, str] | None = None
) -> CargoOutput:
    """Run one invocation with ``cargo`` (or the program its ``tool`` names), streaming
    cargo's diagnostics, and return what it reported."""
    lines: list[str] = []
    args, env = command_line(invocation, os.environ)
    process.run(
        [cargo, *args],
        env={**env, **(tool_env or {})},
        unset=invocation.unset_env,
        cwd=cwd,
        on_line=lines.append,
        quiet=invocation.quiet,
    )
    return read_messages(lines)


def _rustc_version(environ: Mapping[str, str]) -> Version:
    from packaging.version import InvalidVersion, Version

    rustc = environ.get("RUSTC") or "rustc"
    result = process.run([rustc, "--version"], check=True)
    words = result.stdout.split()
    try:
        return Version(words[1].split("-")[0])
    except (IndexError, InvalidVersion):
        raise ConfigError(f"cannot read the rustc version from {result.stdout!r}") from None


def check_rust_version(required: str, where: str, environ: Mapping[str, str] | None = None) -> None:
    """Raise ``ConfigError`` unless rustc's version satisfies ``required`` (a bare
    version is a minimum; see ``settings.parse_rust_version``)."""
    wanted = parse_rust_version(required, f"{where}: rust_version")
    actual = _rustc_version(os.environ if environ is None else environ)
    if not wanted.contains(actual, prereleases=True):
        raise ConfigError(
            f"{where} needs rustc {_shown(wanted)}, but rustc is {actual}. "
            "Install a matching toolchain with rustup (`rustup update`, or "
            "`rustup toolchain install <version>`)."
        )


def _shown(spec: SpecifierSet) -> str:
    return ", ".join(sorted(str(s) for s in spec))
