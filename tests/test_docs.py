"""The README and the pages under docs/ stay true: every link leads to a file and
heading that exist, every page is reachable from the README, the tables generated
from the code are equal to it, and every file of this repository they name exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from buildrs.config.caches import variables_table
from buildrs.config.settings import project_keys, settings_table
from buildrs.config.targets import key_table, target_keys
from conftest import ROOT

PAGES = sorted((ROOT / "docs").glob("*.md"))
DOCUMENTS = [ROOT / "README.md", *PAGES]
LINK = re.compile(r"\[[^\]]+\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", flags=re.M | re.S)


def prose(path: Path) -> str:
    """The document without its code blocks."""
    return FENCE.sub("", path.read_text(encoding="utf-8"))


def anchors(path: Path) -> set[str]:
    """GitHub's anchors for the headings of a Markdown file."""
    found = set()
    for heading in re.findall(r"^#+ (.+)$", prose(path), flags=re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        found.add(slug)
    return found


def links(path: Path) -> list[str]:
    return [target for target in LINK.findall(prose(path)) if "://" not in target]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_link_leads_to_a_file_and_heading_that_exist(document: Path) -> None:
    for target in links(document):
        file, _, anchor = target.partition("#")
        destination = (document.parent / file).resolve() if file else document
        assert destination.exists(), f"{document.name}: link to missing {target}"
        if anchor:
            assert anchor in anchors(destination), f"{document.name}: no heading for {target}"


def test_every_page_is_linked_from_the_readme() -> None:
    linked = {(ROOT / t.partition("#")[0]).resolve() for t in links(ROOT / "README.md")}
    assert [p.name for p in PAGES if p.resolve() not in linked] == []
    assert PAGES, "docs/ has no pages"


def test_the_settings_table_is_generated_from_the_declarations() -> None:
    page = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert settings_table() in page, "regenerate with: python -m buildrs keys settings"


def test_the_cache_variables_are_the_declared_ones() -> None:
    page = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert variables_table() in page


@pytest.mark.parametrize(("kind", "heading"), [("ext", "ext-modules"), ("bin", "bins")])
def test_key_tables_are_generated_from_the_model(kind: str, heading: str) -> None:
    page = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert key_table(kind) in page, f"regenerate with: python -m buildrs keys {heading}"
    documented = re.findall(r"^\| `([a-z-]+)` \|", key_table(kind), flags=re.M)
    assert documented == target_keys(kind)


def test_the_top_level_keys_named_in_prose_are_the_declared_ones() -> None:
    page = prose(ROOT / "docs" / "configuration.md")
    sentence = page[page.index("The other top-level keys of `[tool.buildrs]`") :]
    sentence = sentence[: sentence.index("(see")]
    assert re.findall(r"`([a-z-]+)`", sentence) == project_keys()


def test_every_repository_file_named_exists() -> None:
    """`tests/test_x.py`, `buildrs/binfmt/`, `.ci/cross-toolchains`, `bench/run.py`..."""
    pattern = r"`((?:tests|buildrs|bench|\.ci|templates|docs)/[^`\s]*)`"
    named = {(d.name, n) for d in DOCUMENTS for n in re.findall(pattern, prose(d))}
    assert len(named) > 15, "the pattern no longer finds the files the pages name"
    assert sorted(x for x in named if not (ROOT / x[1]).exists()) == []
