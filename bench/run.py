"""Build-speed benchmark: buildrs against raw cargo, setuptools-rust and maturin.

Run by hand (it installs buildrs, setuptools-rust and maturin into scratch venvs):

    python bench/run.py              # cold, no-op and incremental builds, 3 repeats
    python bench/run.py --quick      # skip the cold builds
    python bench/run.py --repeat 5

Every tool builds the same crate (example_crate's extension module, release
profile) from its own copy of the project with its own cargo target directory,
in the same run, on the same machine. The Python tools are driven the way their
users drive them (`pip wheel --no-build-isolation`, `maturin build`), so the
numbers include each tool's own overhead on top of cargo. The table shows wall
seconds (median of the repeats) and the ratio of each tool's time to buildrs'.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "example_crate"
TOOLS = ("cargo", "buildrs", "setuptools-rust", "maturin")

PACKAGING = """
[tool.setuptools]
packages = ["example_crate"]
package-dir = {"" = "python"}
"""

PYPROJECTS = {
    "buildrs": """
[build-system]
requires = ["setuptools>=70", "buildrs"]
build-backend = "setuptools.build_meta"

[project]
name = "example-crate"
version = "0.1.0"

[[tool.buildrs.ext-modules]]
target = "example_crate._native"
""",
    "setuptools-rust": """
[build-system]
requires = ["setuptools>=70", "setuptools-rust"]
build-backend = "setuptools.build_meta"

[project]
name = "example-crate"
version = "0.1.0"

[[tool.setuptools-rust.ext-modules]]
target = "example_crate._native"
"""
    + PACKAGING,
    "maturin": """
[build-system]
requires = ["maturin>=1.5"]
build-backend = "maturin"

[project]
name = "example-crate"
version = "0.1.0"

[tool.maturin]
python-source = "python"
module-name = "example_crate._native"
bindings = "pyo3"
""",
}


def sh(argv: list[str], cwd: Path, env: dict[str, str]) -> None:
    result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{argv} failed:\n{result.stdout}\n{result.stderr}")


def timed(action: Callable[[], None]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


class Bench:
    def __init__(self, work: Path) -> None:
        self.work = work
        base = {
            k: v for k, v in os.environ.items() if not k.startswith(("BUILDRS_", "CARGO_TARGET"))
        }
        self.env = base
        # One environment per tool: buildrs and setuptools-rust both claim the
        # `build_rust` command and `rust_extensions` keyword.
        requirements = {
            "cargo": [],
            "buildrs": [str(ROOT), "setuptools>=70"],
            "setuptools-rust": ["setuptools-rust", "setuptools>=70"],
            "maturin": ["maturin"],
        }
        self.pythons: dict[str, str] = {}
        self.projects: dict[str, Path] = {}
        for tool in TOOLS:
            print(f"preparing {tool} ...", flush=True)
            env_dir = work / tool / "venv"
            venv.EnvBuilder(with_pip=True, symlinks=True).create(env_dir)
            python = str(env_dir / "bin" / "python")
            sh(
                [python, "-m", "pip", "install", "-q", "-U", "pip", "wheel", *requirements[tool]],
                work,
                base,
            )
            self.pythons[tool] = python
            project = work / tool / "example_crate"
            shutil.copytree(
                EXAMPLE,
                project,
                ignore=shutil.ignore_patterns("target", "*.egg-info", "*.so", "tests"),
            )
            if tool in PYPROJECTS:
                (project / "pyproject.toml").write_text(PYPROJECTS[tool])
            self.projects[tool] = project

    def tool_env(self, tool: str) -> dict[str, str]:
        bin_dir = Path(self.pythons[tool]).parent
        return {
            **self.env,
            "PATH": f"{bin_dir}:{self.env['PATH']}",
            "CARGO_TARGET_DIR": str(self.work / tool / "target"),
        }

    def build(self, tool: str) -> None:
        project, env, out = self.projects[tool], self.tool_env(tool), self.work / tool / "dist"
        python = self.pythons[tool]
        if tool == "cargo":
            argv = ["cargo", "rustc", "--lib", "--release", "--crate-type", "cdylib"]
            sh(
                argv,
                project,
                {**env, "PYO3_BUILD_EXTENSION_MODULE": "1", "PYO3_PYTHON": python},
            )
        elif tool == "maturin":
            sh(
                ["maturin", "build", "--release", "--interpreter", python, "-o", str(out)],
                project,
                env,
            )
        else:
            argv = [
                python,
                "-m",
                "pip",
                "wheel",
                "-q",
                "--no-deps",
                "--no-build-isolation",
                "-w",
                str(out),
                ".",
            ]
            sh(argv, project, env)

    def clean(self, tool: str) -> None:
        shutil.rmtree(self.work / tool / "target", ignore_errors=True)
        for leftover in ("build", "python/example_crate.egg-info"):
            shutil.rmtree(self.projects[tool] / leftover, ignore_errors=True)

    def touch(self, tool: str) -> None:
        lib = self.projects[tool] / "src" / "python" / "mod.rs"
        lib.write_text(lib.read_text() + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="skip the cold builds")
    parser.add_argument("--repeat", type=int, default=3, help="repeats of each warm build")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="buildrs-bench-") as scratch:
        bench = Bench(Path(scratch))
        results: dict[str, dict[str, float]] = {}
        scenarios: list[tuple[str, Callable[[str], None] | None, int]] = []
        if not args.quick:
            scenarios.append(("cold build", bench.clean, 1))
        scenarios += [
            ("no-op rebuild", None, args.repeat),
            ("edit one file", bench.touch, args.repeat),
        ]
        for tool in TOOLS:  # make sure every tool has built once before the warm scenarios
            bench.build(tool)
        for name, before, repeats in scenarios:
            results[name] = {}
            for tool in TOOLS:
                samples = []
                for _ in range(repeats):
                    if before is not None:
                        before(tool)
                    samples.append(timed(lambda tool=tool: bench.build(tool)))
                results[name][tool] = statistics.median(samples)
                print(f"  {name:14} {tool:16} {results[name][tool]:7.2f} s", flush=True)
    print()
    header = f"{'scenario':16}" + "".join(f"{tool:>17}" for tool in TOOLS)
    print(header)
    print("-" * len(header))
    for name, times in results.items():
        print(f"{name:16}" + "".join(f"{times[tool]:>16.2f}s" for tool in TOOLS))
        ratios = "".join(f"{times[tool] / times['buildrs']:>16.2f}x" for tool in TOOLS)
        print(f"{'  / buildrs':16}" + ratios)
    print("\nratio > 1: that tool took longer than buildrs; < 1: it was faster.")


if __name__ == "__main__":
    sys.exit(main())
