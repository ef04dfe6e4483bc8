# %% [markdown]
# # A GPT from scratch
#
# In this chapter you build a GPT piece by piece: turn text into numbers, write attention by hand, stack it into
# blocks, train the model on a CPU, and sample from it. Each piece you write is checked against the library
# `minigpt`, which the later chapters use.
#
# **The question.** *A GPT small enough to read in one file, trained for a couple of thousand steps on a laptop CPU:
# does it write sentences that follow the grammar of its training stories? And are those sentences its own, or
# copies?*
#
# We can answer this exactly because the stories come from a small grammar that we wrote (chapter 2 shows it), so a
# program can check every sentence the model writes.
#
# ```{admonition} Predict first
# :class: tip
# Write your guesses down before you run anything.
# 1. Before training, the model picks the next character from about 50. What loss (cross-entropy, in nats) will it
#    have at step 0?
# 2. A model that only counts which character follows which (a *bigram* model, built below in a second): what
#    share of its sentences will be grammatical?
# 3. After training, what share of the sentences the GPT writes at temperature 1 will be grammatical? What share
#    will be copied word for word from the training stories?
# 4. Will greedy decoding (temperature 0) write more or fewer grammatical sentences than temperature 1? More or
#    fewer copies? How many *different* sentences?
# ```

# %% tags=["remove-cell"]
# colab-install: scripts/notebooks.py writes the Colab install cell here

# %%
import dataclasses
import math
import os
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from IPython.display import HTML, Markdown, display

from minigpt import (
    GPT,
    CharTokenizer,
    ModelConfig,
    TrainConfig,
    Trainer,
    generate,
)
from minigpt.worlds import StoriesConfig, make_stories, split_sentences
from minigpt.worlds.stories import CREATURES, NAMES

# A model this small gains little from a second CPU thread, and one thread
# keeps its speed when other programs share the CPU (several threads then
# wait for each other).
torch.set_num_threads(1)

# MINIGPT_FAST=1 shrinks every experiment so the chapter runs in seconds
# (the notebook tests use it).
FAST = os.environ.get("MINIGPT_FAST") == "1"
# training steps (the page prints how long they took on this machine)
STEPS = 50 if FAST else 2000
# how often to measure train and validation loss
EVAL_INTERVAL = 10 if FAST else 100
SAMPLE_CHARS = 80 if FAST else 300  # characters written per sample
N_STORIES = 2000  # training stories (about 250,000 characters)
print(f"FAST={FAST}: {STEPS} training steps")

# %% [markdown]
# ## The data: stories from a grammar
#
# The stories world writes short stories from a grammar with a fixed vocabulary of names, creatures, objects and
# places. Here are the first three training stories, one story per line:

# %%
world = make_stories(
    StoriesConfig(n_stories=N_STORIES, n_val_stories=200, seed=0)
)
print(world.train_text[:430])
print(f"training text: {len(world.train_text):,} characters, "
      f"{len(world.train_sentences):,} distinct sentences")
print(f"validation text: {len(world.val_text):,} characters "
      "(fresh stories from the same grammar)")

# %% [markdown]
# ## Tokens: text as numbers
#
# A model reads numbers, not letters. The simplest tokenizer gives every character its own id. `CharTokenizer` does
# that, after a few *special* tokens (`<pad>`, `<bos>`, `<eos>`) that these chapters barely need. We build it from the
# world's alphabet, every character a story can contain, so any sentence the grammar can write can be encoded.

# %%
tok = CharTokenizer.from_text(world.alphabet)
print("vocabulary size:", tok.vocab_size)
print("characters:", repr("".join(tok.chars)))
ids = tok.encode("The fox ran.")
print(ids, "->", repr(tok.decode(ids)))

# %% [markdown]
# The whole training text becomes one long tensor of ids. A language model learns to predict the **next** token:
# given the characters up to position $t$, it outputs a probability for each possible character at $t+1$. So a
# training example is a window `x` of the text, and its targets `y` are the same window shifted by one. One window of
# length $T$ holds $T$ predictions at once:

# %%
train_ids = torch.tensor(tok.encode(world.train_text), dtype=torch.long)
val_ids = torch.tensor(tok.encode(world.val_text), dtype=torch.long)

x, y = train_ids[:8], train_ids[1:9]
for t in range(8):
    print(f"context {tok.decode(x[:t + 1])!r:12} "
          f"-> next {tok.decode(y[t:t + 1])!r}")


# %% [markdown]
# ## A first model in a second: counting pairs
#
# Before any neural network, the simplest language model of all: count, in the training text, how often each
# character follows each other character, and predict the next character from the last one alone. This *bigram*
# model is a table of $V \times V$ counts. Its loss on the validation stories is a baseline every later model must
# beat, and its samples show what one character of context can do. (Adding 0.1 to every count keeps unseen pairs
# possible, so the {term}`validation loss` stays finite.)

# %%
V = tok.vocab_size
counts = torch.full((V, V), 0.1)
counts.index_put_((train_ids[:-1], train_ids[1:]),
                  torch.ones(len(train_ids) - 1), accumulate=True)
bigram = counts / counts.sum(dim=1, keepdim=True)  # row: P(next | last)
bigram_val_loss = -bigram[val_ids[:-1], val_ids[1:]].log().mean().item()
print(f"bigram validation loss: {bigram_val_loss:.3f} nats per character"
      f"  (uniform guess: ln V = {math.log(V):.3f})")


def bigram_write(prompt, n_chars, gen):
    ids = tok.encode(prompt)
    for _ in range(n_chars):
        ids.append(torch.multinomial(bigram[ids[-1]], 1,
                                     generator=gen).item())
    return tok.decode(ids)


g = torch.Generator().manual_seed(0)
print(bigram_write("\nMira", 120, g).replace("\n", " / "))


# %% [markdown]
# ## Attention, written by hand
#
# Attention is how a position gathers information from earlier positions {cite:p}`vaswani2017attention`. Every
# position $t$ turns its vector $x_t$ into three vectors with learned linear maps: a **query** $q_t$ (what am I looking
# for?), a **key** $k_t$ (what do I contain?) and a **value** $v_t$ (what do I pass on?). Then:
#
# 1. **Scores.** Position $t$ scores every position $s$ by the dot product $q_t \cdot k_s / \sqrt{d}$, where $d$ is
#    the size of the vectors. Dividing by $\sqrt{d}$ keeps the variance of the scores near 1 when the entries of $q$
#    and $k$ have unit variance (as at initialization), however large $d$ is.
# 2. **Causal mask.** Position $t$ may not look at later positions $s > t$: those are the characters it must
#    predict. Their scores are set to $-\infty$.
# 3. **Softmax.** Each row of scores becomes weights that are positive and sum to 1 ($e^{-\infty} = 0$, so masked
#    positions get weight 0).
# 4. **Weighted sum.** The output at $t$ is $\sum_s w_{ts} v_s$.
#
# In matrix form, for all positions at once, with $M$ the mask ($0$ where allowed, $-\infty$ above the diagonal):
#
# $$\mathrm{Attention}(Q, K, V) = \mathrm{softmax}\!\left(\frac{Q K^\top}{\sqrt{d}} + M\right) V.$$
#
# A GPT runs several such **heads** side by side, each on its own slice of $d = C / n_\text{head}$ channels, and mixes
# their outputs with one more linear map. In the library (and in nanoGPT {cite:p}`karpathy2022nanogpt`) the three
# maps for $q, k, v$ are one `Linear` layer called `c_attn`, and the output map is `c_proj`. Here is the whole thing:

# %%
def causal_self_attention(x, c_attn, c_proj, n_head):
    # x: (B, T, C) -> output (B, T, C)
    #                 and attention weights (B, n_head, T, T)
    B, T, C = x.shape
    d = C // n_head                                    # head size
    q, k, v = c_attn(x).split(C, dim=2)                # each (B, T, C)
    q, k, v = (z.view(B, T, n_head, d).transpose(1, 2)
               for z in (q, k, v))                     # (B, n_head, T, d)
    scores = q @ k.transpose(-2, -1) / math.sqrt(d)    # (B, n_head, T, T)
    # position t sees positions s <= t
    allowed = torch.tril(torch.ones(T, T, dtype=torch.bool))
    scores = scores.masked_fill(~allowed, float("-inf"))
    weights = torch.softmax(scores, dim=-1)            # each row sums to 1
    out = weights @ v                                  # (B, n_head, T, d)
    out = out.transpose(1, 2).reshape(B, T, C)  # heads side by side again
    return c_proj(out), weights


# %% [markdown]
# Before trusting it, look at the weights for a tiny random input: 1 sequence of 5 positions, 1 head. Above the
# diagonal everything is 0 (no peeking ahead), and every row sums to 1. The first position can only attend to itself.

# %%
# the two layers below draw their initial weights at random
torch.manual_seed(0)
gen = torch.Generator().manual_seed(0)
c_attn, c_proj = torch.nn.Linear(8, 24), torch.nn.Linear(8, 8)
_, w = causal_self_attention(
    torch.randn(1, 5, 8, generator=gen), c_attn, c_proj, n_head=1
)
print(w[0, 0].detach().numpy().round(2))
print("row sums:", w[0, 0].sum(dim=-1).detach().numpy().round(4))

# %% [markdown]
# Now check it against the library. `minigpt` has two attention paths: `attention="manual"` is written out like ours,
# and `attention="sdpa"` (the default) calls PyTorch's fused `F.scaled_dot_product_attention`, which is faster. We
# build two models with the same seed, so they have the same weights, feed the first block's attention a random
# input, and compare. `torch.testing.assert_close` raises an error if the outputs differ by more than float
# rounding.

# %%
config = ModelConfig(vocab_size=tok.vocab_size, block_size=64,
                     n_layer=2, n_head=4, n_embd=64)
model_manual = GPT(
    dataclasses.replace(config, attention="manual"), seed=0
).eval()
model = GPT(config, seed=0).eval()  # sdpa: the one we will train

x = torch.randn(2, 64, config.n_embd, generator=gen)
with torch.no_grad():
    ours, _ = causal_self_attention(
        x, model.h[0].attn.c_attn, model.h[0].attn.c_proj, config.n_head
    )
    torch.testing.assert_close(ours, model_manual.h[0].attn(x))
    torch.testing.assert_close(ours, model.h[0].attn(x))
    print("largest difference from the library's sdpa path:",
          (ours - model.h[0].attn(x)).abs().max().item())


# %% [markdown]
# ## The block and the whole model
#
# A transformer **block** has two parts, each added to its input (a *residual* connection, so information can flow
# straight through):
#
# - attention, which mixes information **across positions**;
# - an MLP, which works on **each position alone**: widen to $4C$ channels, apply the GELU nonlinearity, project
#   back to $C$.
#
# Each part first normalizes its input with LayerNorm ("pre-norm", as in GPT-2 {cite:p}`radford2019language`):
#
# $$x \leftarrow x + \mathrm{attn}(\mathrm{LN}_1(x)), \qquad x \leftarrow x + \mathrm{mlp}(\mathrm{LN}_2(x)).$$
#
# The whole GPT: look up a token embedding and a position embedding for each input id and add them, run the
# blocks, normalize once more, and map each position's vector to one score (a *logit*) per vocabulary entry. The
# output matrix is the token embedding matrix itself (*weight tying*, as in GPT-2). We write both with the library's
# layers and our attention, and compare with the library:

# %%
def block_by_hand(block, x):
    a, _ = causal_self_attention(
        block.ln_1(x), block.attn.c_attn, block.attn.c_proj, config.n_head
    )
    x = x + a
    h = block.ln_2(x)
    return x + block.mlp.c_proj(F.gelu(block.mlp.c_fc(h)))


def gpt_by_hand(model, idx):
    # idx: (B, T) token ids -> logits (B, T, vocab_size)
    T = idx.shape[1]
    # token + position embeddings, (B, T, C)
    x = model.wte.weight[idx] + model.wpe.weight[:T]
    for block in model.h:
        x = block_by_hand(block, x)
    return model.ln_f(x) @ model.wte.weight.T          # tied output layer


idx = train_ids[:64].unsqueeze(0)  # one window of real text, (1, 64)
with torch.no_grad():
    torch.testing.assert_close(block_by_hand(model.h[0], x), model.h[0](x))
    torch.testing.assert_close(gpt_by_hand(model, idx), model(idx))
print("block and whole model match the library")

# %% [markdown]
# How many parameters is that? Per block: $3C^2 + 3C$ for `c_attn`, $C^2 + C$ for `c_proj`, $4C^2 + 4C$ and
# $4C^2 + C$ for the MLP, $4C$ for the two LayerNorms: $12C^2 + 13C$. Add the embeddings ($VC$ for the tokens,
# $PC$ for the $P$ = `block_size` positions) and the final LayerNorm ($2C$):

# %%
V, C = config.vocab_size, config.n_embd
L, P = config.n_layer, config.block_size
by_formula = V * C + P * C + L * (12 * C**2 + 13 * C) + 2 * C
print(f"by formula: {by_formula:,}   library: {model.num_params():,}")
assert by_formula == model.num_params()

# %% [markdown]
# ## Training
#
# Before training, the model's predictions are close to uniform over the $V$ characters, so the cross-entropy loss
# should be close to $\ln V$. Check your first prediction:

# %%
with torch.no_grad():
    _, loss0 = model(train_ids[:-1][:64 * 16].view(16, 64),
                     train_ids[1:][:64 * 16].view(16, 64))
print(f"loss at step 0: {loss0.item():.3f} nats;  "
      f"ln V = ln {V} = {math.log(V):.3f}")

# %% [markdown]
# The `Trainer` draws random windows of 64 characters, 32 at a time, and takes AdamW steps
# {cite:p}`loshchilov2019decoupled` with a learning rate that warms up and then decays along a cosine. Every few
# steps it measures the loss on training windows and on the validation stories, which the model never trains on. It
# never prints; it calls our function at each evaluation.

# %%
trainer = Trainer(model, TrainConfig(steps=STEPS, batch_size=32, lr=3e-3,
                                     warmup_steps=min(100, STEPS // 5),
                                     eval_interval=EVAL_INTERVAL, seed=0),
                  train_ids, val_ids)


log = []  # printed once training ends: one block of output, not several


def report(tr):
    h = tr.history
    if len(h.eval_step) % 5 == 0 or tr.step == STEPS:
        log.append(f"step {tr.step:5d}   train {h.eval_train_loss[-1]:.3f}"
                   f"   val {h.val_loss[-1]:.3f}"
                   f"   {time.perf_counter() - start:5.1f} s")


trainer.add_callback("on_eval", report)
start = time.perf_counter()
history = trainer.fit()
train_seconds = time.perf_counter() - start
print("\n".join(log))

# %%
# a log axis: the first steps fall by nats, the rest by tenths of one
fig, ax = plt.subplots(figsize=(7, 3.6))
ax.plot(history.step, history.train_loss, color="0.8", lw=0.8,
        label="training batch")
ax.plot(history.eval_step, history.eval_train_loss, "o-", ms=3,
        label="train (eval mode)")
ax.plot(history.eval_step, history.val_loss, "s--", ms=3,
        label="validation")
for level, name in ((math.log(V), "ln V (uniform guess)"),
                    (bigram_val_loss, "bigram model (validation)")):
    ax.axhline(level, color="k", ls=":", lw=1)
    ax.text(STEPS, level, name, va="bottom", ha="right", fontsize=9)
ax.set_yscale("log")
ax.set(xlabel="step", ylabel="loss (nats per character, log scale)",
       title=f"Training on {N_STORIES} stories: "
             f"{train_seconds:.0f} s on this machine")
ax.legend(loc="lower left")
plt.show()

# %% tags=["hide-input"]
final_train, final_val = history.eval_train_loss[-1], history.val_loss[-1]
gap = final_val - final_train
display(Markdown(
    f"In this run the loss fell from {loss0.item():.2f} nats per "
    f"character (ln V = {math.log(V):.2f}) to {final_train:.2f} on "
    f"training text and {final_val:.2f} on validation stories, against "
    f"{bigram_val_loss:.2f} for the bigram model. "
    + (f"The validation loss stays close to the training loss (gap "
       f"{gap:+.2f} nats): with thousands of stories the model has not "
       "learned individual stories by heart. "
       if abs(gap) < 0.1 else
       f"The validation loss ends {gap:+.2f} nats from the training "
       "loss. ")
    + "Chapter 3 trains on far fewer stories for far longer and watches "
    "the two curves come apart."))

# %% [markdown]
# ## What the heads look at
#
# Each of the 4 heads in each of the 2 blocks computes its own attention weights. Here they are for the start of a
# validation story: row $t$ is the position reading, column $s$ the position read, darker is more weight. Some
# heads look mostly at the previous character or two (enough to spell a word), some jump back to a space or to the
# start of the word; none may look to the right of the diagonal.

# %%
sentence = world.val_stories[0][0][:48]
idx1 = torch.tensor([tok.encode(sentence)])
heads = []
with torch.no_grad():
    model.eval()
    h = model.wte.weight[idx1] + model.wpe.weight[:idx1.shape[1]]
    for block in model.h:
        _, w = causal_self_attention(block.ln_1(h), block.attn.c_attn,
                                     block.attn.c_proj, config.n_head)
        heads.append(w[0])                         # (n_head, T, T)
        h = block(h)
chars = [c if c != " " else "\u00b7" for c in sentence]  # visible space
fig, axes = plt.subplots(config.n_layer, config.n_head,
                         figsize=(11, 3 * config.n_layer),
                         layout="constrained")
for layer, ws in enumerate(heads):
    for head, ax in enumerate(axes[layer]):
        ax.imshow(ws[head].numpy(), cmap="Greys", vmin=0, vmax=1)
        ax.set_title(f"block {layer + 1}, head {head + 1}", fontsize=9)
        ticks = np.arange(0, len(chars), 4)
        ax.set_xticks(ticks, [chars[i] for i in ticks], fontsize=7)
        ax.set_yticks(ticks, [chars[i] for i in ticks], fontsize=7)
fig.suptitle(f"Attention weights over {sentence!r} (every 4th "
             "character labelled)", fontsize=10)
plt.show()

# %% [markdown]
# ## Sampling
#
# To write, the model repeats one move: read the text so far, take the logits $z$ at the last position, turn them
# into probabilities, and draw the next character. The **{term}`temperature`** $\tau$ reshapes the probabilities before
# the
# draw:
#
# $$p_i = \frac{e^{z_i / \tau}}{\sum_j e^{z_j / \tau}}.$$
#
# Below 1 it sharpens the distribution toward the most likely characters; above 1 it flattens it. Temperature 0 is
# the limit: always take the most likely character (*greedy* decoding; the library takes the argmax instead of
# dividing by zero). Here is the model's distribution over the next character after `Mira found the `:

# %%
prompt = "\nMira found the "
with torch.no_grad():
    logits = model.eval()(torch.tensor([tok.encode(prompt)]))[0, -1]
top = torch.topk(logits, 10).indices
fig, axes = plt.subplots(1, 3, figsize=(10, 2.8), sharey=True)
for ax, tau in zip(axes, [0.5, 1.0, 2.0], strict=True):
    probs = torch.softmax(logits / tau, dim=-1)
    ax.bar([tok.decode([i]) for i in top], probs[top].numpy())
    ax.set_title(f"temperature {tau}")
axes[0].set_ylabel("probability")
fig.suptitle(f"Next character after {prompt.lstrip()!r}", y=1.05)
plt.show()

# %% [markdown]
# Now let the model write. Each sample starts a new story (a newline) with one of 24 openings, every name of the
# grammar and "The" with every creature, so both decodings get the same prompts and the same number of samples, and
# greedy decoding, which always writes the same text for the same prompt, can still write 24 different stories.
# Every complete sentence is then scored by the world's checker:
#
# - **copied**: the sentence is in the training stories, word for word;
# - **novel**: it is not in the training stories, and the grammar accepts it;
# - **invalid**: the grammar rejects it.

# %%
OPENINGS = list(NAMES) + [f"The {c}" for c in CREATURES]
written = {}  # temperature -> texts; the table and the explorer share them


def write(temperature, seed=0):
    # one text per opening, without the leading newline
    if temperature not in written:
        g = torch.Generator().manual_seed(seed)
        texts = {}
        # one batch per prompt length (a batch needs one length)
        for n in sorted({len(o) for o in OPENINGS}):
            group = [o for o in OPENINGS if len(o) == n]
            idx = torch.tensor([tok.encode("\n" + o) for o in group])
            out = generate(model, idx, SAMPLE_CHARS,
                           temperature=temperature, generator=g)
            texts.update(zip(group, (tok.decode(r[1:]) for r in out),
                             strict=True))
        written[temperature] = [texts[o] for o in OPENINGS]
    return written[temperature]


def score(texts):
    counts = {"copied": 0, "novel": 0, "invalid": 0}
    for text in texts:
        for sentence in split_sentences(text):
            counts[world.classify(sentence)] += 1
    return counts


def distinct(texts, kind=None):
    # how many different sentences (of one kind, if given)
    return len({s for text in texts for s in split_sentences(text)
                if kind is None or world.classify(s) == kind})


samples = {tau: write(tau) for tau in (0.0, 1.0)}
g = torch.Generator().manual_seed(0)
samples["bigram"] = [bigram_write("\n" + o, SAMPLE_CHARS, g)[1:]
                     for o in OPENINGS]
# a perfect model of the stories: fresh ones from the same generator
fresh = make_stories(StoriesConfig(n_stories=200, n_val_stories=0,
                                   seed=123))
samples["perfect"] = [" ".join(st) for st in fresh.train_stories]
for tau, texts in samples.items():
    print(f"--- temperature {tau} ---")
    for text in texts[:3]:
        print(text.replace("\n", " / ")[:200])


# %%
def shares(counts):
    n = sum(counts.values())
    return {k: v / max(n, 1) for k, v in counts.items()}, n


WRITERS = {0.0: "GPT, temperature 0 (greedy)", 1.0: "GPT, temperature 1",
           "bigram": "bigram model, temperature 1",
           "perfect": "perfect sampler (fresh stories)"}
rows = ""
for tau, texts in samples.items():
    s, n = shares(score(texts))
    rows += (f"<tr><td>{WRITERS[tau]}</td><td>{len(texts)}</td>"
             f"<td>{n}</td><td>{distinct(texts)}</td>"
             f"<td>{s['copied']:.0%}</td><td>{s['novel']:.0%}</td>"
             f"<td>{distinct(texts, 'novel')}</td>"
             f"<td>{s['invalid']:.0%}</td></tr>")
display(HTML("<table><tr><th>writer</th><th>samples</th>"
             "<th>sentences</th><th>distinct</th><th>copied</th>"
             "<th>novel and valid</th><th>distinct novel</th>"
             f"<th>invalid</th></tr>{rows}</table>"))

# %% [markdown]
# ## Explorer: temperature
#
# Move the slider to see what the same model writes at other temperatures. Sentences are marked by the checker, in
# colour and in type, so the marks read without colour too: <span style="color:#555555">copied (grey, dotted
# underline)</span>, <b style="color:#007a5a">novel and valid (green, bold)</b>, <span style="color:#b0417f;
# text-decoration:underline wavy">invalid (purple, wavy underline)</span>. The shares above the samples count all
# 24 samples at that temperature (at 0 and 1 they are the samples of the table above); the first four are shown. In a
# live notebook the slider writes new samples at any temperature you pick; in the web book it shows samples written
# when the book was built.

# %% tags=["hide-input"]
import html
import re

import ipywidgets as widgets

from minigpt.explore import SliderView

# colour and a second cue each (Okabe-Ito colours, as in the book's plots)
STYLES = {
    "copied": "color:#555555;text-decoration:underline dotted",
    "novel": "color:#007a5a;font-weight:bold",
    "invalid": "color:#b0417f;text-decoration:underline wavy",
}


def render_samples(temperature):
    texts = write(temperature)
    s, n = shares(score(texts))
    parts = [f"<p><i>{len(texts)} samples, {n} sentences "
             f"({distinct(texts)} distinct): {s['copied']:.0%} copied, "
             f"{s['novel']:.0%} novel, {s['invalid']:.0%} invalid</i></p>"]
    for text in texts[:4]:
        out, end = [], 0
        # the sentences split_sentences finds
        for m in re.finditer(r"[^.\n]*\.", text):
            out.append(html.escape(text[end:m.start()]))
            kind = world.classify(m.group(0).lstrip(" "))
            out.append(f'<span style="{STYLES[kind]}" title="{kind}">'
                       f'{html.escape(m.group(0))}</span>')
            end = m.end()
        # unfinished tail
        out.append('<span style="color:#999">'
                   f'{html.escape(text[end:])}</span>')
        parts.append("<p style='font-family:monospace;font-size:90%'>"
                     + "".join(out).replace("\n", "<br>") + "</p>")
    return "".join(parts)


explorer = SliderView(
    "temperature", [0.0, 0.5, 1.0, 1.5, 2.0], render_samples, start=2,
    live_slider=widgets.FloatSlider(value=1.0, min=0.0, max=2.0, step=0.1),
)
explorer

# %% [markdown]
# ## The measured answer

# %% tags=["hide-input"]
(s0, n0) = shares(score(samples[0.0]))
(s1, n1) = shares(score(samples[1.0]))
(sb, nb) = shares(score(samples["bigram"]))
(sp, np_) = shares(score(samples["perfect"]))
d0, d1 = distinct(samples[0.0]), distinct(samples[1.0])
dn0, dn1 = distinct(samples[0.0], "novel"), distinct(samples[1.0], "novel")
display(Markdown(f'''
In this run a GPT of **{model.num_params():,} parameters** trained for
**{STEPS} steps** in **{train_seconds:.0f} seconds** on this machine. Its
loss fell from **{loss0.item():.2f}** nats at step 0
(ln V = {math.log(V):.2f}) to **{final_train:.3f}** on
training text and **{final_val:.3f}** on validation stories it
never saw (the bigram model: {bigram_val_loss:.3f}). Each writer below had
the same {len(OPENINGS)} openings; one sample each, so these are counts
from one seed and one batch of samples.

- At temperature 1 it wrote {n1} complete sentences ({d1} distinct):
  **{s1['novel'] + s1['copied']:.0%} grammatical**
  ({s1['copied']:.0%} copied from training, {s1['novel']:.0%}
  novel, {dn1} different novel ones), {s1['invalid']:.0%} invalid.
- At temperature 0 (greedy) it wrote {n0} sentences ({d0} distinct):
  {s0['novel'] + s0['copied']:.0%} grammatical
  ({s0['copied']:.0%} copied, {s0['novel']:.0%} novel,
  **{dn0} different novel ones**), {s0['invalid']:.0%} invalid.
- The bigram model, which sees one character of context, wrote
  {sb['novel'] + sb['copied']:.0%} grammatical sentences of its {nb}.
- A perfect sampler of the story distribution would copy
  {sp['copied']:.0%} of its {np_} sentences from the training set by
  chance alone (short, common sentences recur).
'''))

# What the numbers say, in words; a tiny MINIGPT_FAST run may say
# otherwise.
valid1 = s1["novel"] + s1["copied"]
novel1 = s1["novel"] / max(valid1, 1e-9)
said = ["So a model this small, trained this briefly, writes "
        f"{'mostly' if valid1 > 0.5 else 'few'} grammatical "
        "sentences of a language it was never told the rules of"
        + (f" (the bigram model: {sb['novel'] + sb['copied']:.0%})"
           if valid1 > sb["novel"] + sb["copied"] else "")]
said.append(f", and {'most' if novel1 > 0.5 else 'few'} of the grammatical"
            " ones are its own: sentences that appear nowhere in its "
            "training stories")
more = "more" if s1["copied"] > sp["copied"] else "no more"
said.append(f"; it copies {more} than a perfect sampler would by chance"
            f" ({s1['copied']:.0%} against {sp['copied']:.0%}).")
if s0["invalid"] < s1["invalid"]:
    said.append(" Greedy decoding made fewer mistakes than sampling at "
                "temperature 1")
else:
    said.append(" In this run greedy decoding did not make fewer mistakes "
                "than sampling at temperature 1")
if d0 < d1:
    said.append(f", and it wrote fewer different sentences ({d0} against "
                f"{d1}) from the same {len(OPENINGS)} openings: with "
                "nothing random, the same context always leads to the "
                "same next character, so once two samples reach the same "
                "context they write the same text from there on.")
else:
    said.append(f"; it wrote {d0} different sentences against {d1}.")
display(Markdown("".join(said)))

# %% [markdown]
# Temperature trades one good property for another. Sampling at temperature 1 takes a less likely character now and
# then, which is where both the variety and many of the mistakes come from; greedy decoding always takes the most
# likely character. One batch of 24 samples is a small measurement: chapter 7 measures this trade-off over seeds, with
# intervals.
#
# Chapter 2 looks at the three worlds and their checkers in detail; chapter 3 makes copying
# happen on purpose and asks what regularization does about it.
#
# ## Exercises
#
# **1. Remove the mask.** The library's manual attention path takes its mask from the buffer `block.attn.mask`
# (`True` where a position may look). Build a model with `attention="manual"`, set every block's mask to all `True`
# with `block.attn.mask.fill_(True)`, and train it. What happens to the training loss, and what happens when you
# sample from it? Why?
#
# ````{admonition} Solution (run in this build, below)
# :class: dropdown
# ```python
# cheat = GPT(dataclasses.replace(config, attention="manual"), seed=0)
# for block in cheat.h:
#     block.attn.mask.fill_(True)
# h = Trainer(cheat, TrainConfig(steps=300, lr=3e-3, eval_interval=100), train_ids, val_ids).fit()
# print(h.val_loss)                                           # compare with the masked model's
# print(tok.decode(generate(cheat, prompts[:1], 100, temperature=1.0)[0]))
# ```
# Without the mask, position $t$ can read position $t+1$, which is exactly the character it must predict, so the
# model can learn to copy it instead of predicting it (not at the last position of each window, which has no next
# character to read). When generating, the next character does not exist yet, so the model never sees the input it
# learned to rely on. The mask makes training match generation. The hidden cell below trains such a model for a few
# hundred steps in this build and prints what happened to its loss and its samples.
# ````

# %% tags=["hide-input", "hide-output"]
CHEAT_STEPS = 20 if FAST else 300
cheat = GPT(dataclasses.replace(config, attention="manual"), seed=0)
for block in cheat.h:
    block.attn.mask.fill_(True)
ch = Trainer(cheat, TrainConfig(steps=CHEAT_STEPS, batch_size=32, lr=3e-3,
                                warmup_steps=min(100, CHEAT_STEPS // 5),
                                eval_interval=CHEAT_STEPS, seed=0),
             train_ids, val_ids).fit()
# the masked model's validation loss at the same step, if measured there
same = dict(zip(history.eval_step, history.val_loss, strict=True))
g = torch.Generator().manual_seed(0)
idx = torch.tensor([tok.encode("\nMira")] * 8)
texts = [tok.decode(r[1:]) for r in
         generate(cheat, idx, 150, temperature=1.0, generator=g)]
sc, nc = shares(score(texts))
print(f"without the mask, after {CHEAT_STEPS} steps: validation loss "
      f"{ch.val_loss[-1]:.3f} nats"
      + (f" (the masked model at that step: {same[CHEAT_STEPS]:.3f})"
         if CHEAT_STEPS in same else ""))
print(f"its samples: {nc} complete sentences, {sc['invalid']:.0%} "
      "invalid; the first one:")
print(texts[0].replace("\n", " / ")[:150])
if CHEAT_STEPS in same:
    print("so in this build the unmasked model's validation loss was "
          + ("below the masked one's: it learned to read ahead"
             if ch.val_loss[-1] < same[CHEAT_STEPS] else
             "not below the masked one's: in this many steps it had not "
             "learned to read ahead, and its samples show what it had "
             "learned instead"))

# %% [markdown]
# **2. Why divide by $\sqrt{d}$?** Draw `q` and `k` with independent standard normal entries of size `d = 16`
# and `d = 256`, and compute the standard deviation of `q @ k` over many draws, with and without the division.
# What would large scores do to the softmax?
#
# ````{admonition} Solution
# :class: dropdown
# A dot product of two random vectors of size $d$ with unit-variance entries has variance $d$, so its standard
# deviation grows like $\sqrt{d}$ (4 and 16 here); dividing by $\sqrt{d}$ brings it back to 1. The hidden cell below
# measures it. Large scores push the softmax toward a one-hot vector, where its gradient is almost zero, and
# training stalls.
#
# ```python
# q, k = torch.randn(10000, 256), torch.randn(10000, 256)
# print((q * k).sum(-1).std(), ((q * k).sum(-1) / 16).std())
# ```
# ````

# %% tags=["hide-input", "hide-output"]
g = torch.Generator().manual_seed(0)
for d in (16, 256):
    q = torch.randn(10000, d, generator=g)
    k = torch.randn(10000, d, generator=g)
    dots = (q * k).sum(-1)
    print(f"d = {d:3d}: std of q.k {dots.std():6.2f}, "
          f"divided by sqrt(d) {(dots / math.sqrt(d)).std():.2f}")

# %% [markdown]
# **3. Heads cost nothing.** Build `GPT(dataclasses.replace(config, n_head=1))` and the same with `n_head=8` and
# compare their `num_params()`. Then explain from the parameter formula above.
#
# ```{admonition} Solution
# :class: dropdown
# Heads split the $C$ channels of $q$, $k$ and $v$ into slices; `c_attn` and `c_proj` keep their shapes
# ($C \times 3C$ and $C \times C$), and the formula $12C^2 + 13C$ per block has no $n_\text{head}$ in it, so the
# counts are equal (the hidden cell below checks). More heads means more, smaller attention patterns for the same
# parameters.
# ```

# %% tags=["hide-input", "hide-output"]
for n_head in (1, 8):
    n = GPT(dataclasses.replace(config, n_head=n_head)).num_params()
    print(f"n_head = {n_head}: {n:,} parameters")

# %% [markdown]
# **4. Temperature at the extremes.** Using the bar chart code, plot the next-character distribution at
# temperatures 0.1 and 10. What do sampling at $\tau \to 0$ and at $\tau \to \infty$ become?
#
# ```{admonition} Solution
# :class: dropdown
# As $\tau \to 0$, $z_i/\tau$ grows fastest for the largest logit, so all the probability goes to the most likely
# character: greedy decoding. As $\tau \to \infty$, every $z_i/\tau \to 0$ and the distribution becomes uniform over
# the vocabulary: the model's knowledge is ignored and the samples are random characters. (This follows from the
# formula; the plot shows it for this model.)
# ```
