"""Experiments: the machinery in :mod:`~minigpt.experiments.core`, one module per study beside it.

A study module (``overfitting``, and later ``recall``, ``decay``, ``sampling``, ``sharpening``, ``capacity``) holds
its experiments, the numbers it reports and its explorer factory, so a reader finds all of one study in one file.
This package and the shared modules never import a study module by an import statement (a test checks it); the
registry below finds the studies by name, for the CLI's ``sweep --list``.
"""

from __future__ import annotations

import importlib

from .core import (
    Experiment,
    ModelStore,
    ResultCache,
    Trained,
    canonical_json,
    default_cache_root,
    fast,
    fast_mode,
    grid_points,
    result_rows,
    spec_key,
    summarize,
    summary_rows,
    sweep,
    torch_threads,
)

# the study modules, by name: each one's Experiments are listed by registry()
STUDIES = ("overfitting", "recall", "decay", "sampling", "sharpening", "capacity")

__all__ = [
    "Experiment", "ModelStore", "ResultCache", "Trained", "STUDIES", "canonical_json", "default_cache_root", "fast",
    "fast_mode", "get", "grid_points", "registry", "result_rows", "spec_key", "summarize", "summary_rows", "sweep",
    "torch_threads",
]


def registry() -> dict[str, Experiment]:
    """Every experiment of every study module, by name (imports the studies on first use)."""
    found = {}
    for study in STUDIES:
        module = importlib.import_module(f"{__name__}.{study}")
        for value in vars(module).values():
            if isinstance(value, Experiment) and value.module == module.__name__:
                found[value.name] = value
    return dict(sorted(found.items()))


def get(name: str) -> Experiment:
    """The experiment called ``name``; an unknown name is a ``ValueError`` listing the known ones."""
    known = registry()
    if name not in known:
        raise ValueError(f"experiment {name!r} is unknown: allowed {sorted(known)}")
    return known[name]
