"""Frozen model objects for briefs and glossary terms.

Everything here is immutable so that one loaded snapshot can be shared by every
request and thread without locks; a reload builds a new snapshot and swaps it in.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

# Limits chosen so that every field fits Slack's Block Kit limits once rendered
# (header text 150, section text 3,000, context element 2,000, button text 75).
MAX_TITLE = 150
MAX_SUMMARY = 2900
MAX_POINT = 500
MAX_POINTS = 20
MAX_TERM = 75
MAX_CONTEXT = 60
"""A term's `context` ("export controls"): short enough to follow its name on a button."""
MAX_DEFINITION = 2900
MAX_TAG = 40
MAX_TAGS = 20
MAX_LIST = 50
MAX_SOURCE_NAME = 100
MAX_URL = 2000


@functools.lru_cache(maxsize=131_072)
def normalize_key(text: str) -> str:
    """Fold a term, alias or id for lookups: case, accents, punctuation and spacing.

    "Sparse Autoencoders", "sparse-autoencoders" and " SPARSE  autoencoders! " all give
    "sparse autoencoders".
    """
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[\W_]+", " ", text.casefold())
    return " ".join(text.split())


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a piece of content was written: the file and its 1-based line."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True, slots=True)
class Source:
    """The original story a brief summarises."""

    name: str
    url: str


@dataclass(frozen=True, slots=True)
class Brief:
    """One short news brief, as on the seed page: a title, a summary paragraph,
    "In brief" bullets, the glossary terms it uses and a link to the full story."""

    id: str
    title: str
    date: dt.date
    summary: str
    points: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    source: Source | None = None
    featured_on: tuple[dt.date, ...] = ()
    related: tuple[str, ...] = ()
    origin: Origin = field(default=Origin("", 0), compare=False)


@dataclass(frozen=True, slots=True)
class Term:
    """One glossary entry.

    `context` ("export controls") tells apart the terms that share an alias; names of
    terms are unique, an alias may name several terms.
    """

    term: str
    definition: str
    aliases: tuple[str, ...] = ()
    see_also: tuple[str, ...] = ()
    context: str = ""
    origin: Origin = field(default=Origin("", 0), compare=False)

    @property
    def key(self) -> str:
        return normalize_key(self.term)

    @property
    def label(self) -> str:
        """The term with its context, as lists show it: "RSP (procurement)"."""
        return f"{self.term} ({self.context})" if self.context else self.term


class ItemKind(StrEnum):
    """What people say was helpful or not: a brief (by id) or a glossary term (by name)."""

    BRIEF = "brief"
    TERM = "term"


class Vote(StrEnum):
    """One person's say on one brief or term: helpful (up) or not (down). The values
    are stored."""

    UP = "up"
    DOWN = "down"
