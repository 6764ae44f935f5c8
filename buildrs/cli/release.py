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
(``wheel.cache``), nor imports again a wheel it imported unchanged (``Imports``).
With ``--sdist`` the sdist is built first and every wheel from it, unpacked,
which proves the sdist complete.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from buildrs import folders, process
from buildrs.config.release import ABI3, Pythons
from buildrs.errors import BuildrsError, ConfigError
from buildrs.plan.interpreter import Python, running

from .release_matrix import (
    Cell,
    Outcome,
    matrix_cells,
    runner_for,
    split_interpreters,
    target_label,
)
from .release_source import unpacked_sdist

if TYPE_CHECKING:
    from buildrs.plan.context import ProjectContext
    from buildrs.plan.invocations import DistPlan

__all__ = ["REPORT", "Imports", "host_triple", "links_through_zig", "release"]

REPORT = ".buildrs-release.json"
"""The run's outcomes as JSON, in the wheel folder."""


def host_triple(environ: Mapping[str, str]) -> str:
    """The triple rustc builds for when given none (``rustc -vV``'s ``host``)."""
    from buildrs.plan.toolchain import rustc_host

    host = rustc_host(environ)
    if host is None:
        rustc = environ.get("RUSTC") or "rustc"
        raise ConfigError(f"wheels: `{rustc} -vV` names no host triple; is Rust installed?")
    return host


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


class Imports:
    """The imports that succeeded, kept from one run to the next: a wheel whose bytes,
    interpreter and modules are those of an import that succeeded is not extracted
    and imported again (``folders.imported``). Only this run's are written back."""

    def __init__(self, root: Path) -> None:
        self.path = Path(folders.imported(root))
        try:
            earlier = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            earlier = []
        self.earlier = set(earlier) if isinstance(earlier, list) else set()
        self.now: set[str] = set()

    @staticmethod
    def key(wheel: Path, python: Python, modules: Sequence[str]) -> str:
        import hashlib
        import os

        digest = hashlib.sha256()
        with wheel.open("rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
        interpreter = os.stat(python.executable)
        facts = [digest.hexdigest(), python.executable, interpreter.st_mtime_ns, *modules]
        return hashlib.sha256(json.dumps(facts).encode()).hexdigest()

    def seen(self, key: str) -> bool:
        if key in self.earlier:
            self.now.add(key)
            return True
        return False

    def passed(self, key: str) -> None:
        self.now.add(key)

    def save(self) -> None:
        if self.now == self.earlier:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(sorted(self.now)) + "\n", encoding="utf-8")


def _verify(
    wheel: Path, cell: Cell, modules: Sequence[str], runner: Python | None, imports: Imports
) -> str:
    """Import the wheel's modules with the interpreter it is for: this machine's, or
    ``runner``, one of another target run here under emulation; a wheel no
    interpreter here can import was read file by file when it was written."""
    python = cell.python if cell.target is None else runner
    if python is None or not modules:
        return "checked from the file"
    how = "imported here" if cell.target is None else "imported under emulation"
    key = Imports.key(wheel, python, modules)
    if imports.seen(key):
        from buildrs.wheel.route import say

        say(f"{wheel.name}: {how} with {python.name} by the last run, and unchanged")
        return f"{how} ({python.name})"
    import tempfile
    import zipfile

    with tempfile.TemporaryDirectory(prefix="buildrs-import-") as folder:
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(folder)
        argv = [python.executable, "-c", _IMPORT, *modules]
        result = process.run(argv, env={"PYTHONPATH": folder}, check=False, cwd=folder)
        if result.returncode != 0:
            last = (result.stdout.strip().splitlines() or ["(no output)"])[-1]
            raise BuildrsError(
                f"{wheel.name} was built, but {python.executable} cannot import "
                f"{', '.join(modules)} from it: {last}"
            )
    imports.passed(key)
    return f"{how} ({python.name})"


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
    runners: Sequence[Python],
    imports: Imports,
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
    runner = runner_for(cell, runners, plan.abi3_floor)
    return wheel, _verify(wheel, cell, [t.target for t in plan.modules], runner, imports)


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
    host = host_triple(environ)
    asked = targets or (matrix.targets if matrix else ())
    here, runners = split_interpreters(interpreters, asked or [host])
    check_interpreters(here)
    pythons = () if interpreters or matrix is None else matrix.pythons
    if runners and not here:
        pythons = tuple(sorted({p.version for p in runners if p.implementation == "cpython"}))
    chosen = here or _interpreters_for(pythons, environ)
    gil = [p for p in chosen if p.implementation == "cpython" and not p.free_threaded]
    shared = _shared(context.plan((gil or chosen)[0])) if context.declared else None
    cells, outcomes = matrix_cells(
        asked, pythons, chosen, shared, host, running(), _compat(context), runners
    )
    outcomes += _build_cells(context, cells, host, base, out, runners)
    report = out / REPORT
    document = {"wheel_dir": str(out), "results": [o.as_json() for o in outcomes]}
    report.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return outcomes


def _build_cells(
    context: ProjectContext,
    cells: Sequence[Cell],
    host: str,
    base: Path,
    out: Path,
    runners: Sequence[Python],
) -> list[Outcome]:
    """Build every cell, one after another, each failure its own."""
    outcomes = []
    seeds: dict[str | None, Path] = {}
    zig: dict[str, bool] = {}
    imports = Imports(context.root)
    for number, cell in enumerate(cells, 1):
        outcome = Outcome(cell, target_label(cell, host))
        shown = f"[{number}/{len(cells)}] {outcome.target_label}, {cell.python_label}"
        print(shown, file=sys.stderr, flush=True)
        try:
            target_dir = _target_dir(cell, base, seeds)
            outcome.wheel, outcome.verified = _build_cell(
                context, cell, host, target_dir, out, zig, runners, imports
            )
        except BuildrsError as error:
            outcome.error = str(error)
        outcomes.append(outcome)
    imports.save()
    return outcomes


def _shared(plan: DistPlan) -> str | None:
    """``"abi3"`` where every module is built for the stable ABI, ``"py3"`` where no
    target depends on the Python version (binaries, C-ABI libraries): one wheel per
    target then serves every Python; ``None`` otherwise."""
    from buildrs.plan.make import version_specific

    if not plan.targets or version_specific(plan.invocations):
        return None
    return ABI3 if plan.abi3_floor is not None else "py3"


def _compat(context: ProjectContext) -> Callable[[Python], str]:
    """The ``<python>-<abi>`` part of the tag of the wheel ``context`` builds for an
    interpreter of this machine."""
    from buildrs.wheel.tag import wheel_tag

    def compat(python: Python) -> str:
        tag = wheel_tag(context.plan(python), python, context.environ)
        return f"{tag.interpreter}-{tag.abi}"

    return compat


def _interpreters_for(pythons: Pythons, environ: Mapping[str, str]) -> list[Python]:
    """The interpreters of the versions asked for, found on PATH and among pyenv's;
    this one where no version is asked for."""
    from buildrs.plan.interpreter import find_all

    if not pythons or pythons == ABI3:
        return [running()]
    found = [p for p in find_all(environ) if p.version in pythons and not p.free_threaded]
    return found or [running()]
