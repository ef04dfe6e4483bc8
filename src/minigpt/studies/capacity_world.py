"""The records of chapter 9's capacity study and the knowledge bits a model stores about them.

Each person of a facts world (all six attributes, no Q/A lines, no unseen people) is one compact *record* line,
``Name: v1 v2 ... v6`` and a newline, so one pass over a line is one exposure of each of its six facts. The
model's cross-entropy of a value (its characters and the separator after it, given everything before it in the
line) is the code length it assigns; :func:`stored_bits` turns those into knowledge bits
(:func:`minigpt.metrics.knowledge_bits`). :func:`epochs` walks through the rows in epochs, so every fact is seen
equally often. The study itself is :mod:`minigpt.studies.capacity`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import torch

from ..config import check_int, check_real
from ..metrics import knowledge_bits
from ..timing import timed
from ..tokenizer import CharTokenizer
from ..train import Rows
from ..worlds import facts as facts_module
from ..worlds.facts import ATTRIBUTES, VALUE_SETS

SEPARATOR, TERMINATOR = " ", "\n"
BITS_PER_PERSON = sum(math.log2(len(VALUE_SETS[a])) for a in ATTRIBUTES)  # 25.14 bits: six uniform values
# the facts world's name syllables: first-name onsets and endings, surname onsets and endings
_NAME_PARTS = facts_module.NAME_SYLLABLES


def _alphabet() -> str:
    """Every character any record can hold (names from the facts world's syllables, values, separators), so the
    vocabulary, and with it the parameter count, is the same for every world."""
    chars = set("".join("".join(p) for p in _NAME_PARTS))
    chars.update("".join(v for values in VALUE_SETS.values() for v in values))
    chars.update(" :" + TERMINATOR)
    return "".join(sorted(chars))


ALPHABET = _alphabet()


def _longest_record() -> int:
    name = sum(max(len(s) for s in p) for p in _NAME_PARTS) + 1
    return name + 1 + sum(1 + max(len(v) for v in VALUE_SETS[a]) for a in ATTRIBUTES) + 1


BLOCK_SIZE = _longest_record() - 1  # a record's training row is its characters but the last


def tokenizer() -> CharTokenizer:
    """The tokenizer of every capacity run (one id per character of :data:`ALPHABET`, plus the specials)."""
    return CharTokenizer(ALPHABET)


# --- records ---------------------------------------------------------------------------------------------------


def record(entity) -> tuple[str, list[tuple[str, int, int]]]:
    """One person's record line (``Name: v1 v2 ... v6`` and a newline) and, per attribute, ``(attribute, start,
    end)``: the value is ``line[start:end]`` and ``line[end]`` the separator that closes it."""
    line = f"{entity.name}:"
    spans = []
    for a in ATTRIBUTES:
        line += SEPARATOR
        start = len(line)
        line += entity.values[a]
        spans.append((a, start, len(line)))
    return line + TERMINATOR, spans


def records(world) -> tuple[list[str], list[list[tuple[str, int, int]]]]:
    """The record of every known person of ``world`` (a facts world made with all six attributes)."""
    if tuple(world.config.attributes) != ATTRIBUTES:
        raise ValueError(f"world.config.attributes={world.config.attributes} is out of range: allowed all six, "
                         f"{ATTRIBUTES}")
    out = [record(e) for e in world.entities if e.group != "unseen"]
    return [line for line, _ in out], [spans for _, spans in out]


def record_rows(lines: Sequence[str], tok: CharTokenizer) -> tuple[torch.Tensor, torch.Tensor]:
    """Next-character rows ``(X, Y)``, LongTensors of shape (N, T) with T the longest line's length minus one (at
    most :data:`BLOCK_SIZE`): the loss on every character after the first (the newline included), -1 on the
    padding."""
    T = max(len(line) for line in lines) - 1
    X = torch.zeros(len(lines), T, dtype=torch.long)
    Y = torch.full((len(lines), T), -1, dtype=torch.long)
    for i, line in enumerate(lines):
        ids = tok.encode(line)
        n = len(ids) - 1
        X[i, :n] = torch.tensor(ids[:-1])
        Y[i, :n] = torch.tensor(ids[1:])
    return X, Y


@torch.no_grad()
def value_cross_entropy_bits(model, lines: Sequence[str], spans: Sequence[Sequence[tuple[str, int, int]]],
                             tok: CharTokenizer | None = None, batch_size: int = 512) -> list[tuple[str, float]]:
    """The model's cross-entropy in bits of every value of every record (its characters and the separator after
    it, given everything before it in the line), in eval mode: ``[(attribute, bits), ...]``, six per record."""
    tok = tok or tokenizer()
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    out: list[tuple[str, float]] = []
    try:
        for start in range(0, len(lines), batch_size):
            X, Y = record_rows(lines[start:start + batch_size], tok)
            logp = torch.log_softmax(model(X.to(device)).float(), dim=-1)
            bits = -logp.gather(-1, Y.clamp(min=0).to(device).unsqueeze(-1)).squeeze(-1) / math.log(2)  # (N, T)
            cum = torch.nn.functional.pad(bits.cumsum(dim=1), (1, 0)).cpu()  # cum[i, j] = bits of targets < j
            for i, line_spans in enumerate(spans[start:start + batch_size]):
                # target position j predicts character j + 1: the value's characters s..e are targets s-1..e-1
                out += [(a, float(cum[i, e] - cum[i, s - 1])) for a, s, e in line_spans]
        return out
    finally:
        model.train(was_training)


def stored_bits(model, world, tok: CharTokenizer | None = None) -> dict:
    """Knowledge bits of ``model`` on ``world``: ``knowledge_bits`` (the bound, unclipped),
    ``knowledge_bits_clipped`` (each fact's term clipped at 0), ``world_bits``, ``n_facts``, ``recall`` (share of
    values whose every character, separator included, is the model's top choice: what greedy decoding would
    write) and ``bits_<attribute>`` (the unclipped bound per attribute)."""
    tok = tok or tokenizer()
    lines, spans = records(world)
    ce = value_cross_entropy_bits(model, lines, spans, tok)
    sizes = [len(VALUE_SETS[a]) for a, _ in ce]
    bits = [b for _, b in ce]
    out = {"knowledge_bits": knowledge_bits(sizes, bits),
           "knowledge_bits_clipped": knowledge_bits(sizes, bits, clip=True),
           "world_bits": sum(math.log2(s) for s in sizes), "n_facts": len(ce),
           "recall": _recall(model, lines, spans, tok)}
    for a in ATTRIBUTES:
        mine = [(len(VALUE_SETS[a]), b) for name, b in ce if name == a]
        out[f"bits_{a}"] = knowledge_bits([s for s, _ in mine], [b for _, b in mine])
    return out


@timed("score")
@torch.no_grad()
def _recall(model, lines, spans, tok, batch_size: int = 512) -> float:
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    hits = total = 0
    try:
        for start in range(0, len(lines), batch_size):
            X, Y = record_rows(lines[start:start + batch_size], tok)
            ok = (model(X.to(device)).argmax(-1).cpu() == Y)
            for i, line_spans in enumerate(spans[start:start + batch_size]):
                for _, s, e in line_spans:
                    hits += bool(ok[i, s - 1:e].all())
                    total += 1
        return hits / max(1, total)
    finally:
        model.train(was_training)


def exposures_of(steps: int, batch_size: int, n_people: int) -> float:
    """How many times training showed each fact: ``steps * batch_size / n_people`` (every row is one record, which
    states each of its person's facts once; epochs make the count the same for every fact)."""
    check_int("steps", steps, 0)
    check_int("batch_size", batch_size, 1)
    check_int("n_people", n_people, 1)
    return steps * batch_size / n_people


def people_for(n_params: int, world_bits_per_param: float, batch_size: int) -> int:
    """People in a world holding at least ``world_bits_per_param`` bits per parameter of an ``n_params`` model,
    rounded up to a whole number of batches (so each epoch is whole batches: every fact is seen equally often)."""
    check_int("n_params", n_params, 1)
    check_real("world_bits_per_param", world_bits_per_param, 0.0, 1000.0, low_open=True)
    check_int("batch_size", batch_size, 1)
    need = math.ceil(world_bits_per_param * n_params / BITS_PER_PERSON)
    return max(2 * batch_size, batch_size * math.ceil(need / batch_size))


def epochs(rows: Rows, batch_size: int, generator: torch.Generator) -> Iterator[Rows]:
    """Batches of ``rows`` (X, Y) that walk through them in epochs, a fresh permutation from ``generator`` each,
    instead of drawing rows with replacement, so every row is seen equally often (the Trainer's ``batches``).
    The rows are taken whole: records are about equally long, so there is little padding to trim."""
    X, Y = rows
    order = torch.empty(0, dtype=torch.long)
    while True:
        if len(order) < batch_size:  # what is left of this epoch, then the next one
            order = torch.cat([order, torch.randperm(len(X), generator=generator)])
        ix, order = order[:batch_size].to(X.device), order[batch_size:]
        yield X[ix], Y[ix]
