"""A package inside the namespace package nsroot (which has no __init__.py)."""

import ctypes
import importlib.machinery
import pathlib


def answer() -> int:
    here = pathlib.Path(__file__).parent
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        if (here / f"_ns{suffix}").exists():
            return int(ctypes.CDLL(str(here / f"_ns{suffix}")).answer())
    raise ImportError("_ns was not built")
