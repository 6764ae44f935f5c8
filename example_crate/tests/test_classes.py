"""Runtime borrow checking, thread-safe classes and protocols."""

from __future__ import annotations

import threading

import pytest

import example_crate as ec


def test_merge_moves_names() -> None:
    a, b = ec.Names(["ann", "bob"]), ec.Names(["cy"])
    a.merge(b)
    assert a.names == ["ann", "bob", "cy"]
    assert b.names == []
    assert len(a) == 3


def test_merge_with_itself_is_a_borrow_error() -> None:
    names = ec.Names(["ann"])
    with pytest.raises(RuntimeError, match="borrow"):
        names.merge(names)
    assert names.names == ["ann"]


def test_shared_counter_loses_no_increments() -> None:
    counter = ec.SharedCounter(every=1000)
    threads = [
        threading.Thread(target=lambda: [counter.increment() for _ in range(5_000)])
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counter.value == 40_000
    assert counter.milestones() == list(range(1000, 40_001, 1000))


def test_shared_counter_increment_by() -> None:
    counter = ec.SharedCounter(every=5)
    assert counter.increment(12) == 12
    assert counter.milestones() == [5, 10]


def test_byte_sequence_protocols() -> None:
    ab = ec.ByteSequence(b"ab")
    c = ec.ByteSequence([99])
    joined = ab + c
    assert len(joined) == 3
    assert (joined[0], joined[-1]) == (97, 99)
    assert bytes(joined) == b"abc"
    assert joined == ec.ByteSequence(b"abc")
    assert joined != ab
    assert repr(joined) == "ByteSequence([97, 98, 99])"
    with pytest.raises(IndexError):
        joined[3]
    with pytest.raises(IndexError):
        joined[-4]
    with pytest.raises(TypeError):
        ab + b"c"  # type: ignore[operator]
