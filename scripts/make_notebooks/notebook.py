"""What the chapter scripts share: build a notebook cell by cell and write it without outputs.

Each chapter has a script (ch01.py, ...) that calls md() and code() in reading order and then write().
`make notebooks` runs them all; tests/test_book.py checks that the committed notebooks are what they write.
"""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import nbformat
import yaml
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[2]


def repository_url() -> str:
    """`repository.url` of _config.yml: the one setting that points the book at a fork."""
    return yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]


class Notebook:
    def __init__(self, filename: str):
        self.path = ROOT / "book" / filename
        self.cells = []

    def md(self, text: str) -> None:
        self.cells.append(new_markdown_cell(dedent(text).strip("\n")))

    def code(self, text: str, tags: tuple[str, ...] = ()) -> None:
        cell = new_code_cell(dedent(text).strip("\n"))
        if tags:
            cell.metadata["tags"] = list(tags)
        self.cells.append(cell)

    def install_cell(self) -> None:
        """Colab opens a chapter without this book's library; install it from the repository there.

        Where minigpt is installed (make book, nbval, Binder, a laptop) the cell does nothing. --no-deps keeps
        Colab's own torch, numpy and matplotlib. Hidden in the HTML book, which has no kernel.
        """
        self.code(f"""
            # On Colab: install this book's library (elsewhere it is already installed and this does nothing).
            import importlib.util

            if importlib.util.find_spec("minigpt") is None:
                %pip install --quiet --no-deps "minigpt @ git+{repository_url()}"
            """, tags=("remove-cell",))

    def render(self) -> str:
        """The notebook as JSON text; cell ids are fixed so regenerating gives a stable diff."""
        prefix = "ch" + self.path.name[:2]
        for i, cell in enumerate(self.cells):
            cell.id = f"{prefix}-{i:02d}"
        nb = new_notebook(cells=self.cells, metadata={
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        })
        nbformat.validate(nb)
        return nbformat.writes(nb) + "\n"

    def write(self) -> None:
        self.path.write_text(self.render(), encoding="utf-8")
        print(f"wrote {self.path.relative_to(ROOT)} ({len(self.cells)} cells)")
