"""The glossary's terms and aliases by folded name, their words and the words' vocabulary:
what `define` (bot/search/glossary_index.py) looks names up in."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from bot.model import Term, normalize_key
from bot.search.fuzzy import Vocabulary, make_vocabulary


@dataclass(frozen=True, slots=True, eq=False)
class GlossaryIndex:
    """Every term and alias by its folded key, its words, and the words' vocabulary."""

    terms: tuple[Term, ...]
    keys: tuple[str, ...]
    """normalize_key of every term and alias, each once."""
    names: tuple[str, ...]
    """The same names as the glossary writes them (parallel to `keys`)."""
    owners: tuple[Term, ...]
    """The first term each key names (parallel to `keys`)."""
    meanings: tuple[tuple[Term, ...], ...]
    """Every term each key names: one, or several for a shared alias (parallel to `keys`)."""
    key_words: tuple[frozenset[str], ...]
    """The words of each key (parallel to `keys`)."""
    keys_with_word: Mapping[str, tuple[int, ...]]
    """Word -> positions in `keys` of the names that contain it."""
    vocabulary: Vocabulary


def build_glossary_index(terms: tuple[Term, ...]) -> GlossaryIndex:
    """Index the glossary's terms and aliases for `define`."""
    terms = tuple(terms)
    keys: list[str] = []
    names: list[str] = []
    owners: list[Term] = []
    meanings: list[list[Term]] = []
    position_of: dict[str, int] = {}
    for term in terms:
        for name in (term.term, *term.aliases):
            key = normalize_key(name)
            if not key:
                continue
            position = position_of.get(key)
            if position is None:
                position_of[key] = len(keys)
                keys.append(key)
                names.append(name)
                owners.append(term)
                meanings.append([term])
            elif all(other is not term for other in meanings[position]):
                meanings[position].append(term)
    key_words = tuple(frozenset(key.split()) for key in keys)
    with_word: defaultdict[str, list[int]] = defaultdict(list)
    for position, found in enumerate(key_words):
        for word in found:
            with_word[word].append(position)
    return GlossaryIndex(
        terms=terms,
        keys=tuple(keys),
        names=tuple(names),
        owners=tuple(owners),
        meanings=tuple(tuple(found) for found in meanings),
        key_words=key_words,
        keys_with_word={w: tuple(p) for w, p in with_word.items()},
        vocabulary=make_vocabulary(with_word),
    )
