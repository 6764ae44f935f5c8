"""The package stays lint-clean and type-checks under mypy --strict."""

from __future__ import annotations

import sys

from conftest import ROOT, run


def test_ruff_is_clean() -> None:
    run([sys.executable, "-m", "ruff", "check", "buildrs", "tests", "bench"], cwd=ROOT)
    run([sys.executable, "-m", "ruff", "format", "--check", "buildrs", "tests", "bench"], cwd=ROOT)


def test_mypy_strict() -> None:
    run([sys.executable, "-m", "mypy"], cwd=ROOT)
