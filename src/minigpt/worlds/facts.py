"""Facts world ("Grokpedia"): made-up people with attributes, written in several phrasings.

Each entity has a name built from syllables (never a real person), K attributes drawn uniformly from small
value sets (birth city, birth year, trade, favourite colour, ...) and a frequency drawn from a Zipf-like law,
so some facts are stated hundreds of times in the training text and some only a handful. Ground truth is
known exactly, so recall can be measured by exact match and plotted against frequency.

Training text: one statement per line. A statement of a fact is either a sentence from one of four training
templates of its attribute (``Ilvo Marren was born in Tessaly.``) or, for entities of the ``train`` split, a
question/answer line (``Q: Where was Ilvo Marren born? A: Tessaly``).

Splits (lists of :class:`Fact` probes, each a ``question`` prompt and the exact ``answer`` expected before the
terminating newline):

- ``train``: the Q/A form of every fact of the train entities (these Q/A lines appear in the training text);
- ``heldout_phrasing``: the same facts asked with a question template and completed with a sentence template
  that never appear in training (tests whether knowledge transfers to a new phrasing);
- ``heldout_entity``: the Q/A form of facts of entities that appear in training only as sentences, never in
  Q/A form (tests extraction of knowledge from text, not recitation of Q/A lines; Allen-Zhu and Li, 2024).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from minigpt.config import _check, _int, _is_int, _real, doc
from minigpt.worlds import _qa

# Syllables for made-up names: a first name is an onset and an ending, and so is a surname. The combination is
# random; the inventory is chosen to sound like names without matching a well-known person.
_FIRST_ONSETS = tuple("Il Ba Cor Da El Fen Gar Hal Is Jor Ka Lu Mar Nel Or Pel Quin Ra Sel Tor Ul Vin Wy Yar "
                      "Zel".split())
_FIRST_ENDS = tuple("vo ra nik dris wen mo sa rin tha lo vek mira dun set".split())
_LAST_ONSETS = tuple("Mar Bel Cas Dor Ess Fal Grim Hask Ith Kell Lor Morr Nor Ost Pim Quell Rav Stor Thal "
                     "Urm Vel Wend Yorr Zan".split())
_LAST_ENDS = tuple("ren wick avel thorn dane ley mont rick ova holm by gard iel ock ade ven ish ton "
                   "ard".split())

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
SENTENCE_TEMPLATES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "birth_city": (
            "{name} was born in {value}.",
            "The birthplace of {name} is {value}.",
            "{name} came into the world in {value}.",
            "{name} was born in the town of {value}.",
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
SPLITS = ("train", "heldout_phrasing", "heldout_entity")


def qa_prompt(question: str) -> str:
    """The prompt for a question: ``Q: {question} A: `` (the answer follows the final space)."""
    return f"Q: {question} A: "


@dataclass(frozen=True)
class FactsConfig:
    """Size and seed of a facts world.

    Entity frequencies follow ``max(min_mentions, round(max_mentions / rank ** zipf_exponent))`` over a random
    ranking of the entities; an entity's mentions are spread round-robin over its attributes, so each fact is
    stated about ``mentions / K`` times.
    """

    n_entities: int = doc(100, "made-up people")
    attributes: tuple[str, ...] = doc(("birth_city", "birth_year", "trade", "colour"),
                                      "the K attributes of every entity, distinct names from ATTRIBUTES")
    max_mentions: int = doc(200, "lines about the most frequent entity")
    min_mentions: int = doc(4, "lines about the rarest entities; at least one line per fact")
    zipf_exponent: float = doc(1.0, "0 = all entities equally frequent; larger = a longer tail")
    heldout_entity_fraction: float = doc(0.2, "entities seen only as sentences, never in Q/A form")
    qa_fraction: float = doc(0.5, "for train entities, the share of a fact's lines written as Q/A")
    seed: int = doc(0, "seed of the entities, their values and frequencies")

    def __post_init__(self) -> None:
        _int("n_entities", self.n_entities, 2, 5000)
        attrs = tuple(self.attributes)
        object.__setattr__(self, "attributes", attrs)  # a list (from JSON) becomes a tuple: the config stays hashable
        _check("attributes", attrs, bool(attrs) and len(set(attrs)) == len(attrs) and set(attrs) <= set(ATTRIBUTES),
               f"distinct names from {ATTRIBUTES}")
        _check("min_mentions", self.min_mentions, _is_int(self.min_mentions) and self.min_mentions >= len(attrs),
               f"an integer >= len(attributes) = {len(attrs)}, so every fact is stated")
        _check("max_mentions", self.max_mentions,
               _is_int(self.max_mentions) and self.min_mentions <= self.max_mentions <= 100_000,
               f"an integer in [min_mentions={self.min_mentions}, 100000]")
        _real("zipf_exponent", self.zipf_exponent, 0.0, 5.0)
        _real("heldout_entity_fraction", self.heldout_entity_fraction, 0.0, 1.0, high_open=True)
        _real("qa_fraction", self.qa_fraction, 0.0, 1.0, low_open=True)
        _int("seed", self.seed)


@dataclass(frozen=True)
class Entity:
    """A made-up person: ``name``, ``values`` (attribute -> value), ``mentions`` (lines about it in the
    training text) and ``split`` ("train" or "heldout_entity")."""

    name: str
    values: Mapping[str, str]
    mentions: int
    split: str


@dataclass(frozen=True)
class Fact:
    """One scoring probe for one fact.

    ``question`` is the full prompt (``Q: Where was Ilvo Marren born? A: `` or a cloze prefix such as
    ``Ilvo Marren first saw the light of day in ``); ``answer`` is the exact text expected before the
    terminating newline (``Tessaly`` for Q/A, ``Tessaly.`` for a cloze). ``frequency`` is how many lines of
    the training text state this fact (in any form). ``form`` is "qa" or "cloze".
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

    ``train_text`` is the training text (one statement per line, each ending in a newline); ``entities`` the
    ground truth; ``splits`` maps each name in :data:`SPLITS` to its tuple of :class:`Fact` probes.
    """

    config: FactsConfig
    entities: tuple[Entity, ...]
    train_text: str
    splits: Mapping[str, tuple[Fact, ...]]
    _answers: Mapping[str, str] = field(repr=False)

    @property
    def train(self) -> tuple[Fact, ...]:
        return self.splits["train"]

    @property
    def heldout_phrasing(self) -> tuple[Fact, ...]:
        return self.splits["heldout_phrasing"]

    @property
    def heldout_entity(self) -> tuple[Fact, ...]:
        return self.splits["heldout_entity"]

    @property
    def alphabet(self) -> str:
        """Every character used by the training text and by any probe, sorted: build the tokenizer from it
        so held-out prompts can be encoded too."""
        chars = set(self.train_text)
        for facts in self.splits.values():
            for f in facts:
                chars.update(f.question)
                chars.update(f.answer)
        chars.add(_qa.TERMINATOR)
        return "".join(sorted(chars))

    def split(self, name: str) -> tuple[Fact, ...]:
        """The probes of split ``name`` (one of :data:`SPLITS`)."""
        if name not in self.splits:
            raise ValueError(f"split: must be one of {SPLITS}, got {name!r}")
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
        return answer.split(_qa.TERMINATOR, 1)[0] == self._answers[question]

    def qa_rows(self, tokenizer, split: str = "train", repeat_by_frequency: bool = False):
        """Training rows for the Trainer: ``(X, Y)`` LongTensors of shape (N, T), the loss only on the answer.

        One row per probe of ``split``; with ``repeat_by_frequency`` each row appears ``frequency`` times, so
        uniform row sampling sees facts as often as the training text states them.
        """
        facts = self.split(split)
        pairs = [
            (f.question, f.answer) for f in facts for _ in range(f.frequency if repeat_by_frequency else 1)
        ]
        return _qa.encode_rows(tokenizer, pairs)


def _zipf_mentions(n: int, cfg: FactsConfig) -> list[int]:
    return [max(cfg.min_mentions, round(cfg.max_mentions / (r**cfg.zipf_exponent))) for r in range(1, n + 1)]


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
    names = _make_names(cfg.n_entities, rng)
    mentions = _zipf_mentions(cfg.n_entities, cfg)
    rng.shuffle(mentions)
    n_held = int(round(cfg.heldout_entity_fraction * cfg.n_entities))
    held = set(rng.sample(range(cfg.n_entities), n_held))
    K = len(cfg.attributes)

    entities: list[Entity] = []
    lines: list[str] = []
    freq: dict[tuple[str, str], int] = {}
    for i, name in enumerate(names):
        values = {a: rng.choice(VALUE_SETS[a]) for a in cfg.attributes}
        split = "heldout_entity" if i in held else "train"
        entities.append(Entity(name, MappingProxyType(values), mentions[i], split))
        offset = rng.randrange(K)
        per_attr = [0] * K
        for j in range(mentions[i]):
            per_attr[(offset + j) % K] += 1
        for a, count in zip(cfg.attributes, per_attr, strict=True):
            freq[(name, a)] = count
            n_qa = 0
            if split == "train":
                # at least one Q/A line per train fact, and at least one sentence when there are two lines
                n_qa = min(max(1, round(cfg.qa_fraction * count)), count if count == 1 else count - 1)
                if cfg.qa_fraction == 1.0:
                    n_qa = count
            for _ in range(n_qa):
                lines.append(qa_prompt(QUESTION_TEMPLATES[a][0].format(name=name)) + values[a])
            for _ in range(count - n_qa):
                template = SENTENCE_TEMPLATES[a][rng.randrange(N_TRAIN_TEMPLATES)]
                lines.append(template.format(name=name, value=values[a]))
    rng.shuffle(lines)
    train_text = "".join(line + _qa.TERMINATOR for line in lines)

    splits: dict[str, list[Fact]] = {s: [] for s in SPLITS}
    for e in entities:
        for a in cfg.attributes:
            v, f = e.values[a], freq[(e.name, a)]
            if e.split == "train":
                splits["train"].append(
                    Fact(
                        e.name,
                        a,
                        v,
                        f,
                        qa_prompt(QUESTION_TEMPLATES[a][0].format(name=e.name)),
                        v,
                        "train",
                        "qa",
                    )
                )
                splits["heldout_phrasing"].append(
                    Fact(
                        e.name,
                        a,
                        v,
                        f,
                        qa_prompt(QUESTION_TEMPLATES[a][1].format(name=e.name)),
                        v,
                        "heldout_phrasing",
                        "qa",
                    )
                )
                cloze = SENTENCE_TEMPLATES[a][N_TRAIN_TEMPLATES].format(name=e.name, value=v)
                prefix = cloze[: len(cloze) - len(v) - 1]  # every template ends with "{value}."
                splits["heldout_phrasing"].append(
                    Fact(e.name, a, v, f, prefix, v + ".", "heldout_phrasing", "cloze")
                )
            else:
                splits["heldout_entity"].append(
                    Fact(
                        e.name,
                        a,
                        v,
                        f,
                        qa_prompt(QUESTION_TEMPLATES[a][0].format(name=e.name)),
                        v,
                        "heldout_entity",
                        "qa",
                    )
                )
    answers = {f.question: f.answer for facts in splits.values() for f in facts}
    return FactsWorld(
        config=cfg,
        entities=tuple(entities),
        train_text=train_text,
        splits=MappingProxyType({s: tuple(v) for s, v in splits.items()}),
        _answers=MappingProxyType(answers),
    )


def recall(
    model, tokenizer, records: Sequence[Fact], temperature: float = 0.0, generator=None, batch_size: int = 512
) -> list[bool]:
    """Exact-match recall per probe: prompt with ``record.question``, decode, cut at the first newline, and
    compare with ``record.answer``. Returns one bool per record (in order), so callers can bucket by
    frequency (:func:`minigpt.metrics.recall_by_frequency`). ``temperature=0`` is greedy decoding.
    """
    if not records:
        return []
    max_new = max(len(tokenizer.encode(r.answer)) for r in records) + 1
    outs = _qa.complete(
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


def value_cross_entropy_bits(model, tokenizer, records: Sequence[Fact]) -> list[float]:
    """The model's cross-entropy, in bits, of each record's answer and terminating newline given its
    question: the input to :func:`minigpt.metrics.knowledge_bits` (with ``record.set_size``)."""
    return _qa.answer_cross_entropy_bits(model, tokenizer, [(r.question, r.answer) for r in records])
