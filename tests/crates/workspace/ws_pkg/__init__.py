"""Three C-ABI libraries of one cargo workspace, sharing a path dependency."""

import ctypes
import importlib.machinery
import pathlib


def value(name: str) -> int:
    here = pathlib.Path(__file__).parent
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        if (here / f"_{name}{suffix}").exists():
            return int(ctypes.CDLL(str(here / f"_{name}{suffix}")).value())
    raise ImportError(f"_{name} was not built")
