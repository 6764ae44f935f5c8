"""example_crate: a PyO3 extension module built by buildrs."""

from ._native import sum_as_string

__all__ = ["sum_as_string"]
