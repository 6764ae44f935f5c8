"""The release matrix as pure logic: ``[tool.buildrs.release]`` read and checked, the
cells a matrix makes of targets, versions and interpreters, which targets link
through zig, and the table a run prints. Built for real in ``test_release.py``."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from buildrs import folders
from buildrs.cli.release import Imports, links_through_zig
from buildrs.cli.release_matrix import (
    Cell,
    Outcome,
    matrix_cells,
    runner_for,
    split_interpreters,
    table,
)
from buildrs.config.release import ReleaseMatrix, read_release
from buildrs.errors import ConfigError
from buildrs.plan.interpreter import Python
from buildrs.plan.platform import runs_code_of
from buildrs.plan.toolchain import configured_linker

HOST = "x86_64-unknown-linux-gnu"
ARM = "aarch64-unknown-linux-gnu"
WIN = "x86_64-pc-windows-gnu"


def python(version: tuple[int, int], implementation: str = "cpython", t: bool = False) -> Python:
    return Python(
        executable=f"/usr/bin/{implementation}{version[0]}.{version[1]}{'t' if t else ''}",
        base="/usr/bin",
        implementation=implementation,
        version=version,
        ext_suffix=".so",
        soabi="",
        platform="linux-x86_64",
        sys_platform="linux",
        free_threaded=t,
    )


PY311, PY312, PY313T, PY315, PYPY = (
    python((3, 11)),
    python((3, 12)),
    python((3, 13), t=True),
    python((3, 15)),
    python((3, 10), "pypy"),
)
PLANNER = python((3, 11))


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ({}, ReleaseMatrix()),
        ({"targets": [ARM, WIN]}, ReleaseMatrix(targets=(ARM, WIN))),
        ({"pythons": ["3.11", "cp312"]}, ReleaseMatrix(pythons=((3, 11), (3, 12)))),
        (
            {"pythons": "abi3", "targets": ["universal2-apple-darwin"]},
            ReleaseMatrix(("universal2-apple-darwin",), "abi3"),
        ),
    ],
)
def test_release_table_is_read(table: dict[str, object], expected: ReleaseMatrix) -> None:
    assert read_release(table) == expected


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            {"target": [ARM]},
            "[tool.buildrs.release]: unknown key 'target' — did you mean 'targets'?",
        ),
        ({"targets": ARM}, "[tool.buildrs.release] targets: expected a list of strings"),
        ({"targets": ["aarch64"]}, "'aarch64' is not a target triple"),
        ({"targets": [ARM, ARM]}, "a triple is listed twice"),
        ({"pythons": "3.11"}, 'expected "abi3" or a list of versions'),
        ({"pythons": ["3.11", "311"]}, "a version is listed twice"),
        ({"pythons": ["eleven"]}, "expected a Python version like 'cp39'"),
        ("abi3", "[tool.buildrs.release] must be a table"),
    ],
)
def test_bad_release_tables_name_the_key(table: object, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        read_release(table)
    assert message in str(error.value)
    assert str(error.value).startswith("pyproject.toml: [tool.buildrs.release]")


def compat(shared: str | None) -> Callable[[Python], str]:
    """The start of the tag each interpreter's wheel gets, as ``wheel.tag`` gives it
    for a crate with pyo3's abi3-py39 and abi3t-py315 features (``shared="abi3"``)."""

    def start(p: Python) -> str:
        if shared == "py3":
            return "py3-none"
        own = f"{p.implementation[:2]}{p.version[0]}{p.version[1]}"
        if shared is None or p.implementation != "cpython":
            return f"{own}-{own}{'t' if p.free_threaded else ''}"
        if p.version >= (3, 15):
            return "cp39-abi3.abi3t"
        return f"{own}-{own}t" if p.free_threaded else "cp39-abi3"

    return start


def cells(
    targets: list[str], pythons: object, interpreters: list[Python], abi3: bool | str
) -> list[tuple[str | None, str]]:
    shared = "abi3" if abi3 is True else (abi3 or None)
    made, failed = matrix_cells(
        targets,
        pythons,  # type: ignore[arg-type]
        interpreters,
        shared,
        HOST,
        PLANNER,
        compat(shared),
    )
    return [(c.target, c.python_label) for c in made] + [
        (o.cell.target, f"failed: {o.error}") for o in failed
    ]


@pytest.mark.parametrize(
    ("targets", "pythons", "interpreters", "abi3", "expected"),
    [
        # nothing asked: this machine, every interpreter given
        ([], (), [PY311, PY312], False, [(None, "cpython3.11"), (None, "cpython3.12")]),
        # the host's triple is this machine; another target gets each CPython version
        (
            [HOST, ARM],
            (),
            [PY311, PY312, PYPY],
            False,
            [
                (None, "cpython3.11"),
                (None, "cpython3.12"),
                (None, "pypy3.10"),
                (ARM, "cpython3.11"),
                (ARM, "cpython3.12"),
            ],
        ),
        # free-threaded interpreters build here only
        ([ARM], (), [PY311, PY313T], False, [(ARM, "cpython3.11"), (ARM, "cpython3.13")]),
        # versions asked for: other targets need no interpreter; this machine does
        (
            [HOST, ARM],
            ((3, 11), (3, 13)),
            [PY311],
            False,
            [
                (None, "cpython3.11"),
                (ARM, "cpython3.11"),
                (ARM, "cpython3.13"),
                (None, "failed: no CPython 3.13 here; give its interpreter with -i"),
            ],
        ),
        # every module abi3: one wheel per target, built here by the first CPython
        (
            [HOST, ARM, WIN],
            (),
            [PY312, PY311],
            True,
            [(None, "abi3"), (ARM, "abi3"), (WIN, "abi3")],
        ),
        # here, one wheel per tag: abi3, abi3t on 3.15, and PyPy's and a free-threaded
        # CPython's own, as `wheels` builds them
        (
            [HOST, ARM],
            (),
            [PYPY, PY312, PY313T, PY311, PY315],
            True,
            [
                (None, "pypy3.10"),
                (None, "abi3"),
                (None, "cpython3.13t"),
                (None, "abi3t"),
                (ARM, "abi3"),
            ],
        ),
        # versions asked for: only their interpreters here
        (
            [HOST],
            ((3, 12), (3, 15)),
            [PY311, PY312, PY315],
            True,
            [(None, "abi3"), (None, "abi3t")],
        ),
        ([ARM], "abi3", [], True, [(ARM, "abi3")]),
        # nothing for one Python version (binaries, C-ABI libraries): py3, one per target
        ([HOST, ARM], (), [PY311, PY312], "py3", [(None, "py3"), (ARM, "py3")]),
    ],
)
def test_matrix_cells(
    targets: list[str],
    pythons: object,
    interpreters: list[Python],
    abi3: bool | str,
    expected: list[tuple[str | None, str]],
) -> None:
    assert cells(targets, pythons, interpreters, abi3) == expected


def test_abi3_asked_of_a_version_specific_project_is_refused() -> None:
    with pytest.raises(
        ConfigError, match=r'pythons = "abi3", but a module is built for one Python version'
    ):
        matrix_cells([ARM], "abi3", [PY311], None, HOST, PLANNER, compat(None))


def test_other_targets_are_planned_by_the_planner_for_the_version_asked() -> None:
    made, _ = matrix_cells([ARM], ((3, 9),), [PY311], None, HOST, PLANNER, compat(None))
    assert made == [Cell(ARM, PLANNER, (3, 9))]


@pytest.mark.parametrize(
    ("triple", "environ", "config", "zig"),
    [
        (ARM, {}, "", True),
        (
            ARM,
            {"CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER": "aarch64-linux-gnu-gcc"},
            "",
            False,
        ),
        (ARM, {}, f'[target.{ARM}]\nlinker = "aarch64-linux-gnu-gcc"\n', False),
        (WIN, {}, f'[target.{ARM}]\nlinker = "aarch64-linux-gnu-gcc"\n', True),
        ("aarch64-apple-darwin", {}, "", True),
        (
            "x86_64-pc-windows-msvc",
            {"CARGO_TARGET_X86_64_PC_WINDOWS_MSVC_LINKER": "lld-link"},
            "",
            False,
        ),
    ],
)
def test_targets_without_a_linker_link_through_zig(
    tmp_path: Path, triple: str, environ: dict[str, str], config: str, zig: bool
) -> None:
    project = tmp_path / "project"
    (project / ".cargo").mkdir(parents=True)
    if config:
        (project / ".cargo" / "config.toml").write_text(config)
    env = {"CARGO_HOME": str(tmp_path / "home"), **environ}
    assert links_through_zig(triple, project, env, zig=False) is zig
    assert (configured_linker(triple, project, env) is None) is zig


def test_msvc_without_a_linker_is_refused_with_the_variable_to_set(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="set CARGO_TARGET_X86_64_PC_WINDOWS_MSVC_LINKER"):
        links_through_zig(
            "x86_64-pc-windows-msvc", tmp_path, {"CARGO_HOME": str(tmp_path)}, zig=False
        )


def test_table_has_a_row_per_cell(tmp_path: Path) -> None:
    wheel = tmp_path / "demo-0.1.0-cp39-abi3-linux_aarch64.whl"
    wheel.write_bytes(b"x" * 2048)
    rows = [
        Outcome(Cell(ARM, PLANNER, shared="abi3"), ARM, wheel, "checked from the file"),
        Outcome(Cell(WIN, PLANNER, shared="abi3"), WIN, error="no standard library\nmore"),
    ]
    lines = table(rows).splitlines()
    assert [re.split(r"\s{2,}", line) for line in lines] == [
        ["target", "python", "wheel", "size", "verified"],
        [ARM, "abi3", "demo-0.1.0-cp39-abi3-linux_aarch64.whl", "2 KiB", "checked from the file"],
        [WIN, "abi3", "-", "-", "FAILED (why: below)"],
    ]
    for column in ("python", "wheel", "size", "verified"):  # aligned
        at = lines[0].index(column)
        assert all(line[at - 2 : at] == "  " and line[at] != " " for line in lines)
    assert rows[1].as_json() == {
        "target": WIN,
        "this_machine": False,
        "python": "abi3",
        "wheel": None,
        "size": None,
        "verified": None,
        "error": "no standard library\nmore",
    }


def test_each_version_reaches_pyo3_and_a_lib_dir_of_another_is_refused(tmp_path: Path) -> None:
    from buildrs.plan.context import ProjectContext

    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "1"\n')
    context = ProjectContext.load(tmp_path, environ={"PYO3_CROSS_PYTHON_VERSION": "3.9"})
    cell = context.for_target(ARM, (3, 12), zig=True)
    assert cell.environ["PYO3_CROSS_PYTHON_VERSION"] == "3.12"
    assert (cell.settings.target, cell.settings.zig) == (ARM, True)
    assert context.for_target(ARM, None, zig=False).environ == context.environ  # abi3
    lib = tmp_path / "lib" / "python3.11"
    lib.mkdir(parents=True)
    (lib / "_sysconfigdata__linux_aarch64-linux-gnu.py").write_text(
        "build_time_vars = {'VERSION': '3.11', 'EXT_SUFFIX': '.cpython-311-aarch64-linux-gnu.so'}\n"
    )
    given = ProjectContext.load(tmp_path, environ={"PYO3_CROSS_LIB_DIR": str(lib)})
    assert "PYO3_CROSS_PYTHON_VERSION" not in given.for_target(ARM, (3, 11), zig=True).environ
    with pytest.raises(ConfigError, match=r"PYO3_CROSS_LIB_DIR=.* holds CPython 3.11's files"):
        given.for_target(ARM, (3, 12), zig=True)


def foreign(platform: str, ext_suffix: str, sys_platform: str = "linux") -> Python:
    return replace(
        PY311,
        executable=f"/opt/{platform}/python3.11",
        platform=platform,
        ext_suffix=ext_suffix,
        sys_platform=sys_platform,
    )


ARM64_PY = foreign("linux-aarch64", ".cpython-311-aarch64-linux-gnu.so")
MUSL_ARM64_PY = foreign("linux-aarch64", ".cpython-311-aarch64-linux-musl.so")


@pytest.mark.parametrize(
    ("python", "triple", "runs"),
    [
        (ARM64_PY, ARM, True),
        (ARM64_PY, "aarch64-unknown-linux-musl", False),
        (MUSL_ARM64_PY, "aarch64-unknown-linux-musl", True),
        (ARM64_PY, HOST, False),
        (ARM64_PY, "aarch64-apple-darwin", False),
        (PY311, HOST, True),
    ],
)
def test_which_interpreter_imports_a_targets_wheels(
    python: Python, triple: str, runs: bool
) -> None:
    assert runs_code_of(triple, python) is runs


@pytest.mark.parametrize(
    ("interpreters", "targets", "expected"),
    [
        ([PY311, ARM64_PY], [HOST, ARM], ([PY311], [ARM64_PY])),
        ([ARM64_PY], [ARM], ([], [ARM64_PY])),
        (
            [PY311, ARM64_PY],
            [HOST],
            "wheels: /opt/linux-aarch64/python3.11 is a Python of aarch64-unknown-linux-gnu, "
            "which is not a target of the release; add --target aarch64-unknown-linux-gnu",
        ),
        (
            [MUSL_ARM64_PY],
            [ARM],
            "is a Python of aarch64-unknown-linux-musl, which is not a target of the release; "
            "add --target aarch64-unknown-linux-musl",
        ),
        (
            [foreign("win-arm64", ".cp311-win_arm64.pyd", "win32")],
            [ARM],
            "is a Python of win-arm64; only Linux interpreters of other architectures",
        ),
    ],
)
def test_interpreters_of_other_machines_import_their_targets_wheels(
    interpreters: list[Python], targets: list[str], expected: object
) -> None:
    if isinstance(expected, str):
        with pytest.raises(ConfigError) as error:
            split_interpreters(interpreters, targets)
        assert expected in str(error.value)
    else:
        assert split_interpreters(interpreters, targets) == expected


ARM64_313 = replace(ARM64_PY, version=(3, 13), executable="/opt/arm/python3.13")
ARM64_313T = replace(ARM64_313, free_threaded=True, executable="/opt/arm/python3.13t")


@pytest.mark.parametrize(
    ("cell", "floor", "runners", "expected"),
    [
        (Cell(ARM, PLANNER, (3, 11)), None, [ARM64_313, ARM64_PY], ARM64_PY),
        (Cell(ARM, PLANNER, (3, 12)), None, [ARM64_313, ARM64_PY], None),
        (Cell(ARM, PLANNER, (3, 13)), None, [ARM64_313T], None),
        (Cell(ARM, PLANNER, shared="abi3"), (3, 9), [ARM64_313T, ARM64_313], ARM64_313),
        (Cell(ARM, PLANNER, shared="abi3"), (3, 12), [ARM64_PY], None),
        (Cell(ARM, PLANNER, shared="py3"), None, [ARM64_PY], ARM64_PY),
        (Cell("aarch64-unknown-linux-musl", PLANNER, (3, 11)), None, [ARM64_PY], None),
        (Cell(WIN, PLANNER, (3, 11)), None, [ARM64_PY], None),
    ],
)
def test_which_interpreter_imports_a_cells_wheel(
    cell: Cell, floor: tuple[int, int] | None, runners: list[Python], expected: Python | None
) -> None:
    assert runner_for(cell, runners, floor) == expected


def test_an_import_is_remembered_only_for_the_same_wheel_interpreter_and_modules(
    tmp_path: Path,
) -> None:
    wheel = tmp_path / "demo.whl"
    wheel.write_bytes(b"the wheel")
    interpreter = tmp_path / "python3.11"
    interpreter.write_bytes(b"")
    other = tmp_path / "python3.12"
    other.write_bytes(b"")
    py311 = replace(PY311, executable=str(interpreter))
    py312 = replace(PY312, executable=str(other))
    project = tmp_path / "project"

    first = Imports(project)
    key = Imports.key(wheel, py311, ["demo._native"])
    assert not first.seen(key)
    first.passed(key)
    first.save()
    assert Imports(project).seen(key)

    def rewritten() -> str:
        wheel.write_bytes(b"another wheel")
        return Imports.key(wheel, py311, ["demo._native"])

    def reinstalled() -> str:
        os.utime(interpreter, ns=(1, 1))
        return Imports.key(wheel, py311, ["demo._native"])

    changes: list[Callable[[], str]] = [
        lambda: Imports.key(wheel, py312, ["demo._native"]),
        lambda: Imports.key(wheel, py311, ["demo._native", "demo._other"]),
        rewritten,
        reinstalled,
    ]
    for changed in changes:
        assert not Imports(project).seen(changed())

    # What a run did not see again is forgotten; a broken memo is an empty one.
    later = Imports(project)
    later.passed("another")
    later.save()
    assert not Imports(project).seen(key)
    Path(folders.imported(project)).write_text("{", encoding="utf-8")
    assert not Imports(project).seen("another")
