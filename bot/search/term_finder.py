"""Finding glossary terms in running text, for "Explain terms" on a message.

Names are compared as `/define` compares them: folded (case, accents) and as words, so
punctuation and spacing do not matter and "sae" is not found inside "saeculum". Where
names overlap, the one that starts first wins, and of those the longest ("sparse
autoencoder" rather than "autoencoder").

One Aho-Corasick automaton (ahocorasick-rs) holds every term and alias of a snapshot:
it finds them all in one pass over the text, whatever the size of the glossary
(bench/explain.py measures it against a regular expression per term). It is built once
per glossary, with the snapshot, by `build_term_finder`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ahocorasick_rs import AhoCorasick, MatchKind

from bot.model import Term, normalize_key
from bot.search.words import all_words

MAX_TEXT = 40_000
"""Characters of a message read at most: Slack cuts a message's text at 40,000."""


@dataclass(frozen=True, slots=True)
class TermMatch:
    """One term found in a text, and the name (term or alias) it was found by."""

    term: Term
    name: str
    """The term or alias as the glossary writes it."""

    @property
    def by_alias(self) -> bool:
        return normalize_key(self.name) != self.term.key


@dataclass(frozen=True, slots=True, eq=False)
class TermFinder:
    """Every name of the glossary, folded, in an automaton; build with `build_term_finder`."""

    automaton: AhoCorasick | None
    """None for a glossary without names."""
    named: tuple[tuple[TermMatch, ...], ...]
    """For each pattern of the automaton, the terms its name names (one today; an alias
    that names several terms gives each of them), in glossary order."""


def _pattern(key: str) -> str:
    # Every word of the text is written with a space on each side ("␣a␣␣b␣"), so a
    # name matches whole words only, and two names side by side are both found.
    return " " + key.replace(" ", "  ") + " "


def build_term_finder(terms: Iterable[Term]) -> TermFinder:
    """The finder for a glossary: each distinct folded name, with the terms it names."""
    by_key: dict[str, list[TermMatch]] = {}
    for term in terms:
        for name in (term.term, *term.aliases):
            key = normalize_key(name)
            if not key:
                continue
            found = by_key.setdefault(key, [])
            if all(match.term is not term for match in found):
                found.append(TermMatch(term, name))
    if not by_key:
        return TermFinder(None, ())
    keys = list(by_key)
    automaton = AhoCorasick([_pattern(key) for key in keys], matchkind=MatchKind.LeftmostLongest)
    return TermFinder(automaton, tuple(tuple(by_key[key]) for key in keys))


def find_terms(finder: TermFinder, texts: Iterable[str]) -> tuple[TermMatch, ...]:
    """Every term named in `texts`, each once, in order of first appearance.

    Each text is a stretch of prose on its own: no name is found across two of them
    (the caller splits where code, a link or a mention was left out).
    """
    if finder.automaton is None:
        return ()
    parts: list[str] = []
    budget = MAX_TEXT
    for text in texts:
        if budget <= 0:
            break
        text = text[:budget]
        budget -= len(text)
        words = all_words(text)
        parts.append(" " + "  ".join(words) + " " if words else "")
    haystack = "\n".join(parts)
    seen: set[str] = set()
    found: list[TermMatch] = []
    for pattern, _start, _end in finder.automaton.find_matches_as_indexes(haystack):
        for match in finder.named[pattern]:
            if match.term.term not in seen:
                seen.add(match.term.term)
                found.append(match)
    return tuple(found)


def named_terms(terms: Iterable[Term], pairs: Iterable[tuple[str, str]]) -> tuple[TermMatch, ...]:
    """The matches (term name, name found by) that a finder gave earlier, found again in
    `terms`; terms no longer in the glossary are left out."""
    by_name = {term.term: term for term in terms}
    return tuple(TermMatch(by_name[term], name or term) for term, name in pairs if term in by_name)
