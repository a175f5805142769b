"""One immutable snapshot of all content: briefs, glossary and the indexes over them.

A snapshot is built once per (re)load and never changed; requests hold on to the
snapshot they started with, so a reload can never show them half-new content.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from bot.content.model import Brief, Term, normalize_key
from bot.related import RelatedIndex, build_related_index
from bot.search.brief_index import BriefIndex, build_brief_index
from bot.search.glossary_index import GlossaryIndex, build_glossary_index


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


def content_version(briefs: Iterable[Brief], terms: Iterable[Term]) -> str:
    """A stable 12-hex-digit hash of the content itself (not of file names or order)."""
    digest = hashlib.sha256()
    for brief in sorted(briefs, key=lambda b: b.id):
        digest.update(json.dumps(_brief_fields(brief), sort_keys=True, default=str).encode())
    for term in sorted(terms, key=lambda t: t.key):
        digest.update(
            json.dumps([term.term, term.definition, term.aliases, term.see_also]).encode()
        )
    return digest.hexdigest()[:12]


def _brief_fields(brief: Brief) -> list[object]:
    return [
        brief.id,
        brief.title,
        brief.date,
        brief.summary,
        brief.points,
        brief.terms,
        brief.tags,
        (brief.source.name, brief.source.url) if brief.source else None,
        brief.featured_on,
        brief.related,
    ]


def build_library(briefs: Iterable[Brief], terms: Iterable[Term]) -> Library:
    """Assemble a snapshot from already validated briefs and terms.

    Validation (unique ids, terms that resolve, ...) is the loader's job; this only
    orders and indexes.
    """
    ordered_briefs = tuple(sorted(briefs, key=lambda b: (-b.date.toordinal(), b.id)))
    ordered_terms = tuple(sorted(terms, key=lambda t: (t.key, t.term)))
    term_by_key: dict[str, Term] = {}
    for term in ordered_terms:
        for name in (term.term, *term.aliases):
            term_by_key.setdefault(normalize_key(name), term)
    briefs_by_term: dict[str, list[Brief]] = {}
    for brief in ordered_briefs:
        for name in brief.terms:
            term = term_by_key.get(normalize_key(name))
            if term is not None:
                briefs_by_term.setdefault(term.term, []).append(brief)
    return Library(
        briefs=ordered_briefs,
        terms=ordered_terms,
        version=content_version(ordered_briefs, ordered_terms),
        by_id=MappingProxyType({b.id: b for b in ordered_briefs}),
        term_by_key=MappingProxyType(term_by_key),
        briefs_by_term=MappingProxyType({k: tuple(v) for k, v in briefs_by_term.items()}),
        brief_index=build_brief_index(ordered_briefs),
        glossary_index=build_glossary_index(ordered_terms),
        related_index=build_related_index(ordered_briefs),
    )
