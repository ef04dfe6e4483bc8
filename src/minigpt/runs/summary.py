"""Seeds into summaries: every scalar metric's mean over seeds with its 95% interval, and flat rows for CSV."""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..checkpoint import atomic_write
from ..stats import mean_interval
from .spec import canonical_json


def scalar_metrics(result: Mapping) -> dict[str, float]:
    """The numeric entries of ``result["metrics"]`` (ints, floats and bools, as floats)."""
    metrics = result.get("metrics") or {}
    return {k: float(v) for k, v in metrics.items() if isinstance(v, (int, float)) and not isinstance(v, str)}


def summarize(results: Sequence[Mapping], level: float = 0.95,
              bounds: Mapping[str, tuple[float, float]] | None = None) -> dict:
    """Mean and ``level`` interval over seeds of every scalar metric of ``results`` (runs of one setting):
    ``{metric: Interval}`` (see :func:`minigpt.metrics.mean_interval`; one seed is marked as such).

    A metric with bounds (``bounds[metric]``, else the first result's ``result["bounds"][metric]``, which the
    experiment's ``bounds`` fill in) has its interval clipped to them: a share's interval stays in [0, 1]."""
    names = list(scalar_metrics(results[0])) if results else []
    known = {**(results[0].get("bounds") or {}), **(bounds or {})} if results else {}
    out = {}
    for name in names:
        values = [scalar_metrics(r).get(name, math.nan) for r in results]
        values = [v for v in values if math.isfinite(v)]
        if values:
            out[name] = mean_interval(values, level, bounds=known.get(name))
    return out


def result_rows(results: Sequence[Mapping]) -> list[dict]:
    """One flat row per result: every parameter, every scalar metric, ``seconds`` and ``cached``."""
    return [{**r["params"], **scalar_metrics(r), "seconds": round(r.get("seconds", math.nan), 3),
             "cached": bool(r.get("cached"))} for r in results]


def summary_rows(results: Sequence[Mapping], level: float = 0.95) -> list[dict]:
    """One row per setting (every parameter but ``seed``): ``n_seeds``, and per metric its mean and interval
    (``metric``, ``metric_low``, ``metric_high``; the bounds empty for one seed)."""
    groups: dict[str, list] = {}
    for r in results:
        setting = {k: v for k, v in r["params"].items() if k != "seed"}
        groups.setdefault(canonical_json(setting), []).append(r)
    rows = []
    for members in groups.values():
        row = {k: v for k, v in members[0]["params"].items() if k != "seed"}
        row["n_seeds"] = len(members)
        for name, interval in summarize(members, level).items():
            row[name] = interval.estimate
            row[f"{name}_low"] = interval.low
            row[f"{name}_high"] = interval.high
        rows.append(row)
    return rows


def write_csv(path: str | os.PathLike, rows: Sequence[Mapping]) -> Path:
    """Write ``rows`` (dicts; the columns are every key, in first-seen order) as CSV, atomically."""
    columns = list(dict.fromkeys(k for row in rows for k in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row.get(k) is None else row.get(k) for k in columns})
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write(path, lambda f: f.write(buffer.getvalue().encode("utf-8")))


def seed_results(cache, experiment, seeds: Sequence[int], **params) -> list[dict] | None:
    """The cached results of ``experiment(**params, seed=s)`` for every seed of ``seeds``, or None when any of
    them is not in ``cache`` (:meth:`ResultCache.lookup`: never runs anything). What a study's verdict rows read."""
    runs = [cache.lookup(experiment, **params, seed=s) for s in seeds]
    return None if any(r is None for r in runs) else runs
