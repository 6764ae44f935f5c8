"""The symbols a shared library exports, read from the file itself.

Python loads an extension module by calling ``PyInit_<name>``, where ``<name>``
is the file's base name. Checking that the built library exports that symbol
catches, at build time, a module that would only fail at import.

ELF (Linux, the BSDs) is read here: the dynamic symbol table ``.dynsym`` and its
string table. Mach-O and PE files are not read; ``exported_symbols`` returns
``None`` for them and the check is skipped.
"""

from __future__ import annotations

import struct
from pathlib import Path

__all__ = ["exported_symbols"]

_SHT_DYNSYM = 11
_STB_GLOBAL = 1
_STB_WEAK = 2


def exported_symbols(path: Path) -> frozenset[str] | None:
    """Names of the defined global symbols of an ELF shared library, or ``None``
    when ``path`` is not an ELF file (or not one this reader understands)."""
    data = path.read_bytes()
    if data[:4] != b"\x7fELF" or len(data) < 64:
        return None
    is64 = data[4] == 2
    order = "<" if data[5] == 1 else ">"
    try:
        if is64:
            (shoff,) = struct.unpack_from(order + "Q", data, 0x28)
            shentsize, shnum = struct.unpack_from(order + "HH", data, 0x3A)
        else:
            (shoff,) = struct.unpack_from(order + "I", data, 0x20)
            shentsize, shnum = struct.unpack_from(order + "HH", data, 0x2E)
        sections = [_section(data, order, is64, shoff + i * shentsize) for i in range(shnum)]
        names: set[str] = set()
        for sh_type, offset, size, link, entsize in sections:
            if sh_type != _SHT_DYNSYM or not entsize:
                continue
            _, str_offset, str_size, _, _ = sections[link]
            strings = data[str_offset : str_offset + str_size]
            for index in range(1, size // entsize):
                name, info, shndx = _symbol(data, order, is64, offset + index * entsize)
                if shndx == 0 or (info >> 4) not in (_STB_GLOBAL, _STB_WEAK):
                    continue
                end = strings.find(b"\0", name)
                names.add(strings[name:end].decode("utf-8", "replace"))
        return frozenset(names)
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
