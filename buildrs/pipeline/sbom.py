"""A software bill of materials for a wheel (PEP 770): the crates compiled into it.

For each cargo invocation of a build, ``cargo metadata`` is asked (offline: the
build has just resolved everything) for the dependency graph of the same
manifest, features and target platform; from each built package only its
normal dependencies count, followed transitively: what is linked into the
module or binary, not its build scripts' or tests' dependencies, nor another
platform's. Licenses come from the packages' manifests, sources and checksums
from Cargo.lock. The document is CycloneDX 1.6 JSON, made by
``cyclonedx-python-lib``, and is the same bytes for the same tree: its serial
number is derived from its contents, and it holds a time only when
``SOURCE_DATE_EPOCH`` names one.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import uuid
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from buildrs.errors import ArtifactError

from . import process
from .manifest import load_toml
from .plan import CargoInvocation

__all__ = ["Crate", "compiled_crates", "sbom_json"]

log = logging.getLogger("buildrs")

_METADATA_FLAGS = ("--no-default-features", "--all-features", "--locked", "--frozen", "--offline")


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


def _metadata_args(invocation: CargoInvocation, host: str) -> list[str]:
    """``cargo metadata``'s arguments for the graph one invocation builds."""
    args = list(invocation.args)
    argv = ["metadata", "--format-version", "1", "--offline"]
    for index, arg in enumerate(args):
        if arg in ("--manifest-path", "--features") and index + 1 < len(args):
            argv += [arg, args[index + 1]]
        elif arg in _METADATA_FLAGS or arg.startswith("--features="):
            argv.append(arg)
    return [*argv, "--filter-platform", invocation.triple or host]


@functools.cache
def _host(cargo: str) -> str:
    rustc_info = process.run([cargo, "-vV"], quiet=True).stdout
    for line in rustc_info.splitlines():
        if line.startswith("host: "):
            return line.split(": ", 1)[1].strip()
    raise ArtifactError(f"`{cargo} -vV` names no host triple")


def _checksums(workspace_root: Path) -> dict[tuple[str, str], str]:
    lock = workspace_root / "Cargo.lock"
    if not lock.is_file():
        return {}
    packages = load_toml(lock, "Cargo.lock").get("package", [])
    return {
        (p["name"], p["version"]): p["checksum"]
        for p in packages
        if isinstance(p, dict) and isinstance(p.get("checksum"), str)
    }


def _normal_closure(resolve: Mapping[str, Any], roots: Iterable[str]) -> dict[str, list[str]]:
    """Each package reached from ``roots`` through normal dependencies, with those
    dependencies."""
    nodes = {node["id"]: node for node in resolve.get("nodes", [])}
    found: dict[str, list[str]] = {}
    queue = list(roots)
    while queue:
        package = queue.pop()
        if package in found or package not in nodes:
            continue
        deps = [
            dep["pkg"]
            for dep in nodes[package].get("deps", [])
            if any(kind.get("kind") is None for kind in dep.get("dep_kinds", []))
        ]
        found[package] = sorted(set(deps))
        queue.extend(deps)
    return found


def start_early(
    invocations: Sequence[CargoInvocation],
    cargo: str,
    cwd: Path,
    env: Mapping[str, str] | None = None,
) -> None:
    """Start the ``cargo metadata`` runs of ``compiled_crates`` now, with ``env``
    added to the environment, for it to take over (``process.start_early``)."""
    host = _host(cargo) if any(not i.triple for i in invocations) else ""
    for invocation in invocations:
        process.start_early(
            [cargo, *_metadata_args(invocation, host)],
            env={**(env or {}), **invocation.env},
            unset=invocation.unset_env,
            cwd=cwd,
            quiet=True,
        )


def compiled_crates(invocations: Sequence[CargoInvocation], cargo: str, cwd: Path) -> list[Crate]:
    """The crates the invocations compile into their targets, each once."""
    host = _host(cargo) if any(not i.triple for i in invocations) else ""

    def metadata_of(invocation: CargoInvocation) -> Any:
        argv = [cargo, *_metadata_args(invocation, host)]
        result = process.run(
            argv, env=invocation.env, unset=invocation.unset_env, cwd=cwd, quiet=True
        )
        return json.loads(result.stdout)

    # The cargo runs are independent: one at a time would add their times up.
    with ThreadPoolExecutor(max_workers=4) as pool:
        graphs = list(pool.map(metadata_of, invocations))
    crates: dict[str, Crate] = {}
    for invocation, metadata in zip(invocations, graphs):
        packages = {p["id"]: p for p in metadata["packages"]}
        built = {t.manifest_path.resolve() for t in invocation.targets}
        roots = [i for i, p in packages.items() if Path(p["manifest_path"]).resolve() in built]
        checksums = _checksums(Path(metadata["workspace_root"]))
        for package_id, deps in _normal_closure(metadata.get("resolve") or {}, roots).items():
            p = packages[package_id]
            crates.setdefault(
                package_id,
                Crate(
                    id=package_id,
                    name=p["name"],
                    version=p["version"],
                    license=p.get("license"),
                    source=p.get("source"),
                    checksum=checksums.get((p["name"], p["version"])),
                    dependencies=tuple(deps),
                ),
            )
    return sorted(crates.values(), key=lambda c: (c.name, c.version, c.id))


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
