"""Helpers that write small content folders into a temporary directory for tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.errors import ContentError, ContentInvalid
from bot.content.loader import load_content

GLOSSARY = """\
terms:
  - term: Distillation
    definition: Training a small model to imitate a larger one from its answers.
    aliases: [model distillation]
    see_also: [Export controls]
  - term: Export controls
    definition: Rules on which goods and technology may be sold abroad.
  - term: Frontier AI
    definition: The most capable AI models of the day.
    aliases: [frontier models]
"""

BRIEF = """\
title: Chips, rules and copies
date: 2024-05-01
summary: A paragraph about export rules and distillation.
points:
  - One point.
  - Another point.
terms: [Distillation, export controls]
tags: [policy]
source:
  name: CSET
  url: https://cset.georgetown.edu/article/x
"""


def brief_text(**fields: str) -> str:
    """A valid brief with some top-level fields replaced (value given as YAML text)."""
    lines = {
        "title": "Chips, rules and copies",
        "date": "2024-05-01",
        "summary": "A paragraph about export rules and distillation.",
    }
    lines.update(fields)
    return "".join(f"{key}: {value}\n" for key, value in lines.items())


def make_content(
    root: Path,
    briefs: dict[str, str | bytes] | None = None,
    glossary: str | bytes | None = GLOSSARY,
) -> Path:
    """Write `briefs` (file name -> text) and the glossary under `root/content`."""
    content = root / "content"
    (content / "briefs").mkdir(parents=True, exist_ok=True)
    for name, text in ({"chips.yml": BRIEF} if briefs is None else briefs).items():
        write(content / "briefs" / name, text)
    if glossary is not None:
        write(content / "glossary.yml", glossary)
    return content


def write(path: Path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


def load_errors(content: Path) -> tuple[ContentError, ...]:
    """Every error the loader reports for `content`; fails the test if it loads."""
    with pytest.raises(ContentInvalid) as caught:
        load_content(content)
    return caught.value.errors


def only_error(content: Path) -> ContentError:
    """The single error the loader reports for `content`."""
    errors = load_errors(content)
    assert len(errors) == 1, "\n".join(map(str, errors))
    return errors[0]
