"""A character-level tokenizer: one id per character, plus a few special tokens.

Characters keep the worlds' ground truth readable token by token: an answer is right exactly when its characters are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

DEFAULT_SPECIALS = ("<pad>", "<bos>", "<eos>")


class CharTokenizer:
    """Maps characters to ids. Special tokens take the first ids and never collide with text characters.

    >>> tok = CharTokenizer.from_text("abba")
    >>> tok.decode(tok.encode("ab"))
    'ab'
    """

    def __init__(self, chars: Iterable[str], specials: Sequence[str] = DEFAULT_SPECIALS):
        chars = sorted(set(chars))
        bad = [c for c in chars if len(c) != 1]
        if bad:
            raise ValueError(f"chars must be single characters, got {bad[:5]}")
        self.specials = tuple(specials)
        self.chars = tuple(chars)
        self.itos = list(self.specials) + list(self.chars)
        self.stoi = {s: i for i, s in enumerate(self.itos)}
        if len(self.stoi) != len(self.itos):
            raise ValueError(f"specials {self.specials} repeat or collide with text characters")

    @classmethod
    def from_text(cls, text: str, specials: Sequence[str] = DEFAULT_SPECIALS) -> CharTokenizer:
        """The vocabulary of every distinct character in ``text``."""
        return cls(set(text), specials)

    @property
    def vocab_size(self) -> int:
        return len(self.itos)

    def special_id(self, name: str) -> int:
        if name not in self.specials:
            raise ValueError(f"special token {name!r} is not one of {self.specials}")
        return self.stoi[name]

    def encode(self, text: str, bos: bool = False, eos: bool = False) -> list[int]:
        """Ids of the characters of ``text``; ``bos``/``eos`` add those special tokens around it."""
        try:
            ids = [self.stoi[c] for c in text]
        except KeyError:
            unknown = sorted({c for c in text if c not in self.stoi})
            raise ValueError(f"text has characters outside the vocabulary: {unknown}") from None
        return ([self.stoi["<bos>"]] if bos else []) + ids + ([self.stoi["<eos>"]] if eos else [])

    def decode(self, ids: Iterable[int], skip_specials: bool = True) -> str:
        """The text of ``ids`` (a list or a 1-D tensor); special tokens are dropped unless ``skip_specials=False``."""
        n = len(self.specials)
        out = []
        for i in (int(i) for i in ids):
            if not 0 <= i < len(self.itos):
                raise ValueError(f"token id {i} is out of range: allowed 0..{len(self.itos) - 1}")
            if i >= n or not skip_specials:
                out.append(self.itos[i])
        return "".join(out)

    def to_dict(self) -> dict:
        return {"chars": "".join(self.chars), "specials": list(self.specials)}

    @classmethod
    def from_dict(cls, d: dict) -> CharTokenizer:
        return cls(d["chars"], d["specials"])

    def __repr__(self) -> str:
        return f"CharTokenizer(vocab_size={self.vocab_size})"
