"""A wheel's core metadata from ``[project]``, without setuptools.

``project_metadata`` turns the ``[project]`` table of pyproject.toml into the
``METADATA`` and ``entry_points.txt`` files of a wheel's ``.dist-info`` and the
license files it carries, written as setuptools writes them for the same table
(its field order, its normalised version, requirements, markers and licence
expression), so that a wheel built without setuptools is the wheel setuptools
would have built, file for file.

What this module does not know how to write exactly as setuptools would (a
``dynamic`` field, a key it does not know, a value setuptools would reject or
warn about) raises ``SetuptoolsNeeded`` naming it: that build goes through
setuptools, which also reports the problems of an invalid table.
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from buildrs.errors import SetuptoolsNeeded

__all__ = ["ProjectMetadata", "dist_info_name", "project_metadata", "wheel_name_parts"]

_KNOWN = {
    "name",
    "version",
    "description",
    "readme",
    "requires-python",
    "license",
    "license-files",
    "authors",
    "maintainers",
    "keywords",
    "classifiers",
    "urls",
    "dependencies",
    "optional-dependencies",
    "scripts",
    "gui-scripts",
    "entry-points",
    "dynamic",
}
_VALID_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)
_CONTENT_TYPES = {".md": "text/markdown", ".rst": "text/x-rst", ".txt": "text/plain"}
_DEFAULT_LICENSE_FILES = ("LICEN[CS]E*", "COPYING*", "NOTICE*", "AUTHORS*")
_ENTRY_POINT_NAME = re.compile(r"[\w.-]+")
_ENTRY_POINT_VALUE = re.compile(r"[\w.]+\s*(:\s*[\w.]+)?\s*(\[[\w.,\s-]*\])?")


@dataclass(frozen=True)
class ProjectMetadata:
    """What a wheel's ``.dist-info`` says of the project."""

    name: str
    """The name as written in ``[project]``."""
    version: str
    """The version, normalised (``1.0.0-beta1`` -> ``1.0.0b1``)."""
    metadata: str
    """The ``METADATA`` file."""
    entry_points: str
    """The ``entry_points.txt`` file; empty when there are none."""
    license_files: tuple[str, ...]
    """The license files, relative to the project (``licenses/apache.txt``)."""
    referenced: tuple[str, ...] = ()
    """The files ``readme`` and ``license.file`` name, as written (setuptools' manifest
    holds them, so one inside a package is shipped as its package data)."""


def _need(reason: str) -> SetuptoolsNeeded:
    return SetuptoolsNeeded(f"[project] {reason}")


def _strings(table: Mapping[str, Any], key: str) -> list[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _need(f"{key} is not a list of strings")
    return value


def _text(table: Mapping[str, Any], key: str) -> str | None:
    value = table.get(key)
    if value is not None and not isinstance(value, str):
        raise _need(f"{key} is not a string")
    return value


def _read(root: Path, name: str, key: str) -> str:
    path = root / name
    if os.path.isabs(name) or not path.is_file():
        raise _need(f"{key}: {name} is not a file of the project")
    with open(path, encoding="utf-8") as handle:  # text mode: newlines as setuptools reads them
        return handle.read()


def _readme(root: Path, value: Any) -> tuple[str | None, str | None]:
    """The long description and its content type."""
    if value is None:
        return None, None
    if isinstance(value, str):
        ext = os.path.splitext(value.lower())[1]
        if ext and ext not in _CONTENT_TYPES:
            raise _need(f"readme: no content type is known for {value}")
        return _read(root, value, "readme"), _CONTENT_TYPES.get(ext)
    if isinstance(value, dict) and isinstance(value.get("content-type"), str):
        if set(value) - {"file", "text", "content-type"}:
            raise _need("readme has a key setuptools does not know")
        text = value.get("text")
        if isinstance(text, str) and text:
            return text, value["content-type"]
        if isinstance(value.get("file"), str):
            return _read(root, value["file"], "readme"), value["content-type"]
    raise _need("readme is neither a file name nor a table with a content type")


def _people(table: Mapping[str, Any], key: str) -> tuple[str | None, str | None]:
    """The names-only and the with-email entries of ``authors``/``maintainers``."""
    from email.headerregistry import Address

    names: list[str] = []
    emails: list[str] = []
    entries = table.get(key, [])
    if not isinstance(entries, list):
        raise _need(f"{key} is not a list of tables")
    for person in entries:
        if not isinstance(person, dict) or set(person) - {"name", "email"} or not person:
            raise _need(f"{key} holds an entry other than {{name, email}}")
        name, email = person.get("name"), person.get("email")
        if not all(isinstance(v, (str, type(None))) for v in (name, email)):
            raise _need(f"{key} holds a name or email that is not a string")
        if name is None:
            emails.append(str(email))
        elif email is None:
            names.append(name)
        else:
            try:
                emails.append(str(Address(display_name=name, addr_spec=email)))
            except (ValueError, IndexError, TypeError):
                raise _need(f"{key}: {email!r} is not an email address") from None
    # A list of names is written even when it joins to "" (``authors = [{name = ""}]``).
    return (", ".join(names) if names else None), (", ".join(emails) if emails else None)


def _license(
    root: Path, table: Mapping[str, Any], classifiers_too: bool = False
) -> tuple[str | None, str | None]:
    """The licence expression (canonical) or the licence text."""
    value = table.get("license")
    if value is None:
        return None, None
    if isinstance(value, str):
        try:
            from packaging.licenses import (
                InvalidLicenseExpression,
                canonicalize_license_expression,
            )
        except ImportError:  # packaging < 24.2
            raise _need("license is an expression, which needs packaging 24.2") from None

        classifiers = _strings(table, "classifiers")
        if not classifiers_too and any(c.startswith("License :: ") for c in classifiers):
            raise _need("license is given with License :: classifiers, which setuptools refuses")
        try:
            return str(canonicalize_license_expression(value)), None
        except InvalidLicenseExpression:
            raise _need(f"license {value!r} is not an SPDX expression") from None
    if isinstance(value, dict) and len(value) == 1 and isinstance(value.get("text"), str):
        return None, value["text"]
    if isinstance(value, dict) and len(value) == 1 and isinstance(value.get("file"), str):
        return None, _read(root, value["file"], "license.file")
    raise _need("license is neither a string nor a table with file or text")


def _rfc822_escape(text: str) -> str:
    """A header value of several lines: each line after the first indented by 8."""
    indent = " " * 8
    lines = text.splitlines(keepends=True)
    ends_in_newline = bool(lines) and lines[-1].splitlines()[0] != lines[-1]
    return indent.join(lines) + (indent if ends_in_newline else "")


def _plain(path: str) -> bool:
    """Whether ``path`` is written as setuptools writes the paths it finds: relative,
    with no ``.`` or ``..`` part (setuptools keeps a path as it is written)."""
    parts = path.replace(os.sep, "/").split("/")
    return not os.path.isabs(path) and all(part not in (".", "..", "") for part in parts)


def _license_files(root: Path, table: Mapping[str, Any]) -> tuple[str, ...]:
    """The files ``license-files`` names (or the default patterns find), in setuptools'
    order: pattern by pattern, sorted within each, each file once."""
    given = "license-files" in table
    patterns = _strings(table, "license-files") if given else list(_DEFAULT_LICENSE_FILES)
    found: dict[str, None] = {}
    for pattern in patterns:
        if os.path.isabs(pattern) or not _plain(pattern):
            raise _need(f"license-files: {pattern!r} names files as written, not as found")
        anchored = os.path.join(glob.escape(str(root)), pattern)
        matches = sorted(os.path.relpath(p, root) for p in glob.glob(anchored, recursive=True))
        if given and not matches:
            raise _need(f"license-files: no file matches {pattern!r}")
        for path in matches:
            if not path.endswith("~") and (root / path).is_file():
                found.setdefault(path.replace(os.sep, "/"), None)
    return tuple(found)


def _requirements(table: Mapping[str, Any]) -> list[str]:
    """``Requires-Dist`` and ``Provides-Extra`` lines, as setuptools writes them."""
    from packaging.markers import Marker
    from packaging.requirements import InvalidRequirement, Requirement

    def parsed(text: str, key: str) -> Requirement:
        try:
            return Requirement(str(Requirement(text)))
        except InvalidRequirement:
            raise _need(f"{key}: {text!r} is not a requirement") from None

    lines = [f"Requires-Dist: {parsed(r, 'dependencies')}" for r in _strings(table, "dependencies")]
    extras = table.get("optional-dependencies", {})
    if not isinstance(extras, dict):
        raise _need("optional-dependencies is not a table")
    provided: dict[str, str] = {}
    for unsafe, _ in extras.items():
        requirements = _strings(extras, unsafe)
        extra = re.sub(r"[^A-Z0-9]+", "-", unsafe, flags=re.IGNORECASE).strip("-").lower()
        if not extra or ":" in unsafe:
            raise _need(f"optional-dependencies: {unsafe!r} is not an extra's name")
        if extra in provided:
            raise _need(f"optional-dependencies: {unsafe!r} and {provided[extra]!r} are one extra")
        provided[extra] = unsafe
        lines.append(f"Provides-Extra: {extra}")
        for text in requirements:
            req = parsed(text, f"optional-dependencies.{unsafe}")
            parts = [f"({req.marker})"] if req.marker else []
            req.marker = Marker(" and ".join([*parts, f"extra == {extra!r}"]))
            lines.append(f"Requires-Dist: {req}")
    return lines


def _entry_points(table: Mapping[str, Any], extra_scripts: Sequence[str]) -> str:
    """``entry_points.txt``: groups sorted by name, entries by name and value."""
    groups: dict[str, dict[str, str]] = {}
    given = table.get("entry-points", {})
    if not isinstance(given, dict):
        raise _need("entry-points is not a table of tables")
    for group, entries in given.items():
        if group in ("console_scripts", "gui_scripts"):
            raise _need(f"entry-points.{group} belongs in [project.scripts] or gui-scripts")
        groups[group] = entries
    for key, group in (("scripts", "console_scripts"), ("gui-scripts", "gui_scripts")):
        if key in table:
            groups[group] = table[key]
    found: dict[str, list[tuple[str, str]]] = {}
    for group, entries in groups.items():
        if not isinstance(entries, dict) or not all(isinstance(v, str) for v in entries.values()):
            raise _need(f"entry points of {group} are not a table of strings")
        items = [(name.strip(), value.strip()) for name, value in entries.items()]
        found.setdefault(group, []).extend(items)
    for line in extra_scripts:  # buildrs' own console scripts (Exec targets)
        name, _, value = line.partition("=")
        found.setdefault("console_scripts", []).append((name.strip(), value.strip()))
    blocks = []
    for group in sorted(g for g, items in found.items() if items):
        items = found[group]
        names = [name for name, _ in items]
        for name, value in items:
            valid_name = _ENTRY_POINT_NAME.fullmatch(name) and names.count(name) == 1
            if not valid_name or not _ENTRY_POINT_VALUE.fullmatch(value):
                raise _need(f"entry point {group}.{name} = {value!r} is not valid or not unique")
        body = "\n".join(f"{name} = {value}" for name, value in sorted(items))
        blocks.append(f"[{group}]\n{body}\n")
    return "\n".join(blocks)


def wheel_name_parts(name: str, version: str) -> tuple[str, str]:
    """The distribution's name and version as a wheel's file name spells them."""
    safe = re.sub(r"[^A-Z0-9._-]+", "-", name, flags=re.IGNORECASE)
    return re.sub(r"[-_.]+", "-", safe).lower().replace("-", "_"), version.replace("-", "_")


def dist_info_name(name: str, version: str) -> str:
    """The wheel's ``.dist-info`` folder: ``rich_demo-1.0.0b1.dist-info``."""
    return "-".join(wheel_name_parts(name, version)) + ".dist-info"


def _version(table: Mapping[str, Any]) -> str:
    from packaging.version import InvalidVersion, Version

    version = _text(table, "version")
    if version is None:
        raise _need("version is not given")
    try:
        return str(Version(version.replace(" ", ".")))
    except InvalidVersion:
        raise _need(f"version {version!r} is not a PEP 440 version") from None


def project_metadata(
    root: Path,
    table: Mapping[str, Any],
    extra_scripts: Sequence[str] = (),
    licence_classifiers: bool = False,
) -> ProjectMetadata:
    """The ``.dist-info`` files of the project in ``root`` whose ``[project]`` table is
    ``table`` (``extra_scripts``: more ``console_scripts``, ``name = mod:fn``;
    ``licence_classifiers``: License classifiers beside an expression are shipped)."""
    unknown = sorted(set(table) - _KNOWN)
    if unknown:
        raise _need(f"has keys buildrs does not write itself: {', '.join(unknown)}")
    if table.get("dynamic"):
        raise _need("dynamic lists fields that setuptools fills in")
    name = _text(table, "name")
    if name is None or not _VALID_NAME.match(name):
        raise _need(f"name {name!r} is not a valid project name")
    version = _version(table)
    lines = ["Metadata-Version: 2.4", f"Name: {name}", f"Version: {version}"]
    summary = _text(table, "description")
    if summary:
        summary = summary.strip().split("\n")[0] if "\n" in summary else summary
        lines.append(f"Summary: {summary}")
    for key, field in (("authors", "Author"), ("maintainers", "Maintainer")):
        names, emails = _people(table, key)
        lines += [f"{field}: {names}"] if names is not None else []
        lines += [f"{field}-email: {emails}"] if emails is not None else []
    expression, license_text = _license(root, table, licence_classifiers)
    if expression:
        lines.append(f"License-Expression: {expression}")
    elif license_text:
        lines.append(f"License: {_rfc822_escape(license_text)}")
    urls = table.get("urls", {})
    if not isinstance(urls, dict) or not all(isinstance(v, str) for v in urls.values()):
        raise _need("urls is not a table of strings")
    lines += [f"Project-URL: {label}, {url}" for label, url in urls.items()]
    keywords = ",".join(_strings(table, "keywords"))
    lines += [f"Keywords: {keywords}"] if keywords else []
    lines += [f"Classifier: {c}" for c in _strings(table, "classifiers")]
    requires_python = _text(table, "requires-python")
    if requires_python is not None:
        from packaging.specifiers import InvalidSpecifier, SpecifierSet

        try:
            lines.append(f"Requires-Python: {SpecifierSet(requires_python)}")
        except InvalidSpecifier:
            raise _need(f"requires-python {requires_python!r} is not a specifier") from None
    description, content_type = _readme(root, table.get("readme"))
    if content_type:
        lines.append(f"Description-Content-Type: {content_type}")
    license_files = _license_files(root, table)
    lines += [f"License-File: {path}" for path in license_files]
    lines += _requirements(table)
    lines += ["Dynamic: license-file"] if license_files else []
    text = "".join(f"{line}\n" for line in lines)
    if description:
        text += f"\n{description}" + ("" if description.endswith("\n") else "\n")
    entry_points = _entry_points(table, extra_scripts)
    referenced = _referenced(table)
    return ProjectMetadata(name, version, text, entry_points, license_files, referenced)


def _referenced(table: Mapping[str, Any]) -> tuple[str, ...]:
    """The files ``readme`` and ``license.file`` name."""
    readme, licence = table.get("readme"), table.get("license")
    named = [readme if isinstance(readme, str) else None]
    named.append(readme.get("file") if isinstance(readme, dict) else None)
    named.append(licence.get("file") if isinstance(licence, dict) else None)
    found = tuple(name for name in named if isinstance(name, str) and name)
    for name in found:
        if not _plain(name):
            raise _need(f"{name!r} is a path setuptools keeps as written")
    return found
