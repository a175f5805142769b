"""Finding briefs: typo-tolerant search, the latest briefs and lookup by id.

How a search works:

1. The query is cut to 200 characters and split into words (stopwords dropped).
2. Each query word is matched against the words of all briefs: exactly, by prefix
   ("distill" finds "distillation") and within one or two typos ("distilation").
3. Each brief scores, per query word, the best match it has, weighted by where the
   word is (title above id, terms and tags, above summary and points) and by how
   rare the word is, so "distillation" counts for more than "ai".
4. The best thirty or so are re-ranked with a fuzzy comparison of the whole query
   against their titles: that is the word score, 0-1.
5. The query's meaning (its vector from the model in `bot.search.meaning`) is compared
   with every brief's; the closest twenty, and those the words found, get a meaning
   score when their similarity passes MEANING_FLOOR and, in a large library, stands out
   from the crowd (MEANING_STANDOUT): from just enough for a hit up to
   MEANING_CAP at MEANING_FULL, so that a question in other words finds its brief but
   never outranks an exact title.
6. Each candidate's score is the better of the two plus AGREEMENT times the other
   (both agreeing counts most), as 0-100; a candidate whose words matched only weakly
   and whose meaning is far from the query's (MEANING_VETO) is dropped, so "banana
   bread recipe" finds no brief through "bead" in some summary.

Steps 1-3 run over the inverted index in `bot.search.corpus`, so they touch only the
briefs that share a word with the query; step 5 is one matrix product over the
library's vectors (about a millisecond at 10,000 briefs).
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from operator import itemgetter

import numpy as np
from numpy.typing import NDArray
from rapidfuzz import fuzz

from bot.model import Brief
from bot.search.corpus import (
    IDENT,
    KEYS,
    TEXT,
    TITLE,
    CorpusIndex,
)
from bot.search.fuzzy import similar_words
from bot.search.meaning import QUESTION_WORDS, SUGGESTION_FLOOR, MeaningIndex
from bot.search.snapshot import Snapshot
from bot.search.words import MAX_QUERY_CHARS, all_words, folded_phrase, query_words, words
from bot.suggest import did_you_mean

MIN_SCORE = 35
"""Briefs scoring below this are not hits; the search answers with suggestions instead."""
AMBIGUOUS_GAP = 6
"""When the runner-up scores within this of the best, the answer is a short list."""
RERANK = 30
"""How many of the best briefs by word matches are re-ranked on their titles."""
CANDIDATES = 100
"""How many briefs common words' summary matches are added for (see `_scores`)."""

FIELD_WEIGHTS = {TITLE: 1.0, IDENT: 0.9, KEYS: 0.85, TEXT: 0.6}
_NOT_TITLE = (IDENT, KEYS, TEXT)
COMMON_SHARE = 0.1
"""Words in more than this share of briefs count as common (see `_scores`)."""
TITLE_SHARE = 0.2
"""How much the whole-query fuzzy comparison with the title counts in the word score."""
MEANING_FLOOR = 0.2
"""Cosine similarity of query and brief below which meaning adds nothing; at it, the
meaning score is just enough for a hit (MIN_SCORE)..."""
MEANING_FULL = 0.45
"""...and at which it reaches MEANING_CAP."""
MEANING_CAP = 0.8
"""A brief found by meaning alone scores at most this (an exact title scores 1)."""
MEANING_STANDOUT = 0.05
"""In a library of more than STANDOUT_RANK briefs, a brief must also be this much closer
to the query than the STANDOUT_RANK-th closest: a question about nothing in the library
is about equally far from everything, a real one stands out from the crowd..."""
STANDOUT_RANK = 50
MEANING_CANDIDATES = 20
TERM_FLOOR = 0.3
TERM_STANDOUT = 0.15
"""A term lends its closeness when at least TERM_FLOOR and this much above its crowd..."""
TERM_USERS = 50
"""...to the briefs listing it, when no more than these do (a common term says little)..."""
TERM_LEND = 0.9
"""...at this share of it."""
"""How many of the briefs closest in meaning are scored."""
MEANING_VETO = 0.12
"""A brief this far from the query in meaning, or no closer than the crowd (see
MEANING_STANDOUT), is no hit unless its words match strongly (STRONG_WORDS): typo
tolerance finds words two letters away in any long summary..."""
STRONG_WORDS = 0.6
AGREEMENT = 0.25
"""How much the weaker of the word and meaning scores adds to the stronger."""


@dataclass(frozen=True, slots=True)
class BriefHit:
    """One brief found by a search."""

    brief: Brief
    score: int
    """0-100; 100 is an exact match in the title."""
    matched_in: str
    """Where the query matched best: "title", "id", "terms", "tags", "summary" or "points",
    or "meaning" when it was found by what it means more than by its words."""


@dataclass(frozen=True, slots=True)
class BriefSearch:
    """The answer to one search."""

    query: str
    hits: tuple[BriefHit, ...] = ()
    """Best first."""
    suggestions: tuple[str, ...] = ()
    """When there are no hits: the nearest titles, terms and tags, to try instead."""

    @property
    def best(self) -> BriefHit | None:
        return self.hits[0] if self.hits else None

    @property
    def is_ambiguous(self) -> bool:
        """True when no single brief clearly wins, so a short list serves better."""
        return len(self.hits) >= 2 and self.hits[1].score >= self.hits[0].score - AMBIGUOUS_GAP


def latest_briefs(library: Snapshot, n: int = 5) -> tuple[Brief, ...]:
    """The `n` newest briefs, newest first."""
    return library.briefs[: max(n, 0)]


def brief_by_id(library: Snapshot, brief_id: str) -> Brief | None:
    """The brief with exactly this id, ignoring case and surrounding spaces."""
    return library.by_id.get(brief_id.strip().lower()[:MAX_QUERY_CHARS])


# -- matching query words to indexed words ------------------------------------------


@dataclass(frozen=True, slots=True)
class _QueryWord:
    word: str
    weight: float
    """How much this word counts: rare words more."""
    matches: tuple[tuple[str, float], ...]
    """Indexed words it matches, with a similarity in (0, 1]."""
    frequency: int = 0
    """How many briefs use its best match."""


def _idf(corpus: CorpusIndex, df: int) -> float:
    return math.log(1.0 + corpus.size / max(df, 1))


def _match_word(corpus: CorpusIndex, word: str) -> _QueryWord:
    frequency = corpus.frequency
    found = similar_words(word, corpus.vocabulary, known=frequency(word) > 0)
    if not found:
        # An unknown word still counts, so that three good words and one wrong one
        # rank below the three good words alone.
        return _QueryWord(word, _idf(corpus, corpus.size // 100), ())
    df = {w: frequency(w) for w in found}
    best = max(found, key=lambda w: (found[w], -df[w], w))
    return _QueryWord(word, _idf(corpus, df[best]), tuple(found.items()), df[best])


# -- scoring ---------------------------------------------------------------------------


POINTS = 1000
"""Scores are whole numbers (this many per unit), so sums are exact in any order."""


def _word_points(corpus: CorpusIndex, qword: _QueryWord, fields: Iterable[int]) -> dict[int, int]:
    """Document -> the points this query word earns there: its best match in `fields`."""
    pairs: list[tuple[int, tuple[int, ...]]] = []
    for word, similarity in qword.matches:
        for field in fields:
            value = round(POINTS * qword.weight * similarity * FIELD_WEIGHTS[field])
            for docs in corpus.docs_with(word, field):
                pairs.append((value, docs))
    pairs.sort(key=itemgetter(0))
    best: dict[int, int] = {}
    # Ascending order, so a later (better) match overwrites an earlier one.
    for value, docs in pairs:
        best.update(dict.fromkeys(docs, value))
    return best


def _sum(parts: list[dict[int, int]]) -> dict[int, int]:
    if not parts:
        return {}
    parts = sorted(parts, key=len, reverse=True)
    scores = dict(parts[0])  # the largest is copied, not looped over
    get = scores.get
    for part in parts[1:]:
        for doc, value in part.items():
            scores[doc] = get(doc, 0) + value
    return scores


def _scores(corpus: CorpusIndex, qwords: list[_QueryWord]) -> dict[int, int]:
    """Document -> points summed over query words, for the documents worth re-ranking.

    A word in more than COMMON_SHARE of all briefs says little on its own and has
    thousands of matches. Common words first count only in titles; their matches in
    ids, terms, tags, summaries and points are then added for the best candidates
    alone. When that leaves too few candidates (a query of common words only, found
    in few titles), everything is counted everywhere.
    """
    matched = [q for q in qwords if q.matches]
    limit = COMMON_SHARE * corpus.size
    rare = [q for q in matched if q.frequency <= limit]
    common = [q for q in matched if q.frequency > limit]
    in_titles = [_word_points(corpus, q, (TITLE,)) for q in common]
    scores = _live(corpus, _sum([_word_points(corpus, q, FIELD_WEIGHTS) for q in rare] + in_titles))
    if not common:
        return scores
    if not rare and len(scores) < CANDIDATES:
        return _live(corpus, _sum([_word_points(corpus, q, FIELD_WEIGHTS) for q in common]))
    candidates = _top(corpus, scores, CANDIDATES)
    for qword, title_points in zip(common, in_titles, strict=True):
        # Few candidates, long posting lists: binary search beats building a dict.
        elsewhere = sorted(
            (
                (round(POINTS * qword.weight * similarity * FIELD_WEIGHTS[field]), docs)
                for word, similarity in qword.matches
                for field in _NOT_TITLE
                for docs in corpus.docs_with(word, field)
            ),
            key=itemgetter(0),
            reverse=True,
        )
        for doc in candidates:
            had = title_points.get(doc, 0)
            for value, docs in elsewhere:
                if value <= had:
                    break
                position = bisect_left(docs, doc)
                if position < len(docs) and docs[position] == doc:
                    scores[doc] += value - had
                    break
    return {doc: scores[doc] for doc in candidates}


def _live(corpus: CorpusIndex, scores: dict[int, int]) -> dict[int, int]:
    """`scores` without the documents of replaced briefs."""
    if corpus.dead:
        docs = corpus.docs
        for dead in [doc for doc in scores if docs[doc] is None]:
            del scores[dead]
    return scores


def _top(corpus: CorpusIndex, scores: dict[int, int], n: int) -> list[int]:
    """The `n` best documents plus any tied with the last, so the choice is well defined."""
    if len(scores) <= n:
        return list(scores)
    cutoff = heapq.nlargest(n, scores.values())[-1]
    top = [doc for doc, value in scores.items() if value >= cutoff]
    if len(top) > 4 * n:
        # Very many briefs tie (a one-word query for a common word): keep the newest.
        docs = corpus.docs
        top.sort(key=lambda d: (-scores[d], _recency(docs[d])))
        top = top[: 4 * n]
    return top


def _recency(brief: Brief | None) -> tuple[int, str]:
    assert brief is not None
    return (-brief.date.toordinal(), brief.id)


_FIELD_NAMES = ("title", "id", "terms", "tags", "summary", "points")


def _matched_in(brief: Brief, qwords: Iterable[_QueryWord]) -> str:
    """The field where the query's words (weighted by rarity) matched this brief best."""
    fields = (
        set(words(brief.title)),
        set(brief.id.split("-")),
        set(words(" ".join(brief.terms))),
        set(words(" ".join(brief.tags))),
        set(words(brief.summary)),
        set(words(" ".join(brief.points))),
    )
    tally = [0.0] * len(fields)
    for qword in qwords:
        names = [word for word, _ in qword.matches]
        for i, field_words in enumerate(fields):
            if any(name in field_words for name in names):
                tally[i] += qword.weight
                break
    best = max(range(len(fields)), key=lambda i: (tally[i], -i))
    return _FIELD_NAMES[best]


def search_briefs(library: Snapshot, query: str, limit: int = 5) -> BriefSearch:
    """The briefs that best match `query`, best first, or suggestions when none is close."""
    query = " ".join(str(query)[:MAX_QUERY_CHARS].split())
    corpus = library.corpus
    qwords = [_match_word(corpus, w) for w in query_words(query)]
    if not qwords or corpus.size == 0:
        return BriefSearch(query)
    total = sum(round(POINTS * q.weight) for q in qwords)
    scores = _scores(corpus, qwords)
    phrase = " ".join(all_words(query))
    by_words: dict[str, tuple[float, Brief]] = {}
    for doc in _top(corpus, scores, RERANK):
        brief = corpus.docs[doc]
        assert brief is not None
        title_similarity = fuzz.WRatio(phrase, folded_phrase(brief.title)) / 100.0
        final = (1 - TITLE_SHARE) * scores[doc] / total + TITLE_SHARE * title_similarity
        by_words[brief.id] = (final, brief)
    by_meaning, crowd = _meaning_scores(library, query, by_words)
    veto = max(MEANING_VETO, crowd)
    ranked: list[tuple[float, int, str, Brief, str]] = []
    for brief_id in {**by_words, **by_meaning}:
        word_score, brief = by_words.get(brief_id) or (0.0, by_meaning[brief_id][2])
        meaning_score, similarity, _ = by_meaning.get(brief_id, (0.0, 1.0, brief))
        if similarity < veto and word_score < STRONG_WORDS:
            continue  # words two letters away from the query's, in a brief about else
        final = max(word_score, meaning_score) + AGREEMENT * min(word_score, meaning_score)
        where = "meaning" if meaning_score > word_score else ""
        # Ranked by the whole sum, shown capped at 100: two briefs past 1 stay in order.
        ranked.append((-final, -brief.date.toordinal(), brief.id, brief, where))
    ranked.sort(key=itemgetter(0, 1, 2))
    hits = tuple(
        BriefHit(brief, round(min(-negative, 1.0) * 100), where or _matched_in(brief, qwords))
        for negative, _, _, brief, where in ranked[: max(limit, 0)]
        if round(-negative * 100) >= MIN_SCORE
    )
    if hits:
        return BriefSearch(query, hits)
    return BriefSearch(query, (), _suggestions(library, query))


_AT_FLOOR = MIN_SCORE / 100


def _meaning_scores(
    library: Snapshot, query: str, by_words: Mapping[str, object]
) -> tuple[dict[str, tuple[float, float, Brief]], float]:
    """Brief id -> (meaning score 0-1, cosine similarity, brief) for the briefs closest in
    meaning to `query` and for those the words found (`by_words`), and the similarity of
    the crowd (the STANDOUT_RANK-th closest; -1 in a small library); nothing without a
    model or a query it can embed.

    A glossary term whose definition stands out as what the query means lends its
    closeness (TERM_LEND of it) to the few briefs that list it: "when could we upload a
    brain into software" is close to the definition of Whole brain emulation.
    """
    meaning = library.meaning
    if not meaning.briefs:
        return {}, -1.0
    vector = meaning.embed(query)
    if vector is None:
        return {}, -1.0
    similarities = meaning.brief_similarities(vector)
    similarities = _lent_by_terms(library, meaning, vector, similarities)
    count = min(MEANING_CANDIDATES, len(similarities))
    rows = set(np.argpartition(-similarities, count - 1)[:count].tolist())
    rows.update(meaning.row_of[b] for b in by_words if b in meaning.row_of)
    floor, crowd = MEANING_FLOOR, -1.0
    if len(similarities) > STANDOUT_RANK:
        crowd = float(np.partition(similarities, -STANDOUT_RANK)[-STANDOUT_RANK])
        floor = max(floor, crowd + MEANING_STANDOUT)
    found: dict[str, tuple[float, float, Brief]] = {}
    for row in rows:
        similarity = float(similarities[row])
        brief = meaning.briefs[row]
        if similarity <= floor:
            if brief.id in by_words:
                found[brief.id] = (0.0, similarity, brief)
            continue
        share = min((similarity - MEANING_FLOOR) / (MEANING_FULL - MEANING_FLOOR), 1.0)
        found[brief.id] = (_AT_FLOOR + (MEANING_CAP - _AT_FLOOR) * share, similarity, brief)
    return found, crowd


def _lent_by_terms(
    library: Snapshot,
    meaning: MeaningIndex,
    vector: NDArray[np.float32],
    similarities: NDArray[np.float32],
) -> NDArray[np.float32]:
    if not meaning.terms:
        return similarities
    closeness = meaning.term_similarities(vector)
    crowd = 0.0
    if len(closeness) > STANDOUT_RANK:
        crowd = float(np.partition(closeness, -STANDOUT_RANK)[-STANDOUT_RANK])
    floor = max(TERM_FLOOR, crowd + TERM_STANDOUT)
    lent = None
    for position in np.flatnonzero(closeness >= floor).tolist():
        users = library.briefs_by_term.get(meaning.terms[position].term, ())
        if not users or len(users) > TERM_USERS:
            continue
        if lent is None:
            lent = similarities.copy()
        value = TERM_LEND * float(closeness[position])
        for brief in users:
            row = meaning.row_of.get(brief.id)
            if row is not None and lent[row] < value:
                lent[row] = value
    return similarities if lent is None else lent


def _suggestions(library: Snapshot, query: str) -> tuple[str, ...]:
    """What to search for instead: brief ids, glossary terms and tags close to `query`
    (bot/suggest.py), or nothing when none is."""
    pool = [*library.by_id, *library.glossary_index.names, *library.corpus.tag_df]
    offered = did_you_mean(query, pool)
    vector = library.meaning.embed(query) if len(query_words(query)) >= QUESTION_WORDS else None
    if vector is None:
        return tuple(offered)
    return tuple(name for name in offered if not _far(library, vector, name))


def _far(library: Snapshot, vector: NDArray[np.float32], name: str) -> bool:
    """Whether the brief id or glossary name `name` means something far from `vector`."""
    meaning = library.meaning
    closeness = meaning.closeness(vector, brief_id=name)
    if closeness is None:
        terms = library.meanings(name)
        found = [meaning.closeness(vector, term=t.term) for t in terms]
        known = [c for c in found if c is not None]
        closeness = max(known) if known else None
    return closeness is not None and closeness < SUGGESTION_FLOOR
