"""`content/schedule.yml`, field by field, and the JSON Schema editors check it with.

The same `FieldSpec` tables as briefs and the glossary (bot/content/schema.py): the
checker in `bot.daily.declared` takes the field names, which are required, and what each
means from `SCHEDULE_FIELDS`, and `build_schedule_schema` turns them into the schema
`briefbot schema` writes into content/schemas/.
"""

from __future__ import annotations

from typing import Any

from bot.content.schema import JSON_SCHEMA_DIALECT, FieldSpec

SCHEDULE_FILE = "schedule.yml"
SCHEDULE_SCHEMA_FILE = "schedule.schema.json"
MAX_CHANNELS = 5000
"""Most channels one file may declare."""

CHANNEL_ID_PATTERN = r"^[CG][A-Z0-9]{2,63}$"
TIME_PATTERN = r"^([01]?[0-9]|2[0-3]):[0-5][0-9]$"
DAYS_WORDS = ("weekdays", "daily")

SCHEDULE_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "channel",
        "text",
        "The channel's id (C…, or G… for an old private channel), not its #name: in Slack, "
        "open the channel's details; the id is at the bottom.",
        required=True,
    ),
    FieldSpec(
        "time",
        "text",
        "Local wall-clock time of the daily post, HH:MM in 24-hour time (00:00 to 23:59), "
        'in the channel\'s zone. Quote it: "09:00".',
        required=True,
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
        "weekdays (Monday to Friday in the channel's zone, the default) or daily.",
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
    "days": {"enum": list(DAYS_WORDS), "default": DAYS_WORDS[0]},
}


def build_schedule_schema() -> dict[str, Any]:
    """Schema of `content/schedule.yml`: the channels whose daily post the admins declare."""
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "title": "briefbot daily schedule file",
        "description": "Channels that get the daily brief, under 'channels:'. "
        "See 'Channels set by the admins' in README.md.",
        "type": ["object", "null"],  # an empty file declares nothing, and is fine
        "properties": {
            "channels": {
                "description": "One entry per channel; each channel at most once.",
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
            }
        },
    }
