"""Checks that need more than one file: unique ids and names, references that resolve,
one brief per pinned date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.content.errors import ContentError, display_path
from bot.content.fields import Ref
from bot.content.parse import BriefEntry, TermEntry, Unread
from bot.suggest import did_you_mean


def _where(path: str, line: int) -> str:
    return f"{display_path(path)}:{line}"


def check_across_files(
    briefs: Sequence[BriefEntry], terms: Sequence[TermEntry], unread: Sequence[Unread] = ()
) -> list[ContentError]:
    """Everything that needs more than one file: uniqueness and references.

    A name that does not resolve is not reported when a file that could not be read
    (`unread`) may define it: that file's own error already says it was not read, and
    the name may well be fine once it is fixed.
    """
    errors: list[ContentError] = []
    add = errors.append
    unread_glossary = [file for file in unread if file.kind == "glossary"]
    unread_briefs = [file for file in unread if file.kind == "brief"]

    def unknown_term(key: str) -> bool:
        return key not in owner and not any(f.may_define(key) for f in unread_glossary)

    def unknown_id(key: str) -> bool:
        return key not in by_id and not any(f.may_define(key) for f in unread_briefs)

    # Glossary: every term and alias names exactly one entry.
    owner: dict[str, tuple[TermEntry, Ref]] = {}
    for entry in terms:
        if entry.name is None:
            continue
        for ref, what in ((entry.name, "term"), *((alias, "alias") for alias in entry.aliases)):
            field = "term" if what == "term" else "aliases"
            taken = owner.get(ref.key)
            if taken is None:
                owner[ref.key] = (entry, ref)
            elif taken[0] is entry:
                add(
                    ContentError(
                        entry.path,
                        ref.line,
                        field,
                        f"alias '{ref.text}' repeats the term '{entry.name.text}' itself",
                    )
                )
            else:
                other, other_ref = taken
                assert other.name is not None
                add(
                    ContentError(
                        entry.path,
                        ref.line,
                        field,
                        f"duplicate {what} '{ref.text}': '{other_ref.text}' is already in the "
                        f"glossary (entry '{other.name.text}', "
                        f"{_where(other.path, other_ref.line)})",
                    )
                )
    term_names = {key: ref.text for key, (_, ref) in owner.items()}
    for entry in terms:
        for ref in entry.see_also:
            target = owner.get(ref.key)
            if target is None:
                if not unknown_term(ref.key):
                    continue
                add(
                    ContentError(
                        entry.path,
                        ref.line,
                        "see_also",
                        f"'see_also' names '{ref.text}', which is not in the glossary"
                        f"{_closest(ref.key, term_names)}",
                    )
                )
            elif target[0] is entry:
                add(
                    ContentError(
                        entry.path,
                        ref.line,
                        "see_also",
                        f"'see_also' of '{ref.text}' points to the term itself",
                    )
                )

    # Briefs: unique ids, then references to ids, terms and pinned dates.
    by_id: dict[str, BriefEntry] = {}
    for brief in briefs:
        if brief.id is None:
            continue
        first = by_id.setdefault(brief.id, brief)
        if first is not brief:
            add(
                ContentError(
                    brief.path,
                    brief.line,
                    "id",
                    f"duplicate brief id '{brief.id}': "
                    f"also used at {_where(first.path, first.line)}",
                )
            )
    pinned: dict[dt.date, BriefEntry] = {}
    ids = None
    for brief in briefs:
        for ref in brief.terms:
            if unknown_term(ref.key):
                add(
                    ContentError(
                        brief.path,
                        ref.line,
                        "terms",
                        f"'terms' names '{ref.text}', which is not in the glossary"
                        f"{_closest(ref.key, term_names)}",
                    )
                )
        for ref in brief.related:
            if ref.key == brief.id:
                add(
                    ContentError(
                        brief.path,
                        ref.line,
                        "related",
                        f"'related' lists '{ref.text}', the brief itself",
                    )
                )
            elif unknown_id(ref.key):
                if ids is None:
                    ids = {key: key for key in by_id}
                add(
                    ContentError(
                        brief.path,
                        ref.line,
                        "related",
                        f"'related' names '{ref.text}', but no brief has that id"
                        f"{_closest(ref.key, ids)}",
                    )
                )
        for date, line in brief.featured_on:
            first = pinned.setdefault(date, brief)
            if first is not brief:
                add(
                    ContentError(
                        brief.path,
                        line,
                        "featured_on",
                        f"'featured_on' {date.isoformat()} is already pinned by brief "
                        f"'{first.id}' ({_where(first.path, first.line)}); one brief per date",
                    )
                )
    return errors


def _closest(key: str, names: dict[str, str]) -> str:
    """A ` (did you mean 'X'?)` hint naming the entry whose key is closest to `key`."""
    found = did_you_mean(key, names, limit=1)
    return f" (did you mean '{names[found[0]]}'?)" if found else ""
