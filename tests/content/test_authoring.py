"""New briefs and glossary entries from the schema: valid for the real loader, comments kept."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.content.authoring import (
    AuthoringError,
    append_term,
    brief_yaml,
    glossary_yaml,
    schema_ref,
    slugify,
    term_entry_yaml,
)
from bot.content.loader import load_library
from bot.content.parse import parse_brief_file, parse_glossary_file
from bot.content.schema import BRIEF_FIELDS, TERM_FIELDS
from bot.model import MAX_TITLE

SHIPPED = Path(__file__).resolve().parents[2] / "content"
DAY = dt.date(2026, 11, 27)


@pytest.fixture
def content(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(SHIPPED, target)
    return target


def test_new_brief_file_loads_with_the_real_loader(content: Path) -> None:
    """A new brief file is valid as written, keeps its title exactly and names its schema."""
    title = 'Chips: the "new oil"? #1 — ünïcödé'
    brief_id = slugify(title)
    path = content / "briefs" / f"{brief_id}.yml"
    path.write_text(brief_yaml(title, DAY, brief_id, schema_ref(str(path), str(content), "x")))
    text = path.read_text()
    assert text.splitlines()[0] == "# yaml-language-server: $schema=../schemas/x"
    library = load_library(content)
    brief = library.by_id[brief_id]
    assert (brief.title, brief.date) == (title, DAY)
    assert brief.summary.startswith("TODO")
    for spec in BRIEF_FIELDS:
        assert spec.name in text, spec.name  # every field is there, filled or commented


def test_new_brief_points_its_schema_line_at_the_shipped_schema(content: Path) -> None:
    """The schema line of a new file in briefs/ is the one the shipped briefs use."""
    path = content / "briefs" / "x.yml"
    shipped_line = (content / "briefs" / "ai-moratoriums-social-rupture.yml").read_text()
    ref = schema_ref(str(path), str(content), "brief.schema.json")
    assert shipped_line.splitlines()[0] == f"# yaml-language-server: $schema={ref}"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(min_size=1, max_size=MAX_TITLE + 5))
def test_any_title_gives_a_valid_file_or_a_clear_error(title: str) -> None:
    """Whatever the title, the file parses back to exactly that title, or is refused."""
    try:
        text = brief_yaml(title, DAY, "any-title", "../schemas/brief.schema.json")
    except AuthoringError as error:
        assert "title" in str(error)
        return
    result = parse_brief_file("briefs/any-title.yml", text.encode("utf-8"))
    assert not result.errors, result.errors
    (entry,) = result.briefs
    assert entry.brief is not None and entry.brief.title == " ".join(title.split())


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("AI distillation: a new frontier", "ai-distillation-a-new-frontier"),
        ("  Émergent   misalignment!! ", "emergent-misalignment"),
        ("GPT-5 & the EU AI Act (2026)", "gpt-5-the-eu-ai-act-2026"),
        ("人工智能", ""),
        ("word " * 30, "-".join(["word"] * 13)),
    ],
)
def test_slugify_makes_ids_the_loader_accepts(title: str, slug: str) -> None:
    """Ids from titles are lowercase, hyphenated, ASCII and at most 64 characters."""
    assert slugify(title) == slug
    assert len(slugify(title)) <= 64


def test_bad_titles_and_ids_are_refused_clearly() -> None:
    """An empty or too long title, or an unusable id, gives an error saying which."""
    with pytest.raises(AuthoringError, match="empty"):
        brief_yaml("   ", DAY, "x", "s")
    with pytest.raises(AuthoringError, match="limit is 150"):
        brief_yaml("x" * 151, DAY, "x", "s")
    with pytest.raises(AuthoringError, match="not a usable id"):
        brief_yaml("Fine", DAY, "Not An Id", "s")


def test_new_glossary_file_loads_and_the_term_resolves(content: Path) -> None:
    """A new glossary/<term>.yml is valid with the real loader; /define finds the term."""
    path = content / "glossary" / "compute-governance.yml"
    path.parent.mkdir()
    ref = schema_ref(str(path), str(content), "glossary.schema.json")
    path.write_text(glossary_yaml("Compute governance", ref))
    assert path.read_text().startswith(
        "# yaml-language-server: $schema=../schemas/glossary.schema.json\n"
    )
    library = load_library(content)
    term = library.resolve_term("compute governance")
    assert term is not None and term.definition.startswith("TODO")
    for spec in TERM_FIELDS:
        assert spec.name in path.read_text()


def test_appending_a_term_keeps_every_existing_line_and_comment(content: Path) -> None:
    """The shipped glossary gets the entry at its end; everything before stays byte for byte."""
    path = content / "glossary.yml"
    before = path.read_text()
    appended = append_term(str(path), before, "Compute governance")
    assert appended.text.startswith(before)
    assert appended.indent == "  "
    path.write_text(appended.text)
    library = load_library(content)
    assert library.resolve_term("Compute governance") is not None
    assert len(library.terms) == len(load_library(SHIPPED).terms) + 1


def test_appending_follows_the_files_indentation() -> None:
    """A glossary indented by four spaces (with comments) gets a four-space entry."""
    existing = (
        "# our glossary\nterms:\n    # first\n    - term: Alpha\n      definition: First.\n"
        "# trailing comment\n"
    )
    appended = append_term("g.yml", existing, "Beta")
    assert appended.indent == "    "
    result = parse_glossary_file("g.yml", appended.text.encode())
    assert not result.errors
    assert [e.term.term for e in result.terms if e.term] == ["Alpha", "Beta"]
    assert "# our glossary" in appended.text and "# trailing comment" in appended.text


@pytest.mark.parametrize(
    "existing",
    [
        "terms: [{term: Alpha, definition: First.}]\n",
        "terms:\n- term: Alpha\n  definition: First.\nextra: 1\n",
        "# nothing here\n",
    ],
)
def test_appending_refuses_layouts_it_cannot_extend_safely(existing: str) -> None:
    """Flow lists, unexpected keys or no `terms:` list: refused, nothing half-added."""
    with pytest.raises(AuthoringError, match="by hand"):
        append_term("g.yml", existing, "Beta")


def test_term_entry_quotes_names_yaml_would_misread() -> None:
    """Terms like `NO`, `12:30` or `a: b` stay text."""
    for name in ("NO", "12:30", "a: b", "#hash", "- dash", '"quoted"'):
        text = "terms:\n" + term_entry_yaml(name)
        result = parse_glossary_file("g.yml", text.encode())
        assert not result.errors, (name, result.errors)
        assert result.terms[0].term is not None and result.terms[0].term.term == name
