from ._native import libc_version

__all__ = ["libc_version"]
