# %% [markdown]
# # Overfitting, live
#
# **The question.** Train a small GPT for many epochs on a small set of stories. Does it learn the grammar that wrote
# them, or the sentences themselves? And which of the usual regularizers (dropout,
# {term}`weight decay <weight decay (decoupled)>`, {term}`embedding noise <embedding noise (NEFTune)>`,
# {term}`stochastic depth`) moves it from copying towards writing new sentences that are still grammatical?
#
# Overfitting is usually shown with two curves: the training loss keeps falling while the validation loss turns up, and
# the {term}`generalization gap`
#
# $$\Delta = L_\text{val} - L_\text{train}$$
#
# grows. A network large enough can drive its training loss to zero on anything, even on random labels
# {cite}`zhang2017understanding`; the gap says that it did, not what it learned instead of the rule. The stories world of
# chapter 2 lets us look under the curves. Every sentence the model writes can be parsed by the grammar and looked up in
# the training set, so we can *count* what the model does:
#
# - **copied**: the sentence is in the training set, word for word;
# - **novel-valid**: the grammar accepts it and it is not in the training set (the model wrote something new and right);
# - **invalid**: the grammar rejects it.

# %% tags=["remove-cell"]
# colab-install: scripts/notebooks.py writes the Colab install cell here

# %%
import time

import matplotlib.pyplot as plt
from IPython.display import HTML, Markdown, display
from scipy import stats as st

from minigpt import plots, protocol
from minigpt.runs import ResultCache, fast_mode
from minigpt.stats import SHARE, compare, mean_interval
from minigpt.studies.overfitting import (
    REGULARIZERS,
    overfit_stories,
    overfitting_explorer,
    regularizer_study,
    study_summary,
    study_view,
)
from minigpt.worlds.stories import (
    StoriesConfig,
    language_size,
    make_stories,
    split_sentences,
)

FAST = fast_mode()  # MINIGPT_FAST=1: tiny runs, for the notebook tests
WORKERS = 1 if FAST else 2  # fast runs take less than starting a process
# finished runs are stored on disk; a second build reads them back
cache = ResultCache()
# the book's protocol (chapter 10): the world and seeds each study run uses
P = protocol.study("overfitting")
SEEDS, FIXED = P["eval_seeds"], P["fixed"]
ONE = {"seed": SEEDS[0], **FIXED}  # the one run a section looks at
spec = overfit_stories.spec(**FIXED)  # every setting of a run, as data
print("fast mode" if FAST else "book scale", "| results cached in",
      cache.root.name)
print(f"world seed {FIXED['world_seed']}, seeds {SEEDS}")

# %% [markdown]
# ## The data: a small story set, many passes
#
# `overfit_stories` generates a small stories world: a few dozen stories of 3 to 5 sentences for training, and fresh
# stories from the same grammar for validation. A 2-layer, 64-wide character-level GPT (the model of chapter 1) then
# trains on the training text for many passes, with a 32-character window.

# %%
world = make_stories(StoriesConfig(**spec["world"]))
n_chars = len(world.train_text)
t, mdl = spec["train"], spec["model"]
passes = t["steps"] * t["batch_size"] * mdl["block_size"] / n_chars
print(f"{len(world.train_stories)} training stories: "
      f"{len(world.train_sentences)} distinct sentences, "
      f"{n_chars} characters")
print(f"the grammar can write {language_size():,} distinct sentences")
print(f"training: {t['steps']} steps x {t['batch_size']} windows "
      f"x {mdl['block_size']} characters")
print(f"        = about {passes:.0f} passes over the training text")
print("\na training story:\n ", "\n  ".join(world.train_stories[0]))

# %% [markdown]
# ## Predict first
#
# Before you run the experiment, write down your guesses.
#
# 1. After that many passes, is the validation loss still falling, flat, or rising?
# 2. The unregularized model samples stories at temperature 0.8. What share of its sentences is copied from the training
#    set, what share is novel and valid, what share is invalid?
# 3. Dropout 0.1 on every dropout site: more novel-valid sentences than no dropout, or fewer? More invalid ones?
# 4. Does your answer to 3 change if each model is stopped at its own lowest validation loss?
#
# Then record what you expect the verdict table of chapter 10 to say; it scores your answer
# against this build's verdict.

# %% tags=["hide-input"]
from minigpt.explore import predict

predict("ch03-regularizers",
        "Dropout, embedding noise and stochastic depth, each against no "
        "regularizer: will each raise the share of novel, valid sentences "
        "and lower the invalid share (claim a)?", claim="a")

# %% [markdown]
# ## The experiment
#
# Each point of this chapter is one call of `overfit_stories`: train with the given regularizers, evaluate train and
# validation loss at regular steps along the way, then sample stories and score every complete sentence (the next cell
# prints the exact numbers). Every run uses the evaluation world and seeds of the book's protocol (chapter 10): a
# world and seeds that none of the settings was chosen on. Two sets of runs, two at a time, one per core:
#
# - the explorer's grid (dropout 0 and 0.1, each without and with weight decay), at the first seed, to look at;
# - the study that the measured answer rests on: no regularization and **one setting of dropout, embedding
#   noise and stochastic depth**, chosen before the runs (a common default of each), each with every evaluation
#   seed (the next cell prints how many), and each of those runs once more, stopped at its own lowest
#   validation loss. Weight decay is in the grid only: whether it helps is chapter 6's question, measured over
#   seeds there.
#
# After the first build, every result comes from the cache.

# %%
explorer = overfitting_explorer(cache=cache, **ONE)
print(f"each run: evaluate every {t['eval_interval']} steps, then sample "
      f"{spec['sample']['n']} stories of up to "
      f"{spec['sample']['max_new_tokens']} characters at temperature "
      f"{spec['sample']['temperature']:g}")
print(f"explorer grid: dropout {explorer.static_grid['dropout']} "
      f"x weight decay {explorer.static_grid['weight_decay']}")
start = time.perf_counter()
grid = explorer.precompute(workers=WORKERS)
runs = {(r["params"]["dropout"], r["params"]["weight_decay"]): r
        for r in grid}
study = regularizer_study(cache, workers=WORKERS)  # the protocol's runs
everything = grid + [r for by in study.values() for rs in by.values()
                     for r in rs]
computed = {r["key"]: r for r in everything if not r["cached"]}
print(f"study: {len(REGULARIZERS)} settings x {len(SEEDS)} seeds, "
      "each at its last step and at its lowest validation loss")
print(f"{len({r['key'] for r in everything})} distinct runs: "
      f"{len(computed)} computed now, the rest from the cache "
      f"({time.perf_counter() - start:.0f} s)")
if computed:
    seconds = [r["seconds"] for r in computed.values()]
    print(f"per computed run {min(seconds):.0f}-{max(seconds):.0f} s")

# %% [markdown]
# ### No regularization
#
# First the plain model: no dropout, no weight decay, no noise.

# %%
base = runs[0.0, 0.0]  # the first seed
m = base["metrics"]
with plots.style():
    fig, ax = plt.subplots(figsize=(6.4, 3.0))
    plots.loss_curves(ax, base["history"])
    ax.axvline(m["best_val_step"], color="grey", linestyle=":",
               linewidth=1)
    ax.set_title("no regularization: train and validation loss")
    plt.show()
print(f"final train loss {m['final_train_loss']:.2f}, "
      f"validation loss {m['final_val_loss']:.2f} nats/character: "
      f"gap {m['gap']:.2f}")
trend = ("then rose" if m["best_val_step"] < t["steps"]
         else "and was still falling at the end")
print(f"validation loss was lowest ({m['best_val_loss']:.2f}) "
      f"at step {m['best_val_step']} {trend}")

# %% [markdown]
# The dotted line marks the step of the lowest validation loss. What happened after it? Read the samples, each sentence
# with its score:

# %%
for story in base["samples"][:3]:
    for sentence in split_sentences(story):
        print(f"  {plots.KIND_LABELS[world.classify(sentence)]:>11}  "
              f"{sentence}")
    print()
print(f"all {m['n_sentences']} sampled sentences (seed {SEEDS[0]}): "
      f"copied {m['copied']:.0%}, novel-valid {m['novel']:.0%}, "
      f"invalid {m['invalid']:.0%}")

# The baseline: a perfect model of the story distribution, writing fresh
# stories, also writes some training sentences.
fresh = make_stories(StoriesConfig(n_stories=500, n_val_stories=0,
                                   seed=123))
fresh = [x for story in fresh.train_stories for x in story]
perfect_copied = (sum(world.classify(x) == "copied" for x in fresh)
                  / len(fresh))
print("a perfect sampler of the story distribution would copy "
      f"{perfect_copied:.1%} of its {len(fresh)} sentences;")
print(f"this model copies {m['copied']:.0%} "
      f"({m['distinct']} distinct sentences in {m['n_sentences']})")

# %% [markdown]
# Compare with your guesses. A model that had learned only the grammar would copy a training sentence only as often
# as the perfect sampler above does (short, common sentences recur by chance); copying well beyond that rate is what
# memorization looks like from the outside. A training loss that keeps falling while the validation loss rises is the
# same thing seen through the loss: the model spends its capacity on the particular sentences it saw, and becomes *more*
# surprised by new ones.
#
# ## Four regularizers
#
# Each of these is one field of `ModelConfig` or `TrainConfig`, off by default (`src/minigpt/model.py` names every
# site where they act).
#
# - **Dropout** {cite:p}`srivastava2014dropout` zeroes a random fraction $p$ of activations during training (on the
#   embeddings, the attention probabilities and each residual branch) and scales the rest by $1/(1-p)$. No unit can rely
#   on one other unit being there, which makes memorizing exact strings harder.
# - **Weight decay** {cite:p}`loshchilov2019decoupled` shrinks every weight matrix except the embeddings (and so the
#   output layer, which shares the token embedding) by a factor $(1 - \eta\lambda)$ each step, so a weight the loss
#   does not keep pushing decays with a timescale of about $1/(\eta\lambda)$ steps. The learning rate $\eta$ falls
#   tenfold along the cosine schedule, so late in training that timescale is ten times longer.
# - **Embedding noise** (NEFTune {cite:p}`jain2023neftune`, proposed for instruction fine-tuning) adds uniform noise of
#   size $\alpha/\sqrt{T C}$ to the token embeddings during training.
# - **Stochastic depth** {cite:p}`huang2016deep` skips whole residual branches at random during training, more often in
#   deeper blocks.
#
# Dropout, noise and stochastic depth act only during training: sampling runs the full, noise-free network. Weight
# decay changes the weights themselves.

# %%
print(f"learning rate {t['lr']:g}, {t['steps']} steps")
for wd in explorer.controls["weight_decay"][1:]:
    print(f"weight decay {wd:g}: timescale 1/(lr*wd) = "
          f"{1 / (t['lr'] * wd):.0f} steps at the peak learning rate, "
          f"{10 / (t['lr'] * wd):.0f} at the end")

# %% [markdown]
# ## Explore
#
# Move the sliders. In a running notebook (Jupyter or Voila) each new setting trains a fresh model in a background
# thread, the curves stream in as it trains, and its samples are scored when it ends; moving a slider again cancels the
# run in flight, **Stop** keeps what was trained so far, and any setting already computed comes back from the cache at
# once. In the static book, the sliders step through the runs computed when the page was built, one seed each:
# dropout and weight decay (weight decay is measured over seeds in chapter 6). The second view steps through the
# study's four settings, embedding noise and stochastic depth among them, at the first seed: the same runs the
# measured answer below reads, so it costs no training.

# %%
explorer

# %%
study_view(explorer, study)

# %% [markdown]
# ## The measured answer
#
# The study: each regularizer against none, over the {term}`evaluation seeds`. A seed sets the initialization, the
# batches,
# the dropout masks and noise, and the sampling. Every share below is the mean over seeds of one run's share, with a
# 95% Student {term}`t interval` over the seeds. Sentences of one sampled story are not independent (they share a
# character and a
# context), and neither are the stories of one run; taking one number per seed puts all of that inside the spread
# between seeds, which is the honest unit here.
#
# Each setting is measured at two checkpoints:
#
# - **last step**: after all the training steps, the same for every setting;
# - **best validation**: the same run stopped at the step of its lowest validation loss (`stop_at="best_val"`,
#   selected on the validation stories). The full run
#   keeps a copy of its weights at every new lowest validation loss, so the stopped run costs only its sampling (a
#   test checks that it is, bit for bit, what training with `stop_at` gives). A regularizer that slows fitting reaches
#   its best late; one that memorizes early reaches it early. At its own best checkpoint each setting is measured
#   where it generalizes best, so what is left of a difference is not "not yet trained" against "trained too long".
#
# Copied sentences are valid by construction, so a model that copies less writes a larger invalid share even if it
# is no worse at the grammar. The table therefore also gives **novel among new**: novel-valid sentences as a share of
# the sentences that are not copies, and how many *different* novel-valid sentences were written.

# %% tags=["hide-input"]
summary = study_summary(study)
labels = list(REGULARIZERS)
KINDS = ("copied", "novel", "invalid")
MARKERS = {"copied": "s", "novel": "o", "invalid": "^"}
CHECKPOINTS = {"final": "at the last step",
               "best_val": "at its lowest validation loss"}
with plots.style():
    fig, axes = plt.subplots(1, 2, figsize=(10.5, 4.2), sharey=True,
                             layout="constrained")
    for ax, (ckpt, title) in zip(axes, CHECKPOINTS.items(), strict=True):
        for i, kind in enumerate(KINDS):
            plots.plot_interval_points(
                ax, labels, [summary[x][ckpt][kind] for x in labels],
                offset=(i - 1) * 0.22, color=plots.COLORS[kind],
                marker=MARKERS[kind], label=plots.KIND_LABELS[kind])
        ax.set_title(f"each setting {title}", fontsize=12)
        ax.set_ylim(0, 1)
        ax.tick_params(axis="x", labelsize=10, rotation=20)
        ax.tick_params(axis="y", labelsize=10)
    axes[0].set_ylabel("share of sampled sentences\n"
                       f"(mean of {len(SEEDS)} seeds, 95% interval)",
                       fontsize=11)
    axes[1].legend(fontsize=10, loc="upper right")
    plt.show()


# %% tags=["hide-input"]
def cell(iv, pct=True):
    if pct:
        return (f"{iv.estimate:.0%}<br><small>[{iv.low:.0%}, "
                f"{iv.high:.0%}]</small>")
    return (f"{iv.estimate:.2f}<br><small>[{iv.low:.2f}, "
            f"{iv.high:.2f}]</small>")


COLUMNS = {"final_train_loss": "train loss", "final_val_loss": "val loss",
           "copied": "copied", "novel": "novel-valid",
           "invalid": "invalid", "novel_of_new": "novel among new",
           "distinct_novel": "distinct novel-valid"}
head = "".join(f"<th>{c}</th>" for c in
               ["setting", "checkpoint", "step", *COLUMNS.values()])
body = ""
for label in labels:
    for ckpt in CHECKPOINTS:
        x = summary[label][ckpt]
        steps = [r["history"]["eval_step"][-1]
                 for r in study[label][ckpt]]
        tds = [cell(x[k], pct=k in KINDS or k == "novel_of_new")
               if k != "distinct_novel" else f"{x[k].estimate:.0f}"
               for k in COLUMNS]
        body += (f"<tr><td>{label}</td><td>{ckpt.replace('_', ' ')}</td>"
                 f"<td>{', '.join(map(str, steps))}</td>"
                 + "".join(f"<td>{v}</td>" for v in tds) + "</tr>")
display(HTML("<details><summary>Every number of the study: each "
             "setting at both checkpoints, with its 95% interval "
             f"over {len(SEEDS)} seeds</summary>"
             '<div style="overflow-x:auto">'
             f'<table style="font-size:0.8em"><tr>{head}</tr>{body}'
             "</table></div></details>"))

# %% tags=["hide-input"]
none = summary["none"]


def verdict(label, ckpt, metric):
    return compare(summary[label][ckpt][metric], none[ckpt][metric],
                   labels=(label, "none"))


def pct(iv):
    return f"{iv.estimate:.0%} [{iv.low:.0%}, {iv.high:.0%}]"


f0, b0 = none["final"], none["best_val"]


def effect(label):
    # what a regularizer did at the last step, from disjoint intervals
    v = {k: verdict(label, "final", k).verdict for k in KINDS}
    if v["copied"] == "lower" and v["novel"] == "higher":
        return "turned copies into novel-valid sentences"
    if v["copied"] == "lower" and v["invalid"] == "higher":
        return "cut copying; the copies became invalid sentences"
    if v["copied"] == "lower":
        return "cut copying"
    if v["novel"] == "higher":
        return "raised the novel-valid share"
    return "nothing these intervals can show"


def novel_of_new(label):
    x = summary[label]["best_val"]["novel_of_new"]
    c = verdict(label, "best_val", "novel_of_new").verdict
    word = {"higher": "higher", "lower": "lower"}.get(c, "overlaps")
    return f"{x.estimate:.0%} ({word})"


table = [("none", f"copied {f0['copied'].estimate:.0%}",
          f"{b0['novel_of_new'].estimate:.0%}",
          f"{f0['final_train_loss'].estimate:.2f} nats")]
for label in labels[1:]:
    gap = (summary[label]["final"]["final_train_loss"].estimate
           - f0["final_train_loss"].estimate)
    table.append((label, effect(label), novel_of_new(label),
                  f"{gap:+.2f}"))
text = [
    f"The plain model copies {f0['copied'].estimate:.0%} of its "
    f"sentences at the last step, where a perfect sampler of the story "
    f"distribution would copy {perfect_copied:.0%}. "]
slow = [x for x in labels[1:]
        if summary[x]["final"]["final_train_loss"].estimate
        > f0["final_train_loss"].estimate + 0.1]
if slow:
    text.append(
        f"Part of each effect is slower fitting: {', '.join(slow)} "
        "ended more than 0.1 nats of training loss above the plain "
        "model. ")
if compare(b0["invalid"], f0["invalid"]).verdict == "higher":
    text.append(
        "Stopping at the lowest validation loss does not rescue the "
        "plain model: there it writes "
        f"{b0['invalid'].estimate:.0%} invalid sentences against "
        f"{f0['invalid'].estimate:.0%} at the last step, so a "
        "loss-based early stop and the sentence-level measure disagree. ")
text.append(f"(Higher, lower: 95% intervals over {len(SEEDS)} seeds "
            "disjoint; an overlap means not shown to differ, not the "
            "same.)")
if FAST:
    text.append(" *(Fast mode: tiny runs, the numbers say little.)*")
display(HTML(plots.html_table(
    ["against none", "at the last step",
     "novel among new, at its lowest validation loss",
     "train loss vs none"], table)), Markdown("".join(text)))

# %% [markdown]
# Chapter 10 judges the claim that dropout, embedding noise and stochastic depth help a model write novel, valid
# text from these same runs. Its rows compare each regularizer with none, seed by seed, against a margin fixed
# before the runs: at the best-validation checkpoint, more novel-valid sentences among those that are not copies
# and more distinct novel-valid sentences; at the last step, a higher novel-valid and a lower invalid share. The
# takeaway at the end of this chapter gives their verdicts.
#
# The curves and the samples can disagree, and that is the lesson of this chapter. Validation loss averages over every
# character, and a model that hedges between a few likely next characters is rarely punished much; a sentence is valid
# only if *every* character is right. So the run with the lowest validation loss need not write the best sentences.
# Choose a regularizer by the measure you care about, here the share of novel valid sentences, measure it at a
# comparable point of training, and over seeds.

# %% tags=["hide-input"]
# this chapter's verdicts; chapter 10 has every chapter's rows
from minigpt.verdict_page import takeaway

takeaway(cache, "overfitting")

# %% [markdown]
# ## Exercises
#
# **1. Early stopping by a shorter schedule.** The study stopped each run at its lowest validation loss, with the
# learning-rate schedule of the full run. Retrain the plain model with `steps` set to that step instead (the cosine
# schedule then decays over the shorter run). Is it the same model? Which writes more novel-valid sentences?
#
# :::{admonition} Solution (run in this build)
# :class: dropdown
#
# ```python
# best = base["metrics"]["best_val_step"]
# short = cache.run(overfit_stories, steps=best, **ONE)["metrics"]
# stopped = cache.run(overfit_stories, stop_at=best, **ONE)["metrics"]
# ```
#
# The measured numbers are printed by the (hidden) cell below. It is not the same model: the shorter schedule lowers
# the learning rate sooner, so its weights at the last step have been annealed, while the stopped run is still at a
# high learning rate. One seed: read the difference as a hint, not a verdict.
# :::

# %% tags=["hide-input", "hide-output"]
best = base["metrics"]["best_val_step"]
short = cache.run(overfit_stories, steps=best, **ONE)["metrics"]
stopped = cache.run(overfit_stories, stop_at=best,
                    **ONE)["metrics"] if best < t["steps"] else m
for name, x in (("shorter schedule", short), ("stopped run", stopped)):
    print(f"{name:>16} ({best} steps, seed {SEEDS[0]}): train "
          f"{x['final_train_loss']:.2f}, val {x['final_val_loss']:.2f}; "
          f"copied {x['copied']:.0%}, novel {x['novel']:.0%}, "
          f"invalid {x['invalid']:.0%}")

# %% [markdown]
# **2. Temperature.** Sample the plain model at temperature 0.5 and 1.0 instead of 0.8. Which share moves most?
# Predict before you run.
#
# :::{admonition} Solution (run in this build)
# :class: dropdown
#
# `temperature` only changes the sampling: the trained model is stored once (keyed by its training settings), so
# each new temperature re-samples it in a fraction of a second instead of training again:
#
# ```python
# for temp in (0.5, 0.8, 1.0):
#     x = cache.run(overfit_stories, temperature=temp, **ONE)["metrics"]
# ```
#
# The hidden cell below prints what this build measured, over the study's seeds. A memorizing model puts most of
# its probability on the continuation of a training sentence, so one would predict that a lower temperature copies
# more and makes fewer errors; the numbers below say whether it did here. Chapter 7 measures this trade-off in detail.
# :::

# %% tags=["hide-input", "hide-output"]
for temp in (0.5, 0.8, 1.0):
    xs = [cache.run(overfit_stories, temperature=temp, seed=s,
                    **FIXED)["metrics"] for s in SEEDS]
    ivs = {k: mean_interval([x[k] for x in xs], bounds=SHARE)
           for k in KINDS}
    print(f"temperature {temp}: " + ", ".join(
        f"{plots.KIND_LABELS[k]} {pct(ivs[k])}" for k in KINDS))

# %% [markdown]
# **3. More data.** Double the training set (`n_stories=80`). Predict the gap and the copied share, then run it.
#
# :::{admonition} Solution (a prediction: not run in this build)
# :class: dropdown
#
# ```python
# more = cache.run(overfit_stories, n_stories=80, **ONE)
# print(more["metrics"])
# ```
#
# With twice as many sentences, the same number of steps is half as many passes, and there is twice as much to memorize
# with the same capacity: one would expect a smaller gap and less copying. Whether more data also keeps the invalid
# share down (unlike the regularizers above) is what the run tells you; run it with several seeds before you believe
# the answer.
# :::
#
# **4. More seeds.** A few seeds give wide t intervals. Rerun the study with twice as many seeds,
# `regularizer_study(cache, seeds=[*SEEDS, *more])` with `more` as many new seeds, and `study_summary`. Which
# comparisons change?
#
# :::{admonition} Solution (computed in this build)
# :class: dropdown
#
# The hidden cell below computes what twice the seeds buy: the t quantile falls and the interval narrows by that
# factor and by $\sqrt{2}$ for the same spread between seeds. Differences the study could not show may then show,
# and none that it did show should vanish unless the new seeds disagree. It costs as much again as the whole study.
# :::

# %% tags=["hide-input", "hide-output"]
n = len(SEEDS)
q1, q2 = st.t.ppf(0.975, n - 1), st.t.ppf(0.975, 2 * n - 1)
print(f"{n} seeds: t quantile {q1:.2f}; {2 * n} seeds: {q2:.2f}; the "
      f"interval narrows to {q2 / q1 / 2 ** 0.5:.0%} of its width")
