"""Read a crate's Cargo.toml (and its workspace's Cargo.lock) into a ``CrateInfo``.

Only TOML parsing happens here; cargo is not run, so this stage is fast and
works offline.  Target discovery follows cargo's rules for ``src/lib.rs``,
``src/main.rs`` and ``src/bin/``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from buildrs.errors import ManifestError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

__all__ = ["CrateInfo", "Dependency", "load_toml", "read_crate", "workspace_root"]


@dataclass(frozen=True)
class Dependency:
    """One entry of ``[dependencies]`` that buildrs cares about (pyo3, cpython)."""

    key: str
    """The name the crate uses for it, the prefix of ``key/feature`` feature strings."""
    package: str
    """The crates.io package name (differs from ``key`` when renamed)."""
    version_req: str | None
    """The version requirement as written, e.g. ``"0.30"``."""
    features: tuple[str, ...]
    """Features enabled on the dependency line itself."""
    locked_version: str | None
    """The version Cargo.lock resolved it to, when the lock file exists."""

    @property
    def version(self) -> tuple[int, int] | None:
        """(major, minor) of the locked version, else of the requirement, if readable."""
        text = self.locked_version or self.version_req
        if not text:
            return None
        text = text.lstrip("^=~>< ")
        parts = text.split(".")
        try:
            return int(parts[0]), int(parts[1]) if len(parts) > 1 else 0
        except ValueError:
            return None


@dataclass(frozen=True)
class CrateInfo:
    """What buildrs needs to know about one crate."""

    manifest_path: Path
    """Absolute path of the crate's Cargo.toml."""
    package_name: str
    """``[package] name``."""
    lib_name: str | None
    """The library target's name (``[lib] name`` or the package name with ``-`` -> ``_``);
    ``None`` when the crate has no library target."""
    crate_types: tuple[str, ...]
    """``[lib] crate-type`` as written (cargo's default is ``("lib",)``)."""
    bins: tuple[str, ...]
    """Names of the binary targets, declared and auto-discovered."""
    features: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """The crate's ``[features]`` table."""
    dependencies: Mapping[str, Dependency] = field(default_factory=dict)
    """Binding dependencies found, keyed by crates.io package name."""
    workspace_root: Path | None = None
    """Directory of the enclosing workspace's Cargo.toml, if any (else the crate's own)."""
    has_build_script: bool = False
    """Whether the crate has a build script (needed for ``generated_files``)."""

    @property
    def crate_dir(self) -> Path:
        return self.manifest_path.parent

    def dependency_features(
        self, package: str, enabled: Iterable[str], default_features: bool = True
    ) -> frozenset[str]:
        """Features of dependency ``package`` switched on when the crate is built with
        the crate features ``enabled`` (entries may also be ``dep/feature``)."""
        dep = self.dependencies.get(package)
        if dep is None:
            return frozenset()
        found = set(dep.features)
        queue = list(enabled)
        if default_features and "default" in self.features:
            queue.append("default")
        seen: set[str] = set()
        while queue:
            item = queue.pop()
            if item in seen:
                continue
            seen.add(item)
            if "/" in item:
                prefix, _, feature = item.partition("/")
                if prefix.rstrip("?") == dep.key:
                    found.add(feature)
            elif not item.startswith("dep:"):
                queue.extend(self.features.get(item, ()))
        return frozenset(found)


_parsed: dict[tuple[str, int, int], dict[str, Any]] = {}


def load_toml(path: Path, what: str = "file") -> dict[str, Any]:
    """Parse a TOML file, turning every failure into a ``ManifestError`` naming the file.

    The file must be UTF-8; a leading byte-order mark is accepted, as cargo does. A
    file is parsed once per process while it stays the same (a workspace's root
    manifest and lock file serve every member). The result must not be changed."""
    try:
        stat = path.stat()
    except OSError:
        stat = None
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size) if stat else None
    if key is not None and key in _parsed:
        return _parsed[key]
    parsed = _parse_toml(path, what)
    if key is not None:
        _parsed[key] = parsed
    return parsed


def _parse_toml(path: Path, what: str) -> dict[str, Any]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ManifestError(f"{path}: {what} not found") from None
    except OSError as exc:
        raise ManifestError(f"{path}: cannot read {what}: {exc.strerror}") from None
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ManifestError(
            f"{path}: is not UTF-8: byte {data[exc.start]:#04x} at offset {exc.start} "
            f"(line {line}) cannot be decoded. TOML files must be UTF-8; re-save it as UTF-8."
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{path}: invalid TOML: {exc}") from None


def _typed(table: Mapping[str, Any], key: str, kind: Any, want: str, where: str) -> Any:
    """``table[key]`` if present (else ``None``), checked to be a ``kind``."""
    value = table.get(key)
    if value is not None and not isinstance(value, kind):
        raise ManifestError(f"{where}{key}: expected {want}, got {value!r}")
    return value


def _str_list(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ManifestError(f'{where}: expected a list of strings like ["a"], got {value!r}')
    return value


def workspace_root(crate_dir: Path, own: Mapping[str, Any]) -> tuple[Path, Mapping[str, Any]]:
    """The folder of the workspace the crate in ``crate_dir`` (whose manifest is
    ``own``) belongs to, and the workspace's manifest; the crate's own where it is in
    no workspace."""
    if "workspace" in own:
        return crate_dir, own
    package = own.get("package")
    explicit = package.get("workspace") if isinstance(package, dict) else None
    candidates = [crate_dir / explicit] if isinstance(explicit, str) else crate_dir.parents
    for directory in candidates:
        manifest = directory / "Cargo.toml"
        if manifest.is_file():
            data = load_toml(manifest, "workspace Cargo.toml")
            if isinstance(data.get("workspace"), dict):
                return directory.resolve(), data
    return crate_dir, own


def _locked_versions(root: Path) -> dict[str, str]:
    lock = root / "Cargo.lock"
    if not lock.is_file():
        return {}
    data = load_toml(lock, "Cargo.lock")
    packages = data.get("package", [])
    if not isinstance(packages, list) or not all(isinstance(p, dict) for p in packages):
        raise ManifestError(
            f"{lock}: [[package]] must be an array of tables; regenerate the file with "
            "`cargo generate-lockfile`"
        )
    versions: dict[str, str] = {}
    for package in packages:
        name, version = package.get("name"), package.get("version")
        if isinstance(name, str) and isinstance(version, str):
            previous = versions.get(name)
            if previous is None or _version_key(version) > _version_key(previous):
                versions[name] = version
    return versions


def _version_key(version: str) -> tuple[int, ...]:
    out = []
    for part in version.split("-")[0].split("."):
        out.append(int(part) if part.isdigit() else 0)
    return tuple(out)


_BINDING_CRATES = ("pyo3", "cpython")


def _dependency_tables(manifest: Path, data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """``[dependencies]`` and every ``[target.'cfg(...)'.dependencies]``, with their names."""
    where = f"{manifest}: "
    tables = [("[dependencies]", _typed(data, "dependencies", dict, "a table", where) or {})]
    targets = _typed(data, "target", dict, "a table of targets", where) or {}
    for cfg, table in targets.items():
        if not isinstance(table, dict):
            raise ManifestError(f"{where}[target.{cfg!r}]: expected a table, got {table!r}")
        name = f"[target.{cfg!r}.dependencies]"
        found = _typed(table, "dependencies", dict, "a table", f"{where}[target.{cfg!r}] ")
        if found:
            tables.append((name, found))
    return tables


def _binding_dependencies(
    manifest: Path, data: dict[str, Any], workspace: Mapping[str, Any], locked: Mapping[str, str]
) -> dict[str, Dependency]:
    shared_where = f"{manifest}: [workspace.dependencies]"
    workspace_table = workspace.get("workspace", {})
    shared = workspace_table.get("dependencies", {}) if isinstance(workspace_table, dict) else {}
    if not isinstance(shared, dict):
        raise ManifestError(f"{shared_where}: expected a table, got {shared!r}")
    found: dict[str, Dependency] = {}
    for section, table in _dependency_tables(manifest, data):
        for key, spec in table.items():
            where = f"{manifest}: {section} {key}: "
            features: list[str] = []
            version: Any = None
            package = key
            if isinstance(spec, str):
                version = spec
            elif isinstance(spec, dict):
                package = _typed(spec, "package", str, "a crate name", where) or key
                if spec.get("workspace") is True:
                    inherited = shared.get(key)
                    if inherited is None:
                        raise ManifestError(
                            f"{manifest}: dependency {key!r} says workspace = true, but the "
                            f"workspace has no [workspace.dependencies] {key!r}"
                        )
                    if isinstance(inherited, str):
                        version = inherited
                    elif isinstance(inherited, dict):
                        inner = f"{shared_where} {key}: "
                        package = (
                            _typed(inherited, "package", str, "a crate name", inner) or package
                        )
                        version = _typed(inherited, "version", str, "a version string", inner)
                        features += _str_list(inherited.get("features", []), f"{inner}features")
                else:
                    version = _typed(spec, "version", str, "a version string", where)
                features += _str_list(spec.get("features", []), f"{where}features")
            else:
                raise ManifestError(
                    f"{where[:-2]}: expected a version string or a table, got {spec!r}"
                )
            if package in _BINDING_CRATES and package not in found:
                found[package] = Dependency(
                    key=key,
                    package=package,
                    version_req=version if isinstance(version, str) else None,
                    features=tuple(features),
                    locked_version=locked.get(package),
                )
    return found


def _discover_bins(crate_dir: Path, package: dict[str, Any], data: dict[str, Any]) -> list[str]:
    bins: list[str] = []
    entries = data.get("bin", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ManifestError(f"{crate_dir / 'Cargo.toml'}: [[bin]] must be an array of tables")
    claimed: set[Path] = set()
    for entry in entries:
        name = entry.get("name")
        if isinstance(name, str) and name not in bins:
            bins.append(name)
        if isinstance(entry.get("path"), str):
            claimed.add((crate_dir / entry["path"]).resolve())
    if package.get("autobins", True) is False:
        return bins
    auto: list[tuple[str, Path]] = []
    if (crate_dir / "src" / "main.rs").is_file():
        auto.append((package["name"], crate_dir / "src" / "main.rs"))
    bin_dir = crate_dir / "src" / "bin"
    if bin_dir.is_dir():
        for child in sorted(bin_dir.iterdir()):
            if child.suffix == ".rs" and child.is_file():
                auto.append((child.stem, child))
            elif child.is_dir() and (child / "main.rs").is_file():
                auto.append((child.name, child / "main.rs"))
    # A file a [[bin]] already names is that binary, not another one (as in cargo).
    bins.extend(name for name, path in auto if name not in bins and path.resolve() not in claimed)
    return bins


def read_crate(manifest_path: Path) -> CrateInfo:
    """Read the crate whose Cargo.toml is ``manifest_path``."""
    manifest_path = manifest_path.resolve()
    if manifest_path.is_dir():
        manifest_path = manifest_path / "Cargo.toml"
    if not manifest_path.is_file():
        raise ManifestError(
            f"{manifest_path}: Cargo.toml not found. Point the target's `path` at the "
            "crate's Cargo.toml (relative to the project root)."
        )
    data = load_toml(manifest_path, "Cargo.toml")
    package = data.get("package")
    if not isinstance(package, dict) or not isinstance(package.get("name"), str):
        hint = (
            " It is a virtual workspace manifest; point `path` at the member crate's "
            "Cargo.toml instead."
            if "workspace" in data
            else " Add a [package] table with a name."
        )
        raise ManifestError(f"{manifest_path}: has no [package] name.{hint}")
    crate_dir = manifest_path.parent
    name: str = package["name"]

    where = f"{manifest_path}: "
    lib = _typed(data, "lib", dict, "a table", where)
    lib_name: str | None = None
    crate_types: tuple[str, ...] = ()
    if isinstance(lib, dict) or (
        package.get("autolib", True) is not False and (crate_dir / "src" / "lib.rs").is_file()
    ):
        lib = lib if isinstance(lib, dict) else {}
        lib_name = _typed(lib, "name", str, "a string", f"{where}[lib] ") or name.replace("-", "_")
        types = lib.get("crate-type", lib.get("crate_type", ["lib"]))
        if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
            raise ManifestError(f'{manifest_path}: [lib] crate-type must be a list like ["cdylib"]')
        crate_types = tuple(types)

    root, workspace = workspace_root(crate_dir, data)
    locked = _locked_versions(root)
    feature_table = _typed(data, "features", dict, "a table", where) or {}
    features = {
        key: tuple(_str_list(value, f"{where}[features] {key}"))
        for key, value in feature_table.items()
    }
    build = package.get("build")
    has_build_script = isinstance(build, str) or (
        build is not False and (crate_dir / "build.rs").is_file()
    )
    return CrateInfo(
        manifest_path=manifest_path,
        package_name=name,
        lib_name=lib_name,
        crate_types=crate_types,
        bins=tuple(_discover_bins(crate_dir, package, data)),
        features=features,
        dependencies=_binding_dependencies(manifest_path, data, workspace, locked),
        workspace_root=root,
        has_build_script=has_build_script,
    )
