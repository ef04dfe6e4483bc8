"""Stories world: a small probabilistic grammar that writes short stories.

A sentence is ``Mira found a red key in the forest.``: a subject (a name or "the" creature), a verb and its
complements, from a fixed lexicon. The grammar enforces "a" before consonants and "an" before vowels, so a
model must learn agreement, not just word lists. It generates about 23 million distinct sentences, so novel
valid sentences are plentiful, while a training set of a few hundred stories can be memorised.

:func:`is_valid` is a real recognizer: it parses a sentence against :data:`GRAMMAR` (the same rules the
generator samples from), it does not look sentences up. A sampled sentence is scored as ``copied`` (it is in
the training set), ``novel`` (valid and not in the training set) or ``invalid``.

Text layout: a story is its sentences joined by single spaces; stories are separated by newlines.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from minigpt.config import check, check_int, check_real, doc, is_int

NAMES = tuple("Mira Tomas Pip Anya Bram Lila Oskar Nell Ravi Suki Finn Edda".split())
CREATURES = tuple("fox king queen girl boy dragon owl wolf witch giant miller cat".split())
ADJECTIVES = tuple("red blue green small big shiny heavy tiny golden old ancient empty orange".split())
OBJECTS = tuple("key lamp box map coin cup book hat ring stone apple egg umbrella acorn".split())
PLACES = tuple("forest river castle garden cave village tower market meadow kitchen orchard attic".split())
VERBS_OBJECT = tuple("found lost carried hid dropped painted bought stole washed buried mended sold".split())
VERBS_MOVE = ("walked", "ran", "flew", "hurried", "wandered", "sailed", "crept", "rode")
VERBS_STILL = ("slept", "sang", "waited", "laughed", "cried", "danced")
ADVERBS = ("quietly", "happily", "slowly", "again", "alone")
PREP_LOC = ("in", "near", "behind", "under")
PREP_DIR = ("to", "into", "across", "through")
OPENERS = ("then", "later", "suddenly")


def _starts_with_vowel(word: str) -> bool:
    return word[0] in "aeiou"


def _words(words: Sequence[str]) -> tuple[tuple[tuple[str, ...], float], ...]:
    return tuple(((w,), 1.0) for w in words)


# symbol -> alternatives, each (sequence of symbols, weight). Keys are nonterminals; anything else is a word.
# "." is a word of its own for parsing; it is written attached to the word before it.
GRAMMAR: Mapping[str, tuple[tuple[tuple[str, ...], float], ...]] = MappingProxyType(
    {
        "S": ((("OPENER", "CLAUSE", "."), 1.0),),
        "OPENER": (((), 6.0), (("OPEN",), 1.0)),
        "CLAUSE": (
            (("SUBJ", "VO", "NP", "OPT_LOC"), 4.0),
            (("SUBJ", "VM", "DIR", "OPT_ADV"), 2.0),
            (("SUBJ", "VS", "OPT_LOC", "OPT_ADV"), 2.0),
            (("SUBJ", "gave", "CHAR", "NP"), 1.0),
            (("SUBJ", "met", "CHAR", "OPT_LOC"), 1.0),
        ),
        "SUBJ": ((("CHAR",), 1.0),),
        "CHAR": ((("NAME",), 1.0), (("the", "CREATURE"), 1.0)),
        "NP": ((("a", "A_NOUN"), 2.0), (("an", "AN_NOUN"), 1.0), (("the", "OPT_ADJ", "OBJ"), 1.5)),
        "A_NOUN": ((("ADJ_C", "OBJ"), 1.0), (("OBJ_C",), 1.0)),
        "AN_NOUN": ((("ADJ_V", "OBJ"), 1.0), (("OBJ_V",), 1.0)),
        "OPT_ADJ": (((), 1.0), (("ADJ",), 1.0)),
        "OPT_LOC": (((), 1.0), (("PLOC", "the", "PLACE"), 1.0)),
        "DIR": ((("PDIR", "the", "PLACE"), 1.0),),
        "OPT_ADV": (((), 2.0), (("ADV",), 1.0)),
        "NAME": _words(NAMES),
        "CREATURE": _words(CREATURES),
        "ADJ": _words(ADJECTIVES),
        "ADJ_C": _words([w for w in ADJECTIVES if not _starts_with_vowel(w)]),
        "ADJ_V": _words([w for w in ADJECTIVES if _starts_with_vowel(w)]),
        "OBJ": _words(OBJECTS),
        "OBJ_C": _words([w for w in OBJECTS if not _starts_with_vowel(w)]),
        "OBJ_V": _words([w for w in OBJECTS if _starts_with_vowel(w)]),
        "PLACE": _words(PLACES),
        "VO": _words(VERBS_OBJECT),
        "VM": _words(VERBS_MOVE),
        "VS": _words(VERBS_STILL),
        "ADV": _words(ADVERBS),
        "PLOC": _words(PREP_LOC),
        "PDIR": _words(PREP_DIR),
        "OPEN": _words(OPENERS),
    }
)


@dataclass(frozen=True)
class StoriesConfig:
    """Size and seed of a stories world."""

    n_stories: int = doc(300, "training stories")
    n_val_stories: int = doc(50, "validation stories (fresh samples; a sentence may also occur in training)")
    min_sentences: int = doc(3, "fewest sentences per story")
    max_sentences: int = doc(5, "most sentences per story")
    protagonist_prob: float = doc(0.6, "chance a sentence's subject is the story's protagonist (coherence)")
    seed: int = doc(0, "seed of the generator: the same config gives the same world")

    def __post_init__(self) -> None:
        check_int("n_stories", self.n_stories, 1, 1_000_000)
        check_int("n_val_stories", self.n_val_stories, 0, 1_000_000)
        check_int("min_sentences", self.min_sentences, 1, 50)
        ok = is_int(self.max_sentences) and self.min_sentences <= self.max_sentences <= 50
        check("max_sentences", self.max_sentences, ok, f"an integer in [min_sentences={self.min_sentences}, 50]")
        check_real("protagonist_prob", self.protagonist_prob, 0.0, 1.0)
        check_int("seed", self.seed)


@dataclass(frozen=True)
class StoriesWorld:
    """A generated stories world. Build it with :func:`make_stories`.

    ``train_stories`` and ``val_stories`` are tuples of stories, each a tuple of sentences; ``train_text`` and
    ``val_text`` are the same as text (one story per line); ``train_sentences`` is the set used to tell
    copying from novelty.
    """

    config: StoriesConfig
    train_stories: tuple[tuple[str, ...], ...]
    val_stories: tuple[tuple[str, ...], ...]
    train_sentences: frozenset[str]

    @property
    def train_text(self) -> str:
        return "".join(" ".join(s) + "\n" for s in self.train_stories)

    @property
    def val_text(self) -> str:
        return "".join(" ".join(s) + "\n" for s in self.val_stories)

    @property
    def alphabet(self) -> str:
        """Every character a valid story can contain (and the newline), sorted."""
        chars = {" ", ".", "\n"}
        for alternatives in GRAMMAR.values():
            for seq, _ in alternatives:
                for sym in seq:
                    if sym not in GRAMMAR:
                        chars.update(sym)
                        chars.add(sym[0].upper())
        return "".join(sorted(chars))

    def story_starts(self, n: int, n_words: int = 2) -> list[str]:
        """Prompts from held-out stories: the first ``n_words`` words of validation story ``i`` (cycling through
        them when ``n`` exceeds their number), as the text writes them, for ``i`` in ``range(n)``."""
        if not self.val_stories:
            raise ValueError("n_val_stories is out of range: allowed at least 1 for story starts")
        return [" ".join(self.val_stories[i % len(self.val_stories)][0].split(" ")[:n_words]) for i in range(n)]

    def is_valid(self, sentence: str) -> bool:
        """See :func:`is_valid`."""
        return is_valid(sentence)

    def is_novel(self, sentence: str) -> bool:
        """True iff ``sentence`` is not a training sentence."""
        return is_novel(sentence, self.train_sentences)

    def classify(self, sentence: str) -> str:
        """``"copied"``, ``"novel"`` (valid, not in training) or ``"invalid"``; see :func:`classify`."""
        return classify(sentence, self.train_sentences)


def tempered_weights(weights: Sequence[float], temperature: float) -> list[float]:
    """``w ** (1 / T)`` for each weight (a softmax of log-weights at temperature T); at T = 1 the weights
    themselves, exactly; at T = 0 the limit: 1 for the largest weights, 0 for the rest (ties stay uniform, as
    they do for every T)."""
    if temperature == 0:
        top = max(weights)
        return [1.0 if w == top else 0.0 for w in weights]
    return [w ** (1.0 / temperature) for w in weights]


def _expand(symbol: str, rng: random.Random, subject: tuple[str, ...] | None, subject_prob: float,
            temperature: float) -> list[str]:
    if symbol not in GRAMMAR:
        return [symbol]
    if symbol == "SUBJ" and subject is not None:
        # at T = 1 the chance is subject_prob exactly (p + (1 - p) rounds to 1), so the draws are the world's
        keep, other = tempered_weights([subject_prob, 1.0 - subject_prob], temperature)
        if rng.random() < keep / (keep + other):
            return list(subject)
    alternatives = GRAMMAR[symbol]
    if len(alternatives) == 1:  # no choice, no draw
        seq = alternatives[0][0]
    else:
        weights = tempered_weights([a[1] for a in alternatives], temperature)
        seq = rng.choices([a[0] for a in alternatives], weights=weights)[0]
    out: list[str] = []
    for s in seq:
        out.extend(_expand(s, rng, subject, subject_prob, temperature))
    return out


def realize(words: Sequence[str]) -> str:
    """Write a word sequence (ending in ".") as a sentence: single spaces, "." attached, first letter
    upper-case."""
    if not words or words[-1] != ".":
        raise ValueError(f"words: must end with '.', got {list(words)!r}")
    text = " ".join(words[:-1]) + "."
    return text[0].upper() + text[1:]


def sample_words(rng: random.Random, subject: tuple[str, ...] | None = None, subject_prob: float = 0.0,
                 temperature: float = 1.0) -> list[str]:
    """The words of one sentence from :data:`GRAMMAR`, ending with "."; with ``subject`` given, the subject
    slot is that subject with probability ``subject_prob``. Write it with :func:`realize`.

    ``temperature`` tempers every random choice: the weights ``w`` of a rule's alternatives (and the chance of
    reusing ``subject``) become ``w ** (1 / T)`` (:func:`tempered_weights`). At 1 (the default) the grammar's
    own weights; at 0 every choice is the most likely alternative (ties drawn uniformly)."""
    return _expand("S", rng, subject, subject_prob, temperature)


def sample_sentence(rng: random.Random, subject: tuple[str, ...] | None = None, subject_prob: float = 0.0,
                    temperature: float = 1.0) -> str:
    """One sentence from :data:`GRAMMAR` (see :func:`sample_words`), written by :func:`realize`."""
    return realize(sample_words(rng, subject, subject_prob, temperature))


def sample_story(rng: random.Random, config: StoriesConfig, temperature: float = 1.0) -> tuple[str, ...]:
    """One story: a protagonist, then ``min_sentences`` to ``max_sentences`` sentences whose subject is the
    protagonist with probability ``protagonist_prob``; every choice tempered by ``temperature`` (see
    :func:`sample_words`). :func:`make_stories` writes its worlds with this at temperature 1, so the same ``rng``
    state gives the same stories, draw for draw."""
    protagonist = tuple(_expand("SUBJ", rng, None, 0.0, temperature))
    n = rng.randint(config.min_sentences, config.max_sentences)
    return tuple(sample_sentence(rng, protagonist, config.protagonist_prob, temperature) for _ in range(n))


def budget_sentences(rng: random.Random, config: StoriesConfig, temperature: float, budget_chars: int) -> list[str]:
    """The sentences of stories from :func:`sample_story` at ``temperature``, written until their text (one story
    per line, as in a world's text) fills ``budget_chars`` characters; the sentence that would overflow the budget
    is left out, as a model's unfinished last sentence is."""
    out: list[str] = []
    used = 0
    while True:
        for sentence in sample_story(rng, config, temperature):
            used += len(sentence) + 1  # a space, or the newline after the story's last sentence
            if used > budget_chars:
                return out
            out.append(sentence)


def make_stories(config: StoriesConfig | None = None) -> StoriesWorld:
    """Generate a stories world; the same config gives the same world on every machine."""
    cfg = config or StoriesConfig()
    rng = random.Random(cfg.seed)
    train = tuple(sample_story(rng, cfg) for _ in range(cfg.n_stories))
    val = tuple(sample_story(rng, cfg) for _ in range(cfg.n_val_stories))
    return StoriesWorld(cfg, train, val, frozenset(s for story in train for s in story))


def _parse(symbol: str, tokens: Sequence[str], i: int, memo: dict) -> frozenset[int]:
    """End positions j such that ``symbol`` derives ``tokens[i:j]`` (top-down; the grammar has no left
    recursion, so this terminates)."""
    key = (symbol, i)
    if key in memo:
        return memo[key]
    if symbol not in GRAMMAR:
        # a word; at position 0 it is written with its first letter upper-cased
        word = symbol[0].upper() + symbol[1:] if i == 0 else symbol
        result = frozenset((i + 1,)) if i < len(tokens) and tokens[i] == word else frozenset()
    else:
        ends: set[int] = set()
        for seq, _ in GRAMMAR[symbol]:
            positions = {i}
            for s in seq:
                positions = {j for p in positions for j in _parse(s, tokens, p, memo)}
                if not positions:
                    break
            ends |= positions
        result = frozenset(ends)
    memo[key] = result
    return result


def is_valid(sentence: object) -> bool:
    """True iff ``sentence`` is exactly a sentence of :data:`GRAMMAR` as :func:`realize` writes it.

    Parses the words against the grammar (a recognizer, not a lookup): single spaces between words, a final
    "." attached to the last word, the first letter upper-case, no other characters. Never raises.
    """
    if not isinstance(sentence, str) or len(sentence) < 2 or not sentence.endswith("."):
        return False
    body = sentence[:-1]
    tokens = body.split(" ")
    if any(t == "" for t in tokens):
        return False
    tokens.append(".")
    return len(tokens) in _parse("S", tokens, 0, {})


def is_novel(sentence: str, train_set: Collection[str]) -> bool:
    """True iff ``sentence`` is not in ``train_set`` (exact string match)."""
    return sentence not in train_set


def classify(sentence: str, train_set: Collection[str]) -> str:
    """``"copied"`` if the sentence is in ``train_set``, else ``"novel"`` if it is valid, else
    ``"invalid"``."""
    if sentence in train_set:
        return "copied"
    return "novel" if is_valid(sentence) else "invalid"


_SENTENCE = re.compile(r"[^.\n]*\.")


def split_sentences(text: str) -> list[str]:
    """The complete sentences of a generated text, in order: each ends at a ".", leading spaces are dropped,
    an unfinished trailing fragment is discarded. Newlines (story breaks) also end fragments."""
    return [m.group(0).lstrip(" ") for m in _SENTENCE.finditer(text)]


def language_size(symbol: str = "S") -> int:
    """Number of distinct word sequences ``symbol`` derives (the grammar is unambiguous, so for "S" this is
    the number of distinct sentences)."""
    if symbol not in GRAMMAR:
        return 1
    return sum(math.prod(language_size(s) for s in seq) for seq, _ in GRAMMAR[symbol])
