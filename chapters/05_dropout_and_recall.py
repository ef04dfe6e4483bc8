# %% [markdown]
# # Dropout and recall
#
# **The claim.** Regularization that helps a model generalize hurts its exact recall of facts. Dropout
# {cite:p}`srivastava2014dropout` zeroes a random share of the activations at every step, so no single unit can be
# relied on; that is what makes it a regularizer, and it is also what a lookup table of facts needs least. The
# "sharp" recipe for a knowledge engine says: little or no dropout, at least late in training.
#
# This chapter tests three parts of that claim on the facts world of chapter 2:
#
# 1. **Frequency.** Does dropout lower the recall of training facts, and for which facts: the ones stated once, or
#    the ones stated a hundred times? Does it only *slow* memorisation (train longer and the gap closes)
#    or does it *cap* what is stored?
# 2. **Late dropout.** Does switching dropout off for the last quarter of training recover what it cost: part of it,
#    or all of it (the recall of no dropout at all)? And dropout on for the first half only, the *early dropout* of
#    {cite:t}`liu2023dropout`? On which probes: completing a training sentence,
#    reciting a trained question (*recitation*), answering a question about a person the model only read about
#    (*extraction*, {cite:t}`allenzhu2023knowledge`), or a new phrasing?
# 3. **Dropout at inference.** Keep dropout on while decoding and ask several times ({term}`Monte Carlo dropout`,
#    {cite:t}`gal2016dropout`). Is a vote better than one answer, and does the disagreement between the passes tell
#    right answers from wrong ones, and people the model knows from people it has never seen?

# %% tags=["remove-cell"]
# colab-install: scripts/notebooks.py writes the Colab install cell here

# %%
import time
from collections import Counter

import matplotlib.pyplot as plt
from IPython.display import HTML, Markdown, display

from minigpt import protocol
from minigpt.plots import html_table, plot_interval_points
from minigpt.runs import ResultCache, fast_mode, summarize, sweep
from minigpt.stats import compare
from minigpt.studies.recall import (
    SCHEDULE_DROPOUT,
    STUDY_RATES,
    bucket_intervals,
    dropout_recall,
    plot_buckets,
    recall_explorer,
    verdict_runs,
)
from minigpt.worlds import FactsConfig, make_facts

FAST = fast_mode()  # MINIGPT_FAST=1: tiny runs, for the notebook tests
WORKERS = 1 if FAST else 2  # fast runs take less than starting a process
# the verdict protocol (chapter 10) fixes the world and the seeds: an
# evaluation world and seeds that no tuning saw (two seeds in fast mode)
PROTOCOL = protocol.study("recall")
SEEDS = PROTOCOL["eval_seeds"]
FIXED = PROTOCOL["fixed"]  # the evaluation world
SCHED_P = SCHEDULE_DROPOUT  # the rate for the schedule comparison (0.3)
# dropout rates of section 1: none, light and heavy (0.2 and 0.5 are on
# the live slider; three rates keep the chapter near its 4 minutes)
RATES = list(STUDY_RATES)
cache = ResultCache()  # finished runs are stored; a rebuild reads them
spec = dropout_recall.spec(**FIXED)
print("fast mode" if FAST else "book scale", "| results cached in",
      cache.root.name)
print(f"{len(SEEDS)} seeds {SEEDS}, world seed {FIXED['world_seed']}")

# %% [markdown]
# ## The world and the model
#
# The facts world states every fact in 1, 2, 4, ..., 128 biography sentences, with as many facts at each level, so
# recall can be measured per level on the same number of facts. Half of the people also have their facts as
# question-and-answer lines in the training text; the other half appear only in biographies. A 2-layer character
# GPT trains on the lines of the text (each line is one row, so every sentence starts where a probe starts), with
# the same dropout rate at every dropout site.

# %%
world = make_facts(FactsConfig(**spec["world"]))
levels = Counter(f.frequency for f in world.cloze)
t, mdl = spec["train"], spec["model"]
n_rows = len(world.train_text.splitlines())
print(f"{len(world.cloze)} facts about {world.config.n_people} people: "
      f"{world.knowledge_bits:.0f} bits")
print("facts per level:", dict(sorted(levels.items())))
print(f"{len(world.bio_lines)} biography sentences, "
      f"{len(world.qa_lines)} Q/A lines")
print(f"model: {mdl['n_layer']} layers, {mdl['n_embd']} wide; "
      f"{t['steps']} steps of {t['batch_size']} lines, "
      f"about {t['steps'] * t['batch_size'] / n_rows:.1f} passes")
print(f"recall measured at step {spec['early_step']} and {t['steps']}")
for split in ("cloze", "recitation", "extraction",
              "heldout_phrasing", "unseen"):
    p = world.split(split)[0]
    print(f"  {split:17} {p.question!r} -> {p.answer!r}")

# %% [markdown]
# ```{admonition} Predict first
# :class: tip
# Write down your guesses before running the next cell.
# 1. Without dropout, what share of the facts stated once does the model complete after the whole run? Of the facts
#    stated 128 times?
# 2. With dropout 0.3, is the curve shifted (the same shape, needing more mentions) or flattened?
# 3. Trained twice as long, does dropout 0.3 catch up with no dropout at the shorter run?
# 4. Switching dropout off for the last 25% of the steps: closer to constant dropout, or to none? And dropout
#    switched on for the first half only?
# 5. With dropout on at inference, is the disagreement between the passes higher for wrong answers?
#
# Then record what you expect the verdict table of chapter 10 to say; it scores your answer
# against this build's verdict.
# ```

# %% tags=["hide-input"]
from minigpt.explore import predict

display(
    predict("ch05-recall",
            "Heavy regularization (dropout here, weight decay and the "
            "capacity runs later): will it hurt the exact recall of facts "
            "(claim b)?", claim="b"),
    predict("ch05-late-dropout",
            "Dropout switched off for the last part of training, or never "
            "switched on: will it recall more than dropout kept on to the "
            "end (claim c)?", claim="c"),
    predict("ch05-inference-dropout",
            "Dropout at inference: will eval mode recall more than a "
            "Monte Carlo dropout pass, and will the passes' disagreement "
            "flag wrong answers and unknown people (claim i)?",
            claim="i"))

# %% [markdown]
# ## 1. Recall against frequency and dropout
#
# One run per dropout rate and seed. Each run measures recall twice: at half the steps and at the end. The learning
# rate is constant after a short {term}`warmup <learning-rate schedule>`, so the model at half the steps *is* the model
# of a run half as long: the
# first measurement compares dropout rates at equal steps, the second at twice the steps. (A quarter of the steps
# was tried first, while the chapter was written: every rate was still at the floor there, so that comparison
# measured nothing.) Every run trains on the same evaluation world, so every seed and every setting is scored on
# the same probes.

# %%
start = time.perf_counter()
# one sweep for this section and the next: the runs the verdict table
# reads (verdict_runs(): no dropout, dropout 0.3, then the late
# schedules) and the chapter's other rates, on the same world and seeds.
# The schedule runs of section 2 go last: each branches off the
# dropout-0.3 run of this section where it switches dropout off (see
# section 2); that run, stored by then, leaves the rest to train
LATE = ("early_only", "off_late")  # the schedules section 2 adds
(_, first), (_, late) = verdict_runs()
shown = {p["dropout"] for p in first}
others = [{**FIXED, "dropout": p, "seed": s}
          for p in RATES if p not in shown for s in SEEDS]
every = sweep(dropout_recall, first + others + late, cache,
              workers=WORKERS)
runs = [r for r in every if r["params"]["schedule"] == "constant"]
by_p = {p: [r for r in runs if r["params"]["dropout"] == p]
        for p in RATES}
print(f"{len(every)} runs in {time.perf_counter() - start:.0f} s "
      f"({sum(r['cached'] for r in every)} from the cache; "
      f"{sum(r['seconds'] for r in every):.0f} s of compute "
      "when they ran)")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.6), sharey=True)
for ax, prefix, when in ((ax1, "early_", spec["early_step"]),
                         (ax2, "", t["steps"])):
    plot_buckets(ax, {f"dropout {p}": bucket_intervals(by_p[p], prefix)
                      for p in RATES},
                 title=f"cloze recall at step {when} "
                       f"(mean of {len(SEEDS)} seeds, 95% band)")
plt.tight_layout()
plt.show()

# %%
summary = {p: summarize(by_p[p]) for p in RATES}


def show(s, metric, spec=".0%"):
    # an interval as text; "n/a" where no seed had the metric (e.g. an
    # AUROC when every answer was wrong)
    return format(s[metric], spec) if metric in s else "n/a"


rows = []
for p in RATES:
    s = summary[p]
    rows.append((p, f"{s['early_recall_cloze']:.0%}",
                 f"{s['recall_cloze']:.0%}",
                 f"{s['final_train_loss'].estimate:.3f}"))
display(HTML(html_table(
    ["dropout", f"cloze recall, step {spec['early_step']}",
     f"cloze recall, step {t['steps']}",
     "final train loss (nats/char)"], rows)))

# %% [markdown]
# ## 2. Dropout late in training
#
# The same rate, on for different parts of the run, at equal total steps: never (*none*, the dropout-0 runs above),
# on for the first half only (*early only*), off for the last 25% of the steps (*off late*), and on throughout
# (*constant*): dropout on for 0%, 50%, 75% and 100% of the steps, all on the same seeds and probes. The knob is
# `TrainConfig(dropout_window=(start, end))`, the fractions of the steps during which dropout is on: `(0, 0.75)` is
# *off late*, `(0, 0.5)` *early only*. *Off late* asks whether a last quarter without dropout recovers what dropout
# cost: part of it (above constant) or all of it (as high as none). *Early only* is the *early dropout* of
# {cite:t}`liu2023dropout`, who switch dropout off after an early phase of training and find that models which
# underfit then reach a lower training loss than without dropout; here it asks whether a longer stretch without
# dropout at the end recovers more. (It switches off at half the steps, where section 1 measures recall anyway;
# Liu et al. tune that point.)
#
# Up to the step where it switches dropout off, an *off late* or *early only* run *is* the constant run. So the
# constant run keeps a snapshot of everything at those two steps (weights, optimizer state, both random streams)
# and trains each schedule's rest from it: the same numbers, bit for bit, as training it from the start (a unit
# test checks that), for a quarter and a half of the steps.

# %%
# the schedule runs came with the sweep of section 1; in the order of
# the share of the steps with dropout on: 0, 50%, 75%, 100%
groups = {"none": by_p[0.0]}
for s in LATE:  # "off_late" -> "off late"
    groups[s.replace("_", " ")] = [r for r in every
                                   if r["params"]["schedule"] == s]
groups["constant"] = by_p[SCHED_P]
probe_sets = {"cloze": "recall_cloze",
              "recitation": "recall_recitation",
              "extraction": "recall_extraction",
              "new phrasing": "recall_heldout_phrasing"}
sched_summary = {g: summarize(rs) for g, rs in groups.items()}

fig, axes = plt.subplots(1, 4, figsize=(10, 3.0), sharey=False)
for ax, (name, metric) in zip(axes, probe_sets.items(), strict=True):
    plot_interval_points(ax, list(groups),
                         [sched_summary[g][metric] for g in groups])
    ax.set_title(name, fontsize=10)
    ax.tick_params(axis="x", labelrotation=45, labelsize=8)
axes[0].set_ylabel("exact recall")
fig.suptitle(f"dropout {SCHED_P}, on for different parts of "
             f"{t['steps']} steps ({len(SEEDS)} seeds, 95% intervals)",
             fontsize=10)
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 3. Dropout at inference
#
# Every model trained with constant dropout is also decoded with its dropout sites on, `mc_passes` times (greedy
# decoding, so each pass differs only by its dropout masks). We score the first pass alone, the {term}`majority vote`,
# and the
# *disagreement*: the share of passes that differ from the majority answer. If disagreement is an uncertainty
# signal, it is higher for the answers that eval mode gets wrong, and higher for people the model never saw. AUROC
# measures that: the chance that a random wrong (or never-seen) probe disagrees more than a random right (or known)
# one; 0.5 is no signal. The number of passes is a sampling parameter: changing it re-decodes the stored models.

# %%
mc_rows = []
for p in RATES[1:]:
    s = summary[p]
    mc_rows.append(
        (p, show(s, "eval_recall_known"), show(s, "mc1_recall_known"),
         show(s, "vote_recall_known"),
         show(s, "auroc_right_wrong", ".2f"),
         show(s, "auroc_known_unseen", ".2f")))
display(HTML(html_table(
    ["dropout", "eval mode", "MC, one pass",
     f"MC, vote of {spec['sample']['mc_passes']}", "AUROC right/wrong",
     "AUROC known/never seen"], mc_rows)))

# %% [markdown]
# ## Explore
#
# Move the dropout rate and its schedule and watch the recall curve; in a live kernel a new setting trains while
# you watch (a few seconds in fast mode, about half a minute at book scale). The static page shows the runs of
# the first evaluation seed computed in this build.

# %% tags=["hide-input"]
explorer = recall_explorer(cache=cache)
explorer.precompute(workers=WORKERS)
explorer

# %% [markdown]
# ## The measured answer

# %% tags=["hide-input"]
none, base = summary[0.0], RATES[1:]
ratio = t["steps"] // spec["early_step"]


def lower(p, metric):
    c = compare(summary[p][metric], none[metric])
    return c.differs and c.difference < 0


early_lower = [p for p in base if lower(p, "early_recall_cloze")]
late_lower = [p for p in base if lower(p, "recall_cloze")]
# do twice the steps with dropout reach no dropout at the shorter run?
caught_up = [p for p in base
             if summary[p]["recall_cloze"].estimate
             >= none["early_recall_cloze"].estimate]
top = max(world.config.mention_levels)
lo = min(world.config.mention_levels)


def level(p, c, prefix=""):
    return summary[p][f"{prefix}cloze_L{c}"]




def rates(ps):
    return " and ".join(map(str, ps))


def recall_at(prefix):
    return ", ".join(
        f"{p}: {summary[p][f'{prefix}recall_cloze'].estimate:.0%}"
        for p in base)


equal = (f"lower with dropout {rates(early_lower)}" if early_lower
         else "not shown lower at any rate")
longer = (f"still lower with {rates(late_lower)}" if late_lower
          else "no rate shown lower")
longer += (f"; {rates(caught_up)} reached no dropout's recall at step "
           f"{spec['early_step']} (at most a {ratio}x slowdown)"
           if caught_up else
           f"; none reached no dropout's recall at step "
           f"{spec['early_step']}")
cs = sched_summary


def cloze(g):
    return cs[g]["recall_cloze"]


const = cloze("constant").estimate
cost = cloze("none").estimate - const
if cost > 0:  # the share of dropout's cost each schedule won back
    back = (f"of the {cost:.0%} constant dropout cost, " + ", ".join(
        f"{g} won back {(cloze(g).estimate - const) / cost:.0%}"
        for g in ("early only", "off late")))
else:
    back = "constant dropout cost no cloze recall here"
off_late = compare(cloze("off late"), cloze("constant")).verdict
mc = summary[RATES[-1]]
auroc = mc.get("auroc_right_wrong")
signal = ("no AUROC (no wrong or no right answers)" if auroc is None
          else f"AUROC {auroc:.2f}: " + (
              "a signal" if auroc.low is not None and auroc.low > 0.5
              else "not shown above 0.5"))
rows = [
    (f"Does dropout lower recall at equal steps ({spec['early_step']})?",
     f"none {none['early_recall_cloze'].estimate:.0%}; "
     f"{recall_at('early_')}", equal),
    (f"And with {ratio}x the steps ({t['steps']})?",
     f"none {none['recall_cloze'].estimate:.0%}; {recall_at('')}",
     longer),
    (f"Does switching dropout {SCHED_P} off late win recall back?",
     ", ".join(f"{g} {cloze(g).estimate:.0%}" for g in groups),
     f"{back}; off late vs constant: {off_late}"),
    (f"Does MC dropout disagreement flag wrong answers (dropout "
     f"{RATES[-1]})?", "eval mode "
     f"{mc['eval_recall_known'].estimate:.0%} (known people)",
     signal),
]
display(HTML(html_table(
    ["question", "recall, mean of seeds", "this build's answer"], rows)),
    Markdown(
    f"For facts stated {top} times, at step {spec['early_step']}: "
    f"{level(0.0, top, 'early_').estimate:.0%} without dropout and "
    f"{level(0.3, top, 'early_').estimate:.0%} with 0.3; for facts "
    f"stated {lo} time, at step {t['steps']}: "
    f"{level(0.0, lo).estimate:.0%} without. "
    "Lower means 95% intervals over seeds disjoint; whether a longer "
    "run would close the gap (a slowdown) or not (a cap), these runs "
    f"cannot say beyond their {t['steps']} steps."
    + (" *(Fast mode: tiny runs, the numbers say little.)*"
       if FAST else "")))

# %% [markdown]
# Chapter 10 reads the same runs under its frozen protocol: every setting was scored on the same probes, so it pairs
# two settings probe by probe and seed by seed, and calls a difference only when its 95% interval clears the
# smallest difference that matters (the row's margin). The takeaway gives its verdicts for this chapter's claims.

# %% tags=["hide-input"]
# this chapter's verdicts; chapter 10 has every chapter's rows
from minigpt.verdict_page import takeaway

takeaway(cache, "recall")

# %% [markdown]
# ## Exercises
#
# **1. Where is the cost?** From the first figure, read for each dropout rate the lowest level at which recall
# passes one half. How many more mentions does dropout 0.1 need than no dropout, at each of the two step counts?
#
# ```{admonition} Solution (computed in this build, from the runs of section 1)
# :class: dropdown
# The hidden cell below reads the figure's own numbers (`bucket_intervals`, the mean over the seeds at each
# level) and prints, for each rate and step count, the first level whose mean recall is above one half, and how
# many times as many mentions dropout 0.1 needs as no dropout. A level is a power of two, so the answer is
# coarse: "twice as many" means one level higher. Where no level passes one half within the world's largest
# level, the cell says so: the cost is then a cap at this step count, not only a delay.
# ```

# %% tags=["hide-input", "hide-output"]
def first_half(runs, prefix):
    # the lowest level whose mean recall over the seeds is above 1/2
    levels, ivs = bucket_intervals(runs, prefix)
    return next((c for c, iv in zip(levels, ivs, strict=True)
                 if iv.estimate > 0.5), None)


for prefix, when in (("early_", spec["early_step"]), ("", t["steps"])):
    at = {p: first_half(by_p[p], prefix) for p in RATES}
    text = ", ".join(f"dropout {p}: " + (f"{c} mentions" if c else
                                         "never")
                     for p, c in at.items())
    print(f"step {when}: recall passes 1/2 at {text}")
    if at[0.0] and at.get(0.1):
        print(f"  dropout 0.1 needs {at[0.1] / at[0.0]:g} times the "
              "mentions of no dropout")
    else:
        print("  no ratio: one of the two never passes 1/2 here")

# %% [markdown]
# **2. Heavier dropout, late.** Section 2 used dropout 0.3. Predict whether, at dropout 0.5, switching it off for
# the last quarter recovers more or less of the cost than at 0.3, and whether 0.5 for the last quarter alone costs
# recall; then run the three schedules over the chapter's world and seeds:
# `sweep(dropout_recall, {"schedule": ["constant", "off_late", "only_late"]}, cache, seeds=SEEDS, dropout=0.5,
# workers=WORKERS, **FIXED)` (one new run per schedule and seed: a few minutes on two cores).
#
# ```{admonition} Solution (a prediction: the runs at 0.5 are not made in this build)
# :class: dropdown
# At 0.5 more of the cost is paid while dropout is on, and a quarter of the steps without it has more to win
# back: we would expect *off late* to recover a larger share of a larger cost, but to stay further below no
# dropout than at 0.3. *Only late* at 0.5 thins the network hard just when the model is sharpening its recall, so we
# would expect it to cost recall, more than at 0.3. The hidden cell below prints what section 2 measured at 0.3, the
# baseline to compare your 0.5 runs with; the runs at 0.5 cost several minutes, more than a solution may spend.
# ```

# %% tags=["hide-input", "hide-output"]
for g, s in sched_summary.items():
    print(f"dropout {SCHED_P if g != 'none' else 0}, {g}: cloze recall "
          f"{s['recall_cloze']:.0%}")

# %% [markdown]
# **3. Only the first block.** `ModelConfig(dropout_schedule=(1.0, 0.0))` keeps dropout in the first block only
# (the model has two) and spares the last. Predict, then run it with `dropout_recall`'s spec as a starting point:
# is recall closer to constant dropout or to none?
#
# ```{admonition} Solution (a prediction, not measured here)
# :class: dropdown
# The last block and the head are where a lookup table of facts is finished: a block without dropout there can
# store the exact value even when the first block's features are thinned, so we would expect recall closer to no
# dropout than to constant dropout. The chapter's per-layer knob is a model setting, not a parameter of
# `dropout_recall`, so this needs your own training code: copy the spec (`dropout_recall.spec(**FIXED)`), build
# the model with `dropout_schedule=(1.0, 0.0)` and train it with the same `TrainConfig`; one run per seed costs
# about what a run of section 1 costs.
# ```
#
# **4. More passes.** `recall_explorer` has `mc_passes` as a control; it re-decodes the stored model without
# training. Does a vote of 16 passes beat eval mode? Why can a vote of greedy MC passes not beat eval mode by much
# when eval mode is the mean network?
#
# ```{admonition} Solution to 4 (a prediction, not measured here)
# :class: dropdown
# Eval mode uses the expected activation of every unit, which is close to what the average of many thinned networks
# computes; the vote picks the most common of their argmax answers. Where the thinned networks mostly agree the two
# coincide; where they disagree the vote is a noisy estimate of the mean network's choice, so with enough passes we
# expect it to approach eval mode from below rather than pass it.
# ```
