from ._native import bump, total

__all__ = ["bump", "total"]
