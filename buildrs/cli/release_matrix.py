"""The release matrix as pure logic: the cells that targets, Python versions and
interpreters make (``matrix_cells``), which interpreters are this machine's and
which run another target's code under emulation (``split_interpreters``) and which
of those imports a cell's wheel (``runner_for``), and the table a run ends with.
``cli.release`` builds the cells."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from buildrs.config.release import ABI3, Pythons
from buildrs.errors import ConfigError
from buildrs.plan.interpreter import Python, runs_here

__all__ = [
    "Cell",
    "Outcome",
    "matrix_cells",
    "runner_for",
    "split_interpreters",
    "table",
    "target_label",
]

THIS_MACHINE = "this machine"


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
    """``"abi3"`` (or, on this machine, ``"abi3t"``) or ``"py3"`` where one wheel
    serves several Pythons (every module is built for the stable ABI, or none is for
    one Python version)."""

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


def _host_cells(
    asked: tuple[tuple[int, int], ...],
    interpreters: Sequence[Python],
    shared: str | None,
    compat: Callable[[Python], str],
) -> tuple[list[Cell], list[tuple[int, int]]]:
    """This machine's cells, and the versions asked for that it has no interpreter of.
    Where modules are built for the stable ABI, the interpreters are grouped by the
    ``<python>-<abi>`` part of the tag each one's wheel would carry (``compat``), as
    ``wheels`` groups them: one abi3 wheel serves every GIL-enabled CPython, while a
    free-threaded CPython, a PyPy and a CPython building abi3t each need their own."""
    if shared:
        groups: dict[str, Python] = {}
        for python in interpreters:
            if not asked or python.version in asked:
                groups.setdefault(compat(python), python)
        return [Cell(None, p, shared=_shared_label(tag)) for tag, p in groups.items()], []
    if not asked:
        return [Cell(None, python) for python in interpreters], []
    cpythons = [p for p in interpreters if p.implementation == "cpython" and not p.free_threaded]
    by_version = {p.version: p for p in reversed(cpythons)}
    cells = [Cell(None, by_version[v]) for v in asked if v in by_version]
    return cells, [v for v in asked if v not in by_version]


def _shared_label(compat: str) -> str | None:
    """The row's name for a wheel whose tag starts with ``compat``: the ABI by which it
    serves several Pythons, or ``None`` where it is one interpreter's own."""
    abi = compat.split("-")[-1]
    return {"abi3": ABI3, "abi3.abi3t": "abi3t", "none": "py3"}.get(abi)


def matrix_cells(
    targets: Sequence[str],
    pythons: Pythons,
    interpreters: Sequence[Python],
    shared: str | None,
    host: str,
    planner: Python,
    compat: Callable[[Python], str],
    runners: Sequence[Python] = (),
) -> tuple[list[Cell], list[Outcome]]:
    """The cells of the matrix, in order (targets as given, versions ascending), and
    those that cannot be built here, as failed outcomes. ``pythons``: the versions
    asked for (empty: those of ``interpreters``); ``shared``: ``"abi3"`` or ``"py3"``
    where one wheel per target serves every Python; ``planner``: the interpreter that
    plans other targets' builds; ``compat``: the ``<python>-<abi>`` part of the tag
    of the wheel this machine's interpreter would build; ``runners``: interpreters of
    other targets, whose versions count as given."""
    if pythons == ABI3 and shared != ABI3:
        raise ConfigError(
            'wheels: [tool.buildrs.release] pythons = "abi3", but a module is built for one '
            "Python version; build it for the stable ABI (pyo3's abi3-py3X feature), or list "
            "the versions"
        )
    asked = () if isinstance(pythons, str) else pythons
    seen = {p.version for p in [*interpreters, *runners] if p.implementation == "cpython"}
    versions = asked or tuple(sorted(seen))
    cells: list[Cell] = []
    failed: list[Outcome] = []
    for target in targets or [host]:
        if target == host:
            found, missing = _host_cells(asked, interpreters, shared, compat)
            cells += found
            for version in missing:
                why = f"no CPython {version[0]}.{version[1]} here; give its interpreter with -i"
                cell = Cell(None, planner, version)
                failed.append(Outcome(cell, target_label(cell, host), error=why))
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


def split_interpreters(
    interpreters: Sequence[Python], targets: Sequence[str]
) -> tuple[list[Python], list[Python]]:
    """This machine's interpreters, and those of other targets (run here under
    emulation), which import those targets' wheels; each of the latter must be of
    a target of the matrix."""
    from buildrs.plan.platform import runs_code_of, triple_of

    here, runners = [], []
    for python in interpreters:
        if runs_here(python):
            here.append(python)
            continue
        if python.sys_platform != "linux":
            raise ConfigError(
                f"wheels: {python.executable} is a Python of {python.platform}; only "
                "Linux interpreters of other architectures can import a release's wheels here"
            )
        if not any(runs_code_of(triple, python) for triple in targets):
            triple = triple_of(python)
            raise ConfigError(
                f"wheels: {python.executable} is a Python of {triple}, which is not a target "
                f"of the release; add --target {triple}"
            )
        runners.append(python)
    return here, runners


def runner_for(
    cell: Cell, runners: Sequence[Python], floor: tuple[int, int] | None
) -> Python | None:
    """The interpreter of another target that imports ``cell``'s wheel: one that
    runs the target's code, of the cell's CPython version, or, for a stable-ABI
    wheel, a GIL-enabled CPython at or above its floor."""
    from buildrs.plan.platform import runs_code_of

    for python in runners:
        if cell.target is None or not runs_code_of(cell.target, python):
            continue
        if cell.shared == "py3":
            return python
        if cell.version is not None:
            fits = python.version == cell.version
        else:
            fits = cell.shared == ABI3 and floor is not None and python.version >= floor
        if fits and python.implementation == "cpython" and not python.free_threaded:
            return python
    return None


def target_label(cell: Cell, host: str) -> str:
    return cell.target or f"{host} ({THIS_MACHINE})"
