"""Checks that need more than one file: unique ids and names, references that resolve,
one brief per pinned date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.content.errors import ContentError, display_path
from bot.content.fields import Ref
from bot.content.parse import BriefEntry, TermEntry, Unread
from bot.model import normalize_key
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
        return (
            key not in owner
            and key not in sharing
            and not any(f.may_define(key) for f in unread_glossary)
        )

    def unknown_id(key: str) -> bool:
        return key not in by_id and not any(f.may_define(key) for f in unread_briefs)

    # Glossary: term names are unique; an alias names one or several entries, never
    # its own term or another entry's name; entries sharing an alias need a context.
    owner: dict[str, tuple[TermEntry, Ref]] = {}
    """Folded term name -> its entry."""
    for entry in terms:
        if entry.name is None:
            continue
        taken = owner.setdefault(entry.name.key, (entry, entry.name))
        if taken[0] is not entry:
            other, other_ref = taken
            assert other.name is not None
            add(
                ContentError(
                    entry.path,
                    entry.name.line,
                    "term",
                    f"duplicate term '{entry.name.text}': '{other_ref.text}' is already in the "
                    f"glossary (entry '{other.name.text}', {_where(other.path, other_ref.line)})",
                )
            )
    sharing: dict[str, list[tuple[TermEntry, Ref]]] = {}
    """Folded alias -> the entries that list it, in order."""
    for entry in terms:
        if entry.name is None:
            continue
        for ref in entry.aliases:
            named = owner.get(ref.key)
            if named is not None and named[0] is entry:
                add(
                    ContentError(
                        entry.path,
                        ref.line,
                        "aliases",
                        f"alias '{ref.text}' repeats the term '{entry.name.text}' itself",
                    )
                )
            elif named is not None:
                other, other_ref = named
                add(
                    ContentError(
                        entry.path,
                        ref.line,
                        "aliases",
                        f"alias '{ref.text}' is the name of another term: '{other_ref.text}' "
                        f"({_where(other.path, other_ref.line)}); an alias may be shared "
                        "by several terms but never be a term's name",
                    )
                )
            else:
                sharing.setdefault(ref.key, []).append((entry, ref))
    shared = {key: found for key, found in sharing.items() if len(found) > 1}
    for found in shared.values():
        contexts: dict[str, tuple[TermEntry, Ref]] = {}
        for entry, ref in found:
            others = [other for other, _ in found if other is not entry]
            names = ", ".join(
                f"'{other.name.text}' ({_where(other.path, other.line)})"
                for other in others[:3]
                if other.name is not None
            ) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
            if not entry.context:
                if entry.context_written:
                    continue  # there is one, with an error of its own
                add(
                    ContentError(
                        entry.path,
                        entry.line or ref.line,
                        "context",
                        f"alias '{ref.text}' also names {names}; add a 'context:' to "
                        f"'{entry.name.text if entry.name else ref.text}' (a few words, like "
                        "'export controls') so people can tell the meanings apart",
                    )
                )
                continue
            same = contexts.setdefault(normalize_key(entry.context), (entry, ref))
            if same[0] is not entry and same[0].name is not None and entry.name is not None:
                add(
                    ContentError(
                        entry.path,
                        entry.line or ref.line,
                        "context",
                        f"'{entry.name.text}' and '{same[0].name.text}' "
                        f"({_where(same[0].path, same[0].line)}) share the alias '{ref.text}' "
                        f"and the context '{entry.context}'; give each a context of its own",
                    )
                )
    term_names = {key: ref.text for key, (_, ref) in owner.items()}
    term_names.update(
        (key, found[0][1].text) for key, found in sharing.items() if key not in shared
    )

    def single(key: str) -> TermEntry | None:
        """The entry a name names when it names exactly one (term or unshared alias)."""
        named = owner.get(key) or (sharing[key][0] if key in sharing else None)
        return named[0] if named is not None else None

    def shared_names(ref: Ref, field: str) -> str:
        names = [e.name.text for e, _ in shared[ref.key] if e.name is not None]
        listed = ", ".join(f"'{name}'" for name in names[:5])
        return (
            f"'{field}' names '{ref.text}', an alias that several terms share ({listed}"
            f"{', ...' if len(names) > 5 else ''}); name the term itself"
        )

    for entry in terms:
        for ref in entry.see_also:
            if ref.key in shared:
                add(ContentError(entry.path, ref.line, "see_also", shared_names(ref, "see_also")))
                continue
            target = single(ref.key)
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
            elif target is entry:
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
            if ref.key in shared:
                add(ContentError(brief.path, ref.line, "terms", shared_names(ref, "terms")))
            elif unknown_term(ref.key):
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
    """A ` (did you mean 'X'?)` hint naming the brief whose key is closest to `key`."""
    found = did_you_mean(key, names, limit=1)
    return f" (did you mean '{names[found[0]]}'?)" if found else ""
