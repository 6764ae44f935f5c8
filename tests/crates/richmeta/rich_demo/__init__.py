"""Loads the C-ABI library built from src/lib.rs."""

import ctypes
from pathlib import Path

_library = ctypes.CDLL(str(next(Path(__file__).parent.glob("_rich*"))))


def answer() -> int:
    return int(_library.rich_answer())
