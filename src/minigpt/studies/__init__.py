"""The book's studies, one module each, and the registry: the one place a study's chapter is written.

A study module (``overfitting``, ``recall``, ``decay``, ``grokking``, ``sampling``, ``sharpening``, ``capacity``)
holds its experiments, the numbers it reports, its explorer factory and ``verdict_measurements(cache)``, its rows
of the verdict table, so a reader finds all of one study in one file. A chapter may hold several studies (chapter 6:
``decay`` and ``grokking``), each its own line with the same page. The studies build on the engine,
:mod:`minigpt.runs`; nothing below them (the engine, the explorers, the model) imports a study.

Adding a study: its module here, one :class:`Study` line in :data:`STUDIES`, its chapter in ``chapters/`` and
its page in ``_toc.yml``. The verdict table, the CLI and the tests find it through this registry.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

from ..runs import Experiment


@dataclass(frozen=True)
class Study:
    """One study: its module (``minigpt.studies.<name>``), its chapter's page in ``book/`` (``NN_slug``: the
    chapter number is NN) and the claims of the verdict table it measures."""

    name: str
    page: str
    claims: tuple[str, ...]

    @property
    def chapter(self) -> int:
        return int(self.page.split("_", 1)[0])

    @property
    def module(self) -> ModuleType:
        return importlib.import_module(f"{__name__}.{self.name}")


STUDIES: tuple[Study, ...] = (
    Study("overfitting", "03_overfitting_live", ("a",)),
    Study("repetition", "04_data_repetition", ("l", "m")),
    Study("recall", "05_dropout_and_recall", ("b", "c", "i")),
    Study("decay", "06_weight_decay", ("b", "g", "h")),
    Study("grokking", "06_weight_decay", ("grok",)),
    Study("sampling", "07_temperature", ("d", "k")),
    Study("sharpening", "08_sharpening", ("e", "f", "j")),
    Study("capacity", "09_knowledge_capacity", ("capacity", "b")),
)


def study(name: str) -> Study:
    """The study called ``name``; an unknown name is a ``ValueError`` listing the known ones."""
    for s in STUDIES:
        if s.name == name:
            return s
    raise ValueError(f"study {name!r} is unknown: allowed {[s.name for s in STUDIES]}")


def experiments() -> dict[str, Experiment]:
    """Every experiment of every study, by name (imports the study modules on first use)."""
    found = {}
    for s in STUDIES:
        module = s.module
        for value in vars(module).values():
            if isinstance(value, Experiment) and value.module == module.__name__:
                found[value.name] = value
    return dict(sorted(found.items()))


def experiment(name: str) -> Experiment:
    """The experiment called ``name``; an unknown name is a ``ValueError`` listing the known ones."""
    known = experiments()
    if name not in known:
        raise ValueError(f"experiment {name!r} is unknown: allowed {sorted(known)}")
    return known[name]
