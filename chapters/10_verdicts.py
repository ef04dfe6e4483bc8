# %% [markdown]
# # Verdicts: every claim, measured
#
# **The question.** The book started from folk wisdom about regularizing and sharpening a language model, and each
# chapter turned one piece of it into an experiment with seeds and intervals. This chapter collects them: for every
# claim, the rows that test it, the measurements of *this build* with their 95% intervals, the rule that turns a
# row into a verdict, and the verdict. Nothing on this page is typed in: the table is computed from the runs that
# chapters 3 to 9 stored when this book was built, at the settings of a protocol frozen before those runs, and
# where a chapter's runs are not there the row says "not measured" instead of showing a number from elsewhere.
#
# The same table can be downloaded as CSV or JSON (links above the table). In a terminal,
# `python -m minigpt verdicts` prints it from your local cache, `python -m minigpt verdicts --run` first makes the
# runs it lacks, and `python -m minigpt protocol` prints the protocol.

# %% tags=["remove-cell"]
# colab-install: scripts/notebooks.py writes the Colab install cell here

# %%
import time

import numpy as np
from IPython.display import HTML, Markdown

from minigpt.protocol import EVAL_SEEDS, TUNING_SEEDS, protocol_hash
from minigpt.protocol import study as study_protocol
from minigpt.runs import ResultCache, fast_mode
from minigpt.stats import interval_verdict, paired_verdict
from minigpt.studies import STUDIES
from minigpt.verdicts import (
    CLAIM_VERDICTS,
    RULE_TEXT,
    claim_verdicts,
    measurement,
    to_html,
    verdict_table,
)

FAST = fast_mode()  # MINIGPT_FAST=1: the tiny runs of the notebook tests
cache = ResultCache()  # the same folder chapters 3-9 stored their runs in
cpu_start = time.process_time()
print("fast mode" if FAST else "book scale", "| reading runs from",
      cache.root.name)

# %% [markdown]
# ## Predict first
#
# Before you look: which of these claims do you expect to hold in small models trained on a laptop, which to
# fail, and which to come out inconclusive?
#
# (a) Dropout, embedding noise and stochastic depth help a model generalize and write novel, valid text.
# (b) Heavy regularization hurts exact recall of facts.
# (c) Little or no dropout late in training helps recall.
# (d) A temperature near 0 is best for facts and arithmetic.
# (e) A majority vote over samples improves correctness, and at temperature 0 it is a no-op.
# (f) RL with verifiable rewards raises pass@1, and lowers pass@k and diversity.
# (g) No weight decay on the final layers helps recall.
# (h) Higher learning rates with warmup and cosine decay help.
# (i) Dropout belongs off at inference: eval mode recalls more than Monte Carlo dropout, whose disagreement between
#     passes flags the answers it gets wrong.
# (j) A checker beats a vote: best-of-n with a verifier gets more answers right than a majority vote.
# (k) For stories, diversity is the point: sampling at temperature 1 writes more distinct novel, valid sentences than
#     greedy decoding.
# And the book's own findings: weight decay makes modular addition grok (chapter 6); a small model stores about 2
# bits of knowledge per parameter (chapter 9).
#
# ## The protocol
#
# A verdict is only as good as the runs behind it. Every setting a row uses was fixed, with where it came from,
# in one file of the library, `minigpt/protocol.py`, before the runs the table reads: the arms each row compares,
# the steps and sizes, the seeds, and each row's **margin**, the smallest difference that would matter. Settings
# were tuned (when the chapters were written) on *tuning* seeds and worlds; the rows read *evaluation* seeds and
# worlds that no tuning saw.

# %% tags=["hide-input"]
names = [s.name for s in STUDIES]  # the registry's studies
seeds = {n: study_protocol(n)["eval_seeds"] for n in names}
fewer = {n: study_protocol(n)["why_fewer_seeds"] for n in names}
Markdown(
    f"This build's protocol has the hash **{protocol_hash()}** (the "
    "table's JSON records it). Tuning seeds: "
    f"{list(TUNING_SEEDS)}; evaluation seeds at book scale: "
    f"{list(EVAL_SEEDS)}; at this scale: "
    + "; ".join(f"{n} {s}" for n, s in seeds.items()) + "."
    + "".join(f" {n}: {w}." for n, w in fewer.items() if w))

# %% [markdown]
# ## The rule
#
# One rule turns every row into a verdict and every claim's rows into the claim's verdict. The text below is
# printed from the same tables of rules the code applies:

# %% tags=["hide-input"]
Markdown(RULE_TEXT)

# %% [markdown]
# Three consequences are worth saying before the table. A difference that is real but smaller than its margin is
# **negligible**: the row does not hold, because the claim was about a difference that matters. A row that is
# true by construction (a vote over samples that are all the greedy answer *is* the greedy answer) is a **sanity
# check**: it tests the code, not the claim, so it is shown apart and never counts. And a claim whose rows
# disagree is **mixed**, not "holds with a condition": a claim that holds on one measure and fails on another has
# not held.
#
# ## How often would this table lie?
#
# Before trusting the rule, test it where the truth is known. Below, two arms are simulated many times: 5 seeds
# (each seed's model a little better or worse than another's), 200 items (some harder than others), each item
# right or wrong by a coin whose odds the arm sets. With no effect, a row should rarely hold or fail; with a real
# effect of 0.4 in log-odds (about 10 percentage points near 50%), it should mostly hold.

# %%
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
head = "| simulated truth | holds | fails |\n|---|---|---|\n"
Markdown(head + "\n".join(f"| {n} | {r['holds']:.0%} | {r['fails']:.0%} |"
                          for n, r in sim.items()))

# %% [markdown]
# Read it as the table's error rates. Without an effect the rule says "holds" or "fails" about as often as a 95%
# interval is allowed to be wrong, even when seeds differ a lot. A real effect mostly holds when seeds agree, and
# mostly stays *inconclusive* when they do not: five seeds cannot see through a large seed-to-seed spread, and the
# rule says so instead of guessing. (The library's tests run the same calibration with more draws and fail if the
# rates drift.)
#
# ## The table

# %%
start = time.perf_counter()
table = verdict_table(cache)
verdicts = claim_verdicts(table)
n_measured = sum(t["verdict"] != "not measured" for t in table)
print(f"{len(table)} rows for {len(verdicts)} claims, {n_measured} "
      f"measured, in {time.perf_counter() - start:.2f} s")

# %% [markdown]
# One block per claim: the claim and its verdict on the left, then one line per row with the chapter that made it
# (linked), what was compared and its margin, the two arms' means and the difference a - b with its 95% interval,
# and the row's verdict with the reason. "a" is the first arm named, "b" the second.

# %% tags=["hide-input"]
HTML(to_html(table))

# %% [markdown]
# The sanity checks, which test the machinery (each should hold; one that does not is a bug, not a finding):

# %% tags=["hide-input"]
HTML(to_html(table, kind="sanity", downloads=False))

# %% [markdown]
# ## The measured answer

# %% tags=["hide-input"]
groups = {v: [c for c, (w, _) in verdicts.items() if w == v]
          for v in CLAIM_VERDICTS}


def names_of(claims):
    return ", ".join(f"({c})" for c in claims)


scale = ("Fast mode: tiny runs for the tests, not the book's numbers."
         if FAST else "Book scale.")
lines = [f"*{scale}* Of {len(verdicts)} claims: " + ", ".join(
    f"{len(c)} {v}" for v, c in groups.items() if c) + "."]
if groups["holds"]:
    lines.append("- **Hold** on every row: "
                 f"{names_of(groups['holds'])}.")
for c in groups["mixed"]:
    lines.append(f"- **({c}) is mixed**: {verdicts[c][1]}.")
for c in groups["holds with a condition"]:
    lines.append(f"- **({c}) holds with a condition**: {verdicts[c][1]}.")
if groups["fails"]:
    lines.append(f"- **Fail**: {names_of(groups['fails'])}: on no row "
                 "the predicted way beyond the margin, and on at least "
                 "one the other way or within the margin.")
if groups["inconclusive"]:
    lines.append(f"- **Inconclusive**: {names_of(groups['inconclusive'])}:"
                 " no row's interval clears its margin either way; more "
                 "seeds or larger effects would be needed.")
if groups["not measured"]:
    lines.append(f"- **Not measured**: {names_of(groups['not measured'])}:"
                 " their runs are not in this build's cache.")
against = [t for t in table if t["kind"] == "claim"
           and t["verdict"] in ("fails", "negligible")]
if against:
    lines.append("\nThe rows that went against their claim:")
    lines += [f"- ({t['claim']}) chapter {t['chapter']}, {t['text']}: "
              f"{measurement(t)}; {t['verdict']}." for t in against]
broken = [t for t in table
          if t["kind"] == "sanity" and t["verdict"] != "holds"]
lines.append(
    f"\n{len(broken)} sanity check(s) did not hold"
    + (": " + "; ".join(t["text"] for t in broken) if broken else ".")
    + (" In fast mode the runs are too small for some checks to reach "
       "their margin." if FAST and broken else ""))
Markdown("\n".join(lines))

# %% [markdown]
# Read the verdicts with their scope in mind. Each one is about *these* models: a few hundred thousand
# parameters, synthetic worlds, a few minutes of CPU. A claim that holds here may fail at scale and the other way
# round; what this table shows is that each claim is testable, how to test it, and what it takes for a verdict to
# be more than an impression.

# %%
cpu = time.process_time() - cpu_start
print(f"this chapter: {cpu:.1f} CPU-s in this process")

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

# %% tags=["hide-output"]
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
# **3. More seeds.** Pick an inconclusive row. Predict: with 8 evaluation seeds instead of 5, by how much would its
# interval shrink, and is that enough to decide it?
#
# :::{admonition} Solution
# :class: dropdown
#
# Where the seeds dominate the variance (most rows here), the interval's half-width scales as
# $t_{n-1, 0.975}/\sqrt{n}$: from 5 to 8 seeds that is $2.78/\sqrt{5} = 1.24$ to $2.36/\sqrt{8} = 0.84$, about a
# third narrower (the t quantile shrinks too, not only $\sqrt{n}$). A row decides only if its estimate already lies
# beyond the margin by more than the new half-width. To try it, copy `minigpt/protocol.py`'s `EVAL_SEEDS` to eight
# seeds and run `python -m minigpt verdicts --run`: the protocol's hash changes, and the table records the new one.
# :::
