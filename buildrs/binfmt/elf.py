"""ELF files (Linux, the BSDs): the symbols a shared library exports and the libraries
it needs, read from the file itself.

Python loads an extension module by calling ``PyInit_<name>``, where ``<name>``
is the file's base name; the dynamic symbol table ``.dynsym`` says whether the
library exports it. The ``.dynamic`` section's ``DT_NEEDED`` entries name the
libraries the loader must find (a musl module must name musl's libc the way
musllinux systems do).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

__all__ = ["exported_symbols", "needed_libraries", "required_versions"]

_SHT_DYNSYM = 11
_SHT_DYNAMIC = 6
_DT_NEEDED = 1
_STB_GLOBAL = 1
_STB_WEAK = 2


@dataclass(frozen=True)
class _File:
    data: bytes
    order: str
    is64: bool
    sections: list[tuple[int, int, int, int, int]]
    """(type, offset, size, link, entsize) of each section."""

    def strings(self, index: int) -> bytes:
        _, offset, size, _, _ = self.sections[index]
        return self.data[offset : offset + size]


def _read(path: Path) -> _File | None:
    data = path.read_bytes()
    if data[:4] != b"\x7fELF" or len(data) < 64:
        return None
    is64 = data[4] == 2
    order = "<" if data[5] == 1 else ">"
    if is64:
        (shoff,) = struct.unpack_from(order + "Q", data, 0x28)
        shentsize, shnum = struct.unpack_from(order + "HH", data, 0x3A)
    else:
        (shoff,) = struct.unpack_from(order + "I", data, 0x20)
        shentsize, shnum = struct.unpack_from(order + "HH", data, 0x2E)
    sections = [_section(data, order, is64, shoff + i * shentsize) for i in range(shnum)]
    return _File(data, order, is64, sections)


def _c_string(strings: bytes, at: int) -> str:
    end = strings.find(b"\0", at)
    return strings[at : end if end >= 0 else len(strings)].decode("utf-8", "replace")


def exported_symbols(path: Path) -> frozenset[str] | None:
    """Names of the defined global symbols of an ELF shared library, or ``None``
    when ``path`` is not an ELF file (or not one this reader understands)."""
    try:
        elf = _read(path)
        if elf is None:
            return None
        names: set[str] = set()
        for sh_type, offset, size, link, entsize in elf.sections:
            if sh_type != _SHT_DYNSYM or not entsize:
                continue
            strings = elf.strings(link)
            for index in range(1, size // entsize):
                name, info, shndx = _symbol(elf.data, elf.order, elf.is64, offset + index * entsize)
                if shndx == 0 or (info >> 4) not in (_STB_GLOBAL, _STB_WEAK):
                    continue
                names.add(_c_string(strings, name))
        return frozenset(names)
    except (struct.error, IndexError):
        return None


def needed_libraries(path: Path) -> tuple[str, ...] | None:
    """The ``DT_NEEDED`` entries of an ELF file, in order, or ``None`` when it is not
    an ELF file this reader understands."""
    try:
        elf = _read(path)
        if elf is None:
            return None
        found: list[str] = []
        entry = "qQ" if elf.is64 else "iI"
        width = struct.calcsize(elf.order + entry)
        for sh_type, offset, size, link, _ in elf.sections:
            if sh_type != _SHT_DYNAMIC:
                continue
            strings = elf.strings(link)
            for at in range(offset, offset + size - width + 1, width):
                tag, value = struct.unpack_from(elf.order + entry, elf.data, at)
                if tag == _DT_NEEDED:
                    found.append(_c_string(strings, value))
        return tuple(found)
    except (struct.error, IndexError):
        return None


_SHT_GNU_VERNEED = 0x6FFFFFFE


def required_versions(path: Path) -> dict[str, set[str]] | None:
    """The symbol versions an ELF file needs, by library (``{"libc.so.6": {"GLIBC_2.17",
    ...}}``), from its ``.gnu.version_r`` section; ``None`` when it is not an ELF file
    this reader understands."""
    try:
        elf = _read(path)
        if elf is None:
            return None
        found: dict[str, set[str]] = {}
        for sh_type, offset, _, link, _ in elf.sections:
            if sh_type != _SHT_GNU_VERNEED:
                continue
            strings = elf.strings(link)
            at = offset
            while True:
                _, count, file, aux, following = struct.unpack_from(
                    elf.order + "HHIII", elf.data, at
                )
                names = found.setdefault(_c_string(strings, file), set())
                entry = at + aux
                for _ in range(count):
                    _, _, _, name, step = struct.unpack_from(elf.order + "IHHII", elf.data, entry)
                    names.add(_c_string(strings, name))
                    entry += step
                if not following:
                    break
                at += following
        return found
    except (struct.error, IndexError):
        return None


def _section(data: bytes, order: str, is64: bool, at: int) -> tuple[int, int, int, int, int]:
    """(type, offset, size, link, entsize) of the section header at ``at``."""
    if is64:
        _, sh_type, _, _, offset, size, link, _, _, entsize = struct.unpack_from(
            order + "IIQQQQIIQQ", data, at
        )
    else:
        _, sh_type, _, _, offset, size, link, _, _, entsize = struct.unpack_from(
            order + "IIIIIIIIII", data, at
        )
    return sh_type, offset, size, link, entsize


def _symbol(data: bytes, order: str, is64: bool, at: int) -> tuple[int, int, int]:
    """(name offset, info, section index) of the symbol at ``at``."""
    if is64:
        name, info, _, shndx = struct.unpack_from(order + "IBBH", data, at)
    else:
        name, _, _, info, _, shndx = struct.unpack_from(order + "IIIBBH", data, at)
    return name, info, shndx
