"""`content/schedule.yml`, field by field, and the JSON Schema editors check it with.

The same `FieldSpec` tables as briefs and the glossary (bot/content/schema.py): the
checker in `bot.daily.declared` takes the field names, which are required, and what each
means from `SCHEDULE_FIELDS`, and `build_schedule_schema` turns them into the schema
`briefbot schema` writes into content/schemas/.
"""

from __future__ import annotations

from typing import Any

from bot.content.schema import FieldSpec, file_schema
from bot.schedule import DEFAULT_WEEKLY_DAY, MAX_TAGS, WEEKDAY_NAMES, Kind

SCHEDULE_FILE = "schedule.yml"
SCHEDULE_SCHEMA_FILE = "schedule.schema.json"
MAX_CHANNELS = 5000
"""Most channels one file may declare."""

CHANNEL_ID_PATTERN = r"^[CG][A-Z0-9]{2,63}$"
TIME_PATTERN = r"^([01]?[0-9]|2[0-3]):[0-5][0-9]$"
DAYS_WORDS = ("weekdays", "daily")
TAG_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,39}$"
_WEEKDAY = "|".join(WEEKDAY_NAMES)
DAYS_PATTERN = rf"^(daily|weekdays|({_WEEKDAY})(\s*,\s*({_WEEKDAY}))*)$"

SCHEDULE_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "channel",
        "text",
        "The channel's id (C…, or G… for an old private channel), not its #name: in Slack, "
        "open the channel's details; the id is at the bottom.",
        required=True,
    ),
    FieldSpec(
        "kind",
        "text",
        "What the channel gets: daily (the day's featured brief, the default), new (each "
        "new brief as it is published) or weekly (a digest of the week's new briefs). A "
        "channel may have one entry of each kind.",
    ),
    FieldSpec(
        "time",
        "text",
        "Local wall-clock time of the post, HH:MM in 24-hour time (00:00 to 23:59), in the "
        'channel\'s zone. Quote it: "09:00". Required, except for kind: new.',
    ),
    FieldSpec(
        "zone",
        "text",
        "An IANA time zone such as Europe/Helsinki or America/New_York.",
        required=True,
    ),
    FieldSpec(
        "days",
        "text",
        "weekdays (Monday to Friday in the channel's zone, the default), daily, or days "
        f"such as mon,wed,fri (or a list). A weekly digest takes one day (default "
        f"{DEFAULT_WEEKLY_DAY}); kind: new takes none.",
    ),
    FieldSpec(
        "tags",
        "texts",
        "Only briefs with one of these tags count (lower case letters, digits, - and _).",
        max_length=40,
        max_items=MAX_TAGS,
    ),
)
SCHEDULE_FIELD_NAMES: tuple[str, ...] = tuple(spec.name for spec in SCHEDULE_FIELDS)
REQUIRED_SCHEDULE_FIELDS: tuple[str, ...] = tuple(
    spec.name for spec in SCHEDULE_FIELDS if spec.required
)

_VALUE_SCHEMAS: dict[str, dict[str, Any]] = {
    "channel": {"type": "string", "pattern": CHANNEL_ID_PATTERN},
    "time": {"type": "string", "pattern": TIME_PATTERN},
    "zone": {"type": "string", "minLength": 1, "examples": ["Europe/Helsinki", "UTC"]},
    "kind": {"enum": [kind.value for kind in Kind], "default": Kind.DAILY.value},
    "days": {
        "oneOf": [
            {"type": "string", "pattern": DAYS_PATTERN, "default": DAYS_WORDS[0]},
            {
                "type": "array",
                "items": {"enum": list(WEEKDAY_NAMES)},
                "minItems": 1,
                "maxItems": len(WEEKDAY_NAMES),
                "uniqueItems": True,
            },
        ]
    },
    "tags": {
        "type": "array",
        "items": {"type": "string", "pattern": TAG_PATTERN},
        "minItems": 1,
        "maxItems": MAX_TAGS,
        "uniqueItems": True,
    },
}


def build_schedule_schema() -> dict[str, Any]:
    """Schema of `content/schedule.yml`: the channels whose posts the admins declare."""
    channels = {
        "type": ["object", "null"],  # an empty file declares nothing, and is fine
        "properties": {
            "channels": {
                "description": "One entry per channel and kind.",
                "type": "array",
                "maxItems": MAX_CHANNELS,
                "items": {"$ref": "#/$defs/channel"},
            }
        },
        "additionalProperties": False,
        "$defs": {
            "channel": {
                "type": "object",
                "properties": {
                    spec.name: {"description": spec.description, **_VALUE_SCHEMAS[spec.name]}
                    for spec in SCHEDULE_FIELDS
                },
                "required": list(REQUIRED_SCHEDULE_FIELDS),
                "additionalProperties": False,
                # New briefs go out as published: no time, no days; the others need a time.
                "if": {"properties": {"kind": {"const": Kind.NEW.value}}, "required": ["kind"]},
                "then": {"not": {"anyOf": [{"required": ["time"]}, {"required": ["days"]}]}},
                "else": {"required": ["time"]},
            }
        },
    }
    return file_schema(
        "briefbot schedule file",
        "What channels get (the featured brief, new briefs, a weekly digest), under "
        "'channels:'. See 'What channels get' in README.md.",
        channels,
    )
