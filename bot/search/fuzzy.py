"""Typo-tolerant matching of one query word against a vocabulary of known words."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import distance, process

MAX_TYPO_MATCHES = 6
MAX_PREFIX_MATCHES = 8


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Known words, grouped for fast near-miss lookups."""

    by_length: Mapping[int, Sequence[str]]
    """Every word, grouped by its length."""
    in_order: Sequence[str]
    """Every word, sorted, for prefix lookups."""


def make_vocabulary(words: Iterable[str]) -> Vocabulary:
    by_length: dict[int, list[str]] = defaultdict(list)
    distinct = sorted(set(words))
    for word in distinct:
        by_length[len(word)].append(word)
    return Vocabulary(dict(by_length), distinct)


def max_typos(word: str) -> int:
    """Edits forgiven in a word: none below four letters, one up to five, then two."""
    n = len(word)
    return 0 if n < 4 else 1 if n <= 5 else 2


def words_with_prefix(in_order: Sequence[str], prefix: str, limit: int) -> list[str]:
    """Up to `limit` words of the sorted `in_order` that start with `prefix` and are longer."""
    start = bisect.bisect_right(in_order, prefix)
    found: list[str] = []
    for word in in_order[start : start + limit]:
        if not word.startswith(prefix):
            break
        found.append(word)
    return found


def similar_words(
    word: str, known: Collection[str], vocabulary: Vocabulary, *, typos: bool = True
) -> dict[str, float]:
    """Known words that `word` may mean, each with a similarity in (0, 1].

    The word itself scores 1; a longer word it begins ("distill" for "distillation")
    0.6-0.9 by how much of it was typed; a word within `max_typos` edits (a swap of two
    neighbouring letters is one edit) 1 - edits / length.
    """
    found: dict[str, float] = {}
    if word in known:
        found[word] = 1.0
    n = len(word)
    if n >= 3:
        for longer in words_with_prefix(vocabulary.in_order, word, MAX_PREFIX_MATCHES):
            found.setdefault(longer, 0.6 + 0.3 * n / len(longer))
    edits_allowed = max_typos(word)
    if typos and edits_allowed:
        near: list[tuple[int, str]] = []
        for length in range(n - edits_allowed, n + edits_allowed + 1):
            candidates = vocabulary.by_length.get(length)
            if candidates:
                near.extend(
                    (edits, other)
                    for other, edits, _ in process.extract(
                        word,
                        candidates,
                        scorer=distance.OSA.distance,
                        score_cutoff=edits_allowed,
                        limit=MAX_TYPO_MATCHES,
                    )
                    if edits
                )
        for edits, other in sorted(near)[:MAX_TYPO_MATCHES]:
            found.setdefault(other, 1.0 - edits / max(n, len(other)))
    return found
