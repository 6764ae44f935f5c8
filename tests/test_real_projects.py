"""Real projects' ``[project]`` tables, built both ways: the same wheel, or the same refusal.

Each file of ``tests/data/projects`` is the ``[project]`` table of a real project (its
source named in the file's first comment); ``AWKWARD`` adds the corners no real table
here reaches. Each becomes a project of one package, ``<name>._native`` built from a
small crate, with every file the table names, and is built through pip twice: with the
Python part buildrs makes from ``[project]``, and with setuptools'. The wheels must
match entry by entry (names, order, dates, modes, bytes); a table setuptools refuses
must be refused by both routes for the same reason.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import both_ways, failing_build, wheel_entries

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

pytestmark = [pytest.mark.integration]

PROJECTS = sorted((Path(__file__).parent / "data" / "projects").glob("*.project.toml"))
DIRECT = "the Python part: buildrs makes it from [project]"

AWKWARD = {
    "unicode": """[project]
name = "cafe-unicode"
version = "1.0"
description = "Ünïcödé — déjà vu, 日本語, emoji 🦀"
readme = "README.md"
authors = [{name = "Zoë Ñandú", email = "zoe@example.org"}, {name = "Łukasz, Jr."}]
keywords = ["crab 🦀", "ß"]
""",
    "a readme given as text": """[project]
name = "inline-readme"
version = "2.0"
readme = {text = "# Inline\\n\\nNo file behind it.\\n", content-type = "text/markdown"}
license = {text = "Permission is granted.\\nSecond line of the licence."}
""",
    "a plain-text readme file": """[project]
name = "plain-readme"
version = "0.1"
readme = {file = "docs/README.txt", content-type = "text/plain"}
""",
    "an epoch, a post, a dev and a local version": """[project]
name = "Odd.Versions_Here"
version = "1!2.0.0-Post1.DEV3+Local.7"
""",
    "dependencies by URL, with extras and markers": """[project]
name = "url-deps"
version = "1.0"
dependencies = [
    "pkg @ https://example.org/pkg-1.0.tar.gz",
    "Other_Name[Extra_One,extra.two] >= 1.0 ; python_version > '3.8' and os_name == 'posix'",
    "plain",
]
[project.optional-dependencies]
"Dev.Tools" = ["black==23.*"]
TEST = ["pytest>=7; extra == 'test'"]
""",
    "scripts, gui-scripts and entry points": """[project]
name = "entry-points"
version = "1.0"
[project.scripts]
cli = "entry_points.main:run"
"dotted.name" = "entry_points:main"
[project.gui-scripts]
gui = "entry_points.gui:start [extra]"
[project.entry-points."console_scripts_like"]
one = "entry_points.sub.mod:Class.method"
""",
    "licence files by recursive globs": """[project]
name = "glob-licences"
version = "1.0"
license = "MIT AND (Apache-2.0 OR BSD-2-Clause)"
license-files = ["LICENSE*", "licenses/**/*.txt", "vendor/*/COPYING"]
""",
    "maintainers only, a long description of one line": """[project]
name = "maintained"
version = "1.0"
maintainers = [{name = "A. Person", email = "a@example.org"}, {email = "b@example.org"}]
description = "{}"
requires-python = "  >= 3.8 , != 3.9.*"
""".replace("{}", " ".join(["word"] * 60)),
}

SOURCES = {
    **dict.fromkeys(
        ["black", "build", "click", "cryptography", "filelock", "flask", "hatch", "jinja2"], "src"
    ),
    **dict.fromkeys(["markupsafe", "packaging", "pip", "pytest", "tox", "urllib3"], "src"),
    **dict.fromkeys(["virtualenv", "unicode"], "src"),
    **dict.fromkeys(["pydantic-core", "ruff", "uv"], "python"),
}
"""The folder each project keeps its package in, where it is not the project's own."""

REFUSED = {
    "httpx": "License classifiers have been superseded",
    "jiter": "License classifiers have been superseded",
    "orjson": "must not contain {'repository'} properties",
}
"""Real tables setuptools refuses, and what both routes say."""

BY_SETUPTOOLS = {
    "sqlalchemy": "'mssql_pymssql' and 'mssql-pymssql' are one extra",
}
"""Real tables whose Python part buildrs leaves to setuptools, and the reason it gives."""


def table_files(table: dict[str, Any]) -> list[str]:
    """Every file ``table`` names: its readme and licence files, one for each pattern."""
    project = table["project"]
    named = []
    readme = project.get("readme")
    if isinstance(readme, str):
        named.append(readme)
    elif isinstance(readme, dict) and "file" in readme:
        named.append(readme["file"])
    licence = project.get("license")
    if isinstance(licence, dict) and "file" in licence:
        named.append(licence["file"])
    for pattern in project.get("license-files", []):
        named.append(re.sub(r"\[[^]]*\]", "x", pattern).replace("**", "sub").replace("*", "a"))
    return named


def package(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower())


def real_project(root: Path, text: str, crate: Path, source: str = ".") -> Path:
    """A project of ``text`` (a ``[project]`` table) with one package, in ``source``, and
    its module."""
    table = tomllib.loads(text)
    top = package(table["project"]["name"])
    root.mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=70", "buildrs"]\n'
        'build-backend = "buildrs.build_meta"\n\n'
        f"{text}\n"
        f'[[tool.buildrs.ext-modules]]\ntarget = "{top}._native"\nbinding = "NoBinding"\n'
        f'path = "{crate / "Cargo.toml"}"\n',
        encoding="utf-8",
    )
    for name in [f"{source}/{top}/__init__.py", *table_files(table)]:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{name}: Ünïcödé text\n", encoding="utf-8")
    return root


def test_every_real_table_is_here() -> None:
    assert len(PROJECTS) >= 40
    for path in PROJECTS:
        source = path.read_text(encoding="utf-8").splitlines()[0]
        assert re.match(r"# [\w.-]+/[\w.-]+, [\w./-]+", source), path.name
        assert "project" in tomllib.loads(path.read_text(encoding="utf-8")), path.name
    assert {*REFUSED, *BY_SETUPTOOLS} <= {path.name.split(".")[0] for path in PROJECTS}


def _same_wheel_or_refusal(
    name: str, text: str, crate: Path, env: dict[str, str], tmp_path: Path
) -> None:
    root = real_project(tmp_path / "project", text, crate, SOURCES.get(name, "."))
    if name in REFUSED:
        here = "--no-build-isolation"
        setuptools = {**env, "BUILDRS_NO_FAST_PATH": "1"}
        outputs = [
            failing_build(root, e, tmp_path / w, here)
            for e, w in ((env, "ours"), (setuptools, "theirs"))
        ]
        for output in outputs:
            assert REFUSED[name] in " ".join(output.split()), output
        return
    ours, theirs, log, _ = both_ways(root, env, tmp_path)
    assert BY_SETUPTOOLS.get(name, DIRECT) in log
    assert ours.name == theirs.name
    assert wheel_entries(ours) == wheel_entries(theirs)


@pytest.mark.parametrize("path", PROJECTS, ids=[p.name.split(".")[0] for p in PROJECTS])
def test_a_real_project_gives_one_wheel_both_ways(
    path: Path, crate: Path, build_env: dict[str, str], tmp_path: Path
) -> None:
    text = path.read_text(encoding="utf-8")
    _same_wheel_or_refusal(path.name.split(".")[0], text, crate, build_env, tmp_path)


@pytest.mark.parametrize("text", AWKWARD.values(), ids=AWKWARD.keys())
def test_an_awkward_table_gives_one_wheel_both_ways(
    text: str, crate: Path, build_env: dict[str, str], tmp_path: Path
) -> None:
    name = next(key for key, value in AWKWARD.items() if value == text)
    _same_wheel_or_refusal(name, text, crate, build_env, tmp_path)
