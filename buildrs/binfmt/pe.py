"""PE files (Windows DLLs and executables): what they export and which DLLs they import.

A ``.pyd`` is a DLL: Python loads it by calling its exported ``PyInit_<name>``, and
it imports ``python3.dll`` (stable ABI) or ``python3XY.dll`` (one version). Both
tables are reached through the optional header's data directories; their
addresses are relative to the image and mapped to file offsets by the sections.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

__all__ = ["PortableExecutable", "is_pe", "read_pe"]

_EXPORT, _IMPORT = 0, 1


@dataclass(frozen=True)
class PortableExecutable:
    machine: int
    """``0x8664`` for x86_64, ``0xAA64`` for arm64, ``0x14C`` for x86."""
    is_dll: bool
    exported: frozenset[str]
    imported_dlls: tuple[str, ...]


def is_pe(data: bytes) -> bool:
    if len(data) < 0x40 or data[:2] != b"MZ":
        return False
    (offset,) = struct.unpack_from("<I", data, 0x3C)
    return data[offset : offset + 4] == b"PE\0\0"


def _c_string(data: bytes, at: int) -> str:
    end = data.find(b"\0", at)
    return data[at : end if end >= 0 else len(data)].decode("ascii", "replace")


def read_pe(data: bytes) -> PortableExecutable | None:
    """The export names and imported DLLs of a PE image, or ``None`` if it is not one."""
    if not is_pe(data):
        return None
    (pe,) = struct.unpack_from("<I", data, 0x3C)
    machine, nsections, _, _, _, optional_size, characteristics = struct.unpack_from(
        "<HHIIIHH", data, pe + 4
    )
    optional = pe + 24
    (magic,) = struct.unpack_from("<H", data, optional)
    directories = optional + (112 if magic == 0x20B else 96)  # PE32+ or PE32
    sections = []
    for index in range(nsections):
        at = optional + optional_size + 40 * index
        size, address, raw_size, raw = struct.unpack_from("<IIII", data, at + 8)
        sections.append((address, max(size, raw_size), raw))

    def offset_of(rva: int) -> int:
        for address, size, raw in sections:
            if address <= rva < address + size:
                return int(rva - address + raw)
        raise ValueError(rva)

    def directory(index: int) -> int | None:
        rva, size = struct.unpack_from("<II", data, directories + 8 * index)
        return offset_of(rva) if rva and size else None

    exported: set[str] = set()
    table = directory(_EXPORT)
    if table is not None:
        (count,) = struct.unpack_from("<I", data, table + 24)
        (names,) = struct.unpack_from("<I", data, table + 32)
        for index in range(count):
            (name_rva,) = struct.unpack_from("<I", data, offset_of(names) + 4 * index)
            exported.add(_c_string(data, offset_of(name_rva)))
    dlls: list[str] = []
    table = directory(_IMPORT)
    while table is not None:
        lookup, _, _, name_rva, thunks = struct.unpack_from("<IIIII", data, table)
        if not (lookup or name_rva or thunks):
            break
        dlls.append(_c_string(data, offset_of(name_rva)))
        table += 20
    return PortableExecutable(
        machine, bool(characteristics & 0x2000), frozenset(exported), tuple(dlls)
    )
