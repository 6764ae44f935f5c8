"""Read what a build is planned from, once: the crates and the platform.

``make_plan`` reads each crate's Cargo.toml, describes the platform, plans the
cargo runs (``plan``, pure) and checks what can only be checked against the
running machine, such as a ``PYO3_PYTHON`` of another Python.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from buildrs.errors import BuildrsError, ConfigError

from . import process
from .manifest import CrateInfo, read_crate
from .plan import CargoInvocation, DistPlan, plan
from .platform import Platform, detect, python_name
from .settings import BuildSettings
from .targets import Binding, TargetSettings

__all__ = ["check_pyo3_python", "make_plan", "read_crates"]


def read_crates(targets: Sequence[TargetSettings], project_dir: Path) -> dict[Path, CrateInfo]:
    crates: dict[Path, CrateInfo] = {}
    for t in targets:
        key = Path(t.path)
        if key not in crates:
            crates[key] = read_crate(project_dir / key)
    return crates


def make_plan(
    targets: Sequence[TargetSettings],
    project_dir: Path,
    settings: BuildSettings,
    inplace: bool = False,
    environ: Mapping[str, str] | None = None,
) -> DistPlan:
    """Read the crates and the platform, and plan the build of ``targets``."""
    platform = detect(settings, environ)
    crates = read_crates(targets, project_dir)
    invocations = plan(targets, crates, platform, settings, inplace)
    check_pyo3_python(platform, invocations)
    return DistPlan(platform, settings, tuple(invocations))


def check_pyo3_python(platform: Platform, invocations: Sequence[CargoInvocation]) -> None:
    """Refuse a ``PYO3_PYTHON`` that is another Python than the one version-specific
    modules are named for: pyo3 would compile for it, and they would not import."""
    version_specific = any(
        t.is_module and t.abi3 is None and t.binding in (Binding.PyO3, Binding.RustCPython)
        for invocation in invocations
        for t in invocation.targets
    )
    if not version_specific or platform.target is not None:
        return
    if platform.python_env:
        return  # buildrs' launcher: it runs the interpreter of this very build
    probe = "import sys; print(sys.implementation.name, *sys.version_info[:2])"
    try:
        result = process.run([platform.python, "-c", probe], quiet=True, check=False)
        words = result.stdout.split() if result.returncode == 0 else []
    except BuildrsError:
        words = []
    wanted = [platform.implementation, *map(str, platform.python_version)]
    if words == wanted:
        return
    major, minor = platform.python_version
    named = f"{python_name(platform.implementation)} {major}.{minor}"
    seen = (
        f"is {python_name(words[0])} {words[1]}.{words[2]}" if len(words) == 3 else "cannot be run"
    )
    raise ConfigError(
        f"PYO3_PYTHON={platform.python} {seen}, but this build runs on {named} and names "
        f"modules for it ({platform.ext_suffix}): pyo3 would compile them for the other "
        "Python and they would not import. Unset PYO3_PYTHON, or run the build with that "
        f"interpreter ({platform.python} -m pip wheel .)"
    )
