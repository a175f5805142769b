"""One immutable snapshot of all content: briefs, glossary and the indexes over them.

A snapshot is built once per (re)load and never changed; requests hold on to the
snapshot they started with, so a reload can never show them half-new content.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left, insort
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import compress
from operator import attrgetter, is_not
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

    def forget(self, obj: object) -> None:
        entry = self._entries.get(id(obj))
        if entry is not None and entry[0] is obj:
            del self._entries[id(obj)]

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


@dataclass(frozen=True, slots=True, eq=False)
class _Built:
    """The last library built, with what it was built from, for patching on a reload."""

    library: Library
    briefs_in: tuple[Brief, ...]
    terms_in: object
    ids: list[str]
    """Every brief id, sorted (empty when an id appears twice: no patching then)."""
    digests: list[bytes]
    """The digest of each brief, in the order of `ids`."""
    term_digests: bytes


def build_library(briefs: Iterable[Brief], terms: Iterable[Term]) -> Library:
    """Assemble a snapshot from already validated briefs and terms.

    Validation (unique ids, terms that resolve, ...) is the loader's job; this only
    orders and indexes. When the glossary is the same as in the last library built,
    the term maps are patched for the briefs that changed instead of rebuilt, which
    keeps a reload after one edit fast at ten thousand briefs. When even the tuples
    handed in are the last ones with a few briefs swapped (as the loader hands them
    over after a file watcher named the changed files), the order and version are
    patched too.
    """
    global _last
    prev = _last
    # Only tuples: a list handed in again may have been changed in place since.
    if (
        prev is not None
        and briefs.__class__ is tuple
        and terms.__class__ is tuple
        and terms is prev.terms_in
    ):
        built = _patched(prev, briefs)  # type: ignore[arg-type]
        if built is not None:
            _last = built
            return built.library
    briefs = tuple(briefs)
    by_id_order = sorted(briefs, key=attrgetter("id"))
    # Newest first, then by id: a stable sort keeps the id order among equal dates.
    ordered_briefs = tuple(sorted(by_id_order, key=attrgetter("date"), reverse=True))
    ordered_terms = tuple(sorted(terms, key=lambda t: (t.key, t.term)))
    prev_library = prev.library if prev is not None else None
    if prev_library is not None and _same_objects(prev_library.terms, ordered_terms):
        term_by_key, glossary_index = prev_library.term_by_key, prev_library.glossary_index
        by_id, briefs_by_term = _patched_brief_maps(prev_library, ordered_briefs)
    else:
        term_by_key = MappingProxyType(_term_by_key(ordered_terms))
        glossary_index = build_glossary_index(ordered_terms)
        by_id = MappingProxyType({b.id: b for b in ordered_briefs})
        briefs_by_term = MappingProxyType(_briefs_by_term(ordered_briefs, term_by_key))
    digests = [_brief_digest(b) for b in by_id_order]
    term_digests = b"".join(_term_digest(t) for t in sorted(ordered_terms, key=attrgetter("key")))
    _brief_digest.retain(ordered_briefs)
    _term_digest.retain(ordered_terms)
    library = Library(
        briefs=ordered_briefs,
        terms=ordered_terms,
        version=_version(digests, term_digests),
        by_id=by_id,
        term_by_key=term_by_key,
        briefs_by_term=briefs_by_term,
        brief_index=build_brief_index(ordered_briefs),
        glossary_index=glossary_index,
        related_index=build_related_index(ordered_briefs),
    )
    unique = len(by_id) == len(briefs)
    ids = [b.id for b in by_id_order] if unique else []
    _last = _Built(library, briefs, terms, ids, digests if unique else [], term_digests)
    return library


def _version(brief_digests: list[bytes], term_digests: bytes) -> str:
    """What `content_version` gives, from the digests of the briefs in id order."""
    digest = hashlib.sha256()
    digest.update(b"".join(brief_digests))
    digest.update(term_digests)
    return digest.hexdigest()[:12]


# Reloads after more changes than this rebuild the maps: patching is for a few edits.
_MAX_PATCHED = 64


def _patched(prev: _Built, briefs: tuple[Brief, ...]) -> _Built | None:
    """`prev` with the briefs that differ from its input by position swapped, or None
    when it cannot be patched (other sizes, many changes, an id taken twice)."""
    old_in = prev.briefs_in
    if len(briefs) != len(old_in) or not prev.ids:
        return None
    # Which positions hold another object, compared in C rather than a Python loop.
    changed = list(compress(range(len(briefs)), map(is_not, old_in, briefs)))
    if len(changed) > _MAX_PATCHED:
        return None
    library = prev.library
    if not changed:
        built = _Built(library, briefs, prev.terms_in, prev.ids, prev.digests, prev.term_digests)
        return built
    removed = [old_in[i] for i in changed]
    added = [briefs[i] for i in changed]
    gone = {b.id for b in removed}
    added_ids = {b.id for b in added}
    if len(added_ids) != len(added) or any(
        b.id in library.by_id and b.id not in gone for b in added
    ):
        return None
    ordered = list(library.briefs)
    ids, digests = list(prev.ids), list(prev.digests)
    for brief in removed:
        at = bisect_left(ordered, _newest_first(brief), key=_newest_first)
        assert ordered[at] is brief
        del ordered[at]
        at = bisect_left(ids, brief.id)
        del ids[at], digests[at]
        _brief_digest.forget(brief)
    for brief in added:
        insort(ordered, brief, key=_newest_first)
        at = bisect_left(ids, brief.id)
        ids.insert(at, brief.id)
        digests.insert(at, _brief_digest(brief))
    ordered_briefs = tuple(ordered)
    by_id, briefs_by_term = _brief_maps_changed(library, removed, added)
    library = Library(
        briefs=ordered_briefs,
        terms=library.terms,
        version=_version(digests, prev.term_digests),
        by_id=by_id,
        term_by_key=library.term_by_key,
        briefs_by_term=briefs_by_term,
        brief_index=build_brief_index(ordered_briefs),
        glossary_index=library.glossary_index,
        related_index=build_related_index(ordered_briefs),
    )
    return _Built(library, briefs, prev.terms_in, ids, digests, prev.term_digests)


_last: _Built | None = None


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
    return _brief_maps_changed(prev, removed, added)


def _brief_maps_changed(
    prev: Library, removed: list[Brief], added: list[Brief]
) -> tuple[Mapping[str, Brief], Mapping[str, tuple[Brief, ...]]]:
    """`by_id` and `briefs_by_term` of `prev` with `removed` out and `added` in."""
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
