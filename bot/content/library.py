"""One immutable snapshot of all content: briefs, glossary and the indexes over them.

A snapshot is built once per (re)load and never changed; requests hold on to the
snapshot they started with, so a reload can never show them half-new content.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from bot.content.model import Brief, Term, normalize_key
from bot.related import RelatedIndex, build_related_index
from bot.search.brief_index import BriefIndex, build_brief_index
from bot.search.glossary_index import GlossaryIndex, build_glossary_index

T = TypeVar("T")


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
    """`normalize_key` of every term and alias -> its term."""
    briefs_by_term: Mapping[str, tuple[Brief, ...]]
    """Canonical term (`Term.term`) -> the briefs that list it, newest first."""
    brief_index: BriefIndex
    glossary_index: GlossaryIndex
    related_index: RelatedIndex

    def resolve_term(self, name: str) -> Term | None:
        """The term that `name` names exactly, by term or alias, ignoring case and punctuation."""
        return self.term_by_key.get(normalize_key(name))


class _PerObject(Generic[T]):
    """One computed value per object, found by the object's identity.

    A reload keeps every Brief and Term object whose file did not change, so only the
    edited ones miss. Entries hold their object, so an id is never reused while cached;
    `retain` drops the objects no longer in the library.
    """

    def __init__(self, compute: Callable[[Any], T]) -> None:
        self._compute = compute
        self._entries: dict[int, tuple[object, T]] = {}

    def __call__(self, obj: object) -> T:
        entry = self._entries.get(id(obj))
        if entry is None or entry[0] is not obj:
            entry = (obj, self._compute(obj))
            self._entries[id(obj)] = entry
        return entry[1]

    def retain(self, objects: Iterable[object]) -> None:
        keep = {id(obj) for obj in objects}
        self._entries = {key: entry for key, entry in self._entries.items() if key in keep}


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
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


def _digest_of_term(term: Term) -> bytes:
    text = _FIELD.join(
        (term.term, term.definition, _ITEM.join(term.aliases), _ITEM.join(term.see_also))
    )
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


_brief_digest = _PerObject(_digest_of_brief)
_term_digest = _PerObject(_digest_of_term)


def content_version(briefs: Iterable[Brief], terms: Iterable[Term]) -> str:
    """A stable 12-hex-digit hash of the content itself (not of file names or order)."""
    digest = hashlib.sha256()
    digest.update(b"".join(_brief_digest(b) for b in sorted(briefs, key=attrgetter("id"))))
    digest.update(b"".join(_term_digest(t) for t in sorted(terms, key=attrgetter("key"))))
    return digest.hexdigest()[:12]


def build_library(briefs: Iterable[Brief], terms: Iterable[Term]) -> Library:
    """Assemble a snapshot from already validated briefs and terms.

    Validation (unique ids, terms that resolve, ...) is the loader's job; this only
    orders and indexes. When the glossary is the same as in the last library built,
    the term maps are patched for the briefs that changed instead of rebuilt, which
    keeps a reload after one edit fast at ten thousand briefs.
    """
    global _last
    by_id_order = sorted(briefs, key=attrgetter("id"))
    # Newest first, then by id: a stable sort keeps the id order among equal dates.
    ordered_briefs = tuple(sorted(by_id_order, key=attrgetter("date"), reverse=True))
    ordered_terms = tuple(sorted(terms, key=lambda t: (t.key, t.term)))
    prev = _last
    if prev is not None and _same_objects(prev.terms, ordered_terms):
        term_by_key, glossary_index = prev.term_by_key, prev.glossary_index
        by_id, briefs_by_term = _patched_brief_maps(prev, ordered_briefs)
    else:
        term_by_key = MappingProxyType(_term_by_key(ordered_terms))
        glossary_index = build_glossary_index(ordered_terms)
        by_id = MappingProxyType({b.id: b for b in ordered_briefs})
        briefs_by_term = MappingProxyType(_briefs_by_term(ordered_briefs, term_by_key))
    version = content_version(by_id_order, ordered_terms)
    _brief_digest.retain(ordered_briefs)
    _term_digest.retain(ordered_terms)
    library = Library(
        briefs=ordered_briefs,
        terms=ordered_terms,
        version=version,
        by_id=by_id,
        term_by_key=term_by_key,
        briefs_by_term=briefs_by_term,
        brief_index=build_brief_index(ordered_briefs),
        glossary_index=glossary_index,
        related_index=build_related_index(ordered_briefs),
    )
    _last = library
    return library


_last: Library | None = None


def _same_objects(a: Sequence[object], b: Sequence[object]) -> bool:
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


def _term_by_key(terms: Iterable[Term]) -> dict[str, Term]:
    term_by_key: dict[str, Term] = {}
    for term in terms:
        for name in (term.term, *term.aliases):
            term_by_key.setdefault(normalize_key(name), term)
    return term_by_key


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


def _patched_brief_maps(
    prev: Library, briefs: tuple[Brief, ...]
) -> tuple[Mapping[str, Brief], Mapping[str, tuple[Brief, ...]]]:
    """`by_id` and `briefs_by_term` of `prev`, updated for the briefs added or removed."""
    new_ids = {id(b) for b in briefs}
    old_ids = {id(b) for b in prev.briefs}
    removed = [b for b in prev.briefs if id(b) not in new_ids]
    added = [b for b in briefs if id(b) not in old_ids]
    if not removed and not added:
        return prev.by_id, prev.briefs_by_term
    by_id = dict(prev.by_id)
    for brief in removed:
        if by_id.get(brief.id) is brief:
            del by_id[brief.id]
    by_id.update((brief.id, brief) for brief in added)
    by_term = dict(prev.briefs_by_term)
    gone = {id(b) for b in removed}
    touched = {n for b in (*removed, *added) for n in _canonical_terms(b, prev.term_by_key)}
    for name in touched:
        kept = [b for b in by_term.get(name, ()) if id(b) not in gone]
        kept += [b for b in added if name in _canonical_terms(b, prev.term_by_key)]
        if kept:
            by_term[name] = tuple(sorted(kept, key=_newest_first))
        else:
            by_term.pop(name, None)
    return MappingProxyType(by_id), MappingProxyType(by_term)
