from ._native import Counter, triple

__all__ = ["Counter", "triple"]
