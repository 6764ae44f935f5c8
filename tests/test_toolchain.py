"""What a target's toolchain must hold, checked before cargo runs: the rust-objcopy
rustc strips macOS binaries with, where the profile strips. Run against the
system rustc (Debian's), given a sysroot that has the tool and one that lacks it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from buildrs.errors import ConfigError
from buildrs.plan.invocations import CargoInvocation
from buildrs.plan.make import check_objcopy, profile_strips
from buildrs.plan.platform import CrossPython, cross_platform
from buildrs.plan.toolchain import rustc_host, rustc_sysroot

MACOS = cross_platform("aarch64-apple-darwin", CrossPython((3, 12)), "/usr/bin/python3")
LINUX = cross_platform("aarch64-unknown-linux-gnu", CrossPython((3, 12)), "/usr/bin/python3")


def invocation(
    tmp_path: Path, profile: str, manifest: str = "", args: tuple[str, ...] = ()
) -> CargoInvocation:
    path = tmp_path / "Cargo.toml"
    path.write_text('[package]\nname = "demo"\nversion = "0.1.0"\n' + manifest)
    return CargoInvocation(args=args, env={}, manifest_path=path, targets=(), profile=profile)


STRIP_DEBUG = ("rustc", "--bin", "tool", "--", "-C", "strip=debuginfo")


@pytest.mark.parametrize(
    ("profile", "manifest", "environ", "args", "strips"),
    [
        ("release", "", {}, (), True),
        ("dev", "", {}, (), False),
        ("dist", '[profile.dist]\ninherits = "release"\n', {}, (), True),
        ("release", "[profile.release]\nstrip = false\n", {}, (), False),
        ("release", '[profile.release]\nstrip = "none"\n', {}, (), False),
        ("dev", '[profile.dev]\nstrip = "symbols"\n', {}, (), True),
        ("release", "", {"CARGO_PROFILE_RELEASE_STRIP": "false"}, (), False),
        (
            "release",
            "[profile.release]\nstrip = false\n",
            {"CARGO_PROFILE_RELEASE_STRIP": "debuginfo"},
            (),
            True,
        ),
        # a target's own strip (`strip = "Debug"` in [[tool.buildrs.bins]])
        ("dev", "", {}, STRIP_DEBUG, True),
        ("dev", "", {}, ("rustc", "--", "-C", "strip=none"), False),
    ],
)
def test_which_builds_strip(
    tmp_path: Path,
    profile: str,
    manifest: str,
    environ: dict[str, str],
    args: tuple[str, ...],
    strips: bool,
) -> None:
    assert profile_strips(invocation(tmp_path, profile, manifest, args), environ) is strips


@pytest.fixture
def rustc_with_sysroot(tmp_path: Path) -> tuple[Path, Path]:
    """The system rustc run with a sysroot of its own (a wrapper adds --sysroot):
    returns the wrapper and the folder rust-objcopy belongs in."""
    if not Path("/usr/bin/rustc").exists():
        pytest.skip("the system rustc is not installed (run .ci/cross-toolchains)")
    sysroot = tmp_path / "sysroot"
    bin_dir = sysroot / "lib" / "rustlib" / "x86_64-unknown-linux-gnu" / "bin"
    bin_dir.mkdir(parents=True)
    wrapper = tmp_path / "rustc"
    wrapper.write_text(f'#!/bin/sh\nexec /usr/bin/rustc --sysroot "{sysroot}" "$@"\n')
    wrapper.chmod(0o755)
    return wrapper, bin_dir


def test_a_missing_rust_objcopy_is_named_with_the_fix(
    tmp_path: Path, rustc_with_sysroot: tuple[Path, Path]
) -> None:
    if os.uname().machine != "x86_64":
        pytest.skip("the sysroot's layout is written for x86_64 here")
    rustc, bin_dir = rustc_with_sysroot
    environ = {"RUSTC": str(rustc)}
    release = [invocation(tmp_path, "release")]
    with pytest.raises(ConfigError) as error:
        check_objcopy(MACOS, release, environ)
    message = str(error.value)
    assert f"its sysroot lacks ({bin_dir}/rust-objcopy)" in message
    assert f'ln -s "$(command -v llvm-objcopy)" {bin_dir}/rust-objcopy' in message
    assert "CARGO_PROFILE_RELEASE_STRIP=false" in message
    check_objcopy(MACOS, [invocation(tmp_path, "dev")], environ)  # dev does not strip
    check_objcopy(LINUX, release, environ)  # only Mach-O files are stripped with it
    objcopy = shutil.which("llvm-objcopy")
    if objcopy is None:
        pytest.skip("llvm-objcopy is not installed (run .ci/cross-toolchains)")
    (bin_dir / "rust-objcopy").symlink_to(objcopy)
    check_objcopy(MACOS, release, environ)


@pytest.mark.parametrize("knows_host_tuple", [True, False])
def test_rustcs_sysroot_and_host_with_or_without_host_tuple(
    tmp_path: Path, rustc_with_sysroot: tuple[Path, Path], knows_host_tuple: bool
) -> None:
    """One run asks a rustc that prints its host tuple (Rust 1.84 and later) for
    both; one older than that is asked with `-vV` and `--print sysroot`."""
    rustc, _ = rustc_with_sysroot
    if not knows_host_tuple:
        older = tmp_path / "rustc-1.83"
        older.write_text(
            "#!/bin/sh\n"
            'for arg in "$@"; do [ "$arg" = host-tuple ] && '
            "echo 'error: unknown print request: `host-tuple`' >&2 && exit 1; done\n"
            f'exec {rustc} "$@"\n'
        )
        older.chmod(0o755)
        rustc = older
    machine = {"x86_64": "x86_64", "aarch64": "aarch64"}.get(os.uname().machine)
    if machine is None:
        pytest.skip("the host triple is written for x86_64 and aarch64 Linux here")
    environ = {"RUSTC": str(rustc)}
    assert rustc_sysroot(environ) == str(tmp_path / "sysroot")
    assert rustc_host(environ) == f"{machine}-unknown-linux-gnu"
