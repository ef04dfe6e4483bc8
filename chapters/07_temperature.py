# %% [markdown]
# # Temperature: diversity against correctness
#
# **The question.** A trained model gives a probability for every next token; *sampling* decides what to do with
# them. Divide the logits by a temperature $T$ before the softmax,
#
# $$p_T(i) = \frac{\exp(z_i / T)}{\sum_j \exp(z_j / T)},$$
#
# and $T < 1$ sharpens the distribution towards the most likely token, $T > 1$ flattens it, and $T \to 0$ leaves only
# the argmax: *greedy* decoding. Two truncation samplers cut the tail instead: **{term}`top-k`**
# {cite:p}`fan2018hierarchical`
# keeps the $k$ most likely tokens, **{term}`top-p`** (nucleus sampling, {cite:p}`holtzman2020curious`) the smallest set
# whose probability reaches $p$. The folk rule this chapter tests has two halves:
#
# - for **stories**, diversity is the point: sample warm, and a truncation sampler gives more variety for the same
#   loss of quality than temperature alone;
# - for **facts and sums**, there is one right answer: sample at temperature 0.
#
# Both worlds of chapter 2 have ground truth, so both halves can be *counted*. And this is the chapter where "train
# once, sample many" pays: one trained model per world and seed, stored by the experiment engine, and every sampling
# knob below re-evaluates it without training again.

# %% tags=["remove-cell"]
# colab-install: scripts/notebooks.py writes the Colab install cell here

# %%
import matplotlib.pyplot as plt
import torch
from IPython.display import Markdown

from minigpt import plots, protocol
from minigpt.runs import ResultCache, fast_mode
from minigpt.sample import filter_logits, reductions
from minigpt.studies.sampling import (
    PROMPT_WORDS,
    best_setting,
    book_runs,
    frontier_gap,
    grids,
    paired_difference,
    plot_frontier,
    sample_qa,
    sample_stories,
    sampling_explorer,
    sign,
    stories_model,
    summary,
)
from minigpt.studies.sampling_explore import qa_explorer
from minigpt.verdicts import measurement, verdict_table
from minigpt.worlds.stories import StoriesConfig, make_stories

FAST = fast_mode()  # MINIGPT_FAST=1: tiny runs, for the notebook tests
cache = ResultCache()  # trained models and results, stored on disk
P = protocol.study("sampling")  # the evaluation seeds, world and arms
seeds, WORLD = P["eval_seeds"], P["fixed"]["world_seed"]
print("fast mode" if FAST else "book scale", "| results cached in",
      cache.root.name)
print(f"seeds {seeds}, world seed {WORLD}")

# %% [markdown]
# ## The knobs, on one real distribution
#
# First the stored story model of the first evaluation seed (the next section says how it was trained). Give it the
# start of a story and look at its distribution for the next character, under each knob.

# %%
model, tok = stories_model(cache)  # seed seeds[0], world WORLD
prompt = "\nMira found a "
idx = torch.tensor([tok.encode(prompt)])
model.eval()
with torch.no_grad():
    logits = model(idx)[0, -1]


def show(probs, label):
    top = torch.argsort(probs, descending=True)[:6]
    kept = int((probs > 0).sum())
    cells = "  ".join(f"{tok.decode([int(i)])!r} {probs[i]:.2f}"
                      for i in top)
    print(f"{label:<16} {kept:>2} tokens kept | {cells}")


print(f"after {prompt!r}: next-character probabilities")
for t in (0.3, 0.6, 1.0, 1.6):
    show(torch.softmax(logits / t, -1), f"temperature {t:g}")
for k in (1, 3):
    show(torch.softmax(filter_logits(logits[None], top_k=k)[0], -1),
         f"top-k {k}")
for p in (0.5, 0.9):
    show(torch.softmax(filter_logits(logits[None], top_p=p)[0], -1),
         f"top-p {p:g}")

# %% [markdown]
# Temperature reshapes every probability but never removes a token: at $T = 1.6$ even a character that makes no sense
# here keeps some mass. Top-k and top-p remove the tail outright and renormalize what is left.
#
# ### Temperature 0 is greedy, exactly
#
# The library does not divide by zero: at $T = 0$ it takes the argmax. Top-k with $k = 1$ keeps only the most
# likely token, so at *any* temperature it draws that one; top-p near 0 keeps the smallest nucleus, which always
# holds the most likely token and here nothing else. So all three should be {term}`greedy decoding`, token for token.
# The
# check below compares each with greedy decoding written out by hand (the argmax of the last logits, appended, again
# and again, without the KV cache), over 8 continuations of 60 characters.

# %%
start = torch.tensor([tok.encode("\nThe ")] * 8)
red = reductions(model, start, 60, seed=0)
reference = red["greedy, written out"]["ids"]
n_tokens = reference[:, start.size(1):].numel()
for name, r in red.items():
    verdict = ("identical token ids" if r["same"]
               else f"{r['differ']} of {n_tokens} tokens differ")
    print(f"{name:<28} {verdict}")
print("\nthe greedy continuation:",
      repr(tok.decode(reference[0, start.size(1):].tolist())))
print("first token ids:", reference[0, start.size(1):][:12].tolist())

# %% [markdown]
# Every greedy row is the same text (the prompt is the same): from one prompt, greedy decoding writes one story,
# however many samples you ask for. A comparison of greedy decoding with sampling from that one prompt could only go
# one way, so the experiment below gives every sample a prompt of its own, at every temperature. A small positive
# temperature is *nearly* greedy, but not exactly: wherever the runner-up is close, it is sometimes drawn.
#
# ## Predict first
#
# Write down your guesses before running the experiment.
#
# 1. Stories sampled at temperatures from 0 to 1.6: at which temperature does the model write the most *different*
#    novel, valid sentences?
# 2. At temperature 1, does top-k or top-p reach more of them than the best temperature, at the same validity?
# 3. Facts and 2-digit sums: is greedy decoding the most accurate? By how many points does $T = 1$ lose?
#
# Then record what you expect the verdict table of chapter 10 to say; it scores your answer
# against this build's verdict.

# %% tags=["hide-input"]
from IPython.display import display

from minigpt.explore import predict

display(
    predict("ch07-greedy",
            "Facts and sums: will greedy decoding be as accurate as a "
            "temperature just above 0, and more accurate than the higher "
            "temperatures (claim d)?", claim="d"),
    predict("ch07-diverse-stories",
            "Stories: will sampling at temperature 1 write more distinct "
            "novel, valid sentences, and more distinct word pairs, than "
            "greedy decoding (claim k)?", claim="k"))

# %% [markdown]
# ## The experiment
#
# Two experiments over three worlds, one trained model per world and seed, sampled at every setting. The seeds and
# the world are the verdict protocol's evaluation seeds and world (chapter 10), which no choice of a setting saw;
# the settings of this scale are printed below.

# %% tags=["hide-input"]
st_spec = sample_stories.spec(**P["fixed"])
facts_spec = sample_qa.spec(world="facts", **P["fixed"])
add_spec = sample_qa.spec(world="addition", **P["fixed"])
n_samples = st_spec["sample"]["n"]
chars = st_spec["sample"]["chars"]
world = make_stories(StoriesConfig(**st_spec["world"]))
starts = world.story_starts(n_samples, PROMPT_WORDS)
examples = ", ".join(f"*{x}*" for x in starts[:3])
Markdown(
    f"- `sample_stories`: a {st_spec['model']['n_layer']}-layer, "
    f"{st_spec['model']['n_embd']}-wide character GPT, "
    f"{st_spec['train']['steps']} steps on "
    f"{st_spec['world']['n_stories']} training stories. Each setting "
    f"writes {n_samples} stories of {chars} characters (a fixed "
    f"budget of {n_samples * chars:,} characters), story i starting "
    f"from a prompt of its own: the first {PROMPT_WORDS} words of "
    "validation story i, a story the model never trained on "
    f"({examples}, ...: {len(set(starts))} different prompts). The "
    "prompt's words count as part of the "
    "story; the same prompts serve every temperature, greedy "
    "included. Every complete sentence is scored as copied, "
    "novel-valid or invalid (chapter 3), plus distinct-n "
    "{cite:p}`li2016diversity` (distinct word n-grams over all "
    "n-grams), self-BLEU {cite:p}`zhu2018texygen` (how much each "
    "sample resembles the others) and 4-gram novelty (the share of "
    "word 4-grams never seen in training).\n"
    "- `sample_qa`: the same model size on question/answer rows, for "
    "the two worlds with one right answer. `world=\"facts\"`: a "
    f"facts world of {facts_spec['world']['n_people']} made-up people "
    "(each fact repeated as often as the text states it); accuracy = "
    "exact recall of the training facts. `world=\"addition\"`: "
    f"2-digit addition, {add_spec['world']['n_train']} training "
    f"problems; accuracy on {add_spec['world']['n_test']} unseen "
    "problems. Every seed answers the same questions (they depend on "
    "the world seed only), so two temperatures are compared question "
    "by question.")

# %% [markdown]
# A share of novel sentences can be gamed: a model that writes one new sentence over and over is 100% novel. So the
# score we care about is **creativity**: the number of *distinct* novel-valid sentences per 1,000 characters of story,
# at a budget fixed in advance. And we need a yardstick: a **perfect sampler** is the stories world's own generator,
# with every one of its random choices tempered like the model's logits ($w \to w^{1/T}$), drawn at the same temperature
# and budget as the model. (It tempers grammatical choices, not characters, so it is the analogue of the model at $T$,
# not its equal.)

# %%
g = grids()
n_seeds = len(seeds)
n_points = (len(g["temperature"]) + len(g["top_k"]) + len(g["top_p"])
            + 2 * len(g["qa_temperature"]))
print(f"stories: temperature {list(g['temperature'])}")
print(f"         top-k {list(g['top_k'])} and top-p {list(g['top_p'])}"
      " at temperature 1")
print(f"facts, addition: temperature {list(g['qa_temperature'])}")
print(f"{n_points} settings x {n_seeds} seeds = {n_points * n_seeds} "
      f"evaluations of {3 * n_seeds} trained models")
# the protocol's seeds and world; fast mode: one process (starting
# workers costs more than the runs)
runs = book_runs(cache, workers=1 if FAST else 2)
every = [r for fam in runs["stories"].values() for rs in fam.values()
         for r in rs]
every += [r for w in ("facts", "addition") for rs in runs[w].values()
          for r in rs]
fresh = [r for r in every if not r["cached"]]
trained = [r for r in fresh if not r["model_cached"]]
print(f"{len(every)} results: {len(every) - len(fresh)} from the cache, "
      f"{len(fresh)} computed now, of which {len(trained)} trained a "
      "model")
resampled = [r["seconds"] for r in fresh if r["model_cached"]]
if resampled:
    print("a re-evaluation of a stored model took "
          f"{min(resampled):.2f}-{max(resampled):.2f} s")

# %% [markdown]
# ## Explore
#
# The sliders move over one stored model (the first evaluation seed): temperature, top-k (0 = off) and top-p
# (1 = off). In a running notebook every move re-samples that model and scores the new samples, in a fraction of a
# second (nothing trains); the panel shows the shares of sentence kinds, the sampled sentences themselves (grey:
# copied, green: novel-valid, purple: invalid; each sample starts from its prompt's words) and the numbers. In the
# static book the sliders step through temperature and top-p settings sampled when this page was built.

# %%
explorer = sampling_explorer(cache=cache)  # seed seeds[0], world WORLD
explorer.precompute(workers=1)  # the same stored model, many samplings
explorer

# %% [markdown]
# ## Stories against temperature
#
# Each curve is the mean over the seeds; the band is its 95% {term}`confidence interval` (a {term}`t interval` over the
# seeds).

# %%
temps = list(runs["stories"]["temperature"])
st = {t: summary(rs) for t, rs in runs["stories"]["temperature"].items()}


def band(ax, metric, label, color):
    plots.plot_band(ax, temps, [st[t][metric] for t in temps],
                    label=label, color=color)


with plots.style():
    fig, axes = plt.subplots(1, 3, figsize=(10.5, 3.2),
                             layout="constrained")
    ax = axes[0]
    band(ax, "validity", "valid", plots.COLORS["novel"])
    band(ax, "copied", "copied", plots.COLORS["copied"])
    band(ax, "perfect_copied", "copied, perfect sampler",
         plots.COLORS["accent"])
    ax.set(xlabel="temperature", ylabel="share of sentences",
           ylim=(0, 1), title="validity and copying")
    ax = axes[1]
    band(ax, "distinct_2", "distinct-2", plots.COLORS["val"])
    band(ax, "self_bleu", "self-BLEU", plots.COLORS["train"])
    band(ax, "novelty_4", "4-gram novelty", plots.COLORS["gap"])
    ax.set(xlabel="temperature", ylim=(0, 1), title="diversity")
    ax = axes[2]
    band(ax, "creativity", "model", plots.COLORS["novel"])
    band(ax, "perfect_creativity", "perfect sampler",
         plots.COLORS["accent"])
    ax.set(xlabel="temperature", ylabel="per 1,000 characters",
           title="distinct novel-valid sentences")
    for ax in axes:
        ax.legend()
    plt.show()

# %% [markdown]
# Read the three panels together. Diversity ({term}`distinct-2 <distinct-n>` and {term}`novelty` up, {term}`self-BLEU`
# down) rises with temperature, and
# validity falls: every measure of variety is bought with errors. Creativity, which needs both, is the one that can
# peak. The perfect sampler shows what a model of the grammar could reach on this budget.
#
# ## Which sampler trades best?
#
# The frontier: each point is one setting, placed by its validity (right is better) and its creativity (up is
# better). A sampler whose curve lies above and to the right of another's gives more distinct novel sentences at the
# same validity. Error bars: 95% intervals over the seeds, in both directions.

# %%
fam = runs["stories"]
families = {
    "temperature": [(f"{t:g}" if t in (0.0, 0.5, 1.0, 1.6) else "",
                     summary(rs)) for t, rs in fam["temperature"].items()],
    "top-k at T=1": [(f"k={k}" if k in (2, 8) else "", summary(rs))
                     for k, rs in fam["top_k"].items()],
    "top-p at T=1": [(f"p={p:g}" if p in (0.5, 0.8) else "",
                      summary(rs)) for p, rs in fam["top_p"].items()],
}
colors = {"temperature": plots.COLORS["train"],
          "top-k at T=1": plots.COLORS["val"],
          "top-p at T=1": plots.COLORS["novel"]}
with plots.style():
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    plot_frontier(ax, families, colors=colors)
    one = st[1.0] if 1.0 in st else st[temps[-1]]
    ax.axhline(one["perfect_creativity"].estimate, color="grey",
               linestyle=":", linewidth=1,
               label="perfect sampler at T=1")
    ax.set(xlabel="validity (share of sentences the grammar accepts)",
           ylabel="distinct novel-valid / 1,000 chars",
           title="the sampling frontier")
    ax.legend(loc="upper left")
    plt.show()

# %% [markdown]
# ## Facts and sums against temperature

# %%
with plots.style():
    fig, ax = plt.subplots(figsize=(6.4, 3.2))
    for world, color in (("facts", plots.COLORS["train"]),
                         ("addition", plots.COLORS["val"])):
        ts = list(runs[world])
        plots.plot_band(ax, ts, [summary(runs[world][t])["accuracy"]
                                 for t in ts],
                        label=world, color=color)
    ax.set(xlabel="temperature (0 = greedy)", ylabel="accuracy",
           ylim=(0, 1), title="one answer per question")
    ax.legend()
    plt.show()
for world in ("facts", "addition"):
    cells = "  ".join(f"T={t:g} {summary(rs)['accuracy']:.2f}"
                      for t, rs in runs[world].items())
    print(f"{world:>9}: {cells}")

# %% [markdown]
# ### Explore: what warmth costs, question by question
#
# The sliders pick a world and a temperature for one stored model per world (the first evaluation seed). Left: that
# model's accuracy at every temperature sampled so far, the chosen one marked. Right: its answers set against its
# own greedy answers to the same questions: right both times, *lost* (greedy right, the sample wrong), *gained*
# (greedy wrong, the sample right), wrong both times. In a running notebook every move re-samples the stored model
# (nothing trains); in the static book the sliders step through the samplings above.

# %%
qa_view = qa_explorer(cache=cache)  # seed seeds[0], world WORLD
qa_view.precompute(workers=1)  # the samplings above: from the cache
qa_view

# %% [markdown]
# ## The measured answer
#
# Generated from the runs above. Two settings are compared on the same models (each seed's model sampled both
# ways), so the comparison is the difference seed by seed: a difference is shown when its 95% interval excludes 0.
# The rows of the verdict table (chapter 10) come last: the two claims of this chapter, each row against the
# protocol's margin, the smallest difference that matters.

# %% tags=["hide-input"]
def ci(x, fmt=".2f"):
    # a mean over seeds and its 95% interval, without the seed count
    if x.one_seed:
        return f"{x.estimate:{fmt}} (one seed)"
    return f"{x.estimate:{fmt}} [{x.low:{fmt}}, {x.high:{fmt}}]"


def pct(x):
    return ci(x, ".0%")


def diff_text(d, scale=100, unit=" points", fmt=".0f"):
    # a paired difference over seeds (same models) and its verdict
    lo, hi = d.low, d.high
    if d.one_seed:
        return f"{scale * d.estimate:+{fmt}}{unit} (one seed)"
    verdict = {"higher": "above 0", "lower": "below 0",
               "overlap": "its interval includes 0"}[sign(d)]
    return (f"{scale * d.estimate:+{fmt}}{unit} "
            f"[{scale * lo:+{fmt}}, {scale * hi:+{fmt}}]: {verdict}")


T = runs["stories"]["temperature"]
lines = [f"*{n_seeds} seeds. A setting's number is its mean over the "
         "seeds with a 95% t interval; a comparison is the paired "
         "difference, seed by seed (two samplings of the same model), "
         "with its 95% interval.*", ""]
lo_t = 0.3 if 0.3 in st else temps[1]
hi_t = 1.4 if 1.4 in st else temps[-1]
d2 = paired_difference(T[hi_t], T[lo_t], "distinct_2")
va = paired_difference(T[hi_t], T[lo_t], "validity")
lines.append(
    f"- **Temperature trades validity for diversity.** From T={lo_t:g} "
    f"to T={hi_t:g}, distinct-2 goes from "
    f"{ci(st[lo_t]['distinct_2'])} to {ci(st[hi_t]['distinct_2'])} "
    f"({diff_text(d2, 1, '', '.2f')}) and validity from "
    f"{pct(st[lo_t]['validity'])} to {pct(st[hi_t]['validity'])} "
    f"({diff_text(va)}).")
t_best, best_t = best_setting(fam["temperature"])
cold = paired_difference(T[0.0], T[t_best], "creativity")
hot = paired_difference(T[temps[-1]], T[t_best], "creativity")
g0 = sorted({r["metrics"]["distinct_samples"] for r in T[0.0]})
n_prompts = T[0.0][0]["metrics"]["distinct_prompts"]
span = f"{g0[0]}" if len(g0) == 1 else f"{g0[0]}-{g0[-1]}"
lines.append(
    "- **Creativity peaks in between.** Greedy decoding writes one "
    f"story per prompt: from {n_prompts} different prompts, {span} "
    "different stories "
    f"(self-BLEU {st[0.0]['self_bleu'].estimate:.2f}), with "
    f"{ci(st[0.0]['creativity'], '.1f')} distinct novel-valid "
    "sentences per 1,000 characters. The most, "
    f"{ci(best_t['creativity'], '.1f')}, come at T={t_best:g} (picked "
    "after "
    "looking), at validity "
    f"{pct(best_t['validity'])}. T=0 minus T={t_best:g}: "
    f"{diff_text(cold, 1, '', '.1f')}; T={temps[-1]:g} minus "
    f"T={t_best:g}: {diff_text(hot, 1, '', '.1f')}.")
for name, key, skip in (("top-k", "top_k", (1,)),
                        ("top-p", "top_p", (min(fam["top_p"]),))):
    v, b = best_setting(fam[key])
    vs = paired_difference(fam[key][v], T[t_best], "creativity")
    gap = frontier_gap(fam[key], T, skip=skip)
    where = {"higher": "lie above", "lower": "lie below",
             "overlap": "are not shown to differ from"}.get(
                 sign(gap), "cannot be compared with (one seed)")
    lines.append(
        f"- **{name} at T=1**: at best ({name} {v:g}) "
        f"{ci(b['creativity'], '.1f')} at validity "
        f"{pct(b['validity'])}; "
        f"against the best temperature {diff_text(vs, 1, '', '.1f')}. "
        f"On the frontier, at equal validity, its settings {where} "
        f"the temperature curve: {diff_text(gap, 1, '', '.1f')} "
        "distinct novel-valid sentences per 1,000 characters (the "
        "settings that reduce to greedy left out).")
one = T[1.0]
perfect = [{**r, "metrics": {"copied": r["metrics"]["perfect_copied"]}}
           for r in one]
cp = paired_difference(one, perfect, "copied")
lines.append(
    "- **Copying, against the perfect sampler at the same "
    f"temperature**: at T=1 the model copies {pct(st[1.0]['copied'])} "
    f"of its sentences, the perfect sampler "
    f"{pct(st[1.0]['perfect_copied'])} ({diff_text(cp)}). The perfect "
    f"sampler writes {ci(st[1.0]['perfect_creativity'], '.1f')} "
    "distinct "
    "novel-valid sentences per 1,000 characters at T=1: the room left "
    "above every sampler of this model.")
for world in ("facts", "addition"):
    acc = {t: summary(rs)["accuracy"] for t, rs in runs[world].items()}
    t_top = max((t for t in acc if t > 0), key=lambda t: acc[t].estimate)
    top = paired_difference(runs[world][0.0], runs[world][t_top],
                            "accuracy")
    lines.append(
        f"- **{world.capitalize()}**: greedy {pct(acc[0.0])}; the best "
        f"positive temperature (picked after looking), T={t_top:g}: "
        f"{pct(acc[t_top])}, greedy minus it "
        f"{diff_text(top, fmt='.1f')}.")
table = verdict_table(cache, studies=["sampling"])
lines += ["", "**The verdict rows** (chapter 10's table; claim (d) "
          "question by question, claim (k) one number a seed, from the "
          "stories written from the same prompts):", ""]
expected = {"higher": "a above b", "lower": "a below b",
            "equal": "a equal to b"}
for t in table:
    lines.append(
        f"- ({t['claim']}) {t['text']}; expected "
        f"{expected[t['expect']]}, margin {t['margin']:g}: "
        f"{measurement(t)}: **{t['verdict']}**.")
verdicts = {t["claim"]: t["claim_verdict"] for t in table}
lines.append(f"- Claim (d): **{verdicts['d']}**; claim (k): "
             f"**{verdicts['k']}**.")
if FAST:
    lines.append("- *(fast mode: tiny runs, the numbers above say "
                 "little.)*")
Markdown("\n".join(lines))

# %% [markdown]
# So the two halves of the rule hold, or fail, as the lines above say. For one right answer, temperature can only add
# wrong answers: greedy decoding is the mode of the model's distribution, and each warmer sample is a draw that lands
# off the mode more often. Small temperatures cost little (they are nearly greedy), which is why the curve is flat near
# zero. For stories the same mode is a single story per prompt, so beyond the prompts' own variety the model's variety
# lives in the tail that sampling visits; the question is only how far to go before the errors outnumber the new
# sentences. Whether cutting the tail (top-k, top-p) buys more than cooling the whole distribution is what the frontier
# measures: at this scale the bullets above say whether the difference survives the seeds.

# %% tags=["hide-input"]
# this chapter's verdicts; chapter 10 has every chapter's rows
from minigpt.verdict_page import takeaway

takeaway(cache, "sampling")

# %% [markdown]
# ## Exercises
#
# **1. Where does the nucleus sit?** At temperature 1, top-p 0.9 keeps a different number of characters at each
# step. Predict: is it usually one character (inside a word) or many (at the start of a word)? Use the distribution
# code of the first section on a few prompts.
#
# :::{admonition} Solution (computed in this build, below)
# :class: dropdown
#
# ```python
# for text in ("\nMira found a ", "\nMira found a sh", "\nThe fox "):
#     z = model(torch.tensor([tok.encode(text)]))[0, -1]
#     kept = torch.isfinite(filter_logits(z[None], top_p=0.9)).sum()
#     print(repr(text), int(kept), "characters in the nucleus")
# ```
#
# The prediction: inside a word the model is nearly sure of the next letter and the nucleus is one or two
# characters; at a word boundary (after "a " or "The fox ") it spreads over the choices the grammar allows. The
# hidden cell below runs the code on the chapter's model (seed and world of the first section) and prints what it
# found. That is the point of top-p: it truncates hard where the model is sure and lightly where it is not, while
# top-k cuts at the same rank everywhere.
# :::

# %% tags=["hide-input", "hide-output"]
with torch.no_grad():
    for text in ("\nMira found a ", "\nMira found a sh", "\nThe fox "):
        z = model(torch.tensor([tok.encode(text)]))[0, -1]
        kept = torch.isfinite(filter_logits(z[None], top_p=0.9)).sum()
        print(f"{text!r}: {int(kept)} characters in the nucleus")

# %% [markdown]
#
# **2. Temperature and top-p together.** Does top-p 0.9 at temperature 1.3 beat temperature 1.0 alone? Predict, then
# run it: only the sampling changes, so it takes a second.
#
# :::{admonition} Solution (computed in this build, on two seeds)
# :class: dropdown
#
# ```python
# for kw in ({"temperature": 1.0}, {"temperature": 1.3, "top_p": 0.9}):
#     rs = [cache.run(sample_stories, seed=s, world_seed=WORLD, **kw)
#           for s in seeds]
#     x = summary(rs)
#     print(kw, f"{x['validity']:.0%}", f"{x['creativity']:.1f}")
# ```
#
# Raising the temperature spreads the mass inside the nucleus, and the nucleus removes the worst of the tail that the
# higher temperature inflates. Place the new point on the frontier plot: it is better only if it lies above and to
# the right of the temperature curve. The hidden cell below runs it on the first two evaluation seeds only (each
# re-samples a stored model; all of them would cost more than a solution may spend here), at this build's scale,
# and compares with temperature 1 on the same seeds. Two seeds give wide intervals: a hint, not a verdict.
# :::

# %% tags=["hide-input", "hide-output"]
for kw in ({"temperature": 1.0}, {"temperature": 1.3, "top_p": 0.9}):
    rs = [cache.run(sample_stories, seed=s, world_seed=WORLD, **kw)
          for s in seeds[:2]]
    x = summary(rs)
    print(f"{kw}: validity {x['validity']:.0%}, distinct novel-valid "
          f"per 1,000 characters {x['creativity']:.1f}")

# %% [markdown]
#
# **3. Majority over samples.** For addition, sample 15 answers per problem at temperature 0.8 and take the most
# frequent. Predict whether it beats one sample at 0.8, and whether it beats greedy. (Chapter 8 measures this.)
#
# :::{admonition} Solution (a prediction here; chapter 8 measures it)
# :class: dropdown
#
# This is a prediction exercise: chapter 8 runs it, with intervals over seeds, and its verdict table rows (claim
# (e)) say whether the vote beats one warm sample and whether it beats greedy decoding.
# :::
