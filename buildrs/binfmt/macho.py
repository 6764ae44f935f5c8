"""Mach-O files: universal (fat) files for ``universal2`` builds.

``write_fat`` writes the fat file of thin libraries, for machines without ``lipo``:
a big-endian header, one entry per slice (CPU type, subtype, offset, size,
alignment) and the slices, each at an offset aligned to its page size. ``slices``
reads such a file back.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

from buildrs.errors import ArtifactError

__all__ = ["Slice", "slices", "write_fat"]

FAT_MAGIC = 0xCAFEBABE
_THIN_MAGIC_64 = 0xFEEDFACF
_THIN_MAGIC_32 = 0xFEEDFACE
CPU_TYPE_X86_64 = 0x01000007
CPU_TYPE_ARM64 = 0x0100000C
# Page alignment (log2) of each architecture's slices, as Apple's tools use them.
_ALIGN = {CPU_TYPE_ARM64: 14, CPU_TYPE_X86_64: 12}


@dataclass(frozen=True)
class Slice:
    """One architecture inside a fat file."""

    cputype: int
    cpusubtype: int
    offset: int
    size: int
    align: int


def _thin_header(data: bytes, name: str) -> tuple[int, int]:
    """(cputype, cpusubtype) of a thin little-endian Mach-O file."""
    if len(data) < 12:
        raise ArtifactError(f"{name} is too short to be a Mach-O file")
    magic, cputype, cpusubtype = struct.unpack_from("<IiI", data, 0)
    if magic not in (_THIN_MAGIC_64, _THIN_MAGIC_32):
        raise ArtifactError(f"{name} is not a thin Mach-O file (magic {magic:#010x})")
    return cputype & 0xFFFFFFFF, cpusubtype


def write_fat(thin: Sequence[bytes], names: Sequence[str] | None = None) -> bytes:
    """The fat file holding the thin Mach-O images ``thin``, in that order."""
    names = names or [f"slice {i}" for i in range(len(thin))]
    headers = [_thin_header(data, name) for data, name in zip(thin, names)]
    if len({cputype for cputype, _ in headers}) != len(headers):
        raise ArtifactError(f"cannot merge {', '.join(names)}: two are for the same CPU")
    entries: list[Slice] = []
    offset = 8 + 20 * len(thin)
    for (cputype, cpusubtype), data in zip(headers, thin):
        align = _ALIGN.get(cputype, 12)
        offset = -(-offset // (1 << align)) * (1 << align)
        entries.append(Slice(cputype, cpusubtype, offset, len(data), align))
        offset += len(data)
    out = bytearray(struct.pack(">II", FAT_MAGIC, len(thin)))
    for entry in entries:
        out += struct.pack(
            ">IIIII", entry.cputype, entry.cpusubtype, entry.offset, entry.size, entry.align
        )
    for entry, data in zip(entries, thin):
        out += b"\0" * (entry.offset - len(out))
        out += data
    return bytes(out)


def slices(data: bytes) -> list[Slice]:
    """The slices of a fat Mach-O file."""
    if len(data) < 8 or struct.unpack_from(">I", data, 0)[0] != FAT_MAGIC:
        raise ArtifactError("not a fat Mach-O file")
    (count,) = struct.unpack_from(">I", data, 4)
    return [Slice(*struct.unpack_from(">IIIII", data, 8 + 20 * i)) for i in range(count)]
