"""Related briefs: the hand-picked ones first, then the most similar.

Similarity mixes three signals, each 0-1 and weighted by rarity (a shared rare term
says more than a shared "policy" tag):

- shared glossary terms (through aliases, so "SAE" and "Sparse autoencoders" agree),
- shared tags,
- shared words of title, summary, points, terms and tags (a sparse TF-IDF over the
  inverted index, using only the brief's rarest words),

and adds a fourth: closeness in meaning, the cosine of the two briefs' vectors
(bot/search/meaning.py), so that briefs on the same subject in different words are
related even when they share no term, tag or rare word. Only the MEANING_NEAREST
closest count, and only above MEANING_FLOOR: briefs of one field (AI policy) all sit
at 0.3-0.45 of each other, and that says little.

Only briefs that share something with the brief are ever looked at, through the
inverted indexes, so a lookup does not scan the library and building the index is
linear in its size (the index is the one search uses, see `bot.search.corpus`).
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict

import numpy as np

from bot.model import Brief
from bot.search.corpus import FIELD_COUNT, brief_words
from bot.search.snapshot import Snapshot

TERMS_SHARE = 0.45
TAGS_SHARE = 0.25
TEXT_SHARE = 0.30
TEXT_WORDS = 25
"""How many of a brief's rarest words stand for its text."""
MEANING_SHARE = 0.5
"""What a brief as close in meaning as possible adds (it rises from MEANING_FLOOR)."""
MEANING_FLOOR = 0.4
MEANING_NEAREST = 20
MIN_SIMILARITY = 0.05
"""Briefs less similar than this (0-1) are not offered, even to fill the list."""


def related_briefs(library: Snapshot, brief_id: str, limit: int = 5) -> tuple[Brief, ...]:
    """Up to `limit` briefs related to `brief_id`, never the brief itself.

    Hand-picked `related` come first in their order; then the most similar, ties
    broken by date (newest first) and id. Unknown ids give no briefs.
    """
    brief = library.by_id.get(str(brief_id).strip().lower())
    if brief is None or limit <= 0:
        return ()
    chosen: dict[str, Brief] = {}
    for other_id in brief.related:
        other = library.by_id.get(other_id)
        if other is not None and other.id != brief.id:
            chosen.setdefault(other.id, other)
    need = limit - len(chosen)
    if need > 0:
        docs = library.corpus.docs
        scores = {
            doc: score
            for doc, score in _similarity(library, brief).items()
            if score >= MIN_SIMILARITY
            and (other := docs[doc]) is not None
            and other.id not in chosen
            and other.id != brief.id
        }
        if len(scores) > need:
            # Only briefs scoring at least the need-th best can make the list.
            cutoff = heapq.nlargest(need, scores.values())[-1]
            scores = {doc: score for doc, score in scores.items() if score >= cutoff}
        ranked = sorted(scores, key=lambda d: (-scores[d], -_ordinal(docs[d]), _id(docs[d])))
        for doc in ranked[:need]:
            other = docs[doc]
            assert other is not None
            chosen[other.id] = other
    return tuple(chosen.values())[:limit]


def _ordinal(brief: Brief | None) -> int:
    return brief.date.toordinal() if brief is not None else 0


def _id(brief: Brief | None) -> str:
    return brief.id if brief is not None else ""


def _idf(size: int, df: int) -> float:
    return math.log(1.0 + size / max(df, 1))


def _similarity(library: Snapshot, brief: Brief) -> dict[int, float]:
    """Document -> similarity (0-1) for every document sharing anything with `brief`.

    May include `brief` itself and replaced documents; the caller drops them.
    """
    corpus = library.corpus
    size = max(corpus.size, 1)
    doc_of = corpus.doc_of
    scores: defaultdict[int, float] = defaultdict(float)

    # Terms, resolved to the glossary's own so aliases count as the same term.
    terms: dict[str, tuple[Brief, ...]] = {}
    for name in brief.terms:
        term = library.resolve_term(name)
        if term is not None:
            terms.setdefault(term.term, library.briefs_by_term.get(term.term, ()))
    weights = {name: _idf(size, len(users)) for name, users in terms.items()}
    total = sum(weights.values())
    for name, users in terms.items():
        share = TERMS_SHARE * weights[name] / total
        for other in users:
            scores[doc_of[other.id]] += share

    bw = brief_words(brief)
    tag_weights = {tag: _idf(size, corpus.tag_df.get(tag, 1)) for tag in sorted(bw.tags)}
    total = sum(tag_weights.values())
    for tag, weight in tag_weights.items():
        share = TAGS_SHARE * weight / total
        for postings in corpus.docs_tagged(tag):
            for doc in postings:
                scores[doc] += share

    # The brief's rarest words that some other brief also uses, weighted by idf².
    frequency = {w: corpus.frequency(w) for w in bw.all}
    shared = [w for w, df in frequency.items() if df >= 2]
    rarest = sorted(shared, key=lambda w: (frequency[w], w))[:TEXT_WORDS]
    word_weights = {w: _idf(size, frequency[w]) ** 2 for w in rarest}
    total = sum(word_weights.values())
    for word, weight in word_weights.items():
        share = TEXT_SHARE * weight / total
        found: set[int] = set()
        for field in range(FIELD_COUNT):
            for postings in corpus.docs_with(word, field):
                found.update(postings)
        for doc in found:
            scores[doc] += share
    _add_meaning(library, brief, scores)
    return scores


def _add_meaning(library: Snapshot, brief: Brief, scores: defaultdict[int, float]) -> None:
    meaning = library.meaning
    row = meaning.row_of.get(brief.id)
    if row is None or meaning.briefs[row] is not brief:
        return
    similarities = meaning.brief_similarities(meaning.matrix[row])
    count = min(MEANING_NEAREST + 1, len(similarities))
    doc_of = library.corpus.doc_of
    for other in np.argpartition(-similarities, count - 1)[:count].tolist():
        similarity = float(similarities[other])
        if similarity > MEANING_FLOOR:
            doc = doc_of[meaning.briefs[other].id]
            scores[doc] += MEANING_SHARE * (similarity - MEANING_FLOOR) / (1 - MEANING_FLOOR)
