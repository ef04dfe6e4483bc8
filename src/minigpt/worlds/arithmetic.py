"""Arithmetic worlds: modular addition (the grokking task) and n-digit addition.

Every problem is a prompt such as ``07+12=`` and an answer ending in a newline. The checker parses the
model's output; anything that does not parse (extra characters, leading zeros, no digits) counts as wrong
and never raises.

- Modular addition ``a + b mod p`` over all p*p pairs, about a ``train_fraction`` of them for training and
  the rest for testing (Power et al., 2022). The split is by *unordered* pair by default: ``a+b`` and ``b+a``
  are on the same side, so no test problem is the mirror of a training one. Addition mod p commutes, so with
  the ``ordered`` split (each ordered pair drawn on its own, as in earlier versions) about half of the test
  problems have their mirror in training, and a model that only learned ``a+b = b+a`` on top of a lookup
  table scores near 0.5 "test accuracy" without knowing the rule; :meth:`ArithmeticWorld.mirror_subsets`
  separates the two kinds of test problem. In the default ``symbols`` format each residue is one character
  (0 -> ``a``, 1 -> ``b``, ..., 26 -> ``A``): ``h+m=t`` is 7 + 12 = 19. As in the grokking paper, the model
  sees opaque symbols and must discover the group structure itself. In the ``digits`` format (``07+12=19``,
  zero-padded) the decimal digits expose structure that the opaque symbols hide, so it is not the grokking
  task as the paper posed it. Every row has the same length, so full-batch training is one tensor.
- n-digit addition of operands drawn uniformly from [0, 10**n_digits), split by unordered pair as well (no test
  problem ``a+b`` has its mirror ``b+a`` in training), in one of three answer formats:
  ``plain`` (``23+58=81``), ``reversed`` (the sum's digits least significant first, ``23+58=18``, which
  lets a left-to-right model produce the carry in the order it is computed; Lee et al., 2024) and
  ``scratchpad`` (the column sums first, then the result after ``;``: ``23+58=3+8+0=11,2+5+1=08;81``). Only
  the result after the last ``;`` is scored in the scratchpad format.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from minigpt.config import check, check_int, check_one_of, check_real, doc, is_int
from minigpt.worlds import qa

ADDITION_FORMATS = ("plain", "reversed", "scratchpad")
MODULAR_FORMATS = ("symbols", "digits")
MODULAR_SPLITS = ("unordered", "ordered")
MODULAR_SYMBOLS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"  # residue i is MODULAR_SYMBOLS[i]
_CANONICAL = re.compile(r"0|[1-9][0-9]*")
_CANONICAL_REVERSED = re.compile(r"0|[0-9]*[1-9]")


@dataclass(frozen=True)
class Problem:
    """One arithmetic problem: operands ``a`` and ``b``, the true ``result``, the ``question`` prompt, the
    exact expected ``answer`` (before the newline) and the ``split`` ("train" or "test")."""

    a: int
    b: int
    result: int
    question: str
    answer: str
    split: str


@dataclass(frozen=True)
class ModularConfig:
    """Modular addition ``a + b mod p`` over all pairs."""

    p: int = doc(31, "modulus; operands and results are in [0, p)")
    train_fraction: float = doc(0.5, "share of the p*p pairs used for training")
    format: str = doc("symbols", "'symbols' (one character per residue, p <= 52) or 'digits' (zero-padded decimals)")
    seed: int = doc(0, "seed of the train/test split")
    split: str = doc("unordered", "'unordered' (a+b and b+a on the same side) or 'ordered' (each pair on its own)")

    def __post_init__(self) -> None:
        check_one_of("format", self.format, MODULAR_FORMATS)
        check_one_of("split", self.split, MODULAR_SPLITS)
        top = len(MODULAR_SYMBOLS) if self.format == "symbols" else 1000  # one symbol per residue, or up to 3 digits
        ok = is_int(self.p) and 2 <= self.p <= top
        check("p", self.p, ok, f"an integer in [2, {top}] for format {self.format!r}")
        check_real("train_fraction", self.train_fraction, 0.0, 1.0, low_open=True, high_open=True)
        check_int("seed", self.seed)


@dataclass(frozen=True)
class AdditionConfig:
    """n-digit addition with operands uniform in [0, 10**n_digits); no test problem, nor its mirror, trains."""

    n_digits: int = doc(2, "digits per operand (at most)")
    n_train: int = doc(3000, "distinct training problems")
    n_test: int = doc(500, "distinct test problems, none of them (nor its mirror b+a) in training")
    format: str = doc("plain", "answer format, one of ADDITION_FORMATS: 'plain', 'reversed' or 'scratchpad'")
    seed: int = doc(0, "seed of the problems drawn for train and test")

    def __post_init__(self) -> None:
        check_int("n_digits", self.n_digits, 1, 12)
        check_int("n_train", self.n_train, 1)
        check_int("n_test", self.n_test, 0)
        total = 10 ** (2 * self.n_digits)
        n = self.n_train + self.n_test
        check("n_train + n_test", n, n <= total, f"at most the {total} distinct problems of {self.n_digits} digits")
        check_one_of("format", self.format, ADDITION_FORMATS)
        check_int("seed", self.seed)


@dataclass(frozen=True)
class ArithmeticWorld:
    """A generated arithmetic world (from :func:`make_modular` or :func:`make_addition`).

    ``train`` and ``test`` are tuples of :class:`Problem`; ``train_text`` has one ``question + answer`` line
    per training problem. ``kind`` is "modular" or "addition"; ``format`` one of :data:`MODULAR_FORMATS` or
    :data:`ADDITION_FORMATS`.
    """

    config: ModularConfig | AdditionConfig
    kind: str
    format: str
    train: tuple[Problem, ...]
    test: tuple[Problem, ...]
    _results: Mapping[str, int] = field(repr=False)

    @property
    def train_text(self) -> str:
        return "".join(p.question + p.answer + qa.TERMINATOR for p in self.train)

    @property
    def alphabet(self) -> str:
        """Every character any prompt or answer can use (and the newline), sorted."""
        if self.format == "symbols":
            return "".join(sorted(set(MODULAR_SYMBOLS[: self.config.p] + "+=\n")))  # type: ignore[union-attr]
        chars = set("0123456789+=\n")
        if self.format == "scratchpad":
            chars.update(",;")
        return "".join(sorted(chars))

    def split(self, name: str) -> tuple[Problem, ...]:
        """The problems of split ``name`` ("train" or "test")."""
        if name == "train":
            return self.train
        if name == "test":
            return self.test
        raise ValueError(f"split: must be 'train' or 'test', got {name!r}")

    def parse(self, output: object) -> int | None:
        """The number a model's output states, or None when the output is malformed.

        The output is cut at the first newline. A modular answer is one symbol below p, or exactly the
        zero-padded width of ``p - 1`` in digits. Plain answers must be canonical decimals (no sign, no
        leading zeros), reversed answers canonical when read backwards, scratchpad answers are read after the
        last ``;``. Never raises.
        """
        if not isinstance(output, str):
            return None
        text = output.split(qa.TERMINATOR, 1)[0]
        if self.format == "symbols":
            p = self.config.p  # type: ignore[union-attr]
            return MODULAR_SYMBOLS.index(text) if len(text) == 1 and text in MODULAR_SYMBOLS[:p] else None
        if self.format == "digits":
            p = self.config.p  # type: ignore[union-attr]
            width = len(str(p - 1))
            if len(text) != width or not text.isascii() or not text.isdigit():
                return None
            value = int(text)
            return value if value < p else None
        if self.format == "scratchpad":
            if ";" not in text:
                return None
            text = text.rsplit(";", 1)[1]
        if self.format == "reversed":
            return int(text[::-1]) if _CANONICAL_REVERSED.fullmatch(text) else None
        return int(text) if _CANONICAL.fullmatch(text) else None

    def check(self, question: str, output: object) -> bool:
        """True iff ``output`` parses to the right result for ``question``; malformed output is False.
        An unknown question raises KeyError."""
        if question not in self._results:
            raise KeyError(f"question: not a problem of this world: {question!r}")
        value = self.parse(output)
        return value is not None and value == self._results[question]

    def mirror_subsets(self) -> dict[str, tuple[Problem, ...]]:
        """The test problems in two groups: ``"mirrored"``, those ``a+b`` with ``a != b`` whose mirror ``b+a`` is
        a training problem (commutativity alone answers them), and ``"unmirrored"``, the rest. Under the default
        ``unordered`` split of modular addition ``"mirrored"`` is empty."""
        seen = {(p.a, p.b) for p in self.train}
        mirrored = tuple(p for p in self.test if p.a != p.b and (p.b, p.a) in seen)
        ids = {id(p) for p in mirrored}
        return {"mirrored": mirrored, "unmirrored": tuple(p for p in self.test if id(p) not in ids)}

    def qa_rows(self, tokenizer, split: str = "train"):
        """Training rows for the Trainer: ``(X, Y)`` LongTensors of shape (N, T), loss only on the answer
        and its newline."""
        return qa.encode_rows(tokenizer, [(p.question, p.answer) for p in self.split(split)])

    def completions(
        self,
        model,
        tokenizer,
        problems: Sequence[Problem],
        k: int = 1,
        temperature: float = 0.0,
        generator=None,
        batch_size: int = 1024,
    ) -> list[list[str]]:
        """Decode ``k`` completions of each problem's question, unparsed (cut at the newline; see
        :func:`minigpt.worlds.qa.complete`), with room for the longest expected answer and its newline.
        Returns one list of ``k`` strings per problem."""
        if not problems:
            return []
        max_new = max(len(tokenizer.encode(p.answer)) for p in problems) + 1
        return qa.complete(
            model,
            tokenizer,
            [p.question for p in problems],
            max_new,
            k=k,
            temperature=temperature,
            generator=generator,
            batch_size=batch_size,
        )

    def sample_answers(
        self,
        model,
        tokenizer,
        split: str = "test",
        k: int = 1,
        temperature: float = 0.0,
        generator=None,
        batch_size: int = 1024,
    ) -> list[list[int | None]]:
        """Decode ``k`` answers per problem of ``split`` and parse each (None = malformed).
        Returns one list of ``k`` parsed answers per problem."""
        outs = self.completions(model, tokenizer, self.split(split), k, temperature, generator, batch_size)
        return [[self.parse(o) for o in row] for row in outs]

    def scratchpad_steps(self, problems: Sequence[Problem], completions: Sequence[Sequence[str]]) -> dict[str, float]:
        """How right the column steps of scratchpad ``completions`` (one list per problem) are: ``steps_ok``, the share
        of completions whose steps are right (:func:`scratchpad_steps_correct`), and ``right_answer_wrong_steps``,
        the share of the completions with the right result whose steps are wrong (0 when none is right)."""
        n_digits = self.config.n_digits  # type: ignore[union-attr]
        ok, right = [], []
        for p, row in zip(problems, completions, strict=True):
            ok += [scratchpad_steps_correct(p.question, o, n_digits) for o in row]
            right += [self.parse(o) == p.result for o in row]
        lucky = sum(r and not o for r, o in zip(right, ok, strict=True))
        return {"steps_ok": sum(ok) / len(ok), "right_answer_wrong_steps": lucky / sum(right) if sum(right) else 0.0}

    def accuracy(
        self, model, tokenizer, split: str = "test", temperature: float = 0.0, generator=None
    ) -> list[bool]:
        """Correctness of one decoded answer per problem of ``split`` (greedy at ``temperature=0``)."""
        answers = self.sample_answers(model, tokenizer, split, 1, temperature, generator)
        return [
            row[0] is not None and row[0] == p.result
            for row, p in zip(answers, self.split(split), strict=True)
        ]


def make_modular(config: ModularConfig | None = None) -> ArithmeticWorld:
    """All pairs ``(a, b)`` in [0, p)^2 with ``a+b mod p``, split at random into train and test.

    ``ordered`` split: exactly ``round(train_fraction * p * p)`` problems (at least 1, at most p*p - 1) train.
    ``unordered`` split: unordered pairs {a, b} are drawn in random order and both ``a+b`` and ``b+a`` go to
    training until it holds at least that many problems (so one more when the last pair drawn has a != b),
    never all of them.
    """
    cfg = config or ModularConfig()
    width = len(str(cfg.p - 1))

    def num(x: int) -> str:
        return MODULAR_SYMBOLS[x] if cfg.format == "symbols" else f"{x:0{width}d}"

    total = cfg.p * cfg.p
    n_train = min(total - 1, max(1, round(cfg.train_fraction * total)))
    rng = random.Random(cfg.seed)
    if cfg.split == "ordered":
        pairs = [(a, b) for a in range(cfg.p) for b in range(cfg.p)]
        rng.shuffle(pairs)
        splits = ["train" if i < n_train else "test" for i in range(total)]
    else:
        unordered = [(a, b) for a in range(cfg.p) for b in range(a, cfg.p)]
        rng.shuffle(unordered)
        pairs, splits, count = [], [], 0
        for a, b in unordered:
            group = [(a, b)] if a == b else [(a, b), (b, a)]
            side = "train" if count < n_train and count + len(group) < total else "test"
            count += len(group) if side == "train" else 0
            pairs += group
            splits += [side] * len(group)
    problems = [
        Problem(a, b, (a + b) % cfg.p, f"{num(a)}+{num(b)}=", num((a + b) % cfg.p), side)
        for (a, b), side in zip(pairs, splits, strict=True)
    ]
    return _world(cfg, "modular", cfg.format, problems)


def addition_answer(a: int, b: int, fmt: str, n_digits: int) -> str:
    """The expected completion of ``{a}+{b}=`` in format ``fmt`` (one of :data:`ADDITION_FORMATS`)."""
    s = str(a + b)
    if fmt == "plain":
        return s
    if fmt == "reversed":
        return s[::-1]
    if fmt == "scratchpad":
        steps, carry = [], 0
        for i in range(n_digits):  # least significant column first, operands zero-padded to n_digits
            da, db = (a // 10**i) % 10, (b // 10**i) % 10
            total = da + db + carry
            steps.append(f"{da}+{db}+{carry}={total:02d}")
            carry = total // 10
        return ",".join(steps) + ";" + s
    raise ValueError(f"fmt: must be one of {ADDITION_FORMATS}, got {fmt!r}")


def scratchpad_steps_correct(question: str, output: object, n_digits: int) -> bool:
    """True iff the column steps of a scratchpad ``output`` (the part before the last ``;``, cut at the first
    newline) are exactly the right ones for ``question`` (``"a+b="``), whatever the final result says. So a right
    result reached through wrong steps can be told apart from a right one reached through right steps. Malformed
    output is False; a question that is not ``a+b=`` with operands below ``10**n_digits`` raises ValueError."""
    match = re.fullmatch(r"([0-9]+)\+([0-9]+)=", question)
    if match is None or max(len(match[1]), len(match[2])) > n_digits:
        raise ValueError(f"question: must be 'a+b=' with operands of at most n_digits={n_digits} digits, "
                         f"got {question!r}")
    if not isinstance(output, str):
        return False
    text = output.split(qa.TERMINATOR, 1)[0]
    if ";" not in text:
        return False
    expected = addition_answer(int(match[1]), int(match[2]), "scratchpad", n_digits)
    return text.rsplit(";", 1)[0] == expected.rsplit(";", 1)[0]


def make_addition(config: AdditionConfig | None = None) -> ArithmeticWorld:
    """Distinct random problems ``a+b`` with a, b in [0, 10**n_digits): n_train for training, n_test for
    testing, split by *unordered* pair: no test problem is the mirror ``b+a`` of a training one (a + b = b + a,
    so commutativity alone would answer it; :meth:`ArithmeticWorld.mirror_subsets` finds none).

    The training problems are the first n_train of a random sample of n_train + n_test problems; the test
    problems are the rest of the sample whose mirror is not a training problem, topped up with further random
    draws of such problems. A ValueError when fewer than n_test problems are left that are neither a training
    problem nor its mirror (possible only when n_train is more than about half of the 10**(2 * n_digits))."""
    cfg = config or AdditionConfig()
    base = 10**cfg.n_digits
    total = base * base
    rng = random.Random(cfg.seed)
    codes = rng.sample(range(total), cfg.n_train + cfg.n_test)
    train = codes[: cfg.n_train]

    def mirror(code: int) -> int:
        a, b = divmod(code, base)
        return b * base + a

    taken = set(train) | {mirror(c) for c in train}  # a test problem is neither of these
    if cfg.n_test > total - len(taken):
        raise ValueError(f"n_test={cfg.n_test} is out of range for seed {cfg.seed}: allowed at most "
                         f"{total - len(taken)}, the problems that are neither one of the n_train={cfg.n_train} "
                         f"training problems (of {total}) nor the mirror b+a of one")
    test = [c for c in codes[cfg.n_train:] if c not in taken]
    chosen = set(test)
    while len(test) < cfg.n_test:  # top up the test problems dropped for their mirror
        code = rng.randrange(total)
        if code not in taken and code not in chosen:
            test.append(code)
            chosen.add(code)
    problems = []
    for code, side in [(c, "train") for c in train] + [(c, "test") for c in test]:
        a, b = divmod(code, base)
        problems.append(Problem(a, b, a + b, f"{a}+{b}=", addition_answer(a, b, cfg.format, cfg.n_digits), side))
    return _world(cfg, "addition", cfg.format, problems)


def _world(cfg, kind: str, fmt: str, problems: Sequence[Problem]) -> ArithmeticWorld:
    return ArithmeticWorld(
        config=cfg,
        kind=kind,
        format=fmt,
        train=tuple(p for p in problems if p.split == "train"),
        test=tuple(p for p in problems if p.split == "test"),
        _results=MappingProxyType({p.question: p.result for p in problems}),
    )
