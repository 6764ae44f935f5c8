"""Loads the Rust cdylib with ctypes."""

import ctypes
from pathlib import Path

_here = Path(__file__).parent
_lib = ctypes.CDLL(str(next(_here.glob("_ffi.*"))))
_lib.ffi_add.argtypes = (ctypes.c_int64, ctypes.c_int64)
_lib.ffi_add.restype = ctypes.c_int64


def add(a: int, b: int) -> int:
    return int(_lib.ffi_add(a, b))


def build_info() -> str:
    return (_here / "build_info.txt").read_text().strip()
