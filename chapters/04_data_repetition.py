# %% [markdown]
# # Data repetition: why is dropout 0?
#
# **The question.** Open the configuration of almost any recent language model and the dropout rate is 0. nanoGPT
# {cite}`karpathy2022nanogpt` sets it to 0 with the comment that 0 is good for pre-training; LLaMA
# {cite}`touvron2023llama` lists no dropout among its training settings. "Why is dropout 0?" is asked again and
# again in the trackers of these projects, and the maintainers' answer is the *data regime*: a model that reads a
# huge corpus once has nothing to overfit, so dropout only slows its learning. The advice this book tests says the
# opposite: "during pre-training ... dropout, stochastic depth, noise injection, etc., are crucial".
#
# Chapter 3 cannot decide between them: it tested its regularizers in one regime only, a few dozen stories read
# about 160 times. This chapter holds the training budget fixed (the same steps, batch and window, so the same
# number of characters read) and changes only how many *different* stories those characters come from: all of
# them once, or fewer and fewer of them many times.
#
# **What others found.** Repeating pre-training data degrades a model, and of the usual regularizers only dropout
# reliably helps against it {cite:p}`xue2023repeat`. Up to about 4 passes over the data are nearly as good as fresh
# data, and the returns fall off after that {cite:p}`muennighoff2023scaling`. For reasoning traces the opposite was
# reported: at a fixed number of updates, 128 passes over 400 examples beat one pass over 51,200 by 12 to 26 points
# {cite:p}`kopiczko2026repetition` (exercise 1 tries that on addition).

# %% tags=["remove-cell"]
# colab-install: scripts/notebooks.py writes the Colab install cell here

# %%
import time

import matplotlib.pyplot as plt
from IPython.display import HTML, Markdown, display

from minigpt import plots, protocol
from minigpt.runs import ResultCache, fast_mode
from minigpt.stats import paired_verdict
from minigpt.studies.repetition import (
    PASSES,
    arms,
    dropout_effects,
    paired,
    repeat_stories,
    repetition_explorer,
    repetition_study,
    sizes,
    study_summary,
    where_dropout_pays,
    worlds,
)
from minigpt.studies.sampling import sample_qa
from minigpt.verdicts import verdict_table

FAST = fast_mode()  # MINIGPT_FAST=1: tiny runs, for the notebook tests
WORKERS = 1 if FAST else 2  # fast runs take less than starting a process
cache = ResultCache()  # finished runs are stored; a rebuild reads them
# the book's protocol (chapter 10): the world, seeds, arms and margins
P = protocol.study("repetition")
SEEDS, FIXED = P["eval_seeds"], P["fixed"]
ONE = {"seed": SEEDS[0], **FIXED}  # the one run a section looks at
NONE, DROP = arms()  # "none" and "dropout <rate>", the protocol's
RATE = P["arms"]["dropout"]["dropout"]
ONCE = P["data"]["one pass"]["passes"]
MANY = P["data"]["many passes"]["passes"]
Z = sizes()
print("fast mode" if FAST else "book scale", "| results cached in",
      cache.root.name)
print(f"world seed {FIXED['world_seed']}, seeds {SEEDS}, "
      f"dropout {RATE:g} against none")

# %% [markdown]
# ## One budget, fewer and fewer stories
#
# Every run trains the same 2-layer character GPT for the same number of steps on batches of the same size, so
# every run reads the same number of characters. A fixed pool of stories is generated once; a run at one pass reads
# all of it, a run at 5 passes reads its first fifth five times over, and so on. The held-out stories come from the
# same grammar after the pool, and are the same for every run: **validation** stories draw the curves and choose
# each run's best checkpoint, **test** stories give the held-out loss the verdicts read. Passes are computed, not
# assumed: characters read divided by characters in the training text.

# %%
print(f"every run: {Z['steps']} steps x {Z['batch_size']} windows x "
      f"{Z['block_size']} characters = {Z['tokens']:,} characters read")
for n in PASSES:
    world, test = worlds(repeat_stories.spec(passes=n, **FIXED))
    chars = len(world.train_text)
    print(f"  {len(world.train_stories):>5} stories, {chars:>7,} "
          f"characters: {Z['tokens'] / chars:6.1f} passes")
n_windows = (len(test.val_text) - 1) // Z["block_size"]
print(f"held out: {len(world.val_stories)} validation stories; "
      f"{len(test.val_stories)} test stories, scored as {n_windows} "
      f"windows of {Z['block_size']} characters")

# %% [markdown]
# ## Predict first
#
# Before you run the experiment, write down your guesses.
#
# 1. At one pass, does dropout lower the held-out loss, raise it, or leave it alone? By how much?
# 2. At about 125 passes?
# 3. Without dropout, how much worse is the held-out loss after 125 passes over a few stories than after one pass
#    over many? After 5 passes?
# 4. From how many passes on would you switch dropout on?
#
# Then record what you expect the verdict table of chapter 10 to say; it scores your answer against this build's
# verdict.

# %% tags=["hide-input"]
from minigpt.explore import predict

display(
    predict("ch04-dropout-pretraining",
            "Dropout against none, at one pass over the data and at many "
            "passes: will it lower the held-out loss on every row "
            "(claim l)?", claim="l"),
    predict("ch04-repetition",
            "At the same training budget, will many passes over a few "
            "stories raise the held-out loss against one pass over many "
            "(claim m)?", claim="m"))

# %% [markdown]
# ## The experiment
#
# One call of `repeat_stories` per point: train, evaluate the training and validation loss along the way (keeping
# the weights at the lowest validation loss), then measure the test loss at the last step and at that best
# checkpoint, and sample stories and score every sentence as copied, novel-valid or invalid (as in chapter 3). The
# grid: the four amounts of data above, each without dropout and with dropout at the protocol's rate (chosen on
# the tuning seeds, never on these: `python -m minigpt protocol` says how), each with every evaluation seed.
# Two runs at a time, one per core; after the first build every result comes from the cache.

# %%
explorer = repetition_explorer(cache=cache, **ONE)
start = time.perf_counter()
study = repetition_study(cache, workers=WORKERS)  # the protocol's runs
grid = explorer.precompute(workers=WORKERS)  # the same runs at one seed
everything = [r for by in study.values() for rs in by.values()
              for r in rs]
computed = [r for r in everything if not r["cached"]]
print(f"study: {len(PASSES)} amounts of data x 2 arms x "
      f"{len(SEEDS)} seeds = {len(everything)} runs, {len(computed)} "
      f"computed now ({time.perf_counter() - start:.0f} s)")
if computed:
    seconds = [r["seconds"] for r in computed]
    print(f"per computed run {min(seconds):.0f}-{max(seconds):.0f} s")

# %% [markdown]
# ### One pass and many passes
#
# First the two ends without dropout, at the first seed: the same characters read, from many stories or from a few.

# %%
ends = {ONCE: study[ONCE][NONE][0], MANY: study[MANY][NONE][0]}
with plots.style():
    fig, axes = plt.subplots(1, 2, figsize=(10.5, 3.4), sharey=True,
                             layout="constrained")
    for ax, r in zip(axes, ends.values(), strict=True):
        m = r["metrics"]
        plots.loss_curves(ax, r["history"])
        ax.axvline(m["best_val_step"], color="grey", linestyle=":",
                   linewidth=1)
        ax.set_title(f"{m['n_stories']} stories, {m['passes']:.0f} "
                     f"passes: gap {m['gap']:+.2f}", fontsize=11)
    plt.show()
for r in ends.values():
    m = r["metrics"]
    print(f"{m['passes']:5.1f} passes: train {m['final_train_loss']:.2f}, "
          f"validation {m['final_val_loss']:.2f} (lowest "
          f"{m['best_val_loss']:.2f} at step {m['best_val_step']}), "
          f"test {m['test_loss']:.2f} nats/character")
    print(f"{'':13}copied {m['copied']:.0%}, novel-valid "
          f"{m['novel']:.0%}, invalid {m['invalid']:.0%} of "
          f"{m['n_sentences']} sentences")

# %% [markdown]
# The dotted line marks the step of the lowest validation loss, where each run's best checkpoint was kept. Compare
# with your guesses. A model that reads every story once has nothing to memorize: if its validation loss is still
# falling at the last step, it is limited by the budget, not by the data, and a regularizer can only slow it down.
# A model that reads a few stories over and over can spend the same budget memorizing them: a widening gap and a
# validation curve that turns up are what that looks like.
#
# ## Explore
#
# The slider moves along the amount of data on a log scale: passes over the training stories at the same budget.
# In a running notebook each new setting trains a fresh model in the background (the curves stream in, the samples
# are scored when it ends); moving a slider again cancels the run in flight, and settings already computed come
# back from the cache at once. The live slider has more stops (2, 10, 50 and 250 passes) than the study. In the
# static book the sliders step through the study's own runs at the first seed.

# %%
explorer

# %% [markdown]
# ## The measured answer
#
# The test loss of every setting, the mean over the evaluation seeds with its 95% interval over seeds: at the last
# step, and at each run's own lowest validation loss (early stopping, chosen on the validation stories).

# %%
summary = study_summary(study)
xs = list(PASSES)
COLORS = {NONE: plots.COLORS["train"], DROP: plots.COLORS["val"]}
WHERE = {"test_loss": "at the last step",
         "best_test_loss": "at the lowest validation loss"}
with plots.style():
    fig, axes = plt.subplots(1, 2, figsize=(10.5, 3.6), sharey=True,
                             layout="constrained")
    for ax, (key, title) in zip(axes, WHERE.items(), strict=True):
        for label in (NONE, DROP):
            plots.plot_band(ax, xs, [summary[n][label][key] for n in xs],
                            label=label, color=COLORS[label])
        ax.set_xscale("log")
        ax.set_xlabel("passes over the training stories (nominal)")
        ax.set_title(f"test loss {title}", fontsize=11)
    axes[0].set_ylabel("nats per character\n"
                       f"(mean of {len(SEEDS)} seeds, 95% interval)")
    axes[1].legend(fontsize=9)
    plt.show()


# %%
def cell(iv, fmt=".2f"):
    return (f"{iv.estimate:{fmt}}<br><small>[{iv.low:{fmt}}, "
            f"{iv.high:{fmt}}]</small>")


COLUMNS = {"final_train_loss": "train loss", "final_val_loss": "val loss",
           "gap": "gap", "test_loss": "test loss",
           "best_test_loss": "test loss at best val",
           "copied": "copied", "novel": "novel-valid",
           "invalid": "invalid"}
head = "".join(f"<th>{c}</th>" for c in
               ["passes", "stories", "arm", *COLUMNS.values()])
body = ""
for n in xs:
    for label in (NONE, DROP):
        x = summary[n][label]
        tds = [cell(x[k], ".0%" if k in ("copied", "novel", "invalid")
                    else ".2f") for k in COLUMNS]
        body += (f"<tr><td>{x['passes'].estimate:.1f}</td>"
                 f"<td>{x['n_stories'].estimate:.0f}</td><td>{label}</td>"
                 + "".join(f"<td>{v}</td>" for v in tds) + "</tr>")
# small print, and a scroll bar where the column is still too narrow
display(HTML('<div style="overflow-x:auto"><table style="font-size:0.8em">'
             f"<tr>{head}</tr>{body}</table></div>"))

# %% [markdown]
# The intervals above are over seeds. The comparisons below are sharper: every run of a seed is scored on the same
# test windows, so each difference is paired by seed and by window (the crossed interval of chapter 10), and it is
# read against the protocol's margin, the smallest difference in held-out loss that would matter.

# %% tags=["hide-input"]
MARGIN = protocol.margin("repetition", "test_loss")


def diff(v):
    return (f"{v.estimate:+.3f} [{v.low:+.3f}, {v.high:+.3f}]"
            if v.low is not None else f"{v.estimate:+.3f} (no interval)")


effects = {key: dropout_effects(study, key) for key in WHERE}
real = {n: summary[n][NONE]["passes"].estimate for n in xs}  # computed
lines = [f"Dropout {RATE:g} minus none, test loss in nats per "
         f"character (margin {MARGIN:g}):", ""]
for n in xs:
    lines.append(f"- **{real[n]:.1f} passes**: " + "; ".join(
        f"{WHERE[k]} {diff(effects[k][n])}, **{effects[k][n].verdict}**"
        for k in WHERE))
pays = where_dropout_pays(effects["test_loss"])
pays_best = where_dropout_pays(effects["best_test_loss"])
lines.append("")
lines.append(
    "Dropout pays (its effect beyond the margin, in its favour) at the "
    "last step from "
    + (f"**{real[pays]:.1f} passes** on" if pays is not None
       else "**none** of these amounts of data")
    + "; against early stopping (each at its lowest validation loss) "
    + (f"from **{real[pays_best]:.1f} passes** on."
       if pays_best is not None
       else "at **none** of them."))
repeat = paired(study[MANY][NONE], study[ONCE][NONE], "test_loss",
                "higher")
few = paired(study[PASSES[1]][NONE], study[ONCE][NONE], "test_loss",
             "equal")
lines.append("")
lines.append(
    f"Without dropout, {real[MANY]:.0f} passes minus one pass: "
    f"{diff(repeat)} "
    f"(**{repeat.verdict}** for 'repeating raises the held-out loss'). "
    f"{real[PASSES[1]]:.1f} passes minus one pass: {diff(few)}, which is "
    + {"holds": "within the margin: as good as fresh data here",
       "fails": "outside the margin",
       "inconclusive": "neither within nor shown outside the margin"
       }[few.verdict]
    + (" (better than one pass: at this budget one pass leaves the "
       "model undertrained)" if few.high is not None and few.high < 0
       else "") + ".")
if FAST:
    lines.append("\n*(Fast mode: tiny runs, the numbers say little.)*")
display(Markdown("\n".join(lines)))

# %% [markdown]
# **Why is dropout 0 in big models?** The answer this build's numbers give, in one sentence:

# %% tags=["hide-input"]
table = verdict_table(cache, studies=["repetition"])
once, many = effects["test_loss"][ONCE], effects["test_loss"][MANY]
said = {"holds": "lowered the held-out loss",
        "fails": "raised the held-out loss",
        "negligible": "changed the held-out loss by less than the margin",
        "inconclusive": "did not change the held-out loss measurably"}


def effect(v):
    return f"{said[v.verdict]} ({diff(v)} nats per character)"


if once.verdict in ("fails", "negligible") and many.verdict == "holds":
    why = ("so the data-regime answer holds here: dropout pays only when "
           f"the data is repeated (from {real[pays]:.1f} passes on in "
           "this grid), and a model that reads its data once has nothing "
           "for it to fix")
elif once.verdict in ("fails", "negligible"):
    why = ("so at one pass dropout does not pay, reason enough to set it "
           "to 0 there, but this build could not show it paying when the "
           "data is repeated either")
elif once.verdict == "holds":
    why = ("so the data-regime answer fails here: dropout helped even "
           "when every story was read once")
else:
    why = ("so this build cannot tell whether dropout hurts at one pass: "
           "it does not answer the question")
l_verdict = [t for t in table if t["claim"] == "l"][0]["claim_verdict"]
display(Markdown(
    f"At a fixed budget, dropout {RATE:g} {effect(once)} at one pass and "
    f"{effect(many)} at {real[MANY]:.0f} passes, {why} (claim (l), "
    f"'dropout is crucial in pre-training': **{l_verdict}**)."
    + (" *(Fast mode: tiny runs; the sentence says little.)*"
       if FAST else "")))

# %% [markdown]
# Chapter 10 judges two claims from these same runs: **(l)** dropout is crucial in pre-training, with dropout
# against none at one pass and at many passes (there also each at its lowest validation loss), the held-out loss
# expected lower; **(m)** repeating data at a fixed budget raises the held-out loss, with many passes against one
# pass without dropout. Its rows are paired comparisons like those above, combined into each claim's verdict by the
# rule of chapter 10; the takeaway gives those verdicts.

# %% tags=["hide-input"]
# this chapter's verdicts; chapter 10 has every chapter's rows
from minigpt.verdict_page import takeaway

takeaway(cache, "repetition")

# %% [markdown]
# ## Exercises
#
# **1. The reasoning counterpart.** {cite:t}`kopiczko2026repetition` found that for chain-of-thought fine-tuning,
# 128 passes over a few examples beat one pass over many at the same number of updates. Try it on 2-digit
# addition: `sample_qa(world="addition", n_train=..., steps=...)` trains on `n_train` problems with batches of 32,
# so `steps` x 32 rows is the budget. Compare one pass over `steps * 32` problems with 128 passes over
# `steps * 32 // 128`. Predict first: which gets more unseen sums right?
#
# :::{admonition} Solution (run in this build, at a small scale)
# :class: dropdown
#
# ```python
# steps = 40 if FAST else 200
# for passes in (1, 128):
#     n = steps * 32 // passes
#     r = cache.run(sample_qa, world="addition", n_train=n, steps=steps,
#                   **ONE)
# ```
#
# The hidden cell below prints the test accuracy (500 unseen sums at book scale) of one seed. Kopiczko et al.
# fine-tuned pretrained models on long reasoning traces, whose format the model must learn before anything else; a
# small model trained from scratch on direct answers has no such format to learn, so memorizing a few problems may
# be all that 128 passes buy it. One seed at a small scale: read it as a hint, not a verdict.
# :::

# %% tags=["hide-input", "hide-output"]
steps = 40 if FAST else 200
for passes in (1, 128):
    n = steps * 32 // passes
    r = cache.run(sample_qa, world="addition", n_train=n, steps=steps,
                  **ONE)
    m = r["metrics"]
    print(f"{passes:>3} passes over {n:>4} problems ({steps} steps): test "
          f"accuracy {m['accuracy']:.1%} of {m['n']}")

# %% [markdown]
# **2. Early stopping or dropout?** At many passes, compare the model without dropout stopped at its lowest
# validation loss with the dropout model at the last step. Which one would you ship?
#
# :::{admonition} Solution (computed in this build)
# :class: dropdown
#
# Both numbers are in the study already: `best_test_loss` of the runs without dropout and `test_loss` of the runs
# with it. The hidden cell below compares them, paired by seed and test window as above. Early stopping costs
# nothing but a validation set; dropout costs slower learning.
# :::

# %% tags=["hide-input", "hide-output"]
v = paired_verdict(
    [r["items"]["test_loss"] for r in study[MANY][DROP]],
    [r["items"]["best_test_loss"] for r in study[MANY][NONE]],
    expect="lower", margin=MARGIN)
print(f"{real[MANY]:.0f} passes: dropout {RATE:g} at the last step minus "
      f"none at its lowest validation loss: {diff(v)} nats ({v.verdict})")

# %% [markdown]
# **3. Temperature.** The samples above were drawn at temperature 0.5. Re-sample the runs without dropout at one
# pass and at many passes at temperature 0.8 (chapter 3's). Only sampling changes: the stored models are re-used.
#
# :::{admonition} Solution (run in this build)
# :class: dropdown
#
# ```python
# for n in (ONCE, MANY):
#     x = cache.run(repeat_stories, passes=n, temperature=0.8, **ONE)
# ```
#
# The hidden cell below prints the shares at both temperatures, one seed. A model that memorized a few stories
# puts most of its probability on their sentences, so one would expect a lower temperature to copy more of them;
# the numbers say whether it did here.
# :::

# %% tags=["hide-input", "hide-output"]
for n in (ONCE, MANY):
    for temp in (0.5, 0.8):
        x = cache.run(repeat_stories, passes=n, temperature=temp,
                      **ONE)["metrics"]
        print(f"{x['passes']:5.1f} passes, temperature {temp}: copied "
              f"{x['copied']:.0%}, novel-valid {x['novel']:.0%}, invalid "
              f"{x['invalid']:.0%}")
