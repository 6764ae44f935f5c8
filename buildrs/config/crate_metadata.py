"""``[project]`` completed from Cargo.toml, as maturin completes it.

The fields a ``[project]`` table lists in ``dynamic`` (every field maturin takes,
where there is no ``[project]`` table) are read from the crate's ``[package]``,
values inherited from the workspace (``version.workspace = true``) included: the
version as PEP 440 writes it (``pep440``), the description on one line, the readme
and licence file (paths made relative to the project folder), the licence
expression, the authors (``Name <email>``), the keywords, and ``homepage``,
``repository`` and ``documentation`` as the URLs ``Homepage``, ``Source Code`` and
``Documentation``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from buildrs.errors import ConfigError

from .manifest import workspace_root
from .values import subtable

__all__ = ["complete_project", "pep440"]


def pep440(version: str, where: str) -> str:
    """A Cargo (SemVer) version as PEP 440 writes it: ``1.2.0-alpha.1`` -> ``1.2.0a1``,
    ``-beta``/``-rc`` likewise, ``-dev.3`` -> ``.dev3``, build metadata a local
    version."""
    from packaging.version import InvalidVersion, Version

    core, plus, build = version.partition("+")
    release, dash, pre = core.partition("-")
    text = release
    if dash:
        found = re.fullmatch(r"(alpha|a|beta|b|rc|c|pre|preview|dev)[.-]?(\d*)", pre)
        if found is None:
            raise ConfigError(
                f"{where}: version {version!r} has a pre-release part PEP 440 cannot say; "
                "use alpha, beta, rc or dev with a number (1.0.0-alpha.1)"
            )
        kind, number = found.group(1), found.group(2) or "0"
        short = {"alpha": "a", "beta": "b", "c": "rc", "pre": "rc", "preview": "rc"}
        text += f".dev{number}" if kind == "dev" else f"{short.get(kind, kind)}{number}"
    if plus:
        text += "+" + re.sub(r"[^A-Za-z0-9.]", ".", build)
    try:
        return str(Version(text))
    except InvalidVersion:
        raise ConfigError(
            f"{where}: version {version!r} is not a version PEP 440 can say"
        ) from None


def _inherited(
    package: Mapping[str, Any], key: str, workspace: Mapping[str, Any], manifest: Path
) -> Any:
    value = package.get(key)
    if isinstance(value, dict) and value.get("workspace") is True:
        shared = subtable(subtable(workspace, "workspace"), "package")
        if key not in shared:
            raise ConfigError(
                f"{manifest}: [package] {key}.workspace = true, but the workspace has no "
                f"[workspace.package] {key}"
            )
        return shared[key]
    return value


def _people(value: object) -> list[dict[str, str]]:
    people: list[dict[str, str]] = []
    for entry in value if isinstance(value, list) else []:
        found = re.fullmatch(r"\s*(.*?)\s*<([^>]+)>\s*", str(entry))
        if found:
            person = {"email": found.group(2)}
            if found.group(1):
                person["name"] = found.group(1)
            people.append(person)
        elif str(entry).strip():
            people.append({"name": str(entry).strip()})
    return people


_FROM_CARGO = (
    "version",
    "description",
    "readme",
    "license",
    "license-files",
    "authors",
    "keywords",
    "urls",
)


_URLS = (
    ("homepage", "Homepage"),
    ("repository", "Source Code"),
    ("documentation", "Documentation"),
)


def _readme(crate_dir: Path) -> str | None:
    """The readme cargo finds when ``readme`` is not set."""
    return next(
        (n for n in ("README.md", "README.txt", "README") if (crate_dir / n).is_file()), None
    )


def _cargo_metadata(
    root: Path, manifest: Path, crate: Mapping[str, Any], wanted: Sequence[str]
) -> dict[str, Any]:
    """The ``[project]`` fields of ``wanted`` that Cargo.toml gives."""
    crate_dir = manifest.parent
    _, workspace = workspace_root(crate_dir, crate)
    package = subtable(crate, "package")
    where = f"{manifest}: [package]"

    def get(key: str) -> Any:
        return _inherited(package, key, workspace, manifest)

    def relative(path: str, key: str) -> str:
        full = (crate_dir / path).resolve()
        try:
            return full.relative_to(root.resolve()).as_posix()
        except ValueError:
            raise ConfigError(
                f"{where} {key} = {path!r} lies outside the project folder {root}; copy the "
                "file into it, or set the field in [project]"
            ) from None

    found: dict[str, Any] = {}
    for key in wanted:
        if key == "version" and isinstance(get("version"), str):
            found["version"] = pep440(get("version"), where)
        elif key == "description" and isinstance(get("description"), str):
            found["description"] = " ".join(get("description").split())
        elif key == "readme":
            readme = get("readme")
            readme = _readme(crate_dir) if readme is None else readme
            if isinstance(readme, str):
                found["readme"] = relative(readme, "readme")
        elif key == "license":
            if isinstance(get("license"), str):
                found["license"] = get("license")
            elif isinstance(get("license-file"), str):
                found["license"] = {"file": relative(get("license-file"), "license-file")}
        elif key == "authors" and get("authors"):
            found["authors"] = _people(get("authors"))
        elif key == "keywords" and isinstance(get("keywords"), list):
            found["keywords"] = [str(k) for k in get("keywords")]
        elif key == "urls":
            urls = {label: get(k) for k, label in _URLS if isinstance(get(k), str)}
            if urls:
                found["urls"] = urls
    return found


def complete_project(
    root: Path, pyproject: Mapping[str, Any], manifest: Path, crate: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """``[project]`` completed from Cargo.toml, and the notes about it."""
    notes: list[str] = []
    given = pyproject.get("project")
    if given is None:
        name = subtable(crate, "package").get("name")
        table: dict[str, Any] = {"name": name}
        wanted: list[str] = list(_FROM_CARGO)
    elif isinstance(given, dict):
        table = dict(given)
        dynamic = table.pop("dynamic", [])
        wanted = [str(d) for d in dynamic] if isinstance(dynamic, list) else []
        left = [d for d in wanted if d not in _FROM_CARGO]
        if left:
            raise ConfigError(
                f"pyproject.toml: [project] dynamic lists {', '.join(left)}, which neither "
                "maturin nor buildrs takes from Cargo.toml; set them in [project]"
            )
    else:
        raise ConfigError("pyproject.toml: [project] must be a table")
    table.update(_cargo_metadata(root, manifest, crate, wanted))
    if "version" not in table:
        raise ConfigError(
            f"{manifest}: [package] has no version, and pyproject.toml's [project] sets none; "
            "set one of them"
        )
    classifiers = table.get("classifiers") or []
    licence = [c for c in classifiers if isinstance(c, str) and c.startswith("License ::")]
    if isinstance(table.get("license"), str) and licence:
        notes.append(
            "warning: License classifiers beside the licence expression "
            f"{table['license']!r} are superseded (PEP 639); maturin ships them, and so does "
            f"buildrs, but setuptools would refuse them: {'; '.join(licence)}"
        )
    return table, notes
