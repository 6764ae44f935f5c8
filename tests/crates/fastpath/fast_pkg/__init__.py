"""Answers from a Rust library rebuilt by `python -m buildrs develop` when needed."""

import ctypes
import importlib.machinery
import pathlib


def answer() -> int:
    here = pathlib.Path(__file__).parent
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        if (here / f"_fast{suffix}").exists():
            return int(ctypes.CDLL(str(here / f"_fast{suffix}")).answer())
    raise ImportError("_fast was not built")
