"""`python -m buildrs develop` and the fast path: cargo runs when, and only when,
something it reads has changed. cargo processes are counted with a CARGO wrapper."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from conftest import CRATES, EXAMPLE, EXT_SUFFIX, ROOT, CopyProject, Venv, counting_cargo, run

pytestmark = pytest.mark.integration


class Project:
    """A copy of a fixture project, built with `python -m buildrs develop`."""

    def __init__(self, path: Path, env: dict[str, str], log: Path) -> None:
        self.path = path
        self.env = env
        self.log = log

    def cargo_runs(self) -> int:
        lines = self.log.read_text().splitlines() if self.log.exists() else []
        return sum(1 for line in lines if not line.startswith("clean"))

    def develop(self, *args: str, **env: str) -> str:
        before = self.cargo_runs()
        result = run(
            [sys.executable, "-m", "buildrs", "develop", str(self.path), *args],
            env={**self.env, **env},
        )
        self.ran = self.cargo_runs() - before
        return result.stdout

    def answer(self) -> int:
        out = run(
            [sys.executable, "-c", "import fast_pkg; print(fast_pkg.answer())"], cwd=self.path
        )
        return int(out.stdout)


@pytest.fixture
def project(copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path) -> Project:
    path = copy_project(CRATES / "fastpath")
    wrapper, log = counting_cargo(tmp_path)
    env = {**build_env, "CARGO": str(wrapper)}
    env.pop("BUILDRS_PROFILE", None)
    env.pop("FASTPATH_OFFSET", None)
    return Project(path, env, log)


def touch_later(path: Path) -> None:
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_develop_builds_in_place_then_skips_cargo_until_an_input_changes(
    project: Project,
) -> None:
    out = project.develop()
    assert project.ran == 1
    assert out.startswith("fast_pkg._fast: fast_pkg/_fast.")
    assert out.rstrip().endswith("(dev, built)")
    assert project.answer() == 40

    out = project.develop()
    assert project.ran == 0, "an untouched tree must not run cargo"
    assert out.rstrip().endswith("(dev, up to date)")

    lib = project.path / "src" / "lib.rs"
    lib.write_text(lib.read_text().replace("40 +", "50 +"))
    project.develop()
    assert project.ran == 1, "a changed source"
    assert project.answer() == 50
    project.develop()
    assert project.ran == 0

    pyproject = project.path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + 'features = ["plus-one"]\n')
    project.develop()
    assert project.ran == 1, "a changed feature"
    assert project.answer() == 51

    project.develop(FASTPATH_OFFSET="5")
    assert project.ran == 1, "a variable the build script watches"
    assert project.answer() == 56
    project.develop(FASTPATH_OFFSET="5")
    assert project.ran == 0

    project.develop(FASTPATH_OFFSET="5", RUSTFLAGS="-Cdebuginfo=0")
    assert project.ran == 1, "a variable cargo reads"

    touch_later(project.path / "Cargo.lock")
    project.develop(FASTPATH_OFFSET="5", RUSTFLAGS="-Cdebuginfo=0")
    assert project.ran == 1, "a changed Cargo.lock"

    (module,) = (project.path / "fast_pkg").glob("_fast.*")
    module.unlink()
    project.develop(FASTPATH_OFFSET="5", RUSTFLAGS="-Cdebuginfo=0")
    assert project.ran == 1, "a deleted module"
    assert project.answer() == 56

    project.develop(FASTPATH_OFFSET="5", RUSTFLAGS="-Cdebuginfo=0", BUILDRS_NO_FAST_PATH="1")
    assert project.ran == 1, "BUILDRS_NO_FAST_PATH"

    release = {"FASTPATH_OFFSET": "5", "RUSTFLAGS": "-Cdebuginfo=0"}
    assert project.develop("--release", **release).rstrip().endswith("(release, built)")
    assert project.ran == 1, "another profile"
    assert project.develop("--release", **release).rstrip().endswith("(release, up to date)")
    assert project.ran == 0


def test_develop_example_crate_module_and_bin(
    copy_project: CopyProject, fresh_venv: Venv, build_env: dict[str, str], tmp_path: Path
) -> None:
    """A PyO3 module next to its sources, and the binary in the running environment's
    scripts directory (here a fresh venv's, running buildrs from this checkout)."""
    path = copy_project(EXAMPLE)
    env = {k: v for k, v in build_env.items() if k != "BUILDRS_PROFILE"}
    env["PYTHONPATH"] = str(ROOT)
    argv = [str(fresh_venv.python), "-m", "buildrs", "develop", str(path)]
    out = run(argv, env=env).stdout.splitlines()
    assert out == [
        f"example_crate._native: python/example_crate/_native{EXT_SUFFIX} (dev, built)",
        f"example-wc: {fresh_venv.bin / 'example-wc'} (dev, built)",
    ]
    result = run(
        [str(fresh_venv.python), "-c", "import example_crate as e; print(e.sum_as_string(2, 2))"],
        cwd=path / "python",
    )
    assert result.stdout == "4\n"
    (path / "words.txt").write_text("rust and more rust\n")
    assert (
        run([str(fresh_venv.bin / "example-wc"), "rust", str(path / "words.txt")]).stdout == "2\n"
    )
    assert run(argv, env=env).stdout.splitlines() == [
        f"example_crate._native: python/example_crate/_native{EXT_SUFFIX} (dev, up to date)",
        f"example-wc: {fresh_venv.bin / 'example-wc'} (dev, up to date)",
    ]


def test_develop_without_buildrs_table_or_setup_py(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "0"\n')
    result = run([sys.executable, "-m", "buildrs", "develop", str(tmp_path)], check=False)
    assert result.returncode == 1
    assert "nothing to build: pyproject.toml has no [tool.buildrs] table" in result.stderr
    assert "Traceback" not in result.stderr
