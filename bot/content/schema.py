"""The content file format, field by field, and the JSON Schema generated from it.

`BRIEF_FIELDS`, `SOURCE_FIELDS` and `TERM_FIELDS` describe what admins may write in
`content/briefs/*.yml` and the glossary files. The loader validates against them and
`build_*_schema` turn them into JSON Schema (draft 2020-12), so editors can validate
and autocomplete as admins type. A test keeps the committed schema files and the
model's dataclasses in step with these tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from bot.model import (
    MAX_CONTEXT,
    MAX_DEFINITION,
    MAX_LIST,
    MAX_POINT,
    MAX_POINTS,
    MAX_SOURCE_NAME,
    MAX_SUMMARY,
    MAX_TAG,
    MAX_TAGS,
    MAX_TERM,
    MAX_TITLE,
    MAX_URL,
    SLUG_RE,
)

MAX_ID = 64
"""Longest brief id; ids appear in commands and Slack action values."""

Kind = Literal["text", "slug", "date", "dates", "texts", "slugs", "url", "source"]

DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
URL_PATTERN = r"^https?://[^\s/?#]+[^\s]*$"

BRIEF_SCHEMA_FILE = "brief.schema.json"
GLOSSARY_SCHEMA_FILE = "glossary.schema.json"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of a content mapping.

    For list kinds (`texts`, `slugs`, `dates`) `max_length` limits each item and
    `max_items` the list.
    """

    name: str
    kind: Kind
    description: str
    required: bool = False
    max_length: int | None = None
    max_items: int | None = None


BRIEF_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "id",
        "slug",
        "Unique id: lowercase letters, digits and hyphens. Defaults to the file name "
        "(without .yml) for a file holding one brief; required in a 'briefs:' list.",
        max_length=MAX_ID,
    ),
    FieldSpec("title", "text", "Headline of the brief.", required=True, max_length=MAX_TITLE),
    FieldSpec("date", "date", "Publication date, YYYY-MM-DD.", required=True),
    FieldSpec(
        "summary",
        "text",
        "One paragraph saying what happened and why it matters. Light Markdown allowed.",
        required=True,
        max_length=MAX_SUMMARY,
    ),
    FieldSpec(
        "points",
        "texts",
        "The 'In brief' bullets, one short sentence each.",
        max_length=MAX_POINT,
        max_items=MAX_POINTS,
    ),
    FieldSpec(
        "terms",
        "texts",
        "Glossary terms this brief uses; each must name a glossary term or an alias of "
        "one term (case does not matter).",
        max_length=MAX_TERM,
        max_items=MAX_LIST,
    ),
    FieldSpec(
        "tags",
        "texts",
        "Short topic words, for search.",
        max_length=MAX_TAG,
        max_items=MAX_TAGS,
    ),
    FieldSpec("source", "source", "The full story: its publisher's name and an http(s) url."),
    FieldSpec(
        "featured_on",
        "dates",
        "A date (YYYY-MM-DD), or a list of dates, on which this brief must be the "
        "daily featured one. No two briefs may pin the same date.",
        max_items=MAX_LIST,
    ),
    FieldSpec(
        "related",
        "slugs",
        "Ids of hand-picked related briefs, shown before the computed ones.",
        max_length=MAX_ID,
        max_items=MAX_LIST,
    ),
)

SOURCE_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "name",
        "text",
        "Publisher, as in 'Read full story at <name>'.",
        required=True,
        max_length=MAX_SOURCE_NAME,
    ),
    FieldSpec("url", "url", "Link to the full story (http or https).", required=True),
)

TERM_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "term",
        "text",
        "The term as it should be shown. Unique across the glossary, ignoring case "
        "and punctuation.",
        required=True,
        max_length=MAX_TERM,
    ),
    FieldSpec(
        "context",
        "text",
        "A few words that tell this term apart from others sharing one of its aliases "
        '("export controls", "machine learning"); needed where an alias names several '
        "terms.",
        max_length=MAX_CONTEXT,
    ),
    FieldSpec(
        "definition",
        "text",
        "What the term means, in a few plain sentences. Light Markdown allowed.",
        required=True,
        max_length=MAX_DEFINITION,
    ),
    FieldSpec(
        "aliases",
        "texts",
        "Other names and abbreviations that /define should also answer. An alias may "
        "name several terms (each then needs a 'context'), but never another term's name.",
        max_length=MAX_TERM,
        max_items=MAX_LIST,
    ),
    FieldSpec(
        "see_also",
        "texts",
        "Related glossary terms; each must name a glossary term or an alias of one term.",
        max_length=MAX_TERM,
        max_items=MAX_LIST,
    ),
)

BRIEF_FIELD_NAMES = frozenset(spec.name for spec in BRIEF_FIELDS)
TERM_FIELD_NAMES = frozenset(spec.name for spec in TERM_FIELDS)
SOURCE_FIELD_NAMES = frozenset(spec.name for spec in SOURCE_FIELDS)


# -- JSON Schema ------------------------------------------------------------------


def _text_schema(max_length: int | None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "minLength": 1, "pattern": r"\S"}
    if max_length is not None:
        schema["maxLength"] = max_length
    return schema


def _slug_schema(max_length: int | None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "pattern": SLUG_RE.pattern}
    if max_length is not None:
        schema["maxLength"] = max_length
    return schema


def _date_schema() -> dict[str, Any]:
    return {"type": "string", "format": "date", "pattern": DATE_PATTERN}


def _list_schema(items: dict[str, Any], max_items: int | None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "array", "items": items, "uniqueItems": True}
    if max_items is not None:
        schema["maxItems"] = max_items
    return schema


def _mapping_schema(fields: tuple[FieldSpec, ...]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {spec.name: field_schema(spec) for spec in fields},
        "required": [spec.name for spec in fields if spec.required],
        "additionalProperties": False,
    }


def field_schema(spec: FieldSpec) -> dict[str, Any]:
    """The JSON Schema of one field, with its description for editor tooltips."""
    schema: dict[str, Any]
    if spec.kind == "text":
        schema = _text_schema(spec.max_length)
    elif spec.kind == "slug":
        schema = _slug_schema(spec.max_length)
    elif spec.kind == "date":
        schema = _date_schema()
    elif spec.kind == "dates":
        schema = {"oneOf": [_date_schema(), _list_schema(_date_schema(), spec.max_items)]}
    elif spec.kind == "texts":
        schema = _list_schema(_text_schema(spec.max_length), spec.max_items)
    elif spec.kind == "slugs":
        schema = _list_schema(_slug_schema(spec.max_length), spec.max_items)
    elif spec.kind == "url":
        schema = {"type": "string", "format": "uri", "pattern": URL_PATTERN, "maxLength": MAX_URL}
    elif spec.kind == "source":
        schema = _mapping_schema(SOURCE_FIELDS)
    else:  # pragma: no cover - Kind is closed
        raise ValueError(f"unknown field kind {spec.kind!r}")
    return {"description": spec.description, **schema}


def file_schema(title: str, description: str, rules: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema of one kind of content file, as editors read it: its `title`,
    what the file holds, then the `rules` it keeps."""
    return {"$schema": JSON_SCHEMA_DIALECT, "title": title, "description": description, **rules}


def build_brief_schema() -> dict[str, Any]:
    """Schema of a `content/briefs/*.yml` file: one brief, or `briefs:` with a list."""
    brief_or_list = {
        "anyOf": [
            {"$ref": "#/$defs/brief"},
            {
                "type": "object",
                "properties": {
                    "briefs": {
                        "description": "Several briefs in one file; each needs an id.",
                        "type": "array",
                        "items": {"$ref": "#/$defs/listedBrief"},
                    }
                },
                "required": ["briefs"],
                "additionalProperties": False,
            },
        ],
        "$defs": {
            "brief": _mapping_schema(BRIEF_FIELDS),
            "listedBrief": {"allOf": [{"$ref": "#/$defs/brief"}], "required": ["id"]},
        },
    }
    return file_schema(
        "briefbot brief file",
        "One brief (a mapping), or several under 'briefs:'. "
        "See the content authoring guide in README.md.",
        brief_or_list,
    )


def build_glossary_schema() -> dict[str, Any]:
    """Schema of `content/glossary.yml` and `content/glossary/*.yml`."""
    terms = {
        "type": "object",
        "properties": {
            "terms": {
                "description": "The glossary entries.",
                "type": "array",
                "items": {"$ref": "#/$defs/term"},
            }
        },
        "required": ["terms"],
        "additionalProperties": False,
        "$defs": {"term": _mapping_schema(TERM_FIELDS)},
    }
    return file_schema(
        "briefbot glossary file",
        "Glossary terms under 'terms:'. See the content authoring guide in README.md.",
        terms,
    )
