"""Atomic installation and generated files."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from buildrs.compile.install import copy_generated, install_file, remove_stale_modules
from buildrs.errors import ArtifactError


def test_install_replaces_atomically_and_leaves_no_temp(tmp_path: Path) -> None:
    source = tmp_path / "lib_native.so"
    source.write_bytes(b"new")
    dest = tmp_path / "pkg" / "_native.so"
    dest.parent.mkdir()
    dest.write_bytes(b"old")
    held = dest.open("rb")  # a loaded module keeps its file
    install_file(source, dest)
    assert dest.read_bytes() == b"new"
    assert held.read() == b"old"
    held.close()
    assert sorted(p.name for p in dest.parent.iterdir()) == ["_native.so"]


def test_install_executable_mode(tmp_path: Path) -> None:
    source = tmp_path / "tool"
    source.write_bytes(b"#!")
    source.chmod(0o644)
    dest = install_file(source, tmp_path / "bin" / "tool", executable=True)
    assert os.access(dest, os.X_OK)


def test_failed_copy_keeps_old_file(tmp_path: Path) -> None:
    dest = tmp_path / "_native.so"
    dest.write_bytes(b"old")
    with pytest.raises(FileNotFoundError):
        install_file(tmp_path / "missing.so", dest)
    assert dest.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["_native.so"]


@pytest.mark.parametrize("blocker", ["folder-is-a-file", "destination-is-a-folder"])
def test_an_unwritable_destination_is_named_not_the_temporary_file(
    tmp_path: Path, blocker: str
) -> None:
    """The message names where the module was to go (the tests run as root, which
    permissions do not stop, so the destination is blocked by what is there)."""
    source = tmp_path / "lib_native.so"
    source.write_bytes(b"new")
    if blocker == "folder-is-a-file":
        (tmp_path / "pkg").write_text("not a folder")
    else:
        (tmp_path / "pkg" / "_native.so").mkdir(parents=True)
    dest = tmp_path / "pkg" / "_native.so"
    with pytest.raises(ArtifactError) as caught:
        install_file(source, dest)
    message = str(caught.value)
    assert message.startswith(f"cannot write {dest}: ")
    assert ".tmp" not in message
    assert not list(tmp_path.rglob("*.tmp"))


def test_copy_generated(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "schemas").mkdir(parents=True)
    (out / "version.txt").write_text("1.0")
    (out / "schemas" / "a.json").write_text("{}")
    root = tmp_path / "build"
    written = copy_generated(
        out, {"version.txt": "pkg", "schemas": "pkg.data"}, root, "RustExtension('pkg._native')"
    )
    assert sorted(p.relative_to(root).as_posix() for p in written) == [
        "pkg/data/schemas/a.json",
        "pkg/version.txt",
    ]
    with pytest.raises(
        ArtifactError, match=re.escape("'nope.txt' was not written by the build script")
    ):
        copy_generated(out, {"nope.txt": "pkg"}, root, "x")
    with pytest.raises(ArtifactError, match="there is no OUT_DIR"):
        copy_generated(None, {"version.txt": "pkg"}, root, "x")


def test_remove_stale_modules_keeps_everything_else(tmp_path: Path) -> None:
    names = [
        "_native.cpython-311-x86_64-linux-gnu.so",
        "_native.abi3.so",
        "_native.cp311-win_amd64.pyd",
        "_native.pyi",
        "_native_helpers.so",
        "other.abi3.so",
        "__init__.py",
    ]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    removed = remove_stale_modules(tmp_path / "_native.cpython-311-x86_64-linux-gnu.so")
    assert sorted(p.name for p in removed) == ["_native.abi3.so", "_native.cp311-win_amd64.pyd"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [
            "_native.cpython-311-x86_64-linux-gnu.so",
            "_native.pyi",
            "_native_helpers.so",
            "other.abi3.so",
            "__init__.py",
        ]
    )


def test_the_other_platforms_build_of_a_binary_is_removed(tmp_path: Path) -> None:
    from buildrs.compile.install import remove_other_binaries

    for name in ("tool", "tool.exe", "tool.txt", "toolbox"):
        (tmp_path / name).write_text(name)
    assert remove_other_binaries(tmp_path / "tool.exe") == [tmp_path / "tool"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tool.exe", "tool.txt", "toolbox"]
