"""Digits, counted by the Rust core."""

import ctypes
import pathlib

_library = ctypes.CDLL(str(next(pathlib.Path(__file__).parent.glob("_native*"))))
_library.pybind_digits.restype = ctypes.c_uint64


def digits(value: int) -> int:
    return int(_library.pybind_digits(ctypes.c_uint64(value)))
