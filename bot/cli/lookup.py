"""`briefbot search|define|related|featured`: try the content the way Slack users will.

Each reads the content folder (`--content DIR`), answers in plain text on stdout and
exits 0; when nothing matches it says so on stderr, with suggestions, and exits 1.
Content with errors is reported like `briefbot validate` does, also with exit 1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import textwrap

from bot.cli import (
    Subparsers,
    add_command,
    add_content_option,
    date_argument,
    fail,
    number_argument,
    with_library,
)
from bot.content.library import Library
from bot.featured import pick_featured, waiting_for_their_day
from bot.model import Brief, Term
from bot.related import related_briefs
from bot.search.brief_index import brief_by_id, search_briefs
from bot.search.glossary_index import define
from bot.suggest import did_you_mean

WIDTH = 88


COUNT = number_argument("a count", 1, 1000)


def register(subparsers: Subparsers) -> None:
    search = add_command(subparsers, "search", with_library(run_search, meaning=True))
    search.add_argument("query", nargs="+", metavar="QUERY", help="words to search for")
    _add_limit_option(search)
    add_content_option(search)

    define_parser = add_command(subparsers, "define", with_library(run_define, meaning=True))
    define_parser.add_argument("term", nargs="+", metavar="TERM", help="the term to define")
    add_content_option(define_parser)

    related = add_command(subparsers, "related", with_library(run_related, meaning=True))
    related.add_argument("id", metavar="ID", help="the brief's id")
    _add_limit_option(related)
    add_content_option(related)

    featured = add_command(subparsers, "featured", with_library(run_featured))
    featured.add_argument(
        "date", nargs="?", type=date_argument, metavar="DATE", help="YYYY-MM-DD (default: today)"
    )
    add_content_option(featured)


def _add_limit_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--limit", type=COUNT, default=5, help="most briefs to list (default 5)")


def _wrap(text: str, indent: str = "  ") -> str:
    return textwrap.fill(
        " ".join(text.split()), WIDTH, initial_indent=indent, subsequent_indent=indent
    )


def _show_brief(brief: Brief) -> None:
    print(brief.title)
    print(f"  id: {brief.id} · {brief.date.isoformat()}")
    print(_wrap(brief.summary))
    for point in brief.points:
        print(_wrap(point, "    ").replace("    ", "  - ", 1))
    if brief.terms:
        print(f"  terms: {', '.join(brief.terms)}")
    if brief.tags:
        print(f"  tags: {', '.join(brief.tags)}")
    if brief.source is not None:
        print(f"  source: {brief.source.name} <{brief.source.url}>")


def run_search(args: argparse.Namespace, library: Library) -> int:
    """find briefs as /brief does (typos are fine)

    Search the briefs' titles, ids, terms, tags, summaries and points.
    """
    query = " ".join(args.query)
    exact = brief_by_id(library, query)
    if exact is not None:
        print("Exact id match:")
        _show_brief(exact)
        return 0
    found = search_briefs(library, query, limit=max(args.limit, 1))
    if not found.hits:
        return fail(f"No brief matches “{found.query}”.", found.suggestions)
    if found.is_ambiguous:
        print(f"Several briefs match “{found.query}”:")
    for rank, hit in enumerate(found.hits, 1):
        print(f"{rank}. [{hit.score:3d}] {hit.brief.title}")
        print(f"   {hit.brief.id} · {hit.brief.date.isoformat()} · matched in {hit.matched_in}")
    return 0


def _term_block(term: Term) -> None:
    print(term.label)
    print(_wrap(term.definition))
    if term.aliases:
        print(f"  also called: {', '.join(term.aliases)}")


def run_define(args: argparse.Namespace, library: Library) -> int:
    """look a term up in the glossary as /define does

    Define a glossary term by its name or an alias; typos are fine.
    """
    found = define(library, " ".join(args.term))
    if found.kind == "empty":
        return fail("Nothing to define: give a term, for example `briefbot define distillation`.")
    if found.meanings:
        print(f"“{found.matched_name}” has {len(found.meanings)} meanings:\n")
        for index, term in enumerate(found.meanings):
            if index:
                print()
            _term_block(term)
        return 0
    if found.term is None:
        names = [t.label for t in found.candidates]
        if found.kind == "ambiguous":
            return fail(f"“{found.query}” could mean several terms.", names)
        return fail(f"No glossary term matches “{found.query}”.", names)
    if found.kind == "alias":
        print(f"“{found.matched_name}” is another name for {found.term.term}.\n")
    elif found.kind in ("fuzzy", "meaning"):
        print(f"Closest match for “{found.query}”: {found.matched_name}\n")
    _term_block(found.term)
    if found.see_also:
        print(f"  see also: {', '.join(t.term for t in found.see_also)}")
    if found.used_by:
        print("  used in:")
        for brief in found.used_by[:10]:
            print(f"    - {brief.title} ({brief.id})")
        if len(found.used_by) > 10:
            print(f"    … and {len(found.used_by) - 10} more")
    return 0


def run_related(args: argparse.Namespace, library: Library) -> int:
    """list the briefs related to a brief

    List a brief's related briefs: hand-picked first, then the most similar.
    """
    brief = brief_by_id(library, args.id)
    if brief is None:
        return fail(f"No brief has the id “{args.id}”.", did_you_mean(args.id, library.by_id))
    related = related_briefs(library, brief.id, limit=max(args.limit, 1))
    print(f"Related to: {brief.title} ({brief.id})")
    if not related:
        print("  (no related briefs)")
    hand_picked = set(brief.related)
    for rank, other in enumerate(related, 1):
        why = " · hand-picked" if other.id in hand_picked else ""
        print(f"{rank}. {other.title}")
        print(f"   {other.id} · {other.date.isoformat()}{why}")
    return 0


def run_featured(args: argparse.Namespace, library: Library) -> int:
    """show which brief is featured on a date

    Show the brief featured on DATE (default: today) for content with no past picks: the
    brief pinned to the date with featured_on, else the newest brief.
    """
    day = args.date or dt.date.today()
    brief = pick_featured(library, day, {})
    if brief is None:
        return fail("There are no briefs to feature.")
    if day in brief.featured_on:
        why = "pinned with featured_on"
    elif brief.date <= day:
        why = "newest brief published by then"
    else:
        why = "nothing published by then; the next brief due"
    print(f"Featured on {day.isoformat()} ({why}):")
    _show_brief(brief)
    for newer in waiting_for_their_day(library, day, brief):
        pins = ", ".join(d.isoformat() for d in newer.featured_on if d > day)
        print(
            f"Not {newer.id} ({newer.date.isoformat()}), though newer: it is pinned to {pins} "
            "with featured_on, so it waits for that day."
        )
    return 0
