"""Reject template answers that would give a broken project, before any file is written."""

import json
import keyword
import re
import sys

answers = json.loads("""{{ cookiecutter | jsonify }}""")
problems = []
slug = answers["project_slug"]
if not re.fullmatch(r"[a-z0-9]([a-z0-9._-]*[a-z0-9])?", slug):
    problems.append(
        f"project_slug {slug!r} must be lower case letters, digits, '-', '_' or '.', "
        "with no spaces (it names the distribution and the crate)"
    )
module = answers.get("module_name")
if module is not None and (not module.isidentifier() or keyword.iskeyword(module)):
    fixed = re.sub(r"[^0-9a-zA-Z_]", "_", module).lstrip("0123456789_") or "my_module"
    problems.append(f"module_name {module!r} is not a Python identifier; use e.g. {fixed!r}")
command = answers.get("command_name")
if command is not None and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", command):
    problems.append(
        f"command_name {command!r} must be letters, digits, '.', '_' or '-' (no spaces or '/')"
    )
floor = re.fullmatch(r"3\.(\d+)", answers.get("python_floor", "3.9"))
if not floor or int(floor.group(1)) < 9:
    problems.append(
        f"python_floor {answers.get('python_floor')!r} must be 3.9 or later, like '3.10'"
    )
if problems:
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    sys.exit(1)
