""" "Did you mean": the names close enough to what someone typed to be worth offering.

One policy for every place briefbot suggests a name (glossary terms for /define, brief
ids for /brief and `briefbot preview`, tags, field names and ids in content errors and
content/schedule.yml). It needs only the content model's folding (`normalize_key`), so
the content loader and search both use it without importing each other:

- names and the query are compared folded (case, accents, punctuation and spacing
  ignored), so "Export-Controls" is "export controls";
- a name scores the better of two rapidfuzz scores, 0-100: `fuzz.ratio` over the whole
  text (a typo or a plural costs a few points) and `fuzz.token_set_ratio` (a word left
  out or added costs nothing when every other word is there);
- names scoring at least `CUTOFF` are offered, best first, at most `limit` of them.

`CUTOFF` was tuned with `python -m bench.suggestions` (bench/README.md): on near misses
(one typo, a word left out, a plural) the right name is offered at least 95% of the
time, and on unrelated words nothing is offered at least 90% of the time.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence

from rapidfuzz import fuzz, process

from bot.model import normalize_key

CUTOFF = 80
"""Least score (0-100) of a name worth offering."""
LIMIT = 3
"""Most names offered at once."""
WORDS_WEIGHT = 0.9
"""Word-set and beginning similarity count this much: a word left out costs more than
a plural."""
MIN_WORD = 4
"""Shorter words of a longer query are not matched on their own."""
MIN_PREFIX = 6
"""The least a query must hold to be matched with the beginning of a longer name."""


def _score(
    query: Sequence[Hashable], name: Sequence[Hashable], *, score_cutoff: float | None = None
) -> float:
    """The best of whole-text, word-set and beginning similarity, 0-100.

    Typed as rapidfuzz calls a scorer; briefbot gives it folded names (str)."""
    whole = fuzz.ratio(query, name)
    if whole >= 100:
        return whole
    best = max(whole, WORDS_WEIGHT * fuzz.token_set_ratio(query, name))
    if len(query) >= MIN_PREFIX and len(name) > len(query):
        # The beginning of a long name, as people type ids: "ai-distilation".
        best = max(best, WORDS_WEIGHT * fuzz.ratio(query, name[: len(query)]))
    return best if best >= (score_cutoff or 0) else 0


def did_you_mean(
    query: str, names: Iterable[str], *, limit: int = LIMIT, cutoff: float = CUTOFF
) -> list[str]:
    """The names (as given) that `query` may have meant, best first; [] when none is close.

    A name equal to the query (folded) is not offered: it was not a miss.
    """
    key = normalize_key(query)
    if not key:
        return []
    by_key: dict[str, str] = {}
    for name in names:
        folded = normalize_key(name)
        if folded and folded != key:
            by_key.setdefault(folded, name)
    if not by_key:
        return []
    keys = list(by_key)
    found = process.extract(key, keys, scorer=_score, score_cutoff=cutoff, limit=None)
    words = [word for word in key.split() if len(word) >= MIN_WORD]
    if not found and len(words) > 1:
        # One mistyped word among others nothing resembles ("polcy xqzv"): that word.
        for word in words:
            found.extend(
                (folded, WORDS_WEIGHT * score, index)
                for folded, score, index in process.extract(
                    word, keys, scorer=fuzz.ratio, score_cutoff=cutoff / WORDS_WEIGHT, limit=None
                )
            )
    # Best score first; among equals, the name closest in length to what was typed.
    found.sort(key=lambda item: (-item[1], abs(len(item[0]) - len(key)), item[0]))
    names_found = dict.fromkeys(by_key[folded] for folded, _score_value, _ in found)
    return list(names_found)[: max(limit, 0)]


def unknown_tags(wanted: Iterable[str], known: Iterable[str]) -> list[tuple[str, list[str]]]:
    """Each tag of `wanted` that no brief carries (tags compare in lower case), with the
    content's tags it may have meant, best first.

    A tag that differs from a known one only in punctuation ("export_controls" for
    "export-controls") is offered first: `did_you_mean` folds punctuation away and would
    take it for the very name asked for.
    """
    by_lower = {tag.lower(): tag for tag in known}
    folded = {normalize_key(tag): tag.lower() for tag in by_lower}
    found: list[tuple[str, list[str]]] = []
    for tag in wanted:
        if tag.lower() in by_lower:
            continue
        same = folded.get(normalize_key(tag))
        offers = [same] if same else []
        offers += [name for name in did_you_mean(tag, by_lower) if name not in offers]
        found.append((tag, offers[:LIMIT]))
    return found
