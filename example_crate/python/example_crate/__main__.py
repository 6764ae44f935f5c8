"""`python -m example_crate`: a short demonstration of the module."""

from . import sum_as_string

print(f"sum_as_string(5, 20) == {sum_as_string(5, 20)!r}")
