"""The briefs and the glossary as CSV, JSON or Markdown, so a team is never locked in.

Pure functions from a Library to file names and texts; `briefbot export` writes them.
JSON keeps everything exactly (lists as lists, dates as YYYY-MM-DD). CSV puts one brief
or term a row for spreadsheets, with list fields one item a line inside the cell (a
line break inside one item becomes a space).
Markdown is for reading and for pasting into a wiki.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

from bot.content.library import Library
from bot.model import Brief, Term

FORMATS = ("csv", "json", "md")

BRIEF_COLUMNS = (
    "id",
    "title",
    "date",
    "summary",
    "points",
    "terms",
    "tags",
    "source_name",
    "source_url",
    "featured_on",
    "related",
)
TERM_COLUMNS = ("term", "context", "definition", "aliases", "see_also")


def brief_record(brief: Brief) -> dict[str, Any]:
    """One brief as plain JSON values, with the field names of the content files."""
    return {
        "id": brief.id,
        "title": brief.title,
        "date": brief.date.isoformat(),
        "summary": brief.summary,
        "points": list(brief.points),
        "terms": list(brief.terms),
        "tags": list(brief.tags),
        "source": {"name": brief.source.name, "url": brief.source.url} if brief.source else None,
        "featured_on": [day.isoformat() for day in brief.featured_on],
        "related": list(brief.related),
    }


def term_record(term: Term) -> dict[str, Any]:
    """A term as in its file; `context` only where it has one (an empty one is invalid)."""
    return {
        "term": term.term,
        **({"context": term.context} if term.context else {}),
        "definition": term.definition,
        "aliases": list(term.aliases),
        "see_also": list(term.see_also),
    }


def to_json(library: Library) -> dict[str, str]:
    meta = {"content_version": library.version}
    briefs = {**meta, "briefs": [brief_record(b) for b in library.briefs]}
    terms = {**meta, "terms": [term_record(t) for t in library.terms]}
    return {"briefs.json": _json(briefs), "glossary.json": _json(terms)}


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def _cell(value: Any) -> str:
    if isinstance(value, list):
        # One item a line, so a line break inside an item (rare) becomes a space.
        return "\n".join(" ".join(str(item).split()) for item in value)
    return "" if value is None else str(value)


def _csv(columns: tuple[str, ...], rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: _cell(row.get(name)) for name in columns})
    return out.getvalue()


def to_csv(library: Library) -> dict[str, str]:
    briefs = []
    for brief in library.briefs:
        record = brief_record(brief)
        source = record.pop("source") or {}
        record["source_name"] = source.get("name", "")
        record["source_url"] = source.get("url", "")
        briefs.append(record)
    terms = [term_record(t) for t in library.terms]
    return {"briefs.csv": _csv(BRIEF_COLUMNS, briefs), "glossary.csv": _csv(TERM_COLUMNS, terms)}


def _one_line(text: str) -> str:
    return " ".join(text.split())


def brief_markdown(brief: Brief) -> str:
    lines = [f"## {_one_line(brief.title)}", ""]
    meta = [f"`{brief.id}`", brief.date.isoformat()]
    if brief.tags:
        meta.append(" ".join(f"#{tag}" for tag in brief.tags))
    lines += [" · ".join(meta), "", brief.summary.strip(), ""]
    if brief.points:
        lines += ["**In brief**", "", *(f"- {_one_line(p)}" for p in brief.points), ""]
    if brief.terms:
        lines += [f"**Terms in this brief:** {', '.join(brief.terms)}", ""]
    if brief.related:
        lines += [f"**Related:** {', '.join(f'`{r}`' for r in brief.related)}", ""]
    if brief.featured_on:
        days = ", ".join(day.isoformat() for day in brief.featured_on)
        lines += [f"**Featured on:** {days}", ""]
    if brief.source:
        lines += [f"Read the full story at [{brief.source.name}]({brief.source.url})", ""]
    return "\n".join(lines)


def term_markdown(term: Term) -> str:
    lines = [f"## {_one_line(term.label)}", ""]
    if term.aliases:
        lines += [f"_Also called: {', '.join(term.aliases)}_", ""]
    lines += [term.definition.strip(), ""]
    if term.see_also:
        lines += [f"See also: {', '.join(term.see_also)}", ""]
    return "\n".join(lines)


def to_markdown(library: Library) -> dict[str, str]:
    count = len(library.briefs)
    briefs = [
        "# Briefs",
        "",
        f"{count} brief{'' if count == 1 else 's'}, newest first "
        f"(content version {library.version}).",
        "",
        *(brief_markdown(b) for b in library.briefs),
    ]
    terms = [
        "# Glossary",
        "",
        f"{len(library.terms)} terms, A to Z (content version {library.version}).",
        "",
        *(term_markdown(t) for t in library.terms),
    ]
    return {
        "briefs.md": "\n".join(briefs).rstrip() + "\n",
        "glossary.md": "\n".join(terms).rstrip() + "\n",
    }


EXPORTERS: dict[str, Callable[[Library], dict[str, str]]] = {
    "csv": to_csv,
    "json": to_json,
    "md": to_markdown,
}


def export_files(library: Library, fmt: str) -> dict[str, str]:
    """File name -> text of the export in `fmt` ("csv", "json" or "md")."""
    try:
        exporter = EXPORTERS[fmt]
    except KeyError:
        raise ValueError(
            f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}"
        ) from None
    return exporter(library)


VOTE_COLUMNS = ("kind", "id", "title", "up", "down", "votes", "helpful")


def votes_files(records: list[dict[str, Any]], fmt: str, period: str) -> dict[str, str]:
    """votes.<fmt>: "Was this helpful?" per brief and term, least helpful first.

    `records` are plain values with the `VOTE_COLUMNS` (`helpful`: the share of the votes
    that found it helpful, 0 to 1); `period` says which votes they count.
    """
    if fmt == "json":
        return {"votes.json": _json({"period": period, "votes": records})}
    if fmt == "csv":
        return {"votes.csv": _csv(VOTE_COLUMNS, records)}
    if fmt != "md":
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    lines = [
        "# Was this helpful?",
        "",
        f"Votes {period}, least helpful first.",
        "",
        "| Kind | Brief or term | Helpful | 👍 | 👎 |",
        "| --- | --- | --- | --- | --- |",
    ]
    for record in records:
        name = _one_line(record["title"] or record["id"]).replace("|", "\\|")
        shown = f"{name} (`{record['id']}`)" if record["kind"] == "brief" else name
        lines.append(
            f"| {record['kind']} | {shown} | {round(record['helpful'] * 100)}% "
            f"| {record['up']} | {record['down']} |"
        )
    if not records:
        lines.append("| | _no votes_ | | | |")
    return {"votes.md": "\n".join(lines) + "\n"}
