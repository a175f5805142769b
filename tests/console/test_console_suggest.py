"""The console fills in the Suggest modal as prompts, and its person, an admin, approves."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

from bot.console import run
from tests.support.processes import ROOT


def button(lines: list[str], label: str) -> str:
    numbers = re.findall(rf"\[(\d+)\] {re.escape(label)}", "\n".join(lines))
    assert numbers, "\n".join(lines)
    return numbers[-1]


def test_suggest_a_term_as_prompts_then_approve_it(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    out: list[str] = []

    def script() -> Iterator[str]:
        # Read lazily, so each button number comes from what the console has shown so far.
        yield "/define qqqzzz"
        yield button(out, "Suggest a term")
        yield ""  # keep the name typed
        yield "http://not a link"  # a definition, which is fine
        yield ""  # no aliases
        yield ""  # no context
        yield "ftp://example.org"  # a source that is not an http(s) link
        # The form says what is wrong and asks that field again.
        yield "https://example.org/qqqzzz"
        yield button(out, "Approve")
        yield "/define qqqzzz"
        yield "quit"

    assert run(content, lines=script(), write=out.append) == 0
    text = "\n".join(out)
    assert "Suggest a term (a form)" in text
    assert "Term [Enter keeps “qqqzzz”]:" in text
    assert "✗ Source: The link must start with http:// or https://" in text
    assert "Sent to the admins for review" in text
    assert "suggests a new term “qqqzzz”" in text
    assert "Approved" in text
    assert 'term: "qqqzzz"' in (content / "glossary.yml").read_text()
    served = text.split("> /define qqqzzz")[-1]
    assert "qqqzzz" in served and "http://not a link" in served
