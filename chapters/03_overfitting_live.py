# %% [markdown]
# # Overfitting, live
#
# **The question.** Train a small GPT for many epochs on a small set of stories. Does it learn the grammar that wrote
# them, or the sentences themselves? And which of the usual regularizers (dropout, weight decay, embedding noise,
# stochastic depth) moves it from copying towards writing new sentences that are still grammatical?
#
# Overfitting is usually shown with two curves: the training loss keeps falling while the validation loss turns up, and
# the *generalization gap*
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
import random

import matplotlib.pyplot as plt

from minigpt import plots
from minigpt.experiments import ResultCache, fast_mode
from minigpt.experiments.overfitting import (
    overfit_stories,
    overfitting_explorer,
)
from minigpt.metrics import compare, proportion_interval
from minigpt.worlds.stories import (
    StoriesConfig,
    language_size,
    make_stories,
    sample_sentence,
    split_sentences,
)

FAST = fast_mode()  # MINIGPT_FAST=1: tiny runs, for the notebook tests
# finished runs are stored on disk; a second build reads them back
cache = ResultCache()
spec = overfit_stories.spec()  # every setting of the default run, as data
print("fast mode" if FAST else "book scale", "| results cached in",
      cache.root)

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
# Before you run the experiment, write down three guesses.
#
# 1. After that many passes, is the validation loss still falling, flat, or rising?
# 2. The unregularized model samples stories at temperature 0.8. What share of its sentences is copied from the training
#    set, what share is novel and valid, what share is invalid?
# 3. Dropout 0.2 on every dropout site: more novel-valid sentences than no dropout, or fewer?
#
# ## The experiment
#
# Each point of this chapter is one call of `overfit_stories`: train with the given regularizers, evaluate train and
# validation loss at regular steps along the way, then sample stories and score every complete sentence (the next cell
# prints the exact numbers). It trains the models the chapter shows (a few dropout rates, each without and with weight
# decay), two at a time, one per core, and prints how long that took. After the first build, every result comes from the
# cache.

# %%
explorer = overfitting_explorer(cache=cache)
print(f"each run: evaluate every {t['eval_interval']} steps, then sample "
      f"{spec['sample']['n']} stories of up to "
      f"{spec['sample']['max_new_tokens']} characters at temperature "
      f"{spec['sample']['temperature']:g}")
print(f"grid: dropout {explorer.static_grid['dropout']} "
      f"x weight decay {explorer.static_grid['weight_decay']}")
grid = explorer.precompute(workers=2)
runs = {(r["params"]["dropout"], r["params"]["weight_decay"]): r
        for r in grid}
computed = [r for r in grid if not r["cached"]]
print(f"{len(grid)} runs: {len(computed)} trained now, "
      f"{len(grid) - len(computed)} from the cache")
if computed:
    seconds = [r["seconds"] for r in computed]
    print("training + scoring took "
          f"{min(seconds):.0f}-{max(seconds):.0f} s per run")

# %% [markdown]
# ### No regularization
#
# First the plain model: no dropout, no weight decay, no noise.

# %%
base = runs[0.0, 0.0]
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
print(f"all {m['n_sentences']} sampled sentences: "
      f"copied {m['copied']:.0%}, novel-valid {m['novel']:.0%}, "
      f"invalid {m['invalid']:.0%}")

# The baseline: a perfect model of the grammar, sampling fresh sentences,
# also writes some training sentences.
rng = random.Random(1)
fresh = [sample_sentence(rng) for _ in range(2000)]
perfect_copied = (sum(world.classify(x) == "copied" for x in fresh)
                  / len(fresh))
print("a perfect sampler of the grammar would copy "
      f"{perfect_copied:.1%} of its sentences; "
      f"this model copies {m['copied']:.0%}")

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
# once. In the static book, the sliders step through the runs computed when the page was built: dropout and weight decay
# (the live version also has embedding noise and stochastic depth).

# %%
explorer

# %% [markdown]
# ## The measured answer
#
# The same eight runs, summarized: the generalization gap at the end of training, and what the sampled sentences are,
# against dropout.

# %%
dropouts = explorer.static_grid["dropout"]
decays = explorer.static_grid["weight_decay"]
line = {decays[0]: "-", decays[-1]: "--"}  # solid: no weight decay
with plots.style():
    fig, (ax_gap, ax_kind) = plt.subplots(1, 2, figsize=(9.0, 3.2),
                                          layout="constrained")
    for wd in decays:
        metrics = [runs[d, wd]["metrics"] for d in dropouts]
        ax_gap.plot(dropouts, [x["gap"] for x in metrics], marker="o",
                    linestyle=line[wd], color=plots.COLORS["gap"],
                    label=f"weight decay {wd:g}")
        for kind in plots.SENTENCE_KINDS:
            ax_kind.plot(dropouts, [x[kind] for x in metrics], marker="o",
                         linestyle=line[wd], color=plots.COLORS[kind],
                         label=(plots.KIND_LABELS[kind]
                                if wd == decays[0] else None))
    ax_gap.axhline(0, color="black", linewidth=0.6)
    ax_gap.set(xlabel="dropout", ylabel="val - train loss (nats)",
               title="generalization gap")
    ax_kind.set(xlabel="dropout", ylabel="share of sampled sentences",
                ylim=(0, 1),
                title="what the model writes (dashed: weight decay)")
    ax_gap.legend()
    ax_kind.legend()
    plt.show()

print(f"{'dropout':>8} {'wd':>4} {'train':>6} {'val':>6} {'gap':>6} "
      f"{'copied':>7} {'novel':>6} {'invalid':>8}")
for wd in decays:
    for d in dropouts:
        x = runs[d, wd]["metrics"]
        losses = (f"{x['final_train_loss']:>6.2f} "
                  f"{x['final_val_loss']:>6.2f} {x['gap']:>6.2f}")
        print(f"{d:>8g} {wd:>4g} {losses} {x['copied']:>7.0%} "
              f"{x['novel']:>6.0%} {x['invalid']:>8.0%}")

# %% tags=["hide-input"]
from IPython.display import Markdown

no_reg = runs[0.0, 0.0]["metrics"]


def shares(x):
    return (f"copied {x['copied']:.0%}, novel-valid {x['novel']:.0%}, "
            f"invalid {x['invalid']:.0%}")


def share(x, kind):
    # a 95% interval of a share over the run's scored sentences
    n = max(1, x["n_sentences"])
    return proportion_interval(round(x[kind] * n), n)


def moved(x, ref):
    # where the copies that a regularizer removed went, in percentage
    # points
    return (f"copies {ref['copied']:.0%} -> {x['copied']:.0%}; "
            f"novel-valid {100 * (x['novel'] - ref['novel']):+.0f} "
            "points, "
            f"invalid {100 * (x['invalid'] - ref['invalid']):+.0f} points")


lines = ["- **Without regularization** the gap ends at "
         f"{no_reg['gap']:.2f} nats per character; its "
         f"{no_reg['n_sentences']} sentences: {shares(no_reg)}."]
for d in dropouts[1:]:
    x = runs[d, 0.0]["metrics"]
    lines.append(f"- **Dropout {d:g}**: {moved(x, no_reg)}; "
                 f"gap {x['gap']:.2f}.")
wd = decays[-1]
lines.append(f"- **Weight decay {wd:g}** alone: "
             f"{moved(runs[0.0, wd]['metrics'], no_reg)}; "
             f"gap {runs[0.0, wd]['metrics']['gap']:.2f}.")
best_key = max(runs, key=lambda k: runs[k]["metrics"]["novel"])
best = runs[best_key]["metrics"]
versus = compare(share(best, "novel"), share(no_reg, "novel"))
verdict = ("the 95% intervals do not overlap" if versus.differs
           else "the 95% intervals overlap: "
                "not a difference this sample can show")
lines.append("- **Most novel-valid sentences** (the best of the grid, "
             "picked after looking): "
             f"{share(best, 'novel'):.0%} at dropout "
             f"{best_key[0]:g}, weight decay {best_key[1]:g}, against "
             f"{share(no_reg, 'novel'):.0%} "
             f"without regularization: {verdict}.")
low_key = min(runs, key=lambda k: runs[k]["metrics"]["final_val_loss"])
low = runs[low_key]["metrics"]
lines.append("- **Lowest validation loss**: "
             f"{low['final_val_loss']:.2f} at dropout {low_key[0]:g}, "
             f"weight decay {low_key[1]:g} (without regularization: "
             f"{no_reg['final_val_loss']:.2f}); its sentences are "
             f"{low['invalid']:.0%} invalid.")
high = runs[max(dropouts), 0.0]["metrics"]
to_invalid = high["invalid"] - no_reg["invalid"]
to_novel = high["novel"] - no_reg["novel"]
if no_reg["copied"] - high["copied"] > 0.1:
    where = ("mostly into invalid sentences" if to_invalid > to_novel
             else "mostly into novel valid sentences")
    lines.append("- So dropout does stop the copying, and in this build "
                 f"it turns the copies {where}.")
if FAST:
    lines.append(
        "- *(fast mode: tiny runs, the numbers above say little.)*"
    )
Markdown("\n".join(lines))

# %% [markdown]
# The curves and the samples can disagree, and that is the lesson of this chapter. Validation loss averages over every
# character, and a model that hedges between a few likely next characters is rarely punished much; a sentence is valid
# only if *every* character is right. So the run with the lowest validation loss need not write the best sentences:
# compare its invalid share above with the plain model's. Choose a regularizer by the measure you care about, here the
# share of novel valid sentences, and not by the loss alone. Each point is one seed and one batch of samples, so every
# share carries the sampling error printed above; exercise 2 asks whether the differences survive other seeds.
#
# ## Exercises
#
# **1. Early stopping.** The dotted line marked the step where the unregularized run's validation loss was lowest.
# Retrain it for only that many steps and score its samples. Is stopping early a regularizer here, and how does it
# compare with the best slider setting?
#
# :::{admonition} Solution
# :class: dropdown
#
# `steps` is a parameter of the experiment (the learning-rate schedule then decays over the shorter run, so it is not
# exactly the same model as the long run at that step):
#
# ```python
# early = cache.run(overfit_stories, steps=base["metrics"]["best_val_step"])
# print(early["metrics"])
# ```
#
# Compare `copied`, `novel` and `invalid` with the full run and with the best grid point. Stopping near the validation
# minimum should leave less memorization (the gap is still small there), but the model has also had fewer steps to learn
# spelling and agreement, so look at the invalid share too.
# :::
#
# **2. Seeds.** Are the differences between dropout 0 and 0.05 larger than the noise from the random seed (which sets
# the initialization, the batches, the dropout masks and the sampling)?
#
# :::{admonition} Solution
# :class: dropdown
#
# ```python
# from minigpt.experiments import summarize, sweep
# from minigpt.metrics import compare
# reps = sweep(overfit_stories, {"dropout": [0.0, 0.05]}, cache, seeds=[0, 1, 2], workers=2)
# plain, dropped = summarize(reps[:3])["novel"], summarize(reps[3:])["novel"]
# print(compare(dropped, plain, labels=("dropout 0.05", "dropout 0")))
# ```
#
# `summarize` gives each metric's mean over the seeds with a 95% Student t interval, and `compare` says whether two
# intervals overlap. Each seed's share also carries the sampling error of its `n_sentences` scored sentences; the
# spread over seeds includes it, plus the training noise. A difference is worth believing when the intervals over
# seeds do not overlap.
# :::
#
# **3. Temperature.** Sample the unregularized model at temperature 0.5 and 1.0 instead of 0.8. Which share moves most?
# Predict before you run.
#
# :::{admonition} Solution
# :class: dropdown
#
# `temperature` only changes the sampling: the trained model is stored once (keyed by its training settings), so
# each new temperature re-samples it in a fraction of a second instead of training again:
#
# ```python
# for temp in (0.5, 0.8, 1.0):
#     x = cache.run(overfit_stories, temperature=temp)["metrics"]
#     print(temp, f"copied {x['copied']:.0%}  novel {x['novel']:.0%}  invalid {x['invalid']:.0%}")
# ```
#
# A memorizing model puts most of its probability on the continuation of a training sentence, so a lower temperature
# copies more and makes fewer errors, and a higher one spreads probability onto rarer continuations: more novel
# sentences and more invalid ones. Chapter 6 measures this trade-off in detail.
# :::
#
# **4. More data.** Double the training set (`n_stories=80`). Predict the gap and the copied share, then run it.
#
# :::{admonition} Solution
# :class: dropdown
#
# ```python
# more = cache.run(overfit_stories, n_stories=80)
# print(more["metrics"])
# ```
#
# With twice as many sentences, the same number of steps is half as many passes, and there is twice as much to memorize
# with the same capacity: expect a smaller gap and less copying. More data is the one regularizer that does not trade
# against fitting the training distribution; the others are what you use when you cannot get more.
# :::
