"""The verdict table (chapter 10): every claim of the book, the rows that test it, and each row's verdict, from
this build's result cache, under the frozen protocol (:mod:`minigpt.protocol`).

Nothing here runs an experiment or holds a number. Each study module lists the runs its rows read
(``verdict_runs()``, from the protocol) and turns them into rows (``verdict_measurements(cache)``, which only
looks runs up). This module checks each row against one shape (:func:`validate`), tests it
(:func:`minigpt.stats.paired_verdict` or :func:`~minigpt.stats.binary_verdict`) and combines a claim's rows by
one rule (:data:`CLAIM_RULES`). The studies come from the registry (:data:`minigpt.studies.STUDIES`): a study
that is not there, or whose rows do not follow the shape, is an error.

The row shape every ``verdict_measurements`` returns (one dict per row; the table adds the chapter)::

    {"claim": "b",                    # a key of CLAIMS, one of the study's claims in the registry
     "kind": "claim" | "sanity",      # a test of the claim, or a check of the machinery (shown apart)
     "measure": "recall_cloze",       # what is compared, as named in the results
     "text": "dropout 0 vs 0.3",      # what was compared (short)
     "labels": ["dropout 0", "dropout 0.3"],  # the names of arms a and b (or of the reference)
     "expect": "higher" | "lower" | "equal",  # what the claim predicts for a against b
     "margin": 0.02,                  # the smallest difference that matters (the protocol's), in the measure's units
     "test": "paired" | "binary",     # paired: per-item scores; binary: one 0/1 outcome per seed
     "a": [[...], ...] | None,        # paired: one list of per-item scores per seed (or one number per seed);
                                      # binary: one 0/1 per seed; None: not all of its runs are in the cache
     "b": same | None,                # None with "reference" set
     # optional:
     "reference": float,              # a fixed value that a is compared with (chance 0.5, 1 bit per parameter)
     "bounds": [0, 1],                # paired: the range every score lies in (a share); the interval of a - b
                                      # is cut back to what that range allows
     "items": "shared" | "nested"}    # paired: every seed scored on the same items (default), or each on its own

Usage::

    from minigpt.runs import ResultCache
    from minigpt.verdicts import verdict_table, to_json
    text = to_json(verdict_table(ResultCache()))
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import SimpleNamespace

import numpy as np

from .protocol import protocol_hash, replicating
from .runs.sweeps import sweep
from .stats import Verdict, binary_verdict, paired_verdict
from .studies import STUDIES, Study, study

# --- the claims --------------------------------------------------------------------------------------------

# id -> (the claim as the book's folk wisdom states it, the same as the question a chapter asks)
CLAIMS: dict[str, tuple[str, str]] = {
    "a": ("Dropout, embedding noise and stochastic depth help a model generalize and write novel, valid text.",
          "Do dropout, embedding noise and stochastic depth help a model generalize and write novel, valid text?"),
    "b": ("Heavy regularization hurts exact recall of facts.",
          "Does heavy regularization (dropout, weight decay) hurt exact recall of facts?"),
    "c": ("Little or no dropout late in training helps recall.",
          "Does switching dropout off late in training help recall?"),
    "d": ("A temperature near 0 is best for facts and arithmetic.",
          "Is a temperature near 0 best for facts and arithmetic?"),
    "e": ("Majority voting over samples improves correctness, and at temperature 0 it is a no-op.",
          "Does a majority vote over samples improve correctness, and is it a no-op at temperature 0?"),
    "f": ("RL with verifiable rewards sharpens correctness (pass@1) and lowers pass@k and diversity.",
          "Does RL with verifiable rewards raise pass@1, and what does it do to pass@k and diversity?"),
    "g": ("No weight decay on the final layers helps recall.",
          "Does sparing the final layers from weight decay help recall?"),
    "h": ("Higher learning rates with careful scheduling (warmup and cosine decay) help.",
          "Do higher learning rates with warmup and cosine decay help?"),
    "i": ("Dropout belongs off at inference: eval mode recalls more than Monte Carlo dropout, whose disagreement "
          "between passes flags the answers it gets wrong.",
          "Is recall better with dropout off at inference, and does the disagreement between Monte Carlo dropout "
          "passes flag wrong answers?"),
    "j": ("A checker beats a vote: best-of-n with a verifier gets more answers right than a majority vote.",
          "Does best-of-n with a checker (a verifier) get more answers right than a majority vote over the same "
          "samples?"),
    "k": ("For stories, diversity is the point: sampling at temperature 1 writes more distinct novel, valid "
          "sentences than greedy decoding.",
          "Does sampling at temperature 1 write more distinct novel, valid sentences than greedy decoding?"),
    "l": ("Dropout is crucial in pre-training.",
          "Is dropout crucial in pre-training, where the data is read about once, and when it is read many times?"),
    "m": ("Repeating data at a fixed training budget raises held-out loss.",
          "At a fixed training budget, does reading fewer stories many times raise the held-out loss against "
          "reading many stories once?"),
    "grok": ("Weight decay makes modular addition grok.",
             "Does weight decay make a model find the rule of modular addition (grok)?"),
    "capacity": ("A small model stores about 2 bits of knowledge per parameter after 1000 exposures to each fact, "
                 "and about 1 bit after 100.",
                 "How many bits of knowledge per parameter does a small model store: about 2 after 1000 exposures, "
                 "about 1 after 100?"),
}

KINDS = ("claim", "sanity")
EXPECTS = ("higher", "lower", "equal")
TESTS = ("paired", "binary")
ROW_VERDICTS = ("holds", "fails", "negligible", "inconclusive", "not measured")

# --- the rules, as applied: each rule's text is printed from the same table the code reads ---------------------

ROW_RULES = (
    ("holds", "the 95% interval of the difference a - b lies beyond the row's margin on the side the claim "
              "predicts (for a predicted equality: within +- the margin)"),
    ("fails", "it lies beyond the margin on the other side (for a predicted equality: entirely outside +- the "
              "margin)"),
    ("negligible", "it lies within +- the margin, so whatever the difference is, it is smaller than the "
                   "smallest one that matters"),
    ("inconclusive", "anything else, and any row with fewer than two seeds"),
    ("not measured", "not all of the row's runs are in this build's cache"),
)

TEST_TEXT = {
    "crossed seeds x items t interval":
        "Both arms are trained on the same seed indices and scored on the same items, so the difference is "
        "paired by seed and by item; its interval counts both sources of variance, a new training run (seeds) "
        "and new questions (items), as a crossed random-effects design does: the spread of the per-seed means "
        "plus what items add beyond the residual, with Satterthwaite's degrees of freedom.",
    "t over per-seed mean differences":
        "Where each seed is scored on items of its own (another world per seed), or a run gives one number, the "
        "interval is Student's t over the per-seed differences of the means.",
    "Fisher exact, one-sided":
        "An outcome per seed (a run grokked or not) is tested with Fisher's exact test, one-sided at 2.5% in each "
        "direction: 3 of 3 against 0 of 3 (p = 0.05) is not enough, 5 of 5 against 0 of 5 (p = 0.004) is.",
}

# A claim's rows (its "claim" rows only; sanity rows never count) give it one verdict: the first rule whose
# condition its tally meets. ``c`` counts rows: n, measured, holds, against (fails or negligible).
CLAIM_RULES: tuple[tuple[str, Callable[[SimpleNamespace], bool], str], ...] = (
    ("not measured", lambda c: c.measured == 0, "no row of it is measured"),
    ("holds", lambda c: c.holds == c.n, "every row holds"),
    ("mixed", lambda c: c.holds > 0 and c.against > 0, "some rows hold and others fail or are negligible"),
    ("holds with a condition", lambda c: c.holds > 0,
     "some rows hold and the rest are inconclusive or not measured (the condition names the rows that hold)"),
    ("fails", lambda c: c.against > 0, "no row holds and at least one fails or is negligible"),
    ("inconclusive", lambda c: True, "no row holds, fails or is negligible"),
)
CLAIM_VERDICTS = tuple(v for v, _, _ in CLAIM_RULES)


def _rule_text() -> str:
    rows = "; ".join(f"**{v}** when {t}" for v, t in ROW_RULES)
    claims = "; ".join(f"**{v}** when {t}" for v, _, t in CLAIM_RULES)
    tests = " ".join(TEST_TEXT.values())
    return (f"Each row compares arm a with arm b (or with a fixed reference) on one measure, at the settings of "
            f"the frozen protocol (hash {protocol_hash()}), on its evaluation seeds. {tests}\n\n"
            f"A row {rows}.\n\nA claim's verdict comes from its claim rows only (sanity rows check the machinery "
            f"and are shown apart): it is {claims}. A seed whose score is not finite (a diverged run) is left out of "
            f"its row and counted there.")


RULE_TEXT = _rule_text()


def validate(row: Mapping) -> dict:
    """``row`` checked against the shape above; returns it as a plain dict with the optional keys filled in
    (``reference`` None, ``items`` "shared"). A wrong row is a ValueError naming the key."""
    if not isinstance(row, Mapping):
        raise ValueError(f"row: must be a dict, got {type(row).__name__}")
    required = ("claim", "kind", "measure", "text", "labels", "expect", "margin", "test", "a", "b")
    missing = [k for k in required if k not in row]
    if missing:
        raise ValueError(f"row: missing keys {missing} (has {sorted(row)})")
    extra = set(row) - set(required) - {"reference", "items", "bounds"}
    if extra:
        raise ValueError(f"row: unknown keys {sorted(extra)}")
    out = {"reference": None, "items": "shared", "bounds": None, **row}
    for key, allowed in (("claim", tuple(CLAIMS)), ("kind", KINDS), ("expect", EXPECTS), ("test", TESTS),
                         ("items", ("shared", "nested"))):
        if out[key] not in allowed:
            raise ValueError(f"{key}: must be one of {list(allowed)}, got {out[key]!r}")
    for key in ("measure", "text"):
        if not isinstance(out[key], str) or not out[key]:
            raise ValueError(f"{key}: must be a non-empty string, got {out[key]!r}")
    labels = out["labels"]
    if not isinstance(labels, Sequence) or isinstance(labels, str) or len(labels) != 2 or \
            not all(isinstance(x, str) for x in labels):
        raise ValueError(f"labels: must be two strings (names of a and b), got {labels!r}")
    out["labels"] = list(labels)
    m = out["margin"]
    if isinstance(m, bool) or not isinstance(m, int | float) or not (math.isfinite(m) and m >= 0):
        raise ValueError(f"margin: must be a number >= 0, got {m!r}")
    ref = out["reference"]
    if ref is not None:
        if isinstance(ref, bool) or not isinstance(ref, int | float) or not math.isfinite(ref):
            raise ValueError(f"reference: must be a finite number or None, got {ref!r}")
        if out["b"] is not None or out["test"] != "paired":
            raise ValueError("b: must be None, and test 'paired', when a reference is set")
    if out["bounds"] is not None:
        bounds = out["bounds"]
        if not isinstance(bounds, Sequence) or len(bounds) != 2 or out["test"] != "paired" or \
                not all(isinstance(x, int | float) and math.isfinite(x) for x in bounds) or bounds[0] >= bounds[1]:
            raise ValueError(f"bounds: must be [low, high] with low < high, on a paired row, got {bounds!r}")
        out["bounds"] = [float(x) for x in bounds]
    for key in ("a", "b"):
        if out[key] is not None:
            out[key] = _scores(key, out[key], out["test"])
    if out["a"] is not None and out["b"] is not None and len(out["a"]) != len(out["b"]):
        raise ValueError(f"b: needs one entry per seed as a has ({len(out['a'])}), got {len(out['b'])}")
    return out


def _scores(key: str, value, test: str) -> list:
    """Per-seed scores as plain lists: one list of floats per seed (paired), or one 0/1 per seed (binary)."""
    if test == "binary":
        if not isinstance(value, Sequence) or not value or any(x not in (0, 1) for x in value):
            raise ValueError(f"{key}: must be one 0/1 outcome per seed, got {value!r}")
        return [int(x) for x in value]
    try:
        seeds = [[float(x) for x in (s if isinstance(s, Sequence) else [s])] for s in value]
    except (TypeError, ValueError):
        raise ValueError(f"{key}: must be per-seed lists of numbers, got {value!r}") from None
    if not seeds or len({len(s) for s in seeds}) != 1 or not seeds[0]:
        raise ValueError(f"{key}: must be one or more seeds with the same number of items each, got "
                         f"{[len(s) for s in seeds]} items")
    return seeds


def judge(row: Mapping) -> tuple[Verdict | None, str, str]:
    """``(stats verdict or None, row verdict, reason)`` of one validated row."""
    a, b, ref = row["a"], row["b"], row.get("reference")
    if a is None or (b is None and ref is None):
        missing = [lab for lab, x in zip(row["labels"], (a, b if ref is None else 0), strict=True) if x is None]
        chapter = f"chapter {row['chapter']}" if "chapter" in row else "its chapter"
        return None, "not measured", (f"the runs of {' and '.join(missing)} are not all in the cache (run "
                                      f"{chapter} first, at this scale)")
    if row["test"] == "binary":
        v = binary_verdict(a, b, expect=row["expect"])
    else:
        if b is None:
            b = [[ref] * len(s) for s in a]
        shape = (len(a), len(a[0]))
        if (len(b), len(b[0])) != shape:
            raise ValueError(f"b: needs the shape of a {shape}, got {(len(b), len(b[0]))}")
        v = paired_verdict(a, b, expect=row["expect"], margin=row["margin"], shared_items=row["items"] == "shared",
                           bounds=row.get("bounds"))
    return v, v.verdict, _reason(v, row)


def _reason(v: Verdict, row: Mapping) -> str:
    dropped = f"; {v.n_dropped} of {v.n_seeds + v.n_dropped} seeds not finite, left out" if v.n_dropped else ""
    if v.low is None:
        return f"fewer than two usable seeds: a - b = {v.estimate:+.3g}, no interval{dropped}"
    iv = f"a - b = {v.estimate:+.3g} [{v.low:+.3g}, {v.high:+.3g}]"
    if v.test.startswith("Fisher"):
        return f"{iv}; Fisher's exact test, one-sided p = {v.p_value:.3g}{dropped}"
    m = f"the margin {v.margin:g}" if v.margin else "0"
    where = {"holds": f"beyond {m} on the predicted side", "fails": f"beyond {m} on the other side",
             "negligible": f"within +-{v.margin:g}", "inconclusive": f"not beyond {m} either way"}[v.verdict]
    if row["expect"] == "equal":
        where = {"holds": f"within +-{v.margin:g}", "fails": f"outside +-{v.margin:g}",
                 "inconclusive": f"neither within nor outside +-{v.margin:g}"}[v.verdict]
    return f"{iv} lies {where}{dropped}"


def _mean(scores) -> float | None:
    return None if scores is None else float(np.mean(np.asarray(scores, dtype=float)))


def combine(rows: Sequence[Mapping]) -> tuple[str, str]:
    """One claim's ``(verdict, condition)`` from its rows (dicts with ``kind``, ``verdict``, ``text``) by
    :data:`CLAIM_RULES`; sanity rows are left out. ``condition`` names the rows that hold, for "holds with a
    condition" and "mixed"; else ""."""
    mine = [r for r in rows if r["kind"] == "claim"]
    c = SimpleNamespace(n=len(mine), measured=sum(r["verdict"] != "not measured" for r in mine),
                        holds=sum(r["verdict"] == "holds" for r in mine),
                        against=sum(r["verdict"] in ("fails", "negligible") for r in mine))
    verdict = next(v for v, test, _ in CLAIM_RULES if test(c))
    if verdict not in ("holds with a condition", "mixed"):
        return verdict, ""
    holding = "; ".join(r["text"] for r in mine if r["verdict"] == "holds")
    others = "; ".join(f"{r['text']} ({r['verdict']})" for r in mine if r["verdict"] != "holds")
    return verdict, f"holds for {holding}; not for {others}"


# --- gathering the rows of every study ---------------------------------------------------------------------


def study_rows(s: Study, cache) -> list[dict]:
    """The validated rows of study ``s`` (its module's ``verdict_measurements(cache)``), each with its chapter
    from the registry. A row of a claim the registry does not list for ``s``, or of the wrong shape, is a
    ValueError naming the study."""
    rows = []
    for r in s.module.verdict_measurements(cache):
        try:
            row = validate(r)
        except ValueError as e:
            raise ValueError(f"{s.name}.verdict_measurements: {e}") from e
        if row["claim"] not in s.claims:
            raise ValueError(f"{s.name}.verdict_measurements: claim {row['claim']!r} is not among the study's "
                             f"claims in the registry, {list(s.claims)}")
        rows.append({**row, "chapter": s.chapter})
    return rows


def measurements(cache, studies: Iterable[str] | None = None) -> list[dict]:
    """Every study's validated rows (:func:`study_rows`), in claim order; ``studies``: names of the registry's
    studies (default: all of them). An unknown name is a ValueError."""
    chosen = STUDIES if studies is None else [study(name) for name in studies]
    rows = [r for s in chosen for r in study_rows(s, cache)]
    order = list(CLAIMS)
    return sorted(rows, key=lambda r: (order.index(r["claim"]), r["chapter"]))  # stable: a study's own order


def verdict_table(cache, studies: Iterable[str] | None = None) -> list[dict]:
    """The table: one dict per row, its claim's verdict repeated on each of the claim's rows.

    Keys: ``claim``, ``claim_text``, ``claim_verdict``, ``claim_condition``, ``kind``, ``chapter``, ``measure``,
    ``text``, ``labels``, ``expect``, ``margin``, ``reference``, ``test`` (the test's name), ``n_seeds``,
    ``n_items``, ``n_dropped``, ``estimate``, ``low``, ``high`` (a - b and its 95% interval; None where not
    measured), ``a_mean``, ``b_mean`` (the arms' means over seeds and items), ``verdict``, ``reason``. Only
    the claims of the studies gathered have rows. Inside a :func:`minigpt.protocol.replication` it is a
    ValueError: its rows are a replication's (:mod:`minigpt.replication`), not the build's verdicts."""
    if replicating() is not None:
        raise ValueError(f"verdict_table: refused inside a replication on seeds {list(replicating())}: the table "
                         "reads the protocol's evaluation seeds only (see minigpt.replication)")
    table = []
    for r in measurements(cache, studies):
        v, verdict, reason = judge(r)
        b_mean = r["reference"] if r["b"] is None and r["reference"] is not None else _mean(r["b"])
        table.append({
            "claim": r["claim"], "claim_text": CLAIMS[r["claim"]][0], "kind": r["kind"], "chapter": r["chapter"],
            "measure": r["measure"], "text": r["text"], "labels": r["labels"], "expect": r["expect"],
            "margin": r["margin"], "reference": r["reference"],
            "test": None if v is None else v.test, "n_seeds": None if v is None else v.n_seeds,
            "n_items": None if v is None else v.n_items, "n_dropped": 0 if v is None else v.n_dropped,
            "estimate": None if v is None else v.estimate, "low": None if v is None else v.low,
            "high": None if v is None else v.high, "a_mean": _mean(r["a"]), "b_mean": b_mean,
            "verdict": verdict, "reason": reason})
    for claim in CLAIMS:
        mine = [t for t in table if t["claim"] == claim]
        if mine:
            verdict, condition = combine(mine)
            for t in mine:
                t["claim_verdict"], t["claim_condition"] = verdict, condition
    return table


def claim_verdicts(table: Sequence[Mapping]) -> dict[str, tuple[str, str]]:
    """``{claim: (verdict, condition)}`` of a :func:`verdict_table`, in claim order."""
    return {t["claim"]: (t["claim_verdict"], t["claim_condition"]) for t in table}


def measurement(t: Mapping) -> str:
    """One row's numbers in words: the two arms' means and the difference with its interval."""
    if t["verdict"] == "not measured":
        return "not measured"
    la, lb = t["labels"]
    n = f"{t['n_seeds']} seeds" + (f" x {t['n_items']} items" if t["n_items"] > 1 else "")
    diff = (f"{t['estimate']:+.3g} [{t['low']:+.3g}, {t['high']:+.3g}]" if t["low"] is not None
            else f"{t['estimate']:+.3g} (no interval)")
    return f"{la} {t['a_mean']:.3g} vs {lb} {t['b_mean']:.3g}; a - b {diff} ({n})"


# --- output ------------------------------------------------------------------------------------------------
# (The HTML of chapter 10's page and the chapters' takeaway boxes: minigpt.verdict_page.)

CSV_COLUMNS = ("claim", "claim_text", "claim_verdict", "claim_condition", "kind", "chapter", "text", "measure",
               "expect", "margin", "reference", "test", "n_seeds", "n_items", "n_dropped", "a_mean", "b_mean",
               "estimate", "low", "high", "verdict", "reason")


def to_csv(table: Sequence[Mapping]) -> str:
    """The table as CSV text, one line per row."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, CSV_COLUMNS, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    for t in table:
        w.writerow(t)
    return buf.getvalue()


def to_json(table: Sequence[Mapping]) -> str:
    """The table as JSON text: ``{"protocol": hash, "rule": RULE_TEXT, "rows": [...]}``."""
    return json.dumps({"protocol": protocol_hash(), "rule": RULE_TEXT, "rows": list(table)}, indent=1)


def to_text(table: Sequence[Mapping]) -> str:
    """The table for a terminal: one block per claim, sanity rows marked."""
    lines = []
    for claim in CLAIMS:
        mine = [t for t in table if t["claim"] == claim]
        if not mine:
            continue
        head = mine[0]
        cond = f": {head['claim_condition']}" if head["claim_condition"] else ""
        lines.append(f"({claim}) {head['claim_text']}")
        lines.append(f"    verdict: {head['claim_verdict'].upper()}{cond}")
        for t in mine:
            kind = " [sanity check]" if t["kind"] == "sanity" else ""
            lines.append(f"    - ch{t['chapter']} {t['text']}{kind} [{t['measure']}, expect {t['expect']}, "
                         f"margin {t['margin']:g}]")
            lines.append(f"      {measurement(t)}")
            lines.append(f"      -> {t['verdict']}: {t['reason']}")
        lines.append("")
    return "\n".join(lines)


# --- running what the table needs ---------------------------------------------------------------------------


def run_missing(cache, studies: Iterable[str] | None = None, workers: int = 2,
                on_result: Callable[[dict], None] | None = None) -> int:
    """Run, through ``cache``, every run that the rows of ``studies`` (default: all) read and the cache lacks,
    at the protocol's settings and this scale: each study's ``verdict_runs()``, a list of ``(experiment,
    points)`` sweeps run in order (a later sweep may start from models an earlier one stored), ``workers``
    processes at a time. Returns how many runs were not in the cache."""
    chosen = STUDIES if studies is None else [study(name) for name in studies]
    ran = 0
    for s in chosen:
        for experiment, points in s.module.verdict_runs():
            missing = [p for p in points if cache.lookup(experiment, **p) is None]
            if missing:
                sweep(experiment, missing, cache, workers=workers, on_result=on_result)
                ran += len(missing)
    return ran
