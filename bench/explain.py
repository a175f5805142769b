"""Explain terms: finding every glossary term in a 4,000-character message.

    python -m bench explain --briefs 200     # a 2,000-term glossary, little else needed

Messages are made of the library's own brief text with terms and aliases mixed in
(about one word in twenty), and Slack's markup as people write it: code spans, links
with labels, mentions. Each is read as the shortcut reads it (`message_prose`) and
searched with the snapshot's finder (`find_terms`). Baselines, same run, same messages:
a plain loop over every name with a compiled regular expression each, and one compiled
regular expression with every name in a longest-first alternation (the alternative to
an Aho-Corasick automaton the matcher was chosen against).
"""

from __future__ import annotations

import random
import re
import time

from bench.measure import Report, latencies, median, ms, p95
from bot.content.library import Library
from bot.model import normalize_key
from bot.search.term_finder import build_term_finder, find_terms
from bot.search.words import all_words
from bot.slack.message_text import message_prose

MESSAGE_CHARS = 4000
TARGET_S = 0.002
SEED = 20261130


def _messages(library: Library, count: int) -> list[dict[str, str]]:
    rng = random.Random(SEED)
    words = " ".join(b.summary for b in library.briefs[:500]).split()
    names = [name for t in library.terms for name in (t.term, *t.aliases)]
    markup = ["`code here`", "<https://example.org/a-b|a link label>", "<@U0BOB>", "<!here>"]
    out = []
    for _ in range(count):
        parts: list[str] = []
        size = 0
        while size < MESSAGE_CHARS:
            roll = rng.random()
            piece = (
                rng.choice(names)
                if roll < 0.05
                else rng.choice(markup)
                if roll < 0.06
                else rng.choice(words)
            )
            parts.append(piece)
            size += len(piece) + 1
        out.append({"type": "message", "text": " ".join(parts)[:MESSAGE_CHARS]})
    return out


def bench_explain(library: Library, report: Report, messages: int = 300) -> None:
    keys = sorted(
        {normalize_key(n) for t in library.terms for n in (t.term, *t.aliases)} - {""},
        key=len,
        reverse=True,
    )
    print(f"explain: {len(library.terms)} terms, {len(keys)} names, {messages} messages")
    sample = _messages(library, messages)
    finder = library.term_finder

    def explain(message: object) -> object:
        return find_terms(finder, message_prose(message))  # type: ignore[arg-type]

    times = latencies(explain, sample)
    found = [len(find_terms(finder, message_prose(m))) for m in sample]
    took = time.perf_counter()
    build_term_finder(library.terms)
    built = time.perf_counter() - took

    patterns = [re.compile(rf"(?<![^ ]){re.escape(k)}(?![^ ])") for k in keys]

    def loop(message: object) -> object:
        folded = [" ".join(all_words(s)) for s in message_prose(message)]  # type: ignore[arg-type]
        return [k for k, p in zip(keys, patterns, strict=True) if any(p.search(f) for f in folded)]

    alternation = re.compile(r"(?<![^ ])(?:" + "|".join(map(re.escape, keys)) + r")(?![^ ])")

    def one_regex(message: object) -> object:
        return [
            m.group()
            for s in message_prose(message)  # type: ignore[arg-type]
            for m in alternation.finditer(" ".join(all_words(s)))
        ]

    loop_times = latencies(loop, sample[:30])
    regex_times = latencies(one_regex, sample[:30])
    report.add(
        "explain median / p95, 4,000-character message",
        f"{ms(median(times))} / {ms(p95(times))} ({sum(found) / len(found):.0f} terms found each)",
        "median < 2 ms",
        median(times) < TARGET_S,
    )
    report.add("explain: building the finder (once per glossary)", ms(built))
    report.add(
        "explain baseline: a regular expression per name, in a loop",
        f"{ms(median(loop_times))} median (30 messages) = "
        f"{median(loop_times) / median(times):.0f}x the finder",
    )
    report.add(
        "explain alternative: one regular expression, longest names first",
        f"{ms(median(regex_times))} median (30 messages) = "
        f"{median(regex_times) / median(times):.0f}x the finder",
    )
