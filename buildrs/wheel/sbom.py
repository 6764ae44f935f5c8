"""A software bill of materials for a wheel (PEP 770): the crates compiled into it.

The document is made from the build's own record, never from a resolve of its own,
so it can always be made offline and is never staler than the build: the crates
are those cargo reported compiling (its ``compiler-artifact`` messages, fresh ones
included), linked as each crate's manifest declares its normal dependencies
(``[dependencies]`` and ``[target.*.dependencies]``; an optional one only when the
features the crate was compiled with turn it on) between the versions the
workspace's Cargo.lock resolved, followed from the crates of the targets: what is
linked into the module or binary, not its build scripts' or tests' dependencies,
nor another platform's. Licenses come from the packages' manifests (a workspace's
where inherited), sources and checksums from Cargo.lock. The document is CycloneDX
1.6 JSON, made by ``cyclonedx-python-lib``, and is the same bytes for the same
tree: its serial number is derived from its contents, and it holds a time only
when ``SOURCE_DATE_EPOCH`` names one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from buildrs import folders
from buildrs.compile.cargo import Artifact
from buildrs.compile.run import CargoRun
from buildrs.config.manifest import load_toml, workspace_root
from buildrs.plan.context import ProjectContext

__all__ = ["Crate", "compiled_crates", "document", "sbom_json"]

log = logging.getLogger("buildrs")


@dataclass(frozen=True)
class Crate:
    """One package cargo compiled into the wheel's modules or binaries."""

    id: str
    name: str
    version: str
    license: str | None
    source: str | None
    """``registry+https://...``, ``git+https://...``; ``None`` for a local path."""
    checksum: str | None
    """The SHA-256 Cargo.lock records for it (registry packages)."""
    dependencies: tuple[str, ...]
    """The ids of the crates it depends on, in this document."""


@dataclass
class _Package:
    """A package one cargo run compiled, gathered from its artifact messages."""

    id: str
    name: str
    version: str
    source: str | None
    manifest: Path
    features: set[str]


_OLD_ID = re.compile(r"^(\S+) (\S+) \((.+)\)$")


def _version_and_source(package_id: str) -> tuple[str, str | None]:
    """The version and source a package id names (``registry+https://...#itoa@1.0.11``,
    ``path+file:///x/core#0.1.0``, or cargo's older ``itoa 1.0.11 (registry+...)``);
    a local package's source is ``None``."""
    old = _OLD_ID.match(package_id)
    if old:
        source = old.group(3)
        return old.group(2), None if source.startswith("path+") else source
    url, _, fragment = package_id.rpartition("#")
    version = fragment.rpartition("@")[2]
    if url.startswith("git+"):
        return version, None  # Cargo.lock names the commit
    return version, None if url.startswith("path+") or not url else url


def _packages(artifacts: Iterable[Artifact]) -> dict[tuple[str, str], _Package]:
    """The packages compiled, by name and version."""
    found: dict[tuple[str, str], _Package] = {}
    for artifact in artifacts:
        version, source = _version_and_source(artifact.package_id)
        manifest = load_toml(artifact.manifest_path, "Cargo.toml")
        name = str(manifest.get("package", {}).get("name", artifact.target_name))
        package = found.setdefault(
            (name, version),
            _Package(artifact.package_id, name, version, source, artifact.manifest_path, set()),
        )
        if "custom-build" not in artifact.kinds:
            package.features.update(artifact.features)
    return found


def _normal_dependencies(package: _Package) -> dict[str, str]:
    """The normal dependencies the package's manifest turns on for the features it was
    compiled with: each dependency's package name, by the key the manifest uses."""
    data = load_toml(package.manifest, "Cargo.toml")
    tables = [data.get("dependencies", {})]
    for spec in (data.get("target") or {}).values():
        if isinstance(spec, dict):
            tables.append(spec.get("dependencies", {}))
    features = data.get("features") or {}
    explicit = {
        item[len("dep:") :]
        for items in features.values()
        if isinstance(items, list)
        for item in items
        if isinstance(item, str) and item.startswith("dep:")
    }
    enabled = {
        item
        for name in package.features
        for item in (features.get(name) or [])
        if isinstance(item, str)
    }
    found: dict[str, str] = {}
    for table in tables:
        for key, spec in (table if isinstance(table, dict) else {}).items():
            optional = isinstance(spec, dict) and spec.get("optional") is True
            turned_on = (
                (key in package.features and key not in explicit)
                or f"dep:{key}" in enabled
                or any(item.startswith(f"{key}/") for item in enabled)
            )
            if optional and not turned_on:
                continue
            renamed = spec.get("package") if isinstance(spec, dict) else None
            found[key] = renamed if isinstance(renamed, str) else key
    return found


def _license(package: _Package) -> str | None:
    data = load_toml(package.manifest, "Cargo.toml")
    value = data.get("package", {}).get("license")
    if isinstance(value, dict) and value.get("workspace") is True:
        _, root = workspace_root(package.manifest.parent, data)
        value = (root.get("workspace", {}).get("package") or {}).get("license")
    return value if isinstance(value, str) else None


def _lock(manifest: Path) -> dict[tuple[str, str], Mapping[str, Any]]:
    """The packages of the Cargo.lock of ``manifest``'s workspace, by name and version."""
    root, _ = workspace_root(manifest.parent, load_toml(manifest, "Cargo.toml"))
    lock = root / "Cargo.lock"
    if not lock.is_file():
        return {}
    packages = load_toml(lock, "Cargo.lock").get("package", [])
    return {
        (p["name"], p["version"]): p
        for p in packages
        if isinstance(p, dict) and isinstance(p.get("name"), str)
    }


def _locked_dependencies(
    entry: Mapping[str, Any], lock: Mapping[tuple[str, str], Mapping[str, Any]]
) -> list[tuple[str, str]]:
    """The name and version of each dependency a Cargo.lock entry lists (``"itoa"``,
    ``"itoa 1.0.11"``, ``"itoa 1.0.11 (registry+...)"``)."""
    found = []
    for text in entry.get("dependencies", []):
        name, _, rest = str(text).partition(" ")
        version = rest.split(" ")[0]
        if not version:
            versions = [v for (n, v) in lock if n == name]
            version = versions[0] if len(versions) == 1 else ""
        found.append((name, version))
    return found


def _crates_of_run(run: CargoRun) -> dict[str, Crate]:
    packages = _packages(run.output.artifacts)
    lock = _lock(run.invocation.manifest_path)
    built = {os.path.realpath(t.manifest_path) for t in run.invocation.targets}
    queue = [p for p in packages.values() if os.path.realpath(p.manifest) in built]
    crates: dict[str, Crate] = {}
    while queue:
        package = queue.pop()
        if package.id in crates:
            continue
        entry = lock.get((package.name, package.version), {})
        wanted = set(_normal_dependencies(package).values())
        deps = [
            packages[pair]
            for pair in _locked_dependencies(entry, lock)
            if pair[0] in wanted and pair in packages
        ]
        source = entry.get("source") if isinstance(entry.get("source"), str) else None
        crates[package.id] = Crate(
            id=package.id,
            name=package.name,
            version=package.version,
            license=_license(package),
            source=source or package.source,
            checksum=entry.get("checksum") if isinstance(entry.get("checksum"), str) else None,
            dependencies=tuple(sorted({d.id for d in deps})),
        )
        queue.extend(deps)
    return crates


def compiled_crates(runs: Sequence[CargoRun]) -> list[Crate]:
    """The crates the cargo runs compiled into their targets, each once."""
    crates: dict[str, Crate] = {}
    for run in runs:
        for package_id, crate in _crates_of_run(run).items():
            crates.setdefault(package_id, crate)
    return sorted(crates.values(), key=lambda c: (c.name, c.version, c.id))


def document(name: str, version: str, runs: Sequence[CargoRun], context: ProjectContext) -> str:
    """The SBOM of the wheel of ``name`` ``version`` whose crates ``runs`` compiled."""
    crates = compiled_crates(runs)
    date = context.build_date
    cache = Path(folders.sbom_cache(context.root))
    text = sbom_json(name, version, crates, str(date.epoch) if date.given else None, cache)
    log.info("buildrs: SBOM of %d crates", len(crates))
    return text


def _bom_ref(crate: Crate) -> str:
    local = "" if crate.source else "+local"
    return f"{crate.name}@{crate.version}{local}"


def _component(crate: Crate) -> Any:
    from cyclonedx.model import (
        ExternalReference,
        ExternalReferenceType,
        HashAlgorithm,
        HashType,
        XsUri,
    )
    from cyclonedx.model.component import Component, ComponentType
    from cyclonedx.model.license import LicenseExpression
    from packageurl import PackageURL

    references = []
    if crate.source and "+" in crate.source:
        kind, _, url = crate.source.partition("+")
        git = kind == "git"
        ref = ExternalReferenceType.VCS if git else ExternalReferenceType.DISTRIBUTION
        references.append(ExternalReference(type=ref, url=XsUri(url)))
    return Component(
        type=ComponentType.LIBRARY,
        name=crate.name,
        version=crate.version,
        bom_ref=_bom_ref(crate),
        purl=PackageURL("cargo", name=crate.name, version=crate.version),
        licenses=[LicenseExpression(crate.license)] if crate.license else None,
        hashes=[HashType(alg=HashAlgorithm.SHA_256, content=crate.checksum)]
        if crate.checksum
        else None,
        external_references=references or None,
    )


def sbom_json(
    dist_name: str,
    dist_version: str,
    crates: Sequence[Crate],
    epoch: str | None,
    cache: Path | None = None,
) -> str:
    """The CycloneDX 1.6 JSON document of a wheel holding ``crates``.

    The document is a function of the arguments alone, so with ``cache`` (a
    directory) it is kept there under a hash of them and of cyclonedx-python-lib's
    version, and a rebuild of the same tree reads it back instead of importing and
    running the library again."""
    if cache is None:
        return _document(dist_name, dist_version, crates, epoch)
    from importlib.metadata import version

    inputs = [version("cyclonedx-python-lib"), dist_name, dist_version, epoch]
    key = json.dumps([*inputs, [asdict(crate) for crate in crates]], sort_keys=True)
    stored = cache / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.cdx.json"
    try:
        return stored.read_text(encoding="utf-8")
    except OSError:
        pass
    text = _document(dist_name, dist_version, crates, epoch)
    try:
        cache.mkdir(parents=True, exist_ok=True)
        partial = stored.with_name(f".{stored.name}.{os.getpid()}")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, stored)
    except OSError as error:
        log.debug("buildrs: SBOM not cached in %s: %s", cache, error)
    return text


def _document(dist_name: str, dist_version: str, crates: Sequence[Crate], epoch: str | None) -> str:
    from datetime import datetime, timezone

    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import Component, ComponentType
    from cyclonedx.output.json import JsonV1Dot6
    from packageurl import PackageURL

    components = {crate.id: _component(crate) for crate in crates}
    root = Component(
        type=ComponentType.LIBRARY,
        name=dist_name,
        version=dist_version,
        bom_ref=f"{dist_name}@{dist_version}",
        purl=PackageURL("pypi", name=dist_name.lower().replace("_", "-"), version=dist_version),
    )
    digest = hashlib.sha256(
        "\n".join([dist_name, dist_version, *(_bom_ref(c) for c in crates)]).encode()
    ).digest()
    bom = Bom(components=components.values(), serial_number=uuid.UUID(bytes=digest[:16], version=5))
    bom.metadata.component = root
    if epoch:
        bom.metadata.timestamp = datetime.fromtimestamp(int(epoch), timezone.utc)
    else:
        bom.metadata.timestamp = None  # type: ignore[assignment]
    depended = {dep for crate in crates for dep in crate.dependencies}
    bom.register_dependency(root, [components[c.id] for c in crates if c.id not in depended])
    for crate in crates:
        wanted = [components[d] for d in crate.dependencies if d in components]
        bom.register_dependency(components[crate.id], wanted)
    text: str = JsonV1Dot6(bom).output_as_string(indent=2)
    return text + "\n"
