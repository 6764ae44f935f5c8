"""Word counting: sequential and parallel results equal a pure-Python reference,
and other Python threads run while Rust counts with the GIL released."""

from __future__ import annotations

import random
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


def longest_pause_while_counting(func: object, text: str) -> tuple[float, float]:
    """Run `func` in another thread while the main thread spins, and return how long the
    count took and the longest stretch in which the main thread did not get to run."""
    go = threading.Event()
    span: list[float] = []

    def work() -> None:
        go.wait()
        begin = time.perf_counter()
        func(text, "alpha")  # type: ignore[operator]
        span.append(time.perf_counter() - begin)

    thread = threading.Thread(target=work)
    thread.start()
    # The main thread is already spinning when the count begins, so a count holding the
    # GIL shows up as one long pause here.
    longest = 0.0
    last = time.perf_counter()
    go.set()
    while thread.is_alive():
        now = time.perf_counter()
        longest = max(longest, now - last)
        last = now
    thread.join()
    return span[0], longest


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
    text = text_counted_for_at_least(0.1)
    # Holding the GIL, the count shuts the main thread out for most of its duration.
    took, pause = longest_pause_while_counting(ec.count_words_sequential, text)
    assert pause > 0.5 * took, (took, pause)
    # Released, the main thread keeps running through the count. A busy machine may
    # deschedule it for a while, so a few attempts are allowed for that side only.
    attempts = []
    for _ in range(3):
        took, pause = longest_pause_while_counting(ec.count_words_detached, text)
        attempts.append((took, pause))
        if pause < 0.5 * took:
            break
    else:
        raise AssertionError(f"the main thread stalled during every count: {attempts}")
