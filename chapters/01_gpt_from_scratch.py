# %% [markdown]
# # A GPT from scratch
#
# In this chapter you build a GPT piece by piece: turn text into numbers, write attention by hand, stack it into
# blocks, train the model on a CPU, and sample from it. Each piece you write is checked against the library
# `minigpt`, which the later chapters use.
#
# **The question.** *A GPT small enough to read in one file, trained for about a minute on a laptop CPU: does it
# write sentences that follow the grammar of its training stories? And are those sentences its own, or copies?*
#
# We can answer this exactly because the stories come from a small grammar that we wrote (chapter 2 shows it), so a
# program can check every sentence the model writes.
#
# ```{admonition} Predict first
# :class: tip
# Write your guesses down before you run anything.
# 1. Before training, the model picks the next character from about 50. What loss (cross-entropy, in nats) will it
#    have at step 0?
# 2. After training, what share of the sentences it writes at temperature 1 will be grammatical? What share will be
#    copied word for word from the training stories?
# 3. Will greedy decoding (temperature 0) write more or fewer grammatical sentences than temperature 1? More or
#    fewer copies?
# ```

# %% tags=["remove-cell"]
# colab-install: scripts/notebooks.py writes the Colab install cell here

# %%
import dataclasses
import math
import os
import time

import matplotlib.pyplot as plt
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

# A model this small gains little from a second CPU thread, and one thread
# keeps its speed when other programs share the CPU (several threads then
# wait for each other).
torch.set_num_threads(1)

# MINIGPT_FAST=1 shrinks every experiment so the chapter runs in seconds
# (the notebook tests use it).
FAST = os.environ.get("MINIGPT_FAST") == "1"
# training steps: about a minute on 2 CPU cores at full scale
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


def report(tr):
    h = tr.history
    if len(h.eval_step) % 5 == 0 or tr.step == STEPS:
        print(f"step {tr.step:5d}   train {h.eval_train_loss[-1]:.3f}"
              f"   val {h.val_loss[-1]:.3f}"
              f"   {time.perf_counter() - start:5.1f} s")


trainer.add_callback("on_eval", report)
start = time.perf_counter()
history = trainer.fit()
train_seconds = time.perf_counter() - start

# %%
fig, ax = plt.subplots(figsize=(7, 3.6))
ax.plot(history.step, history.train_loss, color="0.8", lw=0.8,
        label="training batch")
ax.plot(history.eval_step, history.eval_train_loss, "o-", ms=3,
        label="train (eval mode)")
ax.plot(history.eval_step, history.val_loss, "s-", ms=3,
        label="validation")
ax.axhline(math.log(V), color="k", ls=":", lw=1)
ax.text(STEPS, math.log(V), "ln V (uniform guess)", va="bottom",
        ha="right", fontsize=9)
ax.set(xlabel="step", ylabel="loss (nats per character)", ylim=(0, 4.5),
       title=f"Training on {N_STORIES} stories: "
             f"{train_seconds:.0f} s on this machine")
ax.legend()
plt.show()

# %% [markdown]
# The loss falls from $\ln V$ to well under one nat per character. The validation loss follows the training loss:
# with thousands of stories the model has not yet learned individual stories by heart. Chapter 3 trains on far fewer
# stories for far longer and watches the two curves come apart.
#
# ## Sampling
#
# To write, the model repeats one move: read the text so far, take the logits $z$ at the last position, turn them
# into probabilities, and draw the next character. The **temperature** $\tau$ reshapes the probabilities before the
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
# Now let the model write. Each sample starts a new story (a newline) with one of eight names, at temperature 0 and
# at temperature 1. Every complete sentence is then scored by the world's checker:
#
# - **copied**: the sentence is in the training stories, word for word;
# - **novel**: it is not in the training stories, and the grammar accepts it;
# - **invalid**: the grammar rejects it.

# %%
# same length, so one batch
NAMES = ["Mira", "Anya", "Bram", "Lila", "Nell", "Ravi", "Suki", "Finn"]
prompts = torch.tensor([tok.encode("\n" + name) for name in NAMES])


def write(temperature, samples_per_name=1, n_names=None, seed=0):
    # returns one text per sample, without the leading newline
    g = torch.Generator().manual_seed(seed)
    idx = prompts[:n_names].repeat_interleave(samples_per_name, dim=0)
    out = generate(model, idx, SAMPLE_CHARS, temperature=temperature,
                   generator=g)
    return [tok.decode(row[1:]) for row in out]


def score(texts):
    counts = {"copied": 0, "novel": 0, "invalid": 0}
    for text in texts:
        for sentence in split_sentences(text):
            counts[world.classify(sentence)] += 1
    return counts


def distinct(texts):
    return len({s for text in texts for s in split_sentences(text)})


samples = {tau: write(tau, samples_per_name=1 if tau == 0 else 2)
           for tau in (0.0, 1.0)}
for tau, texts in samples.items():
    print(f"--- temperature {tau} ---")
    for text in texts[:3]:
        print(text.replace("\n", " / ")[:200])


# %%
def shares(counts):
    n = sum(counts.values())
    return {k: v / max(n, 1) for k, v in counts.items()}, n


rows = ""
for tau, texts in samples.items():
    s, n = shares(score(texts))
    rows += (f"<tr><td>{tau}</td><td>{len(texts)}</td><td>{n}</td>"
             f"<td>{distinct(texts)}</td><td>{s['copied']:.0%}</td>"
             f"<td>{s['novel']:.0%}</td><td>{s['invalid']:.0%}</td></tr>")
display(HTML("<table><tr><th>temperature</th><th>samples</th>"
             "<th>sentences</th><th>distinct</th><th>copied</th>"
             "<th>novel and valid</th><th>invalid</th></tr>"
             f"{rows}</table>"))

# %% [markdown]
# ## Explorer: temperature
#
# Move the slider to see what the same model writes at other temperatures. Sentences are coloured by the checker:
# <span style="color:#1f77b4">copied</span>, <span style="color:#2ca02c">novel and valid</span>,
# <span style="color:#d62728">invalid</span>. In a live notebook the slider writes new samples at any temperature
# you pick; in the web book it shows samples written when the book was built.

# %% tags=["hide-input"]
import html
import re

import ipywidgets as widgets

from minigpt.explore import SliderView

COLOURS = {"copied": "#1f77b4", "novel": "#2ca02c", "invalid": "#d62728"}


def render_samples(temperature):
    texts = write(temperature, n_names=4)
    s, n = shares(score(texts))
    parts = [f"<p><i>{n} sentences: {s['copied']:.0%} copied, "
             f"{s['novel']:.0%} novel, {s['invalid']:.0%} invalid</i></p>"]
    for text in texts:
        out, end = [], 0
        # the sentences split_sentences finds
        for m in re.finditer(r"[^.\n]*\.", text):
            out.append(html.escape(text[end:m.start()]))
            colour = COLOURS[world.classify(m.group(0).lstrip(" "))]
            out.append(f'<span style="color:{colour}">'
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
display(Markdown(f'''
In this run a GPT of **{model.num_params():,} parameters** trained for
**{STEPS} steps** in **{train_seconds:.0f} seconds** on this machine. Its
loss fell from **{loss0.item():.2f}** nats at step 0
(ln V = {math.log(V):.2f}) to **{history.eval_train_loss[-1]:.3f}** on
training text and **{history.val_loss[-1]:.3f}** on validation stories it
never saw.

- At temperature 1 it wrote {n1} complete sentences
  ({distinct(samples[1.0])} distinct):
  **{s1['novel'] + s1['copied']:.0%} grammatical**
  ({s1['copied']:.0%} copied from training, {s1['novel']:.0%}
  novel), {s1['invalid']:.0%} invalid.
- At temperature 0 (greedy) it wrote {n0} sentences:
  {s0['novel'] + s0['copied']:.0%} grammatical
  ({s0['copied']:.0%} copied, {s0['novel']:.0%} novel),
  {s0['invalid']:.0%} invalid, but only
  **{distinct(samples[0.0])} distinct** sentences in its
  {len(samples[0.0])} samples.
'''))

# What the numbers say, in words; a tiny MINIGPT_FAST run may say
# otherwise.
valid1 = s1["novel"] + s1["copied"]
novel1 = s1["novel"] / max(s1["novel"] + s1["copied"], 1e-9)
said = ["So a model this small, trained this briefly, writes "
        f"{'mostly' if valid1 > 0.5 else 'few'} grammatical "
        f"sentences of a language it was never told the rules of"]
said.append(f", and {'most' if novel1 > 0.5 else 'few'} of the grammatical"
            " ones are its own: sentences that appear "
            "nowhere in its training stories.")
if s0["invalid"] < s1["invalid"]:
    said.append(" Greedy decoding made fewer mistakes than sampling at "
                "temperature 1")
    said.append(", but repeated itself."
                if distinct(samples[0.0]) < distinct(samples[1.0])
                else ".")
else:
    said.append(" In this run greedy decoding did not make fewer mistakes "
                "than sampling at temperature 1.")
display(Markdown("".join(said)))

# %% [markdown]
# Temperature trades one good property for another. Sampling at temperature 1 takes a less likely character now and
# then, which is where both the variety and many of the mistakes come from. Greedy decoding always takes the most
# likely character, and once it reaches a sentence it likes it tends to repeat it: with nothing random, the same
# context always leads to the same next character. Look at the samples above to see it happen. Chapter 6 measures this
# trade-off properly.
#
# Chapter 2 looks at the three worlds and their checkers in detail; chapter 3 makes copying
# happen on purpose and asks what regularization does about it.
#
# ## Exercises
#
# **1. Remove the mask.** The library's manual attention path takes its mask from the buffer `block.attn.mask`
# (`True` where a position may look). Build a model with `attention="manual"`, set every block's mask to all `True`
# with `block.attn.mask.fill_(True)`, and train it for 1000 steps. What happens to the training loss, and what happens
# when you sample from it? Why?
#
# ````{admonition} Solution
# :class: dropdown
# ```python
# cheat = GPT(dataclasses.replace(config, attention="manual"), seed=0)
# for block in cheat.h:
#     block.attn.mask.fill_(True)
# h = Trainer(cheat, TrainConfig(steps=1000, lr=3e-3, eval_interval=100), train_ids, val_ids).fit()
# print(h.val_loss)                                           # compare with the masked model's
# print(tok.decode(generate(cheat, prompts[:1], 100, temperature=1.0)[0]))
# ```
# Without the mask, position $t$ can read position $t+1$, which is exactly the character it must predict. The model
# learns to copy it, and its loss falls far below the masked model's, on training and validation text alike (not
# quite to zero: the last position of each window has no next character to read). Sampling breaks: when
# generating, the next character does not exist yet, so the model never sees the input it learned to rely on, and it
# writes gibberish. The mask makes training match generation.
# ````
#
# **2. Why divide by $\sqrt{d}$?** Draw `q` and `k` with independent standard normal entries of size `d = 16`
# and `d = 256`, and compute the standard deviation of `q @ k` over many draws, with and without the division.
# What would large scores do to the softmax?
#
# ````{admonition} Solution
# :class: dropdown
# A dot product of two random vectors of size $d$ with unit-variance entries has variance $d$, so its standard
# deviation grows like $\sqrt{d}$ (4 and 16 here); dividing by $\sqrt{d}$ brings it back to 1.
# Large scores push the softmax toward a one-hot vector, where its gradient is almost zero, and training stalls.
#
# ```python
# q, k = torch.randn(10000, 256), torch.randn(10000, 256)
# print((q * k).sum(-1).std(), ((q * k).sum(-1) / 16).std())   # about 16 and about 1
# ```
# ````
#
# **3. Heads cost nothing.** Build `GPT(dataclasses.replace(config, n_head=1))` and the same with `n_head=8` and
# compare their `num_params()`. Then explain from the parameter formula above.
#
# ```{admonition} Solution
# :class: dropdown
# The counts are equal. Heads split the $C$ channels of $q$, $k$ and $v$ into slices; `c_attn` and `c_proj` keep
# their shapes ($C \times 3C$ and $C \times C$), and the formula $12C^2 + 13C$ per block has no $n_\text{head}$ in it.
# More heads means more, smaller attention patterns for the same parameters.
# ```
#
# **4. Temperature at the extremes.** Using the bar chart code, plot the next-character distribution at
# temperatures 0.1 and 10. What do sampling at $\tau \to 0$ and at $\tau \to \infty$ become?
#
# ```{admonition} Solution
# :class: dropdown
# As $\tau \to 0$, $z_i/\tau$ grows fastest for the largest logit, so all the probability goes to the most likely
# character: greedy decoding. As $\tau \to \infty$, every $z_i/\tau \to 0$ and the distribution becomes uniform over
# the vocabulary: the model's knowledge is ignored and the samples are random characters.
# ```
