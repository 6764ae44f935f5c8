"""{{ cookiecutter.description }}"""

from __future__ import annotations

import ctypes
import importlib.machinery
from pathlib import Path

__all__ = ["add", "adler32"]


def _load() -> ctypes.CDLL:
    here = Path(__file__).parent
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        candidate = here / f"_lib{suffix}"
        if candidate.is_file():
            return ctypes.CDLL(str(candidate))
    raise ImportError(f"the compiled library _lib was not found in {here}")


_lib = _load()
_lib.add.argtypes = (ctypes.c_int64, ctypes.c_int64)
_lib.add.restype = ctypes.c_int64
_lib.adler32.argtypes = (ctypes.c_char_p, ctypes.c_size_t)
_lib.adler32.restype = ctypes.c_uint32


def add(a: int, b: int) -> int:
    """Adds two 64-bit integers (wrapping on overflow)."""
    return int(_lib.add(a, b))


def adler32(data: bytes) -> int:
    """The Adler-32 checksum of ``data``."""
    return int(_lib.adler32(data, len(data)))
