"""One immutable snapshot of all content: briefs, glossary and the indexes over them.

A snapshot is built once per (re)load and never changed; requests hold on to the
snapshot they started with, so a reload can never show them half-new content.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left, insort
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from operator import attrgetter
from types import MappingProxyType

from bot.basics import digest
from bot.model import Brief, Term, normalize_key
from bot.search.corpus import CorpusIndex, build_corpus_index
from bot.search.meaning import MeaningIndex, MeaningModel, build_meaning_index
from bot.search.term_finder import TermFinder, build_term_finder
from bot.search.term_index import GlossaryIndex, build_glossary_index


@dataclass(frozen=True, slots=True)
class Library:
    """All content of one load. Build it with `build_library`."""

    briefs: tuple[Brief, ...]
    """Newest first (date descending, then id)."""
    terms: tuple[Term, ...]
    """A to Z by term, case-insensitively."""
    version: str
    """A short hash of the content; equal content gives an equal version."""
    by_id: Mapping[str, Brief]
    term_by_key: Mapping[str, Term]
    """`normalize_key` of every term and of every alias that names one term -> that term."""
    terms_by_key: Mapping[str, tuple[Term, ...]]
    """`normalize_key` of every term and alias -> every term it names: one, or the
    meanings of an alias several terms share (A to Z)."""
    briefs_by_term: Mapping[str, tuple[Brief, ...]]
    """Canonical term (`Term.term`) -> the briefs that list it, newest first."""
    corpus: CorpusIndex
    """The words of every brief: what search and related briefs look up."""
    glossary_index: GlossaryIndex
    term_finder: TermFinder
    """Every term and alias in one automaton, for finding terms in a message."""
    meaning: MeaningIndex
    """The vector of every brief and term, for search, related briefs and define by meaning."""
    brief_digests: Mapping[str, bytes] = field(repr=False, default_factory=dict)
    """Brief id -> the digest of its fields; with `term_digest`, what `version` is
    computed from (kept so that a reload hashes only the briefs that changed)."""
    term_digest: bytes = field(repr=False, default=b"")

    def resolve_term(self, name: str) -> Term | None:
        """The term that `name` names exactly, by term or alias, ignoring case and punctuation
        (None for an alias several terms share: see `meanings`)."""
        return self.term_by_key.get(normalize_key(name))

    def meanings(self, name: str) -> tuple[Term, ...]:
        """Every term `name` names, by term or alias: (), one, or several for a shared alias."""
        return self.terms_by_key.get(normalize_key(name), ())


def build_library(
    briefs: Iterable[Brief],
    terms: Iterable[Term],
    previous: Library | None = None,
    model: MeaningModel | None = None,
) -> Library:
    """Assemble a snapshot from already validated briefs and terms.

    Validation (unique ids, terms that resolve, ...) is the loader's job; this only
    orders and indexes. `previous`, the library served until now, only makes it
    faster: whatever was built from the very same Brief and Term objects (a reload
    hands those over for files that did not change) is reused or patched, and the
    answer is the same as without it. `model` embeds what briefs and terms mean
    (bot/search/meaning.py); only briefs and terms that are not the very same objects as
    in `previous` are embedded again. Without it, search goes by words alone.
    """
    briefs = tuple(briefs)
    ordered_terms = tuple(sorted(terms, key=lambda t: (t.key, t.term)))
    if previous is not None and _same_objects(previous.terms, ordered_terms):
        patched = _patched(previous, briefs, model)
        if patched is not None:
            return patched
        term_by_key, glossary_index = previous.term_by_key, previous.glossary_index
        term_finder, term_digest = previous.term_finder, previous.term_digest
        terms_by_key = previous.terms_by_key
    else:
        terms_by_key = MappingProxyType(_terms_by_key(ordered_terms))
        term_by_key = MappingProxyType(
            {key: found[0] for key, found in terms_by_key.items() if len(found) == 1}
        )
        glossary_index = build_glossary_index(ordered_terms)
        term_finder = build_term_finder(ordered_terms)
        term_digest = _term_digest(ordered_terms)
    # Newest first, then by id: a stable sort keeps the id order among equal dates.
    by_id_order = sorted(briefs, key=attrgetter("id"))
    ordered_briefs = tuple(sorted(by_id_order, key=attrgetter("date"), reverse=True))
    digests = {b.id: _digest_of_brief(b) for b in by_id_order}
    corpus = build_corpus_index(ordered_briefs, previous.corpus if previous else None)
    return Library(
        briefs=ordered_briefs,
        terms=ordered_terms,
        version=_version(digests, term_digest),
        by_id=MappingProxyType({b.id: b for b in ordered_briefs}),
        term_by_key=term_by_key,
        terms_by_key=terms_by_key,
        briefs_by_term=MappingProxyType(_briefs_by_term(ordered_briefs, term_by_key)),
        corpus=corpus,
        glossary_index=glossary_index,
        term_finder=term_finder,
        meaning=build_meaning_index(
            model, ordered_briefs, ordered_terms, previous.meaning if previous else None, corpus
        ),
        brief_digests=MappingProxyType(digests),
        term_digest=term_digest,
    )


def _version(brief_digests: Mapping[str, bytes], term_digest: bytes) -> str:
    sha = hashlib.sha256()
    sha.update(b"".join([brief_digests[key] for key in sorted(brief_digests)]))
    sha.update(term_digest)
    return sha.hexdigest()[:12]


def _term_digest(terms: Iterable[Term]) -> bytes:
    return b"".join(_digest_of_term(t) for t in sorted(terms, key=attrgetter("key")))


_MAX_PATCHED = 64
"""Reloads with more briefs changed than this build the maps again."""


def _patched(
    previous: Library, briefs: tuple[Brief, ...], model: MeaningModel | None
) -> Library | None:
    """`previous` with the briefs that are not the very same objects swapped, for a
    reload after a few edits with the glossary unchanged (None: build afresh)."""
    old_by_id = previous.by_id
    added = [b for b in briefs if old_by_id.get(b.id) is not b]
    if len(added) > _MAX_PATCHED or len(briefs) - len(added) + _MAX_PATCHED < len(old_by_id):
        return None
    new_by_id = {b.id: b for b in briefs}
    if len(new_by_id) != len(briefs):
        return None  # an id twice: only the loader's checks allow that, never patched
    removed = [b for b in previous.briefs if new_by_id.get(b.id) is not b]
    if not added and not removed and previous.meaning.model is model:
        return previous
    ordered = list(previous.briefs)
    for brief in removed:
        del ordered[bisect_left(ordered, _newest_first(brief), key=_newest_first)]
    for brief in added:
        insort(ordered, brief, key=_newest_first)
    ordered_briefs = tuple(ordered)
    digests = dict(previous.brief_digests)
    for brief in removed:
        del digests[brief.id]
    digests.update((b.id, _digest_of_brief(b)) for b in added)
    return Library(
        briefs=ordered_briefs,
        terms=previous.terms,
        version=_version(digests, previous.term_digest),
        by_id=MappingProxyType({b.id: b for b in ordered_briefs}),
        term_by_key=previous.term_by_key,
        terms_by_key=previous.terms_by_key,
        briefs_by_term=_patched_briefs_by_term(previous, removed, added),
        corpus=build_corpus_index(ordered_briefs, previous.corpus),
        glossary_index=previous.glossary_index,
        term_finder=previous.term_finder,
        meaning=build_meaning_index(model, ordered_briefs, previous.terms, previous.meaning),
        brief_digests=MappingProxyType(digests),
        term_digest=previous.term_digest,
    )


# Plain joins hash several times faster than JSON, which counts on a cold load of ten
# thousand briefs. Only text that itself holds these control characters could join
# into the same bytes as other text; the version tells deployments apart, it is no
# security boundary, so that is harmless.
_FIELD, _ITEM = "\x1f", "\x1e"


def _digest_of_brief(brief: Brief) -> bytes:
    source = brief.source
    text = _FIELD.join(
        (
            brief.id,
            brief.title,
            brief.date.isoformat(),
            brief.summary,
            _ITEM.join(brief.points),
            _ITEM.join(brief.terms),
            _ITEM.join(brief.tags),
            source.name if source else "",
            source.url if source else "",
            _ITEM.join(day.isoformat() for day in brief.featured_on),
            _ITEM.join(brief.related),
        )
    )
    return digest(text.encode())


def _digest_of_term(term: Term) -> bytes:
    text = _FIELD.join(
        (
            term.term,
            term.definition,
            _ITEM.join(term.aliases),
            _ITEM.join(term.see_also),
            # Only when set, so that terms without one keep their digests.
            *((term.context,) if term.context else ()),
        )
    )
    return digest(text.encode())


def _same_objects(a: tuple[object, ...], b: tuple[object, ...]) -> bool:
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


def _terms_by_key(terms: Iterable[Term]) -> dict[str, tuple[Term, ...]]:
    found: dict[str, list[Term]] = {}
    for term in terms:
        for name in (term.term, *term.aliases):
            named = found.setdefault(normalize_key(name), [])
            if term not in named:
                named.append(term)
    return {key: tuple(named) for key, named in found.items()}


def _canonical_terms(brief: Brief, term_by_key: Mapping[str, Term]) -> list[str]:
    found = (term_by_key.get(normalize_key(name)) for name in brief.terms)
    return [term.term for term in found if term is not None]


def _briefs_by_term(
    briefs: Iterable[Brief], term_by_key: Mapping[str, Term]
) -> dict[str, tuple[Brief, ...]]:
    grouped: dict[str, list[Brief]] = {}
    for brief in briefs:
        for name in _canonical_terms(brief, term_by_key):
            grouped.setdefault(name, []).append(brief)
    return {name: tuple(group) for name, group in grouped.items()}


def _newest_first(brief: Brief) -> tuple[int, str]:
    return (-brief.date.toordinal(), brief.id)


def _patched_briefs_by_term(
    previous: Library, removed: list[Brief], added: list[Brief]
) -> Mapping[str, tuple[Brief, ...]]:
    """`briefs_by_term` of `previous` with `removed` out and `added` in (same glossary)."""
    by_term = dict(previous.briefs_by_term)
    gone = {id(b) for b in removed}
    term_by_key = previous.term_by_key
    touched = {n for b in (*removed, *added) for n in _canonical_terms(b, term_by_key)}
    for name in touched:
        kept = [b for b in by_term.get(name, ()) if id(b) not in gone]
        kept += [b for b in added if name in _canonical_terms(b, term_by_key)]
        if kept:
            by_term[name] = tuple(sorted(kept, key=_newest_first))
        else:
            by_term.pop(name, None)
    return MappingProxyType(by_term)
