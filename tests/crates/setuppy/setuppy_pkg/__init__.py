from ._ext import double

__all__ = ["double"]
