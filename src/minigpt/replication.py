"""Does a verdict row hold again? Two replications of the rows of :func:`minigpt.verdicts.verdict_table`, each
judged by the table's own test and margin, and neither of them a verdict.

- :func:`split_half`: every row re-judged on two disjoint halves of its own evaluation seeds (1000-1002 and
  1003-1004 of five; 1000-1001 and 1002 of chapter 9's three), from the runs the build already made: no extra
  compute, and a weaker test than the row's (fewer seeds each), shown on chapter 10's page.
- :func:`rerun`: a row (or a claim's rows) made again on *new* evaluation seeds, in a kernel: its study's own
  ``verdict_runs()`` and ``verdict_measurements(cache)`` inside :func:`minigpt.protocol.replication`, so every
  other setting is the protocol's. :class:`Rerun` puts it behind a dropdown, a button and a progress bar.

Usage::

    from minigpt.replication import rerun, split_half, summary
    reps = split_half(cache)          # one dict per row of the table
    sentence = summary(reps)          # how many claim rows replicate on both halves
    rerun("(b) ch. 6: wd 0 vs wd 1", seeds=(2000, 2001, 2002), cache=cache)
"""

from __future__ import annotations

import contextvars
import math
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from html import escape as e

from .explore.live import mimebundle
from .protocol import replication, replication_seeds
from .protocol import study as protocol_study
from .runs import ResultCache
from .studies import STUDIES, Study, study
from .verdicts import CLAIMS, judge, run_missing, study_rows, verdict_table

CONCLUSIVE = ("holds", "fails", "negligible")
# how a row's two halves compare, in the order the summary counts them
AGREEMENT = ("replicates on both halves", "same on both halves, not the full row's", "one half inconclusive",
             "both halves inconclusive", "halves disagree", "not measured")
DEFAULT_SEEDS = (2000, 2001, 2002)


def row_id(t: Mapping) -> str:
    """A row's name, the same for the table's rows and the studies' measurements: ``"(b) ch. 6: wd 0 vs wd 1"``
    (``" [sanity check]"`` added to a sanity row)."""
    return f"({t['claim']}) ch. {t['chapter']}: {t['text']}" + (" [sanity check]" if t["kind"] == "sanity" else "")


def _seed_names(seeds: Sequence[int]) -> str:
    run = len(seeds) > 2 and list(seeds) == list(range(seeds[0], seeds[0] + len(seeds)))
    return f"seeds {seeds[0]}-{seeds[-1]}" if run else f"seed{'s' if len(seeds) > 1 else ''} " + \
        ", ".join(map(str, seeds))


def agreement(full: str, halves: Sequence[str]) -> str:
    """How a row's two halves compare (one of :data:`AGREEMENT`), given the row's verdict on all seeds."""
    if full == "not measured":
        return "not measured"
    decided = [v for v in halves if v in CONCLUSIVE]
    if len(decided) == 2:
        if decided[0] != decided[1]:
            return "halves disagree"
        return "replicates on both halves" if decided[0] == full else "same on both halves, not the full row's"
    return "one half inconclusive" if decided else "both halves inconclusive"


def halves(row: Mapping, seeds: Sequence[int] = ()) -> dict:
    """One validated row (:func:`minigpt.verdicts.validate`, with its ``chapter``) judged on all its seeds and
    on each of two disjoint halves of them, the first ceil(n/2) and the rest, by its own test and margin.
    ``seeds`` names the row's seeds (else, or if their number differs, they are numbered from 1). A dict as
    :func:`split_half` describes, less ``study``."""
    _, full, _ = judge(row)
    out = {"id": row_id(row), "claim": row["claim"], "kind": row["kind"], "chapter": row["chapter"],
           "text": row["text"], "test": row["test"], "verdict": full, "halves": []}
    if full == "not measured":
        out["agreement"] = "not measured"
        return out
    n = len(row["a"])
    names = list(seeds) if len(seeds) == n else list(range(1, n + 1))
    k = math.ceil(n / 2)
    for part in (range(k), range(k, n)):
        half = {**row, "a": [row["a"][i] for i in part],
                "b": None if row["b"] is None else [row["b"][i] for i in part]}
        _, verdict, reason = judge(half)
        out["halves"].append({"seeds": [names[i] for i in part], "verdict": verdict, "reason": reason})
    out["agreement"] = agreement(full, [h["verdict"] for h in out["halves"]])
    return out


def split_half(cache, studies: Iterable[str] | None = None) -> list[dict]:
    """Every row of the table (of ``studies``, default all) re-judged on two disjoint halves of its evaluation
    seeds (the first ceil(n/2) and the rest), by the row's own test and margin, from the runs in ``cache``: no
    run is made. One dict per row: ``id`` (:func:`row_id`), ``study``, ``claim``, ``kind``, ``chapter``,
    ``text``, ``test``, ``verdict`` (on all seeds), ``halves`` (two dicts of ``seeds``, ``verdict``, ``reason``;
    empty where not measured) and ``agreement`` (:func:`agreement`)."""
    chosen = STUDIES if studies is None else [study(n) for n in studies]
    out = [{"study": s.name, **halves(row, protocol_study(s.name)["eval_seeds"])}
           for s in chosen for row in study_rows(s, cache)]
    order = list(CLAIMS)
    return sorted(out, key=lambda r: (order.index(r["claim"]), r["chapter"]))


def half_text(rep: Mapping) -> str:
    """One row's split-half replication in a line: each half's verdict, then how they compare."""
    if rep["agreement"] == "not measured":
        return "Split-half replication: not measured."
    parts = "; ".join(f"{_seed_names(h['seeds'])}: {h['verdict']}" for h in rep["halves"])
    return f"Split-half replication: {parts}: {rep['agreement']}."


# how the summary counts each kind of agreement (one row, several)
_COUNTED = {"same on both halves, not the full row's": ("reaches", "reach", "one verdict on both halves but another "
                                                        "on all seeds"),
            "one half inconclusive": ("has", "have", "one half inconclusive"),
            "both halves inconclusive": ("has", "have", "both halves inconclusive"),
            "halves disagree": ("reaches", "reach", "different verdicts on the two halves")}


def summary(reps: Sequence[Mapping]) -> str:
    """The claim rows' split-half replication counted in one sentence (how many reach the same verdict on both
    halves, the row's own), then why a half is a weaker test."""
    mine = [r for r in reps if r["kind"] == "claim" and r["agreement"] != "not measured"]
    if not mine:
        return "No claim row is measured, so none is replicated on halves of its seeds."
    same = sum(r["agreement"] == AGREEMENT[0] for r in mine)
    rest = [f"{n} {one if n == 1 else more} {text}" for a, (one, more, text) in _COUNTED.items()
            if (n := sum(r["agreement"] == a for r in mine))]
    sizes = sorted({(len(r["halves"][0]["seeds"]), len(r["halves"][1]["seeds"])) for r in mine}, reverse=True)
    split = " or ".join(f"{a} and {b} of its {a + b}" for a, b in sizes)
    weak = [f"a row's halves have {split} seeds, so each half's interval is wider than the row's"]
    if any(b == 1 for _, b in sizes):
        weak.append("a half of one seed has no interval at all and is always inconclusive")
    if any(r["test"] == "binary" for r in mine) and max(a for a, _ in sizes) <= 3:
        weak.append("a binary row's half (3 seeds or fewer a side) can never pass Fisher's exact test")
    return (f"Of the {len(mine)} measured claim rows, {same} {'reaches its' if same == 1 else 'reach their'} own "
            "verdict again on each of two disjoint halves of the seeds alone (same test, same margin)"
            + (f"; {', '.join(rest)}" if rest else "") + f". Halves are weaker tests: {'; '.join(weak)}.")


# --- rerunning a row on new seeds ------------------------------------------------------------------------------


def _studies_of(row: Mapping) -> list[Study]:
    return [s for s in STUDIES if s.chapter == row["chapter"] and row["claim"] in s.claims]


def targets(what: str | Mapping, table: Sequence[Mapping]) -> list[Mapping]:
    """The rows of ``table`` that ``what`` names: a claim key (all its rows), a :func:`row_id`, or a row."""
    if isinstance(what, Mapping):
        what = row_id(what)
    if what in CLAIMS:
        rows = [t for t in table if t["claim"] == what]
    else:
        rows = [t for t in table if row_id(t) == what]
    if not rows:
        raise ValueError(f"what: must be a claim {list(CLAIMS)} or a row of the table, e.g. "
                         f"{row_id(table[0]) if table else '(b) ch. 6: ...'}; got {what!r}")
    return rows


def rerun(what: str | Mapping, seeds: Sequence[int] = DEFAULT_SEEDS, cache=None, workers: int = 2,
          progress: Callable[[int, int], None] | None = None) -> list[dict]:
    """The rows ``what`` names (:func:`targets`) made again on new evaluation ``seeds`` (two or more, none of
    the protocol's own: :func:`minigpt.protocol.replication_seeds`) with every other setting the protocol's:
    the runs of their studies' ``verdict_runs()`` that ``cache`` lacks are made (``workers`` processes), then
    each row is judged by its own test and margin. ``progress(done, total)`` is called before the first run and
    after each. Returns one dict per row: ``id``, ``claim``, ``kind``, ``chapter``, ``text``, ``seeds``,
    ``replication`` (True: these are not verdicts), ``verdict`` and ``reason`` on the new seeds, and
    ``build_verdict`` (the table's, on the protocol's seeds)."""
    seeds = replication_seeds(seeds)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers: must be an int >= 1, got {workers!r}")
    cache = ResultCache() if cache is None else cache
    rows = targets(what, verdict_table(cache))
    build = {row_id(t): t["verdict"] for t in rows}
    chosen = list(dict.fromkeys(s for t in rows for s in _studies_of(t)))
    out = []
    with replication(seeds):
        total = sum(cache.lookup(exp, **p) is None for s in chosen for exp, points in s.module.verdict_runs()
                    for p in points)
        done = [0]

        def step(_result) -> None:
            done[0] += 1
            if progress is not None:
                progress(done[0], total)

        if progress is not None:
            progress(0, total)
        for s in chosen:
            run_missing(cache, [s.name], workers=workers, on_result=step)
            for row in study_rows(s, cache):
                if row_id(row) in build:
                    _, verdict, reason = judge(row)
                    out.append({"id": row_id(row), "claim": row["claim"], "kind": row["kind"],
                                "chapter": row["chapter"], "text": row["text"], "seeds": list(seeds),
                                "replication": True, "verdict": verdict, "reason": reason,
                                "build_verdict": build[row_id(row)]})
    return out


def rerun_text(r: Mapping) -> str:
    """One rerun row in a line: the replication's verdict against the build's."""
    if r["build_verdict"] == "not measured":
        build = "the build's own row is not measured in this cache"
    else:
        same = "the same as" if r["verdict"] == r["build_verdict"] else "not"
        build = f"{same} the build's verdict, {r['build_verdict']}"
    return f"{r['id']}: replication on {_seed_names(r['seeds'])}: {r['verdict']} ({r['reason']}); {build}"


class Rerun:
    """Chapter 10's "rerun a row": in a kernel, a dropdown of the table's rows, how many new seeds, a button and
    a progress bar (one step per finished run) that call :func:`rerun` in a background thread; in the static
    book, the build's split-half replication (:func:`summary`) and a note that the button needs a kernel."""

    def __init__(self, cache, reps: Sequence[Mapping], first_seed: int = DEFAULT_SEEDS[0], workers: int = 2):
        replication_seeds([first_seed, first_seed + 1])
        self.cache, self.reps, self.first_seed, self.workers = cache, list(reps), first_seed, workers
        self._widget = None
        self.thread: threading.Thread | None = None  # the rerun in flight (or last run)

    def to_html(self) -> str:
        return (f'<div class="verdict-rerun"><p>{e(summary(self.reps))}</p><p><i>The rerun button needs a kernel: '
                "open this page as a notebook (Colab, Binder or your own Jupyter).</i></p></div>")

    @property
    def widget(self):
        """The ipywidgets box (built on first use)."""
        if self._widget is None:
            self._widget = self._build()
        return self._widget

    def _build(self):
        import ipywidgets as W

        rows = [r["id"] for r in self.reps]
        self.row = W.Dropdown(options=rows, description="row", layout=W.Layout(width="95%"))
        self.n_seeds = W.BoundedIntText(value=3, min=2, max=10, description="new seeds")
        self.button = W.Button(description="Rerun on new seeds", button_style="primary")
        self.bar = W.IntProgress(value=0, min=0, max=1, description="runs")
        self.result = W.HTML()
        self.button.on_click(lambda _: self._start())
        return W.VBox([self.row, W.HBox([self.n_seeds, self.button]), self.bar, self.result])

    def _start(self) -> None:
        seeds = tuple(range(self.first_seed, self.first_seed + self.n_seeds.value))
        self.button.disabled = True
        self.result.value = f"Running the study's runs on {e(_seed_names(seeds))} ..."
        context = contextvars.copy_context()  # the kernel's fast mode and the like, in the thread too
        self.thread = threading.Thread(target=context.run, args=(self._work, self.row.value, seeds), daemon=True)
        self.thread.start()

    def _progress(self, done: int, total: int) -> None:
        self.bar.max, self.bar.value = max(total, 1), done if total else 1

    def _work(self, what: str, seeds: tuple[int, ...]) -> None:
        try:
            found = rerun(what, seeds, self.cache, self.workers, self._progress)
            self.result.value = "<br>".join(e(rerun_text(r)) for r in found)
        except Exception as err:  # shown in the widget: a thread's error would otherwise go unseen
            self.result.value = f"<b>Failed:</b> {e(repr(err))}"
        finally:
            self.button.disabled = False

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return mimebundle(self, summary(self.reps))
