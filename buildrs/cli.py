"""``python -m buildrs``: the command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .errors import BuildrsError
from .new import TEMPLATES, new_project
from .settings import key_table

__all__ = ["main"]


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
    new.add_argument("path", type=Path, help="directory to create the project in")
    new.add_argument("--template", choices=TEMPLATES, default="pyo3", help="default: pyo3")
    new.add_argument("--no-input", action="store_true", help="do not ask; use defaults")
    new.add_argument("--force", action="store_true", help="render into a non-empty directory")
    new.add_argument(
        "values",
        nargs="*",
        metavar="key=value",
        help="template answers, e.g. module_name=fastmath abi3=yes",
    )
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
    if args.command == "keys":
        if extra:
            top.error(f"unrecognized arguments: {' '.join(extra)}")
        print(key_table("ext" if args.table == "ext-modules" else "bin"))
        return 0
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
