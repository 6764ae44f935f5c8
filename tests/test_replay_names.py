"""How a wheel kept for one interpreter becomes another's (``buildrs.plugin.replay``):
which entries pair up, and the new file name and WHEEL tag."""

from __future__ import annotations

from pathlib import Path

import pytest

from buildrs.plugin import replay

KEPT = [
    "pkg/__init__.py",
    "pkg/_native.cpython-312-x86_64-linux-gnu.so",
    "pkg/_native.pyi",
    "pkg/_stable.abi3.so",
    "pkg-1.0.data/scripts/tool",
]


@pytest.mark.parametrize(
    ("built", "expected"),
    [
        (
            [
                "pkg/_native.cpython-313-x86_64-linux-gnu.so",
                "pkg/_native.pyi",
                "pkg/_stable.abi3.so",
                "pkg-1.0.data/scripts/tool",
            ],
            {KEPT[1]: "pkg/_native.cpython-313-x86_64-linux-gnu.so"},
        ),
        (  # the same interpreter: every name stays
            [
                "pkg/_native.cpython-312-x86_64-linux-gnu.so",
                "pkg/_native.pyi",
                "pkg/_stable.abi3.so",
                "pkg-1.0.data/scripts/tool",
            ],
            {},
        ),
        (["pkg/_native.cpython-313-x86_64-linux-gnu.so"], None),  # files went missing
        (  # a module the kept wheel does not have
            [
                "pkg/_native.cpython-313-x86_64-linux-gnu.so",
                "pkg/_native.pyi",
                "pkg/_stable.abi3.so",
                "pkg-1.0.data/scripts/tool",
                "pkg/_extra.cpython-313-x86_64-linux-gnu.so",
            ],
            None,
        ),
        (  # one module in another folder
            [
                "other/_native.cpython-313-x86_64-linux-gnu.so",
                "pkg/_native.pyi",
                "pkg/_stable.abi3.so",
                "pkg-1.0.data/scripts/tool",
            ],
            None,
        ),
    ],
)
def test_entries_pair_up_one_to_one(built: list[str], expected: dict[str, str] | None) -> None:
    entries = [name for name in KEPT if name != "pkg/__init__.py"]
    renames = replay._renames(entries, {name: Path(name) for name in built})
    if expected is None:
        assert renames is None
    else:
        assert renames == {**{name: name for name in entries}, **expected}


@pytest.mark.parametrize(
    ("kept", "tag", "expected"),
    [
        (
            "pkg-1.0-cp312-cp312-linux_x86_64.whl",
            ("cp313", "cp313"),
            "pkg-1.0-cp313-cp313-linux_x86_64.whl",
        ),
        (
            "pkg-1.0-1-cp39-cp39-linux_x86_64.whl",
            ("pp310", "pypy310_pp73"),
            "pkg-1.0-1-pp310-pypy310_pp73-linux_x86_64.whl",
        ),
        (
            "pkg-1.0-cp312-cp312-macosx_11_0_arm64.whl",
            ("cp313", "cp313t"),
            "pkg-1.0-cp313-cp313t-macosx_11_0_arm64.whl",
        ),
    ],
)
def test_the_file_name_takes_the_new_interpreter(
    kept: str, tag: tuple[str, str], expected: str
) -> None:
    assert replay._retagged(kept, tag) == expected


def test_the_wheel_file_takes_the_new_tag() -> None:
    old = b"Wheel-Version: 1.0\nGenerator: setuptools (80.9.0)\nRoot-Is-Purelib: false\n"
    old += b"Tag: cp312-cp312-linux_x86_64\n\n"
    new = replay._tagged(old, "pkg-1.0-cp312-cp312-linux_x86_64.whl", ("cp313", "cp313"))
    assert new == old.replace(b"Tag: cp312-cp312-", b"Tag: cp313-cp313-")
