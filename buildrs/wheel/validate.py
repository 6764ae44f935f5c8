"""pyproject.toml held to what setuptools accepts, before any wheel is built.

Every route to a wheel of a project with a ``[project]`` table runs ``check_pyproject``
first (buildrs' own route from ``[project]``, setuptools' through buildrs' plugin),
so a table setuptools would refuse is refused on every route, with setuptools' own
reason:

- the table's schema, by the validator setuptools itself uses (its copy of
  validate-pyproject, which checks classifiers against trove-classifiers where that
  is installed), called the way setuptools calls it;
- the files ``readme`` and ``license.file`` name, which must lie inside the project;
- ``License ::`` classifiers beside a licence expression (PEP 639), and
  ``license-files`` patterns that are absolute.

Where setuptools only warns and the wheel would lack what the project declares, buildrs
stops instead, naming the file: a ``readme`` or ``license.file`` that does not
exist, a ``license-files`` pattern that matches no file (PEP 639 asks build tools to
refuse it).
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from buildrs import folders
from buildrs.errors import ConfigError

__all__ = ["check_pyproject"]


def check_pyproject(root: Path, pyproject: Mapping[str, Any], maturin: bool = False) -> None:
    """Refuse the pyproject.toml of the project in ``root`` (parsed: ``pyproject``)
    where setuptools would, or where the wheel would lack a file it names. A maturin
    project (``maturin``) keeps License classifiers beside an expression, as maturin
    does (``config.maturin`` warns of them)."""
    table = pyproject.get("project")
    if not isinstance(table, dict):
        return
    _schema(root, pyproject, "" if maturin else ", and setuptools would refuse it too")
    _files(root, table)
    if not maturin:
        _licence(table)


def _schema(root: Path, pyproject: Mapping[str, Any], also: str) -> None:
    key = _validation_key(root, pyproject)
    memo = Path(folders.validated(root))
    try:
        passed = json.loads(memo.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        passed = []
    if key in passed:
        return  # the same table passed the same validator before
    from setuptools.config.pyprojecttoml import validate

    try:
        validate(dict(pyproject), root / "pyproject.toml")
    except ValueError as error:
        reason = " ".join(line.strip() for line in str(error).splitlines() if line.strip())
        raise ConfigError(f"pyproject.toml is not valid{also}: {reason}") from None
    try:
        memo.parent.mkdir(parents=True, exist_ok=True)
        memo.write_text(json.dumps([key, *passed][:8]), encoding="utf-8")
    except OSError:
        pass  # a read-only tree validates every time


def _validation_key(root: Path, pyproject: Mapping[str, Any]) -> str:
    """What the schema check depends on: the parsed file and the validator (the
    setuptools it comes with, and trove-classifiers, which it checks classifiers
    against where it is installed)."""
    from .installed import versions

    found = versions(root, ["setuptools", "trove-classifiers"])
    text = json.dumps([pyproject, found], sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _named_file(root: Path, name: object, key: str) -> None:
    if not isinstance(name, str):
        return
    path = Path(os.path.abspath(root / name))
    if Path(os.path.abspath(root)) not in path.parents:
        raise ConfigError(
            f"pyproject.toml: [project] {key} = {name!r} lies outside the project folder "
            f"{root}, which setuptools refuses (Cannot access {name!r}): copy the file into "
            "the project, or name one inside it"
        )
    if not path.is_file():
        raise ConfigError(
            f"pyproject.toml: [project] {key} = {name!r}: there is no such file in "
            f"{root}; add it or fix the name (as it is, the wheel would carry no "
            f"{'description' if key == 'readme' else 'licence text'})"
        )


def _files(root: Path, table: Mapping[str, Any]) -> None:
    readme = table.get("readme")
    if isinstance(readme, dict):
        _named_file(root, readme.get("file"), "readme.file")
    else:
        _named_file(root, readme, "readme")
    licence = table.get("license")
    if isinstance(licence, dict):
        _named_file(root, licence.get("file"), "license.file")
    for pattern in table.get("license-files") or []:
        if not isinstance(pattern, str):
            continue
        if os.path.isabs(pattern):
            raise ConfigError(
                f"pyproject.toml: [project] license-files: {pattern!r} is an absolute path, "
                "which setuptools refuses: give a pattern relative to the project folder"
            )
        anchored = os.path.join(glob.escape(str(root)), pattern)
        if not any(os.path.isfile(p) for p in glob.glob(anchored, recursive=True)):
            raise ConfigError(
                f"pyproject.toml: [project] license-files: no file matches {pattern!r} in "
                f"{root} (PEP 639 asks build tools to refuse it); fix the pattern or add "
                "the file"
            )


def _licence(table: Mapping[str, Any]) -> None:
    if not isinstance(table.get("license"), str):
        return
    given = table.get("classifiers") or []
    classifiers = [c for c in given if isinstance(c, str) and c.startswith("License ::")]
    if classifiers:
        listed = "; ".join(classifiers)
        raise ConfigError(
            "pyproject.toml: [project] license is a licence expression, and License "
            "classifiers have been superseded by licence expressions (PEP 639), which "
            f"setuptools refuses; remove them from classifiers: {listed}"
        )
