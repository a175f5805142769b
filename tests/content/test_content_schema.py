"""The JSON Schema files: generated from the model, committed, and agreeing with the loader."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from bot.content.schedule_fields import SCHEDULE_SCHEMA_FILE
from bot.content.schema import (
    BRIEF_FIELDS,
    BRIEF_SCHEMA_FILE,
    GLOSSARY_SCHEMA_FILE,
    SOURCE_FIELDS,
    TERM_FIELDS,
)
from bot.content.schema_files import schema_files, stale_schemas, write_schemas
from bot.model import MAX_TITLE, Brief, Source, Term

REPO = Path(__file__).resolve().parents[2]
SCHEMA_DIR = REPO / "content" / "schemas"


def _validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def _as_json(value: Any) -> Any:
    """YAML values as an editor's YAML 1.2 tooling sees them: dates are strings."""
    if isinstance(value, dict):
        return {key: _as_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_json(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _errors(name: str, document: Any) -> list[str]:
    return [error.message for error in _validator(name).iter_errors(_as_json(document))]


def test_committed_schema_files_match_the_model():
    """content/schemas/*.json equal what `briefbot schema` generates today."""
    assert stale_schemas(SCHEMA_DIR) == []
    for name, text in schema_files().items():
        assert (SCHEMA_DIR / name).read_text(encoding="utf-8") == text


def test_field_tables_cover_the_model():
    """Every model field (except origin) has a schema entry, and nothing else does."""

    def names(cls: type) -> set[str]:
        return {f.name for f in dataclasses.fields(cls)} - {"origin"}

    assert {spec.name for spec in BRIEF_FIELDS} == names(Brief)
    assert {spec.name for spec in TERM_FIELDS} == names(Term)
    assert {spec.name for spec in SOURCE_FIELDS} == names(Source)


@pytest.mark.parametrize("name", [BRIEF_SCHEMA_FILE, GLOSSARY_SCHEMA_FILE])
def test_schemas_are_valid_draft_2020_12(name):
    """The schema files are themselves valid JSON Schema 2020-12."""
    schema = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_shipped_briefs_validate_against_the_schema():
    """Every shipped brief file passes the brief schema."""
    files = sorted((REPO / "content" / "briefs").glob("*.yml"))
    assert files
    for path in files:
        assert _errors(BRIEF_SCHEMA_FILE, yaml.safe_load(path.read_text("utf-8"))) == [], path


def test_shipped_glossary_validates_against_the_schema():
    """The shipped glossary passes the glossary schema."""
    paths = [REPO / "content" / "glossary.yml", *sorted((REPO / "content/glossary").glob("*.yml"))]
    for path in paths:
        if path.exists():
            assert _errors(GLOSSARY_SCHEMA_FILE, yaml.safe_load(path.read_text("utf-8"))) == []


GOOD_BRIEF = {"title": "T", "date": "2024-05-01", "summary": "S"}


def test_schema_rejects_a_typo_field():
    """`titel` next to the real fields fails, as in the loader."""
    assert _errors(BRIEF_SCHEMA_FILE, {**GOOD_BRIEF, "titel": "x"})


def test_schema_accepts_a_minimal_brief_and_a_briefs_list():
    """Both file shapes validate: one brief, or `briefs:` with ids."""
    assert _errors(BRIEF_SCHEMA_FILE, GOOD_BRIEF) == []
    assert _errors(BRIEF_SCHEMA_FILE, {"briefs": [{**GOOD_BRIEF, "id": "a"}]}) == []


@pytest.mark.parametrize(
    "document",
    [
        {"title": "T", "date": "2024-05-01"},
        {**GOOD_BRIEF, "title": "x" * (MAX_TITLE + 1)},
        {**GOOD_BRIEF, "title": "   "},
        {**GOOD_BRIEF, "id": "Not A Slug"},
        {**GOOD_BRIEF, "date": "May 1"},
        {**GOOD_BRIEF, "tags": "ai"},
        {**GOOD_BRIEF, "source": {"name": "X", "url": "ftp://x.org"}},
        {**GOOD_BRIEF, "source": {"name": "X"}},
        {**GOOD_BRIEF, "featured_on": ["2024-01-01", "2024-01-01"]},
        {"briefs": [GOOD_BRIEF]},
    ],
)
def test_schema_rejects_what_the_loader_rejects(document):
    """Missing fields, long or blank text, bad ids, dates, urls and list-without-id fail."""
    assert _errors(BRIEF_SCHEMA_FILE, document)


def test_glossary_schema_rejects_bad_entries():
    """A term without a definition, or an unknown key, fails the glossary schema."""
    assert _errors(GLOSSARY_SCHEMA_FILE, {"terms": [{"term": "x"}]})
    assert _errors(GLOSSARY_SCHEMA_FILE, {"terms": [], "extra": 1})
    assert _errors(GLOSSARY_SCHEMA_FILE, {"terms": [{"term": "x", "definition": "y"}]}) == []


def test_write_schemas_creates_the_files(tmp_path):
    """write_schemas writes the brief, glossary and schedule files into a new folder."""
    written = write_schemas(tmp_path / "out")
    assert sorted(p.name for p in written) == sorted(
        [BRIEF_SCHEMA_FILE, GLOSSARY_SCHEMA_FILE, SCHEDULE_SCHEMA_FILE]
    )
    assert stale_schemas(tmp_path / "out") == []
