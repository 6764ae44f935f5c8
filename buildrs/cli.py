"""``python -m buildrs``: the command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from .errors import BuildrsError

# The names buildrs.new renders (not imported from there: the module is slow to load,
# and `develop` must start fast); a test keeps the two equal.
TEMPLATES = ("pyo3", "cffi", "bin")

__all__ = ["main"]


def _path(text: str) -> Any:
    from pathlib import Path

    return Path(text)


def _key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected key=value, got {text!r}")
    return key, value


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m buildrs", description=__doc__)
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
    develop = commands.add_parser(
        "develop",
        help="build the project's Rust targets in place (no setuptools, no cargo run when "
        "nothing changed)",
        description="Build every Rust target of the project in PATH in place: modules next "
        "to their Python sources, binaries into this environment's scripts directory. "
        "cargo's progress goes to stderr, one line per target to stdout.",
    )
    develop.add_argument("path", nargs="?", default=".", help="default: .")
    profile = develop.add_mutually_exclusive_group()
    profile.add_argument("--release", action="store_true", help="cargo's release profile")
    profile.add_argument("--profile", help="a cargo profile (default: the editable profile, dev)")
    develop.add_argument("--target", help="a cargo target triple")
    develop.add_argument("-v", "--verbose", action="store_true", help="show buildrs' own steps")
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
    keys = commands.add_parser(
        "keys",
        help="print the keys of [tool.buildrs] target tables",
        description="Print the keys of [[tool.buildrs.ext-modules]] or [[tool.buildrs.bins]] "
        "as a Markdown table.",
    )
    keys.add_argument("table", nargs="?", choices=("ext-modules", "bins"), default="ext-modules")
    return top


def main(argv: Sequence[str] | None = None) -> int:
    top = parser()
    # key=value answers may come before or after the options.
    args, extra = top.parse_known_args(argv)
    if args.command != "new" and extra:
        top.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        if args.command == "keys":
            from .settings import key_table

            print(key_table("ext" if args.table == "ext-modules" else "bin"))
            return 0
        if args.command == "develop":
            return _develop(args)
        if args.command == "doctor":
            return _doctor(args)
    except BuildrsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return _new(top, args, extra)


def _new(top: argparse.ArgumentParser, args: argparse.Namespace, extra: list[str]) -> int:
    from .new import new_project

    values = []
    for text in [*args.values, *extra]:
        try:
            values.append(_key_value(text))
        except argparse.ArgumentTypeError as exc:
            top.error(str(exc))
    try:
        created = new_project(
            args.path, args.template, dict(values), no_input=args.no_input, force=args.force
        )
    except BuildrsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"created {created} from the {args.template} template")
    print(f"next: cd {created} && pip install -e '.[test]' && pytest")
    return 0


def _develop(args: argparse.Namespace) -> int:
    import os

    from . import fastpath

    profile = "release" if args.release else args.profile
    if fastpath.enabled(os.environ) and not args.verbose:
        options = fastpath.develop_options(profile, args.target)
        lines = fastpath.cached_develop(os.path.abspath(args.path), options, os.environ)
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

    result = develop(Path(args.path), profile=profile, target=args.target)
    for line in result.lines:
        print(line)
    return result.returncode


def _doctor(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from .doctor import diagnose, render

    report = diagnose(Path(args.path), python=args.python)
    print(json.dumps(report.as_json(), indent=2) if args.json else render(report))
    return 0 if report.healthy else 1
