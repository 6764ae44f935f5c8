"""Reading artifacts from cargo's JSON messages, per platform."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from buildrs import Binding
from buildrs.compile.cargo import read_messages, select_artifact
from buildrs.errors import ArtifactError
from buildrs.plan.invocations import PlannedTarget
from buildrs.plan.platform import Platform

MANIFEST = "/proj/Cargo.toml"
PKG = "path+file:///proj#demo@0.1.0"


def artifact(name: str, kinds: list[str], files: list[str], exe: str | None = None) -> str:
    return json.dumps(
        {
            "reason": "compiler-artifact",
            "package_id": PKG,
            "manifest_path": MANIFEST,
            "target": {"kind": kinds, "crate_types": kinds, "name": name},
            "filenames": files,
            "executable": exe,
            "fresh": False,
        }
    )


def platform(os_name: str) -> Platform:
    return Platform(os=os_name, ext_suffix=".so", python="python", python_version=(3, 11))


def lib_target() -> PlannedTarget:
    return PlannedTarget(
        "RustExtension('pkg._native')",
        "pkg._native",
        "cdylib",
        Binding.PyO3,
        "_native",
        Path(MANIFEST),
        "_native.so",
        package="pkg",
    )


@pytest.mark.parametrize(
    ("os_name", "files", "chosen"),
    [
        ("linux", ["/t/release/lib_native.so"], "/t/release/lib_native.so"),
        ("macos", ["/t/release/lib_native.dylib"], "/t/release/lib_native.dylib"),
        (
            "windows",
            ["/t/release/_native.dll.lib", "/t/release/_native.dll", "/t/release/_native.pdb"],
            "/t/release/_native.dll",
        ),
    ],
)
def test_cdylib_file_per_platform(os_name: str, files: list[str], chosen: str) -> None:
    lines = [
        "not json: printed by a build script",
        json.dumps({"reason": "build-script-executed", "package_id": PKG, "out_dir": "/t/out"}),
        artifact("pyo3", ["lib"], ["/t/libpyo3.rlib"]),
        artifact("_native", ["cdylib"], files),
        json.dumps({"reason": "build-finished", "success": True}),
    ]
    output = read_messages(lines, echo=False)
    assert output.success is True
    found, path = select_artifact(lib_target(), output, platform(os_name))
    assert path == Path(chosen)
    assert output.out_dir_of(found) == Path("/t/out")


def test_bin_uses_executable_field() -> None:
    output = read_messages(
        [artifact("wc", ["bin"], ["/t/release/wc.exe", "/t/release/wc.pdb"], "/t/release/wc.exe")]
    )
    target = PlannedTarget(
        "RustBin('wc')", "wc", "bin", Binding.Exec, "wc", Path(MANIFEST), "wc.exe", to_scripts=True
    )
    assert select_artifact(target, output, platform("windows"))[1] == Path("/t/release/wc.exe")


def test_missing_artifact_names_what_cargo_reported() -> None:
    output = read_messages([artifact("other", ["lib"], ["/t/libother.rlib"])])
    with pytest.raises(ArtifactError) as caught:
        select_artifact(lib_target(), output, platform("linux"))
    message = str(caught.value)
    assert "no cdylib artifact named '_native' for 'pkg._native'" in message
    assert "other (lib): /t/libother.rlib" in message
