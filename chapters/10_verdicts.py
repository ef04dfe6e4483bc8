# %% [markdown]
# # Verdicts: every claim, measured
#
# **The question.** Each chapter turned a piece of folk wisdom about regularizing and sharpening a language model
# into an experiment with seeds and intervals. This chapter collects them: every claim, the rows that test it with
# *this build's* measurements and 95% intervals, the rule that turns them into a verdict, and the verdict. Nothing
# here is typed in: it is computed from the runs the chapters stored in this build, at the settings of a protocol
# frozen before those runs; a row whose runs are missing says "not measured".
#
# In a terminal, `python -m minigpt verdicts` prints the same table from your local cache (`--run` first makes
# the runs it lacks), and `python -m minigpt protocol` prints the protocol.

# %% tags=["remove-cell"]
# colab-install: scripts/notebooks.py writes the Colab install cell here

# %% tags=["hide-input"]
import html
import re
import time

import numpy as np
from IPython.display import HTML, Markdown, display

from minigpt.protocol import EVAL_SEEDS, TUNING_SEEDS, protocol_hash
from minigpt.protocol import study as study_protocol
from minigpt.replication import Rerun, split_half
from minigpt.runs import ResultCache, fast_mode
from minigpt.stats import interval_verdict, paired_verdict
from minigpt.studies import STUDIES
from minigpt.verdict_page import forest_html, to_html
from minigpt.verdicts import (
    CLAIM_VERDICTS,
    CLAIMS,
    RULE_TEXT,
    claim_verdicts,
    verdict_table,
)

FAST = fast_mode()  # MINIGPT_FAST=1: the tiny runs of the notebook tests
cache = ResultCache()  # the same folder chapters 3-9 stored their runs in
cpu_start = time.process_time()

# %% [markdown]
# ## Predict first
#
# Before you look: which of these claims do you expect to hold in small models trained on a laptop, which to
# fail, and which to come out inconclusive? (The list is the table's own, `minigpt.verdicts.CLAIMS`.)

# %% tags=["hide-input"]
HTML('<ul style="font-size: 0.9em; line-height: 1.4">' + "".join(
    f"<li>({c}) {claim}</li>" for c, (claim, _) in CLAIMS.items())
     + "</ul>")

# %% [markdown]
# ## The verdicts
#
# One call gathers every study's rows from this build's cache and judges each by the rule below:

# %%
start = time.perf_counter()
table = verdict_table(cache)
verdicts = claim_verdicts(table)
n_measured = sum(t["verdict"] != "not measured" for t in table)
print(f"{len(table)} rows for {len(verdicts)} claims, {n_measured} "
      f"measured, in {time.perf_counter() - start:.2f} s")

# %% [markdown]
# Every claim row in one picture. Each line is one row: what was compared (chapter and text on the left), the
# difference a - b of the two arms ("a" is the first arm named) with its 95% interval, coloured by the row's
# verdict. Rows of different measures share the axis in units of each row's own **{term}`margin`**, the smallest
# difference that matters: right of the dashed line at +1 the row holds, inside the grey band the difference is
# negligible (or, for a row that predicts no difference, the row holds). The numbers on the right are a - b and
# its interval in the measure's own units. Below the picture, the same verdicts as a table, one line per claim
# with its chapters linked; open a claim's rows for each one's numbers: the two arms' means, a - b with its
# interval, the seeds and items, the margin, the test, and the row's split-half replication (next section).

# %% tags=["hide-input"]
scale = ("Fast mode: tiny runs for the tests, not the book's numbers."
         if FAST else "Book scale.")
groups = {v: [f"({c})" for c, (w, _) in verdicts.items() if w == v]
          for v in CLAIM_VERDICTS}
sanity = [t for t in table if t["kind"] == "sanity"]
broken = [t["text"] for t in sanity
          if t["verdict"] not in ("holds", "not measured")]
unmeasured = sum(t["verdict"] == "not measured" for t in sanity)
display(Markdown(f"*{scale}* Of {len(verdicts)} claims: " + "; ".join(
    f"**{len(c)} {v}** {', '.join(c)}" for v, c in groups.items() if c)
    + f". Sanity checks that did not hold: {len(broken)}"
    + (" (" + "; ".join(broken) + ")" if broken else "")
    + (f"; not measured: {unmeasured}" if unmeasured else "") + "."))
reps = split_half(cache)  # each row on two halves of its seeds
HTML(forest_html(table) + to_html(table, replication=reps))

# %% [markdown]
# ## Does each row replicate?
#
# A verdict reached once could be luck. The build judges every row again on two disjoint halves of its seeds
# (in each row's entry above); in a kernel, a button here reruns a row on new seeds.
#
# ```{admonition} How the two replications work
# :class: dropdown
# **Split halves, in the build.** A second full set of runs does not fit the book's time, so the build splits
# each row's evaluation seeds into the first half and the rest and judges the row again on each half alone, with
# the same test and the same margin. Halves have fewer seeds than the row, so they are *weaker* tests: an
# inconclusive half is not evidence against a row, while two halves that reach different conclusive verdicts
# would be.
#
# **New seeds, in a kernel.** Pick a row, choose how many new seeds (from 2000 up, seeds no tuning and no verdict
# saw), and press the button. The row's study makes all its verdict runs again on those seeds, with every other
# setting from the frozen protocol, and judges the row by its own test and margin; the bar counts the finished
# runs. The answer is labelled a replication and never enters the table above. At book scale it takes minutes
# (each new seed costs about what one evaluation seed cost the row's chapter); with `MINIGPT_FAST=1`, seconds.
# From code, for a row's name as the dropdown lists it or a claim's letter (all its rows):
# `minigpt.replication.rerun("grok", seeds=(2000, 2001, 2002))`.
# ```

# %% tags=["remove-input"]
Rerun(cache, reps)

# %% [markdown]
# Each verdict is about *these* models (a few hundred thousand parameters, synthetic worlds, minutes of CPU): a
# claim that holds here may fail at scale, and the other way round. What the table shows is that each claim is
# testable, and what it takes for a verdict to be more than an impression.
#
# ## The rule
#
# One rule turns every row into a verdict and every claim's rows into the claim's verdict. Three consequences of
# it. A difference that is real but smaller than its margin is **{term}`negligible`**: the row does not hold,
# because the claim was about a difference that matters. A row that is true by construction (a vote over samples
# that are all the greedy answer *is* the greedy answer) is a **sanity check**: it tests the code, not the claim,
# so it is shown apart and never counts. And a claim whose rows disagree is **{term}`mixed`**, not
# "{term}`holds with a condition`": a claim that holds on one measure and fails on another has not held. The rule
# in full is printed from the same tables of rules the code applies:

# %% tags=["hide-input"]
tests, rule = RULE_TEXT.split("\n\n", 1)
paragraphs = "".join(
    "<p>" + re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", html.escape(p)) + "</p>"
    for p in rule.split("\n\n"))
display(HTML("<details><summary>The rule in full</summary>"
             f"{paragraphs}</details><details><summary>Which test each "
             f"row uses</summary><p>{tests}</p></details>"))

# %% [markdown]
# ## The protocol
#
# Every setting a row uses (the arms, steps and sizes, seeds, and each row's margin) was fixed, with where it came
# from, in `minigpt/protocol.py` before the runs the table reads. Settings were tuned on *tuning* seeds and
# worlds; the rows read *evaluation* seeds and worlds that no tuning saw.

# %% tags=["hide-input"]
names = [s.name for s in STUDIES]  # the registry's studies


def grouped(key):
    """{value of the protocol's key: the studies that have it}"""
    out = {}
    for n in names:
        out.setdefault(str(study_protocol(n)[key]), []).append(n)
    return out


seeds = "; ".join(f"{', '.join(n)} {s}"
                  for s, n in grouped("eval_seeds").items())
fewer = "".join(f" {', '.join(n)}: {w}." for w, n in
                grouped("why_fewer_seeds").items() if w != "None")
Markdown(
    f"This build's protocol has the hash **{protocol_hash()}** (the "
    "table's JSON records it). Tuning seeds: "
    f"{list(TUNING_SEEDS)}; evaluation seeds at book scale: "
    f"{list(EVAL_SEEDS)}; at this scale: {seeds}.{fewer}")

# %% [markdown]
# ## How often would this table lie?
#
# Test the rule where the truth is known: simulate two arms many times, 5 seeds (some models better than others)
# by 200 items (some harder than others), each item right or wrong by a coin whose odds the arm sets. With no
# effect a row should rarely hold or fail; with a real one of 0.4 in log-odds (about 10 points near 50%), it
# should mostly hold. (The simulation's code is one click away.)

# %% tags=["hide-input"]
def simulate(effect, seed_sd, draws=200, seeds=5, items=200):
    """Share of draws in which paired_verdict says holds or fails."""
    rng = np.random.default_rng(9)
    calls = []
    for _ in range(draws):
        hard = rng.normal(0, 1, items)  # item difficulty, both arms
        la = effect + hard + rng.normal(0, seed_sd, (seeds, 1))
        lb = hard + rng.normal(0, seed_sd, (seeds, 1))
        a = rng.random((seeds, items)) < 1 / (1 + np.exp(-la))
        b = rng.random((seeds, items)) < 1 / (1 + np.exp(-lb))
        calls.append(paired_verdict(a * 1.0, b * 1.0).verdict)
    return {v: calls.count(v) / draws for v in ("holds", "fails")}


cases = {"no effect, seeds alike": (0.0, 0.05),
         "no effect, seeds vary a lot": (0.0, 1.0),
         "+0.4 log-odds, seeds alike": (0.4, 0.05),
         "+0.4 log-odds, seeds vary a lot": (0.4, 1.0)}
sim = {name: simulate(*args) for name, args in cases.items()}
HTML("<table><tr><th>simulated truth</th><th>holds</th><th>fails</th>"
     + "".join(f"<tr><td>{n}</td><td>{r['holds']:.0%}</td>"
               f"<td>{r['fails']:.0%}</td></tr>" for n, r in sim.items())
     + "</table>")

# %% [markdown]
# Read it as the table's error rates: without an effect, how often a row would hold or fail by chance; with one,
# how often it is found. Where seeds vary a lot, five of them cannot see through the spread, and the rule says
# *inconclusive* instead of guessing. (The library's tests run the same calibration with more draws.)
#
# ## Sanity checks
#
# Rows that are true by construction test the machinery, not a claim (each should hold; one that does not is a
# bug, not a finding):

# %% tags=["hide-input"]
display(HTML(to_html(table, kind="sanity", downloads=False,
                     replication=reps)))
cpu = time.process_time() - cpu_start
print(f"this chapter: {cpu:.1f} CPU-s in this process")

# %% [markdown]
# ## Your predictions, scored
#
# Each chapter asked you to predict its claim's verdict before you read on. Here are your answers against this
# build's verdicts: an answer is right when its choice names the verdict, and not scored when none of the
# question's choices did (a claim the build leaves inconclusive or did not measure). In the web book your answers
# stay in your browser; in a notebook they are in a small file in your home folder.

# %% tags=["hide-input"]
from minigpt.explore import scorecard
from minigpt.verdicts import claim_verdicts, verdict_table

# this build's verdicts go into the page; the answers are the reader's
scorecard(claim_verdicts(verdict_table(cache)))

# %% [markdown]
# ## Exercises
#
# **1. Save the table yourself.** Write the table to files you can open in a spreadsheet.
#
# ```python
# from pathlib import Path
# from minigpt.verdicts import to_csv, to_json
# Path("verdicts.csv").write_text(to_csv(table))
# Path("verdicts.json").write_text(to_json(table))
# ```
#
# From a terminal, `python -m minigpt verdicts --csv verdicts.csv` does the same from the local cache (add
# `--fast` for the runs of `MINIGPT_FAST=1`).
#
# :::{admonition} Solution
# :class: dropdown
#
# The code above is the whole solution: `to_csv` writes one line per row under a header of the table's columns,
# and `to_json` the rows with the rule and the {term}`protocol hash`. The hidden cell below builds both in memory
# and prints the header and the counts, without writing files.
# :::

# %% tags=["hide-input", "hide-output"]
import csv
import io
import json

from minigpt.verdicts import to_csv, to_json

rows_csv = list(csv.reader(io.StringIO(to_csv(table))))
doc = json.loads(to_json(table))
print("CSV header:", ", ".join(rows_csv[0]))
print(f"{len(rows_csv) - 1} CSV rows, {len(doc['rows'])} JSON rows, "
      f"protocol {doc['protocol']}")

# %% [markdown]
# **2. Twice the margins.** Predict: if every row's margin were twice as large, which verdicts could change, and
# in which direction?
#
# :::{admonition} Solution
# :class: dropdown
#
# Only rows whose interval lies within reach of the new margin: a row that holds with its interval's near end
# between one and two margins from 0 would become inconclusive (or negligible, if the whole interval fits within
# twice the margin); a failing row likewise; an inconclusive row can become negligible. No row can move towards
# "holds". The cell below lists the rows that would change, from the table's own intervals.
# :::

# %% tags=["hide-input", "hide-output"]
def doubled(t):
    """Row t's verdict with twice its margin, by the rule of the table."""
    if t["low"] is None or t["test"].startswith("Fisher"):
        return t["verdict"]
    return interval_verdict(t["expect"], 2 * t["margin"], t["low"],
                            t["high"])


changed = [(t["claim"], t["text"], t["verdict"], doubled(t))
           for t in table if doubled(t) != t["verdict"]]
print(f"{len(changed)} of {len(table)} rows would change:")
for row in changed:
    print("  ({}) {}: {} -> {}".format(*row))

# %% [markdown]
# **3. More seeds.** Pick an inconclusive row. Predict: with 8 evaluation seeds instead of the ones it has, how
# much narrower would its interval be if the spread between seeds stayed the same, and would that decide it?
# Estimate it from the row's own interval, then (optionally) run it.
#
# :::{admonition} Solution (an estimate from this build's intervals; the 8-seed runs are not made)
# :class: dropdown
#
# Where the seeds dominate the variance, a row's half-width is about $t_{n-1,0.975}\,s/\sqrt{n}$ for $n$ seeds and
# a spread $s$ between them: with the same $s$, 8 seeds scale it by
# $\frac{t_{7,0.975}/\sqrt{8}}{t_{n-1,0.975}/\sqrt{n}}$. The t quantile shrinks as well as $\sqrt{n}$ grows, so
# the gain is more than the square root alone suggests. The hidden cell below applies this to every inconclusive
# claim row of the table (each with its own $n$: chapter 9's rows have fewer seeds) and applies the table's rule
# to the narrower interval around the same estimate. It is an approximation: the crossed interval's degrees of
# freedom also depend on the items, and new seeds move the estimate too. A row decides only if its estimate lies
# beyond the margin (or within it, for negligible) by more than the new half-width.
#
# To run it for real, in your own copy: give `EVAL_SEEDS` in `src/minigpt/protocol.py` eight seeds (and the
# capacity entry's `eval_seeds`, which takes the first three), then `python -m minigpt verdicts --run`. The
# protocol's hash changes, so the table records that it was made under another protocol; and since the library's
# source changed, every run is made again, at eight seeds: longer than building the whole book.
# :::

# %% tags=["hide-input", "hide-output"]
from scipy import stats as st


def scale_to(n, new=8):
    # the factor by which a t half-width shrinks from n to new seeds
    return (st.t.ppf(0.975, new - 1) / new ** 0.5) / (
        st.t.ppf(0.975, n - 1) / n ** 0.5)


open_rows = [t for t in table if t["kind"] == "claim"
             and t["verdict"] == "inconclusive" and t["low"] is not None
             and not t["test"].startswith("Fisher")]
print(f"{len(open_rows)} inconclusive claim rows with an interval")
for t in open_rows:
    half = (t["high"] - t["low"]) / 2 * scale_to(t["n_seeds"])
    lo, hi = t["estimate"] - half, t["estimate"] + half
    after = interval_verdict(t["expect"], t["margin"], lo, hi)
    print(f"  ({t['claim']}) {t['text']}: {t['n_seeds']} seeds, "
          f"half-width {(t['high'] - t['low']) / 2:.3g} -> {half:.3g} "
          f"at 8 seeds; margin {t['margin']:g}: {after}")
