# %% [markdown]
# # Three worlds with ground truth
#
# "The model knows this fact", "the model can add", "the model writes new stories": on real text such claims are hard
# to test, because nobody has the full list of facts, or a program that says whether a story is new and well formed.
# This book trains on three small worlds that we generate ourselves, so the truth is known exactly and every claim
# becomes a number:
#
# | world | the training text | what is checked |
# |---|---|---|
# | **facts** | made-up people and their attributes, in several phrasings | is the answer to a question exactly right? |
# | **arithmetic** | modular addition and multi-digit sums | is the sum right? |
# | **stories** | short stories from a small grammar | is a sentence grammatical? is it copied from training? |
#
# Every world is a seeded generator (the same configuration gives the same world on every machine), a training
# text, and a *checker*: a function that decides right or wrong for anything a model might write.
#
# **The question.** *What do the worlds and their checkers look like, and how unevenly does the facts world spread
# its facts? How often is a fact stated in the training text, and does that decide whether a model learns it?*
#
# ```{admonition} Predict first
# :class: tip
# 1. The facts world has 64 people with 4 facts each. Each fact is stated in 1, 2, 4, ..., or 128 sentences, with
#    as many facts at each of these eight levels. Guess the share of the training text that is about the facts
#    stated 64 or 128 times.
# 2. A small model trains on that text for 1,500 steps. What share of the facts stated once will it recall
#    exactly? Of the facts stated 16 times or more?
# 3. The story grammar has a vocabulary of about 110 words. How many different sentences can it write: thousands,
#    millions, billions? If you shuffle the words of a grammatical sentence, how often is it still grammatical?
# ```

# %% tags=["remove-cell"]
# colab-install: scripts/notebooks.py writes the Colab install cell here

# %%
import base64
import os
import random
from collections import Counter

import matplotlib.pyplot as plt
import torch
from IPython.display import HTML, Markdown, display

from minigpt import GPT, CharTokenizer, ModelConfig, TrainConfig, Trainer
from minigpt.metrics import exact_match_recall, recall_by_frequency
from minigpt.stats import proportion_interval
from minigpt.worlds import (
    ADDITION_FORMATS,
    AdditionConfig,
    FactsConfig,
    ModularConfig,
    StoriesConfig,
    make_addition,
    make_facts,
    make_modular,
    make_stories,
    recall,
)
from minigpt.worlds.facts import VALUE_SETS
from minigpt.worlds.stories import language_size, realize, sample_words

# A model this small gains little from a second CPU thread, and one thread
# keeps its speed when other programs share the CPU (several threads then
# wait for each other).
torch.set_num_threads(1)

# MINIGPT_FAST=1 shrinks every experiment so the chapter runs in seconds
# (the notebook tests use it).
FAST = os.environ.get("MINIGPT_FAST") == "1"
# the one small training run of this chapter
RECALL_STEPS = 30 if FAST else 1500
# random sentences for the shuffling and copying counts
N_TRIALS = 300 if FAST else 5000
print(f"FAST={FAST}: {RECALL_STEPS} training steps, "
      f"{N_TRIALS} trial sentences")


def table(rows, header):
    # a small HTML table; rows are lists of cells
    cells = "".join(
        "<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>"
        for row in rows
    )
    return HTML("<table><tr>" + "".join(f"<th>{h}</th>" for h in header)
                + f"</tr>{cells}</table>")


def mark(ok):
    # words, not emoji: the book ships no emoji font, and a word needs no
    # colour to be read
    return "<b>accepted</b>" if ok else "<i>rejected</i>"


# %% [markdown]
# ## Facts: a made-up encyclopedia
#
# The facts world invents people (names built from syllables, so none is real), gives each a value for a few
# attributes (birth city, birth year, trade, favourite colour), and writes the training text: one statement per line.
# Most lines are biography sentences, each in one of four templates of its attribute; for half of the people, each
# fact also appears once as a question and answer.

# %%
facts = make_facts(FactsConfig(seed=0))
print(facts.config)
for e in facts.entities[:3]:
    print(f"{e.name:18} {dict(e.values)}  "
          f"stated {dict(e.mentions)} times  ({e.group})")
print()
print("\n".join(facts.train_text.splitlines()[:8]))

# %% [markdown]
# A model is tested with **probes**: a prompt and the exact answer expected. There are five splits, each asking
# something different:
#
# - `cloze`: the start of a sentence that stated the fact in training (can the model complete what it read?);
# - `recitation`: the question form that appears in the training text, for the people who have Q/A lines (can the
#   model recite a question and answer it was trained on?);
# - `extraction`: the same question form for people who appear in training only in sentences (can the model answer
#   a question about something it only read about? {cite:p}`allenzhu2023knowledge`);
# - `heldout_phrasing`: the facts asked with a question template, or completed with a sentence template, that
#   never appears in training (does the knowledge carry over to new wording?);
# - `unseen`: people who never appear in training at all (the honest answer is "I don't know").

# %%
rows = []
for name, probes in facts.splits.items():
    p = probes[1]
    rows.append([name, len(probes), f"<code>{p.question}</code>",
                 f"<code>{p.answer}</code>"])
table(rows, ["split", "probes", "example prompt", "expected answer"])

# %% [markdown]
# The **checker** compares the model's output with the expected answer, exactly. The output is cut at the first
# newline (a newline ends an answer, so the model has to say where its answer stops). Anything else, even a trailing
# space or a lowercase letter, is wrong:

# %%
probe = facts.recitation[0]
other = next(v for v in VALUE_SETS[probe.attribute] if v != probe.answer)
tries = [
    (probe.answer, "the right value"),
    (probe.answer + "\nQ: When was",
     "right value, then a newline and more text"),
    (other, "another value of the same attribute"),
    (probe.answer.lower(), "lower case"),
    (probe.answer + " ", "a trailing space"),
    ("", "nothing"),
]
print("prompt:", repr(probe.question))
table([[f"<code>{out!r}</code>", what,
        mark(facts.check(probe.question, out))] for out, what in tries],
      ["model output", "what it is", "checker"])

# %% [markdown]
# ### A long tail of exposure
#
# Real text mentions a few things very often and most things rarely: word and name frequencies roughly follow
# Zipf's law {cite:p}`piantadosi2014zipf`, frequency proportional to $1/\text{rank}^s$ with $s$ near 1. The facts world
# gives every fact one of eight exposure levels, 1, 2, 4, ..., 128 sentences, and by default puts as many facts at
# each level (8 per attribute), so that recall can be measured equally well at every level. The level of a fact is
# drawn independently of its attribute and of the person's other facts. Here is what that does:

# %%
known = [e for e in facts.entities if e.group != "unseen"]
mentions = sorted((sum(e.mentions.values()) for e in known), reverse=True)
# one cloze probe per fact of every person in the training text
every_fact = facts.cloze
stated = Counter(f.frequency for f in every_fact)

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.4))
ranks = range(1, len(mentions) + 1)
ax1.loglog(ranks, mentions, "o", ms=3, label="this world")
ax1.loglog(ranks, [mentions[0] / r for r in ranks], "k:", lw=1,
           label="Zipf: top / rank")
ax1.set(xlabel="person, by rank", ylabel="sentences about them",
        title="Mentions per person")
ax1.legend()
xs = sorted(stated)
ax2.bar([str(x) for x in xs], [stated[x] for x in xs])
ax2.set(xlabel="times the fact is stated in the training text",
        ylabel="facts", title="Exposure per fact")
plt.tight_layout()
plt.show()

n_lines = len(facts.train_text.splitlines())
share_once = stated[1] / len(every_fact)
share_top = sum(f.frequency for f in every_fact
                if f.frequency >= 64) / len(facts.bio_lines)
print(f"{len(every_fact)} facts in {len(facts.bio_lines)} biography "
      f"sentences and {len(facts.qa_lines)} Q/A lines")
print(f"stated once: {share_once:.0%} of the facts")
print(f"the facts stated 64 or 128 times fill {share_top:.0%} "
      "of the biographies")

# %% [markdown]
# An eighth of the facts are stated once, and an eighth 128 times, yet those frequent facts fill half the text. The
# explorer below changes how the facts are shared among the levels: the share at level $c$ is proportional to
# $c^{-s}$, so $s = 0$ is the default (as many facts at every level) and $s = 1$ is a Zipf-like tail where most
# facts are rare. (Each setting is a new world: the total number of lines changes too.)

# %% tags=["hide-input"]
import ipywidgets as widgets

from minigpt.explore import SliderView
from minigpt.plots import fig_to_png_bytes, new_figure


def png(fig):  # a figure as an <img> that carries its own pixels
    return ('<img src="data:image/png;base64,'
            f'{base64.b64encode(fig_to_png_bytes(fig)).decode()}">')


# %% tags=["hide-input"]
def render_tail(exponent):
    w = make_facts(FactsConfig(tail_exponent=exponent, seed=0))
    freq = sorted((f.frequency for f in w.cloze), reverse=True)
    # not kept by pyplot: nothing to close
    fig = new_figure(6, 2.6, layout="constrained")
    ax = fig.subplots()
    ax.bar(range(len(freq)), freq, width=1.0)
    ax.set(yscale="log", ylim=(0.8, 160), xlabel="fact, most stated first",
           ylabel="times stated")
    once = sum(f == 1 for f in freq) / len(freq)
    lines = len(w.bio_lines)
    top = sum(f for f in freq if f >= 64) / lines
    return png(fig) + (f"<p>{lines} biography sentences; {once:.0%} of "
                       "facts stated once; the facts stated 64 or 128 "
                       f"times fill {top:.0%} of them.</p>")


SliderView(
    "tail exponent s", [0.0, 0.5, 1.0, 1.5, 2.0], render_tail, start=0,
    live_slider=widgets.FloatSlider(value=0.0, min=0.0, max=3.0, step=0.1),
)

# %% [markdown]
# ### Does exposure decide what a model learns?
#
# A first look (chapter 5 studies this properly). We train a small GPT, the same size as in chapter 1, on the facts
# text and probe every fact of the `cloze` split with {term}`greedy decoding`. `recall()` returns one `True`/`False` per
# probe, so we can group the facts by how often they were stated.
#
# What does *knowing nothing* score? A model that ignores the name and always answers the most common value of each
# attribute is sometimes right by luck. The checker lets us compute that **baseline** exactly, from the ground truth.

# %%
tok = CharTokenizer.from_text(facts.alphabet)
ids = torch.tensor(tok.encode(facts.train_text), dtype=torch.long)
model = GPT(ModelConfig(vocab_size=tok.vocab_size, block_size=64,
                        n_layer=2, n_head=4, n_embd=64), seed=0)
history = Trainer(model, TrainConfig(
    steps=RECALL_STEPS, lr=3e-3, warmup_steps=min(50, RECALL_STEPS // 5),
    eval_interval=RECALL_STEPS, seed=0,
), ids).fit()

probes = facts.cloze
correct = recall(model, tok, probes)
freqs = [p.frequency for p in probes]
buckets = recall_by_frequency(correct, freqs, edges=[1, 2, 4, 8, 16, 256])

modal = {a: Counter(p.value for p in probes
                    if p.attribute == a).most_common(1)[0][0]
         for a in facts.config.attributes}
guess = [p.value == modal[p.attribute] for p in probes]
guess_buckets = recall_by_frequency(guess, freqs,
                                    edges=[1, 2, 4, 8, 16, 256])

labels = [f"{b.lo}" if b.hi - b.lo == 1 else f"{b.lo}-{b.hi - 1}"
          for b in buckets]
labels[-1] = f"{buckets[-1].lo}+"
fig, ax = plt.subplots(figsize=(7, 3.2))
ax.bar(labels, [b.recall for b in buckets], label="trained model")
ax.plot(labels, [b.recall for b in guess_buckets], "k_", ms=30, mew=2,
        label="baseline: most common value")
for i, b in enumerate(buckets):
    ax.text(i, b.recall + 0.02, f"n={b.n}", ha="center", fontsize=8)
ax.set(xlabel="times the fact is stated in the training text",
       ylabel="exact recall", ylim=(0, 1.1),
       title=f"Recall after {RECALL_STEPS} steps "
             f"(last training loss {history.train_loss[-1]:.2f})")
# outside the axes: inside, it would cover the n= labels of some bars
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
plt.show()

other_splits = {s: exact_match_recall(recall(model, tok, facts.split(s)))
                for s in ("recitation", "extraction", "heldout_phrasing",
                          "unseen")}
# the same guesser on the other splits
other_guess = {
    s: exact_match_recall([p.value == modal[p.attribute]
                           for p in facts.split(s)])
    for s in other_splits
}
# steps x batch x window, over the length of the text
epochs = RECALL_STEPS * 32 * 64 / len(ids)
print(f"in {RECALL_STEPS} steps the model read about {epochs:.0f} times "
      "as many characters as the text holds")
print(f"recall on cloze probes: {exact_match_recall(correct):.0%} "
      f"(baseline {exact_match_recall(guess):.0%})")
for s, r in other_splits.items():
    print(f"recall on {s}: {r:.0%} (baseline {other_guess[s]:.0%})")

# Is each split above guessing? A Wilson interval over the split's probes
# (one trained model: this is the spread of the probes, not of seeds).
# The guesser's score is exact: it is computed on the same probes.
scored = {"cloze": correct, **{s: recall(model, tok, facts.split(s))
                               for s in other_splits}}
baseline = {"cloze": exact_match_recall(guess), **other_guess}
above = {}
for s, hits in scored.items():
    iv = proportion_interval(sum(hits), len(hits))
    above[s] = iv.low > baseline[s]
    print(f"{s:>16}: {iv:.0%} vs guessing {baseline[s]:.0%}: "
          + ("above guessing" if above[s] else "not shown above guessing"))

# %% [markdown]
# "Stated once" does not mean "seen once": training reads the whole text many times over (the number of passes is
# printed above), so a fact stated once is seen about once per pass (windows are drawn at random), and a fact stated
# 16 times is seen 16 times as often.
# A fact's **exposure** is how often it is stated times how long we train. Compare each bar with its baseline, and
# mind the `n` above it: a bucket of 32 facts is a small sample, so its share moves from run to run. The other splits
# are printed with their own baselines: recall of trained Q/A lines, of questions about people the model only read
# about, of new phrasings, and of people it never saw, is what tells reciting a line from knowing a fact in any
# wording. What this run says:
#
# %% tags=["hide-input"]
trained_lines = [s for s in ("cloze", "recitation") if above[s]]
transfer = [s for s in ("extraction", "heldout_phrasing") if above[s]]
words = {"cloze": "completing trained sentences",
         "recitation": "answering trained questions",
         "extraction": "answering questions about people it only read "
                       "about",
         "heldout_phrasing": "answering in new phrasings"}


def listed(xs):
    return " and ".join(words[x] for x in xs)


def pct(s):
    r = exact_match_recall(scored[s])
    return f"{r:.0%} (guessing {baseline[s]:.0%})"


if trained_lines and not transfer:
    verdict = (
        "In this run the model recites lines rather than knowing facts: "
        f"it is above guessing only at {listed(trained_lines)}, while "
        "questions about people it only read about score "
        f"{pct('extraction')} and new phrasings "
        f"{pct('heldout_phrasing')}, not shown above guessing the most "
        "common value.")
elif transfer:
    verdict = (
        f"In this run the model is above guessing at {listed(transfer)}: "
        f"{pct('extraction')} on questions about people it only read "
        f"about, {pct('heldout_phrasing')} on new phrasings. Part of what "
        "it learned carries over beyond the lines it read.")
else:
    verdict = ("In this run the model is not shown above guessing on any "
               "split: it has not learned the facts yet (a fast-mode run "
               "is far too short).")
display(Markdown(verdict + " Chapter 5 asks what dropout does to this."))

# %% [markdown]
# ## Arithmetic: sums with one right answer
#
# ### Modular addition
#
# $a + b \bmod p$ is the task on which {term}`grokking` was first seen {cite:p}`power2022grokking`: a network that has
# memorised its training pairs suddenly generalizes to the rest, long after. Every residue is written as one opaque
# symbol (0 is `a`, 1 is `b`, ..., 26 is `A`), so the model cannot read structure off the digits; it has to find the
# group structure itself. Here is the whole world for $p = 7$. Each cell is the answer to *row + column*; half of the
# 49 pairs are for training (green, bold, boxed) and the other half are the test (grey, plain):

# %%
mod7 = make_modular(ModularConfig(p=7, seed=0))
answer = {(q.a, q.b): (q.answer, q.split) for q in mod7.train + mod7.test}
sym = "abcdefg"
rows = []
for a in range(7):
    row = [f"<b>{sym[a]}</b> ({a})"]
    for b in range(7):
        ans, split = answer[(a, b)]
        # colour and a second cue, for readers who do not see the colour
        look = ("background:#c7e9c0;font-weight:bold;"
                "outline:1px solid #4a9a4a" if split == "train"
                else "background:#eeeeee;color:#555555")
        row.append(f'<span style="{look};padding:2px 6px">{ans}</span>')
    rows.append(row)
display(table(rows, ["+"] + [f"{sym[b]} ({b})" for b in range(7)]))
print("training lines:", mod7.train_text.splitlines()[:6])

# %%
mod31 = make_modular(ModularConfig(p=31, seed=0))
train_q = {q.question for q in mod31.train}
# no test problem is in training
assert not train_q & {q.question for q in mod31.test}
print(f"p = 31: {len(mod31.train) + len(mod31.test)} problems, "
      f"{len(mod31.train)} for training, {len(mod31.test)} held out; "
      "every line has "
      f"{len(mod31.train[0].question + mod31.train[0].answer)} characters")

# %% [markdown]
# ### Multi-digit addition, in three formats
#
# A sum can be written in different ways, and the format changes how hard the task is for a model that writes left
# to right {cite:p}`lee2024teaching`. `plain` writes the sum as usual, but its first digit depends on the carries
# from every column to its right, which a left-to-right writer has not computed yet.
# `reversed` writes the digits least significant first, in the order the carries are computed. `scratchpad` writes
# each column's work before the result; only the result after the last `;` is scored.

# %%
rows = []
for fmt in ADDITION_FORMATS:
    w = make_addition(AdditionConfig(n_digits=3, n_train=2000, n_test=500,
                                     format=fmt, seed=0))
    p = w.train[1]
    rows.append([fmt, f"<code>{p.question}</code>",
                 f"<code>{p.answer}</code>"])
table(rows, ["format", "prompt", "expected answer"])

# %% [markdown]
# The checker *parses* the output instead of comparing strings, so it can say why an answer fails. It accepts only
# the canonical form of the right number: no leading zeros, no spaces, no words.

# %%
plain = make_addition(AdditionConfig(n_digits=2, format="plain", seed=0))
pad = make_addition(AdditionConfig(n_digits=2, format="scratchpad",
                                   seed=0))
p = plain.train[0]
right = str(p.result)
tries = [
    (plain, p.question, right, "the right sum"),
    (plain, p.question, right + "\n12+", "right sum, then a newline"),
    (plain, p.question, str(p.result + 1), "off by one"),
    (plain, p.question, "0" + right, "a leading zero"),
    (plain, p.question, " " + right, "a leading space"),
    (plain, p.question, "seventy", "words"),
    (pad, p.question, pad.train[0].answer, "scratchpad, all right"),
    (pad, p.question, "9+9+0=00,0+0+0=00;" + right,
     "scratchpad, wrong steps, right result"),
]
table([[f"<code>{q}</code>", f"<code>{out!r}</code>", what,
        mark(w.check(q, out)), repr(w.parse(out))]
       for w, q, out, what in tries],
      ["prompt", "model output", "what it is", "checker", "parsed as"])

# %% [markdown]
# The last row is a limit worth knowing: the scratchpad checker scores only the result, so a model could be right
# for the wrong reasons. A checker measures exactly what it checks, and nothing more.
#
# ## Stories: a grammar with a recognizer
#
# The stories world samples sentences from a small probabilistic grammar: a subject, a verb, what the verb needs
# (an object, a direction, another character), optional places and adverbs. "a" and "an" must agree with the next
# word. Stories are 3 to 5 sentences; most sentences of a story share its main character.

# %%
# the default world: 300 training stories
stories = make_stories(StoriesConfig(seed=0))
rng = random.Random(1)
for _ in range(5):
    print(realize(sample_words(rng)))
print()
print(f"the grammar can write {language_size():,} different sentences")
print(f"the {stories.config.n_stories} training stories use "
      f"{len(stories.train_sentences):,} of them")

# %% [markdown]
# The checker for a sentence is a **recognizer**: it parses the sentence against the same grammar rules that the
# generator samples from; it does not look sentences up in a list. So it can judge sentences nobody has ever written.
# Here it is on a valid sentence and on small corruptions of it:

# %%
base = "Mira found a red key in the forest."
tries = [
    (base, "a sentence of the grammar"),
    ("Mira found an red key in the forest.", "'an' before a consonant"),
    ("Mira found an old key in the forest.", "'an' before a vowel"),
    ("Mira found a key red in the forest.", "two words swapped"),
    ("Mira found a purple key in the forest.",
     "a word outside the lexicon"),
    ("Mira slept a red key.", "a verb that takes no object"),
    ("mira found a red key in the forest.", "lower-case first letter"),
    ("Mira found a red  key in the forest.", "two spaces"),
    ("Mira found a red key in the forest", "no full stop"),
    ("The fox met the fox.", "grammatical, if odd"),
]
table([[f"<code>{s}</code>", what, mark(stories.is_valid(s))]
       for s, what in tries],
      ["sentence", "what it is", "recognizer"])

# %% [markdown]
# How strict is that? Take random sentences of the grammar, shuffle their words, and count how many the recognizer
# still accepts. And the other side of the coin, which matters in chapter 3: if a *perfect* model wrote fresh stories
# from exactly the training distribution, how many of its sentences would already be in the training set? Short,
# common sentences like "Pip slept." come up again and again, so some "copying" happens even without memorisation.

# %%
rng = random.Random(2)
shuffled_valid = 0
for _ in range(N_TRIALS):
    words = sample_words(rng)[:-1]  # the words without the final "."
    rng.shuffle(words)
    shuffled_valid += stories.is_valid(realize(words + ["."]))

fresh = make_stories(StoriesConfig(n_stories=N_TRIALS // 4,
                                   n_val_stories=0, seed=123))
fresh_sentences = [s for story in fresh.train_stories for s in story]
kinds = Counter(stories.classify(s) for s in fresh_sentences)
print("shuffled sentences still valid: "
      f"{shuffled_valid / N_TRIALS:.1%} of {N_TRIALS}")
print("fresh sentences from the same distribution: "
      f"{len(fresh_sentences)}, of which "
      f"{kinds['copied'] / len(fresh_sentences):.0%} are in the training "
      f"set, {kinds['novel'] / len(fresh_sentences):.0%} novel, "
      f"{kinds['invalid']} invalid")

# %% [markdown]
# Every sentence a model writes can now be given one of three labels: **copied** (in the training set),
# **novel** (valid and not in the training set) or **invalid**. Those three numbers are how chapters 3 and 7 measure
# memorisation and creativity.
#
# ## The measured answer

# %% tags=["hide-input"]
low, high = buckets[0], buckets[-1]
display(Markdown(f'''
- **Facts.** Of {len(every_fact)} facts, **{share_once:.0%} are stated only
  once** in the training text, while the facts stated 64 or 128 times fill
  {share_top:.0%} of the biographies. After {RECALL_STEPS} training steps
  (about {epochs:.0f} passes over the text) a small GPT completed
  **{low.recall:.0%}** of the sentences of facts stated once (guessing the
  most common value: {guess_buckets[0].recall:.0%}) and
  **{high.recall:.0%}** of those stated {high.lo} times or more. It
  answered {other_splits["recitation"]:.0%} of the trained questions
  (baseline {other_guess["recitation"]:.0%}),
  {other_splits["extraction"]:.0%} of the questions about people it had
  only read about (baseline {other_guess["extraction"]:.0%}),
  {other_splits["heldout_phrasing"]:.0%} of the new phrasings (baseline
  {other_guess["heldout_phrasing"]:.0%}) and
  {other_splits["unseen"]:.0%} about people it never saw (baseline
  {other_guess["unseen"]:.0%}).
- **Arithmetic.** Modular addition with p = 31 has
  {len(mod31.train) + len(mod31.test)} problems, split
  {len(mod31.train)} / {len(mod31.test)} with no overlap; the checker
  accepts only the canonical right answer.
- **Stories.** The grammar writes {language_size():,} sentences; the
  {stories.config.n_stories} training stories hold
  {len(stories.train_sentences):,}. Shuffling the words of a sentence
  leaves it valid {shuffled_valid / N_TRIALS:.1%} of the time, and a
  perfect sampler of the story distribution would still write
  {kinds['copied'] / len(fresh_sentences):.0%} of its sentences that are
  in the training set.
'''))

# %% [markdown]
# Because each world knows its own truth, "how much does a model know" has an exact answer, and so does "how much
# of that is exposure". The exposure is very uneven: in a Zipf-like world most facts are rare, and how often a fact
# is stated is the first thing to look at when a model does or does not recall it.
#
# ## Exercises
#
# **1. Flatten the tail.** `FactsConfig(mention_levels=(8,))` states every fact exactly 8 times. How many
# biography sentences does that world have? What single level gives a flat world with about as many sentences as
# the default one?
#
# ````{admonition} Solution
# :class: dropdown
# 64 people × 4 facts × 8 = 2,048 sentences. The default world states its 256 facts 1 + 2 + ... + 128 = 255 times
# per group of eight, 8,160 sentences in all, an average of about 32 per fact: `mention_levels=(32,)` gives 8,192.
#
# ```python
# flat = make_facts(FactsConfig(mention_levels=(32,)))
# print(len(flat.bio_lines), Counter(f.frequency for f in flat.cloze))
# ```
# ````
#
# **2. Chance per attribute.** The baseline above pools four attributes. Compute it for each attribute separately.
# Why is it so different between `birth_year` and `colour`?
#
# ````{admonition} Solution
# :class: dropdown
# ```python
# for a in facts.config.attributes:
#     g = [p.value == modal[a] for p in probes if p.attribute == a]
#     print(a, len(VALUE_SETS[a]), f"{sum(g) / len(g):.0%}")
# ```
# A birth year is one of 100 values, a colour one of 12. In a sample of 64 people the most common value always comes
# up a little more often than 1 in |S| (some value is bound to repeat more than average), but the gap stays large:
# a few percent for years, about one in ten for colours, cities and trades. A recall number means little until you
# know what guessing scores.
# ````
#
# **3. Leading zeros.** The number in `"074"` is right. Why does the checker reject it? Think about what a model that
# sometimes writes `074` and sometimes `74` has learned, and about the `reversed` format.
#
# ```{admonition} Solution
# :class: dropdown
# The format is part of the task. A checker that accepts several spellings of a number lets format errors hide inside
# "correct" answers, and then two runs with the same score may have learned different things. In the reversed format
# the zeros would be ambiguous too: `470` read backwards is `074`, so accepting leading zeros there means accepting
# trailing zeros, and a stray `0` at the end of an answer would go unnoticed.
# ```
#
# **4. Fool the recognizer.** Write three sentences the recognizer accepts that a person would find wrong or silly.
# What does that say about what "valid" measures?
#
# ```{admonition} Solution
# :class: dropdown
# For example `"Pip gave Pip a coin."`, `"The fox met the fox in the attic."`, `"The king painted the ancient egg
# under the river."`. Validity is grammar, not meaning: it does not check that two characters are different, that
# events make sense, or that a story hangs together. A model that scores 100% valid can still write nonsense stories;
# the number measures exactly the rules the grammar encodes.
# ```
