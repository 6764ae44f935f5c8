"""Golden table of cross builds: for each target, the exact cargo argv and the
variables added, the file picked from what cargo reports, the installed name and
the wheel platform tag (checked against the tags pip accepts), all from pure code.
Also the universal2 fat-file writer, read back slice by slice."""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from packaging import tags
from test_plan import JSON, MANIFEST, crate, ext, rust_bin

from buildrs.binfmt import macho
from buildrs.compile import cargo
from buildrs.compile.artifacts import merge_universal
from buildrs.config.settings import BuildSettings
from buildrs.errors import ArtifactError
from buildrs.plan.invocations import CargoInvocation, plan
from buildrs.plan.platform import CrossPython, cross_platform, cross_python

PYTHON = "/usr/bin/python3.12"
HEAD = ["rustc", "--lib", JSON, "--manifest-path", str(MANIFEST), "--release"]
PYO3_ENV = {"PYO3_PYTHON": PYTHON, "PYO3_BUILD_EXTENSION_MODULE": "1"}
MUSL_BIN_FLAGS = "target.x86_64-unknown-linux-musl.rustflags=[{}]"
MAC_LINK = ["-C", "link-arg=-undefined", "-C", "link-arg=dynamic_lookup", "-C"]


@dataclass
class Row:
    triple: str
    argv: list[str]
    reported: list[str]
    """The files cargo's compiler-artifact message lists for the cdylib."""
    artifact: str
    installed: str
    wheel_platform: str
    env: dict[str, str] = field(default_factory=lambda: dict(PYO3_ENV))
    environ: dict[str, str] = field(default_factory=dict)
    rustc_flags: tuple[str, ...] = ()
    zig_glibc: str | None = None
    tool: str = "cargo"


def cdylib(triple: str, *tail: str) -> list[str]:
    return [*HEAD, "--target", triple, "--crate-type", "cdylib", *tail]


def mac_flags(installed: str) -> list[str]:
    return ["--", *MAC_LINK, f"link-args=-Wl,-install_name,@rpath/{installed}"]


ROWS = {
    "linux-x86_64-gnu": Row(
        "x86_64-unknown-linux-gnu",
        cdylib("x86_64-unknown-linux-gnu"),
        ["lib_native.so"],
        "lib_native.so",
        "_native.cpython-312-x86_64-linux-gnu.so",
        "linux_x86_64",
    ),
    "linux-x86_64-gnu-zig-manylinux2014": Row(
        "x86_64-unknown-linux-gnu",
        [*HEAD, "--target", "x86_64-unknown-linux-gnu.2.17", "--crate-type", "cdylib"],
        ["lib_native.so"],
        "lib_native.so",
        "_native.cpython-312-x86_64-linux-gnu.so",
        "manylinux_2_17_x86_64.manylinux2014_x86_64",
        zig_glibc="2.17",
        tool="cargo-zigbuild",
    ),
    "linux-aarch64-gnu-zig-2.28": Row(
        "aarch64-unknown-linux-gnu",
        [*HEAD, "--target", "aarch64-unknown-linux-gnu.2.28", "--crate-type", "cdylib"],
        ["lib_native.so"],
        "lib_native.so",
        "_native.cpython-312-aarch64-linux-gnu.so",
        "manylinux_2_28_aarch64",
        zig_glibc="2.28",
        tool="cargo-zigbuild",
    ),
    "linux-aarch64-gnu": Row(
        "aarch64-unknown-linux-gnu",
        cdylib("aarch64-unknown-linux-gnu"),
        ["lib_native.so"],
        "lib_native.so",
        "_native.cpython-312-aarch64-linux-gnu.so",
        "linux_aarch64",
    ),
    "linux-x86_64-musl-keeps-user-flags": Row(
        "x86_64-unknown-linux-musl",
        [
            "rustc",
            "--config",
            'target.x86_64-unknown-linux-musl.rustflags=["-C", "target-feature=-crt-static"]',
            *cdylib("x86_64-unknown-linux-musl", "--", "-Copt-level=3")[1:],
        ],
        ["lib_native.so"],
        "lib_native.so",
        "_native.cpython-312-x86_64-linux-musl.so",
        "musllinux_1_2_x86_64",
        rustc_flags=("-Copt-level=3",),
    ),
    "linux-x86_64-musl-user-crt-static-wins": Row(
        "x86_64-unknown-linux-musl",
        cdylib("x86_64-unknown-linux-musl", "--", "-C", "target-feature=+crt-static"),
        ["lib_native.so"],
        "lib_native.so",
        "_native.cpython-312-x86_64-linux-musl.so",
        "musllinux_1_2_x86_64",
        rustc_flags=("-C", "target-feature=+crt-static"),
    ),
    "macos-x86_64": Row(
        "x86_64-apple-darwin",
        cdylib("x86_64-apple-darwin", *mac_flags("_native.cpython-312-darwin.so")),
        ["lib_native.dylib"],
        "lib_native.dylib",
        "_native.cpython-312-darwin.so",
        "macosx_10_12_x86_64",
        # Always given: zig, left to itself, would record its own newest macOS.
        env={**PYO3_ENV, "MACOSX_DEPLOYMENT_TARGET": "10.12"},
    ),
    "macos-arm64-old-deployment-target-raised-to-11": Row(
        "aarch64-apple-darwin",
        cdylib("aarch64-apple-darwin", *mac_flags("_native.cpython-312-darwin.so")),
        ["lib_native.dylib"],
        "lib_native.dylib",
        "_native.cpython-312-darwin.so",
        "macosx_11_0_arm64",
        # The linker gets the floor the tag names, not the 10.12 asked for.
        env={**PYO3_ENV, "MACOSX_DEPLOYMENT_TARGET": "11.0"},
        environ={"MACOSX_DEPLOYMENT_TARGET": "10.12"},
    ),
    "macos-arm64-13.4": Row(
        "aarch64-apple-darwin",
        cdylib("aarch64-apple-darwin", *mac_flags("_native.cpython-312-darwin.so")),
        ["lib_native.dylib"],
        "lib_native.dylib",
        "_native.cpython-312-darwin.so",
        "macosx_13_0_arm64",
        env={**PYO3_ENV, "MACOSX_DEPLOYMENT_TARGET": "13.4"},
        environ={"MACOSX_DEPLOYMENT_TARGET": "13.4"},
    ),
    "windows-amd64-msvc": Row(
        "x86_64-pc-windows-msvc",
        cdylib("x86_64-pc-windows-msvc"),
        ["_native.dll", "_native.dll.lib", "_native.dll.exp", "_native.pdb"],
        "_native.dll",
        "_native.cp312-win_amd64.pyd",
        "win_amd64",
    ),
    "windows-x86-msvc": Row(
        "i686-pc-windows-msvc",
        cdylib("i686-pc-windows-msvc"),
        ["_native.dll", "_native.dll.lib", "_native.pdb"],
        "_native.dll",
        "_native.cp312-win32.pyd",
        "win32",
    ),
    "windows-arm64-msvc": Row(
        "aarch64-pc-windows-msvc",
        cdylib("aarch64-pc-windows-msvc"),
        ["_native.dll", "_native.dll.lib", "_native.pdb"],
        "_native.dll",
        "_native.cp312-win_arm64.pyd",
        "win_arm64",
    ),
    "windows-amd64-gnu": Row(
        "x86_64-pc-windows-gnu",
        cdylib("x86_64-pc-windows-gnu"),
        ["_native.dll", "lib_native.dll.a"],
        "_native.dll",
        "_native.cp312-win_amd64.pyd",
        "win_amd64",
    ),
    "pyo3-cross-variables-name-the-python": Row(
        "aarch64-unknown-linux-gnu",
        cdylib("aarch64-unknown-linux-gnu"),
        ["lib_native.so"],
        "lib_native.so",
        "_native.cpython-313-aarch64-linux-gnu.so",
        "linux_aarch64",
        environ={"PYO3_CROSS_PYTHON_VERSION": "3.13", "PYO3_CROSS_LIB_DIR": "/sysroot/lib"},
    ),
}


def artifact_message(files: list[str], triple: str) -> str:
    directory = f"/proj/target/{triple}/release"
    return json.dumps(
        {
            "reason": "compiler-artifact",
            "package_id": "path+file:///proj#demo@0.1.0",
            "manifest_path": str(MANIFEST),
            "target": {"name": "_native", "crate_types": ["cdylib"]},
            "filenames": [f"{directory}/{name}" for name in files],
            "executable": None,
            "fresh": False,
        }
    )


def accepted_by_pip(platform_tag: str) -> bool:
    """Whether some host of the tag's OS and architecture has it among its tags."""
    for tag in platform_tag.split("."):
        if tag.startswith("macosx_"):
            arch = tag.split("_", 3)[3]
            hosts = ["x86_64", "arm64"] if arch == "universal2" else [arch]
            if not any(tag in tags.mac_platforms((14, 0), host) for host in hosts):
                return False
        elif tag.startswith("manylinux_"):
            parts = tag.split("_")
            if not (parts[1] == "2" and int(parts[2]) >= 5):
                return False
    return True


@pytest.mark.parametrize("row", ROWS.values(), ids=ROWS.keys())
def test_cross_golden(row: Row) -> None:
    deployment = row.environ.get("MACOSX_DEPLOYMENT_TARGET")
    python = cross_python(row.environ, (3, 12))
    platform = cross_platform(row.triple, python, PYTHON, row.zig_glibc, deployment)
    settings = BuildSettings(zig=row.zig_glibc is not None, glibc=row.zig_glibc or "2.17")
    target = ext(rustc_flags=list(row.rustc_flags)) if row.rustc_flags else ext()
    (invocation,) = plan([target], {Path("Cargo.toml"): crate()}, platform, settings)
    argv, env = cargo.command_line(invocation, {})
    assert argv == row.argv
    assert env == row.env
    assert invocation.tool == row.tool
    # cargo clean never sees the glibc suffix zig takes.
    clean = list(invocation.clean_args)
    assert clean[clean.index("--target") + 1] == row.triple
    # The environment's own pyo3 cross settings reach cargo untouched.
    assert not set(invocation.unset_env) & {"PYO3_CROSS_LIB_DIR", "PYO3_CROSS_PYTHON_VERSION"}
    (planned,) = invocation.targets
    output = cargo.read_messages([artifact_message(row.reported, row.triple)])
    _, chosen = cargo.select_artifact(planned, output, platform)
    assert chosen.name == row.artifact
    assert planned.filename == row.installed
    assert platform.wheel_platform == row.wheel_platform
    assert accepted_by_pip(row.wheel_platform)


def test_universal2_builds_each_architecture_then_one_tag() -> None:
    platform = cross_platform("universal2-apple-darwin", CrossPython((3, 12)), PYTHON)
    invocations = plan([ext()], {Path("Cargo.toml"): crate()}, platform)
    installed = "_native.cpython-312-darwin.so"
    assert [(i.slice, list(i.args)) for i in invocations] == [
        ("x86_64", cdylib("x86_64-apple-darwin", *mac_flags(installed))),
        ("arm64", cdylib("aarch64-apple-darwin", *mac_flags(installed))),
    ]
    assert {t.filename for i in invocations for t in i.targets} == {installed}
    # Each architecture links for its own floor; the tag is the oldest of them.
    assert [i.env["MACOSX_DEPLOYMENT_TARGET"] for i in invocations] == ["10.12", "11.0"]
    assert platform.wheel_platform == "macosx_10_12_universal2"
    assert accepted_by_pip(platform.wheel_platform)


@pytest.mark.parametrize(
    ("environ", "argv_extra", "encoded"),
    [
        ({}, ["--config", 'target.x86_64-unknown-linux-musl.rustflags=["-C", "x"]'], None),
        ({"RUSTFLAGS": "-C opt-level=2"}, [], "-C\x1fopt-level=2\x1f-C\x1fx"),
        ({"CARGO_ENCODED_RUSTFLAGS": "-Cdebuginfo=1"}, [], "-Cdebuginfo=1\x1f-C\x1fx"),
        ({"CARGO_ENCODED_RUSTFLAGS": ""}, [], "-C\x1fx"),
    ],
    ids=["config-files-kept", "rustflags-kept", "encoded-kept", "encoded-empty"],
)
def test_target_flags_reach_cargo_without_replacing_the_users(
    environ: dict[str, str], argv_extra: list[str], encoded: str | None
) -> None:
    """cargo reads one source of rustc flags: CARGO_ENCODED_RUSTFLAGS, else RUSTFLAGS,
    else the config files. A target's own flags join whichever the user has."""
    invocation = CargoInvocation(
        args=("rustc", "--lib"),
        env={},
        manifest_path=MANIFEST,
        targets=(),
        triple="x86_64-unknown-linux-musl",
        target_rustflags=("-C", "x"),
    )
    argv, env = cargo.command_line(invocation, environ)
    assert argv == ["rustc", *argv_extra, "--lib"]
    assert env.get("CARGO_ENCODED_RUSTFLAGS") == encoded


def thin_macho(cputype: int, cpusubtype: int, body: bytes) -> bytes:
    return struct.pack("<IiI", 0xFEEDFACF, cputype, cpusubtype) + body


def test_fat_writer_lays_out_aligned_slices_that_read_back() -> None:
    x86 = thin_macho(macho.CPU_TYPE_X86_64, 3, b"x" * 5000)
    arm = thin_macho(macho.CPU_TYPE_ARM64, 0, b"a" * 300)
    fat = macho.write_fat([x86, arm])
    found = macho.slices(fat)
    assert [(s.cputype, s.cpusubtype, s.size, s.align) for s in found] == [
        (macho.CPU_TYPE_X86_64, 3, len(x86), 12),
        (macho.CPU_TYPE_ARM64, 0, len(arm), 14),
    ]
    assert [s.offset for s in found] == [4096, 16384]
    assert fat[4096 : 4096 + len(x86)] == x86
    assert fat[16384:] == arm


@pytest.mark.parametrize(
    ("images", "message"),
    [
        ([b"\x7fELF" + b"\0" * 20], "is not a thin Mach-O file"),
        ([b"\xcf\xfa"], "is too short to be a Mach-O file"),
        (
            [thin_macho(macho.CPU_TYPE_ARM64, 0, b""), thin_macho(macho.CPU_TYPE_ARM64, 0, b"")],
            "two are for the same CPU",
        ),
    ],
)
def test_fat_writer_rejects_what_it_cannot_merge(images: list[bytes], message: str) -> None:
    with pytest.raises(ArtifactError, match=message):
        macho.write_fat(images)


def test_merge_writes_the_fat_file_without_lipo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    parts = []
    for name, cputype in (("x86", macho.CPU_TYPE_X86_64), ("arm", macho.CPU_TYPE_ARM64)):
        path = tmp_path / name / "lib_native.dylib"
        path.parent.mkdir()
        path.write_bytes(thin_macho(cputype, 0, name.encode() * 10))
        parts.append(path)
    merged = merge_universal(parts, tmp_path / "universal2" / "lib_native.dylib")
    assert [s.cputype for s in macho.slices(merged.read_bytes())] == [
        macho.CPU_TYPE_X86_64,
        macho.CPU_TYPE_ARM64,
    ]


@pytest.mark.parametrize(
    ("zig", "flags", "config"),
    [
        # through zig: the start files of zig's musl (rustc's self-contained ones
        # are missing where cargo built the standard library itself)
        (True, (), ["--config", MUSL_BIN_FLAGS.format('"-C", "link-self-contained=no"')]),
        (True, ("-C", "link-self-contained=yes"), []),  # the user chose
        (False, (), []),  # the linker's own
    ],
)
def test_a_musl_binary_stays_static(zig: bool, flags: tuple[str, ...], config: list[str]) -> None:
    triple = "x86_64-unknown-linux-musl"
    platform = cross_platform(triple, CrossPython((3, 12)), PYTHON)
    settings = BuildSettings(zig=zig)
    target = rust_bin("tool", rustc_flags=list(flags))
    (invocation,) = plan([target], {Path("Cargo.toml"): crate(bins=("tool",))}, platform, settings)
    argv, _ = cargo.command_line(invocation, {})
    given = [argv[i : i + 2] for i, arg in enumerate(argv) if arg == "--config"]
    assert given == ([config] if config else [])
    assert not any("crt-static" in arg for arg in argv)
