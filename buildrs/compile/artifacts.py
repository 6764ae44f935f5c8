"""What a cargo run built, looked at before it is installed.

cargo fingerprints a workspace's own crates by package name and file times, not by
path: in a target directory shared by two checkouts of one crate, the second is
reported fresh and the first one's library would be shipped (``built_elsewhere``,
``record_origins``). A universal2 build merges each target's two thin files
(``universal``). With sccache as the rustc wrapper, its hits are reported.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Sequence
from pathlib import Path

from buildrs import process
from buildrs.binfmt import macho
from buildrs.config.settings import BuildSettings
from buildrs.errors import BuildrsError
from buildrs.plan.platform import UNIVERSAL2, UNIVERSAL2_SLICES

from .cargo import Selected
from .install import write_text

__all__ = [
    "built_elsewhere",
    "merge_universal",
    "record_origins",
    "report_sccache",
    "sccache_counts",
    "universal",
]

log = logging.getLogger("buildrs")


def _origin(artifact: Path) -> Path:
    """The file beside a cargo artifact that names the Cargo.toml it was built from."""
    return artifact.with_name(f".{artifact.name}.buildrs-origin")


def built_elsewhere(selected: Selected) -> list[str]:
    """Targets whose artifact cargo reported fresh but another checkout built.

    cargo fingerprints a workspace's own crates by package name and file times,
    not by path: in a target directory shared by two checkouts of one crate, the
    second is reported fresh and the first one's library would be shipped."""
    stale = []
    for planned, artifact, source in selected:
        origin = _origin(source)
        recorded = origin.read_text(encoding="utf-8") if origin.is_file() else None
        if artifact.fresh and recorded is not None and recorded != str(planned.manifest_path):
            stale.append(recorded)
    return stale


def record_origins(selected: Selected) -> None:
    for planned, _, source in selected:
        origin = _origin(source)
        manifest = str(planned.manifest_path)
        if not origin.is_file() or origin.read_text(encoding="utf-8") != manifest:
            write_text(origin, manifest)


def merge_universal(thin: Sequence[Path], dest: Path) -> Path:
    """The universal file of the ``thin`` libraries: ``lipo`` where it exists, else
    buildrs' own fat-file writer."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    lipo = shutil.which("lipo")
    if lipo:
        process.run([lipo, "-create", "-output", str(dest), *map(str, thin)])
        return dest
    images = [path.read_bytes() for path in thin]
    dest.write_bytes(macho.write_fat(images, [str(path) for path in thin]))
    return dest


def universal(selected: Selected, slices: dict[str, list[Path]]) -> Selected:
    """Collect one architecture's artifacts of a universal2 build; once every
    architecture is in, the targets with their merged files, ready to install."""
    ready: Selected = []
    for planned, artifact, source in selected:
        parts = slices.setdefault(planned.label, [])
        parts.append(source)
        if len(parts) == len(UNIVERSAL2_SLICES):
            # <target-dir>/<triple>/<profile>/<file> -> <target-dir>/universal2-apple-darwin/...
            merged = source.parents[2] / UNIVERSAL2 / source.parent.name / source.name
            ready.append((planned, artifact, merge_universal(parts, merged)))
    return ready


def sccache_counts(settings: BuildSettings) -> tuple[int, int] | None:
    """(hits, misses) so far, from the sccache server, when cargo runs rustc through it."""
    if not settings.sccache or settings.rustc_wrapper is None:
        return None
    try:
        result = process.run(
            [settings.rustc_wrapper, "--show-stats", "--stats-format=json"],
            quiet=True,
            check=False,
        )
        stats = json.loads(result.stdout)["stats"]
        return (
            sum(stats["cache_hits"]["counts"].values()),
            sum(stats["cache_misses"]["counts"].values()),
        )
    except (BuildrsError, ValueError, KeyError, TypeError, AttributeError):
        return None


def report_sccache(settings: BuildSettings, before: tuple[int, int] | None) -> None:
    after = sccache_counts(settings)
    if before is None or after is None:
        return
    hits, misses = after[0] - before[0], after[1] - before[1]
    if hits or misses:
        rate = 100 * hits / (hits + misses)
        log.info("buildrs: sccache: %d hits, %d misses (%.0f%% hits)", hits, misses, rate)
