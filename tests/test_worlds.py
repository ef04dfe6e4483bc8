"""Worlds: determinism, ground truth, splits, checkers and the grammar recognizer."""

from __future__ import annotations

import hashlib
import math
import os
import random
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from minigpt import CharTokenizer
from minigpt import metrics as M
from minigpt.worlds import arithmetic, facts, qa, stories
from minigpt.worlds.arithmetic import AdditionConfig, ModularConfig, make_addition, make_modular
from minigpt.worlds.facts import FactsConfig, make_facts
from minigpt.worlds.stories import StoriesConfig, is_valid, make_stories

SRC = Path(__file__).resolve().parents[1] / "src"


def _digest(world) -> str:
    parts = [world.train_text]
    if hasattr(world, "splits"):
        parts += [repr(world.splits[s]) for s in facts.SPLITS]
    if hasattr(world, "test"):
        parts += [repr(world.train), repr(world.test)]
    if hasattr(world, "val_text"):
        parts.append(world.val_text)
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def _all_worlds(seed: int):
    return {
        "facts": make_facts(FactsConfig(seed=seed)),
        "modular": make_modular(ModularConfig(seed=seed)),
        "modular_digits": make_modular(ModularConfig(format="digits", seed=seed)),
        "plain": make_addition(AdditionConfig(seed=seed)),
        "reversed": make_addition(AdditionConfig(format="reversed", seed=seed)),
        "scratchpad": make_addition(AdditionConfig(format="scratchpad", seed=seed)),
        "stories": make_stories(StoriesConfig(seed=seed)),
    }


# ---------------------------------------------------------------------------------------------------------
# determinism


def test_same_seed_same_world_and_different_seed_differs():
    a, b, c = _all_worlds(0), _all_worlds(0), _all_worlds(1)
    for name in a:
        assert _digest(a[name]) == _digest(b[name]), name
        assert _digest(a[name]) != _digest(c[name]), name


def test_worlds_do_not_depend_on_the_hash_seed():
    # set iteration order of strings changes with PYTHONHASHSEED; a world must not
    code = (
        "import hashlib\n"
        "from minigpt.worlds import AdditionConfig, make_addition, make_facts, make_modular, make_stories\n"
        "ws = [make_facts(), make_stories(), make_modular(),\n"
        "      make_addition(AdditionConfig(format='scratchpad'))]\n"
        "texts = [w.train_text + repr(dict(getattr(w, 'splits', {}))) + getattr(w, 'val_text', '')\n"
        "         for w in ws]\n"
        "print([hashlib.sha256(t.encode()).hexdigest()[:16] for t in texts])\n"
    )
    outs = set()
    for hashseed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hashseed, "PYTHONPATH": str(SRC)}
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        outs.add(out.stdout.strip())
    assert len(outs) == 1, outs


def test_default_worlds_are_pinned():
    # regression pins: a change to the generators, templates or lexicon shows up here (update on purpose only)
    f, s, m, a = make_facts(), make_stories(), make_modular(), make_addition()
    assert f.train_text.split("\n")[0] == "Fenmira Yorrren always chooses the colour silver."
    assert s.train_stories[0][1] == "The giant lost the heavy stone in the river."
    assert (m.train[0].question, m.train[0].answer) == ("m+v=", "c")
    assert (a.train[1].question, a.train[1].answer) == ("68+90=", "158")
    digests = [hashlib.sha256(w.train_text.encode()).hexdigest()[:16] for w in (f, s, m, a)]
    assert digests == ["eb27d05af3788f55", "25808625e42c4459", "eb7a1f69a15d58a4", "799eaaeda38f08e0"]
    ordered = make_modular(ModularConfig(split="ordered"))  # the split of earlier versions, pair by pair
    assert hashlib.sha256(ordered.train_text.encode()).hexdigest()[:16] == "2ed79ebf57f563f6"


# ---------------------------------------------------------------------------------------------------------
# facts


@pytest.fixture(scope="module")
def fw():
    return make_facts(FactsConfig(n_people=48, n_unseen=10, seed=3))


def test_facts_config_is_validated():
    with pytest.raises(ValueError, match="n_people"):
        FactsConfig(n_people=1)
    with pytest.raises(ValueError, match="attributes"):
        FactsConfig(attributes=("birth_city", "shoe_size"))
    with pytest.raises(ValueError, match="mention_levels"):
        FactsConfig(mention_levels=(4, 2))
    with pytest.raises(ValueError, match="mention_levels"):
        FactsConfig(mention_levels=())
    with pytest.raises(ValueError, match="qa_fraction"):
        FactsConfig(qa_fraction=1.5)
    with pytest.raises(ValueError, match="qa_repeats"):
        FactsConfig(qa_repeats=0)
    with pytest.raises(ValueError, match=r"n_people \+ n_unseen"):
        FactsConfig(n_people=100_000, n_unseen=100_000)
    assert FactsConfig(mention_levels=[1, 3]).mention_levels == (1, 3)  # a list from JSON becomes a tuple


def test_facts_templates_invariants():
    for a in facts.ATTRIBUTES:
        templates = facts.SENTENCE_TEMPLATES[a]
        assert len(templates) >= facts.N_TRAIN_TEMPLATES + 1 and facts.N_TRAIN_TEMPLATES >= 4
        assert all(t.endswith("{value}.") and t.count("{value}") == 1 and "{name}" in t for t in templates)
        assert len(set(templates)) == len(templates)
        assert len(facts.QUESTION_TEMPLATES[a]) == 2
    # a cloze prompt has one right continuation: no prefix before {value} starts a template of another attribute
    for a in facts.ATTRIBUTES:
        for t in facts.SENTENCE_TEMPLATES[a]:
            prefix = t[: t.index("{value}")]
            for b in facts.ATTRIBUTES:
                if b != a:
                    assert not any(u.startswith(prefix) for u in facts.SENTENCE_TEMPLATES[b]), (a, t, b)


def test_facts_default_world_has_30_facts_in_every_bucket_from_1_to_128():
    w = make_facts()
    levels = w.config.mention_levels
    assert levels[0] == 1 and levels[-1] == 128
    assert all(b == 2 * a for a, b in zip(levels, levels[1:], strict=False))  # log-spaced
    counts = Counter(f.frequency for f in w.cloze)
    assert sorted(counts) == list(levels) and min(counts.values()) >= 30
    buckets = M.recall_by_frequency([True] * len(w.cloze), [f.frequency for f in w.cloze], w.bucket_edges)
    assert [b.n for b in buckets] == [counts[c] for c in levels]


def test_facts_levels_are_independent_of_attribute_and_other_facts(fw):
    known = [e for e in fw.entities if e.group != "unseen"]
    # every attribute has the same level counts ...
    for a in fw.config.attributes:
        got = Counter(e.mentions[a] for e in known)
        assert tuple(got[c] for c in fw.config.mention_levels) == fw.config.level_counts()
    # ... and the levels of one person's attributes are not the same permutation (independent shuffles)
    a, b = fw.config.attributes[:2]
    assert [e.mentions[a] for e in known] != [e.mentions[b] for e in known]
    # pooled over seeds, a person's level in one attribute says nothing about its level in another
    pairs = Counter()
    for seed in range(20):
        w = make_facts(FactsConfig(n_people=64, mention_levels=(1, 128), n_unseen=0, seed=seed))
        pairs.update((e.mentions["birth_city"], e.mentions["trade"]) for e in w.entities)
    same = pairs[(1, 1)] + pairs[(128, 128)]
    assert abs(same / sum(pairs.values()) - 0.5) < 0.05  # measured 0.51


def test_facts_level_counts_follow_the_tail_exponent():
    assert FactsConfig(n_people=64).level_counts() == (8,) * 8
    zipf = FactsConfig(n_people=255, tail_exponent=1.0).level_counts()
    assert zipf == (128, 64, 32, 16, 8, 4, 2, 1) and sum(zipf) == 255
    assert sum(FactsConfig(n_people=50, tail_exponent=0.7).level_counts()) == 50


def test_facts_names_groups_and_splits(fw):
    names = [e.name for e in fw.entities]
    assert len(set(names)) == len(names) == 48 + 10
    assert all(re.fullmatch(r"[A-Z][a-z]+ [A-Z][a-z]+", n) for n in names)
    for e in fw.entities:
        assert set(e.values) == set(fw.config.attributes)
        assert all(e.values[a] in facts.VALUE_SETS[a] for a in e.values)
    group = {e.name: e.group for e in fw.entities}
    assert Counter(group.values()) == {"qa": 24, "bio": 24, "unseen": 10}
    K = len(fw.config.attributes)
    for split, groups in [("cloze", {"qa", "bio"}), ("recitation", {"qa"}), ("extraction", {"bio"}),
                          ("heldout_phrasing", {"qa", "bio"}), ("unseen", {"unseen"})]:
        probes = fw.split(split)
        assert {group[f.entity] for f in probes} == groups, split
        n_people = sum(g in groups for g in group.values())
        assert len(probes) == n_people * K * (2 if split == "heldout_phrasing" else 1), split
        assert all(f.split == split for f in probes)
    assert all(f.frequency == 0 for f in fw.unseen)
    assert fw.split("recitation") is fw.recitation
    with pytest.raises(ValueError, match="split"):
        fw.split("train")


def test_facts_every_mention_is_a_biography_sentence_from_the_same_mix(fw):
    bio = Counter(fw.bio_lines)
    qa = Counter(fw.qa_lines)
    assert Counter(fw.train_text.split("\n")[:-1]) == bio + qa
    assert fw.train_text.endswith("\n")
    templates_by_level: dict[int, Counter] = {}
    for e in fw.entities:
        for a in fw.config.attributes:
            forms = [t.format(name=e.name, value=e.values[a])
                     for t in facts.SENTENCE_TEMPLATES[a][: facts.N_TRAIN_TEMPLATES]]
            n = sum(bio[s] for s in forms)
            assert n == e.mentions[a]  # a fact's frequency counts the biography sentences that state it
            for i, s in enumerate(forms):
                templates_by_level.setdefault(e.mentions[a], Counter())[i] += bio[s]
            asked = facts.qa_prompt(facts.QUESTION_TEMPLATES[a][0].format(name=e.name)) + e.values[a]
            assert qa[asked] == (fw.config.qa_repeats if e.group == "qa" else 0)
    # no other sentences: every biography line states one known fact
    assert sum(bio.values()) == sum(e.mentions[a] for e in fw.entities for a in fw.config.attributes)
    # the template mix does not depend on the frequency (all four templates used at the frequent levels)
    for level in (32, 64, 128):
        shares = [templates_by_level[level][i] / sum(templates_by_level[level].values()) for i in range(4)]
        assert all(0.15 < s < 0.35 for s in shares), (level, shares)


def test_facts_probes_in_and_out_of_training(fw):
    text = fw.train_text
    for f in fw.cloze:
        assert f"\n{f.question}{f.answer}\n" in "\n" + text  # the sentence of a first mention
    for f in fw.recitation:
        assert f.question + f.answer + "\n" in text
    for f in fw.extraction:
        assert f.question not in text and f.entity in text  # read about, never asked
    for f in fw.heldout_phrasing:
        assert f.question not in text
    for f in fw.unseen:
        assert f.entity not in text


def test_facts_knowledge_bits_match_the_docstring():
    w = make_facts()
    per_person = sum(math.log2(len(facts.VALUE_SETS[a])) for a in w.config.attributes)
    assert w.knowledge_bits == pytest.approx(64 * per_person)
    assert f"{w.knowledge_bits:.1f} bits" in facts.__doc__ and f"{per_person:.2f}" in facts.__doc__
    assert f"{len(w.bio_lines):,} biography" in facts.__doc__ and f"{len(w.qa_lines)} Q/A lines" in facts.__doc__
    six = sum(math.log2(len(v)) for v in facts.VALUE_SETS.values())
    assert f"{six:.2f} bits" in facts.__doc__


def test_facts_check_accepts_every_correct_answer(fw):
    for split in facts.SPLITS:
        for f in fw.split(split):
            assert fw.check(f.question, f.answer)
            assert fw.check(f.question, f.answer + "\nQ: anything after the newline is ignored")


def test_facts_check_rejects_wrong_and_malformed(fw):
    f = fw.recitation[0]
    other = next(v for v in facts.VALUE_SETS[f.attribute] if v != f.value)
    for bad in (
        other,
        "",
        " " + f.answer,
        f.answer + " ",
        f.answer + ".",
        f.answer.lower(),
        f.answer[:-1],
        None,
        7,
        b"x",
        "\n" + f.answer,
    ):
        assert not fw.check(f.question, bad), bad
    cloze = next(f for f in fw.heldout_phrasing if f.form == "cloze")
    assert fw.check(cloze.question, cloze.value + ".") and not fw.check(cloze.question, cloze.value)
    with pytest.raises(KeyError):
        fw.check("Q: Who is nobody? A: ", "x")


def test_facts_alphabet_is_small_and_covers_everything(fw):
    alpha = set(fw.alphabet)
    assert alpha.issuperset(set(fw.train_text))
    assert all(set(f.question + f.answer) <= alpha for s in facts.SPLITS for f in fw.split(s))
    assert all(c.isascii() for c in alpha) and len(alpha) < 70


def test_facts_qa_rows_mask_the_prompt(fw):
    tok = CharTokenizer.from_text(fw.alphabet)
    X, Y = fw.qa_rows(tok, "recitation")
    assert X.shape == Y.shape and X.dtype == Y.dtype == torch.long and X.shape[0] == len(fw.recitation)
    for i, f in enumerate(fw.recitation[:20]):
        row = f.question + f.answer + "\n"
        n = len(row) - 1
        assert tok.decode(X[i, :n].tolist()) == row[:-1]
        assert (Y[i, : len(f.question) - 1] == -1).all() and (Y[i, n:] == -1).all()
        assert tok.decode(Y[i, len(f.question) - 1 : n].tolist()) == f.answer + "\n"
    Xr, _ = fw.qa_rows(tok, "cloze", repeat_by_frequency=True)
    assert len(Xr) == sum(f.frequency for f in fw.cloze)


def test_facts_text_rows_are_line_aligned(fw):
    tok = CharTokenizer.from_text(fw.alphabet)
    X, Y = fw.text_rows(tok)
    lines = fw.train_text.splitlines()
    assert X.shape[0] == len(lines)
    for i in (0, 1, len(lines) - 1):
        n = len(lines[i])
        assert tok.decode(X[i, :n].tolist()) == lines[i]  # the line starts at position 0
        assert tok.decode(Y[i, :n].tolist()) == lines[i][1:] + "\n"
        assert (Y[i, n:] == -1).all()
    Xb, _ = fw.text_rows(tok, "bio")
    Xq, _ = fw.text_rows(tok, "qa")
    assert len(Xb) == len(fw.bio_lines) and len(Xq) == len(fw.qa_lines)
    with pytest.raises(ValueError, match="part"):
        fw.text_rows(tok, "everything")
    with pytest.raises(ValueError, match="part"):
        make_facts(FactsConfig(n_people=4, qa_fraction=0.0)).text_rows(tok, "qa")


# ---------------------------------------------------------------------------------------------------------
# arithmetic


def test_arithmetic_configs_are_validated():
    with pytest.raises(ValueError, match="p"):
        ModularConfig(p=1)
    with pytest.raises(ValueError, match="train_fraction"):
        ModularConfig(train_fraction=1.0)
    with pytest.raises(ValueError, match="format"):
        AdditionConfig(format="roman")
    with pytest.raises(ValueError, match="n_train"):
        AdditionConfig(n_digits=1, n_train=90, n_test=20)


@pytest.mark.parametrize("fmt", arithmetic.MODULAR_FORMATS)
def test_modular_covers_all_pairs_once(fmt):
    w = make_modular(ModularConfig(p=31, train_fraction=0.5, format=fmt, seed=0))
    pairs = [(p.a, p.b) for p in w.train + w.test]
    assert sorted(pairs) == [(a, b) for a in range(31) for b in range(31)]
    assert len(w.train) == round(0.5 * 31 * 31)
    assert all(p.result == (p.a + p.b) % 31 for p in w.train + w.test)
    assert len({len(p.question + p.answer) for p in w.train + w.test}) == 1  # one row length: one tensor
    assert set(w.train_text) <= set(w.alphabet)
    for p in w.train + w.test:
        assert w.check(p.question, p.answer) and w.parse(p.answer) == p.result
        assert not w.check(
            p.question, w.train[0].answer if p.result != w.train[0].result else w.test[0].answer
        )


@pytest.mark.parametrize("seed", [0, 1, 2, 7])
def test_modular_unordered_split_keeps_mirrors_together(seed):
    # a + b = b + a: a test pair whose mirror is in training can be answered by commutativity alone
    w = make_modular(ModularConfig(p=31, train_fraction=0.5, seed=seed))
    train = {(p.a, p.b) for p in w.train}
    assert not any((p.b, p.a) in train for p in w.test)
    assert w.mirror_subsets()["mirrored"] == () and w.mirror_subsets()["unmirrored"] == w.test
    assert len(w.train) in (480, 481) and len(w.train) + len(w.test) == 31 * 31


def test_modular_ordered_split_reports_the_mirrored_subset():
    w = make_modular(ModularConfig(p=31, train_fraction=0.5, seed=0, split="ordered"))
    assert len(w.train) == 480
    train = {(p.a, p.b) for p in w.train}
    sub = w.mirror_subsets()
    assert sub["mirrored"] and all(p.a != p.b and (p.b, p.a) in train for p in sub["mirrored"])
    assert not any(p.a != p.b and (p.b, p.a) in train for p in sub["unmirrored"])
    assert len(sub["mirrored"]) + len(sub["unmirrored"]) == len(w.test)
    assert len(sub["mirrored"]) == 241  # 50.1% of the 481 test problems (45.1% and 50.3% on seeds 1 and 2)
    with pytest.raises(ValueError, match="split"):
        ModularConfig(split="random")


@pytest.mark.parametrize("split", arithmetic.MODULAR_SPLITS)
@pytest.mark.parametrize("fraction", [0.05, 0.5, 0.95])
def test_modular_splits_are_never_empty(split, fraction):
    for p in (2, 3, 7):
        w = make_modular(ModularConfig(p=p, train_fraction=fraction, split=split, seed=1))
        assert w.train and w.test and len(w.train) + len(w.test) == p * p


def test_modular_formats_by_hand():
    sym = make_modular(ModularConfig(p=31, format="symbols"))
    dig = make_modular(ModularConfig(p=31, format="digits"))
    p = next(p for p in sym.train + sym.test if (p.a, p.b) == (7, 12))
    assert (p.question, p.answer) == ("h+m=", "t")
    q = next(p for p in dig.train + dig.test if (p.a, p.b) == (7, 12))
    assert (q.question, q.answer) == ("07+12=", "19")
    assert [x.a for x in sym.train] == [x.a for x in dig.train]  # same split for both formats
    with pytest.raises(ValueError, match="p"):
        ModularConfig(p=53, format="symbols")


@pytest.mark.parametrize("fmt", arithmetic.ADDITION_FORMATS)
def test_addition_problems_and_checker(fmt):
    w = make_addition(AdditionConfig(n_digits=3, n_train=400, n_test=100, format=fmt, seed=5))
    assert len(w.train) == 400 and len(w.test) == 100
    keys = [(p.a, p.b) for p in w.train + w.test]
    assert len(set(keys)) == len(keys)
    assert set(w.alphabet) >= set("".join(p.question + p.answer for p in w.train + w.test))
    for p in w.train + w.test:
        assert 0 <= p.a < 1000 and 0 <= p.b < 1000 and p.result == p.a + p.b
        assert w.check(p.question, p.answer) and w.check(p.question, p.answer + "\n999")
        assert w.parse(p.answer) == p.result
        wrong = arithmetic.addition_answer(p.a, p.b + 1, fmt, 3)
        assert not w.check(p.question, wrong)
    assert w.train_text.startswith(w.train[0].question + w.train[0].answer + "\n")


@pytest.mark.parametrize("seed", [0, 1, 2, 7])
def test_addition_split_keeps_mirrors_together(seed):
    # a + b = b + a: a test problem whose mirror is in training can be answered by commutativity alone (with the
    # earlier ordered split about 30% of the test problems could)
    w = make_addition(AdditionConfig(seed=seed))
    train = {(p.a, p.b) for p in w.train}
    assert not any((p.b, p.a) in train for p in w.test)
    assert w.mirror_subsets()["mirrored"] == () and w.mirror_subsets()["unmirrored"] == w.test
    assert len(w.train) == 3000 and len(w.test) == 500 and not train & {(p.a, p.b) for p in w.test}
    assert len({(p.a, p.b) for p in w.test}) == 500


def test_addition_split_too_full_for_its_test_problems_is_an_error():
    # 90 of the 100 one-digit problems train: their mirrors leave too few problems to test on
    with pytest.raises(ValueError, match=r"^n_test=10 is out of range for seed 0: allowed at most \d+"):
        make_addition(AdditionConfig(n_digits=1, n_train=90, n_test=10))


def test_addition_formats_by_hand():
    assert arithmetic.addition_answer(23, 58, "plain", 2) == "81"
    assert arithmetic.addition_answer(23, 58, "reversed", 2) == "18"
    assert arithmetic.addition_answer(23, 58, "scratchpad", 2) == "3+8+0=11,2+5+1=08;81"
    assert arithmetic.addition_answer(99, 99, "scratchpad", 2) == "9+9+0=18,9+9+1=19;198"


@pytest.mark.parametrize(
    "fmt, bad",
    [
        ("plain", ["", "abc", "081", "-81", "8 1", "81x", " 81", "８１", "+81", "81.0"]),
        ("reversed", ["", "180", "1a", "-18", " 18"]),
        ("scratchpad", ["81", "3+8+0=11,2+5+1=08", "3+8+0=11;", ";081", ";8a"]),
    ],
)
def test_addition_parse_rejects_malformed(fmt, bad):
    w = make_addition(AdditionConfig(n_train=10, n_test=0, format=fmt))
    for b in bad:
        assert w.parse(b) is None, b
    for b in (None, 81, ["81"]):
        assert w.parse(b) is None


def test_modular_parse_rejects_malformed():
    w = make_modular(ModularConfig(p=31, format="digits"))
    p = w.test[0]
    for bad in ("", "5", "005", "31", "99", "-1", "ab", "٣٣", None, 3):
        assert w.parse(bad) is None, bad
        assert not w.check(p.question, bad)
    assert w.parse("07") == 7 and w.parse("30") == 30
    s = make_modular(ModularConfig(p=31))
    for bad in ("", "F", "ab", "1", " a", "é", None, 3):  # "F" is 31: not a residue mod 31
        assert s.parse(bad) is None, bad
    assert s.parse("a") == 0 and s.parse("E") == 30 and s.parse("b\nxyz") == 1


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(max_size=30), fmt=st.sampled_from(arithmetic.MODULAR_FORMATS + arithmetic.ADDITION_FORMATS)
)
def test_arithmetic_checker_never_crashes(text, fmt):
    if fmt in arithmetic.MODULAR_FORMATS:
        w = make_modular(ModularConfig(format=fmt))
    else:
        w = make_addition(AdditionConfig(n_train=5, n_test=0, format=fmt))
    value = w.parse(text)
    assert value is None or isinstance(value, int)
    assert w.check(w.train[0].question, text) in (True, False)


# ---------------------------------------------------------------------------------------------------------
# stories


def _oracle_regex() -> re.Pattern:
    """An independent description of the grammar's language, written as one regular expression."""

    def alt(words):
        return "(?:" + "|".join(words) + ")"

    vowel = [w for w in stories.ADJECTIVES if w[0] in "aeiou"]
    cons = [w for w in stories.ADJECTIVES if w[0] not in "aeiou"]
    ovowel = [w for w in stories.OBJECTS if w[0] in "aeiou"]
    ocons = [w for w in stories.OBJECTS if w[0] not in "aeiou"]
    char = alt([*stories.NAMES, "the " + alt(stories.CREATURES)])
    obj = alt(stories.OBJECTS)
    np = alt(
        [
            f"a {alt(cons)} {obj}",
            f"a {alt(ocons)}",
            f"an {alt(vowel)} {obj}",
            f"an {alt(ovowel)}",
            f"the (?:{alt(stories.ADJECTIVES)} )?{obj}",
        ]
    )
    loc = f"(?: {alt(stories.PREP_LOC)} the {alt(stories.PLACES)})?"
    adv = f"(?: {alt(stories.ADVERBS)})?"
    clause = alt(
        [
            f"{char} {alt(stories.VERBS_OBJECT)} {np}{loc}",
            f"{char} {alt(stories.VERBS_MOVE)} {alt(stories.PREP_DIR)} the {alt(stories.PLACES)}{adv}",
            f"{char} {alt(stories.VERBS_STILL)}{loc}{adv}",
            f"{char} gave {char} {np}",
            f"{char} met {char}{loc}",
        ]
    )
    return re.compile(f"(?:{alt(stories.OPENERS)} )?{clause}\\.")


ORACLE = _oracle_regex()


def _oracle(sentence: str) -> bool:
    if not sentence or not sentence[0].isupper():
        return False
    first, _, rest = sentence.partition(" ")
    candidates = {first, first[0].lower() + first[1:]}
    return any(
        ORACLE.fullmatch(c + (" " + rest if rest else "")) is not None
        for c in candidates
        if c in stories.NAMES or c[0].islower()
    )


def test_stories_config_is_validated():
    with pytest.raises(ValueError, match="n_stories"):
        StoriesConfig(n_stories=0)
    with pytest.raises(ValueError, match="max_sentences"):
        StoriesConfig(min_sentences=4, max_sentences=3)
    with pytest.raises(ValueError, match="protagonist_prob"):
        StoriesConfig(protagonist_prob=1.5)


# ---------------------------------------------------------------------------------------------------------
# every world config: one validation helper (minigpt.config), errors name the field, its value and the range


@pytest.mark.parametrize("cls, kw, message", [
    (StoriesConfig, dict(n_val_stories=-1), r"^n_val_stories=-1 .*allowed an integer in \[0, 1000000\]"),
    (StoriesConfig, dict(min_sentences=4, max_sentences=3), r"^max_sentences=3 .*\[min_sentences=4, 50\]"),
    (StoriesConfig, dict(protagonist_prob=math.nan), r"^protagonist_prob=nan .*allowed a number in \[0.0, 1.0\]"),
    (StoriesConfig, dict(seed=1.5), r"^seed=1.5 .*allowed an integer"),
    (FactsConfig, dict(n_people=100_001), r"^n_people=100001 .*\[2, 100000\]"),
    (FactsConfig, dict(attributes=("trade", "trade")), r"^attributes=\('trade', 'trade'\) .*distinct names"),
    (FactsConfig, dict(mention_levels=(1, 1)), r"^mention_levels=\(1, 1\) .*strictly increasing"),
    (FactsConfig, dict(tail_exponent=5.5), r"^tail_exponent=5.5 .*\[0.0, 5.0\]"),
    (FactsConfig, dict(qa_repeats=1001), r"^qa_repeats=1001 .*\[1, 1000\]"),
    (ModularConfig, dict(p=53), r"^p=53 .*\[2, 52\] for format 'symbols'"),
    (ModularConfig, dict(p=1001, format="digits"), r"^p=1001 .*\[2, 1000\] for format 'digits'"),
    (ModularConfig, dict(train_fraction=0.0), r"^train_fraction=0.0 .*\(0.0, 1.0\)"),
    (ModularConfig, dict(format="hex"), r"^format='hex' .*'symbols' or 'digits'"),
    (AdditionConfig, dict(n_digits=13), r"^n_digits=13 .*\[1, 12\]"),
    (AdditionConfig, dict(n_test=-1), r"^n_test=-1 .*an integer >= 0"),
    (AdditionConfig, dict(n_digits=1, n_train=90, n_test=20), r"^n_train \+ n_test=110 .*at most the 100 distinct"),
    (AdditionConfig, dict(format="roman"), r"^format='roman' .*'plain', 'reversed' or 'scratchpad'"),
])
def test_world_config_errors_name_field_value_and_range(cls, kw, message):
    with pytest.raises(ValueError, match=message):
        cls(**kw)


@pytest.mark.parametrize("cls, kw", [
    (StoriesConfig, dict(n_val_stories=0, min_sentences=50, max_sentences=50, protagonist_prob=1, seed=-3)),
    (FactsConfig, dict(n_people=2, attributes=["trade"], mention_levels=(1,), tail_exponent=0, qa_fraction=1.0,
                       qa_repeats=1, n_unseen=0)),
    (ModularConfig, dict(p=52)),
    (ModularConfig, dict(p=1000, format="digits", train_fraction=0.999)),
    (AdditionConfig, dict(n_digits=1, n_train=99, n_test=1, format="scratchpad")),
])
def test_world_configs_accept_their_edge_values(cls, kw):
    cls(**kw)  # the boundaries of every range are accepted, as before the shared helper


def test_stories_world_layout():
    w = make_stories(StoriesConfig(n_stories=40, n_val_stories=10, seed=2))
    assert len(w.train_stories) == 40 and len(w.val_stories) == 10
    assert w.train_text.count("\n") == 40 and w.val_text.count("\n") == 10
    assert all(3 <= len(s) <= 5 for s in w.train_stories)
    assert w.train_sentences == {s for story in w.train_stories for s in story}
    assert set(w.train_text) | set(w.val_text) <= set(w.alphabet)
    assert stories.split_sentences(w.train_text) == [s for story in w.train_stories for s in story]
    assert stories.language_size() > 10**6  # plenty of room for novel valid sentences


def test_every_generated_sentence_is_valid_and_agrees_with_the_oracle():
    w = make_stories(StoriesConfig(n_stories=300, seed=1))
    for s in w.train_sentences:
        assert is_valid(s), s
        assert _oracle(s), s
        assert w.classify(s) == "copied"


@settings(max_examples=300, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_grammar_generates_only_valid_sentences(seed):
    assert is_valid(stories.sample_sentence(random.Random(seed)))


def test_tempered_stories_replay_the_world_at_temperature_one_and_stay_valid():
    cfg = StoriesConfig(n_stories=15, n_val_stories=5, protagonist_prob=0.3, seed=4)
    rng = random.Random(cfg.seed)  # the world's own stream: the same draws in the same order
    w = make_stories(cfg)
    assert tuple(stories.sample_story(rng, cfg, temperature=1.0) for _ in range(20)) == w.train_stories + w.val_stories
    for temperature in (0.0, 0.5, 1.6):
        story = stories.sample_story(random.Random(temperature), cfg, temperature)
        assert 3 <= len(story) <= 5 and all(is_valid(s) for s in story)
    budget = stories.budget_sentences(random.Random(0), cfg, 0.7, 500)
    assert 500 - 60 < sum(len(s) + 1 for s in budget) <= 500  # a sentence is at most about 50 characters


def _category(word: str) -> set[str]:
    lists = {
        "names": stories.NAMES,
        "creatures": stories.CREATURES,
        "adj": stories.ADJECTIVES,
        "obj": stories.OBJECTS,
        "places": stories.PLACES,
        "vo": stories.VERBS_OBJECT,
        "vm": stories.VERBS_MOVE,
        "vs": stories.VERBS_STILL,
        "adv": stories.ADVERBS,
        "ploc": stories.PREP_LOC,
        "pdir": stories.PREP_DIR,
        "open": stories.OPENERS,
    }
    return {k for k, v in lists.items() if word in v}


@settings(max_examples=300, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), data=st.data())
def test_recognizer_rejects_swapped_words(seed, data):
    words = stories.sample_words(random.Random(seed))[:-1]  # without the final "."
    if len(words) < 2:
        return
    i = data.draw(st.integers(0, len(words) - 2))
    j = data.draw(st.integers(i + 1, len(words) - 1))
    if words[i] == words[j]:
        return
    swapped = list(words)
    swapped[i], swapped[j] = swapped[j], swapped[i]
    sentence = stories.realize(swapped + ["."])
    assert is_valid(sentence) == _oracle(sentence)
    if j == i + 1:
        assert not is_valid(sentence), sentence  # neighbours never belong to one interchangeable class
    elif is_valid(sentence):
        # only two words of one lexical class can trade places ("the fox met the owl")
        assert _category(words[i]) & _category(words[j]), sentence


@settings(max_examples=300, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), data=st.data())
def test_recognizer_rejects_deleted_words(seed, data):
    words = stories.sample_words(random.Random(seed))[:-1]
    i = data.draw(st.integers(0, len(words) - 1))
    deleted = words[:i] + words[i + 1 :]
    if not deleted:
        return
    sentence = stories.realize(deleted + ["."])
    assert is_valid(sentence) == _oracle(sentence)
    if is_valid(sentence):
        # only optional words may go: an opener, an adverb, an adjective
        assert words[i] in stories.OPENERS + stories.ADVERBS + stories.ADJECTIVES, (words, i)


@settings(max_examples=300, deadline=None)
@given(
    words=st.lists(
        st.sampled_from(
            sorted(
                {
                    w
                    for alts in stories.GRAMMAR.values()
                    for seq, _ in alts
                    for w in seq
                    if w not in stories.GRAMMAR and w != "."
                }
            )
        ),
        min_size=1,
        max_size=9,
    )
)
def test_recognizer_agrees_with_an_independent_oracle_on_random_word_strings(words):
    sentence = stories.realize(words + ["."])
    assert is_valid(sentence) == _oracle(sentence), sentence


def test_recognizer_by_hand():
    ok = [
        "Mira found a red key in the forest.",
        "Then the fox slept.",
        "Pip gave the owl an apple.",
        "The king met Nell near the river.",
        "Anya walked to the river happily.",
        "Bram found an old egg.",
    ]
    bad = [
        "Mira found a red key in the forest",
        "mira found a red key.",
        "Mira found a apple.",
        "Mira found an key.",
        "Mira  found a key.",
        "Mira found a key. ",
        " Mira found a key.",
        "Mira found a key..",
        "Mira found key.",
        "The fox slept quietly happily.",
        "Mira slept in forest.",
        "Found Mira a key.",
        "The Fox slept.",
        "Mira walked.",
        "",
        ".",
        "Then.",
        None,
        3,
    ]
    for s in ok:
        assert is_valid(s), s
    for s in bad:
        assert not is_valid(s), s


def test_classify_and_novelty():
    train = {"Mira slept.", "Pip sang."}
    assert stories.classify("Mira slept.", train) == "copied"
    assert stories.classify("Pip slept.", train) == "novel"
    assert stories.classify("Pip slept", train) == "invalid"
    assert stories.is_novel("Pip slept.", train) and not stories.is_novel("Pip sang.", train)


def test_split_sentences():
    text = "Mira slept. Pip sang happily.\nThe fox ran to the ri"
    assert stories.split_sentences(text) == ["Mira slept.", "Pip sang happily."]
    assert stories.split_sentences("no end") == []
    assert stories.split_sentences("a.. b.") == ["a.", ".", "b."]


# ---------------------------------------------------------------------------------------------------------
# decoding helpers (recall, sample_answers, cross-entropy) with a stand-in for generate


def _oracle_generate(answers: dict[str, str], tok, wrong: bool = False):
    """A stand-in for ``generate`` in :mod:`minigpt.worlds.qa` (the Q/A decoding) that writes the known answer (or a
    corrupted one) after each prompt."""

    def fake(model, idx, max_new_tokens, temperature=1.0, generator=None, **kw):
        rows = []
        for row in idx.tolist():
            prompt = tok.decode(row)
            text = answers[prompt] + ("x" if wrong else "") + "\n" + "y" * max_new_tokens
            rows.append(row + tok.encode(text[:max_new_tokens]))
        return torch.tensor(rows)

    return fake


def test_recall_scores_exact_answers(fw, monkeypatch):
    tok = CharTokenizer.from_text(fw.alphabet + "xy")
    records = fw.cloze[:20] + fw.recitation[:10] + fw.heldout_phrasing[:30] + fw.unseen[:10]
    answers = {r.question: r.answer for r in records}
    monkeypatch.setattr(qa, "generate", _oracle_generate(answers, tok))  # decoding: at a temperature above 0
    assert facts.recall(None, tok, records, temperature=0.5) == [True] * len(records)
    monkeypatch.setattr(qa, "generate", _oracle_generate(answers, tok, wrong=True))
    assert facts.recall(None, tok, records, temperature=0.5) == [False] * len(records)
    assert facts.recall(None, tok, []) == []


def test_greedy_correct_agrees_with_greedy_decoding_on_a_trained_model(fw):
    """Teacher forcing decides what greedy decoding would answer: the same verdict on every question of a
    half-trained model (some right, some wrong, some rows too long for the block), and on a model whose
    logits all tie (argmax takes the first id in both)."""
    from minigpt import GPT, ModelConfig, TrainConfig, Trainer
    from minigpt.runs import torch_threads

    tok = CharTokenizer.from_text(fw.alphabet)
    X, Y = qa.encode_rows(tok, [(r.question, r.answer) for r in fw.cloze])
    model = GPT(ModelConfig(vocab_size=tok.vocab_size, block_size=X.shape[1], n_layer=1, n_embd=32), seed=0)
    with torch_threads(1):
        Trainer(model, TrainConfig(steps=200, lr=1e-2, batch_size=64, eval_interval=200), (X, Y)).fit()
    records = fw.cloze + fw.recitation + fw.heldout_phrasing
    pairs = [(r.question, r.answer) for r in records]

    def decoded():
        longest = max(len(tok.encode(a)) for _, a in pairs) + 1
        return [d[0] == a for d, (_, a) in zip(qa.complete(model, tok, [p for p, _ in pairs], longest), pairs,
                                                strict=True)]

    fast = qa.greedy_correct(model, tok, pairs, batch_size=37)
    assert fast == decoded()
    assert 0 < sum(fast) < len(fast)  # both kinds of answer, or the comparison would prove little
    assert any(len(tok.encode(p + a)) > model.config.block_size for p, a in pairs)  # some rows are decoded
    assert model.training  # the mode is restored
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
    assert qa.greedy_correct(model, tok, pairs) == decoded()


def test_sample_answers_groups_prompts_and_parses(monkeypatch):
    w = make_addition(AdditionConfig(n_train=50, n_test=40, seed=1))  # prompts of 3 to 6 characters
    tok = CharTokenizer.from_text(w.alphabet + "xy")
    answers = {p.question: p.answer for p in w.test}
    monkeypatch.setattr(qa, "generate", _oracle_generate(answers, tok))
    got = w.sample_answers(None, tok, "test", k=3, temperature=0.8)
    assert got == [[p.result] * 3 for p in w.test]
    assert w.accuracy(None, tok, "test") == [True] * len(w.test)
    monkeypatch.setattr(qa, "generate", _oracle_generate(answers, tok, wrong=True))
    assert w.sample_answers(None, tok, "test", k=2) == [[None, None]] * len(w.test)  # "81x" is malformed
    assert w.completions(None, tok, w.test[:2], k=2) == [[p.answer + "x"] * 2 for p in w.test[:2]]  # unparsed
    assert w.completions(None, tok, []) == []


def test_decoding_and_cross_entropy_with_a_real_untrained_model(fw):
    from minigpt import GPT, ModelConfig

    tok = CharTokenizer.from_text(fw.alphabet)
    records = fw.recitation[:12]
    model = GPT(ModelConfig(vocab_size=tok.vocab_size, block_size=64, n_layer=1, n_head=2, n_embd=16), seed=0)
    got = facts.recall(model, tok, records, temperature=1.0, generator=torch.Generator().manual_seed(0))
    assert len(got) == len(records) and all(isinstance(g, bool) for g in got)
    bits = facts.value_cross_entropy_bits(model, tok, records)
    X, Y = fw.qa_rows(tok, "recitation")
    with torch.no_grad():
        _, loss = model(X[:12], Y[:12])  # mean nats per answer token
    n_tokens = int((Y[:12] >= 0).sum())
    assert sum(bits) == pytest.approx(loss.item() * n_tokens / math.log(2), rel=1e-4)
    assert model.training  # the helpers restore the mode


def test_scratchpad_steps_are_checked_apart_from_the_result():
    steps_ok = arithmetic.scratchpad_steps_correct
    assert steps_ok("23+58=", "3+8+0=11,2+5+1=08;81", 2)
    assert steps_ok("23+58=", "3+8+0=11,2+5+1=08;81\nrest", 2)  # cut at the newline, like the checker
    assert steps_ok("23+58=", "3+8+0=11,2+5+1=08;99", 2)  # right steps, wrong result: the steps still count
    assert not steps_ok("23+58=", "3+8+0=11,2+5+0=07;81", 2)  # wrong steps, right result
    for bad in ("81", "", None, 81, "3+8+0=11,2+5+1=08"):
        assert not steps_ok("23+58=", bad, 2)
    world = make_addition(AdditionConfig(n_digits=2, n_train=20, n_test=5, format="scratchpad"))
    assert all(steps_ok(p.question, p.answer, 2) for p in world.train + world.test)
    with pytest.raises(ValueError, match="question"):
        steps_ok("123+4=", "x", 2)
    with pytest.raises(ValueError, match="question"):
        steps_ok("2*3=", "x", 2)


def test_scratchpad_step_shares():
    world = make_addition(AdditionConfig(n_digits=2, n_train=20, n_test=2, format="scratchpad"))
    a, b = world.test
    wrong_steps = a.answer.replace(",", ",9+9+9=99,", 1)  # a made-up column: wrong steps, the same result
    completions = [[a.answer, wrong_steps, "garbage"], [b.answer.rsplit(";", 1)[0] + ";0", b.answer, b.answer]]
    # steps right: a.answer, b's three; right results: a.answer, wrong_steps, b.answer twice (one lucky of four)
    assert world.scratchpad_steps([a, b], completions) == {"steps_ok": 4 / 6, "right_answer_wrong_steps": 1 / 4}
    assert world.scratchpad_steps([a], [["x"]]) == {"steps_ok": 0.0, "right_answer_wrong_steps": 0.0}
