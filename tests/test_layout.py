"""The package's layout: imports run from the studies down to the engine and the model, never up; no private name
crosses a module; every file stays readable in one sitting; a study's chapter is written once, in the registry."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import minigpt
from minigpt.studies import STUDIES
from minigpt.verdicts import CLAIMS

SRC = Path(minigpt.__file__).parent
ROOT = SRC.parent.parent
MAX_LINES = 500

# Layers, lowest first: a module may import from its own layer and the ones below, never from a higher one.
LAYERS = [
    {"version", "timing", "config", "tokenizer", "model", "checkpoint", "train", "sample", "metrics", "stats", "rl",
     "worlds", "plots", "__init__"},
    {"runs"},
    {"explore"},
    {"studies", "protocol"},
    {"verdicts", "verdict_page", "replication", "__main__"},
]


def _layer(top: str) -> int:
    return next(i for i, names in enumerate(LAYERS) if top in names)


def _modules():
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC)
        yield path, rel, ast.parse(path.read_text(encoding="utf-8"))


def _imported(rel: Path, node: ast.AST) -> list[tuple[str, list[str]]]:
    """``[(module path inside minigpt, names)]`` that ``node`` imports from this package."""
    package = list(rel.parent.parts)
    if isinstance(node, ast.ImportFrom):
        if node.level:
            base = package[: len(package) - (node.level - 1)]
            module = ".".join(base + ([node.module] if node.module else []))
        elif node.module and node.module.startswith("minigpt"):
            module = node.module[len("minigpt"):].lstrip(".")
        else:
            return []
        return [(module, [a.name for a in node.names])]
    if isinstance(node, ast.Import):
        return [(a.name[len("minigpt"):].lstrip("."), []) for a in node.names if a.name.startswith("minigpt")]
    return []


def test_imports_never_run_up_the_layers():
    """The model and the worlds know no engine; the engine knows no explorer or study; the explorers know no
    study; the studies know nothing of the verdict table or the CLI (the registry finds them by name)."""
    wrong = []
    for _path, rel, tree in _modules():
        mine = _layer(rel.parts[0].removesuffix(".py"))
        for node in ast.walk(tree):
            for module, names in _imported(rel, node):
                # "from minigpt import X": X is a module of the package, or a name its __init__ re-exports
                tops = [module.split(".")[0]] if module else [
                    n if (SRC / f"{n}.py").is_file() or (SRC / n).is_dir() else "__init__" for n in names]
                for top in tops:
                    if top and _layer(top) > mine:
                        wrong.append(f"{rel} imports {module or names} (layer {_layer(top)} > {mine})")
    assert not wrong, "\n".join(wrong)


def test_no_private_name_is_imported_across_modules():
    wrong = []
    for _path, rel, tree in _modules():
        for node in ast.walk(tree):
            for module, names in _imported(rel, node):
                private = [p for p in module.split(".") if p.startswith("_") and p not in ("__init__", "__main__")]
                private += [n for n in names if n.startswith("_") and n != "__version__"]
                if private:
                    wrong.append(f"{rel} imports {private} from minigpt.{module}")
    assert not wrong, "\n".join(wrong)


def test_every_module_fits_in_one_sitting():
    long = {str(p.relative_to(SRC)): n for p in SRC.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"over {MAX_LINES} lines: {long}"


def test_chapter_numbers_are_written_once_in_the_registry():
    """A study's rows get their chapter from the registry; no study module writes one."""
    for path in (SRC / "studies").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"[\"']chapter[\"']\s*:\s*\d", text), f"{path.name} writes a chapter number"


@pytest.mark.parametrize("study", STUDIES, ids=lambda s: s.name)
def test_every_study_has_its_chapter_in_the_book(study):
    assert re.fullmatch(r"\d\d_[a-z0-9_]+", study.page), study.page
    assert (ROOT / "chapters" / f"{study.page}.py").is_file()
    assert (ROOT / "book" / f"{study.page}.ipynb").is_file()
    assert f"file: book/{study.page}\n" in (ROOT / "_toc.yml").read_text(encoding="utf-8")
    assert callable(study.module.verdict_measurements)
    assert set(study.claims) <= set(CLAIMS)


def test_every_claim_is_measured_by_a_study_and_chapters_are_distinct():
    assert {c for s in STUDIES for c in s.claims} == set(CLAIMS)
    assert len({s.chapter for s in STUDIES}) == len({s.page for s in STUDIES})  # a chapter is one page (of studies)
    assert len({s.name for s in STUDIES}) == len(STUDIES)
