"""What searching needs of a content snapshot.

`bot.content.library.Library` is one: the library imports the indexes it holds from
here (bot/search/corpus.py, bot/search/term_index.py), so the searches take the
snapshot by its shape rather than import the library back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from bot.model import Brief, Term
from bot.search.corpus import CorpusIndex
from bot.search.meaning import MeaningIndex
from bot.search.term_index import GlossaryIndex


class Snapshot(Protocol):
    """Briefs and terms with their lookup maps and indexes, as of one load."""

    @property
    def briefs(self) -> tuple[Brief, ...]: ...
    @property
    def terms(self) -> tuple[Term, ...]: ...
    @property
    def by_id(self) -> Mapping[str, Brief]: ...
    @property
    def term_by_key(self) -> Mapping[str, Term]: ...
    @property
    def terms_by_key(self) -> Mapping[str, tuple[Term, ...]]: ...
    @property
    def briefs_by_term(self) -> Mapping[str, tuple[Brief, ...]]: ...
    @property
    def corpus(self) -> CorpusIndex: ...
    @property
    def glossary_index(self) -> GlossaryIndex: ...
    @property
    def meaning(self) -> MeaningIndex: ...
    def resolve_term(self, name: str) -> Term | None: ...
    def meanings(self, name: str) -> tuple[Term, ...]: ...
