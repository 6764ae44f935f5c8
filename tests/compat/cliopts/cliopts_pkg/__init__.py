"""Loads the Rust C-ABI library built next to this file."""

import ctypes
import importlib.machinery
import pathlib

_here = pathlib.Path(__file__).parent


def _load(name: str) -> ctypes.CDLL:
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        candidate = _here / f"{name}{suffix}"
        if candidate.exists():
            return ctypes.CDLL(str(candidate))
    raise ImportError(f"{name} was not built")


def answer() -> int:
    return int(_load("_cli").answer())
