"""The JSON Schema files editors validate content with: generated, written and checked.

`briefbot validate --write-schemas` writes them and the suite checks the committed ones
against `schema_files()`, so the files never drift from the field tables.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.content.schedule_fields import SCHEDULE_SCHEMA_FILE, build_schedule_schema
from bot.content.schema import (
    BRIEF_SCHEMA_FILE,
    GLOSSARY_SCHEMA_FILE,
    build_brief_schema,
    build_glossary_schema,
)


def schema_files() -> dict[str, str]:
    """File name -> JSON text of every schema, exactly as `write_schemas` writes them."""
    return {
        BRIEF_SCHEMA_FILE: _dump(build_brief_schema()),
        GLOSSARY_SCHEMA_FILE: _dump(build_glossary_schema()),
        SCHEDULE_SCHEMA_FILE: _dump(build_schedule_schema()),
    }


def _dump(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def write_schemas(directory: str | Path) -> list[Path]:
    """Write the schema files into `directory` (created if needed); return their paths."""
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in schema_files().items():
        path = target / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def stale_schemas(directory: str | Path) -> list[Path]:
    """The schema files in `directory` that are missing or differ from the generated ones."""
    target = Path(directory)
    stale = []
    for name, text in schema_files().items():
        path = target / name
        try:
            current = path.read_text(encoding="utf-8")
        except OSError:
            current = None
        if current != text:
            stale.append(path)
    return stale
