"""Readers of the binary files cargo builds: ELF (Linux, the BSDs), Mach-O (macOS)
and PE (Windows). They use only the standard library and import nothing else of
buildrs but its errors.

``exported_symbols`` reads whichever of them a file is, so the check that a built
module exports ``PyInit_<name>`` works for every platform's files.
"""

from __future__ import annotations

from pathlib import Path

from . import elf

__all__ = ["exported_symbols"]


def exported_symbols(path: Path) -> frozenset[str] | None:
    """The names a shared library exports, or ``None`` for a format not read here."""
    return elf.exported_symbols(path)
