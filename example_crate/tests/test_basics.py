"""sum_as_string, object types, owned values and references kept across calls."""

from __future__ import annotations

import pytest

import example_crate as ec


def test_sum_as_string() -> None:
    assert ec.sum_as_string(5, 20) == "25"
    assert ec.sum_as_string(0, 0) == "0"


def test_sum_as_string_rejects_negative() -> None:
    with pytest.raises(OverflowError):
        ec.sum_as_string(-1, 2)


def test_describe_casts_to_concrete_types() -> None:
    assert ec.describe([1, 2, 3]) == "list of 3 items"
    assert ec.describe({"a": 1, "b": 2}) == "dict with 2 keys"
    assert ec.describe((1, 2)) == "tuple of 2 items"
    assert ec.describe("text") == "other: str"
    assert ec.describe(ec.Names()) == "other: Names"


def test_extraction_into_owned_rust_values() -> None:
    assert ec.totals_by_prefix({"a_1": 1, "a_2": 2, "b_1": 10}) == {"a": 3, "b": 10}
    assert ec.sorted_unique([5, 3, 5, 1, 3]) == [1, 3, 5]
    assert ec.sorted_unique((2, 2)) == [2]


def test_extraction_failure_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="cannot be interpreted as an integer"):
        ec.sorted_unique(["a"])  # type: ignore[list-item]


def test_keeper_hands_back_the_same_objects() -> None:
    keeper = ec.Keeper()
    first, second = object(), {"k": [1]}
    keeper.keep(first)
    keeper.keep(second)
    assert keeper.last is second
    assert keeper.get(0) is first
    assert keeper.items is keeper.items
    assert keeper.items == [first, second]
    assert len(keeper) == 2


def test_keeper_keeps_objects_alive() -> None:
    import gc
    import weakref

    class Thing:
        pass

    keeper = ec.Keeper()
    thing = Thing()
    ref = weakref.ref(thing)
    keeper.keep(thing)
    del thing
    gc.collect()
    assert ref() is not None
    del keeper
    gc.collect()
    assert ref() is None
