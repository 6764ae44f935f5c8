"""{{ cookiecutter.description }}"""

from ._native import Accumulator, greet

__all__ = ["Accumulator", "greet"]
