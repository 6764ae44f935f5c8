"""A wheel built the quick way is the wheel built from scratch: what buildrs reuses of
the last build (``buildrs.wheel.cache``) is never staler than cargo.

The project is a Python binding inside a Rust workspace, laid out as tokenizers,
safetensors and polars are: pyproject.toml in ``py/``, the workspace root and its
Cargo.lock one folder up, a path dependency on ``../core``. The two cases first
found (a dependency bumped at the workspace root; a dependency added to the path
crate) go through real pip; then a seeded sequence of mutations, each followed by a
quick build (``build_meta.build_wheel``, as pip calls it, in the project as it is,
twice: the second must reuse the whole wheel) and a build from scratch in a fresh
copy, at the same path, with every cache off and a target directory of its own.
``BUILDRS_REUSE_STEPS`` (default 30) and ``BUILDRS_REUSE_SEED`` (default: random,
printed) replay a run.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import sys
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import CRATES, pip_wheel_logged, run, wheel_entries

pytestmark = [pytest.mark.integration, pytest.mark.network]

SBOM = "pybind-{version}.dist-info/sboms/pybind.cdx.json"


def components(wheel: Path) -> dict[str, str]:
    """``name -> version`` of every crate the wheel's SBOM lists."""
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".cdx.json"))
        document = json.loads(archive.read(name))
    return {c["name"]: c["version"] for c in document["components"]}


def cargo(workspace: Path, *args: str) -> None:
    program = shutil.which("cargo")
    assert program
    run([program, *args, "--manifest-path", str(workspace / "Cargo.toml")])


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "workspace"
    shutil.copytree(CRATES / "pybinding", root, ignore=shutil.ignore_patterns("target", "build"))
    return root


def from_scratch(workspace: Path, env: Mapping[str, str], out: Path, via: str) -> Path:
    """The wheel of ``workspace/py`` built with every cache off, in a fresh copy of the
    workspace at the same path (a path is compiled into the library), with a target
    directory of its own; ``via``: ``pip`` or ``hook``."""
    target = out.with_name(out.name + "-target")
    shutil.rmtree(target, ignore_errors=True)
    aside = workspace.with_name(workspace.name + ".aside")
    os.replace(workspace, aside)
    try:
        shutil.copytree(aside, workspace, ignore=shutil.ignore_patterns("build", "*.egg-info"))
        scratch = {
            **env,
            "BUILDRS_NO_FAST_PATH": "1",
            "CARGO_TARGET_DIR": str(target),
        }
        return build(workspace / "py", scratch, out, via)
    finally:
        shutil.rmtree(workspace)
        os.replace(aside, workspace)


def build(project: Path, env: Mapping[str, str], out: Path, via: str) -> Path:
    """A wheel of ``project`` built with pip (no build isolation), or with the backend's
    wheel hook called as pip calls it."""
    return built(project, env, out, via)[0]


def built(project: Path, env: Mapping[str, str], out: Path, via: str) -> tuple[Path, str]:
    """``build``, and what the build printed."""
    shutil.rmtree(out, ignore_errors=True)
    if via == "pip":
        return pip_wheel_logged(project, out, env, "--no-build-isolation")
    code = "import sys; from buildrs import build_meta; print(build_meta.build_wheel(sys.argv[1]))"
    result = run([sys.executable, "-c", code, str(out)], env=env, cwd=project)
    return out / result.stdout.strip().splitlines()[-1], result.stderr


def test_a_dependency_bumped_at_the_workspace_root(
    workspace: Path, build_env: dict[str, str], tmp_path: Path
) -> None:
    project = workspace / "py"
    first = build(project, build_env, tmp_path / "first", "pip")
    assert components(first)["itoa"] == "1.0.10"
    cargo(workspace, "update", "-q", "-p", "itoa", "--precise", "1.0.11")
    bumped = build(project, build_env, tmp_path / "bumped", "pip")
    assert components(bumped)["itoa"] == "1.0.11"
    scratch = from_scratch(workspace, build_env, tmp_path / "scratch", "pip")
    assert wheel_entries(bumped) == wheel_entries(scratch)


def test_a_dependency_added_to_a_path_crate(
    workspace: Path, build_env: dict[str, str], tmp_path: Path
) -> None:
    project = workspace / "py"
    first = build(project, build_env, tmp_path / "first", "pip")
    assert "ryu" not in components(first)
    manifest = workspace / "core" / "Cargo.toml"
    manifest.write_text(manifest.read_text() + 'ryu = "1"\n')
    added = build(project, build_env, tmp_path / "added", "pip")
    assert "ryu" in components(added)
    scratch = from_scratch(workspace, build_env, tmp_path / "scratch", "pip")
    assert wheel_entries(added) == wheel_entries(scratch)


# --- the property test -------------------------------------------------------------


@dataclass
class State:
    """The workspace under mutation, and the variables the builds run with."""

    workspace: Path
    env: dict[str, str]
    rng: random.Random
    counter: int = 0
    done: list[str] = field(default_factory=list)

    @property
    def project(self) -> Path:
        return self.workspace / "py"

    def edit(self, path: Path, old: str, new: str) -> None:
        text = path.read_text()
        assert old in text, (path, old)
        path.write_text(text.replace(old, new, 1))

    def next(self) -> int:
        self.counter += 1
        return self.counter


def _add(state: State, path: Path, after: str) -> int:
    """Make the code in ``path`` add a new number after ``after`` (cargo compiles it)."""
    text = path.read_text()
    number = state.next()
    found = re.search(re.escape(after) + r" \+ \d+", text)
    new = f"{after} + {number}"
    path.write_text(text.replace(found.group(0), new) if found else text.replace(after, new))
    return number


def edit_module(state: State) -> str:
    number = _add(state, state.project / "src" / "lib.rs", "as u64")
    return f"module crate: + {number}"


def edit_path_crate(state: State) -> str:
    number = _add(state, state.workspace / "core" / "src" / "lib.rs", ".len()")
    return f"path crate: digits + {number}"


def bump_dependency(state: State) -> str:
    version = state.rng.choice(["1.0.9", "1.0.10", "1.0.11"])
    cargo(state.workspace, "update", "-q", "-p", "itoa", "--precise", version)
    return f"workspace root: itoa {version}"


def toggle_dependency(state: State) -> str:
    manifest = state.workspace / "core" / "Cargo.toml"
    text = manifest.read_text()
    if 'ryu = "1"' in text:
        manifest.write_text(text.replace('ryu = "1"\n', ""))
        return "path crate: ryu removed"
    manifest.write_text(text + 'ryu = "1"\n')
    return "path crate: ryu added"


def toggle_feature(state: State) -> str:
    manifest = state.workspace / "core" / "Cargo.toml"
    source = state.workspace / "core" / "src" / "lib.rs"
    text = manifest.read_text()
    if "[features]" not in text:
        manifest.write_text(
            text.replace("[dependencies]", "[features]\nwide = []\n\n[dependencies]")
        )
        source.write_text(
            source.read_text() + '\n#[cfg(feature = "wide")]\npub const WIDE: bool = true;\n'
        )
    member = state.project / "Cargo.toml"
    line = 'pybind-core = { path = "../core" }'
    wide = 'pybind-core = { path = "../core", features = ["wide"] }'
    text = member.read_text()
    member.write_text(text.replace(line, wide) if line in text else text.replace(wide, line))
    return "path crate: feature wide toggled"


def cargo_config(state: State) -> str:
    config = state.workspace / ".cargo" / "config.toml"
    choice = state.rng.choice(["overflow-checks=on", "overflow-checks=off", None])
    if choice is None:
        config.unlink(missing_ok=True)
        return "workspace .cargo/config.toml removed"
    config.parent.mkdir(exist_ok=True)
    config.write_text(f'[build]\nrustflags = ["-C", "{choice}"]\n')
    return f"workspace .cargo/config.toml: {choice}"


def variables(state: State) -> str:
    name = state.rng.choice(["RUSTFLAGS", "SOURCE_DATE_EPOCH"])
    value = state.rng.choice(
        {"RUSTFLAGS": ["-C debug-assertions=on", None], "SOURCE_DATE_EPOCH": ["1700000000", None]}[
            name
        ]
    )
    if value is None:
        state.env.pop(name, None)
    else:
        state.env[name] = value
    return f"{name}={value}"


def touch(state: State) -> str:
    candidates = [
        state.project / "src" / "lib.rs",
        state.workspace / "core" / "src" / "lib.rs",
        state.project / "pyproject.toml",
        state.workspace / "Cargo.lock",
        state.project / "pybind" / "__init__.py",
    ]
    path = state.rng.choice(candidates)
    stamp = path.stat().st_mtime + 1 + state.next()
    os.utime(path, (stamp, stamp))
    return f"touched {path.relative_to(state.workspace)}"


def python_file(state: State) -> str:
    number = state.next()
    if state.rng.random() < 0.5:
        (state.project / "pybind" / f"extra_{number}.py").write_text(f"N = {number}\n")
        return f"added pybind/extra_{number}.py"
    path = state.project / "pybind" / "__init__.py"
    path.write_text(path.read_text() + f"\nEDIT = {number}\n")
    return "edited pybind/__init__.py"


def bump_version(state: State) -> str:
    number = state.next()
    pyproject = state.project / "pyproject.toml"
    text = re.sub(r'version = "[^"]+"', f'version = "0.1.{number}"', pyproject.read_text(), count=1)
    pyproject.write_text(text)
    return f"version 0.1.{number}"


MUTATIONS: list[Callable[[State], str]] = [
    edit_module,
    edit_path_crate,
    bump_dependency,
    toggle_dependency,
    toggle_feature,
    cargo_config,
    variables,
    touch,
    python_file,
    bump_version,
]


def test_the_quick_wheel_is_the_wheel_built_from_scratch(
    workspace: Path, build_env: dict[str, str], tmp_path: Path
) -> None:
    steps = int(os.environ.get("BUILDRS_REUSE_STEPS", "30"))
    seed = int(os.environ.get("BUILDRS_REUSE_SEED") or random.randrange(2**32))
    print(f"BUILDRS_REUSE_SEED={seed} BUILDRS_REUSE_STEPS={steps}")
    env = {**build_env, "CARGO_TARGET_DIR": str(tmp_path / "quick-target")}
    state = State(workspace, env, random.Random(seed))
    build(state.project, env, tmp_path / "warm", "hook")
    reused = {"the last wheel holds": 0, "the Python part is the last build's": 0}
    for step in range(steps):
        mutation = state.rng.choice(MUTATIONS)
        state.done.append(mutation(state))
        replay = f"step {step}: {state.done[-1]} (BUILDRS_REUSE_SEED={seed}; so far: {state.done})"
        quick, log = built(state.project, state.env, tmp_path / "quick", "hook")
        again, again_log = built(state.project, state.env, tmp_path / "again", "hook")
        scratch = from_scratch(workspace, state.env, tmp_path / "scratch", "hook")
        assert wheel_entries(quick) == wheel_entries(scratch), replay
        assert again.read_bytes() == quick.read_bytes(), replay
        lock = (workspace / "Cargo.lock").read_text()
        itoa = re.search(r'name = "itoa"\nversion = "([^"]+)"', lock)
        assert itoa and components(quick)["itoa"] == itoa.group(1), replay
        for line in reused:
            reused[line] += (line in log) + (line in again_log)
    print("mutations:", state.done, "reused:", reused)
    # Both kinds of reuse were exercised (and then checked against a scratch build).
    assert reused["the last wheel holds"] >= steps // 2, reused
    assert reused["the Python part is the last build's"] >= 1, reused
