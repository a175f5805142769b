"""A cold load of a large folder reads part of it in a helper process: the outcome is
the same as reading it all in one, later reloads use what the helper read, and a
helper that cannot start or fails only costs time."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import pytest

from bot.content.errors import ContentInvalid
from bot.content.loader import ContentLoader
from bot.content.second_core import Helper, helper_share
from tests.content_files import BRIEF, brief_text, make_content

ALWAYS = 2  # a helper for any folder of two files or more
NEVER = 10**9

needs_two_cores = pytest.mark.skipif(
    helper_share(10, min_files=2) == 0, reason="a helper process needs two cores"
)


def _folder(tmp_path: Path, count: int = 30) -> Path:
    briefs = {f"b{n:02}.yml": brief_text(title=f"Chips number {n}") for n in range(count)}
    return make_content(tmp_path, briefs)


def _errors(loader: ContentLoader) -> list[str]:
    with pytest.raises(ContentInvalid) as caught:
        loader.load_content()
    return [str(error) for error in caught.value.errors]


@needs_two_cores
def test_helper_reads_the_same_content_as_one_process(tmp_path: Path) -> None:
    """Briefs, terms and their order are the same with and without a helper."""
    content = _folder(tmp_path)
    alone = ContentLoader(content, helper_from=NEVER).load_content()
    helped_loader = ContentLoader(content, helper_from=ALWAYS)
    helped = helped_loader.load_content()
    assert helped.briefs == alone.briefs
    assert helped.terms == alone.terms
    assert helped_loader.files_parsed == 31


@needs_two_cores
def test_errors_found_by_the_helper_are_the_same(tmp_path: Path) -> None:
    """Mistakes in files the helper read are reported exactly as when read here."""
    content = _folder(tmp_path)
    # The helper reads the last files of the listing: break some of those and one early.
    (content / "briefs" / "b29.yml").write_text(BRIEF + "titel: typo\n", encoding="utf-8")
    (content / "briefs" / "b28.yml").write_bytes(b"title: \xff\xfe not utf-8\n")
    (content / "briefs" / "b01.yml").write_text("- a list, not a brief\n", encoding="utf-8")
    alone = _errors(ContentLoader(content, helper_from=NEVER))
    assert len(alone) >= 3
    assert _errors(ContentLoader(content, helper_from=ALWAYS)) == alone


@needs_two_cores
def test_reload_after_a_helped_load_reads_only_the_changed_file(tmp_path: Path) -> None:
    """The helper's results fill the cache: editing one of its files re-reads just that."""
    content = _folder(tmp_path)
    loader = ContentLoader(content, helper_from=ALWAYS)
    loader.load_content()
    edited = content / "briefs" / "b29.yml"
    before = edited.stat().st_mtime_ns
    edited.write_text(brief_text(title="Edited"), encoding="utf-8")
    os.utime(edited, ns=(before + 10**9, before + 10**9))
    briefs = {brief.id: brief for brief in loader.load_content().briefs}
    assert loader.files_parsed == 1
    assert briefs["b29"].title == "Edited"
    assert loader.load_content() is not None and loader.files_parsed == 0


@needs_two_cores
@pytest.mark.parametrize("python", ["/nonexistent/python3", "/bin/false", "/bin/echo"])
def test_a_helper_that_cannot_start_or_fails_costs_only_time(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    python: str,
) -> None:
    """No interpreter to start, a child that fails, or one that answers with something
    other than results: the loader reads every file itself."""
    content = _folder(tmp_path)
    expected = ContentLoader(content, helper_from=NEVER).load_content().briefs
    monkeypatch.setattr(sys, "executable", python)
    with caplog.at_level(logging.INFO, logger="bot.content.second_core"):
        loaded = ContentLoader(content, helper_from=ALWAYS).load_content()
    assert loaded.briefs == expected
    assert "helper" in caplog.text


def test_helper_reports_a_failing_task_instead_of_raising() -> None:
    """A helper whose task raises gives no results, so the caller does the work."""
    assert Helper("bot.content.loader:no_such_function", [1, 2]).results() is None


def test_small_folders_get_no_helper() -> None:
    """Below the threshold the loader never starts a process."""
    assert helper_share(1_999) == 0
    assert helper_share(10, min_files=20) == 0
