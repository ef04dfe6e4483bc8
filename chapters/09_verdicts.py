# %% [markdown]
# # Verdicts: every claim, measured
#
# **The question.** The book started from folk wisdom about regularizing and sharpening a language model, and each
# chapter turned one piece of it into an experiment with seeds and intervals. This chapter collects them: for every
# claim, the chapter that tested it, the measurements of *this build* with their 95% intervals over seeds, the rule
# that turns a measurement into a verdict, and the verdict. Nothing on this page is typed in: the table is computed
# from the runs that chapters 3 to 8 stored when this book was built, and where a chapter's runs are not there the
# row says "not measured" instead of showing a number from somewhere else.
#
# The same table can be downloaded as CSV or JSON (links above the table), and `python -m minigpt verdicts`
# prints it in a terminal from your local cache.

# %% tags=["remove-cell"]
# colab-install: scripts/notebooks.py writes the Colab install cell here

# %%
import time

from IPython.display import HTML, Markdown

from minigpt.runs import ResultCache, fast_mode
from minigpt.verdicts import (
    RULE_TEXT,
    claim_verdicts,
    to_html,
    verdict_table,
)

FAST = fast_mode()  # MINIGPT_FAST=1: the tiny runs of the notebook tests
cache = ResultCache()  # the same folder chapters 3-8 stored their runs in
cpu_start = time.process_time()
print("fast mode" if FAST else "book scale", "| reading runs from",
      cache.root.name)

# %% [markdown]
# ## Predict first
#
# Before you look: which of these claims do you expect to hold in small models trained on a laptop, which to
# fail, and which to come out inconclusive, because three seeds cannot tell the settings apart?
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
# And the book's own findings: weight decay makes modular addition grok (chapter 5); a small model stores about 2
# bits of knowledge per parameter (chapter 8).
#
# ## The rule
#
# One rule turns every measurement into a verdict, chosen before the runs and stated here in full (the text below
# is the one `minigpt.verdicts` applies, printed from it):

# %% tags=["hide-input"]
Markdown(RULE_TEXT)

# %% [markdown]
# Two consequences are worth saying before the table. First, the rule is **conservative**: two disjoint 95%
# intervals correspond to a test at well below the 5% level, so a real but small difference can come out
# inconclusive. Inconclusive means *not shown*, never *shown equal*. Second, a claim that predicts "no difference"
# (the vote at temperature 0 is a no-op) needs its own rule: it holds only when the difference is pinned inside a
# tolerance (stated in the rule above), and an exact 0 on every seed is.
#
# ## Where the numbers come from
#
# Every study module has a function `verdict_measurements(cache)` that looks its runs up in the result cache
# (`ResultCache.lookup`, which never trains or samples anything) at the scale this build runs at, and returns one
# row per measurement in one shape. The book executes its chapters in order into the same cache folder (printed
# above), so by the time this chapter runs, chapters 3 to 8 have stored their runs there.

# %%
start = time.perf_counter()
table = verdict_table(cache)
verdicts = claim_verdicts(table)
n_measured = sum(t["verdict"] != "not measured" for t in table)
print(f"{len(table)} rows for {len(verdicts)} claims, {n_measured} "
      f"measured, in {time.perf_counter() - start:.2f} s")

# %% [markdown]
# ## The table
#
# One block per claim: the claim and its verdict on the left, then one line per measurement with the chapter
# that made it (linked), what was compared, the two settings with their 95% intervals, the rule and the line's
# verdict. "a" is the first setting named in the measurement, "b" the second.

# %% tags=["hide-input"]
HTML(to_html(table))

# %% [markdown]
# ## The measured answer

# %% tags=["hide-input"]
groups = {v: [c for c, (w, _) in verdicts.items() if w == v]
          for v in ("holds", "holds with a condition", "fails",
                    "inconclusive", "not measured")}


def names(claims):
    return ", ".join(f"({c})" for c in claims)


scale = ("Fast mode: tiny runs for the tests, not the book's numbers."
         if FAST else "Book scale.")
n = {v: len(c) for v, c in groups.items()}
lines = [f"*{scale}* Of {len(verdicts)} claims, {n['holds']} hold, "
         f"{n['holds with a condition']} hold with a condition, "
         f"{n['fails']} fail, {n['inconclusive']} are inconclusive and "
         f"{n['not measured']} were not measured in this build."]
if groups["holds"]:
    lines.append("- **Hold** on every measurement: "
                 f"{names(groups['holds'])}.")
for c in groups["holds with a condition"]:
    lines.append(f"- **({c}) holds with a condition**: {verdicts[c][1]}.")
if groups["fails"]:
    lines.append(f"- **Fail**: {names(groups['fails'])}. For these the "
                 "measurement went the other way on at least one row, "
                 "with disjoint intervals, and on no row the predicted "
                 "way.")
else:
    lines.append("- No claim fails outright: no claim went the other way "
                 "on every measured row.")
if groups["inconclusive"]:
    lines.append(f"- **Inconclusive**: {names(groups['inconclusive'])}: "
                 "the intervals overlap, so these runs cannot tell the "
                 "settings apart; more seeds or larger effects would.")
if groups["not measured"]:
    lines.append(f"- **Not measured**: {names(groups['not measured'])}: "
                 "their chapters' runs (or study modules) are not in this "
                 "build's cache; run those chapters first.")
against = [t for t in table if t["verdict"] == "fails"]
if against:
    lines.append("\nThe rows that went against their claim:")
    lines += [f"- ({t['claim']}) chapter {t['chapter']}, {t['text']}: "
              f"{t['measurement']}." for t in against]
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
# **2. A looser tolerance.** Claim (e) says the vote at temperature 0 is a no-op. Predict: if the tolerance were
# five times larger, which verdicts in the table could change, and which could not?
#
# :::{admonition} Solution
# :class: dropdown
#
# Only rows that expect *equality* read the tolerance, so only claim (e)'s row "vote at T=0 vs greedy" can change,
# and only from inconclusive or fails towards holds. Every directional row is decided by intervals alone. Try it:
#
# ```python
# import minigpt.verdicts as V
# V.TOLERANCE *= 5
# V.claim_verdicts(V.verdict_table(cache))["e"]
# ```
# :::
#
# **3. More seeds.** Pick an inconclusive row, rerun its chapter's experiment with seeds 0-5 (`sweep(...,
# seeds=range(6))`) and call the study's `verdict_measurements(cache, seeds=range(6))`. Predict first: does the
# interval shrink by about $\sqrt{6/3}$, and is that enough to decide the row?
