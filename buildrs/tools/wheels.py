"""``python -m buildrs wheels``: the release wheels of a project, one per Python.

Each interpreter builds its own wheel with its own pip, with build isolation, as
a user's ``pip wheel`` would (or with ``uv build``, whose isolated environments
come from its cache). pyo3's build changes with the interpreter it is
configured for, and cargo keeps one build of a crate per target directory, so
each interpreter gets a target directory of its own under the usual one
(``buildrs-cpython3.11``...): running the command again recompiles nothing for
any of them. A new interpreter's directory starts as a copy of the one built
before it, so only pyo3 and the crates above it compile again; and the backend
takes each wheel's Python part from the one built before it where the build
environments allow (see ``buildrs.plugin.replay``), so setuptools runs once for all
the interpreters whose build environments hold the same setuptools. Where
every module of the project is built for the stable ABI, one wheel serves every
CPython and only the first interpreter builds it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from buildrs.errors import BuildrsError, ConfigError
from buildrs.pipeline import process

__all__ = ["Interpreter", "build_wheels", "find_interpreters", "find_uv", "interpreter"]

_PROBE = (
    "import json, sys, sysconfig; print(json.dumps([sys.implementation.name, "
    "list(sys.version_info[:2]), bool(sysconfig.get_config_var('Py_GIL_DISABLED'))]))"
)


@dataclass(frozen=True)
class Interpreter:
    path: str
    implementation: str
    version: tuple[int, int]
    free_threaded: bool = False

    @property
    def name(self) -> str:
        major, minor = self.version
        return f"{self.implementation}{major}.{minor}{'t' if self.free_threaded else ''}"


def interpreter(name: str) -> Interpreter:
    """The interpreter ``name`` (a path, or a command on PATH), as it says it is."""
    found = shutil.which(name) or (name if os.path.isfile(name) else None)
    if found is None:
        raise ConfigError(f"wheels: there is no interpreter {name!r} on PATH")
    try:
        result = process.run([found, "-c", _PROBE], quiet=True, check=False)
        facts = json.loads(result.stdout) if result.returncode == 0 else None
    except (BuildrsError, ValueError):
        facts = None
    if not isinstance(facts, list) or len(facts) != 3:
        raise ConfigError(f"wheels: {found} could not be run as a Python interpreter")
    kind, version, threaded = facts
    return Interpreter(found, kind, (version[0], version[1]), bool(threaded))


def find_interpreters(environ: Mapping[str, str]) -> list[Interpreter]:
    """Every CPython 3.9+ and PyPy on PATH and among pyenv's, one per version."""
    names: list[str] = []
    for folder in environ.get("PATH", "").split(os.pathsep):
        if os.path.isdir(folder):
            names += [
                os.path.join(folder, n)
                for n in sorted(os.listdir(folder))
                if re.fullmatch(r"(python|pypy)3\.\d+t?", n)
            ]
    pyenv = Path(environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    if pyenv.is_dir():
        names += sorted(str(p) for p in pyenv.glob("*/bin/python3.*") if re.search(r"\d$", p.name))
    found: dict[str, Interpreter] = {}
    for name in names:
        try:
            candidate = interpreter(name)
        except ConfigError:
            continue
        if candidate.implementation == "cpython" and candidate.version < (3, 9):
            continue
        found.setdefault(candidate.name, candidate)
    return sorted(found.values(), key=lambda i: (i.implementation, i.version, i.free_threaded))


def _all_abi3(project: Path, environ: Mapping[str, str]) -> bool:
    """Whether every module of the project is built for the stable ABI (one wheel
    then serves every CPython)."""
    from buildrs.pipeline.config import load_pyproject
    from buildrs.pipeline.prepare import make_plan
    from buildrs.pipeline.resolve import resolve

    _, config = load_pyproject(project)
    if config is None:
        return False  # declared in setup.py: every interpreter builds its own
    settings = resolve(project=config.project, config_settings={}, environ=environ)
    plan = make_plan(config.targets, project, settings, environ=environ)
    return bool(plan.modules) and plan.abi3_floor is not None


def find_uv(environ: Mapping[str, str]) -> str:
    """uv: on PATH, or beside the running interpreter (``pip install uv``)."""
    found = shutil.which("uv", path=environ.get("PATH")) or shutil.which(
        "uv", path=os.path.dirname(sys.executable)
    )
    if found is None:
        raise ConfigError("wheels: --uv needs uv, which is not installed (pip install uv)")
    return found


def _front_end(python: Interpreter, out: Path, uv: str | None) -> list[str]:
    if uv is None:
        return [python.path, "-m", "pip", "wheel", "--no-deps", "-w", str(out)]
    return [
        uv,
        "build",
        "--wheel",
        "--color",
        "never",
        "--python",
        python.path,
        "--out-dir",
        str(out),
    ]


def build_wheels(
    project: Path,
    interpreters: Sequence[Interpreter],
    out: Path,
    environ: Mapping[str, str],
    pip_args: Sequence[str] = (),
    uv: str | None = None,
) -> list[Path]:
    """Build the project's wheel with each interpreter into ``out``, with its pip, or
    with ``uv build`` when ``uv`` names it; the wheels made."""
    if not interpreters:
        raise ConfigError("wheels: no interpreter to build for; name one with -i")
    if _all_abi3(project, environ):
        interpreters = [i for i in interpreters if i.implementation == "cpython"][:1] or list(
            interpreters[:1]
        )
    base = Path(environ.get("CARGO_TARGET_DIR") or project / "target")
    out.mkdir(parents=True, exist_ok=True)
    made: list[Path] = []
    built: Path | None = None
    for python in interpreters:
        target_dir = base / f"buildrs-{python.name}"
        if built is not None and not target_dir.exists():
            _seed(target_dir, built)
        env = {"CARGO_TARGET_DIR": str(target_dir)}
        # Each front end writes into a folder of its own: the wheels in it are its.
        staging = out / f".{python.name}.{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        argv = [*_front_end(python, staging, uv), *pip_args, str(project)]
        lines: list[str] = []
        result = process.run(argv, env=env, on_line=lines.append, check=False)
        names = sorted(p.name for p in staging.glob("*.whl"))
        for name in names:
            os.replace(staging / name, out / name)
        shutil.rmtree(staging, ignore_errors=True)
        if result.returncode != 0 or not names:
            shown = "\n".join(lines[-20:])
            raise ConfigError(
                f"wheels: the build with {python.name} ({python.path}) failed (exit code "
                f"{result.returncode}):\n{shown}"
            )
        made += [out / name for name in names]
        built = target_dir
        print(f"{python.name}: {', '.join(names)}", flush=True)
    return made


def _seed(target_dir: Path, built: Path) -> None:
    """Start an interpreter's target directory as a copy of one another interpreter
    has just built: cargo then finds every crate that does not depend on the
    interpreter fresh (syn, libc...) and rebuilds only pyo3 and what is above it.
    Times are kept, as cargo's freshness rests on them; cargo itself rewrites the
    paths its build scripts recorded under the old directory."""
    partial = target_dir.with_name(f".{target_dir.name}.{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    try:
        shutil.copytree(built, partial, symlinks=True)
        os.replace(partial, target_dir)
    except OSError as error:
        shutil.rmtree(partial, ignore_errors=True)
        print(f"buildrs: note: {target_dir.name} starts empty ({error})", file=sys.stderr)
