"""The book's sources: notebooks stored without outputs and equal to what their chapter sources (chapters/*.py,
jupytext py:percent) produce, a table of contents that lists every chapter, citations that resolve, and chapters
that honour MINIGPT_FAST."""

import importlib.util
import json
import re
from pathlib import Path

import jupytext
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
SOURCES = ROOT / "chapters"
CHAPTERS = sorted(BOOK.glob("[0-9][0-9]_*.ipynb"))


def _load_generator():
    """scripts/notebooks.py, the converter `make notebooks` runs (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("notebooks", ROOT / "scripts" / "notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


notebooks = _load_generator()


def cells(nb_path: Path) -> list[dict]:
    return json.loads(nb_path.read_text(encoding="utf-8"))["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


def test_there_are_chapters():
    assert len(CHAPTERS) >= 3


@pytest.mark.parametrize("nb", CHAPTERS, ids=lambda p: p.stem)
def test_notebook_is_stored_without_outputs(nb):
    for i, cell in enumerate(cells(nb)):
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"{nb.name} cell {i} has outputs: clear them (the build executes it)"
            assert cell["execution_count"] is None, f"{nb.name} cell {i} has an execution count"


def test_every_chapter_has_a_source_and_every_source_a_notebook():
    sources = notebooks.chapter_sources()
    assert [notebooks.notebook_path(s) for s in sources] == CHAPTERS


@pytest.mark.parametrize("nb", CHAPTERS, ids=lambda p: p.stem)
def test_notebook_equals_what_its_source_writes(nb):
    source = SOURCES / f"{nb.stem}.py"
    assert source.exists(), f"{nb.name} has no source {source.relative_to(ROOT)}"
    assert notebooks.render(source) == nb.read_text(encoding="utf-8"), (
        f"{nb.name} differs from {source.relative_to(ROOT)}: edit the source and run `make notebooks`"
    )


# The widest code line a code cell shows without a horizontal scroll bar, in characters. Measured in the built book
# (sphinx-book-theme 1.3.0, MINIGPT_FAST=1 build) with headless Chromium at a 1280x800 window, the monospace font
# at 14 px being DejaVu Sans Mono (8.43 px a character, as wide as Menlo; Consolas and Cascadia are narrower):
# a code cell is 684 px wide with 16 px padding each side, 77 characters; a hide-input cell, opened, is 666 px,
# 75 characters, which is also what a plain cell shows when a 15 px scroll bar takes its share of the window.
CODE_WIDTH = 75


@pytest.mark.parametrize("source", sorted(SOURCES.glob("[0-9][0-9]_*.py")), ids=lambda p: p.stem)
def test_chapter_code_fits_the_page(source):
    nb = jupytext.read(source, fmt="py:percent")
    long = [
        f"cell {i}: {len(line)} characters: {line}"
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        for line in cell.source.splitlines()
        if len(line) > CODE_WIDTH
    ]
    assert not long, f"{source.name}: over {CODE_WIDTH} characters, the book clips them:\n" + "\n".join(long)


@pytest.mark.parametrize("nb", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_reads_fast_mode(nb):
    text = "\n".join(source(c) for c in cells(nb) if c["cell_type"] == "code")
    assert "fast_mode()" in text or "MINIGPT_FAST" in text


def test_toc_lists_every_chapter_and_nothing_missing():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]] + [e["file"] for part in toc["parts"] for e in part["chapters"]]
    for f in files:
        assert any((ROOT / f).with_suffix(ext).exists() for ext in (".md", ".ipynb")), f"_toc.yml names missing {f}"
    listed = {ROOT / f"{f}.ipynb" for f in files}
    assert set(CHAPTERS) <= listed, f"chapters not in _toc.yml: {sorted(p.name for p in set(CHAPTERS) - listed)}"


def test_every_citation_is_in_the_bibliography():
    from pybtex.database import parse_file  # what sphinxcontrib-bibtex reads it with: a torn entry fails here

    keys = set(parse_file(str(BOOK / "references.bib")).entries)
    texts = [p.read_text(encoding="utf-8") for p in BOOK.glob("*.md")]
    texts += [source(c) for nb in CHAPTERS for c in cells(nb) if c["cell_type"] == "markdown"]
    groups = [g for t in texts for g in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", t)]
    cited = {k.strip() for g in groups for k in g.split(",")}
    assert cited, "no citations found: the pattern is wrong"
    assert cited <= keys, f"cited but not in book/references.bib: {sorted(cited - keys)}"


def test_html_builders_prefer_the_explorers_static_view():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    overrides = config["sphinx"]["config"]["nb_mime_priority_overrides"]
    assert ["html", "text/html", 5] in overrides  # below widget-view's 10: HTML wins in the built book
    assert config["execute"]["execute_notebooks"] == "cache"


# Emoji and pictographs: the book ships no font for them, so a browser without one draws empty boxes (seen in
# Chromium on Linux). Words, or an inline SVG, say the same thing everywhere.
EMOJI = re.compile("[\u2600-\u27bf\u2b00-\u2bff\ufe0f\U0001f000-\U0001faff]")


@pytest.mark.parametrize("path", sorted(SOURCES.glob("[0-9][0-9]_*.py")) + sorted(BOOK.glob("*.md")),
                         ids=lambda p: p.name)
def test_book_sources_use_no_emoji(path):
    found = [f"line {i}: {m.group(0)!r} (U+{ord(m.group(0)):04X})"
             for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             for m in EMOJI.finditer(line)]
    assert not found, f"{path.name} uses characters the book has no font for:\n" + "\n".join(found)


def test_the_intro_lists_the_claims_as_the_registry_and_the_verdict_table_do():
    assert notebooks.intro_text() == (BOOK / "intro.md").read_text(encoding="utf-8"), (
        "book/intro.md's list of claims differs from the registry: run `make notebooks`")
