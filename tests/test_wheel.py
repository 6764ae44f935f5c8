"""The last check before a wheel is written: its modules against its tag, and its
declared targets against its files. Pure logic, table-driven."""

from __future__ import annotations

import pytest

from buildrs.plugin.wheel import check_wheel_files, module_abi

LINUX_311 = "pkg/_native.cpython-311-x86_64-linux-gnu.so"
LINUX_312 = "pkg/_native.cpython-312-x86_64-linux-gnu.so"
FREE_313 = "pkg/_native.cpython-313t-x86_64-linux-gnu.so"
ABI3 = "pkg/_native.abi3.so"
WIN_311 = "pkg/_native.cp311-win_amd64.pyd"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (LINUX_311, ("cp", (3, 11))),
        (FREE_313, ("cpt", (3, 13))),
        (ABI3, ("abi3", None)),
        (WIN_311, ("cp", (3, 11))),
        ("pkg/_native.pyd", ("abi3", None)),
        ("pkg/_native.pypy310-pp73-x86_64-linux-gnu.so", ("other", None)),
        ("pkg/libhelper.so", ("", None)),
        ("pkg/data.txt", ("", None)),
    ],
)
def test_module_abi(name: str, expected: tuple[str, tuple[int, int] | None]) -> None:
    assert module_abi(name) == expected


CP311 = ("cp311", "cp311", "linux_x86_64")
CP39_ABI3 = ("cp39", "abi3", "linux_x86_64")
PURE = ("py3", "none", "linux_x86_64")


@pytest.mark.parametrize(
    ("files", "tag", "floors", "problem"),
    [
        ([LINUX_311], CP311, {LINUX_311: None}, None),
        ([ABI3], CP39_ABI3, {ABI3: (3, 9)}, None),
        ([ABI3], CP311, {ABI3: (3, 9)}, None),  # an abi3 module runs on 3.11 too
        ([ABI3, "pkg/libhelper.so"], CP39_ABI3, {ABI3: (3, 8)}, None),
        (
            [LINUX_311],
            CP39_ABI3,
            {LINUX_311: None},
            f"{LINUX_311} is built for one Python version only, but the wheel is tagged "
            "cp39-abi3-linux_x86_64",
        ),
        (
            [ABI3],
            CP39_ABI3,
            {ABI3: (3, 11)},
            f"{ABI3} needs the stable ABI of Python 3.11 or newer, but the wheel is tagged "
            "cp39-abi3-linux_x86_64",
        ),
        (
            [ABI3],
            CP311,
            {ABI3: (3, 12)},
            f"{ABI3} needs the stable ABI of Python 3.12 or newer",
        ),
        (
            [LINUX_312],
            CP311,
            {},
            f"{LINUX_312} is built for Python 3.12 but the wheel is tagged cp311-cp311-",
        ),
        (
            [LINUX_311],
            PURE,
            {},
            f"{LINUX_311} is an extension module, but the wheel is tagged py3-none-",
        ),
    ],
)
def test_modules_against_the_tag(
    files: list[str],
    tag: tuple[str, str, str],
    floors: dict[str, tuple[int, int] | None],
    problem: str | None,
) -> None:
    problems = check_wheel_files(files, tag, floors, [])
    if problem is None:
        assert problems == []
    else:
        assert len(problems) == 1 and problems[0].startswith(problem), problems


def test_a_declared_target_must_be_in_the_wheel() -> None:
    required = [
        (LINUX_311, "RustExtension('pkg._native')"),
        ("pkg-0.1.0.data/scripts/tool", "RustBin('tool')"),
    ]
    problems = check_wheel_files(["pkg/__init__.py", LINUX_311], CP311, {}, required)
    assert problems == [
        "RustBin('tool') is declared but pkg-0.1.0.data/scripts/tool is not in the wheel "
        "(was it built in place?)"
    ]
