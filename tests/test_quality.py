"""The package stays lint-clean and type-checks under mypy --strict."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from conftest import ROOT, run


def test_ruff_is_clean() -> None:
    run([sys.executable, "-m", "ruff", "check", "buildrs", "tests", "bench"], cwd=ROOT)
    run([sys.executable, "-m", "ruff", "format", "--check", "buildrs", "tests", "bench"], cwd=ROOT)


def test_mypy_strict() -> None:
    run([sys.executable, "-m", "mypy"], cwd=ROOT)


LAYERS = ("binfmt", "config", "plan", "compile", "wheel", "setuptools", "cli")
"""buildrs' folders, lowest first: a module imports from its own folder and the ones
below it (and the modules at the top every layer uses: ``errors``, ``process``,
``folders``), never from above."""
TOP = ("buildrs", "buildrs.errors", "buildrs.process", "buildrs.folders")


def _imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                found.add(f"{base}.{node.module}" if node.module else base)
            elif node.module:
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("buildrs")}


def test_imports_run_down_the_layers() -> None:
    wrong = []
    for layer_index, layer in enumerate(LAYERS):
        allowed = {f"buildrs.{below}" for below in LAYERS[: layer_index + 1]}
        for path in sorted((ROOT / "buildrs" / layer).rglob("*.py")):
            for name in _imported(path):
                if name in TOP:
                    continue
                if not any(name == a or name.startswith(a + ".") for a in allowed):
                    wrong.append(f"{path.relative_to(ROOT)} imports {name}")
    assert wrong == []
    assert _imported(ROOT / "buildrs" / "errors.py") == set()
    for name in ("process.py", "folders.py"):
        assert _imported(ROOT / "buildrs" / name) <= {"buildrs.errors"}


def test_modules_and_functions_stay_small() -> None:
    """A module past ~400 lines or a function past ~60 has grown a second job."""
    long_modules, long_functions = [], []
    for path in sorted((ROOT / "buildrs").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > 420:
            long_modules.append(f"{path.relative_to(ROOT)}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > 60:
                    long_functions.append(f"{path.relative_to(ROOT)}:{node.name}: {length}")
    assert long_modules == []
    assert long_functions == []
