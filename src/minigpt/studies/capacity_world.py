"""The records of chapter 9's capacity study and the knowledge bits a model stores about them.

Each person of a facts world (all six attributes, no Q/A lines, no unseen people) is one compact *record* line,
``Name: v1 v2 ... v6`` and a newline, so one pass over a line is one exposure of each of its six facts. The
model's cross-entropy of a value (its characters and the separator after it, given everything before it in the
line) is the code length it assigns; :func:`stored_bits` turns those into knowledge bits
(:func:`minigpt.metrics.knowledge_bits`), under the model's own code or renormalized over each attribute's
value set (:func:`value_set_cross_entropy_bits`). :func:`epochs` walks through the rows in epochs, so every fact
is seen equally often. The study itself is :mod:`minigpt.studies.capacity`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import torch

from ..config import check_int, check_real
from ..metrics import knowledge_bits
from ..model import eval_mode
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
    encoded = [tok.encode(line) for line in lines]
    return padded([ids[:-1] for ids in encoded]), padded([ids[1:] for ids in encoded], fill=-1)


def padded(rows: Sequence[Sequence[int]], fill: int = 0) -> torch.Tensor:
    """Rows of token ids as one LongTensor, each right-padded with ``fill`` to the longest."""
    out = torch.full((len(rows), max(map(len, rows))), fill, dtype=torch.long)
    for i, ids in enumerate(rows):
        out[i, :len(ids)] = torch.tensor(ids, dtype=torch.long)
    return out


@torch.no_grad()
def value_cross_entropy_bits(model, lines: Sequence[str], spans: Sequence[Sequence[tuple[str, int, int]]],
                             tok: CharTokenizer | None = None, batch_size: int = 512) -> list[tuple[str, float]]:
    """The model's cross-entropy in bits of every value of every record (its characters and the separator after
    it, given everything before it in the line), in eval mode: ``[(attribute, bits), ...]``, six per record."""
    tok = tok or tokenizer()
    device = next(model.parameters()).device
    out: list[tuple[str, float]] = []
    with eval_mode(model):
        for start in range(0, len(lines), batch_size):
            X, Y = record_rows(lines[start:start + batch_size], tok)
            logp = torch.log_softmax(model(X.to(device)).float(), dim=-1)
            bits = -logp.gather(-1, Y.clamp(min=0).to(device).unsqueeze(-1)).squeeze(-1) / math.log(2)  # (N, T)
            cum = torch.nn.functional.pad(bits.cumsum(dim=1), (1, 0)).cpu()  # cum[i, j] = bits of targets < j
            for i, line_spans in enumerate(spans[start:start + batch_size]):
                # target position j predicts character j + 1: the value's characters s..e are targets s-1..e-1
                out += [(a, float(cum[i, e] - cum[i, s - 1])) for a, s, e in line_spans]
    return out


@torch.no_grad()
def value_set_cross_entropy_bits(model, lines: Sequence[str], spans: Sequence[Sequence[tuple[str, int, int]]],
                                 tok: CharTokenizer | None = None, rows: int = 4096) -> list[tuple[str, float, bool]]:
    """Per value of every record, ``(attribute, bits, top)``: the model's code length of the value when its
    probabilities are renormalized over the attribute's value set ``S`` (every candidate ``v`` of ``S`` scored as
    the characters of ``v`` and the separator after it, given the record before the value), and whether the true
    value is the model's most likely candidate. The sets are known to everyone (they are the world's schema, not
    knowledge about a person), so this is still a code a decoder can use: the bound it gives counts what the
    model knows about people, not whether it has learned where one attribute ends and the next begins."""
    tok = tok or tokenizer()
    device = next(model.parameters()).device
    out: list[list[tuple[str, float, bool]]] = [[] for _ in lines]
    with eval_mode(model):
        for k, a in enumerate(ATTRIBUTES):
            values = [tok.encode(v) for v in VALUE_SETS[a]]
            per = max(1, rows // len(values))  # records a batch: every candidate of each
            for start in range(0, len(lines), per):
                chunk = list(zip(lines[start:start + per], spans[start:start + per], strict=True))
                seqs, where, truth = [], [], []
                for line, line_spans in chunk:
                    _, s, e = line_spans[k]
                    prefix, sep = tok.encode(line[:s]), tok.encode(line[e])
                    seqs += [prefix + v + sep for v in values]
                    where += [(s - 1, s + len(v)) for v in values]  # the targets of v and its separator
                    truth.append(VALUE_SETS[a].index(line[s:e]))
                X = padded(seqs).to(device)
                logp = torch.log_softmax(model(X[:, :-1]).float(), dim=-1).gather(-1, X[:, 1:, None])[..., 0]
                lo, hi = (torch.tensor(c, device=device)[:, None] for c in zip(*where, strict=True))
                pos = torch.arange(X.shape[1] - 1, device=device)[None, :]
                lp = (logp * ((pos >= lo) & (pos < hi))).sum(1).view(-1, len(values)).cpu()  # (records, |S|)
                q = (lp - torch.logsumexp(lp, dim=1, keepdim=True)) / math.log(2)
                for i, t in enumerate(truth):
                    out[start + i].append((a, float(-q[i, t]), bool(q[i].argmax() == t)))
    return [fact for record_facts in out for fact in record_facts]


def stored_bits(model, world, tok: CharTokenizer | None = None) -> dict:
    """Knowledge bits of ``model`` on ``world``: ``knowledge_bits_set`` (the bound under the value-set code of
    :func:`value_set_cross_entropy_bits`, unclipped), ``knowledge_bits`` (the bound under the model's own
    character code, unclipped), ``knowledge_bits_clipped`` (the character code, each fact's term clipped at 0),
    ``world_bits``, ``n_facts``, ``recall`` (share of values whose every character, separator included, is the
    model's top choice: what greedy decoding would write), ``recall_set`` (share of values the model ranks first
    of their set) and ``bits_<attribute>`` (the value-set bound per attribute)."""
    tok = tok or tokenizer()
    lines, spans = records(world)
    ce = value_cross_entropy_bits(model, lines, spans, tok)
    sizes = [len(VALUE_SETS[a]) for a, _ in ce]
    bits = [b for _, b in ce]
    in_set = value_set_cross_entropy_bits(model, lines, spans, tok)
    out = {"knowledge_bits_set": knowledge_bits(sizes, [b for _, b, _ in in_set]),
           "knowledge_bits": knowledge_bits(sizes, bits),
           "knowledge_bits_clipped": knowledge_bits(sizes, bits, clip=True),
           "world_bits": sum(math.log2(s) for s in sizes), "n_facts": len(ce),
           "recall": _recall(model, lines, spans, tok),
           "recall_set": sum(top for *_, top in in_set) / max(1, len(in_set))}
    for a in ATTRIBUTES:
        mine = [b for name, b, _ in in_set if name == a]
        out[f"bits_{a}"] = knowledge_bits([len(VALUE_SETS[a])] * len(mine), mine)
    return out


@timed("score")
@torch.no_grad()
def _recall(model, lines, spans, tok, batch_size: int = 512) -> float:
    device = next(model.parameters()).device
    hits = total = 0
    with eval_mode(model):
        for start in range(0, len(lines), batch_size):
            X, Y = record_rows(lines[start:start + batch_size], tok)
            ok = (model(X.to(device)).argmax(-1).cpu() == Y)
            for i, line_spans in enumerate(spans[start:start + batch_size]):
                for _, s, e in line_spans:
                    hits += bool(ok[i, s - 1:e].all())
                    total += 1
    return hits / max(1, total)


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
