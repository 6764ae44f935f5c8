"""Bad input, case by case: each breaks the base project in tests/crates/badinput
one way, runs `setup.py build_rust --inplace` (real setuptools, real cargo where
the build gets that far) and checks the exit code, the words of the message, that
there is no traceback, and that nothing outside the project was touched."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

import pytest

from conftest import CRATES, run

pytestmark = pytest.mark.integration

Edit = Union[str, bytes, Callable[[str], Union[str, bytes]]]

BASE_TABLE = '[[tool.buildrs.ext-modules]]\ntarget = "bad_pkg._lib"\nbinding = "NoBinding"\n'


@dataclass(frozen=True)
class Case:
    edits: Mapping[str, Edit] = field(default_factory=dict)
    """Files to write (text or bytes) or change (a function of the old text)."""
    words: tuple[str, ...] = ()
    """Text the output must hold."""
    exit: int = 1
    env: Mapping[str, str] = field(default_factory=dict)
    argv: tuple[str, ...] = ("build_rust", "--inplace")
    chmod: tuple[str, ...] = ()
    """Files made executable."""


def table(body: str) -> Callable[[str], str]:
    """Replace the base project's target table with ``body``."""
    return lambda text: text.replace(BASE_TABLE, body)


def ext(
    extra: str, target: str = "bad_pkg._lib", binding: str = "NoBinding"
) -> Callable[[str], str]:
    return table(
        f'[[tool.buildrs.ext-modules]]\ntarget = "{target}"\nbinding = "{binding}"\n{extra}\n'
    )


def add(text: str) -> Callable[[str], str]:
    return lambda old: old + text


def replace(old: str, new: str) -> Callable[[str], str]:
    def change(text: str) -> str:
        assert old in text, old
        return text.replace(old, new)

    return change


PY = "pyproject.toml"
CARGO = "Cargo.toml"
KEY = "pyproject.toml: [[tool.buildrs.ext-modules]][0]"

CASES: dict[str, Case] = {
    # --- pyproject.toml: keys and values ---------------------------------------------
    "unknown-key": Case(
        {PY: ext('featurs = ["x"]')}, (f"{KEY}: unknown key 'featurs' — did you mean 'features'?",)
    ),
    "features-string": Case(
        {PY: ext('features = "simd"')}, (f"{KEY}.features: expected a list of strings",)
    ),
    "binding-unknown": Case(
        {PY: ext("", binding="pyo4")},
        (f"{KEY}.binding: expected one of PyO3, RustCPython, NoBinding, Exec",),
    ),
    "debug-string": Case(
        {PY: ext('debug = "yes"')}, (f"{KEY}.debug: expected true or false (or 1 or 0), got 'yes'",)
    ),
    "limited-api-banana": Case(
        {PY: ext('py-limited-api = "banana"')}, (f"{KEY}.py-limited-api: expected",)
    ),
    "rust-version-soon": Case(
        {PY: ext('rust-version = "soon"')},
        (f"{KEY}.rust-version: 'soon' is not a rustc version requirement",),
    ),
    "rust-version-unmet": Case(
        {PY: ext('rust-version = "~=1.20.0"')},
        ("ext-module 'bad_pkg._lib' needs rustc ~=1.20.0, but rustc is",),
    ),
    "target-missing": Case(
        {PY: table('[[tool.buildrs.ext-modules]]\nbinding = "NoBinding"\n')},
        (f"{KEY}: missing required key 'target'",),
    ),
    "target-dash": Case(
        {PY: ext("", target="bad-pkg._lib")}, ("'bad-pkg' is not a Python identifier",)
    ),
    "target-not-ascii": Case(
        {PY: ext("", target="bad_pkg._líb", binding="PyO3")},
        ("is not ASCII; PyO3 modules need ASCII names",),
    ),
    "ext-modules-table": Case(
        {PY: table('[tool.buildrs.ext-modules]\ntarget = "bad_pkg._lib"\n')},
        ("expected an array of tables",),
    ),
    "tool-buildrs-not-table": Case(
        {PY: table("[tool]\nbuildrs = 5\n")}, ("pyproject.toml: [tool.buildrs] must be a table",)
    ),
    "env-name-with-equals": Case(
        {PY: ext('env = { "A=B" = "1" }')},
        (f"{KEY}.env: 'A=B' cannot be the name of an environment variable",),
    ),
    "env-name-empty": Case({PY: ext('env = { "" = "1" }')}, (f"{KEY}.env: '' cannot be the name",)),
    "env-value-nul": Case(
        {PY: ext('env = { A = "x\\u0000y" }')}, (f"{KEY}.env: the value of A holds a NUL byte",)
    ),
    "env-not-strings": Case(
        {PY: ext("env = { A = 1 }")}, (f"{KEY}.env: expected a table of strings",)
    ),
    "generated-climbs-out": Case(
        {PY: ext('generated-files = { "../../etc/hostname" = "bad_pkg" }')},
        ("must be a relative path inside the build script's OUT_DIR",),
    ),
    "generated-absolute": Case(
        {PY: ext('generated-files = { "/etc/hostname" = "bad_pkg" }')},
        ("must be a relative path inside the build script's OUT_DIR",),
    ),
    "generated-package-path": Case(
        {PY: ext('generated-files = { "gen.txt" = "/tmp/evil" }')},
        ("must be a dotted Python package",),
    ),
    "generated-missing": Case(
        {PY: ext('generated-files = { "missing.txt" = "bad_pkg" }')},
        ("generated file 'missing.txt' was not written by the build script",),
    ),
    "generated-link-out": Case(
        {PY: ext('generated-files = { "escape.txt" = "bad_pkg" }')},
        ("outside the build script's OUT_DIR",),
    ),
    "exec-absolute": Case(
        {PY: ext("", target="/tmp/evil-tool", binding="Exec")},
        ("'/tmp/evil-tool' is not a binary name",),
    ),
    "exec-climbs-out": Case(
        {PY: ext("", target="bad_pkg.../../evil", binding="Exec")},
        ("is not a dotted Python module path",),
    ),
    "bin-path": Case(
        {PY: add('\n[[tool.buildrs.bins]]\ntarget = "../evil"\n')},
        ("'../evil' is not a binary name",),
    ),
    "bin-unknown": Case(
        {PY: add('\n[[tool.buildrs.bins]]\ntarget = "no-such-tool"\n')},
        ("has no binary named 'no-such-tool' (binaries found: 'bad-tool')",),
    ),
    "script-without-exec": Case(
        {PY: ext("script = true")}, (f'{KEY}.script: script = true needs binding = "Exec"',)
    ),
    "profile-number": Case(
        {PY: add("\n[tool.buildrs]\nprofile = 3\n")},
        ("pyproject.toml: [tool.buildrs].profile: expected a cargo profile name, got 3",),
    ),
    "vendor-string": Case(
        {PY: add('\n[tool.buildrs]\nvendor = "yes"\n')},
        ("pyproject.toml: [tool.buildrs].vendor: expected true or false",),
    ),
    "zig-string": Case(
        {PY: add('\n[tool.buildrs]\nzig = "yes"\n')},
        ("pyproject.toml: [tool.buildrs].zig: expected true or false, got 'yes'",),
    ),
    "glibc-three-parts": Case(
        {PY: add('\n[tool.buildrs]\nzig = true\nglibc = "2.17.0"\n')},
        (
            "pyproject.toml: [tool.buildrs].glibc: expected a glibc version such as "
            '"2.17" (manylinux2014) or "2.28", got \'2.17.0\'',
        ),
    ),
    "declared-twice": Case(
        {PY: add(BASE_TABLE)},
        (
            "ext-module 'bad_pkg._lib' is declared twice: by pyproject.toml: "
            "[[tool.buildrs.ext-modules]][0] and by pyproject.toml: "
            "[[tool.buildrs.ext-modules]][1]",
        ),
    ),
    "setuptools-rust-table": Case(
        {PY: replace("[[tool.buildrs.ext-modules]]", "[[tool.setuptools-rust.ext-modules]]")},
        (
            "pyproject.toml: [tool.setuptools-rust] is setuptools-rust's table, but this project "
            "builds with buildrs",
            "rename [tool.setuptools-rust] to [tool.buildrs]",
        ),
    ),
    "table-misspelt": Case(
        {PY: replace("[[tool.buildrs.ext-modules]]", "[[tool.buidrs.ext-modules]]")},
        (
            "pyproject.toml: [tool.buidrs] is not a table buildrs reads — did you mean "
            "[tool.buildrs]?",
        ),
    ),
    "package-near-miss": Case(
        {PY: ext("", target="badpkg._lib")},
        (
            "target 'badpkg._lib' names the package 'badpkg', which is not in the project, "
            "but 'bad_pkg' is — did you mean 'bad_pkg._lib'?",
        ),
    ),
    "package-named-build": Case(
        {"build/__init__.py": "", PY: ext("", target="build._lib")},
        (
            "the package 'build' of the Rust targets is the folder setuptools and buildrs build "
            "in (build/); move it to src/build/",
        ),
    ),
    "stubs-on-a-c-library": Case(
        {PY: ext("stubs = true")},
        (f"{KEY}.stubs: stubs describe an extension module (PyO3 or RustCPython)",),
    ),
    "module-name-too-long": Case(
        {PY: ext("", target="bad_pkg._" + "x" * 260)},
        ("longer than file systems allow (255)",),
    ),
    "both-spellings": Case(
        {PY: ext("rustc-flags = []\nrustc_flags = []")}, (f"{KEY}: 'rustc-flags' is given twice",)
    ),
    "pyproject-latin1": Case(
        {PY: lambda t: t.encode() + b"# caf\xe9\n"},
        ("pyproject.toml: is not UTF-8: byte 0xe9 at offset",),
    ),
    "pyproject-invalid": Case(
        {PY: add("[[tool.buildrs.ext-modules]\n")}, ("pyproject.toml: invalid TOML",)
    ),
    "pyproject-bom": Case(
        {PY: lambda t: "\ufeff" + t},
        ("pyproject.toml: starts with a UTF-8 byte-order mark, which pip and setuptools",),
    ),
    # --- Cargo.toml and Cargo.lock -------------------------------------------------
    "dependencies-string": Case(
        {CARGO: lambda t: 'dependencies = "pyo3"\n' + t},
        ("Cargo.toml: dependencies: expected a table, got 'pyo3'",),
    ),
    "dependency-number": Case(
        {CARGO: add("\n[dependencies]\npyo3 = 5\n")},
        ("Cargo.toml: [dependencies] pyo3: expected a version string or a table, got 5",),
    ),
    "dependency-features-number": Case(
        {CARGO: add('\n[dependencies]\npyo3 = { version = "0.30", features = 5 }\n')},
        ("[dependencies] pyo3: features: expected a list of strings",),
    ),
    "crate-features-string": Case(
        {CARGO: add('\n[features]\ndefault = "fast"\n')},
        ("Cargo.toml: [features] default: expected a list of strings",),
    ),
    "lock-package-number": Case(
        {"Cargo.lock": "version = 3\npackage = 5\n"},
        ("Cargo.lock: [[package]] must be an array of tables",),
    ),
    "cargo-latin1": Case(
        {CARGO: lambda t: b"# auteur: Ren\xe9\n" + t.encode()},
        ("Cargo.toml: is not UTF-8: byte 0xe9 at offset 13 (line 1)",),
    ),
    "cargo-bom": Case({CARGO: lambda t: "\ufeff" + t}, ("building bad_pkg._lib",), exit=0),
    "cargo-invalid": Case({CARGO: add("[lib\n")}, ("Cargo.toml: invalid TOML",)),
    "cargo-missing": Case(
        {PY: ext('path = "nowhere/Cargo.toml"')}, ("nowhere/Cargo.toml: Cargo.toml not found",)
    ),
    "virtual-manifest": Case(
        {CARGO: "[workspace]\nmembers = []\n"}, ("It is a virtual workspace manifest",)
    ),
    "crate-type-string": Case(
        {CARGO: replace('crate-type = ["cdylib"]', 'crate-type = "cdylib"')},
        ('[lib] crate-type must be a list like ["cdylib"]',),
    ),
    "lib-name-number": Case(
        {CARGO: replace('name = "_lib"', "name = 5")},
        ("Cargo.toml: [lib] name: expected a string, got 5",),
    ),
    "bin-table-string": Case(
        {CARGO: lambda t: 'bin = "bad-tool"\n' + t.split("[[bin]]")[0]},
        ("Cargo.toml: [[bin]] must be an array of tables",),
    ),
    "pyo3-binding-without-pyo3": Case(
        {PY: ext("", binding="PyO3")},
        (
            "crate 'bad-input' does not depend on pyo3, but ext-module 'bad_pkg._lib' is "
            "built with binding PyO3",
        ),
    ),
    # --- environment and command line -----------------------------------------------
    "cargo-args-profile": Case(
        env={"BUILDRS_CARGO_ARGS": "--locked --profile fast"},
        words=(
            "BUILDRS_CARGO_ARGS: '--profile' would change the cargo profile: set it with "
            "buildrs.profile (-C buildrs.profile=NAME, or BUILDRS_PROFILE=NAME)",
        ),
    ),
    "cargo-args-target": Case(
        env={"BUILDRS_CARGO_ARGS": "--target aarch64-unknown-linux-gnu"},
        words=("BUILDRS_CARGO_ARGS: '--target' would change the target triple",),
    ),
    "target-args-message-format": Case(
        {PY: ext('args = ["--message-format=short"]')},
        ("'--message-format=short' would change cargo's output format",),
    ),
    "cargo-script-interpreter-missing": Case(
        edits={"fake-cargo": "#!/nonexistent/bin/interpreter\n"},
        env={"CARGO": "{project}/fake-cargo"},
        words=("fake-cargo is a script whose interpreter '/nonexistent/bin/interpreter'",),
        chmod=("fake-cargo",),
    ),
    "target-without-std": Case(
        env={"CARGO_BUILD_TARGET": "x86_64-unknown-freebsd"},
        words=(
            "the build is for x86_64-unknown-freebsd, but rustc (rustc) has no standard "
            "library for it",
            "rustup target add x86_64-unknown-freebsd",
        ),
    ),
    "cargo-args-unbalanced": Case(
        env={"BUILDRS_CARGO_ARGS": "--config 'a=1"}, words=("BUILDRS_CARGO_ARGS: cannot split",)
    ),
    "vendor-maybe": Case(
        env={"BUILDRS_VENDOR": "maybe"},
        words=("BUILDRS_VENDOR: expected true or false, got 'maybe'",),
    ),
    "cargo-is-directory": Case(
        env={"CARGO": "{tmp}"},
        words=("is a directory. Point the CARGO environment variable at the cargo program",),
    ),
    "cargo-not-executable": Case(
        edits={"not-cargo.txt": "text"},
        env={"CARGO": "{project}/not-cargo.txt"},
        words=("not-cargo.txt is not an executable file",),
    ),
    "cargo-not-found": Case(
        env={"CARGO": "{tmp}/no-such-cargo"}, words=("cargo was not found", "rustup")
    ),
    "profile-undefined": Case(
        env={"BUILDRS_PROFILE": "no-such-profile"},
        words=("profile `no-such-profile` is not defined", "failed with exit code 101"),
    ),
    "debug-and-release": Case(
        argv=("build_rust", "--inplace", "--debug", "--release"),
        words=("build_rust: --debug and --release cannot be used together",),
    ),
    "py-limited-api-option": Case(
        argv=("bdist_wheel", "--py-limited-api=abi3"),
        words=(
            "bdist_wheel --py-limited-api (command line): expected a Python version like 'cp39'",
        ),
    ),
    "compile-error": Case(
        {"src/lib.rs": "pub fn broken( {}\n"}, ("error: ", "failed with exit code 101")
    ),
}


def _apply(project: Path, edits: Mapping[str, Edit]) -> None:
    for name, edit in edits.items():
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(edit, bytes):
            path.write_bytes(edit)
        elif isinstance(edit, str):
            path.write_text(edit, encoding="utf-8")
        else:
            new = edit(path.read_text(encoding="utf-8"))
            path.write_bytes(new if isinstance(new, bytes) else new.encode("utf-8"))


def _snapshot(root: Path, skip: Path) -> dict[str, tuple[int, int]]:
    found = {}
    for dirpath, dirnames, filenames in os.walk(root):
        if Path(dirpath) == skip:
            dirnames[:] = []
            continue
        for name in filenames:
            stat = (Path(dirpath) / name).lstat()
            found[os.path.join(dirpath, name)] = (stat.st_size, stat.st_mtime_ns)
    return found


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_bad_input(case: Case, build_env: dict[str, str], tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(
        CRATES / "badinput", project, ignore=shutil.ignore_patterns("build", "*.egg-info")
    )
    _apply(project, case.edits)
    for name in case.chmod:
        (project / name).chmod(0o755)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "precious.txt").write_text("keep me")
    before = _snapshot(tmp_path, project)
    env = {**build_env, **{k: v.format(tmp=tmp_path, project=project) for k, v in case.env.items()}}
    result = run([sys.executable, "setup.py", *case.argv], cwd=project, env=env, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == case.exit, output
    for words in case.words:
        assert words in " ".join(output.split()), output
    assert "Traceback" not in output
    assert '{"reason"' not in output
    assert _snapshot(tmp_path, project) == before
    assert not list((project / "bad_pkg").glob("escape*")), "a file from outside OUT_DIR was copied"


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 40
