"""`python -m example_crate`: a short demonstration, with a measured word-count speedup."""

from __future__ import annotations

import random
import time

import example_crate as ec

WORDS = ["rust", "python", "crate", "wheel", "cargo", "module", "thread", "lock"]


def make_text(lines: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    return "\n".join(" ".join(rng.choices(WORDS, k=12)) for _ in range(lines))


def count_python(text: str, word: str) -> int:
    return sum(1 for line in text.splitlines() for w in line.split() if w == word)


def best_of(runs: int, func, *args):  # type: ignore[no-untyped-def]
    best, result = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        result = func(*args)
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    print(f"sum_as_string(5, 20) == {ec.sum_as_string(5, 20)!r}")
    print(f"describe([1, 2, 3]) -> {ec.describe([1, 2, 3])!r}")
    print(f"sorted_unique([3, 1, 3, 2]) -> {ec.sorted_unique([3, 1, 3, 2])}")
    print(f"evaluate('x * 7', 6) -> {ec.evaluate('x * 7', 6)}")
    seq = ec.ByteSequence(b"ab") + ec.ByteSequence(b"c")
    print(f"ByteSequence(b'ab') + ByteSequence(b'c') -> {seq!r}, len {len(seq)}")
    try:
        ec.parse_number("12x")
    except ec.ParseError as err:
        print(f"parse_number('12x') raised ParseError: {err}")

    text = make_text(200_000)
    py_time, expected = best_of(3, count_python, text, "rust")
    seq_time, sequential = best_of(3, ec.count_words_sequential, text, "rust")
    par_time, parallel = best_of(3, ec.count_words_parallel, text, "rust")
    assert expected == sequential == parallel, (expected, sequential, parallel)
    print(f"\nword count of 'rust' in {len(text) / 1e6:.1f} MB of generated text: {parallel}")
    print(f"  pure Python       {py_time * 1000:8.1f} ms")
    print(f"  Rust, one thread  {seq_time * 1000:8.1f} ms  ({py_time / seq_time:5.1f}x)")
    print(f"  Rust, parallel    {par_time * 1000:8.1f} ms  ({py_time / par_time:5.1f}x)")


if __name__ == "__main__":
    main()
