"""Run planned cargo invocations and read what they built from cargo's JSON messages.

Artifacts are never found by guessing paths: cargo reports each file it produced
in a ``compiler-artifact`` message, and each build script's ``OUT_DIR`` in a
``build-script-executed`` message.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from buildrs import process
from buildrs.config.values import parse_rust_version
from buildrs.errors import ArtifactError, ConfigError
from buildrs.plan.invocations import CargoInvocation, PlannedTarget
from buildrs.plan.platform import Platform

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet
    from packaging.version import Version

__all__ = [
    "Artifact",
    "CargoOutput",
    "Selected",
    "check_rust_version",
    "command_line",
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
    kinds: tuple[str, ...] = ()
    """The target's kinds: ``lib``, ``proc-macro``, ``custom-build``, ``bin``..."""
    features: tuple[str, ...] = ()
    """The features the unit was compiled with."""


@dataclass(frozen=True)
class CargoOutput:
    """Everything one cargo run reported."""

    artifacts: tuple[Artifact, ...] = ()
    out_dirs: Mapping[str, Path] = field(default_factory=dict)
    """Build script ``OUT_DIR`` by package id."""
    link_dirs: tuple[Path, ...] = ()
    """The folders build scripts told rustc to link libraries from
    (``cargo:rustc-link-search``), in the order cargo reported them."""
    success: bool | None = None
    """``build-finished``'s verdict, when cargo sent it."""

    def out_dir_of(self, artifact: Artifact) -> Path | None:
        return self.out_dirs.get(artifact.package_id)


def read_messages(lines: Iterable[str], echo: bool = True) -> CargoOutput:
    """Collect artifacts and build-script outputs from cargo's JSON message lines.

    Lines that are not JSON objects (a program printing to stdout) are echoed.
    """
    artifacts: list[Artifact] = []
    out_dirs: dict[str, Path] = {}
    link_dirs: dict[Path, None] = {}
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
                    kinds=tuple(target.get("kind", ())),
                    features=tuple(message.get("features", ())),
                )
            )
        elif reason == "build-script-executed":
            out_dir = message.get("out_dir")
            if out_dir:
                out_dirs[str(message.get("package_id", ""))] = Path(out_dir)
            for linked in message.get("linked_paths", ()):
                # KIND=PATH or PATH; libraries are looked up in native and all ones
                kind, _, path = str(linked).rpartition("=")
                if kind in ("", "native", "all"):
                    link_dirs[Path(path)] = None
        elif reason == "build-finished":
            success = bool(message.get("success"))
    return CargoOutput(tuple(artifacts), out_dirs, tuple(link_dirs), success)


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
    invocation: CargoInvocation,
    cargo: str,
    cwd: Path,
    environ: Mapping[str, str],
    tool_env: Mapping[str, str] | None = None,
    started: Sequence[process.Started] = (),
) -> CargoOutput:
    """Run one invocation with ``cargo`` (or the program its ``tool`` names) in the
    build's environment ``environ``, streaming cargo's diagnostics, and return what
    it reported; a process of ``started`` that runs the same command is taken over."""
    lines: list[str] = []
    args, env = command_line(invocation, environ)
    process.run(
        [cargo, *args],
        env={**env, **(tool_env or {})},
        unset=invocation.unset_env,
        cwd=cwd,
        on_line=lines.append,
        quiet=invocation.quiet,
        started=started,
        base=environ,
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
