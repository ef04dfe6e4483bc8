"""The verdict table (chapter 9): every claim of the book, the chapter that tested it, its measurements over seeds
from the result cache of this build, the rule that turns a measurement into a verdict, and the verdict.

Nothing here runs an experiment or holds a number: each study module's ``verdict_measurements(cache)`` reads its
runs back from a :class:`~minigpt.runs.ResultCache` (``cache.lookup``, never ``run``), and this module
checks every row against one shape (:func:`validate`), applies one rule per row (:func:`judge`) and one rule per
claim (:func:`combine`). Where a chapter's runs are not in the cache, or its study module is not there at all,
the rows say "not measured"; they never fall back to stored numbers.

The row shape every ``verdict_measurements`` returns (one dict per measurement)::

    {"claim": "d",                   # a key of CLAIMS
     "chapter": 6,                   # the chapter that tested it
     "measure": "accuracy",          # the metric name, as in the results
     "text": "facts: T=0 vs T=1",    # what was compared (short)
     "labels": ["T=0", "T=1"],       # names of setting a and setting b (or of the reference)
     "a": Interval.to_dict() | None, # None: not all of its runs are in the cache
     "b": Interval.to_dict() | None, # None with "reference" set: a one-sided comparison
     "expect": "higher" | "lower" | "equal",   # what the claim predicts for a against b (or the reference)
     # optional:
     "reference": float | None,      # a fixed value a is compared with (chance 0.5, 2 bits per parameter)
     "difference": Interval.to_dict() | None,  # the paired difference a - b over seeds (same models); read
                                               # by "equal" rows only
     "tolerance": float | None}      # "equal" rows: how far from equal still counts as equal (default below)

Usage::

    from .runs import ResultCache
    from minigpt.verdicts import verdict_table, to_csv, to_html
    rows = verdict_table(ResultCache())
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import math
from collections.abc import Iterable, Mapping, Sequence

from .stats import Interval, compare
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
    "grok": ("Weight decay makes modular addition grok.",
             "Does weight decay make a model find the rule of modular addition (grok)?"),
    "capacity": ("A small model stores about 2 bits of knowledge per parameter.",
                 "How many bits of knowledge per parameter does a small model store: about 2?"),
}

# chapter -> its page in book/ (without the suffix); links are "<page>.html" in the built book
CHAPTER_PAGES: dict[int, str] = {s.chapter: s.page for s in STUDIES}

EXPECTS = ("higher", "lower", "equal")
# An "equal" row holds when its difference lies within +-TOLERANCE (units of the metric: 0.01 is one percentage
# point of an accuracy) unless the row sets its own "tolerance". An exact zero on every seed gives [0, 0].
TOLERANCE = 0.01

# --- the rule ----------------------------------------------------------------------------------------------

VERDICTS = ("holds", "fails", "inconclusive", "inconclusive (one seed)", "not measured")
CLAIM_VERDICTS = ("holds", "holds with a condition", "fails", "inconclusive", "not measured")

RULES = {
    "paired higher": "holds if the 95% interval of the paired difference a - b lies entirely above 0; fails if "
                     "entirely below; inconclusive if it contains 0",
    "paired lower": "holds if the 95% interval of the paired difference a - b lies entirely below 0; fails if "
                    "entirely above; inconclusive if it contains 0",
    "higher": "holds if a's 95% interval lies entirely above b's; fails if entirely below; "
              "inconclusive if they overlap or touch",
    "lower": "holds if a's 95% interval lies entirely below b's; fails if entirely above; "
             "inconclusive if they overlap or touch",
    "higher than reference": "holds if a's 95% interval lies entirely above {ref:g}; fails if entirely below; "
                             "inconclusive if it contains {ref:g}",
    "lower than reference": "holds if a's 95% interval lies entirely below {ref:g}; fails if entirely above; "
                            "inconclusive if it contains {ref:g}",
    "equal": "holds if the 95% interval of a - b lies within +-{tol:g}; fails if it lies entirely outside; "
             "inconclusive otherwise",
    "equal to reference": "holds if a's 95% interval lies within {ref:g} +- {tol:g}; fails if it lies entirely "
                          "outside; inconclusive otherwise",
}

RULE_TEXT = (
    "Every measurement is a mean over seeds with its 95% Student t interval (a proportion over trials: its 95% "
    "Wilson interval). A row compares setting a with setting b, or with a fixed reference value. A predicted "
    "difference (a higher, or lower, than b) holds when the two intervals are disjoint in the predicted "
    "direction and fails when they are disjoint in the other direction; when they overlap, touching ends "
    "included, the row is inconclusive: not shown to differ, which is not the same as shown equal. Where a and "
    "b were measured on the same models (two ways of sampling one stored model per seed), the row is judged "
    "by the paired difference a - b over seeds instead, against 0, by the same rule: its interval entirely on "
    "the predicted side of 0 holds, entirely on the other side fails, containing 0 is inconclusive. Against a "
    "reference, a's interval must lie entirely on the predicted side of it. A predicted equality holds when the "
    f"95% interval of the difference a - b lies within a tolerance (+-{TOLERANCE:g} in the metric's units, one "
    "percentage point of an accuracy, unless the row states its own; an exact 0 on every seed is the interval "
    "[0, 0]) and fails when it lies entirely outside it. The difference is the paired one over seeds where the "
    "row has it, else the widest one the two intervals allow, [a.low - b.high, a.high - b.low]. With one seed "
    "there is no interval: the row is inconclusive (one seed). A row whose runs are not all in the cache is not "
    "measured.\n\n"
    "A claim's verdict combines its rows: it holds when every row holds; it holds with a condition when some "
    "rows hold and others do not (the condition names the rows that hold); it fails when no row holds and at "
    "least one fails; it is inconclusive when no row holds or fails; and it is not measured when no row is."
)


def _interval(d: Mapping | None) -> Interval | None:
    return None if d is None else Interval.from_dict(d)


def validate(row: Mapping) -> dict:
    """``row`` checked against the shape above; returns it as a plain dict with the optional keys filled in
    (``reference``, ``difference``, ``tolerance``: None). A wrong row is a ValueError naming the key."""
    if not isinstance(row, Mapping):
        raise ValueError(f"row: must be a dict, got {type(row).__name__}")
    required = ("claim", "measure", "text", "labels", "a", "b", "expect")
    missing = [k for k in required if k not in row]
    if missing:
        raise ValueError(f"row: missing keys {missing} (has {sorted(row)})")
    extra = set(row) - set(required) - {"reference", "difference", "tolerance"}
    if extra:
        raise ValueError(f"row: unknown keys {sorted(extra)}")
    out = {"reference": None, "difference": None, "tolerance": None, **row}
    if out["claim"] not in CLAIMS:
        raise ValueError(f"claim: must be one of {list(CLAIMS)}, got {out['claim']!r}")
    for key in ("measure", "text"):
        if not isinstance(out[key], str) or not out[key]:
            raise ValueError(f"{key}: must be a non-empty string, got {out[key]!r}")
    labels = out["labels"]
    if not isinstance(labels, Sequence) or isinstance(labels, str) or len(labels) != 2 or \
            not all(isinstance(x, str) for x in labels):
        raise ValueError(f"labels: must be two strings (names of a and b), got {labels!r}")
    out["labels"] = list(labels)
    if out["expect"] not in EXPECTS:
        raise ValueError(f"expect: must be one of {EXPECTS}, got {out['expect']!r}")
    ref = out["reference"]
    if ref is not None:
        if isinstance(ref, bool) or not isinstance(ref, int | float) or not math.isfinite(ref):
            raise ValueError(f"reference: must be a finite number or None, got {ref!r}")
        if out["b"] is not None:
            raise ValueError("b: must be None when a reference is set (a is compared with the reference)")
    tol = out["tolerance"]
    if tol is not None:
        if out["expect"] != "equal":
            raise ValueError(f"tolerance: only for expect='equal' rows, got expect={out['expect']!r}")
        if isinstance(tol, bool) or not isinstance(tol, int | float) or not (math.isfinite(tol) and tol >= 0):
            raise ValueError(f"tolerance: must be a number >= 0, got {tol!r}")
    for key in ("a", "b", "difference"):
        if out[key] is not None:
            try:
                _interval(out[key])
            except (KeyError, TypeError, ValueError) as e:
                raise ValueError(f"{key}: must be None or an Interval.to_dict(), got {out[key]!r} ({e})") from None
    return out


def rule_text(row: Mapping) -> str:
    """The rule of ``row`` in words, for the table's rule column."""
    tol = TOLERANCE if row.get("tolerance") is None else row["tolerance"]
    ref = row.get("reference")
    key = row["expect"]
    if row["expect"] != "equal" and ref is None and row.get("difference") is not None:
        key = f"paired {key}"
    if ref is not None:
        key = "equal to reference" if row["expect"] == "equal" else f"{row['expect']} than reference"
    return RULES[key].format(ref=ref if ref is not None else 0.0, tol=tol)


def _difference(a: Interval, b: Interval | None, ref: float | None, paired: Interval | None) -> Interval:
    """The interval of a - b (or a - ref) an "equal" row is judged by."""
    if ref is not None:
        return a if a.one_seed else Interval(a.estimate - ref, a.low - ref, a.high - ref, a.n, a.level, "t")
    if paired is not None:
        return paired
    if a.one_seed or b.one_seed:
        return Interval(a.estimate - b.estimate, None, None, 1, a.level, "one seed")
    return Interval(a.estimate - b.estimate, a.low - b.high, a.high - b.low, min(a.n, b.n), a.level, "t")


def judge(row: Mapping) -> tuple[str, str]:
    """``(verdict, reason)`` of one validated row: verdict one of :data:`VERDICTS`, reason one sentence."""
    a, b = _interval(row["a"]), _interval(row["b"])
    ref = row.get("reference")
    if a is None or (b is None and ref is None):
        missing = [lab for lab, x in zip(row["labels"], (a, b if ref is None else 0), strict=True) if x is None]
        chapter = f"chapter {row['chapter']}" if "chapter" in row else "its chapter"
        return "not measured", (f"the runs of {' and '.join(missing)} are not all in the cache (run {chapter} "
                                "first, at this scale)")
    if row["expect"] == "equal":
        tol = TOLERANCE if row.get("tolerance") is None else row["tolerance"]
        d = _difference(a, b, ref, _interval(row.get("difference")))
        if d.one_seed:
            return "inconclusive (one seed)", f"one seed: difference {d.estimate:+.3g}, no interval"
        if -tol <= d.low and d.high <= tol:
            return "holds", f"difference {d:.3g} lies within +-{tol:g}"
        if d.low > tol or d.high < -tol:
            return "fails", f"difference {d:.3g} lies outside +-{tol:g}"
        return "inconclusive", f"difference {d:.3g} is not within +-{tol:g}, nor outside it"
    paired = _interval(row.get("difference")) if ref is None else None
    if paired is not None:  # the same models measured two ways: the paired difference against 0
        first, other = paired, Interval(0.0, 0.0, 0.0, 2, paired.level, "t")
        against, what = "0", "the paired difference's interval"
    else:
        point = 0.0 if ref is None else float(ref)
        first, other = a, (b if ref is None else Interval(point, point, point, 2, a.level, "t"))
        against, what = ("b's" if ref is None else f"{ref:g}"), "a's interval"
    c = compare(first, other)
    if c.verdict == "one seed":
        return "inconclusive (one seed)", "one seed: no interval to compare"
    if c.verdict == "overlap":
        return "inconclusive", (f"{what} contains {against}" if paired is not None or ref is not None
                                else "the intervals overlap")
    side = "above" if c.verdict == "higher" else "below"
    return ("holds" if c.verdict == row["expect"] else "fails"), f"{what} lies entirely {side} {against}"


def combine(verdicts: Sequence[str], texts: Sequence[str]) -> tuple[str, str]:
    """One claim's ``(verdict, condition)`` from its rows' verdicts (and their texts, which name the condition):
    see :data:`RULE_TEXT`. ``condition`` is "" unless some rows hold and others do not."""
    if not verdicts:
        return "not measured", ""
    holds = [t for v, t in zip(verdicts, texts, strict=True) if v == "holds"]
    others = [f"{t} ({v})" for v, t in zip(verdicts, texts, strict=True) if v != "holds"]
    unmeasured = [t for v, t in zip(verdicts, texts, strict=True) if v == "not measured"]
    if len(unmeasured) == len(verdicts):
        return "not measured", ""
    if holds and not others:
        return "holds", ""
    if holds:
        return "holds with a condition", f"holds for {'; '.join(holds)}; not shown for {'; '.join(others)}"
    if "fails" in verdicts:
        return "fails", ""
    return "inconclusive", ""


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


def _measurement(row: Mapping) -> str:
    la, lb = row["labels"]
    if row["a"] is None:
        return "not measured"
    a = f"{la} {Interval.from_dict(row['a']):.3g}"
    if row.get("reference") is not None:
        return f"{a} vs {lb} {row['reference']:g}"
    if row["b"] is None:
        return f"{a} vs {lb}: not measured"
    out = f"{a} vs {lb} {Interval.from_dict(row['b']):.3g}"
    if row["expect"] == "equal" and row.get("difference") is not None:
        out += f"; paired difference {Interval.from_dict(row['difference']):.3g}"
    return out


def verdict_table(cache, studies: Iterable[str] | None = None) -> list[dict]:
    """The table: one dict per measurement row, with its claim's verdict repeated on each of the claim's rows.

    Keys: ``claim``, ``claim_text``, ``claim_verdict``, ``claim_condition``, ``chapter``, ``measure``, ``text``,
    ``expect``, ``measurement`` (a vs b with intervals, as text), ``rule`` (text), ``verdict``, ``reason``, and the
    numbers: ``a``, ``b`` (Interval dicts or None), ``reference``, ``difference``, ``tolerance``, ``labels``.
    Only the claims of the studies gathered have rows."""
    rows = measurements(cache, studies)
    table = []
    for r in rows:
        verdict, reason = judge(r)
        rule = rule_text(r)
        table.append({"claim": r["claim"], "claim_text": CLAIMS[r["claim"]][0], "chapter": r["chapter"],
                      "measure": r["measure"], "text": r["text"], "expect": r["expect"],
                      "measurement": _measurement(r), "rule": rule, "verdict": verdict, "reason": reason,
                      "labels": r["labels"], "a": r["a"], "b": r["b"], "reference": r["reference"],
                      "difference": r["difference"], "tolerance": r["tolerance"]})
    for claim in CLAIMS:
        mine = [t for t in table if t["claim"] == claim]
        if not mine:
            continue
        verdict, condition = combine([t["verdict"] for t in mine], [t["text"] for t in mine])
        for t in mine:
            t["claim_verdict"], t["claim_condition"] = verdict, condition
    return table


def claim_verdicts(table: Sequence[Mapping]) -> dict[str, tuple[str, str]]:
    """``{claim: (verdict, condition)}`` of a :func:`verdict_table`, in claim order."""
    return {t["claim"]: (t["claim_verdict"], t["claim_condition"]) for t in table}


# --- output ------------------------------------------------------------------------------------------------

CSV_COLUMNS = ("claim", "claim_text", "claim_verdict", "claim_condition", "chapter", "text", "measure", "expect",
               "measurement", "rule", "verdict", "reason", "a_estimate", "a_low", "a_high", "a_n", "b_estimate",
               "b_low", "b_high", "b_n", "reference", "tolerance")


def to_csv(table: Sequence[Mapping]) -> str:
    """The table as CSV text, one line per measurement (intervals as estimate, low, high, n columns)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, CSV_COLUMNS, lineterminator="\n")
    w.writeheader()
    for t in table:
        line = {k: t.get(k) for k in CSV_COLUMNS}
        for side in ("a", "b"):
            iv = t[side] or {}
            for k in ("estimate", "low", "high", "n"):
                line[f"{side}_{k}"] = iv.get(k)
        w.writerow(line)
    return buf.getvalue()


def to_json(table: Sequence[Mapping]) -> str:
    """The table as JSON text: ``{"rule": RULE_TEXT, "rows": [...]}`` (intervals as Interval dicts)."""
    return json.dumps({"rule": RULE_TEXT, "rows": list(table)}, indent=1)


def to_text(table: Sequence[Mapping]) -> str:
    """The table for a terminal: one block per claim."""
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
            lines.append(f"    - ch{t['chapter']} {t['text']} [{t['measure']}, expect {t['expect']}]")
            lines.append(f"      {t['measurement']}")
            lines.append(f"      -> {t['verdict']}: {t['reason']}")
        lines.append("")
    return "\n".join(lines)


def _data_uri(text: str, mime: str) -> str:
    return f"data:{mime};charset=utf-8;base64,{base64.b64encode(text.encode()).decode()}"


def to_html(table: Sequence[Mapping], link: str = "{page}.html", downloads: bool = True) -> str:
    """The table as self-contained HTML: one ``<tbody id="verdict-<claim>">`` per claim (the introduction links
    to these), each chapter linked with ``link`` (``{page}``: the chapter's page name), and, with ``downloads``,
    links that download the same table as CSV and JSON from data: URLs (no server, no network)."""
    e = html.escape
    out = ['<div class="verdict-table">']
    if downloads:
        out.append('<p class="verdict-downloads">Download this table: '
                   f'<a id="verdicts-csv" download="verdicts.csv" href="{_data_uri(to_csv(table), "text/csv")}">'
                   'CSV</a> · '
                   f'<a id="verdicts-json" download="verdicts.json" '
                   f'href="{_data_uri(to_json(table), "application/json")}">JSON</a></p>')
    out.append('<table class="verdicts"><thead><tr><th>claim</th><th>chapter</th><th>what was compared</th>'
               '<th>measurement (95% intervals)</th><th>rule</th><th>row verdict</th></tr></thead>')
    for claim in CLAIMS:
        mine = [t for t in table if t["claim"] == claim]
        if not mine:
            continue
        head = mine[0]
        verdict = e(head["claim_verdict"])
        cond = f"<br><small>{e(head['claim_condition'])}</small>" if head["claim_condition"] else ""
        out.append(f'<tbody id="verdict-{e(claim)}" class="verdict-claim">')
        for i, t in enumerate(mine):
            page = CHAPTER_PAGES.get(t["chapter"])
            chapter = (f'<a href="{e(link.format(page=page))}">{t["chapter"]}</a>' if page
                       else str(t["chapter"]))
            first = (f'<td rowspan="{len(mine)}"><b>({e(claim)})</b> {e(head["claim_text"])}'
                     f'<br><span class="verdict verdict-{verdict.split()[0]}">{verdict}</span>{cond}</td>'
                     if i == 0 else "")
            out.append(f'<tr>{first}<td>{chapter}</td><td>{e(t["text"])}</td><td>{e(t["measurement"])}</td>'
                       f'<td>{e(t["rule"])}</td><td class="verdict-{t["verdict"].split()[0]}">'
                       f'{e(t["verdict"])}<br><small>{e(t["reason"])}</small></td></tr>')
        out.append("</tbody>")
    out.append("</table></div>")
    return "\n".join(out)
