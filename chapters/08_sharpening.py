# %% [markdown]
# # Sharpening for correctness
#
# **The question.** Chapters 3 to 6 asked when to *regularize*: when to make a model less sure of the exact strings it
# saw. For a sum there is one right answer and every other answer is wrong, so the opposite moves suggest themselves:
# sample near temperature 0, sample many answers and vote, check the answers with a program and keep a right one, or
# train the model on the checker's verdicts. Which of these helps a small model do 2-digit addition, and by how much?
#
# Four claims, each measured here on 2-digit addition (the world of chapter 2) over the {term}`evaluation seeds` of the
# book's protocol (each seed draws its own world, trains its own model and samples its own answers), with 95%
# intervals:
#
# 1. **{term}`Majority vote <majority vote>`** over $k$ sampled answers ("self-consistency",
#    {cite:t}`wang2023selfconsistency`) beats one
#    sample, and perhaps greedy decoding; at temperature 0 it does nothing at all.
# 2. The vote needs *different reasoning paths*: with a scratchpad (the column sums written out before the result)
#    there are many paths to one answer, so the vote should gain more.
# 3. **{term}`Best-of-n <best-of-n>` with a checker** (a {term}`verifier`, {cite:t}`cobbe2021training`) beats the vote;
#    its ceiling is {term}`pass@k`
#    {cite:p}`chen2021evaluating`, and a checker that is sometimes wrong costs some of that.
# 4. **Reinforcement learning with a checker as the reward** raises the chance that one sample is right
#    ({term}`pass@1`),
#    while the chance that *some* of many samples is right (pass@$k$ at large $k$) may fall
#    {cite:p}`yue2025does`: RL sharpens what the model already does rather than teaching it new answers.

# %% tags=["remove-cell"]
# colab-install: scripts/notebooks.py writes the Colab install cell here

# %% tags=["hide-input"]
import time

import matplotlib.pyplot as plt
from IPython.display import HTML, Markdown, display

from minigpt import plots, protocol
from minigpt.runs import ResultCache, fast_mode, summarize, sweep
from minigpt.stats import SHARE, compare, mean_interval
from minigpt.studies.sharpening import (
    curve_intervals,
    rl_addition,
    rl_explorer,
    sharpen_addition,
    verdict_runs,
    vote_explorer,
)
from minigpt.verdict_page import forest_html
from minigpt.verdicts import verdict_table
from minigpt.worlds.arithmetic import AdditionConfig, make_addition

FAST = fast_mode()  # MINIGPT_FAST=1: tiny runs, for the notebook tests
cache = ResultCache()
PROTOCOL = protocol.study("sharpening")
SEEDS = PROTOCOL["eval_seeds"]  # a seed also draws its world's problems
WORKERS = 1 if FAST else 2  # a process pool costs more than tiny runs
spec = sharpen_addition.spec(seed=SEEDS[0])
print("fast mode" if FAST else "book scale", "| results cached in",
      cache.root.name, "| evaluation seeds", SEEDS)

# %% [markdown]
# ## The task, two ways
#
# The world is 2-digit addition: 3000 training problems and 300 test problems, never the same pair. A **direct**
# model writes the sum right after the `=`; a **scratchpad** model first writes each column (digit + digit + carry
# = column sum, least significant first), then the result after a `;`. Only the result counts as the answer.

# %% tags=["hide-input"]
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
# Then record what you expect the verdict table of chapter 10 to say; it scores your answer
# against this build's verdict.

# %% tags=["hide-input"]
from minigpt.explore import predict

display(
    predict("ch08-vote",
            "Will a vote over samples beat one sample, and greedy "
            "decoding, for direct answers and with the scratchpad "
            "(claim e)?", claim="e"),
    predict("ch08-rl",
            "After RL with verifiable rewards: will pass@1 rise, and "
            "pass@k and the number of distinct answers fall (claim f)?",
            claim="f"),
    predict("ch08-checker",
            "Will best-of-n with a checker that is sometimes wrong get "
            "more answers right than a vote over the same samples "
            "(claim j)?", claim="j"))

# %% [markdown]
# ## The experiment
#
# Each setting runs once per evaluation seed (the seed sets the world's problems, the initialization, the batches
# and the samples): the direct and the scratchpad model and RL on each (the verdict rows read the protocol's runs,
# `verdict_runs()`), and the direct model with dropout 0.2, kept to the end or switched off for the last 30% of
# training (for the recipe table at the end). RL starts from the stored pretrained models.

# %% tags=["hide-input"]
start = time.perf_counter()
(_, bank_points), (_, rl_points) = verdict_runs()  # the protocol's runs
recipe_points = [{"dropout": 0.2, "bank": "small", "dropout_off": off,
                  "seed": s} for off in (1.0, 0.7) for s in SEEDS]
banks = sweep(sharpen_addition, bank_points + recipe_points, cache,
              workers=WORKERS)
pad_rl_points = [{"format": "scratchpad", "seed": s} for s in SEEDS]
rl = sweep(rl_addition, rl_points + pad_rl_points, cache,
           workers=WORKERS)


def runs_of(results, **params):
    # the results (one per seed, in seed order) of one setting
    return [r for r in results
            if all(r["params"][k] == v for k, v in params.items())]


direct = runs_of(banks, format="plain", dropout=0.0)
pad = runs_of(banks, format="scratchpad")
regular = runs_of(banks, dropout=0.2, dropout_off=1.0)
late = runs_of(banks, dropout=0.2, dropout_off=0.7)
rl_direct = runs_of(rl, format="plain")
rl_pad = runs_of(rl, format="scratchpad")
settings = [direct, pad, regular, late, rl_direct, rl_pad]
assert all(len(x) == len(SEEDS) for x in settings)
runs = banks + rl
fresh = [r for r in runs if not r["cached"]]
print(f"{len(settings)} settings x {len(SEEDS)} seeds = {len(runs)} "
      f"runs, {len(fresh)} computed now, "
      f"{len(runs) - len(fresh)} from the cache, "
      f"{time.perf_counter() - start:.0f} s")
verdicts = verdict_table(cache, studies=["sharpening"])  # ch. 9


def row(kind, *words):
    # this chapter's verdict row whose text has every one of words
    hits = [t for t in verdicts if t["kind"] == kind
            and all(w in t["text"] for w in words)]
    assert len(hits) == 1, (kind, words)
    return hits[0]


if fresh:
    print(f"{sum(r['seconds'] for r in fresh):.0f} s of runs, "
          f"{min(r['seconds'] for r in fresh):.0f}-"
          f"{max(r['seconds'] for r in fresh):.0f} s each")

# %% [markdown]
# ## At temperature 0 the vote is a no-op
#
# Greedy decoding takes the most likely token at every step, so every "sample" at temperature 0 is the same string.
# Here are the first samples of four test problems at temperature 0 and at 0.8 (direct model, first evaluation
# seed):

# %% tags=["hide-input"]
r0 = direct[0]
for s in r0["samples"]:
    print(f"{s['question']:>7} right: {s['answer']:<4} T=0: "
          f"{' '.join(s['greedy'])}   T=0.8: {' '.join(s['warm'])}")
same = [r["metrics"]["identical_at_0"] for r in direct]
print(f"\nproblems whose {r0['spec']['sample']['n']} samples at T=0 "
      f"are all identical: {', '.join(f'{x:.0%}' for x in same)} "
      f"(seeds {', '.join(map(str, SEEDS))})")
vote0 = [r["curves"]["0"]["vote"] for r in direct]
greedy = [r["metrics"]["greedy"] for r in direct]
no_op = all(v == g for curve, g in zip(vote0, greedy, strict=True)
            for v in curve)
print("vote at T=0 for every k equals greedy accuracy on every seed:",
      no_op)
t0 = row("sanity", "at T=0 vs")
print(f"verdict row '{t0['text']}' (a check of the machinery, "
      f"problem by problem): {t0['verdict']}")

# %% [markdown]
# ## Majority vote against k and temperature
#
# The verdict rows of this chapter are pictured as chapter 10 draws them: each row's difference a - b, the mean
# over the seeds (each paired problem by problem) with its 95% interval, in units of the margin the protocol set
# before the runs. A row **holds** when its interval lies beyond the margin on the side the claim predicts (right
# of the dashed line); the numbers at the right are in the measure's own units. The vote's rows are drawn with the
# scratchpad's, in the next section.

# %% tags=["hide-input"]
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
K = direct[0]["spec"]["sample"]["k"]
T = direct[0]["spec"]["sample"]["temperature"]


def ivs(results):
    return summarize(results)


def forest(*rows):
    # rows of this chapter's verdict table as chapter 10 draws them
    return HTML(forest_html(rows, kind=rows[0]["kind"]))


def paired(results, a, b):
    # seed by seed, a minus b, for the comparisons that are not rows of
    # the verdict table: "higher" when the interval is above 0
    diff = mean_interval([r["metrics"][a] - r["metrics"][b]
                          for r in results])
    if diff.one_seed:
        return diff, "one seed"
    return diff, ("higher" if diff.low > 0 else
                  "lower" if diff.high < 0 else "overlap")


class Paired:
    def __init__(self, results, a, b):
        self.diff, self.verdict = paired(results, a, b)


d = ivs(direct)
one = row("claim", "direct answers:", "one sample")
grd = row("claim", "direct answers:", "vs greedy")
best = max(((t, k) for t in temps for k in ks),
           key=lambda tk: mean_interval(
               [r["curves"][f"{tk[0]:g}"]["vote"][ks.index(tk[1])]
                for r in direct]).estimate)
best_iv = mean_interval([r["curves"][f"{best[0]:g}"]["vote"]
                         [ks.index(best[1])] for r in direct],
                        bounds=SHARE)
ONE_PATH = ("A direct model has one way to reach each answer, and the "
            "vote's winner is, most of the time, the greedy answer.")
AGAINST_GREEDY = {
    "holds": "Here the vote beats greedy decoding by more than the "
             "margin.",
    "fails": "The vote is **below** greedy decoding by more than the "
             "margin. " + ONE_PATH,
    "negligible": "The vote and greedy decoding are within the margin "
                  "of each other: the vote recovers what sampling lost, "
                  "and no more. " + ONE_PATH,
    "inconclusive": "These seeds do not settle whether the vote beats "
                    "greedy decoding: the interval is neither beyond "
                    "the margin nor within it.",
}
display(Markdown(
    f"A vote over {K} at temperature {T:g} gets {one['a_mean']:.1%} "
    f"right, one sample {one['b_mean']:.1%} and greedy decoding "
    f"{grd['b_mean']:.1%}. {AGAINST_GREEDY[grd['verdict']]} "
    f"(The best vote of the grid, picked after looking: k = {best[1]} "
    f"at temperature {best[0]:g}, {best_iv.estimate:.1%}.)"
    + (" *(Fast mode: tiny runs, the numbers say little.)*"
       if FAST else "")))

# %% [markdown]
# ## Self-consistency needs different paths: the scratchpad
#
# {cite:t}`wang2023selfconsistency` vote over *final answers reached by different reasoning paths*. The scratchpad
# model writes a path; two samples can reach the same result through different (even wrong) column sums.

# %% tags=["hide-input"]
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
pg = row("claim", "scratchpad:", "vs greedy")
ps = row("claim", "scratchpad:", "one sample")
gain_d = paired(direct, "vote", "greedy")[0]
gain_p = paired(pad, "vote", "greedy")[0]
if pg["verdict"] == "holds" and grd["verdict"] != "holds":
    outcome = ("Here the scratchpad changes the outcome: with several "
               "paths to an answer, the vote beats greedy, which it does "
               "not on direct answers.")
elif pg["verdict"] == "holds":
    outcome = "With either format the vote beats greedy here."
else:
    outcome = (
        "Even with the scratchpad the vote is not shown to beat greedy. "
        "The paths do differ, but a wrong column makes a wrong result "
        "more often than another route to the right one, and the vote "
        f"climbs back from one sample's {ps['b_mean']:.1%} towards "
        f"greedy's {pg['b_mean']:.1%}.")
display(forest(one, grd, ps, pg), Markdown(
    f"With the scratchpad a vote over {K} at {T:g} gets "
    f"{pg['a_mean']:.1%} right. Vote minus greedy, mean over seeds: "
    f"{gain_p.estimate:+.1%} with the scratchpad, "
    f"{gain_d.estimate:+.1%} with direct "
    f"answers ({compare(gain_p, gain_d).verdict}). {outcome}"))

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

# %% tags=["hide-input"]
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
pk = row("sanity", "perfect checker")
bo = row("claim", "checker wrong")
e = direct[0]["spec"]["sample"]["verifier_error"]
top = mean_interval([r["curves"][f"{T:g}"]["pass"][-1] for r in direct],
                    bounds=SHARE)
display(Markdown(
    f"With {K} samples a perfect checker gets {pk['a_mean']:.1%} right "
    + (f"(with {ks[-1]}: {top.estimate:.1%}) " if ks[-1] != K else "")
    + f"and the vote {pk['b_mean']:.1%}: "
    f"{pk['estimate']:+.1%} of the problems is what one right sample "
    f"among {K} is worth when the vote needs a majority (it cannot lose "
    f"to the vote: a sanity check, {pk['verdict']}). A checker wrong "
    f"{e:.0%} of the time gets {bo['a_mean']:.1%} ({bo['verdict']} "
    "for beating the vote): its false accepts "
    "pull wrong answers into the pick, and the vote over the accepted "
    "answers limits the damage."))

# %% [markdown]
# ## Explore: k, temperature and the checker over one bank
#
# Each setting re-reads the stored bank of one model (the first evaluation seed's): no training and no new samples,
# so a move shows at once. The static book steps through temperature and $k$ (checker error 20%); the notebook also
# offers the error.

# %%
explorer = vote_explorer(cache=cache, seed=SEEDS[0])
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
# :::{admonition} The learning rate matters more than anything else here
# :class: dropdown
#
# Each format's rate (`sharpening.RL_LR`) was chosen by a sweep that is not part of this build:
# `benchmarks/tuning/rl_learning_rate.py` runs a few rates on the protocol's tuning seeds 0 and 1 (on their own
# worlds; the evaluation seeds of this chapter never entered it) and prints pass@1, greedy accuracy and the KL to
# the start for each. Too high a rate makes the policy wander off the pretrained model; exercise 4 runs one.
# :::

# %% tags=["hide-input"]
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
up = row("claim", "pass@1 after")
hi = row("claim", f"pass@{n_rl} after")
dist = row("claim", "distinct answers")
gr = Paired(rl_direct, "greedy", "base_greedy")
if up["verdict"] == "holds" and hi["verdict"] == "holds":
    pattern = ("The pattern of Yue et al. (2025) holds here: RL raised "
               "pass@1 and lowered pass@k at large k.")
else:
    claims = []
    if up["verdict"] != "holds":
        claims.append(f"pass@1 did not rise beyond the margin "
                      f"({up['verdict']})")
    if hi["verdict"] != "holds":
        claims.append(f"pass@{n_rl} did not fall beyond the margin "
                      f"({hi['verdict']})")
    part = "in part" if len(claims) == 1 else "in neither half"
    pattern = (f"At this scale and budget the claim holds {part}: "
               f"{'; '.join(claims)}. A longer run is exercise 3.")
display(forest(up, hi, dist), Markdown(
    f"Before and after RL: pass@1 {up['b_mean']:.1%} and "
    f"{up['a_mean']:.1%}, pass@{n_rl} {hi['b_mean']:.1%} and "
    f"{hi['a_mean']:.1%}, distinct answers among {n_rl} samples "
    f"{dist['b_mean']:.1f} and {dist['a_mean']:.1f}; greedy accuracy "
    f"(not a verdict row) {q['base_greedy'].estimate:.1%} and "
    f"{q['greedy'].estimate:.1%} ({gr.verdict}). {pattern}"
    + (" *(Fast mode: tiny runs, the numbers say little.)*"
       if FAST else "")))

# %% [markdown]
# ### Does rewarding only the result keep the steps right?
#
# On the scratchpad only the result after `;` is rewarded; the column sums are never checked. If RL found that wrong
# columns can still lead to a right result, nothing would stop it. We count, among sampled answers with the right
# result, those with a wrong column, before and after RL.

# %% tags=["hide-input"]
s_ = summarize(rl_pad)
hack = Paired(rl_pad, "right_answer_wrong_steps",
              "base_right_answer_wrong_steps")
gain = Paired(rl_pad, "pass_1", "base_pass_1")
table = []
for name, label in (("steps_ok", "every column right"),
                    ("right_answer_wrong_steps",
                     "right result, a wrong column"),
                    ("pass_1", "right result (pass@1)"),
                    ("greedy", "greedy answer right")):
    table.append((label, f"{s_['base_' + name].estimate:.1%}",
                  f"{s_[name].estimate:.1%}"))
text = (
    "Seed by seed, right results with a wrong column changed by "
    f"{hack.diff.estimate:+.1%} ({hack.verdict}) and pass@1 by "
    f"{gain.diff.estimate:+.1%} ({gain.verdict}). "
    + ("Rewarding only the result let the steps drift away from right "
       "arithmetic" if hack.verdict == "higher" else
       "No drift of the steps is shown at this scale"))
if hack.verdict == "higher" and gain.verdict != "higher":
    text += (
        ", and without the reward rising: drift, not a hack that pays. "
        "Nothing in the reward holds the columns in place, and at this "
        "learning rate the policy wandered (its KL to the start is "
        f"{s_['kl_last']:.1f} nats per answer at the end)")
display(HTML(plots.html_table(
    ["scratchpad samples", "before RL", "after RL"], table)),
    Markdown(text + "."))

# %%
rl_view = rl_explorer(cache=cache, seed=SEEDS[0])
rl_frames = rl_view.precompute(workers=1)
rl_view

# %% [markdown]
# ## The two recipes, end to end
#
# The regularized recipe of the earlier chapters: dropout to the end of training, sample at temperature 1, take one
# answer. The sharp recipe: no dropout late in training (switched off for the last 30%, or never used), then
# temperature 0, a vote, a checker, or RL. Every row is a mean over the evaluation seeds with its 95% interval.

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
table = [(name, f"{iv.estimate:.1%}" + (
          f" [{iv.low:.1%}, {iv.high:.1%}]" if iv.low is not None
          else ""),
          "" if iv is first else compare(iv, first).verdict)
         for name, iv in rows]
display(HTML(plots.html_table(
    ["recipe", "test accuracy", "vs regularized"], table)), Markdown(
    "*The last column compares each row's interval with the first "
    "row's: disjoint intervals are higher or lower.*"))
late_vs = Paired([dict(metrics={"a": a["metrics"]["greedy"],
                               "b": b["metrics"]["greedy"]})
                   for a, b in zip(late, regular, strict=True)], "a", "b")
Markdown(
    "Switching dropout off for the last 30% of training changed greedy "
    f"accuracy by {late_vs.diff.estimate:+.1%} ({late_vs.verdict}). "
    "Without a checker the sharp recipe's best is temperature 0 or the "
    f"vote; with one, best-of-{K} reaches "
    f"{lt['pass_k'].estimate:.1%}, against {first.estimate:.1%} for the "
    "regularized recipe's one warm sample. (Facts are not in this "
    "table: the facts world did not fit this chapter's time budget; "
    "chapter 5 measures recall with and without dropout.)")

# %% [markdown]
# Chapter 10 reads the rows pictured above from the same runs; its sanity checks (true by construction) test the
# machinery and never count towards a claim's verdict. The takeaway keeps each claim's rows in a dropdown.

# %% tags=["hide-input"]
# this chapter's verdicts; chapter 10 has every chapter's rows
from minigpt.verdict_page import takeaway

takeaway(cache, "sharpening", max_rows=0)  # the rows are pictured above

# %% [markdown]
# ## Exercises
#
# **1. Where does the vote's gain come from?** For the direct model at the protocol's temperature, count the
# problems where the vote over its k samples is right and greedy is wrong, and the reverse. Predict first: which
# count is larger?
#
# :::{admonition} Solution (computed in this build, below)
# :class: dropdown
#
# Every run stores its per-problem scores (`items`: 1 right, 0 wrong, problem by problem), so the two counts need no
# new sampling:
#
# ```python
# for r in direct:
#     it = r["items"]
#     wins = sum(v and not g for v, g in zip(it["vote"], it["greedy"]))
#     losses = sum(g and not v for v, g in zip(it["vote"], it["greedy"]))
#     print(r["params"]["seed"], wins, losses)
# ```
#
# The hidden cell below prints both counts for every evaluation seed. The vote wins where the greedy token at some
# digit was a near-tie that sampling resolves the other way most of the time; it loses where the right answer is
# the single most likely one but below half the mass. The prediction: near-ties are rare in a model trained this
# far, so both counts are small and close; the cell says whether they were.
# :::

# %% tags=["hide-input", "hide-output"]
smp = direct[0]["spec"]["sample"]
print(f"direct answers, vote over {smp['k']} samples at temperature "
      f"{smp['temperature']:g} against greedy:")
for r in direct:
    v, g = r["items"]["vote"], r["items"]["greedy"]
    wins = sum(a and not b for a, b in zip(v, g, strict=True))
    losses = sum(b and not a for a, b in zip(v, g, strict=True))
    print(f"  seed {r['params']['seed']}: vote right and greedy wrong on "
          f"{wins:.0f} problems, the reverse on {losses:.0f}, "
          f"of {len(v)}")

# %% [markdown]
# **2. A checker that is a coin.** Set the checker's error to 0.5 in the explorer's notebook view (or
# `cache.run(sharpen_addition, verifier_error=0.3)` and compare 0.3 with 0.1). Predict: at error 0.5, is best-of-k
# better or worse than the vote?
#
# :::{admonition} Solution (a prediction at 0.5; the errors up to 0.3 are computed in this build)
# :class: dropdown
#
# The experiment offers errors up to 0.3 (`VERIFIER_ERRORS`); at 0.5 the checker's verdict says nothing about the
# answer, so the accepted answers are a random half of the samples and their majority is a vote over about $k/2$
# samples: slightly worse than the vote over all $k$. `best_of_k_accuracy` in `minigpt.metrics` takes any error;
# try it on a bank (`sharpening.sample_bank`). The hidden cell below reads the curves the runs above stored: the
# direct model's best-of-k at each error the experiment offers against the vote, at the protocol's temperature
# and k, mean over the evaluation seeds. If the gap shrinks as the error grows, extend the trend to 0.5.
# :::

# %% tags=["hide-input", "hide-output"]
t_key, k_at = f"{smp['temperature']:g}", direct[0]["curves"]["ks"]
i = k_at.index(smp["k"])
vote = mean_interval([r["curves"][t_key]["vote"][i] for r in direct],
                     bounds=SHARE)
print(f"vote over {smp['k']}: {vote:.1%}")
for e in direct[0]["curves"][t_key]["best_of"]:
    best = mean_interval([r["curves"][t_key]["best_of"][e][i]
                          for r in direct], bounds=SHARE)
    print(f"best-of-{smp['k']}, checker error {e}: {best:.1%}")

# %% [markdown]
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
# of both effects. Each run takes about a minute; run every seed of `SEEDS` before you believe a difference.
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
