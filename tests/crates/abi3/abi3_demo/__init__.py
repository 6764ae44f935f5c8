from ._abi3demo import hello

__all__ = ["hello"]
