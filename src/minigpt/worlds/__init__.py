"""Worlds with known truth: seeded generators of training text, scoring records and checkers.

- :mod:`minigpt.worlds.facts`: made-up people and their attributes, recall by exact match;
- :mod:`minigpt.worlds.arithmetic`: modular addition (grokking) and n-digit addition;
- :mod:`minigpt.worlds.stories`: a probabilistic grammar; samples are copied, novel-and-valid or invalid;
- :mod:`minigpt.worlds.qa`: what the question/answer worlds share: training rows with the loss on the answer only,
  batched decoding cut at the newline.
"""

from minigpt.worlds.arithmetic import (
    ADDITION_FORMATS,
    MODULAR_FORMATS,
    AdditionConfig,
    ArithmeticWorld,
    ModularConfig,
    Problem,
    make_addition,
    make_modular,
)
from minigpt.worlds.facts import (
    Entity,
    Fact,
    FactsConfig,
    FactsWorld,
    make_facts,
    recall,
    sample_answers,
    value_cross_entropy_bits,
)
from minigpt.worlds.stories import (
    GRAMMAR,
    StoriesConfig,
    StoriesWorld,
    classify,
    is_novel,
    is_valid,
    make_stories,
    split_sentences,
)

__all__ = [
    "ADDITION_FORMATS",
    "AdditionConfig",
    "ArithmeticWorld",
    "Entity",
    "Fact",
    "FactsConfig",
    "FactsWorld",
    "GRAMMAR",
    "MODULAR_FORMATS",
    "ModularConfig",
    "Problem",
    "StoriesConfig",
    "StoriesWorld",
    "classify",
    "is_novel",
    "is_valid",
    "make_addition",
    "make_facts",
    "make_modular",
    "make_stories",
    "recall",
    "sample_answers",
    "split_sentences",
    "value_cross_entropy_bits",
]
