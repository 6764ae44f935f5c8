"""What ``doctor`` found, as typed values, and the one screen that shows it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from buildrs.plan.platform import python_name

__all__ = [
    "Problem",
    "Pyo3Facts",
    "PythonFacts",
    "Report",
    "TargetFacts",
    "Toolchain",
    "Tools",
    "render",
]


@dataclass(frozen=True)
class Problem:
    """Something that stops a build, or makes its result fail to import, and the fix."""

    what: str
    fix: str = ""


@dataclass
class Toolchain:
    """cargo and rustc, as found."""

    cargo: str | None = None
    """cargo's path; ``None``: not found."""
    cargo_version: str = ""
    rustc_version: str | None = None
    """``None``: rustc could not be run."""
    host: str = ""
    targets: list[str] = field(default_factory=list)
    """The triples whose standard library is installed."""


@dataclass(frozen=True)
class PythonFacts:
    """The interpreter built for."""

    executable: str
    implementation: str
    """As people write it: ``CPython``, ``PyPy``."""
    version: str
    ext_suffix: str
    abi3: bool
    free_threaded: bool


@dataclass(frozen=True)
class Pyo3Facts:
    """The pyo3 cargo resolves for a target, and what it supports."""

    version: str
    rust_version: str | None
    supports: dict[str, tuple[str, str]]
    """Implementation (``cpython``) -> (lowest, highest) version, ``"?"`` where unknown."""


@dataclass
class TargetFacts:
    """One declared target, as the next builds would build it."""

    target: str
    """How messages name it."""
    crate: str
    wheel_profile: str
    """The profile of the next wheel build (``pip wheel``, ``python -m build``)."""
    editable_profile: str
    """The profile of the next editable, in-place or ``develop`` build."""
    features: list[str]
    file: str
    pyo3: Pyo3Facts | None = None
    problems: list[str] = field(default_factory=list)


@dataclass
class Tools:
    """The helper programs the build uses."""

    rustc_wrapper: str | None = None
    rustc_wrapper_path: str | None = None
    zig: bool = False
    glibc: str | None = None
    cargo_zigbuild: str | None = None
    target_dir: str | None = None
    release: list[str] = field(default_factory=list)
    """What a release wheel carries and the tools it takes, one line each: SBOM,
    repair, each target's stubs (``found`` or ``missing here``)."""


@dataclass
class Report:
    """What ``doctor`` found; ``problems`` empty means healthy."""

    project: str
    read_from: str | None = None
    """Where the Rust targets were read: ``pyproject.toml [tool.maturin]``, say."""
    toolchain: Toolchain = field(default_factory=Toolchain)
    python: PythonFacts | None = None
    targets: list[TargetFacts] = field(default_factory=list)
    tools: Tools = field(default_factory=Tools)
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["healthy"] = self.healthy
        return data


def _toolchain_lines(toolchain: Toolchain) -> list[str]:
    lines = ["toolchain"]
    if toolchain.cargo is None:
        lines.append("  cargo          not found: install Rust with rustup (https://rustup.rs)")
    else:
        lines.append(f"  cargo          {toolchain.cargo_version} ({toolchain.cargo})")
    if toolchain.rustc_version is not None:
        lines.append(f"  rustc          {toolchain.rustc_version} (host {toolchain.host})")
        lines.append(f"  targets        {', '.join(toolchain.targets)}")
    return lines


def _python_lines(python: PythonFacts | None) -> list[str]:
    if python is None:
        return []
    return [
        "python",
        f"  interpreter    {python.implementation} {python.version} ({python.executable})",
        f"  EXT_SUFFIX     {python.ext_suffix}",
        f"  abi3           {'yes' if python.abi3 else 'no'}; free-threaded: "
        f"{'yes' if python.free_threaded else 'no'}",
    ]


def _target_lines(entry: TargetFacts) -> list[str]:
    features = ", ".join(entry.features) or "none"
    lines = [
        f"  {entry.target}: {entry.crate}",
        f"    next wheel: {entry.wheel_profile} profile; next editable or develop build: "
        f"{entry.editable_profile} profile",
        f"    features: {features}; file {entry.file}",
    ]
    if entry.pyo3:
        ranges = ", ".join(
            f"{python_name(impl)} {low}-{high}" for impl, (low, high) in entry.pyo3.supports.items()
        )
        rust = f"rustc {entry.pyo3.rust_version}+" if entry.pyo3.rust_version else "any rustc"
        lines.append(f"    pyo3 {entry.pyo3.version}: {ranges or 'support unknown'}; {rust}")
    lines.append(f"    {'problem (below)' if entry.problems else 'ok for this Python and rustc'}")
    return lines


def _tool_lines(tools: Tools) -> list[str]:
    if tools.rustc_wrapper:
        wrapper = f"{tools.rustc_wrapper} ({tools.rustc_wrapper_path or 'not found'})"
    else:
        wrapper = "not set"
    lines = ["tools", f"  RUSTC_WRAPPER  {wrapper}"]
    lines.append(f"  zig            {'on, glibc ' + (tools.glibc or '') if tools.zig else 'off'}")
    if tools.target_dir:
        lines.append(f"  target dir     {tools.target_dir}")
    lines += [f"  {line}" for line in tools.release]
    return lines


def render(report: Report) -> str:
    """The report as one screen of text."""
    lines = [f"buildrs doctor: {report.project}", ""]
    if report.read_from:
        lines += [f"targets from {report.read_from}", ""]
    lines += _toolchain_lines(report.toolchain)
    lines += _python_lines(report.python)
    if report.targets:
        lines.append("targets")
    for entry in report.targets:
        lines += _target_lines(entry)
    lines += _tool_lines(report.tools)
    lines += [f"note: {note}" for note in report.notes]
    lines.append("")
    if report.healthy:
        count = len(report.targets)
        lines.append(f"verdict: healthy; {count} target{'s' if count != 1 else ''} ready to build")
    else:
        count = len(report.problems)
        lines.append(f"verdict: {count} problem{'s' if count != 1 else ''} found")
        for number, problem in enumerate(report.problems, 1):
            lines.append(f"  {number}. {problem.what}")
            if problem.fix:
                lines.append(f"     fix: {problem.fix}")
    return "\n".join(lines)
