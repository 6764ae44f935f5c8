"""A release in one run: ``python -m buildrs wheels --target T ... [--sdist]``.

The matrix is every target (``--target``, or ``[tool.buildrs.release] targets``;
this machine's own by default) times every Python (``-i``, or ``pythons``), or one
wheel per target where every module is built for the stable ABI. A wheel for this
machine is built for an interpreter found here and imported with it; a wheel for
another target needs no interpreter of that target: pyo3 is told the CPython
version (``PYO3_CROSS_PYTHON_VERSION``; ``PYO3_CROSS_LIB_DIR`` where the user has
the target Python's files), and the module's name and the wheel's tag follow from
the triple and the version (``plan.platform``). The linker is the target's own
(``CARGO_TARGET_<T>_LINKER``, ``[target.<t>] linker``), zig where none is set.

Every wheel goes through the one assembly (``wheel.assemble``): checked file by
file against its tag, with its SBOM, and repaired where it is a Linux wheel. A
cell that cannot be built (a standard library missing, a toolchain not found, a
compile error) costs only itself: the run goes on, the table at the end says which
failed and why, and the exit status is 1. The table is also written as JSON into
the wheel folder as ``.buildrs-release.json``: hidden, so that ``twine upload
dist/*`` (which refuses any file that is not a distribution) does not see it.

Work is shared: a target's crates that do not depend on the Python compile once
(each version's target directory starts as a copy of the one built before it for
the same target), and a second run compiles nothing and rewrites no wheel
(``wheel.cache``). With ``--sdist`` the sdist is built first and every wheel from
it, unpacked, which proves the sdist complete.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from buildrs import process
from buildrs.config.release import ABI3, Pythons
from buildrs.errors import BuildrsError, ConfigError
from buildrs.plan.interpreter import Python, running

from .release_source import unpacked_sdist

if TYPE_CHECKING:
    from buildrs.plan.context import ProjectContext
    from buildrs.plan.invocations import DistPlan

__all__ = [
    "REPORT",
    "Cell",
    "Outcome",
    "host_triple",
    "links_through_zig",
    "matrix_cells",
    "release",
    "table",
]

THIS_MACHINE = "this machine"
REPORT = ".buildrs-release.json"
"""The run's outcomes as JSON, in the wheel folder."""


@dataclass(frozen=True)
class Cell:
    """One wheel of the matrix."""

    target: str | None
    """The cargo triple; ``None``: this machine."""
    python: Python
    """This machine's interpreter the wheel is for, or, for another target, the one
    that plans the build."""
    version: tuple[int, int] | None = None
    """Another target's CPython version; ``None`` for this machine or a shared wheel."""
    shared: str | None = None
    """``"abi3"`` or ``"py3"`` where one wheel per target serves every Python (every
    module is built for the stable ABI, or none is for one Python version)."""

    @property
    def python_label(self) -> str:
        if self.shared:
            return self.shared
        if self.version is not None:
            return f"cpython{self.version[0]}.{self.version[1]}"
        return self.python.name


@dataclass
class Outcome:
    """What became of a cell."""

    cell: Cell
    target_label: str
    wheel: Path | None = None
    verified: str = ""
    error: str | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "target": self.cell.target or self.target_label.split()[0],
            "this_machine": self.cell.target is None,
            "python": self.cell.python_label,
            "wheel": self.wheel.name if self.wheel else None,
            "size": self.wheel.stat().st_size if self.wheel else None,
            "verified": self.verified or None,
            "error": self.error,
        }


def host_triple(environ: Mapping[str, str]) -> str:
    """The triple rustc builds for when given none (``rustc -vV``'s ``host``)."""
    from buildrs.plan.toolchain import rustc_host

    host = rustc_host(environ)
    if host is None:
        rustc = environ.get("RUSTC") or "rustc"
        raise ConfigError(f"wheels: `{rustc} -vV` names no host triple; is Rust installed?")
    return host


def _host_cells(
    asked: tuple[tuple[int, int], ...], interpreters: Sequence[Python], shared: str | None
) -> tuple[list[Cell], list[tuple[int, int]]]:
    """This machine's cells, and the versions asked for that it has no interpreter of."""
    cpythons = [p for p in interpreters if p.implementation == "cpython" and not p.free_threaded]
    if shared:
        return [Cell(None, (cpythons or list(interpreters))[0], shared=shared)], []
    if not asked:
        return [Cell(None, python) for python in interpreters], []
    by_version = {p.version: p for p in reversed(cpythons)}
    cells = [Cell(None, by_version[v]) for v in asked if v in by_version]
    return cells, [v for v in asked if v not in by_version]


def matrix_cells(
    targets: Sequence[str],
    pythons: Pythons,
    interpreters: Sequence[Python],
    shared: str | None,
    host: str,
    planner: Python,
) -> tuple[list[Cell], list[Outcome]]:
    """The cells of the matrix, in order (targets as given, versions ascending), and
    those that cannot be built here, as failed outcomes. ``pythons``: the versions
    asked for (empty: those of ``interpreters``); ``shared``: ``"abi3"`` or ``"py3"``
    where one wheel per target serves every Python; ``planner``: the interpreter that
    plans other targets' builds."""
    if pythons == ABI3 and shared != ABI3:
        raise ConfigError(
            'wheels: [tool.buildrs.release] pythons = "abi3", but a module is built for one '
            "Python version; build it for the stable ABI (pyo3's abi3-py3X feature), or list "
            "the versions"
        )
    asked = () if isinstance(pythons, str) else pythons
    seen = {p.version for p in interpreters if p.implementation == "cpython"}
    versions = asked or tuple(sorted(seen))
    cells: list[Cell] = []
    failed: list[Outcome] = []
    for target in targets or [host]:
        if target == host:
            found, missing = _host_cells(asked, interpreters, shared)
            cells += found
            for version in missing:
                why = f"no CPython {version[0]}.{version[1]} here; give its interpreter with -i"
                cell = Cell(None, planner, version)
                failed.append(Outcome(cell, _target_label(cell, host), error=why))
        elif shared:
            cells.append(Cell(target, planner, shared=shared))
        else:
            cells += [Cell(target, planner, version) for version in versions]
    return cells, failed


def table(outcomes: Sequence[Outcome]) -> str:
    """The run's result, a row per cell: target, Python, wheel, size, how it was
    verified (or why it failed)."""
    rows = [("target", "python", "wheel", "size", "verified")]
    for o in outcomes:
        size = f"{o.wheel.stat().st_size / 1024:.0f} KiB" if o.wheel else "-"
        result = o.verified if o.error is None else "FAILED (why: below)"
        rows.append(
            (o.target_label, o.cell.python_label, o.wheel.name if o.wheel else "-", size, result)
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row[:4], widths)) + "  " + row[4] for row in rows
    ]
    return "\n".join(line.rstrip() for line in lines)


def links_through_zig(triple: str, project: Path, environ: Mapping[str, str], zig: bool) -> bool:
    """Whether ``triple`` links through zig: where no linker is configured for it."""
    from buildrs.plan.toolchain import configured_linker, linker_variable

    if configured_linker(triple, project, environ) is not None:
        return False
    if not zig and triple.endswith("-windows-msvc"):
        raise ConfigError(
            f"{triple}: no linker is configured for it, and zig cannot link MSVC targets; "
            f"set {linker_variable(triple)} (or [target.{triple}] linker in "
            ".cargo/config.toml) to a linker with the Windows SDK, build it on Windows, or "
            "release the x86_64-pc-windows-gnu wheel instead"
        )
    return True


_IMPORT = """\
import importlib, sys, traceback
try:
    for name in sys.argv[1:]:
        importlib.import_module(name)
except BaseException:
    traceback.print_exc(file=sys.stdout)
    sys.exit(1)
"""


def _verify(wheel: Path, cell: Cell, modules: Sequence[str]) -> str:
    """Import this machine's wheel with its interpreter; other targets' wheels were
    read file by file when they were written."""
    if cell.target is not None:
        return "checked from the file"
    import tempfile
    import zipfile

    with tempfile.TemporaryDirectory(prefix="buildrs-import-") as folder:
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(folder)
        argv = [cell.python.executable, "-c", _IMPORT, *modules]
        result = process.run(argv, env={"PYTHONPATH": folder}, check=False, cwd=folder)
        if result.returncode != 0:
            last = (result.stdout.strip().splitlines() or ["(no output)"])[-1]
            raise BuildrsError(
                f"{wheel.name} was built, but {cell.python.executable} cannot import "
                f"{', '.join(modules)} from it: {last}"
            )
    return f"imported here ({cell.python.name})" if modules else "checked from the file"


def _zig_for(triple: str, context: ProjectContext, zig: dict[str, bool]) -> bool:
    """Whether ``triple`` links through zig (asked once per target), which must then
    be installed."""
    if triple not in zig:
        environ = context.environ
        zig[triple] = links_through_zig(triple, context.root, environ, context.settings.zig)
        if zig[triple]:
            from buildrs.plan.toolchain import find_cargo, find_zigbuild, linker_variable

            try:
                find_zigbuild(find_cargo(environ), environ)
            except ConfigError:
                raise ConfigError(
                    f"{triple} is linked through zig, as no linker is configured for it, but "
                    "cargo-zigbuild or zig is not installed: `pip install cargo-zigbuild "
                    f"ziglang`, or set {linker_variable(triple)} to a linker for it"
                ) from None
    return zig[triple]


def _cell_context(
    context: ProjectContext, cell: Cell, host: str, zig: dict[str, bool]
) -> ProjectContext:
    """The context a cell builds with: another target's, or this machine's, which is
    linked through zig on Linux where no linker is configured (a manylinux wheel,
    which PyPI takes, where the compiler's own would be a ``linux_*`` one)."""
    if cell.target is not None:
        return context.for_target(cell.target, cell.version, _zig_for(cell.target, context, zig))
    if "-linux-" not in host or context.settings.zig or not _zig_for(host, context, zig):
        return context
    return context.with_settings(replace(context.settings, zig=True))


def _target_dir(cell: Cell, base: Path, built: dict[str | None, Path]) -> Path:
    """Where ``cell`` builds: this machine's interpreters each in a directory of their
    own (``buildrs-cpython3.12``), another target's Python versions each in one per
    target (``buildrs-cpython3.12-aarch64-unknown-linux-gnu``), a new one seeded from
    the one built before it for the same target; another target's stable-ABI build
    in the usual directory, as a ``pip wheel`` for it would build."""
    from .wheels import seed

    if cell.target is not None and cell.shared:
        return base
    name = f"buildrs-{cell.python_label}"
    folder = base / (name if cell.target is None else f"{name}-{cell.target}")
    if cell.target in built and not folder.exists():
        seed(folder, built[cell.target])
    built[cell.target] = folder
    return folder


def _build_cell(
    context: ProjectContext,
    cell: Cell,
    host: str,
    target_dir: Path,
    out: Path,
    zig: dict[str, bool],
) -> tuple[Path, str]:
    from buildrs.wheel.assemble import WheelJob, build_wheel
    from buildrs.wheel.cache import WheelCache
    from buildrs.wheel.route import PartSource, project_source

    def source() -> PartSource:
        found, why = project_source(context, plugins=False)
        if found is None:
            raise ConfigError(f"wheels: buildrs cannot make the Python part itself: {why}")
        return found

    cell_context = _cell_context(context, cell, host, zig)
    plan = cell_context.plan(cell.python, target_dir=target_dir)
    job = WheelJob(cell_context, cell.python, plan, out, as_isolated=True)
    wheel = build_wheel(job, source, WheelCache(cell_context))
    return wheel, _verify(wheel, cell, [t.target for t in plan.modules])


def _target_label(cell: Cell, host: str) -> str:
    return cell.target or f"{host} ({THIS_MACHINE})"


def release(
    project: Path,
    interpreters: Sequence[Python],
    targets: Sequence[str],
    out: Path,
    environ: Mapping[str, str],
    sdist: bool = False,
) -> list[Outcome]:
    """Build the release matrix of ``project`` into ``out`` (the sdist first with
    ``sdist``); every cell's outcome, also written as JSON into ``out`` (``REPORT``)."""
    from buildrs.plan.context import ProjectContext

    from .wheels import buildable_here, check_interpreters

    base = Path(environ.get("CARGO_TARGET_DIR") or project / "target")
    out.mkdir(parents=True, exist_ok=True)
    source = unpacked_sdist(project, out, environ) if sdist else project
    context = ProjectContext.load(source, environ=environ)
    why = buildable_here(context)
    if why is not None:
        raise ConfigError(f"wheels: the release matrix is built in this process, but {why}")
    matrix = context.release
    check_interpreters(interpreters)
    host = host_triple(environ)
    pythons = () if interpreters or matrix is None else matrix.pythons
    chosen = interpreters or _interpreters_for(pythons, environ)
    shared = _shared(context.plan(chosen[0])) if context.declared else None
    asked = targets or (matrix.targets if matrix else ())
    cells, outcomes = matrix_cells(asked, pythons, chosen, shared, host, running())
    outcomes += _build_cells(context, cells, host, base, out)
    report = out / REPORT
    document = {"wheel_dir": str(out), "results": [o.as_json() for o in outcomes]}
    report.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return outcomes


def _build_cells(
    context: ProjectContext, cells: Sequence[Cell], host: str, base: Path, out: Path
) -> list[Outcome]:
    """Build every cell, one after another, each failure its own."""
    outcomes = []
    seeds: dict[str | None, Path] = {}
    zig: dict[str, bool] = {}
    for number, cell in enumerate(cells, 1):
        outcome = Outcome(cell, _target_label(cell, host))
        shown = f"[{number}/{len(cells)}] {outcome.target_label}, {cell.python_label}"
        print(shown, file=sys.stderr, flush=True)
        try:
            target_dir = _target_dir(cell, base, seeds)
            outcome.wheel, outcome.verified = _build_cell(context, cell, host, target_dir, out, zig)
        except BuildrsError as error:
            outcome.error = str(error)
        outcomes.append(outcome)
    return outcomes


def _shared(plan: DistPlan) -> str | None:
    """``"abi3"`` where every module is built for the stable ABI, ``"py3"`` where no
    target depends on the Python version (binaries, C-ABI libraries): one wheel per
    target then serves every Python; ``None`` otherwise."""
    from buildrs.plan.make import version_specific

    if not plan.targets or version_specific(plan.invocations):
        return None
    return ABI3 if plan.abi3_floor is not None else "py3"


def _interpreters_for(pythons: Pythons, environ: Mapping[str, str]) -> list[Python]:
    """The interpreters of the versions asked for, found on PATH and among pyenv's;
    this one where no version is asked for."""
    from buildrs.plan.interpreter import find_all

    if not pythons or pythons == ABI3:
        return [running()]
    found = [p for p in find_all(environ) if p.version in pythons and not p.free_threaded]
    return found or [running()]
