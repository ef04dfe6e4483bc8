# %% [markdown]
# # Sharpening for correctness
#
# **The question.** Chapters 3 to 5 asked when to *regularize*: when to make a model less sure of the exact strings it
# saw. For a sum there is one right answer and every other answer is wrong, so the opposite moves suggest themselves:
# sample near temperature 0, sample many answers and vote, check the answers with a program and keep a right one, or
# train the model on the checker's verdicts. Which of these helps a small model do 2-digit addition, and by how much?
#
# Four claims, each measured here on the addition world of chapter 2 with 3 seeds and 95% intervals:
#
# 1. **Majority vote** over $k$ sampled answers ("self-consistency", {cite:t}`wang2023selfconsistency`) beats one
#    sample, and perhaps greedy decoding; at temperature 0 it does nothing at all.
# 2. The vote needs *different reasoning paths*: with a scratchpad (the column sums written out before the result)
#    there are many paths to one answer, so the vote should gain more.
# 3. **Best-of-$n$ with a checker** (a verifier, {cite:t}`cobbe2021training`) beats the vote; its ceiling is pass@$k$
#    {cite:p}`chen2021evaluating`, and a checker that is sometimes wrong costs some of that.
# 4. **Reinforcement learning with a checker as the reward** raises the chance that one sample is right (pass@1),
#    while the chance that *some* of many samples is right (pass@$k$ at large $k$) may fall
#    {cite:p}`yue2025does`: RL sharpens what the model already does rather than teaching it new answers.

# %% tags=["remove-cell"]
# colab-install: scripts/notebooks.py writes the Colab install cell here

# %%
import time

import matplotlib.pyplot as plt
from IPython.display import Markdown

from minigpt import plots
from minigpt.runs import ResultCache, fast_mode, summarize, sweep
from minigpt.stats import SHARE, compare, mean_interval
from minigpt.studies.sharpening import (
    curve_intervals,
    rl_addition,
    rl_explorer,
    sharpen_addition,
    vote_explorer,
)
from minigpt.worlds.arithmetic import AdditionConfig, make_addition

FAST = fast_mode()  # MINIGPT_FAST=1: tiny runs, for the notebook tests
cache = ResultCache()
SEEDS = [0, 1, 2]
WORKERS = 1 if FAST else 2  # a process pool costs more than tiny runs
spec = sharpen_addition.spec()
print("fast mode" if FAST else "book scale", "| results cached in",
      cache.root.name)

# %% [markdown]
# ## The task, two ways
#
# The world is 2-digit addition: 3000 training problems and 300 test problems, never the same pair. A **direct**
# model writes the sum right after the `=`; a **scratchpad** model first writes each column (digit + digit + carry
# = column sum, least significant first), then the result after a `;`. Only the result counts as the answer.

# %%
for fmt in ("plain", "scratchpad"):
    w = make_addition(AdditionConfig(n_train=3, n_test=1, format=fmt))
    print(f"{fmt:>10}: {w.train[0].question}{w.train[0].answer}")
t = spec["train"]
print(f"model: {spec['model']['n_layer']} layers, "
      f"{spec['model']['n_embd']} wide; direct answers "
      f"{t['steps']} steps, scratchpad "
      f"{sharpen_addition.spec(format='scratchpad')['train']['steps']}"
      f" steps, batch {t['batch_size']}")

# %% [markdown]
# Each trained model draws one **bank** of samples: for every test problem, 64 answers (32 for the scratchpad) at
# each of a few temperatures. Every number below, for every $k$, comes from that one bank, so a vote over $k = 16$
# and a vote over $k = 64$ use the same samples, and the explorer can move $k$ without sampling again.
#
# ## Predict first
#
# 1. At temperature 0.8, does a vote over 16 samples beat one sample? Does it beat greedy decoding?
# 2. Is the scratchpad model's vote gain larger or smaller than the direct model's?
# 3. With a perfect checker and 16 samples, what share of problems gets a right answer?
# 4. After some RL steps: pass@1 up or down? pass@64? Distinct answers per problem?
#
# ## The experiment
#
# Ten settings, three seeds each (the seed sets the problems, the initialization, the batches and the samples): the
# direct and the scratchpad model; the direct model with dropout 0.2, kept to the end or switched off for the last
# 30% of training (for the recipe table at the end); and RL on the direct and on the scratchpad model. Two runs at
# a time, one per core.

# %%
start = time.perf_counter()
base = sweep(sharpen_addition, {"format": ["plain", "scratchpad"]},
             cache, seeds=SEEDS, workers=WORKERS)
direct, pad = base[:3], base[3:]
recipe = sweep(sharpen_addition, {"dropout_off": [1.0, 0.7]}, cache,
               seeds=SEEDS, workers=WORKERS, dropout=0.2, bank="small")
regular, late = recipe[:3], recipe[3:]
rl = sweep(rl_addition, {"format": ["plain", "scratchpad"]}, cache,
           seeds=SEEDS, workers=WORKERS)
rl_direct, rl_pad = rl[:3], rl[3:]
runs = base + recipe + rl
fresh = [r for r in runs if not r["cached"]]
print(f"{len(runs)} runs, {len(fresh)} computed now, "
      f"{len(runs) - len(fresh)} from the cache, "
      f"{time.perf_counter() - start:.0f} s")
if fresh:
    print(f"{sum(r['seconds'] for r in fresh):.0f} s of runs, "
          f"{min(r['seconds'] for r in fresh):.0f}-"
          f"{max(r['seconds'] for r in fresh):.0f} s each")

# %% [markdown]
# ## At temperature 0 the vote is a no-op
#
# Greedy decoding takes the most likely token at every step, so every "sample" at temperature 0 is the same string.
# Here are the first samples of four test problems at temperature 0 and at 0.8 (direct model, seed 0):

# %%
r0 = direct[0]
for s in r0["samples"]:
    print(f"{s['question']:>7} right: {s['answer']:<4} T=0: "
          f"{' '.join(s['greedy'])}   T=0.8: {' '.join(s['warm'])}")
same = [r["metrics"]["identical_at_0"] for r in direct]
print(f"\nproblems whose {r0['spec']['sample']['n']} samples at T=0 "
      f"are all identical: {', '.join(f'{x:.0%}' for x in same)} "
      "(seeds 0, 1, 2)")
vote0 = [r["curves"]["0"]["vote"] for r in direct]
greedy = [r["metrics"]["greedy"] for r in direct]
no_op = all(v == g for row, g in zip(vote0, greedy, strict=True)
            for v in row)
print("vote at T=0 for every k equals greedy accuracy on every seed:",
      no_op)

# %% [markdown]
# ## Majority vote against k and temperature

# %%
ks = direct[0]["curves"]["ks"]
temps = [t for t in direct[0]["spec"]["sample"]["temperatures"] if t > 0]
g_iv = mean_interval(greedy, bounds=SHARE)
with plots.style():
    fig, axes = plt.subplots(1, len(temps), figsize=(9.6, 3.0),
                             sharey=True, layout="constrained")
    for ax, temp in zip(axes, temps, strict=True):
        plots.plot_band(ax, ks, curve_intervals(direct, temp, "vote"),
                        label="vote over k")
        single = mean_interval([r["curves"][f"{temp:g}"]["single"]
                                for r in direct], bounds=SHARE)
        ax.axhline(single.estimate, color="grey", linestyle=":",
                   label="one sample")
        ax.axhspan(g_iv.low, g_iv.high, color="black", alpha=0.1)
        ax.axhline(g_iv.estimate, color="black", linestyle="--",
                   linewidth=1, label="greedy")
        ax.set_xscale("log", base=2)
        ax.set(title=f"temperature {temp:g}", xlabel="k")
    axes[0].set(ylabel="test accuracy (direct answers)")
    axes[0].legend(fontsize=7)
    plt.show()

# %% tags=["hide-input"]
K, T = 16, 0.8


def ivs(results):
    return summarize(results)


def paired(results, a, b, a_of=None):
    # seed by seed, a minus b: the seed moves both, so the difference
    # is what to put an interval on ("higher": the interval is above 0)
    a_of = a_of or (lambda r: r["metrics"][a])
    diff = mean_interval([a_of(r) - r["metrics"][b] for r in results])
    if diff.one_seed:
        return diff, "one seed"
    return diff, ("higher" if diff.low > 0 else
                  "lower" if diff.high < 0 else "overlap")


class Verdict:
    def __init__(self, results, a, b):
        self.diff, self.verdict = paired(results, a, b)


d = ivs(direct)
one = Verdict(direct, "vote", "single")
grd = Verdict(direct, "vote", "greedy")


def word(c, up="beats", down="is below", tie="is not shown to differ"):
    return up if c.verdict == "higher" else (
        down if c.verdict == "lower" else tie)


best = max(((t, k) for t in temps for k in ks),
           key=lambda tk: mean_interval(
               [r["curves"][f"{tk[0]:g}"]["vote"][ks.index(tk[1])]
                for r in direct]).estimate)
best_iv = mean_interval([r["curves"][f"{best[0]:g}"]["vote"]
                         [ks.index(best[1])] for r in direct],
                        bounds=SHARE)
lines = [
    f"- **Vote over {K} at temperature {T:g} against one sample**: "
    f"{d['vote']:.1%} vs {d['single']:.1%}; the vote "
    f"{word(one)} one sample (difference {one.diff:+.1%} over seeds: "
    f"{one.verdict}).",
    f"- **Against greedy decoding**: {d['vote']:.1%} vs "
    f"{d['greedy']:.1%}; the vote {word(grd)} greedy (difference "
    f"{grd.diff:+.1%}: {grd.verdict}).",
    f"- The best vote of the grid (picked after looking): k = {best[1]} "
    f"at temperature {best[0]:g}, {best_iv:.1%}, against greedy "
    f"{d['greedy']:.1%}: "
    f"{compare(best_iv, d['greedy']).verdict}.",
]
if grd.verdict != "higher":
    lines.append(
        "- So in this build the vote recovers what sampling lost, and "
        "no more: it does **not** beat greedy decoding on direct "
        "answers. A direct model has one way to reach each answer, and "
        "the vote's winner is, most of the time, the greedy answer.")
if FAST:
    lines.append("- *(fast mode: tiny runs, the numbers say little.)*")
Markdown("\n".join(lines))

# %% [markdown]
# ## Self-consistency needs different paths: the scratchpad
#
# {cite:t}`wang2023selfconsistency` vote over *final answers reached by different reasoning paths*. The scratchpad
# model writes a path; two samples can reach the same result through different (even wrong) column sums.

# %%
p = ivs(pad)
print(f"scratchpad, temperature {T:g}: distinct paths per problem "
      f"{p['distinct_paths']:.1f}, distinct results "
      f"{p['distinct']:.1f} (of {pad[0]['spec']['sample']['n']} "
      "samples)")
print(f"samples with every column right: {p['steps_ok']:.0%}; "
      "right results with a wrong column: "
      f"{p['right_answer_wrong_steps']:.0%}")
pks = pad[0]["curves"]["ks"]
ptemps = [t for t in pad[0]["spec"]["sample"]["temperatures"] if t > 0]
with plots.style():
    fig, ax = plt.subplots(figsize=(6.4, 3.0), layout="constrained")
    for temp in ptemps:
        plots.plot_band(ax, pks, curve_intervals(pad, temp, "vote"),
                        label=f"vote, T = {temp:g}")
    ax.axhline(p["greedy"].estimate, color="black", linestyle="--",
               linewidth=1, label="greedy")
    ax.set_xscale("log", base=2)
    ax.set(xlabel="k", ylabel="test accuracy (scratchpad)",
           title="majority vote over final answers")
    ax.legend(fontsize=7)
    plt.show()

# %% tags=["hide-input"]
pg = Verdict(pad, "vote", "greedy")
ps = Verdict(pad, "vote", "single")
gain_d, gain_p = grd.diff, pg.diff
lines = [
    f"- **Scratchpad, vote over {K} at {T:g}**: {p['vote']:.1%} against "
    f"one sample {p['single']:.1%} ({ps.verdict}) and greedy "
    f"{p['greedy']:.1%} ({pg.verdict}).",
    f"- Vote minus greedy: {gain_p:+.1%} with the scratchpad, "
    f"{gain_d:+.1%} with direct answers: "
    f"{compare(gain_p, gain_d).verdict}.",
]
if pg.verdict == "higher":
    lines.append("- Here the scratchpad changes the outcome: with "
                 "several paths to an answer, the vote beats greedy.")
else:
    lines.append(
        "- The scratchpad does not change the outcome here: the vote "
        "still does not beat greedy. The paths do differ, but at this "
        "temperature a wrong column is a wrong result more often than "
        "another route to the right one, so one sample is far below "
        "greedy and the vote climbs back towards it.")
Markdown("\n".join(lines))

# %% [markdown]
# ## Best-of-n with a checker
#
# Addition has a perfect checker: compute the sum. With it, a model that gets *any* of its $k$ samples right
# solves the problem. The share of such problems is pass@$k$, estimated without bias from all $n$ samples of the
# bank {cite:p}`chen2021evaluating`:
#
# $$\text{pass@}k = \mathbb{E}_\text{problems}\left[1 - \binom{n-c}{k} \Big/ \binom{n}{k}\right]$$
#
# with $c$ the right samples among $n$. Real checkers (unit tests, a learned verifier) err. We simulate one that is
# wrong with probability $e$ on each sample: it then accepts a wrong answer or rejects a right one, and we keep the
# majority among the accepted answers (all $k$ if none is accepted).

# %%
with plots.style():
    fig, ax = plt.subplots(figsize=(6.4, 3.2), layout="constrained")
    plots.plot_band(ax, ks, curve_intervals(direct, T, "pass"),
                    label="pass@k (perfect checker)")
    for e in (0.1, 0.3):
        plots.plot_band(ax, ks,
                        curve_intervals(direct, T, "best_of", e),
                        label=f"best-of-k, checker wrong {e:.0%}")
    plots.plot_band(ax, ks, curve_intervals(direct, T, "vote"),
                    label="vote, no checker")
    ax.axhline(g_iv.estimate, color="black", linestyle="--",
               linewidth=1, label="greedy")
    ax.set_xscale("log", base=2)
    ax.set(xlabel="k", ylabel="test accuracy",
           title=f"direct answers, temperature {T:g}")
    ax.legend(fontsize=7)
    plt.show()

# %% tags=["hide-input"]
pk = Verdict(direct, "pass_k", "vote")
bo = Verdict(direct, "best_of_k", "vote")
e = direct[0]["spec"]["sample"]["verifier_error"]
top = mean_interval([r["curves"][f"{T:g}"]["pass"][-1] for r in direct],
                    bounds=SHARE)
Markdown("\n".join([
    f"- **A perfect checker with {K} samples** gets {d['pass_k']:.1%} "
    f"right, against the vote's {d['vote']:.1%} ({pk.verdict}); with "
    f"{ks[-1]} samples, {top:.1%}.",
    f"- **A checker wrong {e:.0%} of the time**: {d['best_of_k']:.1%} "
    f"({bo.verdict} against the vote). Its false accepts pull wrong "
    "answers into the pick; the vote over the accepted answers limits "
    "the damage, since a right answer is accepted more often than any "
    "one wrong answer.",
    "- A checker turns many samples into a right answer far more "
    "often than a vote can, because it needs only one right sample, "
    "not a majority.",
]))

# %% [markdown]
# ## Explore: k, temperature and the checker over one bank
#
# Each setting re-reads the stored bank of one model (seed 0): no training and no new samples, so a move shows at
# once. The static book steps through temperature and $k$ (checker error 20%); the notebook also offers the error.

# %%
explorer = vote_explorer(cache=cache)
frames = explorer.precompute(workers=1)
explorer

# %% [markdown]
# ## Reinforcement learning with the checker as the reward
#
# Instead of filtering samples at test time, train on the checker's verdicts. `minigpt.rl.policy_gradient` is
# REINFORCE {cite:p}`williams1992simple` with the baseline of GRPO {cite:p}`shao2024deepseekmath`: for each of
# 32 training problems it samples 8 answers at temperature 1, rewards each 1 if right and 0 if wrong, and raises the
# log-probability of the answers that beat their group's mean reward (and lowers the others'):
#
# $$\nabla \approx \frac{1}{N}\sum_i (r_i - \bar r_{\text{group}(i)})\, \nabla \log \pi(\text{answer}_i \mid
# \text{problem}_i)$$
#
# A group whose 8 answers all got the same reward teaches nothing. The reward is the world's checker, so nothing here
# was labelled by hand. We measure the test problems before RL and at checkpoints along the run.
#
# The learning rate matters more than anything else here. Each format's rate (`sharpening.RL_LR`) was chosen by a
# sweep that is not part of this build: `benchmarks/rl_learning_rate.py` runs a few rates on seeds 0 and 1 and
# prints pass@1, greedy accuracy and the KL to the start for each. Too high a rate makes the policy wander off the
# pretrained model; exercise 4 runs one.

# %%
rl_spec = rl_direct[0]["spec"]
print(f"{rl_spec['rl']['steps']} updates of "
      f"{rl_spec['rl']['prompts_per_step']} problems x "
      f"{rl_spec['rl']['group_size']} samples, lr {rl_spec['rl']['lr']:g}"
      f", KL penalty {rl_spec['rl']['kl_coef']:g}")
q = summarize(rl_direct)
n_rl = rl_spec["eval"]["n"]
rks = [int(k) for k in rl_direct[0]["checkpoints"][0]["pass"]]
with plots.style():
    fig, (ax, ax_r) = plt.subplots(1, 2, figsize=(9.6, 3.0),
                                   layout="constrained")
    for prefix, label in (("base_", "before RL"), ("", "after RL")):
        plots.plot_band(ax, rks, [q[f"{prefix}pass_{k}"] for k in rks],
                        label=label)
    ax.set_xscale("log", base=2)
    ax.set(xlabel="k", ylabel="pass@k at T = 1", ylim=(0, 1.02),
           title="direct answers, test problems")
    ax.legend()
    for r in rl_direct:
        h = r["rl_history"]
        ax_r.plot(h["step"], h["reward"], linewidth=0.7)
    ax_r.set(xlabel="RL step", ylabel="mean reward of the rollouts",
             title="reward (one line per seed)")
    plt.show()

# %% tags=["hide-input"]
up = Verdict(rl_direct, "pass_1", "base_pass_1")
hi = Verdict(rl_direct, f"pass_{n_rl}", f"base_pass_{n_rl}")
dist = Verdict(rl_direct, "distinct", "base_distinct")
gr = Verdict(rl_direct, "greedy", "base_greedy")
lines = [
    f"- **pass@1** (one sample at T = 1): {q['base_pass_1']:.1%} before,"
    f" {q['pass_1']:.1%} after; change {up.diff:+.1%} ({up.verdict}).",
    f"- **pass@{n_rl}**: {q[f'base_pass_{n_rl}']:.1%} before, "
    f"{q[f'pass_{n_rl}']:.1%} after; change {hi.diff:+.1%} "
    f"({hi.verdict}).",
    f"- **Distinct answers per problem** among {n_rl} samples: "
    f"{q['base_distinct']:.1f} before, {q['distinct']:.1f} after; "
    f"change {dist.diff.estimate:+.2f} ({dist.verdict}).",
    f"- **Greedy accuracy**: {q['base_greedy']:.1%} before, "
    f"{q['greedy']:.1%} after; change {gr.diff:+.1%} ({gr.verdict}).",
    "- Each change is the mean over seeds of after minus before, with "
    "its 95% interval; the seeds' models differ a lot, the changes "
    "less.",
]
if up.verdict == "higher" and hi.verdict == "lower":
    lines.append("- The pattern of Yue et al. (2025) holds here: RL "
                 "raised pass@1 and lowered pass@k at large k.")
else:
    claims = []
    if up.verdict != "higher":
        claims.append("RL did not raise pass@1 beyond the intervals")
    if hi.verdict != "lower":
        claims.append(f"pass@{n_rl} did not fall beyond the intervals")
    lines.append("- At this scale and budget the claim holds only in "
                 f"part: {'; '.join(claims)}. The direction of each "
                 "change is printed above; a longer run is exercise 3.")
if FAST:
    lines.append("- *(fast mode: tiny runs, the numbers say little.)*")
Markdown("\n".join(lines))

# %% [markdown]
# ### Does rewarding only the result keep the steps right?
#
# On the scratchpad only the result after `;` is rewarded; the column sums are never checked. If RL found that wrong
# columns can still lead to a right result, nothing would stop it. We count, among sampled answers with the right
# result, those with a wrong column, before and after RL.

# %%
s_ = summarize(rl_pad)
for name, label in (("steps_ok", "samples with every column right"),
                    ("right_answer_wrong_steps",
                     "right results with a wrong column"),
                    ("pass_1", "pass@1 (right result)")):
    print(f"{label:>34}: {s_['base_' + name]:.1%} before, "
          f"{s_[name]:.1%} after RL")

# %% tags=["hide-input"]
hack = Verdict(rl_pad, "right_answer_wrong_steps",
               "base_right_answer_wrong_steps")
gain = Verdict(rl_pad, "pass_1", "base_pass_1")
text = [
    f"- Right results with a wrong column: "
    f"{s_['base_right_answer_wrong_steps']:.1%} before RL, "
    f"{s_['right_answer_wrong_steps']:.1%} after; change "
    f"{hack.diff:+.1%} ({hack.verdict}). "
    + ("Rewarding only the result let the steps drift away from "
       "right arithmetic." if hack.verdict == "higher" else
       "No drift of the steps is shown at this scale."),
    f"- Meanwhile pass@1 changed by {gain.diff:+.1%} ({gain.verdict})"
    f" and greedy accuracy went from {s_['base_greedy']:.1%} to "
    f"{s_['greedy']:.1%}.",
]
if hack.verdict == "higher" and gain.verdict != "higher":
    text.append(
        "- So this is drift rather than a hack that pays: the steps "
        "got worse without the reward rising. Nothing in the reward "
        "holds the columns in place, and at this learning rate the "
        "policy wandered (its KL to the start is "
        f"{s_['kl_last']:.1f} nats per answer at the end).")
Markdown("\n".join(text))

# %%
rl_view = rl_explorer(cache=cache)
rl_frames = rl_view.precompute(workers=1)
rl_view

# %% [markdown]
# ## The two recipes, end to end
#
# The regularized recipe of the earlier chapters: dropout to the end of training, sample at temperature 1, take one
# answer. The sharp recipe: no dropout late in training (switched off for the last 30%, or never used), then
# temperature 0, a vote, a checker, or RL. Every row is a mean over 3 seeds with its 95% interval.

# %% tags=["hide-input"]
reg, lt = ivs(regular), ivs(late)
q_all = summarize(rl_direct)
rows = [
    ("regularized: dropout 0.2, T = 1, one sample",
     mean_interval([r["curves"]["1"]["single"] for r in regular],
                   bounds=SHARE)),
    ("dropout 0.2, greedy", reg["greedy"]),
    ("dropout off late, greedy", lt["greedy"]),
    (f"dropout off late, vote over {K} at T = {T:g}", lt["vote"]),
    (f"dropout off late, checker, best of {K}", lt["pass_k"]),
    (f"dropout off late, checker wrong {e:.0%}, best of {K}",
     lt["best_of_k"]),
    ("no dropout, greedy", d["greedy"]),
    ("no dropout, RL, greedy", q_all["greedy"]),
    ("no dropout, RL, one sample at T = 1", q_all["pass_1"]),
]
first = rows[0][1]
table = ["| recipe | test accuracy | vs regularized |", "|---|---|---|"]
for name, iv in rows:
    verdict = "" if iv is first else compare(iv, first).verdict
    table.append(f"| {name} | {iv:.1%} | {verdict} |")
table.append("")
table.append("*The last column compares each row's interval with the "
             "first row's: disjoint intervals are higher or lower.*")
Markdown("\n".join(table))

# %% tags=["hide-input"]
late_vs = Verdict([dict(metrics={"a": a["metrics"]["greedy"],
                               "b": b["metrics"]["greedy"]})
                   for a, b in zip(late, regular, strict=True)], "a", "b")
Markdown("\n".join([
    f"- Switching dropout off for the last 30% of training: greedy "
    f"{lt['greedy']:.1%} against {reg['greedy']:.1%} with dropout "
    f"kept; change {late_vs.diff:+.1%} ({late_vs.verdict}).",
    f"- The sharp recipe's best row without a checker is temperature 0 "
    f"or the vote; with a checker, best-of-{K} reaches "
    f"{lt['pass_k']:.1%}. The regularized recipe's one warm sample: "
    f"{first:.1%}.",
    "- Facts are not in this table: the facts world did not fit this "
    "chapter's time budget (chapter 4 measures recall with dropout "
    "and without).",
]))

# %% [markdown]
# ## Exercises
#
# **1. Where does the vote's gain come from?** For the direct model at temperature 1, count the problems where the
# vote over 16 is right and greedy is wrong, and the reverse. Predict first: which count is larger?
#
# :::{admonition} Solution
# :class: dropdown
#
# The bank is in memory once the stored model is loaded; `sample_bank` returns it (temperature -> completions):
#
# ```python
# from minigpt.studies.sharpening import sample_bank
# from minigpt.metrics import majority_vote
# r = cache.run(sharpen_addition, temperature=1.0)
# trained = cache.models.get(r["train_key"])
# bank = sample_bank(r["spec"], trained.model)
# world = make_addition(AdditionConfig(**r["spec"]["world"]))
# wins = losses = 0
# for p, warm, cold in zip(world.test, bank[1.0], bank[0.0]):
#     v = majority_vote([world.parse(o) for o in warm[:16]])
#     g = world.parse(cold[0])
#     wins += v == p.result and g != p.result
#     losses += g == p.result and v != p.result
# print(wins, losses)
# ```
#
# The vote wins where the greedy token at some digit was a near-tie that sampling resolves the other way most of the
# time; it loses where the right answer is the single most likely one but below half the mass. Near-ties are rare in
# a model trained this far, so both counts are small and close.
# :::
#
# **2. A checker that is a coin.** Set the checker's error to 0.5 in the explorer's notebook view (or
# `cache.run(sharpen_addition, verifier_error=0.3)` and compare 0.3 with 0.1). Predict: at error 0.5, is best-of-k
# better or worse than the vote?
#
# :::{admonition} Solution (a prediction, not run in the build)
# :class: dropdown
#
# The experiment offers errors up to 0.3 (`VERIFIER_ERRORS`); at 0.5 the checker's verdict says nothing about the
# answer, so the accepted answers are a random half of the samples and their majority is a vote over about $k/2$
# samples: slightly worse than the vote over all $k$. `best_of_k_accuracy` in `minigpt.metrics` takes any error;
# try it on the bank of exercise 1.
# :::
#
# **3. RL for longer, with and without the KL penalty.** Run `rl_addition` with `rl_steps=600` and with
# `kl_coef=0.1`. Predict pass@1, pass@64 and the distinct answers for each.
#
# :::{admonition} Solution (a prediction, not run in the build)
# :class: dropdown
#
# ```python
# long = cache.run(rl_addition, rl_steps=600)
# held = cache.run(rl_addition, rl_steps=600, kl_coef=0.1)
# ```
#
# Longer RL keeps narrowing the sampled distribution: pass@1 should rise towards greedy accuracy and the distinct
# answers fall; pass@64 is where Yue et al. see RL fall below the base model, since answers the policy stopped
# sampling can no longer be found by sampling more. The KL penalty keeps the policy near the pretrained model: less
# of both effects. Each run takes about a minute; use 3 seeds before you believe a difference.
# :::
#
# **4. Ten times the learning rate on the scratchpad.** Run the scratchpad RL at `lr=3e-4` instead of its default
# (`sharpening.RL_LR["scratchpad"]`). Predict greedy accuracy, the KL to the start, and the share of right results
# with a wrong column.
#
# :::{admonition} Solution (a prediction, not run in the build)
# :class: dropdown
#
# ```python
# fast_rl = sweep(rl_addition, {"lr": [3e-4]}, cache, seeds=SEEDS,
#                 format="scratchpad")
# print(summarize(fast_rl)["greedy"], summarize(fast_rl)["kl_last"])
# ```
#
# Nothing in the reward holds the column steps in place, so a large step size lets the policy drift: the KL to the
# start grows to nats per answer, greedy accuracy falls, and more right results come with wrong columns. Whether the
# reward still rises is the thing to look at: a drift that pays would be a reward hack; a drift that does not is
# just a step size too large for this model.
# :::
