"""Typo-tolerant matching of one query word against a vocabulary of known words.

Comparing a word with every known word is too slow at tens of thousands of words,
so the vocabulary is also filed under three short keys per word: its first two
letters, its last two letters, and its first and last letter. One typo (a letter
dropped, added, changed, or two neighbours swapped) in a word of four letters or more
always leaves at least one of those keys intact, so looking in the three files of
the query word finds every word one typo away, and most words two typos away,
while comparing with only a few hundred words.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import distance, process

MAX_TYPO_MATCHES = 6
MAX_PREFIX_MATCHES = 8
MIN_TYPO_LENGTH = 4
"""Shorter words are matched exactly or by prefix only: one typo in "ai" is another word."""


def _keys(word: str) -> tuple[str, str, str]:
    return ("<" + word[:2], ">" + word[-2:], "=" + word[0] + word[-1])


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Known words, sorted for prefix lookups and filed by key for typo lookups."""

    in_order: Sequence[str]
    """Every word, sorted."""
    by_key: Mapping[str, tuple[str, ...]]
    """Key (see the module docstring) -> the words of three letters or more filed under it."""

    def changed(self, added: Iterable[str], removed: Iterable[str]) -> Vocabulary:
        """A new vocabulary with `added` words in and `removed` words out; self is unchanged."""
        added, removed = set(added), set(removed)
        if not added and not removed:
            return self
        in_order = list(self.in_order)
        by_key = dict(self.by_key)
        touched: dict[str, set[str]] = {}
        for word in removed:
            position = bisect.bisect_left(in_order, word)
            if position < len(in_order) and in_order[position] == word:
                del in_order[position]
            if len(word) >= 3:
                for key in _keys(word):
                    touched.setdefault(key, set(by_key.get(key, ()))).discard(word)
        for word in added:
            position = bisect.bisect_left(in_order, word)
            if position == len(in_order) or in_order[position] != word:
                in_order.insert(position, word)
            if len(word) >= 3:
                for key in _keys(word):
                    touched.setdefault(key, set(by_key.get(key, ()))).add(word)
        for key, words in touched.items():
            if words:
                by_key[key] = tuple(sorted(words))
            else:
                by_key.pop(key, None)
        return Vocabulary(tuple(in_order), by_key)


def make_vocabulary(words: Iterable[str]) -> Vocabulary:
    distinct = sorted(set(words))
    by_key: defaultdict[str, list[str]] = defaultdict(list)
    for word in distinct:
        if len(word) >= 3:
            first, last = word[0], word[-1]
            by_key["<" + word[:2]].append(word)
            by_key[">" + word[-2:]].append(word)
            by_key["=" + first + last].append(word)
    # Tuples, which the garbage collector stops walking (see corpus.py).
    return Vocabulary(tuple(distinct), {key: tuple(found) for key, found in by_key.items()})


def max_typos(word: str) -> int:
    """Edits forgiven in a word: none below four letters, one up to five, then two."""
    n = len(word)
    return 0 if n < MIN_TYPO_LENGTH else 1 if n <= 5 else 2


def words_with_prefix(in_order: Sequence[str], prefix: str, limit: int) -> list[str]:
    """Up to `limit` words of the sorted `in_order` that start with `prefix` and are longer."""
    start = bisect.bisect_right(in_order, prefix)
    found: list[str] = []
    for word in in_order[start : start + limit]:
        if not word.startswith(prefix):
            break
        found.append(word)
    return found


def similar_words(word: str, vocabulary: Vocabulary, *, known: bool) -> dict[str, float]:
    """Words of `vocabulary` that `word` may mean, each with a similarity in (0, 1].

    `known` says whether `word` itself is in the vocabulary. The word itself scores 1.
    A longer word it begins ("distill" for "distillation") scores 0.6-0.9 by how much of
    it was typed; for a known word only endings of up to two letters count ("model",
    "models"). An unknown word is also matched to words within `max_typos` edits (a
    swap of two neighbouring letters is one edit), scoring 1 - edits / length.
    """
    found: dict[str, float] = {}
    if known:
        found[word] = 1.0
    n = len(word)
    if n >= 3:
        for longer in words_with_prefix(vocabulary.in_order, word, MAX_PREFIX_MATCHES):
            if not known or len(longer) <= n + 2:
                found.setdefault(longer, 0.6 + 0.3 * n / len(longer))
    edits_allowed = max_typos(word)
    if not known and edits_allowed:
        candidates: set[str] = set()
        for key in _keys(word):
            candidates.update(vocabulary.by_key.get(key, ()))
        near = sorted(
            (edits, other)
            for other, edits, _ in process.extract(
                word,
                list(candidates),
                scorer=distance.OSA.distance,
                score_cutoff=edits_allowed,
                limit=None,
            )
            if edits
        )
        for edits, other in near[:MAX_TYPO_MATCHES]:
            found.setdefault(other, 1.0 - edits / max(n, len(other)))
    return found
