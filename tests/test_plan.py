"""Golden tests of the planning stage: exact cargo argv, env additions and file
names for each platform, with the interpreter's values injected."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from buildrs import Binding, RustBin, RustExtension, Strip
from buildrs.config.manifest import CrateInfo, Dependency
from buildrs.config.settings import BuildSettings
from buildrs.config.targets import TargetSettings
from buildrs.errors import ConfigError, ManifestError
from buildrs.plan.invocations import plan
from buildrs.plan.platform import Platform

MANIFEST = Path("/proj/Cargo.toml")
JSON = "--message-format=json-render-diagnostics"

LINUX = Platform(
    os="linux",
    ext_suffix=".cpython-311-x86_64-linux-gnu.so",
    python="/usr/bin/python3.11",
    python_version=(3, 11),
)
MACOS_X86 = Platform(
    os="macos",
    ext_suffix=".cpython-311-darwin.so",
    python="/Library/Frameworks/Python.framework/Versions/3.11/bin/python3.11",
    python_version=(3, 11),
    macos_deployment_target="10.12",
)
MACOS_ARM64 = Platform(
    os="macos",
    ext_suffix=".cpython-312-darwin.so",
    python="/opt/homebrew/bin/python3.12",
    python_version=(3, 12),
    macos_deployment_target="11.0",
)
WINDOWS_MSVC = Platform(
    os="windows",
    ext_suffix=".cp311-win_amd64.pyd",
    python="C:\\Python311\\python.exe",
    python_version=(3, 11),
)
WINDOWS_GNU = Platform(
    os="windows",
    ext_suffix=".cp311-win_amd64.pyd",
    python="/usr/bin/python3.11",
    python_version=(3, 11),
    target="x86_64-pc-windows-gnu",
    wheel_platform="win_amd64",
)
LINUX_AARCH64 = Platform(
    os="linux",
    ext_suffix=".cpython-311-aarch64-linux-gnu.so",
    python="/usr/bin/python3.11",
    python_version=(3, 11),
    target="aarch64-unknown-linux-gnu",
    wheel_platform="linux_aarch64",
)


def crate(
    lib: str | None = "_native",
    pyo3: str | None = "0.30.1",
    pyo3_features: tuple[str, ...] = (),
    features: dict[str, tuple[str, ...]] | None = None,
    bins: tuple[str, ...] = (),
    cpython: bool = False,
) -> CrateInfo:
    deps = {}
    if pyo3 is not None:
        deps["pyo3"] = Dependency("pyo3", "pyo3", pyo3, pyo3_features, pyo3)
    if cpython:
        deps["cpython"] = Dependency("cpython", "cpython", "0.7", (), "0.7.2")
    return CrateInfo(
        manifest_path=MANIFEST,
        package_name="demo",
        lib_name=lib,
        crate_types=("cdylib",),
        bins=bins,
        features=features or {},
        dependencies=deps,
    )


def ext(target: str = "pkg._native", **kwargs: object) -> TargetSettings:
    return RustExtension(target, "Cargo.toml", **kwargs).settings[0]  # type: ignore[arg-type]


def rust_bin(name: str, **kwargs: object) -> TargetSettings:
    return RustBin(name, "Cargo.toml", **kwargs).settings[0]  # type: ignore[arg-type]


LIB_HEAD = ["rustc", "--lib", JSON, "--manifest-path", str(MANIFEST)]
PYO3_ENV = {"PYO3_BUILD_EXTENSION_MODULE": "1"}
MAC_LINK = [
    "-C",
    "link-arg=-undefined",
    "-C",
    "link-arg=dynamic_lookup",
    "-C",
]

CASES = [
    pytest.param(
        ext(),
        crate(),
        LINUX,
        BuildSettings(),
        [*LIB_HEAD, "--release", "--crate-type", "cdylib"],
        {"PYO3_PYTHON": "/usr/bin/python3.11", **PYO3_ENV},
        "_native.cpython-311-x86_64-linux-gnu.so",
        id="linux-pyo3-release",
    ),
    pytest.param(
        ext(),
        crate(),
        LINUX,
        BuildSettings(wheel_profile="dev"),
        [*LIB_HEAD, "--crate-type", "cdylib"],
        {"PYO3_PYTHON": "/usr/bin/python3.11", **PYO3_ENV},
        "_native.cpython-311-x86_64-linux-gnu.so",
        id="linux-inplace-dev",
    ),
    pytest.param(
        ext(debug=False),
        crate(),
        LINUX,
        BuildSettings(profile="bench-lto"),
        [*LIB_HEAD, "--profile", "bench-lto", "--crate-type", "cdylib"],
        {"PYO3_PYTHON": "/usr/bin/python3.11", **PYO3_ENV},
        "_native.cpython-311-x86_64-linux-gnu.so",
        id="linux-forced-custom-profile",
    ),
    pytest.param(
        ext(),
        crate(pyo3="0.22.6"),
        LINUX,
        BuildSettings(),
        [*LIB_HEAD, "--release", "--features", "pyo3/extension-module", "--crate-type", "cdylib"],
        {"PYO3_PYTHON": "/usr/bin/python3.11", **PYO3_ENV},
        "_native.cpython-311-x86_64-linux-gnu.so",
        id="linux-old-pyo3-gets-feature",
    ),
    pytest.param(
        ext(features=["simd", "fast"]),
        crate(pyo3="0.22.6", pyo3_features=("extension-module",)),
        LINUX,
        BuildSettings(cargo_args=("--locked",)),
        [*LIB_HEAD, "--release", "--features", "fast,simd", "--locked", "--crate-type", "cdylib"],
        {"PYO3_PYTHON": "/usr/bin/python3.11", **PYO3_ENV},
        "_native.cpython-311-x86_64-linux-gnu.so",
        id="linux-feature-already-enabled-sorted-features",
    ),
    pytest.param(
        ext(env={"RUSTFLAGS_EXTRA": "1", "PYO3_PYTHON": "/custom/python"}),
        crate(pyo3_features=("abi3-py39",)),
        LINUX,
        BuildSettings(),
        [*LIB_HEAD, "--release", "--crate-type", "cdylib"],
        {"PYO3_PYTHON": "/custom/python", **PYO3_ENV, "RUSTFLAGS_EXTRA": "1"},
        "_native.abi3.so",
        id="linux-abi3-and-user-env-wins",
    ),
    pytest.param(
        ext(strip=Strip.All, native=True, rustc_flags=["-Cdebuginfo=1"], quiet=True),
        crate(),
        LINUX,
        BuildSettings(),
        [
            *LIB_HEAD,
            "--release",
            "--quiet",
            "--crate-type",
            "cdylib",
            "--",
            "-Cdebuginfo=1",
            "-C",
            "target-cpu=native",
            "-C",
            "strip=symbols",
        ],
        {"PYO3_PYTHON": "/usr/bin/python3.11", **PYO3_ENV},
        "_native.cpython-311-x86_64-linux-gnu.so",
        id="linux-strip-native-rustc-flags",
    ),
    pytest.param(
        ext(),
        crate(),
        MACOS_X86,
        BuildSettings(),
        [
            *LIB_HEAD,
            "--release",
            "--crate-type",
            "cdylib",
            "--",
            *MAC_LINK,
            "link-args=-Wl,-install_name,@rpath/_native.cpython-311-darwin.so",
        ],
        {
            "PYO3_PYTHON": "/Library/Frameworks/Python.framework/Versions/3.11/bin/python3.11",
            **PYO3_ENV,
            "MACOSX_DEPLOYMENT_TARGET": "10.12",
        },
        "_native.cpython-311-darwin.so",
        id="macos-x86_64",
    ),
    pytest.param(
        ext(),
        crate(pyo3_features=("abi3-py310",)),
        MACOS_ARM64,
        BuildSettings(),
        [
            *LIB_HEAD,
            "--release",
            "--crate-type",
            "cdylib",
            "--",
            *MAC_LINK,
            "link-args=-Wl,-install_name,@rpath/_native.abi3.so",
        ],
        {
            "PYO3_PYTHON": "/opt/homebrew/bin/python3.12",
            **PYO3_ENV,
            "MACOSX_DEPLOYMENT_TARGET": "11.0",
        },
        "_native.abi3.so",
        id="macos-arm64-abi3",
    ),
    pytest.param(
        ext(),
        crate(),
        WINDOWS_MSVC,
        BuildSettings(),
        [*LIB_HEAD, "--release", "--crate-type", "cdylib"],
        {"PYO3_PYTHON": "C:\\Python311\\python.exe", **PYO3_ENV},
        "_native.cp311-win_amd64.pyd",
        id="windows-msvc",
    ),
    pytest.param(
        ext(),
        crate(pyo3_features=("abi3",)),
        WINDOWS_MSVC,
        BuildSettings(),
        [*LIB_HEAD, "--release", "--crate-type", "cdylib"],
        {"PYO3_PYTHON": "C:\\Python311\\python.exe", **PYO3_ENV},
        "_native.pyd",
        id="windows-msvc-abi3",
    ),
    pytest.param(
        ext(),
        crate(),
        WINDOWS_GNU,
        BuildSettings(),
        [
            *LIB_HEAD,
            "--release",
            "--target",
            "x86_64-pc-windows-gnu",
            "--crate-type",
            "cdylib",
        ],
        {"PYO3_PYTHON": "/usr/bin/python3.11", **PYO3_ENV},
        "_native.cp311-win_amd64.pyd",
        id="windows-gnu-cross",
    ),
    pytest.param(
        ext(),
        crate(),
        LINUX_AARCH64,
        BuildSettings(),
        [
            *LIB_HEAD,
            "--release",
            "--target",
            "aarch64-unknown-linux-gnu",
            "--crate-type",
            "cdylib",
        ],
        {"PYO3_PYTHON": "/usr/bin/python3.11", **PYO3_ENV},
        "_native.cpython-311-aarch64-linux-gnu.so",
        id="linux-aarch64-cross",
    ),
    pytest.param(
        ext("ffi_demo._ffi", binding=Binding.NoBinding),
        crate(lib="_ffi", pyo3=None),
        MACOS_X86,
        BuildSettings(),
        [*LIB_HEAD, "--release", "--crate-type", "cdylib"],
        {"MACOSX_DEPLOYMENT_TARGET": "10.12"},
        "_ffi.cpython-311-darwin.so",
        id="macos-nobinding-no-python-link-args",
    ),
    pytest.param(
        ext("cpy._native", binding=Binding.RustCPython),
        crate(pyo3=None, cpython=True),
        LINUX,
        BuildSettings(),
        [
            *LIB_HEAD,
            "--release",
            "--features",
            "cpython/extension-module",
            "--crate-type",
            "cdylib",
        ],
        {"PYTHON_SYS_EXECUTABLE": "/usr/bin/python3.11"},
        "_native.cpython-311-x86_64-linux-gnu.so",
        id="linux-rust-cpython",
    ),
    pytest.param(
        ext("pkg.tools.hello-world", binding=Binding.Exec),
        crate(bins=("hello-world",)),
        WINDOWS_MSVC,
        BuildSettings(),
        ["build", "--bin", "hello-world", JSON, "--manifest-path", str(MANIFEST), "--release"],
        {"PYO3_PYTHON": "C:\\Python311\\python.exe"},
        "hello-world.exe",
        id="windows-exec-in-package",
    ),
]


@pytest.mark.parametrize(
    ("target", "info", "platform", "options", "argv", "env", "filename"), CASES
)
def test_plan_golden(
    target: TargetSettings,
    info: CrateInfo,
    platform: Platform,
    options: BuildSettings,
    argv: list[str],
    env: dict[str, str],
    filename: str,
) -> None:
    (invocation,) = plan([target], {Path("Cargo.toml"): info}, platform, options)
    assert list(invocation.args) == argv
    assert dict(invocation.env) == env
    assert [t.filename for t in invocation.targets] == [filename]
    assert invocation.manifest_path == MANIFEST


def test_abi3_from_crate_feature_chain() -> None:
    """A crate feature (on by default) that turns on pyo3's abi3-py39 gives an abi3 module."""
    info = crate(features={"default": ("stable-abi",), "stable-abi": ("pyo3/abi3-py39",)})
    (invocation,) = plan([ext()], {Path("Cargo.toml"): info}, LINUX)
    assert invocation.targets[0].abi3 == (3, 9)
    assert invocation.targets[0].filename == "_native.abi3.so"
    no_default = ext(args=["--no-default-features"])
    (invocation,) = plan([no_default], {Path("Cargo.toml"): info}, LINUX)
    assert invocation.targets[0].abi3 is None


@pytest.mark.parametrize(
    ("setting", "pyo3_features", "expected", "added"),
    [
        ("auto", (), None, None),
        ("auto", ("abi3-py38", "abi3-py310"), (3, 8), None),
        (False, ("abi3-py39",), None, None),
        # Asking for abi3 turns pyo3's abi3 feature on: pyo3 builds what the name says.
        (True, (), (3, 11), "pyo3/abi3"),
        (True, ("abi3-py310",), (3, 10), None),
        ("cp37", (), (3, 7), "pyo3/abi3-py37"),
        # pyo3 builds for the lowest abi3-py3X feature that is on.
        ("py310", ("abi3-py39",), (3, 9), None),
        ("cp39", ("abi3-py311",), (3, 9), "pyo3/abi3-py39"),
    ],
)
def test_py_limited_api_setting(
    setting: object,
    pyo3_features: tuple[str, ...],
    expected: tuple[int, int] | None,
    added: str | None,
) -> None:
    info = crate(pyo3_features=pyo3_features)
    (invocation,) = plan([ext(py_limited_api=setting)], {Path("Cargo.toml"): info}, LINUX)
    assert invocation.targets[0].abi3 == expected
    args = list(invocation.args)
    features = args[args.index("--features") + 1].split(",") if "--features" in args else []
    assert features == ([added] if added else [])


def _interpreter(version: tuple[int, int], free_threaded: bool) -> Platform:
    tag = f"{version[0]}{version[1]}{'t' if free_threaded else ''}"
    suffix = f".cpython-{tag}-x86_64-linux-gnu.so"
    return replace(LINUX, python_version=version, free_threaded=free_threaded, ext_suffix=suffix)


@pytest.mark.parametrize(
    ("features", "version", "free_threaded", "filename", "floor", "abi3t"),
    [
        # abi3 and abi3t asked for together, as a crate serving every CPython would.
        (("abi3-py39", "abi3t-py315"), (3, 11), False, "_native.abi3.so", (3, 9), False),
        (("abi3-py39", "abi3t-py315"), (3, 14), False, "_native.abi3.so", (3, 9), False),
        (("abi3-py39", "abi3t-py315"), (3, 15), False, "_native.abi3t.so", (3, 15), True),
        (("abi3-py39", "abi3t-py315"), (3, 16), False, "_native.abi3t.so", (3, 15), True),
        (("abi3-py39", "abi3t-py315"), (3, 15), True, "_native.abi3t.so", (3, 15), True),
        # free-threaded builds before 3.15 have no stable ABI at all
        (
            ("abi3-py39", "abi3t-py315"),
            (3, 13),
            True,
            "_native.cpython-313t-x86_64-linux-gnu.so",
            None,
            False,
        ),
        (
            ("abi3-py39", "abi3t-py315"),
            (3, 14),
            True,
            "_native.cpython-314t-x86_64-linux-gnu.so",
            None,
            False,
        ),
        # abi3 alone: free-threaded 3.15 cannot load it
        (("abi3-py39",), (3, 15), False, "_native.abi3.so", (3, 9), False),
        (("abi3-py39",), (3, 15), True, "_native.cpython-315t-x86_64-linux-gnu.so", None, False),
        # abi3t alone
        (("abi3t-py315",), (3, 14), False, "_native.cpython-314-x86_64-linux-gnu.so", None, False),
        (("abi3t-py315",), (3, 15), True, "_native.abi3t.so", (3, 15), True),
        (("abi3t",), (3, 16), False, "_native.abi3t.so", (3, 16), True),
    ],
)
def test_abi3t_is_chosen_as_pyo3_chooses_it(
    features: tuple[str, ...],
    version: tuple[int, int],
    free_threaded: bool,
    filename: str,
    floor: tuple[int, int] | None,
    abi3t: bool,
) -> None:
    info = crate(pyo3_features=features)
    platform = _interpreter(version, free_threaded)
    (invocation,) = plan([ext()], {Path("Cargo.toml"): info}, platform)
    (target,) = invocation.targets
    assert (target.filename, target.abi3, target.abi3t) == (filename, floor, abi3t)


def test_abi3_not_used_on_pypy_or_free_threaded() -> None:
    info = crate(pyo3_features=("abi3-py39",))
    pypy = replace(LINUX, implementation="pypy", ext_suffix=".pypy310-pp73-x86_64-linux-gnu.so")
    (invocation,) = plan([ext()], {Path("Cargo.toml"): info}, pypy)
    assert invocation.targets[0].filename == "_native.pypy310-pp73-x86_64-linux-gnu.so"
    free = replace(LINUX, free_threaded=True, ext_suffix=".cpython-313t-x86_64-linux-gnu.so")
    (invocation,) = plan([ext()], {Path("Cargo.toml"): info}, free)
    assert invocation.targets[0].filename == "_native.cpython-313t-x86_64-linux-gnu.so"


def test_bins_of_one_crate_share_one_cargo_build() -> None:
    info = crate(bins=("wc", "grep", "tool"))
    targets = [
        rust_bin("wc"),
        rust_bin("grep"),
        rust_bin("tool", strip=Strip.Debug),
    ]
    strip, build = plan(targets, {Path("Cargo.toml"): info}, LINUX)
    assert list(strip.args) == [
        "rustc",
        "--bin",
        "tool",
        JSON,
        "--manifest-path",
        str(MANIFEST),
        "--release",
        "--",
        "-C",
        "strip=debuginfo",
    ]
    assert list(build.args) == [
        "build",
        "--bin",
        "wc",
        "--bin",
        "grep",
        JSON,
        "--manifest-path",
        str(MANIFEST),
        "--release",
    ]
    assert [t.filename for t in build.targets] == ["wc", "grep"]
    assert all(t.to_scripts and t.package_parts == () for t in build.targets)
    assert "PYO3_BUILD_EXTENSION_MODULE" not in build.env


@pytest.mark.parametrize(
    ("target", "info", "message"),
    [
        (ext(), crate(lib=None), "has no library target"),
        (rust_bin("wc"), crate(bins=("grep",)), "has no binary named 'wc'"),
        (
            ext(args=["--", "-Copt-level=3"]),
            crate(),
            "'--' would change rustc's own flags, which go in a target's rustc-flags",
        ),
        (ext(args=["--release", "--profile", "dist"]), crate(), "args select two profiles"),
        (ext(args=["--profile"]), crate(), "--profile needs a profile name"),
    ],
)
def test_plan_errors(target: TargetSettings, info: CrateInfo, message: str) -> None:
    with pytest.raises((ManifestError, ConfigError)) as caught:
        plan([target], {Path("Cargo.toml"): info}, LINUX)
    assert message in str(caught.value)
    if isinstance(caught.value, ManifestError):
        assert str(MANIFEST) in str(caught.value)


def test_lib_name_need_not_match_the_module() -> None:
    """PyO3 names the init function after #[pymodule], so `[lib] name = "pkg_rust"`
    with target `pkg.rust` is planned (the built library's exports are checked later)."""
    (invocation,) = plan([ext("pkg.rust")], {Path("Cargo.toml"): crate(lib="pkg_rust")}, LINUX)
    (planned,) = invocation.targets
    assert (planned.cargo_name, planned.filename) == (
        "pkg_rust",
        "rust.cpython-311-x86_64-linux-gnu.so",
    )
    assert planned.init_symbol == "PyInit_rust"
    (nobinding,) = plan(
        [ext("pkg.rust", binding=Binding.NoBinding)], {Path("Cargo.toml"): crate()}, LINUX
    )
    assert nobinding.targets[0].init_symbol is None


RELEASE = ["--release"]


@pytest.mark.parametrize(
    ("target", "settings", "inplace", "profile_argv", "rest"),
    [
        (ext(args=["--profile", "dist"]), BuildSettings(), False, ["--profile", "dist"], []),
        (
            ext(args=["--profile=dist", "--locked"]),
            BuildSettings(),
            True,
            ["--profile", "dist"],
            ["--locked"],
        ),
        (ext(args=["--release"]), BuildSettings(), True, RELEASE, []),
        (ext(args=["-r"], debug=True), BuildSettings(), False, RELEASE, []),
        (ext(args=["--profile", "debug"]), BuildSettings(), False, [], []),
        (ext(args=["--release"]), BuildSettings(profile="dev"), False, [], []),
        (ext(args=["--profile", "dist"]), BuildSettings(profile="release"), True, RELEASE, []),
        (ext(debug=True), BuildSettings(), False, [], []),
        (ext(debug=False), BuildSettings(), True, RELEASE, []),
        (ext(), BuildSettings(), True, [], []),
        (ext(), BuildSettings(editable_profile="fast-dev"), True, ["--profile", "fast-dev"], []),
        (ext(), BuildSettings(wheel_profile="dist"), False, ["--profile", "dist"], []),
        (
            ext(),
            BuildSettings(cargo_args=("--offline",)),
            False,
            RELEASE,
            ["--offline"],
        ),
    ],
)
def test_profile_is_chosen_once_and_never_doubled(
    target: TargetSettings,
    settings: BuildSettings,
    inplace: bool,
    profile_argv: list[str],
    rest: list[str],
) -> None:
    """A profile in a target's args is the target's own (above `debug`); the build's
    forced profile beats it; cargo always gets exactly one profile flag."""
    (invocation,) = plan([target], {Path("Cargo.toml"): crate()}, LINUX, settings, inplace)
    assert list(invocation.args) == [*LIB_HEAD, *profile_argv, *rest, "--crate-type", "cdylib"]


def test_bdist_wheel_py_limited_api_builds_abi3() -> None:
    """`[bdist_wheel] py_limited_api = cp39` turns on pyo3's abi3-py39 feature for
    `auto` targets, and names the module `.abi3.so`."""
    settings = BuildSettings(py_limited_api=(3, 9))
    targets = [
        ext("pkg._native"),
        ext("pkg._ffi", binding=Binding.NoBinding),
        ext("pkg._versioned", py_limited_api=False),
    ]
    info = crate()
    native, ffi, versioned = plan(targets, {Path("Cargo.toml"): info}, LINUX, settings)
    assert "--features" in native.args
    assert native.args[native.args.index("--features") + 1] == "pyo3/abi3-py39"
    assert native.targets[0].abi3 == (3, 9)
    assert native.targets[0].filename == "_native.abi3.so"
    assert ffi.targets[0].filename == "_ffi.abi3.so"
    assert "--features" not in ffi.args
    assert versioned.targets[0].filename == "_versioned.cpython-311-x86_64-linux-gnu.so"
    assert "--features" not in versioned.args


@pytest.mark.parametrize("declared", ["auto", True])
def test_bdist_wheel_floor_turns_on_pyo3_abi3_for_auto_and_true(declared: object) -> None:
    """With `[bdist_wheel] py_limited_api = cp39`, a target that asks for abi3 (`True`)
    or follows the wheel (`"auto"`) on a crate without abi3 features is built with
    pyo3's abi3-py39, so the module is what its `.abi3.so` name claims."""
    settings = BuildSettings(py_limited_api=(3, 9))
    (invocation,) = plan(
        [ext(py_limited_api=declared)], {Path("Cargo.toml"): crate()}, LINUX, settings
    )
    assert invocation.args[invocation.args.index("--features") + 1] == "pyo3/abi3-py39"
    assert invocation.targets[0].abi3 == (3, 9)


def test_plain_abi3_feature_floor_is_the_building_python() -> None:
    (invocation,) = plan([ext()], {Path("Cargo.toml"): crate(pyo3_features=("abi3",))}, LINUX)
    assert invocation.targets[0].abi3 == (3, 11)


def test_exec_mapping_builds_every_binary_into_the_package() -> None:
    mapping = RustExtension(
        {"hello": "pkg.hello", "hello-two": "pkg.bin.hello2"},
        "Cargo.toml",
        binding=Binding.Exec,
        script=True,
    )
    info = crate(bins=("hello", "hello-two"))
    (invocation,) = plan(list(mapping.settings), {Path("Cargo.toml"): info}, LINUX)
    assert list(invocation.args[:5]) == ["build", "--bin", "hello", "--bin", "hello-two"]
    hello, two = invocation.targets
    assert (hello.package, hello.filename, hello.to_scripts) == ("pkg", "hello", False)
    assert (two.package, two.filename, two.cargo_name) == ("pkg.bin", "hello2", "hello-two")
    assert (hello.wrapper, two.wrapper) == ("pkg._gen_hello", "pkg.bin._gen_hello2")
    assert [s.console_script for s in mapping.settings] == [
        ("hello", "pkg._gen_hello"),
        ("hello2", "pkg.bin._gen_hello2"),
    ]


def test_build_wide_settings_in_argv() -> None:
    settings = BuildSettings(quiet=True, target_dir="/tmp/t", features=("extra",))
    (invocation,) = plan([ext(features=["own"])], {Path("Cargo.toml"): crate()}, LINUX, settings)
    assert list(invocation.args) == [
        *LIB_HEAD,
        "--release",
        "--target-dir",
        "/tmp/t",
        "--features",
        "extra,own",
        "--quiet",
        "--crate-type",
        "cdylib",
    ]
    assert invocation.quiet


@pytest.mark.parametrize(
    ("platform", "implementation", "enabled"),
    [
        (LINUX, "cpython", "always,before312,cpython"),
        (MACOS_ARM64, "cpython", "always,cpython,from312"),
        (LINUX, "pypy", "always,before312"),
    ],
)
def test_features_for_some_pythons_only(
    platform: Platform, implementation: str, enabled: str
) -> None:
    conditional = (
        ("from312", ">=3.12", None),
        ("before312", "<3.12", None),
        ("cpython", None, "cpython"),
    )
    target = replace(ext(features=["always"]), conditional_features=conditional)
    built = replace(platform, implementation=implementation)
    (invocation,) = plan([target], {Path("Cargo.toml"): crate()}, built, BuildSettings())
    args = list(invocation.args)
    assert args[args.index("--features") + 1] == enabled


def test_target_declared_twice_is_an_error() -> None:
    with pytest.raises(ConfigError, match=r"RustExtension\('pkg._native'\) is declared twice"):
        plan([ext(), ext()], {Path("Cargo.toml"): crate()}, LINUX)


def test_modules_of_one_workspace_share_one_cargo_build() -> None:
    """Modules whose crates are members of one workspace and make cdylibs: one
    `cargo build -p a -p b --lib`, features named per package; a module that needs
    rustc flags keeps its own `cargo rustc`."""
    root = Path("/ws")

    def member(name: str, lib: str) -> CrateInfo:
        return CrateInfo(
            manifest_path=root / name / "Cargo.toml",
            package_name=name,
            lib_name=lib,
            crate_types=("cdylib",),
            bins=(),
            features={"fast": ()},
            workspace_root=root,
        )

    crates = {Path(f"{n}/Cargo.toml"): member(n, f"_{n}") for n in ("a", "b", "c")}
    targets = [
        RustExtension("pkg._a", "a/Cargo.toml", binding=Binding.NoBinding).settings[0],
        RustExtension(
            "pkg._b", "b/Cargo.toml", binding=Binding.NoBinding, features=["fast"]
        ).settings[0],
        RustExtension(
            "pkg._c", "c/Cargo.toml", binding=Binding.NoBinding, strip=Strip.All
        ).settings[0],
    ]
    alone, shared = plan(targets, crates, LINUX)
    assert list(shared.args) == [
        "build",
        "-p",
        "a",
        "-p",
        "b",
        "--lib",
        JSON,
        "--manifest-path",
        "/ws/Cargo.toml",
        "--release",
        "--features",
        "b/fast",
    ]
    assert [t.manifest_path for t in shared.targets] == [
        Path("/ws/a/Cargo.toml"),
        Path("/ws/b/Cargo.toml"),
    ]
    assert list(shared.clean_args) == [
        "clean",
        "--manifest-path",
        "/ws/Cargo.toml",
        "-p",
        "a",
        "-p",
        "b",
        "--release",
    ]
    assert alone.args[:2] == ("rustc", "--lib") and alone.targets[0].target == "pkg._c"


@pytest.mark.parametrize(
    ("setting", "features", "version", "refused"),
    [
        ("cp39", (), (3, 13), True),
        (True, (), (3, 14), True),
        (True, ("abi3-py39",), (3, 13), True),
        # pyo3's features alone: pyo3 builds for the interpreter, and so does buildrs
        ("auto", ("abi3-py39",), (3, 13), False),
        (False, (), (3, 13), False),
        # abi3t is what a free-threaded 3.15 can load
        (True, ("abi3t-py315",), (3, 15), False),
    ],
)
def test_abi3_asked_of_buildrs_is_refused_for_free_threaded_cpython(
    setting: object, features: tuple[str, ...], version: tuple[int, int], refused: bool
) -> None:
    info = crate(pyo3_features=features)
    platform = _interpreter(version, free_threaded=True)
    if not refused:
        plan([ext(py_limited_api=setting)], {Path("Cargo.toml"): info}, platform)
        return
    with pytest.raises(ConfigError) as error:
        plan([ext(py_limited_api=setting)], {Path("Cargo.toml"): info}, platform)
    assert str(error.value).startswith(
        f"RustExtension('pkg._native'): py-limited-api asks for abi3, but free-threaded "
        f"CPython {version[0]}.{version[1]} cannot load abi3 modules."
    )
    assert "abi3t (pyo3's abi3t-py315 feature)" in str(error.value)
