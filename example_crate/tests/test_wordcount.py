"""Word counting: sequential and parallel results equal a pure-Python reference,
and other Python threads run while Rust counts with the GIL released."""

from __future__ import annotations

import random
import sys
import threading
import time

import example_crate as ec


def reference(text: str, word: str) -> int:
    return sum(1 for line in text.splitlines() for w in line.split() if w == word)


def make_text(lines: int, seed: int) -> str:
    rng = random.Random(seed)
    words = ["alpha", "beta", "gamma", "delta", "alphabet", "Alpha"]
    return "\n".join(" ".join(rng.choices(words, k=rng.randint(0, 15))) for _ in range(lines))


def test_counts_equal_python_reference() -> None:
    for seed in range(5):
        text = make_text(2_000, seed)
        for word in ("alpha", "Alpha", "gamma", "missing"):
            expected = reference(text, word)
            assert ec.count_words_sequential(text, word) == expected
            assert ec.count_words_detached(text, word) == expected
            assert ec.count_words_parallel(text, word) == expected


def test_edge_cases() -> None:
    assert ec.count_words_parallel("", "a") == 0
    assert ec.count_words_parallel("a", "a") == 1
    assert ec.count_words_parallel("a a\n\n  a\t a  \n", "a") == 4
    assert ec.count_words_sequential("ünï ünï\nünï", "ünï") == 3


def ticks_while_counting(func: object, text: str) -> int:
    """How often the main thread got to run while `func` counted in another thread."""
    running = threading.Event()
    done = threading.Event()

    def work() -> None:
        running.set()
        func(text, "alpha")  # type: ignore[operator]
        done.set()

    thread = threading.Thread(target=work)
    thread.start()
    running.wait()
    ticks = 0
    while not done.is_set():
        ticks += 1
    thread.join()
    return ticks


def text_counted_for_at_least(seconds: float) -> str:
    """A text that takes ``count_words_sequential`` at least ``seconds`` to count, on
    this machine and with this build (a release build counts many times faster)."""
    text = make_text(20_000, 1)
    while True:
        started = time.perf_counter()
        ec.count_words_sequential(text, "alpha")
        if time.perf_counter() - started >= seconds:
            return text
        text = f"{text}\n{text}"


def test_other_threads_run_while_rust_counts() -> None:
    text = text_counted_for_at_least(0.05)
    # With the GIL held, the main thread can run only at the edges of the call, for
    # about one switch interval each; a short interval keeps the edges small next
    # to the count, whatever the build's speed.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-4)
    try:
        released = ticks_while_counting(ec.count_words_detached, text)
        held = ticks_while_counting(ec.count_words_sequential, text)
    finally:
        sys.setswitchinterval(interval)
    # With the GIL released the main thread spins freely during the whole count.
    assert released > 1_000, released
    assert released > 20 * max(held, 1), (released, held)
