"""Write book/NN_slug.ipynb from chapters/NN_slug.py (jupytext py:percent), stored without outputs.

    python scripts/notebooks.py            write every chapter's notebook (what `make notebooks` runs)
    python scripts/notebooks.py --check    write nothing; exit 1 if a committed notebook differs from its source

Edit the chapter sources, never the notebook JSON: tests/test_book.py checks that the two agree. It also writes
the list of claims in book/intro.md (between `<!-- claims -->` and `<!-- /claims -->`) from the verdict table's
claims and the study registry (minigpt.studies.STUDIES), so the intro names each claim and its chapters as the
verdict table does. Besides the conversion, this script does three things the sources leave out:
- it gives every cell a fixed id, "ch01-00", "ch01-01", ..., so regenerating gives a stable diff;
- it writes the same notebook metadata (a Python 3 kernelspec) into every chapter;
- it expands the marker cell `# colab-install` into the cell that installs minigpt on Colab from
  `repository.url` in _config.yml (the one setting that points the book at a fork). The marker stands in for
  the cell because its `%pip` sits inside an `if`, which a .py file cannot hold as valid Python.
"""

from __future__ import annotations

import argparse
import re
import sys
import textwrap
from pathlib import Path

import jupytext
import nbformat
import yaml
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "chapters"
BOOK = ROOT / "book"

INSTALL_MARKER = "# colab-install"
INSTALL_CELL = """\
# On Colab: install this book's library (elsewhere it is already installed and
# this does nothing).
import importlib.util

if importlib.util.find_spec("minigpt") is None:
    %pip install --quiet --no-deps "minigpt @ git+{url}\""""

METADATA = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def repository_url() -> str:
    """`repository.url` of _config.yml: the one setting that points the book at a fork."""
    return yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]


def chapter_sources() -> list[Path]:
    return sorted(SOURCES.glob("[0-9][0-9]_*.py"))


def notebook_path(source: Path) -> Path:
    return BOOK / f"{source.stem}.ipynb"


def render(source: Path) -> str:
    """The notebook that `source` describes, as the JSON text stored in book/."""
    text = jupytext.reads(source.read_text(encoding="utf-8"), fmt="py:percent")
    prefix = "ch" + source.name[:2]
    cells = []
    for i, cell in enumerate(text.cells):
        tags = list(cell.metadata.get("tags", []))
        if cell.cell_type == "markdown":
            new = new_markdown_cell(cell.source)
        elif cell.cell_type == "code":
            body = cell.source
            if body.startswith(INSTALL_MARKER):
                body = INSTALL_CELL.format(url=repository_url())
                if "remove-cell" not in tags:
                    raise ValueError(f"{source.name} cell {i}: tag the colab-install cell remove-cell")
            new = new_code_cell(body)
        else:
            raise ValueError(f"{source.name} cell {i}: unexpected cell type {cell.cell_type!r}")
        if tags:
            new.metadata["tags"] = tags
        new.id = f"{prefix}-{i:02d}"
        cells.append(new)
    nb = new_notebook(cells=cells, metadata=METADATA)
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"


INTRO = BOOK / "intro.md"
CLAIMS_BLOCK = re.compile(r"(<!-- claims -->\n)(.*?)(<!-- /claims -->)", re.S)


def intro_claims() -> str:
    """The intro's list of claims: each claim's question, the chapters whose studies measure it (from the
    registry) and a link to its row of the verdict table."""
    from minigpt.studies import STUDIES
    from minigpt.verdicts import CLAIMS

    lines = []
    for claim, (_, question) in CLAIMS.items():
        chapters = sorted({s.chapter for s in STUDIES if claim in s.claims})
        where = f"Chapter {chapters[0]}" if len(chapters) == 1 else \
            f"Chapters {', '.join(map(str, chapters[:-1]))} and {chapters[-1]}"
        label = f"({claim}) " if len(claim) == 1 else ""
        # the link is one word to textwrap (a NUL stands in for its spaces), so no line ends inside the tag
        link = f'<a\0href="10_verdicts.html#verdict-{claim}">verdict{chr(0) + label.strip() if label else ""}</a>'
        lines += [line.replace("\0", " ") for line in textwrap.wrap(
            f"- {label}{question} {where}; {link}.", 110, subsequent_indent="  ", break_on_hyphens=False,
            break_long_words=False)]
    return "\n".join(lines) + "\n"


def intro_text() -> str:
    """book/intro.md with its list of claims written by :func:`intro_claims`."""
    text = INTRO.read_text(encoding="utf-8")
    if not CLAIMS_BLOCK.search(text):
        raise SystemExit("book/intro.md has no <!-- claims --> ... <!-- /claims --> block")
    return CLAIMS_BLOCK.sub(lambda m: m.group(1) + intro_claims() + m.group(3), text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 on any difference")
    args = parser.parse_args(argv)
    stale = []
    for source in chapter_sources():
        target, text = notebook_path(source), render(source)
        if target.exists() and target.read_text(encoding="utf-8") == text:
            continue
        if args.check:
            stale.append(target)
        else:
            target.write_text(text, encoding="utf-8")
            print(f"wrote {target.relative_to(ROOT)} from {source.relative_to(ROOT)}")
    intro = intro_text()
    if INTRO.read_text(encoding="utf-8") != intro:
        if args.check:
            stale.append(INTRO)
        else:
            INTRO.write_text(intro, encoding="utf-8")
            print(f"wrote the claims of {INTRO.relative_to(ROOT)} from the registry")
    for target in stale:
        print(f"{target.relative_to(ROOT)} differs from its source: run `make notebooks`", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
