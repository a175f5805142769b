"""Export to JSON, CSV and Markdown: nothing is lost, odd text survives, every item is there."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest

from bot.content.export import BRIEF_COLUMNS, TERM_COLUMNS, export_files
from bot.content.library import Library, build_library
from bot.content.loader import load_library
from bot.model import Brief, Source, Term

SHIPPED = Path(__file__).resolve().parents[2] / "content"

ODD = 'Quotes "like this", commas, a; semicolon\nand a new line, =SUM(A1), ünïcödé 🚀'


@pytest.fixture(scope="module")
def shipped() -> Library:
    return load_library(SHIPPED)


def odd_library() -> Library:
    """Content with every character that trips up CSV and Markdown."""
    term = Term("Odd, term", ODD, aliases=("alias; one", "alias\ntwo"), see_also=())
    brief = Brief(
        id="odd-brief",
        title='A "title", with commas',
        date=dt.date(2026, 1, 2),
        summary=ODD,
        points=(ODD, "second"),
        terms=("Odd, term",),
        tags=("a,b", "c"),
        source=Source("Pub, Inc.", "https://example.org/a?b=1&c=2"),
        featured_on=(dt.date(2026, 2, 1), dt.date(2026, 3, 1)),
        related=(),
    )
    return build_library([brief], [term])


def from_json(files: dict[str, str]) -> Library:
    """Rebuild a library from the JSON export alone."""
    briefs = [
        Brief(
            id=r["id"],
            title=r["title"],
            date=dt.date.fromisoformat(r["date"]),
            summary=r["summary"],
            points=tuple(r["points"]),
            terms=tuple(r["terms"]),
            tags=tuple(r["tags"]),
            source=Source(**r["source"]) if r["source"] else None,
            featured_on=tuple(dt.date.fromisoformat(d) for d in r["featured_on"]),
            related=tuple(r["related"]),
        )
        for r in json.loads(files["briefs.json"])["briefs"]
    ]
    terms = [
        Term(
            r["term"],
            r["definition"],
            tuple(r["aliases"]),
            tuple(r["see_also"]),
            context=r.get("context", ""),
        )
        for r in json.loads(files["glossary.json"])["terms"]
    ]
    return build_library(briefs, terms)


@pytest.mark.parametrize("make", [lambda: load_library(SHIPPED), odd_library])
def test_json_export_keeps_everything(make) -> None:
    """Briefs and glossary rebuilt from the JSON export give the very same content version."""
    library = make()
    files = export_files(library, "json")
    assert set(files) == {"briefs.json", "glossary.json"}
    assert from_json(files).version == library.version
    assert json.loads(files["briefs.json"])["content_version"] == library.version


@pytest.mark.parametrize("make", [lambda: load_library(SHIPPED), odd_library])
def test_csv_export_has_one_row_per_item_and_exact_cells(make) -> None:
    """Every brief and term is one CSV row; list cells hold one item a line; text is exact."""
    library = make()
    files = export_files(library, "csv")
    briefs = list(csv.DictReader(io.StringIO(files["briefs.csv"], newline="")))
    terms = list(csv.DictReader(io.StringIO(files["glossary.csv"], newline="")))
    assert tuple(briefs[0]) == BRIEF_COLUMNS and tuple(terms[0]) == TERM_COLUMNS
    assert [row["id"] for row in briefs] == [b.id for b in library.briefs]
    assert [row["term"] for row in terms] == [t.term for t in library.terms]
    for row, brief in zip(briefs, library.briefs, strict=True):
        assert row["title"] == brief.title and row["summary"] == brief.summary
        assert row["date"] == brief.date.isoformat()
        assert row["terms"].split("\n") == list(brief.terms) or not brief.terms
        assert row["tags"].split("\n") == list(brief.tags) or not brief.tags
        assert row["source_url"] == (brief.source.url if brief.source else "")
    for row, term in zip(terms, library.terms, strict=True):
        assert row["definition"] == term.definition
        aliases = [" ".join(alias.split()) for alias in term.aliases]
        assert row["aliases"].split("\n") == aliases or not term.aliases


def test_csv_keeps_multi_line_and_comma_text_in_one_cell() -> None:
    """A summary with quotes, commas and a line break is one cell, unchanged."""
    files = export_files(odd_library(), "csv")
    (row,) = csv.DictReader(io.StringIO(files["briefs.csv"], newline=""))
    assert row["summary"] == ODD
    assert row["points"] == " ".join(ODD.split()) + "\nsecond"
    assert row["featured_on"] == "2026-02-01\n2026-03-01"
    assert row["source_name"] == "Pub, Inc."
    (term,) = csv.DictReader(io.StringIO(files["glossary.csv"], newline=""))
    assert term["aliases"] == "alias; one\nalias two"  # a break inside an item: a space


def test_markdown_export_lists_every_brief_and_term(shipped: Library) -> None:
    """The Markdown export has a heading per brief and per term, with their text and links."""
    files = export_files(shipped, "md")
    briefs, glossary = files["briefs.md"], files["glossary.md"]
    assert briefs.startswith("# Briefs\n") and glossary.startswith("# Glossary\n")
    assert briefs.count("\n## ") == len(shipped.briefs)
    assert glossary.count("\n## ") == len(shipped.terms)
    for brief in shipped.briefs:
        assert f"## {brief.title}\n" in briefs
        assert brief.summary in briefs
        if brief.source:
            assert f"[{brief.source.name}]({brief.source.url})" in briefs
    for term in shipped.terms:
        assert f"## {term.label}\n" in glossary and term.definition in glossary
    newest, oldest = shipped.briefs[0].title, shipped.briefs[-1].title
    assert briefs.index(newest) < briefs.index(oldest)


def test_unknown_format_is_a_clear_error(shipped: Library) -> None:
    """Asking for a format that does not exist names the ones that do."""
    with pytest.raises(ValueError, match="csv, json, md"):
        export_files(shipped, "xlsx")
