"""Readers of the binary files cargo builds: ELF (Linux, the BSDs), Mach-O (macOS)
and PE (Windows). They use only the standard library and import nothing else of
buildrs but its errors.

``exported_symbols`` reads whichever of them a file is, so the check that a built
module exports ``PyInit_<name>`` works for every platform's files.
"""

from __future__ import annotations

from pathlib import Path

from . import elf, macho, pe

__all__ = ["exported_symbols", "platform_of"]


def exported_symbols(path: Path) -> frozenset[str] | None:
    """The names a shared library exports (a universal file: those every architecture
    exports), or ``None`` for a format not read here."""
    data = path.read_bytes()
    if macho.is_macho(data):
        found = [image.exported for image in macho.images(data, str(path))]
        return frozenset.intersection(*found) if found else frozenset()
    portable = pe.read_pe(data)
    if portable is not None:
        return portable.exported
    return elf.exported_symbols(path)


_ELF_MACHINES = {3: "i686", 40: "armv7l", 62: "x86_64", 183: "aarch64", 21: "ppc64le"}
_ELF_MACHINES.update({22: "s390x", 243: "riscv64", 20: "ppc"})
_PE_MACHINES = {0x8664: "amd64", 0xAA64: "arm64", 0x14C: "win32"}


def platform_of(head: bytes) -> tuple[str, str] | None:
    """``(system, architecture)`` of a native binary from its first bytes (4 KiB are
    enough), as wheel tags spell them: ``("linux", "x86_64")``, ``("macosx",
    "arm64")``, ``("macosx", "universal2")``, ``("win", "amd64")``; ``None`` for a file
    that is none of ELF, Mach-O and PE."""
    import struct

    if head[:4] == b"\x7fELF" and len(head) >= 20:
        (machine,) = struct.unpack_from("<H" if head[5] == 1 else ">H", head, 18)
        arch = _ELF_MACHINES.get(machine, f"elf-machine-{machine}")
        if arch == "ppc64le" and head[5] != 1:
            arch = "ppc64"
        return "linux", arch
    if macho.is_macho(head):
        if struct.unpack_from(">I", head, 0)[0] == macho.FAT_MAGIC:
            cpus = {s.cputype for s in macho.slices(head)}
        else:
            cpus = {struct.unpack_from("<I", head, 4)[0]}
        names = {macho.CPU_TYPE_X86_64: "x86_64", macho.CPU_TYPE_ARM64: "arm64"}
        if cpus == {macho.CPU_TYPE_X86_64, macho.CPU_TYPE_ARM64}:
            return "macosx", "universal2"
        return "macosx", "+".join(sorted(names.get(c, hex(c)) for c in cpus))
    if pe.is_pe(head):
        (offset,) = struct.unpack_from("<I", head, 0x3C)
        (machine,) = struct.unpack_from("<H", head, offset + 4)
        return "win", _PE_MACHINES.get(machine, hex(machine))
    return None
