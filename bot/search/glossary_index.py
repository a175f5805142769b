"""Defining terms: exact term, alias, then typo-tolerant matching; and the glossary A to Z.

`define` tries, in order:

1. the term or one of its aliases, ignoring case and punctuation ("exact" / "alias");
   an alias that several terms share answers with all of them ("meanings");
2. fuzzy matching of the whole name ("distilation") and of its words ("emergent" for
   "Emergent misalignment"). One clear winner is answered directly ("fuzzy"); several
   close ones make a "did you mean" ("ambiguous"); nothing close gives "none" with the
   nearest names as suggestions. A shared alias is never narrowed to one of its terms:
   a clear winner that is one gives "meanings", and suggestions hold all its terms.
3. when no name is a clear winner nor several close, what the query means: its vector
   (bot/search/meaning.py) against each term's name, aliases and definition. One term
   close enough (MEANING_CLOSE) and clearly closer than the next (MEANING_GAP) is answered
   ("meaning"); a few near ones are offered as "did you mean" ("ambiguous"); nothing
   near leaves the name steps' answer ("none").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz, process

from bot.model import Brief, Term, normalize_key
from bot.search.fuzzy import similar_words
from bot.search.meaning import QUESTION_WORDS, SUGGESTION_FLOOR
from bot.search.snapshot import Snapshot
from bot.search.term_index import GlossaryIndex
from bot.search.words import MAX_QUERY_CHARS
from bot.suggest import did_you_mean

DefinitionKind = Literal[
    "exact", "alias", "meanings", "fuzzy", "meaning", "ambiguous", "none", "empty"
]

CLEAR_WINNER = 70
"""A fuzzy match needs at least this score (0-100) to be answered directly..."""
CLEAR_GAP = 8
"""...and to beat the runner-up by this much."""
CLOSE = 60
"""Fuzzy matches scoring at least this are offered as "did you mean"."""
NEAREST = 40
"""Below CLOSE, the best few above this are still offered as suggestions."""
MEANING_CLOSE = 0.42
"""Cosine similarity of query and definition a term needs to be answered by meaning..."""
MEANING_GAP = 0.05
"""...and how much closer than the runner-up it must be."""
MEANING_NEAR = 0.3
"""Below a clear answer, terms this close in meaning are offered as "did you mean"..."""
MEANING_SPREAD = 0.1
"""...when within this of the closest one (at most three)."""
MAX_CANDIDATES = 5
MAX_QUERY_WORDS = 8


@dataclass(frozen=True, slots=True)
class Definition:
    """The answer to /define."""

    query: str
    kind: DefinitionKind
    term: Term | None = None
    matched_name: str = ""
    """The term or alias, as the glossary writes it, that the query matched."""
    candidates: tuple[Term, ...] = ()
    """For "ambiguous" and "none": terms the query may have meant, best first."""
    meanings: tuple[Term, ...] = ()
    """For "meanings": every term the alias `matched_name` names, A to Z."""
    used_by: tuple[Brief, ...] = ()
    """Briefs that list the term, newest first."""
    see_also: tuple[Term, ...] = ()


@dataclass(frozen=True, slots=True)
class GlossaryPage:
    """One page of the glossary, A to Z."""

    terms: tuple[Term, ...]
    page: int
    """1-based, clamped to the pages that exist."""
    pages: int
    total: int


def define(library: Snapshot, text: str) -> Definition:
    """What `text` means in the glossary: see the module docstring for the steps."""
    query = " ".join(str(text)[:MAX_QUERY_CHARS].split())
    key = normalize_key(query)
    if not key:
        return Definition(query, "empty")
    named = library.terms_by_key.get(key, ())
    if len(named) > 1:
        return _meanings(query, named, key)
    if named:
        term = named[0]
        if normalize_key(term.term) == key:
            return _answer(library, query, "exact", term, term.term)
        alias = next((a for a in term.aliases if normalize_key(a) == key), term.term)
        return _answer(library, query, "alias", term, alias)

    index = library.glossary_index
    scores = _fuzzy_scores(index, key)
    # Best score per term: a term and its alias must not compete with each other.
    best_by_term: dict[str, tuple[float, int]] = {}
    for position, score in scores.items():
        owner_name = index.owners[position].term
        if owner_name not in best_by_term or score > best_by_term[owner_name][0]:
            best_by_term[owner_name] = (score, position)
    ranked = sorted(best_by_term.values(), key=lambda sp: (-sp[0], index.keys[sp[1]]))
    # Only names the one "did you mean" policy accepts are ever offered or answered with,
    # so a word that is merely two letters away from some term gets nothing.
    suggested = _suggested_terms(index, query)
    offered = {term.term for term in suggested}
    if ranked:
        top_score, top_position = ranked[0]
        runner_up = ranked[1][0] if len(ranked) > 1 else 0.0
        winner = index.owners[top_position]
        if (
            top_score >= CLEAR_WINNER
            and runner_up <= top_score - CLEAR_GAP
            and winner.term in offered
        ):
            if len(index.meanings[top_position]) > 1:
                return _meanings(query, index.meanings[top_position], index.keys[top_position])
            return _answer(library, query, "fuzzy", winner, index.names[top_position])
        if top_score >= CLOSE and len(suggested) > 1:
            # Several close terms: the ones both measures find first, then the rest.
            close = [t for s, p in ranked if s >= CLOSE for t in index.meanings[p]]
            first = [term for term in close if term.term in offered]
            rest = [term for term in suggested if term not in first]
            # `suggested` already holds at most MAX_CANDIDATES, whole meanings included.
            return Definition(query, "ambiguous", candidates=tuple([*first, *rest]))
    by_meaning = _by_meaning(library, query)
    if len(by_meaning) == 1:
        return _answer(library, query, "meaning", by_meaning[0], by_meaning[0].term)
    if by_meaning:
        return Definition(query, "ambiguous", candidates=by_meaning)
    candidates = _suggested_terms(index, query, 3)
    meaning = library.meaning
    vector = meaning.embed(query) if len(query.split()) >= QUESTION_WORDS else None
    if vector is not None:
        # A question's one fitting word must not offer a term about something else.
        candidates = tuple(
            t
            for t in candidates
            if (meaning.closeness(vector, term=t.term) or 1.0) >= SUGGESTION_FLOOR
        )
    return Definition(query, "none", candidates=candidates)


def _by_meaning(library: Snapshot, query: str) -> tuple[Term, ...]:
    """The one term whose definition is clearly closest in meaning to `query`; or the
    few close ones, closest first, when none is clearly closest; or none."""
    meaning = library.meaning
    if not meaning.terms:
        return ()
    vector = meaning.embed(query)
    if vector is None:
        return ()
    similarities = meaning.term_similarities(vector)
    order = similarities.argsort()[::-1][:3].tolist()
    best = float(similarities[order[0]])
    runner_up = float(similarities[order[1]]) if len(order) > 1 else 0.0
    terms: tuple[Term, ...] = meaning.terms
    if best >= MEANING_CLOSE and best - runner_up >= MEANING_GAP:
        return (terms[order[0]],)
    if best < MEANING_NEAR:
        return ()
    return tuple(
        terms[i]
        for i in order
        if similarities[i] >= MEANING_NEAR and similarities[i] >= best - MEANING_SPREAD
    )


def _suggested_terms(
    index: GlossaryIndex, query: str, limit: int = MAX_CANDIDATES
) -> tuple[Term, ...]:
    """The terms "did you mean" offers for `query` (bot/suggest.py), each once, at
    most `limit` of them unless the first name offered is an alias with more meanings."""
    meanings_of = dict(zip(index.names, index.meanings, strict=True))
    found: dict[str, Term] = {}
    for name in did_you_mean(query, index.names, limit=2 * MAX_CANDIDATES):
        # Every meaning of a shared alias, or none of them: never one picked for the reader.
        named = meanings_of[name]
        new = [term for term in named if term.term not in found]
        if found and len(found) + len(new) > limit:
            continue
        for term in new:
            found[term.term] = term
    return tuple(found.values())


def _fuzzy_scores(index: GlossaryIndex, key: str) -> dict[int, float]:
    """Key position -> 0-100, the better of whole-name and word-by-word similarity."""
    scores: dict[int, float] = {
        position: score
        for _, score, position in process.extract(
            key, index.keys, scorer=fuzz.ratio, score_cutoff=NEAREST, limit=20
        )
    }
    query_words = list(dict.fromkeys(key.split()))[:MAX_QUERY_WORDS]
    # For each query word, the known words it may mean and how closely.
    meanings = [
        similar_words(w, index.vocabulary, known=w in index.keys_with_word) for w in query_words
    ]
    candidates: set[int] = set()
    for found in meanings:
        for word in found:
            candidates.update(index.keys_with_word[word])
    for position in candidates:
        name_words = index.key_words[position]
        matched: dict[str, float] = {}
        query_share = 0.0
        for found in meanings:
            best_word, best = "", 0.0
            for word, similarity in found.items():
                if word in name_words and similarity > best:
                    best_word, best = word, similarity
            if best_word:
                query_share += best
                matched[best_word] = max(best, matched.get(best_word, 0.0))
        if not matched:
            continue
        # Mostly: how much of the query was found; a little: how much of the name.
        score = 100 * (
            0.7 * query_share / len(meanings) + 0.3 * sum(matched.values()) / len(name_words)
        )
        if score > scores.get(position, 0.0):
            scores[position] = score
    return scores


def _meanings(query: str, terms: tuple[Term, ...], key: str) -> Definition:
    """All the terms an alias names, with the alias as the glossary writes it."""
    alias = next((a for t in terms for a in t.aliases if normalize_key(a) == key), query)
    return Definition(query, "meanings", matched_name=alias, meanings=terms)


def _answer(
    library: Snapshot, query: str, kind: DefinitionKind, term: Term, name: str
) -> Definition:
    see_also: dict[str, Term] = {}
    for other in term.see_also:
        found = library.resolve_term(other)
        if found is not None and found.term != term.term:
            see_also.setdefault(found.term, found)
    return Definition(
        query=query,
        kind=kind,
        term=term,
        matched_name=name,
        used_by=tuple(library.briefs_by_term.get(term.term, ())),
        see_also=tuple(see_also.values()),
    )


def glossary_page(library: Snapshot, page: int, per_page: int = 20) -> GlossaryPage:
    """The terms of page `page` (1-based) of the A-Z glossary; out-of-range pages clamp."""
    per_page = max(int(per_page), 1)
    total = len(library.terms)
    pages = max(math.ceil(total / per_page), 1)
    page = min(max(int(page), 1), pages)
    start = (page - 1) * per_page
    return GlossaryPage(library.terms[start : start + per_page], page, pages, total)
