"""How well "did you mean" guesses: near misses get the right answer, unrelated words none.

    python -m bench.suggestions            # the shipped content and a generated glossary
    python -m bench suggestions --dir DIR  # the same, with the benchmark library in DIR

Two sets of queries, each asked the way people ask, through the same functions the
bot answers with:

- near misses: a glossary term or brief id with one typo, a word left out, or a plural
  (or singular) where the name has the other. Built from the content itself, so the
  sets follow it. A term counts as offered when `/define` answers with it or lists it
  under "Did you mean"; a brief when `/brief` shows it (its one answer, or in its list
  of close matches) or suggests it; an id when `/brief preview` (and `briefbot
  preview`) suggests it. Target: at least 95%.
- unrelated words (`UNRELATED`): words and phrases that appear nowhere in the content.
  Nothing must be offered: no definition and no "did you mean" from /define, no
  suggestion from /brief or preview. Target: at least 90%. (/brief's search is typo
  tolerant and may still find a brief for an unrelated word, through a word two
  letters away in a summary; that share is printed too, but it is search ranking, not
  "did you mean", and is not counted.)
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bench.generate import generate
from bench.measure import Report
from bot.content.library import Library
from bot.content.loader import load_library
from bot.model import normalize_key
from bot.search.brief_index import search_briefs
from bot.search.glossary_index import define
from bot.suggest import did_you_mean

SHIPPED = Path(__file__).resolve().parent.parent / "content"
SEED = 20261129
NEAR_MISS_TARGET = 95.0
UNRELATED_TARGET = 90.0

UNRELATED = [
    "nonexistentword",
    "some-brief-id",
    "banana",
    "pancake",
    "recipe",
    "guitar",
    "lessons",
    "volcano",
    "umbrella",
    "dinosaur",
    "marathon",
    "knitting",
    "sunflower",
    "submarine",
    "lighthouse",
    "carpet",
    "cleaning",
    "chocolate",
    "cake",
    "bicycle",
    "repair",
    "football",
    "scores",
    "weather",
    "tomorrow",
    "parking",
    "ticket",
    "birthday",
    "party",
    "holiday",
    "photos",
    "coffee",
    "machine",
    "garden",
    "hose",
    "piano",
    "tuning",
    "yoga",
    "class",
    "wedding",
    "dress",
    "mountain",
    "hiking",
    "ice",
    "cream",
    "cat",
    "food",
    "dentist",
    "appointment",
    "pizza",
    "delivery",
    "tennis",
    "racket",
    "swimming",
    "pool",
    "violin",
    "kangaroo",
    "hamburger",
    "spaghetti",
    "trampoline",
    "crossword",
    "puzzle",
]
"""Single words and pairs (see `_unrelated`); none is in the shipped content."""


def _unrelated() -> list[str]:
    words = UNRELATED
    singles = words[:24]
    pairs = [f"{a} {b}" for a, b in zip(words[24::2], words[25::2], strict=False)]
    return singles + pairs


def typo(rng: random.Random, word: str) -> str:
    """`word` with one edit: a letter dropped, added, changed or two neighbours swapped."""
    i = rng.randrange(1, len(word) - 1)  # not the first letter: people rarely miss that
    letter = rng.choice("abcdefghijklmnopqrstuvwxyz")
    kind = rng.choice(("drop", "add", "change", "swap"))
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "add":
        return word[:i] + letter + word[i:]
    if kind == "change":
        return word[:i] + letter + word[i + 1 :]
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def near_misses(rng: random.Random, name: str, sep: str) -> list[tuple[str, str]]:
    """(kind, query) near misses of `name`, whose words are joined by `sep`."""
    words = name.split(sep)
    out: list[tuple[str, str]] = []
    long_words = [i for i, w in enumerate(words) if len(w) >= 4]
    if long_words:
        i = rng.choice(long_words)
        out.append(("typo", sep.join([*words[:i], typo(rng, words[i]), *words[i + 1 :]])))
    if len(words) >= 3 or (len(words) == 2 and all(len(w) >= 4 for w in words)):
        i = rng.randrange(len(words))
        out.append(("missing word", sep.join(words[:i] + words[i + 1 :])))
    last = words[-1]
    if len(last) >= 4 and last.isalpha():
        other = last[:-1] if last.endswith("s") else last + "s"
        out.append(("plural", sep.join([*words[:-1], other])))
    return out


@dataclass
class Tally:
    asked: int = 0
    right: int = 0
    misses: list[str] | None = None

    def add(self, ok: bool, query: str) -> None:
        self.asked += 1
        self.right += ok
        if not ok:
            self.misses = [*(self.misses or []), query]

    @property
    def share(self) -> float:
        return 100.0 * self.right / max(self.asked, 1)


def term_offered(library: Library, query: str, term: str) -> bool:
    found = define(library, query)
    if found.term is not None:
        return found.term.term == term
    return term in [t.term for t in found.candidates]


def nothing_defined(library: Library, query: str) -> bool:
    found = define(library, query)
    return found.term is None and not found.candidates


def brief_offered(library: Library, query: str, brief_id: str) -> bool:
    found = search_briefs(library, query)
    if not found.hits:
        brief = library.by_id[brief_id]
        return brief_id in found.suggestions or brief.title in found.suggestions
    shown = found.hits[:5] if found.is_ambiguous else found.hits[:1]
    return brief_id in [hit.brief.id for hit in shown]


def nothing_suggested(library: Library, query: str) -> bool:
    """No "did you mean" for `query`. (A brief the search itself finds through its
    typo tolerance is a search result, not a suggestion; `search_hits` counts those.)"""
    return not search_briefs(library, query).suggestions


def search_hits(library: Library, query: str) -> bool:
    return bool(search_briefs(library, query).hits)


def id_offered(library: Library, query: str, brief_id: str) -> bool:
    return brief_id in did_you_mean(query, library.by_id)


def no_id_offered(library: Library, query: str) -> bool:
    return not did_you_mean(query, library.by_id)


def _sample(items: Iterable[str], n: int, rng: random.Random) -> list[str]:
    items = sorted(items)
    return items if len(items) <= n else rng.sample(items, n)


def measure(library: Library, label: str, report: Report, per_set: int = 40) -> tuple[Tally, Tally]:
    """Near-miss and unrelated figures on `library`, each row added to `report`."""
    rng = random.Random(SEED)
    known = {normalize_key(n) for t in library.terms for n in (t.term, *t.aliases)}
    near, unrelated = Tally(), Tally()

    terms_near, terms_far = Tally(), Tally()
    for term in _sample((t.term for t in library.terms), per_set, rng):
        for _kind, query in near_misses(rng, term, " "):
            if normalize_key(query) in known:
                continue  # another term's name: not a near miss
            terms_near.add(term_offered(library, query, term), f"{query!r} -> {term}")
    briefs_near, briefs_far, found_anyway = Tally(), Tally(), Tally()
    ids_near, ids_far = Tally(), Tally()
    for brief_id in _sample(library.by_id, per_set, rng):
        for _kind, query in near_misses(rng, brief_id, "-"):
            if query in library.by_id:
                continue
            briefs_near.add(brief_offered(library, query, brief_id), f"{query!r} -> {brief_id}")
            ids_near.add(id_offered(library, query, brief_id), f"{query!r} -> {brief_id}")
    for query in _unrelated():
        terms_far.add(nothing_defined(library, query), repr(query))
        briefs_far.add(nothing_suggested(library, query), repr(query))
        found_anyway.add(not search_hits(library, query), repr(query))
        ids_far.add(no_id_offered(library, query), repr(query))
    for what, good, bad in (
        ("/define", terms_near, terms_far),
        ("/brief", briefs_near, briefs_far),
        ("preview id", ids_near, ids_far),
    ):
        near.asked += good.asked
        near.right += good.right
        unrelated.asked += bad.asked
        unrelated.right += bad.right
        report.add(
            f"{label}: {what} near misses, right one offered",
            f"{good.share:.1f}% ({good.right}/{good.asked})",
        )
        report.add(
            f"{label}: {what} unrelated words, nothing offered",
            f"{bad.share:.1f}% ({bad.right}/{bad.asked})",
        )
        for miss in (good.misses or [])[:5]:
            print(f"  {label} {what} near miss not offered: {miss}")
        for miss in (bad.misses or [])[:5]:
            print(f"  {label} {what} unrelated but offered something: {miss}")
    report.add(
        f"{label}: (not counted) unrelated words for which /brief's search finds no brief",
        f"{found_anyway.share:.1f}% ({found_anyway.right}/{found_anyway.asked})",
    )
    return near, unrelated


def bench_suggestions(generated: Path | None, report: Report) -> None:
    """Both figures over the shipped content and a generated library (`generated`, or a
    small one made here), with a target row for each."""
    near, unrelated = measure(load_library(SHIPPED), "shipped", report)
    temporary = None
    if generated is None:
        temporary = tempfile.mkdtemp(prefix="briefbot-suggest-")
        generated = Path(temporary) / "content"
        generate(generated, 300, 2_000)
    try:
        more_near, more_unrelated = measure(load_library(generated), "generated", report)
    finally:
        if temporary:
            shutil.rmtree(temporary, ignore_errors=True)
    near_share = 100.0 * (near.right + more_near.right) / (near.asked + more_near.asked)
    far_share = (
        100.0 * (unrelated.right + more_unrelated.right) / (unrelated.asked + more_unrelated.asked)
    )
    report.add(
        "near misses: the right term or brief offered",
        f"{near_share:.1f}% of {near.asked + more_near.asked}",
        f">= {NEAR_MISS_TARGET:.0f}%",
        near_share >= NEAR_MISS_TARGET,
    )
    report.add(
        "unrelated words: nothing offered",
        f"{far_share:.1f}% of {unrelated.asked + more_unrelated.asked}",
        f">= {UNRELATED_TARGET:.0f}%",
        far_share >= UNRELATED_TARGET,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.suggestions", description=__doc__)
    parser.add_argument("--dir", help="a generated benchmark library (default: make a small one)")
    args = parser.parse_args(argv)
    report = Report()
    bench_suggestions(Path(args.dir) if args.dir else None, report)
    print()
    print(report.table())
    return 1 if any(row[3] == "MISSED" for row in report.rows) else 0


if __name__ == "__main__":
    sys.exit(main())
