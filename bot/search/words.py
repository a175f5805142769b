"""Turning text into the words that search, define and related briefs compare.

Folding matches `normalize_key`: case, accents and punctuation are ignored, so
"Émergent-Misalignment" and "emergent misalignment" give the same words.
"""

from __future__ import annotations

import re
import unicodedata

_WORD_RE = re.compile(r"[^\W_]+")
# ASCII text: every character that is not a letter or digit becomes a space, so
# `split()` yields the words. Much faster than a regular expression over long text.
ASCII_SEPARATORS = str.maketrans(
    {chr(i): " " for i in range(128) if not chr(i).isalnum()}
    | {chr(i): chr(i).lower() for i in range(65, 91)}
)

MAX_QUERY_CHARS = 200
"""Queries are cut to this many characters: longer text is no search anyone types."""

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers him his how i if in into is it its
    itself just me more most my no nor not now of off on once only or other our ours out over
    own same she should so some such than that the their theirs them then there these they
    this those through to too under until up very was we were what when where which while who
    whom why will with would you your yours""".split()  # noqa: SIM905 (reads better as text)
)
"""Words too common to tell briefs apart; they are neither indexed nor searched for."""


SHORT_OR_STOP = STOPWORDS | frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


def fold(text: str) -> str:
    """Lower-case `text` and strip accents, leaving letters, digits and everything else."""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()


def all_words(text: str) -> list[str]:
    """Every word of `text`, folded, in order (stopwords included)."""
    if text.isascii():
        return text.translate(ASCII_SEPARATORS).split()
    return _WORD_RE.findall(fold(text))


def words(text: str) -> list[str]:
    """The words of `text` worth indexing: folded, at least two characters, no stopwords."""
    return [w for w in all_words(text) if len(w) > 1 and w not in STOPWORDS]


def query_words(query: str, limit: int = 16) -> list[str]:
    """The distinct search words of a query, in order, at most `limit` of them.

    A query made only of stopwords keeps them, so that it can still be answered
    with suggestions instead of silently matching nothing.
    """
    raw = all_words(query[:MAX_QUERY_CHARS])
    kept = [w for w in raw if len(w) > 1 and w not in STOPWORDS] or [w for w in raw if len(w) > 1]
    return list(dict.fromkeys(kept))[:limit]


def word_set(text: str) -> frozenset[str]:
    """The distinct words of `text` worth indexing (same words as `words`, as a set)."""
    if text.isascii():
        return frozenset(text.translate(ASCII_SEPARATORS).split()) - SHORT_OR_STOP
    return frozenset(w for w in all_words(text) if len(w) > 1) - STOPWORDS


def folded_phrase(text: str) -> str:
    """`text` as its words joined by single spaces, for whole-string fuzzy comparisons."""
    if text.isascii():
        return " ".join(text.translate(ASCII_SEPARATORS).split())
    return " ".join(all_words(text))
