"""Question/answer rows and batched decoding, shared by the Q/A worlds (facts, arithmetic) and the studies on them.

A Q/A row is ``prompt + answer + "\\n"``. The newline terminates the answer, so decoding can stop at the first
newline and a model that never emits one is simply wrong. The helpers here turn rows into training tensors
and run batched decoding; they know nothing about what the rows mean.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from minigpt.model import eval_mode
from minigpt.sample import generate
from minigpt.timing import timed

TERMINATOR = "\n"


def encode_rows(tokenizer, pairs: Sequence[tuple[str, str]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Encode (prompt, answer) pairs as next-token training rows with the loss only on the answer.

    Each row is ``prompt + answer + "\\n"``. Returns ``(X, Y)``, LongTensors of shape (N, T) where T is the
    longest row minus one. ``Y`` is -1 on the prompt part (no loss) and on the right padding; the loss is
    taken on the answer characters and the terminating newline. Right padding is safe for a causal model:
    padded positions come after every position that carries a loss, so they are never attended to by it.
    """
    if len(pairs) == 0:
        raise ValueError("pairs: need at least one (prompt, answer) pair, got 0")
    pad_id = tokenizer.encode(TERMINATOR)[0]
    encoded = []
    for prompt, answer in pairs:
        p = tokenizer.encode(prompt)
        a = tokenizer.encode(answer + TERMINATOR)
        if len(p) == 0:
            raise ValueError(f"pairs: empty prompt for answer {answer!r}")
        encoded.append((p, a))
    T = max(len(p) + len(a) for p, a in encoded) - 1
    X = torch.full((len(encoded), T), pad_id, dtype=torch.long)
    Y = torch.full((len(encoded), T), -1, dtype=torch.long)
    for i, (p, a) in enumerate(encoded):
        ids = p + a
        n = len(ids) - 1
        X[i, :n] = torch.tensor(ids[:-1], dtype=torch.long)
        # position j predicts ids[j + 1]; the answer starts at ids[len(p)], i.e. target position len(p) - 1
        Y[i, len(p) - 1 : n] = torch.tensor(ids[len(p) :], dtype=torch.long)
    return X, Y


def complete(
    model,
    tokenizer,
    prompts: Sequence[str],
    max_new_tokens: int,
    k: int = 1,
    temperature: float = 0.0,
    generator: torch.Generator | None = None,
    batch_size: int = 512,
    mc_dropout: bool = False,
) -> list[list[str]]:
    """Decode ``k`` completions of each prompt; each is cut before its first newline. ``mc_dropout`` decodes
    with the dropout sites on (see :func:`minigpt.generate`), so greedy completions differ between the k rows.

    A completion without a newline within ``max_new_tokens`` is returned whole (longer than any answer that
    fits the budget, so it never matches). Prompts are batched only with prompts of the same token length:
    there is no left padding, because the model has learned absolute positions. Returns a list (one per
    prompt) of ``k`` strings.
    """
    if k < 1:
        raise ValueError(f"k: must be >= 1, got {k}")
    if max_new_tokens < 1:
        raise ValueError(f"max_new_tokens: must be >= 1, got {max_new_tokens}")
    encoded = [tokenizer.encode(p) for p in prompts]
    stop = tokenizer.encode(TERMINATOR)[0]
    by_length: dict[int, list[int]] = {}
    for i, ids in enumerate(encoded):
        by_length.setdefault(len(ids), []).append(i)
    out: list[list[str]] = [[] for _ in prompts]
    rows_per_batch = max(1, batch_size // k)
    for length in sorted(by_length):
        idxs = by_length[length]
        for start in range(0, len(idxs), rows_per_batch):
            chunk = idxs[start : start + rows_per_batch]
            # each prompt repeated k times, consecutively: rows i*k .. i*k+k-1 belong to chunk[i]
            idx = torch.tensor([encoded[i] for i in chunk for _ in range(k)], dtype=torch.long)
            extra = {"mc_dropout": True} if mc_dropout else {}  # only when asked: stand-ins need not know it
            # every row ends at its first newline: stop once all have written one
            gen = generate(model, idx, max_new_tokens, temperature=temperature, generator=generator,
                           stop_token=stop, **extra)
            new = gen[:, length:].tolist()
            for r, ids in enumerate(new):
                text = tokenizer.decode(ids, skip_specials=False)  # specials stay: the checker rejects them
                cut = text.find(TERMINATOR)
                out[chunk[r // k]].append(text if cut < 0 else text[:cut])
    return out


@timed("score")
@torch.no_grad()
def greedy_correct(model, tokenizer, pairs: Sequence[tuple[str, str]], batch_size: int = 512) -> list[bool]:
    """Whether greedy decoding from each prompt writes exactly its answer and then the newline: what
    :func:`complete` at ``temperature=0``, compared with the answer, says, decided without decoding.

    A causal model's greedy output is the answer when, fed the prompt and the answer (teacher forcing), its
    argmax at every answer position is the next character of the answer, then the newline. One forward pass per
    batch of rows (any lengths: right padding is never attended to by an earlier position) replaces a decoding
    loop per prompt length. A row longer than the block (where decoding would slide its window) is decoded.
    Runs in eval mode and restores the model's previous mode."""
    block = model.config.block_size
    fits = [i for i, (p, a) in enumerate(pairs) if len(tokenizer.encode(p + a)) <= block]
    out = [False] * len(pairs)
    with eval_mode(model):
        device = next(model.parameters()).device
        for start in range(0, len(fits), batch_size):
            chunk = fits[start : start + batch_size]
            X, Y = encode_rows(tokenizer, [pairs[i] for i in chunk])
            pred = model(X.to(device)).argmax(dim=-1).cpu()
            for i, ok in zip(chunk, ((pred == Y) | (Y < 0)).all(dim=1).tolist(), strict=True):
                out[i] = ok
    taken = set(fits)
    rest = [i for i in range(len(pairs)) if i not in taken]
    if rest:
        longest = max(len(tokenizer.encode(pairs[i][1])) for i in rest) + 1
        decoded = complete(model, tokenizer, [pairs[i][0] for i in rest], longest, batch_size=batch_size)
        for i, d in zip(rest, decoded, strict=True):
            out[i] = d[0] == pairs[i][1]
    return out


@timed("score")
@torch.no_grad()
def answer_cross_entropy_bits(
    model, tokenizer, pairs: Sequence[tuple[str, str]], batch_size: int = 512
) -> list[float]:
    """Cross-entropy in bits of each answer (its characters and the terminating newline) given its prompt.

    This is the code length the model assigns to the answer; the newline is included because a code for
    a value must also say where the value ends. Returns one float per pair. Runs in eval mode and restores
    the model's previous mode.
    """
    bits: list[float] = []
    with eval_mode(model):
        for start in range(0, len(pairs), batch_size):
            X, Y = encode_rows(tokenizer, pairs[start : start + batch_size])
            device = next(model.parameters()).device
            X, Y = X.to(device), Y.to(device)
            logits = model(X)
            logp = torch.log_softmax(logits.float(), dim=-1)
            mask = Y >= 0
            tok = logp.gather(-1, Y.clamp(min=0).unsqueeze(-1)).squeeze(-1)
            nats = -(tok * mask).sum(dim=1)
            bits.extend((nats / torch.log(torch.tensor(2.0))).tolist())
    return bits
