"""Facts world ("Grokpedia"): made-up people with attributes, stated in biography sentences of several phrasings.

Each person has a name built from syllables (never a real person) and K attributes drawn uniformly from small value
sets (birth city, birth year, trade, favourite colour, ...). Ground truth is known exactly, so recall is measured by
exact match and plotted against how often a fact is stated.

**Frequency.** Every fact (a person's value of one attribute) is stated in a number of biography sentences taken
from ``mention_levels``, by default 1, 2, 4, ..., 128 (log-spaced). With ``tail_exponent = 0`` every level gets the
same share of each attribute's facts (the default world: 8 facts per level per attribute, **32 facts in every
level**), so recall in every frequency bucket is measured on as many facts; ``tail_exponent = 1`` makes the share
of level c proportional to 1/c instead, a Zipf-like long tail. The level of a fact comes from an independent random
permutation per attribute, so it is independent of the attribute and of the person's other facts.

**Training text.** Two explicit parts, one statement a line:

- *biographies* (``bio_lines``): every mention of every fact is one sentence, its template drawn uniformly from the
  four training templates of the attribute, whatever the fact's frequency (``Ilvo Marren hails from Tessaly.``);
- *Q/A lines* (``qa_lines``): for the ``qa`` people only (``qa_fraction`` of them), each fact as a question and
  answer in the training question template (``Q: Where was Ilvo Marren born? A: Tessaly``), ``qa_repeats`` times.

``train_text`` holds both parts shuffled together (mixed training); :meth:`FactsWorld.text_rows` turns either part
into line-aligned training rows. This is the setting of Allen-Zhu and Li's knowledge *storage and extraction*
(Physics of Language Models, Part 3.1, 2023): a model can recite a Q/A line it was trained on, but answering a
question about a person it only read biographies of needs the knowledge stored in a form a question can reach.

**Probes** (splits of :class:`Fact`, each a ``question`` prompt and the exact ``answer`` expected before the
terminating newline):

- ``cloze``: every fact of every known person, as the prefix of the sentence of its first mention
  (``Ilvo Marren hails from `` -> ``Tessaly.``): recall of what was read, by frequency;
- ``recitation``: the training Q/A form for the ``qa`` people (these Q/A lines are in the training text);
- ``extraction``: the training Q/A form for the ``bio`` people (stated only in biographies, never asked);
- ``heldout_phrasing``: every known person's facts asked with a question template, and completed with a sentence
  template, that never appear in training;
- ``unseen``: the training Q/A form for ``n_unseen`` people who never appear in training (frequency 0): the honest
  answer is "I don't know", and a right answer is luck.

No cloze prompt (the text before ``{value}``) starts a template of another attribute, so a cloze has one right
continuation.

**Bits.** The training text holds ``n_people * sum(log2 |S_a|)`` bits of facts (``FactsWorld.knowledge_bits``): the
default world 64 * (log2 16 + log2 100 + log2 16 + log2 12) = 64 * 18.23 = 1166.6 bits, in 8,160 biography
sentences and 128 Q/A lines; with all six attributes a person holds 25.14 bits. To saturate a small model's capacity
(published: about 2 bits per parameter, Allen-Zhu and Li, Part 3.3, 2024) grow ``n_people`` (up to 100,000: 2.5
million bits with six attributes) and state every fact a fixed number of times, e.g. ``mention_levels=(8,)``; a
100,000-parameter model then needs about 8,000 people with six attributes (200,000 bits).
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from minigpt.config import check, check_int, check_one_of, check_real, doc, is_int
from minigpt.worlds import qa

# Syllables for made-up names: a first name is an onset and an ending, and so is a surname. The combination is
# random; the inventory is chosen to sound like names without matching a well-known person.
_FIRST_ONSETS = tuple("Il Ba Cor Da El Fen Gar Hal Is Jor Ka Lu Mar Nel Or Pel Quin Ra Sel Tor Ul Vin Wy Yar "
                      "Zel".split())
_FIRST_ENDS = tuple("vo ra nik dris wen mo sa rin tha lo vek mira dun set".split())
_LAST_ONSETS = tuple("Mar Bel Cas Dor Ess Fal Grim Hask Ith Kell Lor Morr Nor Ost Pim Quell Rav Stor Thal "
                     "Urm Vel Wend Yorr Zan".split())
_LAST_ENDS = tuple("ren wick avel thorn dane ley mont rick ova holm by gard iel ock ade ven ish ton "
                   "ard".split())
# the syllables a name is made of, in the order first onset, first end, last onset, last end (what a model
# that reads names must be able to spell: chapter 9 builds its alphabet from them)
NAME_SYLLABLES = (_FIRST_ONSETS, _FIRST_ENDS, _LAST_ONSETS, _LAST_ENDS)

# Value sets. Trades, pets and instruments start with a consonant so "a {value}" is always grammatical.
VALUE_SETS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "birth_city": tuple("Tessaly Brinmoor Quellon Varrow Ostmere Kelthorn Dunvale Mirrowen Zelbury Pellin "
                        "Aldrenne Sorvik Hallowmere Thornwick Caddon Ylmar".split()),
    "birth_year": tuple(str(y) for y in range(1900, 2000)),
    "trade": tuple("potter weaver baker smith tailor miller carpenter mason cooper brewer tanner fisher "
                   "glazier roofer saddler dyer".split()),
    "colour": tuple("red blue green yellow purple orange black white grey pink brown silver".split()),
    "pet": tuple("cat dog hen goat parrot rabbit tortoise ferret hamster pony lizard toad".split()),
    "instrument": tuple("flute harp drum violin cello lute fiddle banjo piano trumpet".split()),
})

# Sentence templates: the value always ends the sentence, so the prefix before it is a cloze prompt.
# The first four are used in training; the last is held out (never appears in the training text).
# No text before {value} starts a template of another attribute (a test checks): a cloze has one right ending.
SENTENCE_TEMPLATES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "birth_city": (
            "{name} was born in the town of {value}.",
            "The birthplace of {name} is {value}.",
            "{name} hails from {value}.",
            "The home town of {name} is {value}.",
            "{name} first saw the light of day in {value}.",
        ),
        "birth_year": (
            "{name} was born in the year {value}.",
            "The birth year of {name} is {value}.",
            "{name} came into the world in the year {value}.",
            "Records show {name} was born in the year {value}.",
            "{name} has been alive since the year {value}.",
        ),
        "trade": (
            "{name} works as a {value}.",
            "{name} earns a living as a {value}.",
            "By trade, {name} is a {value}.",
            "The trade of {name} is that of a {value}.",
            "{name} spends each working day as a {value}.",
        ),
        "colour": (
            "The favourite colour of {name} is {value}.",
            "{name} loves the colour {value}.",
            "Of all colours, {name} prefers {value}.",
            "{name} always chooses the colour {value}.",
            "Above every other colour, {name} picks {value}.",
        ),
        "pet": (
            "{name} has a pet {value}.",
            "The pet of {name} is a {value}.",
            "At home, {name} keeps a {value}.",
            "{name} owns a {value}.",
            "{name} looks after a pet {value}.",
        ),
        "instrument": (
            "{name} plays the {value}.",
            "The instrument of {name} is the {value}.",
            "{name} practises the {value}.",
            "In the evening, {name} plays the {value}.",
            "{name} is known for playing the {value}.",
        ),
    }
)

# Question templates: the first is the training Q/A form, the second is held out.
QUESTION_TEMPLATES: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "birth_city": ("Where was {name} born?", "In which town was {name} born?"),
        "birth_year": ("When was {name} born?", "In what year was {name} born?"),
        "trade": ("What does {name} do for a living?", "What is the trade of {name}?"),
        "colour": ("What is the favourite colour of {name}?", "Which colour does {name} like best?"),
        "pet": ("What pet does {name} keep?", "Which animal does {name} keep as a pet?"),
        "instrument": ("What instrument does {name} play?", "Which instrument does {name} practise?"),
    }
)

ATTRIBUTES: tuple[str, ...] = tuple(VALUE_SETS)
N_TRAIN_TEMPLATES = 4
SPLITS = ("cloze", "recitation", "extraction", "heldout_phrasing", "unseen")
GROUPS = ("qa", "bio", "unseen")  # Q/A lines in training too; biographies only; never in training
MAX_PEOPLE = 100_000


def qa_prompt(question: str) -> str:
    """The prompt for a question: ``Q: {question} A: `` (the answer follows the final space)."""
    return f"Q: {question} A: "


def cloze_prompt(template: str, name: str) -> str:
    """The text of ``template`` before its value, for ``name`` (every template ends with ``{value}.``)."""
    return template[: template.index("{value}")].format(name=name)


def _n_names() -> int:
    return len(_FIRST_ONSETS) * len(_FIRST_ENDS) * len(_LAST_ONSETS) * len(_LAST_ENDS)


@dataclass(frozen=True)
class FactsConfig:
    """Size and seed of a facts world (the module docstring describes its parts and probes).

    The share of facts stated ``mention_levels[i]`` times is proportional to ``mention_levels[i] ** -tail_exponent``,
    the same for every attribute (see :meth:`level_counts`).
    """

    n_people: int = doc(64, "people who appear in the training text (in biographies)")
    attributes: tuple[str, ...] = doc(("birth_city", "birth_year", "trade", "colour"),
                                      "the K attributes of every person, distinct names from ATTRIBUTES")
    mention_levels: tuple[int, ...] = doc((1, 2, 4, 8, 16, 32, 64, 128),
                                          "biography sentences per fact: each fact gets one of these levels")
    tail_exponent: float = doc(0.0, "share of facts at level c ~ c**-exponent: 0 = as many per level, 1 = Zipf-like")
    qa_fraction: float = doc(0.5, "share of the people whose facts also appear as Q/A lines in training")
    qa_repeats: int = doc(1, "times each of their Q/A lines appears in the training text")
    n_unseen: int = doc(32, "people who never appear in training (probes only)")
    seed: int = doc(0, "seed of the people, their values and levels, and the sentences")

    def __post_init__(self) -> None:
        check_int("n_people", self.n_people, 2, MAX_PEOPLE)
        attrs = tuple(self.attributes)
        object.__setattr__(self, "attributes", attrs)  # a list (from JSON) becomes a tuple: the config stays hashable
        check("attributes", attrs, bool(attrs) and len(set(attrs)) == len(attrs) and set(attrs) <= set(ATTRIBUTES),
               f"distinct names from {ATTRIBUTES}")
        levels = self.mention_levels
        if isinstance(levels, list):
            levels = tuple(levels)
            object.__setattr__(self, "mention_levels", levels)
        check("mention_levels", levels,
               isinstance(levels, tuple) and len(levels) >= 1 and all(is_int(c) and 1 <= c <= 10_000 for c in levels)
               and all(b > a for a, b in zip(levels, levels[1:], strict=False)),
               "a non-empty tuple of strictly increasing integers in [1, 10000]")
        check_real("tail_exponent", self.tail_exponent, 0.0, 5.0)
        check_real("qa_fraction", self.qa_fraction, 0.0, 1.0)
        check_int("qa_repeats", self.qa_repeats, 1, 1000)
        check_int("n_unseen", self.n_unseen, 0, MAX_PEOPLE)
        total = self.n_people + self.n_unseen
        check("n_people + n_unseen", total, total <= _n_names(), f"at most the {_n_names()} distinct names")
        check_int("seed", self.seed)

    def level_counts(self) -> tuple[int, ...]:
        """How many of each attribute's ``n_people`` facts sit at each level: shares proportional to
        ``level ** -tail_exponent``, rounded by largest remainders (ties go to the rarer level)."""
        weights = [c ** -self.tail_exponent for c in self.mention_levels]
        quotas = [self.n_people * w / sum(weights) for w in weights]
        counts = [math.floor(q) for q in quotas]
        by_remainder = sorted(range(len(quotas)), key=lambda i: (-(quotas[i] - counts[i]), i))
        for i in by_remainder[: self.n_people - sum(counts)]:
            counts[i] += 1
        return tuple(counts)


@dataclass(frozen=True)
class Entity:
    """A made-up person: ``name``, ``values`` (attribute -> value), ``mentions`` (attribute -> biography sentences
    stating it; 0 for unseen people) and ``group`` ("qa", "bio" or "unseen"; see :data:`GROUPS`)."""

    name: str
    values: Mapping[str, str]
    mentions: Mapping[str, int]
    group: str


@dataclass(frozen=True)
class Fact:
    """One scoring probe for one fact.

    ``question`` is the full prompt (``Q: Where was Ilvo Marren born? A: `` or a cloze prefix such as
    ``Ilvo Marren first saw the light of day in ``); ``answer`` is the exact text expected before the
    terminating newline (``Tessaly`` for Q/A, ``Tessaly.`` for a cloze). ``frequency`` is how many biography
    sentences state the fact (Q/A lines not counted; 0 for unseen people). ``form`` is "qa" or "cloze".
    """

    entity: str
    attribute: str
    value: str
    frequency: int
    question: str
    answer: str
    split: str
    form: str

    @property
    def set_size(self) -> int:
        """Number of possible values of the attribute (|S| in the knowledge-bits bound)."""
        return len(VALUE_SETS[self.attribute])


@dataclass(frozen=True)
class FactsWorld:
    """A generated facts world. Build it with :func:`make_facts`.

    ``bio_lines`` and ``qa_lines`` are the two parts of the training text (one statement per line, no newline);
    ``train_text`` holds both, shuffled together, each line ending in a newline. ``entities`` is the ground truth
    (the known people, then the unseen ones); ``splits`` maps each name in :data:`SPLITS` to its probes.
    """

    config: FactsConfig
    entities: tuple[Entity, ...]
    bio_lines: tuple[str, ...]
    qa_lines: tuple[str, ...]
    train_text: str
    splits: Mapping[str, tuple[Fact, ...]]
    _answers: Mapping[str, str] = field(repr=False)

    @property
    def cloze(self) -> tuple[Fact, ...]:
        return self.splits["cloze"]

    @property
    def recitation(self) -> tuple[Fact, ...]:
        return self.splits["recitation"]

    @property
    def extraction(self) -> tuple[Fact, ...]:
        return self.splits["extraction"]

    @property
    def heldout_phrasing(self) -> tuple[Fact, ...]:
        return self.splits["heldout_phrasing"]

    @property
    def unseen(self) -> tuple[Fact, ...]:
        return self.splits["unseen"]

    @property
    def knowledge_bits(self) -> float:
        """Bits of facts the training text holds: the sum over the known people's facts of log2 |S_attribute|."""
        known = sum(e.group != "unseen" for e in self.entities)
        return known * sum(math.log2(len(VALUE_SETS[a])) for a in self.config.attributes)

    @property
    def bucket_edges(self) -> list[int]:
        """Edges for :func:`minigpt.metrics.recall_by_frequency` giving one bucket per mention level."""
        levels = list(self.config.mention_levels)
        return levels + [levels[-1] + 1]

    @property
    def alphabet(self) -> str:
        """Every character used by the training text and by any probe, sorted: build the tokenizer from it
        so held-out prompts can be encoded too."""
        chars = set(self.train_text)
        for facts in self.splits.values():
            for f in facts:
                chars.update(f.question)
                chars.update(f.answer)
        chars.add(qa.TERMINATOR)
        return "".join(sorted(chars))

    def split(self, name: str) -> tuple[Fact, ...]:
        """The probes of split ``name`` (one of :data:`SPLITS`)."""
        if name not in self.splits:
            raise ValueError(f"split={name!r} is out of range: allowed one of {SPLITS}")
        return self.splits[name]

    def check(self, question: str, answer: object) -> bool:
        """True iff ``answer`` is exactly the right answer to ``question`` (a probe's prompt).

        Anything from the first newline on is ignored (the newline terminates an answer). Wrong, malformed or
        non-string answers give False; an unknown question raises KeyError.
        """
        if question not in self._answers:
            raise KeyError(f"question: not a probe of this world: {question!r}")
        if not isinstance(answer, str):
            return False
        return answer.split(qa.TERMINATOR, 1)[0] == self._answers[question]

    def text_rows(self, tokenizer, part: str = "all"):
        """Line-aligned language-model rows ``(X, Y)``, LongTensors of shape (N, T), one row per line of
        ``part`` ("all": the training text, "bio" or "qa"). Each line starts at position 0, where a probe's prompt
        starts; the loss is on every character after the first and on the terminating newline, -1 on padding.

        Uniform row sampling (the Trainer's) sees each fact as often as the text states it.
        """
        check_one_of("part", part, ("all", "bio", "qa"))
        lines = {"all": self.train_text.splitlines(), "bio": self.bio_lines, "qa": self.qa_lines}[part]
        if not lines:
            raise ValueError(f"part={part!r} is out of range: this world has no such lines (qa_fraction=0?)")
        return qa.encode_rows(tokenizer, [(line[:1], line[1:]) for line in lines])

    def qa_rows(self, tokenizer, split: str = "recitation", repeat_by_frequency: bool = False):
        """Probe rows for the Trainer: ``(X, Y)`` LongTensors of shape (N, T), the loss only on the answer.

        One row per probe of ``split``; with ``repeat_by_frequency`` each row appears ``frequency`` times, so
        uniform row sampling sees facts as often as the biographies state them.
        """
        facts = self.split(split)
        pairs = [
            (f.question, f.answer) for f in facts for _ in range(f.frequency if repeat_by_frequency else 1)
        ]
        return qa.encode_rows(tokenizer, pairs)


def _make_names(n: int, rng: random.Random) -> list[str]:
    first = [o + e for o in _FIRST_ONSETS for e in _FIRST_ENDS]
    last = [o + e for o in _LAST_ONSETS for e in _LAST_ENDS]
    # a sample of (first, last) index pairs without replacement: distinct full names
    picks = rng.sample(range(len(first) * len(last)), n)
    return [f"{first[i // len(last)]} {last[i % len(last)]}" for i in picks]


def make_facts(config: FactsConfig | None = None) -> FactsWorld:
    """Generate a facts world; the same config gives the same world on every machine."""
    cfg = config or FactsConfig()
    rng = random.Random(cfg.seed)
    n, attrs = cfg.n_people, cfg.attributes
    names = _make_names(n + cfg.n_unseen, rng)
    values = [{a: rng.choice(VALUE_SETS[a]) for a in attrs} for _ in names]
    # one level per fact: the same level counts for every attribute, shuffled independently per attribute, so a
    # fact's frequency says nothing about its attribute or the person's other facts
    levels: dict[str, list[int]] = {}
    for a in attrs:
        column = [c for c, k in zip(cfg.mention_levels, cfg.level_counts(), strict=True) for _ in range(k)]
        rng.shuffle(column)
        levels[a] = column
    qa_people = set(rng.sample(range(n), round(cfg.qa_fraction * n)))
    groups = ["qa" if i in qa_people else "bio" for i in range(n)] + ["unseen"] * cfg.n_unseen

    bio: list[str] = []
    qa_lines: list[str] = []
    first_template: dict[tuple[int, str], int] = {}
    for i in range(n):
        for a in attrs:
            for j in range(levels[a][i]):
                t = rng.randrange(N_TRAIN_TEMPLATES)  # the same template mix at every frequency
                if j == 0:
                    first_template[(i, a)] = t
                bio.append(SENTENCE_TEMPLATES[a][t].format(name=names[i], value=values[i][a]))
            if groups[i] == "qa":
                qa_lines += [qa_prompt(QUESTION_TEMPLATES[a][0].format(name=names[i])) + values[i][a]] * cfg.qa_repeats
    rng.shuffle(bio)
    rng.shuffle(qa_lines)
    lines = bio + qa_lines
    rng.shuffle(lines)
    train_text = "".join(line + qa.TERMINATOR for line in lines)

    entities = tuple(
        Entity(name, MappingProxyType(dict(values[i])),
               MappingProxyType({a: levels[a][i] if i < n else 0 for a in attrs}), groups[i])
        for i, name in enumerate(names)
    )
    splits: dict[str, list[Fact]] = {s: [] for s in SPLITS}
    for i, e in enumerate(entities):
        for a in attrs:
            v, f = e.values[a], e.mentions[a]
            asked = qa_prompt(QUESTION_TEMPLATES[a][0].format(name=e.name))
            if e.group == "unseen":
                splits["unseen"].append(Fact(e.name, a, v, f, asked, v, "unseen", "qa"))
                continue
            read = cloze_prompt(SENTENCE_TEMPLATES[a][first_template[(i, a)]], e.name)
            splits["cloze"].append(Fact(e.name, a, v, f, read, v + ".", "cloze", "cloze"))
            split = "recitation" if e.group == "qa" else "extraction"
            splits[split].append(Fact(e.name, a, v, f, asked, v, split, "qa"))
            new_question = qa_prompt(QUESTION_TEMPLATES[a][1].format(name=e.name))
            new_cloze = cloze_prompt(SENTENCE_TEMPLATES[a][N_TRAIN_TEMPLATES], e.name)
            splits["heldout_phrasing"] += [Fact(e.name, a, v, f, new_question, v, "heldout_phrasing", "qa"),
                                           Fact(e.name, a, v, f, new_cloze, v + ".", "heldout_phrasing", "cloze")]
    answers = {f.question: f.answer for facts in splits.values() for f in facts}
    return FactsWorld(
        config=cfg,
        entities=entities,
        bio_lines=tuple(bio),
        qa_lines=tuple(qa_lines),
        train_text=train_text,
        splits=MappingProxyType({s: tuple(v) for s, v in splits.items()}),
        _answers=MappingProxyType(answers),
    )


def recall(
    model, tokenizer, records: Sequence[Fact], temperature: float = 0.0, generator=None, batch_size: int = 512
) -> list[bool]:
    """Exact-match recall per probe: prompt with ``record.question``, decode, cut at the first newline, and
    compare with ``record.answer``. Returns one bool per record (in order), so callers can bucket by
    frequency (:func:`minigpt.metrics.recall_by_frequency`). ``temperature=0`` is greedy decoding, decided
    without decoding (:func:`minigpt.worlds.qa.greedy_correct`: the same answer, one forward pass a batch).
    """
    if not records:
        return []
    if temperature == 0:
        return qa.greedy_correct(model, tokenizer, [(r.question, r.answer) for r in records], batch_size)
    max_new = max(len(tokenizer.encode(r.answer)) for r in records) + 1
    outs = qa.complete(
        model,
        tokenizer,
        [r.question for r in records],
        max_new,
        k=1,
        temperature=temperature,
        generator=generator,
        batch_size=batch_size,
    )
    return [o[0] == r.answer for o, r in zip(outs, records, strict=True)]


def sample_answers(
    model, tokenizer, records: Sequence[Fact], k: int = 1, temperature: float = 0.0, generator=None,
    mc_dropout: bool = False, batch_size: int = 512,
) -> list[list[str]]:
    """``k`` answers to each record's prompt, each cut at its first newline: a list (one per record) of k strings.
    With ``mc_dropout`` the dropout sites stay on while decoding (Monte Carlo dropout), so even greedy answers
    (``temperature=0``) vary; their masks come from the model's generator (``model.use_generator``)."""
    if not records:
        return []
    max_new = max(len(tokenizer.encode(r.answer)) for r in records) + 1
    return qa.complete(model, tokenizer, [r.question for r in records], max_new, k=k, temperature=temperature,
                        generator=generator, batch_size=batch_size, mc_dropout=mc_dropout)


def value_cross_entropy_bits(model, tokenizer, records: Sequence[Fact]) -> list[float]:
    """The model's cross-entropy, in bits, of each record's answer and terminating newline given its
    question: the input to :func:`minigpt.metrics.knowledge_bits` (with ``record.set_size``)."""
    return qa.answer_cross_entropy_bits(model, tokenizer, [(r.question, r.answer) for r in records])
