import pytest

import {{ cookiecutter.module_name }} as pkg


def test_greet() -> None:
    assert pkg.greet("Ferris") == "Hello, Ferris, from Rust!"


def test_accumulator() -> None:
    acc = pkg.Accumulator()
    with pytest.raises(ValueError, match="no values added yet"):
        acc.mean()
    assert acc.add(1.5) == 1.5
    assert acc.add(2.5) == 4.0
    assert acc.total == 4.0
    assert acc.mean() == 2.0
