"""``python -m buildrs``: the command line.

This module is imported by every command, so it imports only what argparse needs;
each command loads its own modules. ``develop`` with nothing to do answers from
its stamp before anything heavier than ``json`` is imported.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from buildrs.errors import BuildrsError

if TYPE_CHECKING:
    from buildrs.plan.interpreter import Python

__all__ = ["DEVELOP_SETTINGS", "TEMPLATES", "main"]

# The names buildrs.cli.new renders (not imported from there: the module is slow to
# load, and `develop` must start fast); a test keeps the two equal.
TEMPLATES = ("pyo3", "cffi", "bin")

DEVELOP_SETTINGS = (
    ("profile", "NAME", "a cargo profile (default: the editable profile, dev)"),
    ("features", "A,B", "cargo features added to every target's own"),
    ("cargo_args", "ARGS", "cargo arguments added to every target's own"),
    ("target", "TRIPLE", "a cargo target triple"),
    ("zig", None, "link through zig (manylinux); --no-zig turns it off"),
    ("glibc", "VERSION", "with zig: the glibc to link against"),
)
"""``develop``'s options for build-wide settings: (setting, value name or ``None`` for a
flag, help). They are the settings declared ``develop=True``; written out here, where
startup must stay fast, and a test keeps the two equal."""


def _path(text: str) -> Any:
    from pathlib import Path

    return Path(text)


def _key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected key=value, got {text!r}")
    return key, value


def _version() -> str:
    from buildrs import __version__

    return f"buildrs {__version__}"


def _add_develop(commands: Any) -> None:
    develop = commands.add_parser(
        "develop",
        help="build the project's Rust targets in place (no setuptools, no cargo run when "
        "nothing changed)",
        description="Build every Rust target of the project in PATH in place: modules next "
        "to their Python sources, binaries into this environment's scripts directory. "
        "cargo's progress goes to stderr, one line per target to stdout. The options rank "
        "above pyproject.toml and below BUILDRS_* variables, as every build's do.",
    )
    develop.add_argument("path", nargs="?", default=".", help="default: .")
    develop.add_argument("--release", action="store_true", help="the same as --profile release")
    for name, metavar, text in DEVELOP_SETTINGS:
        option = "--" + name.replace("_", "-")
        if metavar is None:
            develop.add_argument(option, action=argparse.BooleanOptionalAction, help=text)
        else:
            develop.add_argument(option, metavar=metavar, help=text)
    develop.add_argument("-v", "--verbose", action="store_true", help="show buildrs' own steps")


def _add_wheels(commands: Any) -> None:
    wheels = commands.add_parser(
        "wheels",
        help="build the project's wheel for each Python given (one abi3 wheel where it is one)",
        description="Build one wheel per interpreter, each with a target directory of its "
        "own under the usual one, so a second run recompiles nothing: all in this process "
        "where buildrs writes the wheels without setuptools, otherwise each with its own "
        "pip and build isolation. Where every module is built for the stable ABI, one "
        "wheel is built.",
    )
    wheels.add_argument("path", nargs="?", default=".", help="default: .")
    wheels.add_argument(
        "-i",
        "--interpreter",
        action="append",
        default=[],
        metavar="PYTHON",
        help="an interpreter to build for (a command or a path); repeat it. One of another "
        "architecture (run under qemu) imports the wheels of --target for it",
    )
    wheels.add_argument(
        "--find-interpreters",
        action="store_true",
        help="every CPython 3.9+ and PyPy on PATH and among pyenv's versions",
    )
    wheels.add_argument("-w", "--wheel-dir", default="dist", help="default: dist")
    wheels.add_argument(
        "--target",
        action="append",
        default=[],
        metavar="TRIPLE",
        help="a cargo target triple to build for (repeat it; default: [tool.buildrs.release] "
        "targets, or this machine); builds the release matrix, see docs/releasing.md",
    )
    wheels.add_argument(
        "--sdist",
        action="store_true",
        help="build the sdist first, and every wheel from it, unpacked",
    )
    wheels.add_argument(
        "--uv",
        action="store_true",
        help="build with `uv build` instead of each interpreter's pip (uv's configuration "
        "then applies: UV_FIND_LINKS, not PIP_FIND_LINKS)",
    )
    wheels.add_argument(
        "--no-isolation",
        action="store_true",
        help="call the build backend in each interpreter's own environment, without pip or "
        "an isolated environment; the build requirements must be installed there (they are "
        "checked, and the missing ones named)",
    )


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m buildrs", description=__doc__.split("\n")[0])
    top.add_argument("--version", action="version", version=_version())
    commands = top.add_subparsers(dest="command", required=True)
    new = commands.add_parser(
        "new",
        help="start a new Rust-backed Python project from a template",
        description="Render a project template into PATH (cookiecutter is required: "
        "pip install 'buildrs[templates]').",
    )
    new.add_argument("path", type=_path, help="directory to create the project in")
    new.add_argument("--template", choices=TEMPLATES, default="pyo3", help="default: pyo3")
    new.add_argument("--no-input", action="store_true", help="do not ask; use defaults")
    new.add_argument("--force", action="store_true", help="render into a non-empty directory")
    new.add_argument(
        "values",
        nargs="*",
        metavar="key=value",
        help="template answers, e.g. module_name=fastmath abi3=yes",
    )
    _add_develop(commands)
    doctor = commands.add_parser(
        "doctor",
        help="check that the project can be built here, and say how to fix what cannot",
        description="Check the toolchain, the Python built for and each declared target "
        "(pyo3's supported Pythons and rustc, rust-version, target triple, rustc wrapper, "
        "zig) without building. Exit status 0: healthy; 1: problems found.",
    )
    doctor.add_argument("path", nargs="?", default=".", help="default: .")
    doctor.add_argument("--python", help="the interpreter to build for (default: this one)")
    doctor.add_argument("--json", action="store_true", help="print the report as JSON")
    _add_wheels(commands)
    keys = commands.add_parser(
        "keys",
        help="print the keys of [tool.buildrs] as Markdown tables",
        description="Print the keys of [[tool.buildrs.ext-modules]] or [[tool.buildrs.bins]], "
        "or the build-wide settings, as a Markdown table.",
    )
    keys.add_argument(
        "table", nargs="?", choices=("ext-modules", "bins", "settings"), default="ext-modules"
    )
    return top


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:
        # `python -m buildrs keys | head`: the reader left; say nothing more.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def _main(argv: Sequence[str] | None) -> int:
    top = parser()
    # key=value answers may come before or after the options.
    args, extra = top.parse_known_args(argv)
    if args.command != "new" and extra:
        top.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        if args.command == "keys":
            print(_keys(args.table))
            return 0
        if args.command == "develop":
            return _develop(args)
        if args.command == "doctor":
            return _doctor(args)
        if args.command == "wheels":
            return _wheels(args)
        return _new(top, args, extra)
    except BuildrsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _keys(table: str) -> str:
    if table == "settings":
        from buildrs.config.settings import settings_table

        return settings_table()
    from buildrs.config.targets import key_table

    return key_table("ext" if table == "ext-modules" else "bin")


def _new(top: argparse.ArgumentParser, args: argparse.Namespace, extra: list[str]) -> int:
    from .new import new_project, next_steps

    values = []
    for text in [*args.values, *extra]:
        try:
            values.append(_key_value(text))
        except argparse.ArgumentTypeError as exc:
            top.error(str(exc))
    created = new_project(
        args.path, args.template, dict(values), no_input=args.no_input, force=args.force
    )
    print(f"created {created} from the {args.template} template")
    print(next_steps(created))
    return 0


def develop_values(args: argparse.Namespace) -> dict[str, str]:
    """The build-wide settings ``develop`` was given, by setting name, as text."""
    values: dict[str, str] = {}
    for name, metavar, _ in DEVELOP_SETTINGS:
        value = getattr(args, name)
        if value is not None:
            values[name] = ("true" if value else "false") if metavar is None else value
    if args.release:
        if values.get("profile", "release") != "release":
            raise BuildrsError("develop: --release and --profile cannot be used together")
        values["profile"] = "release"
    return values


def develop_options(values: dict[str, str]) -> list[str]:
    """``values`` as ``develop``'s command line, in one order (the stamp's key)."""
    options: list[str] = []
    for name, metavar, _ in DEVELOP_SETTINGS:
        if name in values:
            option = "--" + name.replace("_", "-")
            if metavar is None:
                options.append(option if values[name] == "true" else f"--no-{option[2:]}")
            else:
                options += [option, values[name]]
    return options


def _develop(args: argparse.Namespace) -> int:
    from buildrs.compile import stamps

    values = develop_values(args)
    if stamps.enabled(os.environ) and not args.verbose:
        options = develop_options(values)
        lines = stamps.cached_develop(os.path.abspath(args.path), options, os.environ)
        if lines is not None:
            print("\n".join(lines))
            return 0
    import logging

    from .develop import develop

    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(message)s",
        stream=sys.stderr,
    )
    from pathlib import Path

    result = develop(Path(args.path), values)
    for line in result.lines:
        print(line)
    return result.returncode


def _wheels(args: argparse.Namespace) -> int:
    from pathlib import Path

    from buildrs.plan.interpreter import find, find_all, find_each, runs_here

    from .wheels import build_wheels, find_uv

    chosen = []
    for found in find_each(args.interpreter):
        if isinstance(found, BuildrsError):
            raise found
        chosen.append(found)
    if args.find_interpreters:
        named = {i.name for i in chosen}
        chosen += [i for i in find_all(os.environ) if i.name not in named]
    out = Path(args.wheel_dir).resolve()
    if out.exists() and not out.is_dir():
        raise BuildrsError(f"wheels: -w {args.wheel_dir} names a file, not a folder; name a folder")
    project = Path(args.path).resolve()
    foreign = not all(runs_here(python) for python in chosen)
    if args.target or args.sdist or foreign or _declares_release(project):
        if args.uv or args.no_isolation:
            raise BuildrsError(
                "wheels: a release matrix (--target, --sdist, [tool.buildrs.release], or an "
                "interpreter of another machine) is built in this process; --uv and "
                "--no-isolation do not apply to it"
            )
        return _release(project, chosen, args.target, out, args.sdist)
    if not chosen:
        chosen = [find(sys.executable)]
    if args.uv and args.no_isolation:
        raise BuildrsError("wheels: --uv and --no-isolation cannot be used together")
    uv = find_uv(os.environ) if args.uv else None
    build_wheels(project, chosen, out, os.environ, uv=uv, no_isolation=args.no_isolation)
    return 0


def _declares_release(project: Path) -> bool:
    from buildrs.config.pyproject import load_pyproject

    config = load_pyproject(project)[1]
    return config is not None and config.release is not None


def _release(
    project: Path, chosen: list[Python], targets: list[str], out: Path, sdist: bool
) -> int:
    from buildrs.config.release import check_triple

    from .release import REPORT, release
    from .release_matrix import table

    for triple in targets:
        check_triple(triple, "wheels --target")
    outcomes = release(project, chosen, targets, out, os.environ, sdist=sdist)
    print(table(outcomes))
    print(f"(as JSON: {out / REPORT})")
    failed = [o for o in outcomes if o.error is not None]
    for outcome in failed:
        print(
            f"\n{outcome.target_label}, {outcome.cell.python_label}: {outcome.error}",
            file=sys.stderr,
        )
    if failed:
        print(f"\nerror: {len(failed)} of {len(outcomes)} wheels failed", file=sys.stderr)
    return 1 if failed else 0


def _doctor(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from .doctor import diagnose, render

    report = diagnose(Path(args.path), python=args.python)
    print(json.dumps(report.as_json(), indent=2) if args.json else render(report))
    return 0 if report.healthy else 1
