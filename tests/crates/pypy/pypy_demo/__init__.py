from ._native import hello

__all__ = ["hello"]
