"""Mach-O files (macOS): universal (fat) files, and what an image says about itself.

``write_fat`` writes the fat file of thin libraries, for machines without ``lipo``:
a big-endian header, one entry per slice (CPU type, subtype, offset, size,
alignment) and the slices, each at an offset aligned to its page size. ``slices``
reads such a file back. ``read_image`` reads a thin image's load commands and
symbol table: its install name, the libraries it loads, its minimum macOS, the
symbols it exports and the ones it leaves to dynamic lookup.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

from buildrs.errors import ArtifactError

__all__ = [
    "DYNAMIC_LOOKUP_ORDINAL",
    "Image",
    "Slice",
    "images",
    "is_macho",
    "read_image",
    "slices",
    "write_fat",
]

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


# --- reading a thin (64-bit, little-endian) image --------------------------------------

_LC_SYMTAB = 0x2
_LC_LOAD_DYLIB = 0xC
_LC_ID_DYLIB = 0xD
_LC_LOAD_WEAK_DYLIB = 0x80000018
_LC_REEXPORT_DYLIB = 0x8000001F
_LC_VERSION_MIN_MACOSX = 0x24
_LC_BUILD_VERSION = 0x32
_LC_DYLD_INFO = 0x22
_LC_DYLD_INFO_ONLY = 0x80000022
_LC_DYLD_CHAINED_FIXUPS = 0x80000034
_N_EXT = 0x01
_N_TYPE = 0x0E
_N_UNDF = 0x0
_N_SECT = 0xE
_N_STAB = 0xE0
DYNAMIC_LOOKUP_ORDINAL = 0xFE
"""The library ordinal of a symbol left to dynamic lookup (``-undefined dynamic_lookup``)
in the symbol table, as ld64 writes it."""
FLAT_LOOKUP = -2
"""The same in the binding information (``BIND_SPECIAL_DYLIB_FLAT_LOOKUP``), which is
what dyld reads."""


@dataclass(frozen=True)
class Image:
    """What a thin Mach-O image says about itself."""

    cputype: int
    filetype: int
    install_name: str | None
    """``LC_ID_DYLIB``: the name other images load it by (``@rpath/...``)."""
    libraries: tuple[str, ...]
    """The libraries it loads (``LC_LOAD_DYLIB`` and friends)."""
    minos: str | None
    """The oldest macOS it runs on (``LC_BUILD_VERSION`` or ``LC_VERSION_MIN_MACOSX``)."""
    exported: frozenset[str]
    """Defined external symbols, without the leading ``_`` C adds."""
    dynamic_lookup: frozenset[str]
    """Undefined symbols left to dynamic lookup, without the leading ``_``."""
    other_undefined: frozenset[str]
    """Undefined symbols bound to a named library."""


def _version(packed: int) -> str:
    """``xxxx.yy.zz`` packed as in Mach-O version fields -> ``"11.0"`` (patch if any)."""
    major, minor, patch = packed >> 16, (packed >> 8) & 0xFF, packed & 0xFF
    return f"{major}.{minor}" + (f".{patch}" if patch else "")


def _c_string(data: bytes, at: int) -> str:
    end = data.find(b"\0", at)
    return data[at : end if end >= 0 else len(data)].decode("utf-8", "replace")


def _symbols(data: bytes, symoff: int, nsyms: int, stroff: int) -> tuple[set[str], ...]:
    exported: set[str] = set()
    lookup: set[str] = set()
    other: set[str] = set()
    for index in range(nsyms):
        strx, n_type, _, n_desc, _ = struct.unpack_from("<IBBHQ", data, symoff + 16 * index)
        if n_type & _N_STAB or not n_type & _N_EXT:
            continue
        name = _c_string(data, stroff + strx).removeprefix("_")
        if n_type & _N_TYPE == _N_SECT:
            exported.add(name)
        elif n_type & _N_TYPE == _N_UNDF:
            (lookup if (n_desc >> 8) & 0xFF == DYNAMIC_LOOKUP_ORDINAL else other).add(name)
    return exported, lookup, other


def _uleb(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, at


def _binds(data: bytes, start: int, size: int) -> dict[str, int]:
    """Symbol -> library ordinal, from a stream of bind opcodes (classic dyld info)."""
    found: dict[str, int] = {}
    at, end, ordinal, name = start, start + size, 0, ""
    while at < end:
        byte = data[at]
        at += 1
        opcode, imm = byte & 0xF0, byte & 0x0F
        if opcode == 0x10:  # SET_DYLIB_ORDINAL_IMM
            ordinal = imm
        elif opcode == 0x20:  # SET_DYLIB_ORDINAL_ULEB
            ordinal, at = _uleb(data, at)
        elif opcode == 0x30:  # SET_DYLIB_SPECIAL_IMM: 0, -1, -2 ...
            ordinal = imm - 16 if imm else 0
        elif opcode == 0x40:  # SET_SYMBOL_TRAILING_FLAGS_IMM
            name = _c_string(data, at)
            at += len(name.encode()) + 1
        elif opcode in (0x60, 0x70, 0x80):  # ADDEND_SLEB, SEGMENT_AND_OFFSET_ULEB, ADD_ADDR
            _, at = _uleb(data, at)
        elif opcode in (0x90, 0xA0, 0xB0, 0xC0):  # DO_BIND and its variants
            found[name.removeprefix("_")] = ordinal
            for _ in range({0xA0: 1, 0xC0: 2}.get(opcode, 0)):
                _, at = _uleb(data, at)
        elif opcode == 0xD0 and imm == 0:  # THREADED: SET_BIND_ORDINAL_TABLE_SIZE_ULEB
            _, at = _uleb(data, at)
    return found


def _chained_imports(data: bytes, start: int) -> dict[str, int]:
    """Symbol -> library ordinal, from the imports of chained fixups (newer linkers)."""
    _, _, imports, symbols, count, kind, _ = struct.unpack_from("<IIIIIII", data, start)
    found: dict[str, int] = {}
    for index in range(count):
        if kind == 3:  # DYLD_CHAINED_IMPORT_ADDEND64
            (packed,) = struct.unpack_from("<Q", data, start + imports + 16 * index)
            ordinal, name_offset = packed & 0xFFFF, packed >> 32
            ordinal = ordinal - 0x10000 if ordinal >= 0xFFF0 else ordinal
        else:  # DYLD_CHAINED_IMPORT (1) and _ADDEND (2)
            width = 4 if kind == 1 else 8
            (packed,) = struct.unpack_from("<I", data, start + imports + width * index)
            ordinal, name_offset = packed & 0xFF, packed >> 9
            ordinal = ordinal - 0x100 if ordinal >= 0xF0 else ordinal
        found[_c_string(data, start + symbols + name_offset).removeprefix("_")] = ordinal
    return found


def read_image(data: bytes, name: str = "the file") -> Image:
    """Read a thin 64-bit little-endian Mach-O image (what cargo builds for macOS)."""
    if len(data) < 32 or struct.unpack_from("<I", data, 0)[0] != _THIN_MAGIC_64:
        raise ArtifactError(f"{name} is not a thin 64-bit Mach-O file")
    _, cputype, _, filetype, ncmds, _, _, _ = struct.unpack_from("<IiIIIIII", data, 0)
    install_name, minos = None, None
    libraries: list[str] = []
    symbols: tuple[set[str], ...] = (set(), set(), set())
    bound: dict[str, int] = {}
    at = 32
    for _ in range(ncmds):
        cmd, size = struct.unpack_from("<II", data, at)
        if cmd in (_LC_ID_DYLIB, _LC_LOAD_DYLIB, _LC_LOAD_WEAK_DYLIB, _LC_REEXPORT_DYLIB):
            (offset,) = struct.unpack_from("<I", data, at + 8)
            text = _c_string(data, at + offset)
            if cmd == _LC_ID_DYLIB:
                install_name = text
            else:
                libraries.append(text)
        elif cmd == _LC_BUILD_VERSION:
            minos = _version(struct.unpack_from("<I", data, at + 12)[0])
        elif cmd == _LC_VERSION_MIN_MACOSX and minos is None:
            minos = _version(struct.unpack_from("<I", data, at + 8)[0])
        elif cmd == _LC_SYMTAB:
            symoff, nsyms, stroff, _ = struct.unpack_from("<IIII", data, at + 8)
            symbols = _symbols(data, symoff, nsyms, stroff)
        elif cmd in (_LC_DYLD_INFO, _LC_DYLD_INFO_ONLY):
            fields = struct.unpack_from("<10I", data, at + 8)
            for offset, length in (
                (fields[2], fields[3]),
                (fields[4], fields[5]),
                (fields[6], fields[7]),
            ):
                bound.update(_binds(data, offset, length))
        elif cmd == _LC_DYLD_CHAINED_FIXUPS:
            (offset,) = struct.unpack_from("<I", data, at + 8)
            bound.update(_chained_imports(data, offset))
        at += size
    exported, lookup, other = symbols
    flat = {symbol for symbol, ordinal in bound.items() if ordinal == FLAT_LOOKUP}
    lookup, other = lookup | (flat & other), other - flat
    return Image(
        cputype & 0xFFFFFFFF,
        filetype,
        install_name,
        tuple(libraries),
        minos,
        frozenset(exported),
        frozenset(lookup),
        frozenset(other),
    )


def images(data: bytes, name: str = "the file") -> list[Image]:
    """Every architecture's image of a thin or a fat Mach-O file."""
    if len(data) >= 4 and struct.unpack_from(">I", data, 0)[0] == FAT_MAGIC:
        return [read_image(data[s.offset : s.offset + s.size], name) for s in slices(data)]
    return [read_image(data, name)]


def is_macho(data: bytes) -> bool:
    if len(data) < 4:
        return False
    return struct.unpack_from(">I", data, 0)[0] == FAT_MAGIC or struct.unpack_from("<I", data, 0)[
        0
    ] in (_THIN_MAGIC_64, _THIN_MAGIC_32)
