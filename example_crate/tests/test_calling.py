"""Calling Python from Rust, and errors crossing the boundary."""

from __future__ import annotations

import sys

import pytest

import example_crate as ec


def test_python_version_through_import() -> None:
    assert ec.python_version() == sys.version


def test_evaluate_with_locals() -> None:
    assert ec.evaluate("x * 2 + 1", 20) == 41
    assert ec.evaluate("[x] * 3", 1) == [1, 1, 1]
    with pytest.raises(NameError):
        ec.evaluate("y", 1)
    with pytest.raises(SyntaxError):
        ec.evaluate("x +", 1)


def test_apply_calls_back_and_propagates_exceptions() -> None:
    assert ec.apply(str.upper, "abc") == "ABC"

    class Boom(Exception):
        pass

    def explode(value: int) -> int:
        raise Boom(f"bad {value}")

    with pytest.raises(Boom, match="bad 3"):
        ec.apply(explode, 3)


def test_python_exception_inspected_in_rust() -> None:
    assert ec.call_guarded(lambda: 1 / 0) == "caught ZeroDivisionError: division by zero"
    assert ec.call_guarded(lambda: [1]) == "returned [1]"
    empty: dict[str, int] = {}
    with pytest.raises(KeyError):
        ec.call_guarded(lambda: empty["missing"])


def test_rust_error_maps_to_module_exception() -> None:
    assert ec.parse_number(" 42 ") == 42
    with pytest.raises(ec.ParseError, match='not a number: "4x2"'):
        ec.parse_number("4x2")
    with pytest.raises(ec.ParseError, match="empty input"):
        ec.parse_number("  ")
    assert issubclass(ec.ParseError, ValueError)
    assert ec.ParseError.__module__ == "example_crate._native"
