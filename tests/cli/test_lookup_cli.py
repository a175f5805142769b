"""`briefbot search|define|related|featured` on real content files.

One command runs as a real subprocess; the others call the same entry point,
`bot.cli.main`, in this process."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.processes import briefbot

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A working folder holding a copy of the shipped content as ./content."""
    shutil.copytree(REPO / "content", tmp_path / "content")
    return tmp_path


def test_search_with_a_typo_finds_the_brief(site):
    """`briefbot search distilation` lists the distillation brief first and exits 0."""
    result = briefbot("search", "distilation", cwd=site)
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[:2]
    assert "distillation" in first[0].lower()
    assert "ai-distillation-national-security" in first[1]
    assert "matched in title" in first[1]


def test_search_by_exact_id_shows_the_brief(site, cli):
    """An exact id as the query shows that brief in full."""
    result = cli("search", "AI-Moratoriums-Social-Rupture", cwd=site)
    assert result.returncode == 0, result.stderr
    assert "id: ai-moratoriums-social-rupture" in result.stdout


def test_search_without_match_exits_1_with_suggestions(site, cli):
    """No match: exit 1, a clear message and suggestions on stderr, nothing on stdout."""
    result = cli("search", "polcy", "xqzv", cwd=site)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "No brief matches “polcy xqzv”" in result.stderr
    assert "Did you mean:" in result.stderr
    assert "policy" in result.stderr


def test_define_by_alias(site, cli):
    """`briefbot define sae` explains that SAE names Sparse autoencoder and defines it."""
    result = cli("define", "sae", cwd=site)
    assert result.returncode == 0, result.stderr
    assert "“SAE” is another name for Sparse autoencoder" in result.stdout
    assert "see also:" in result.stdout
    assert "emergent-misalignment-feature-geometry" in result.stdout


def test_define_with_typo_says_which_term(site, cli):
    """A misspelt term is answered, naming the term it was taken for."""
    result = cli("define", "superpositon", cwd=site)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Closest match for “superpositon”: Superposition")


def test_define_ambiguous_exits_1_with_candidates(site, cli):
    """A word in several terms: exit 1 and "did you mean" with those terms."""
    result = cli("define", "risk", cwd=site)
    assert result.returncode == 1
    assert "could mean several terms" in result.stderr
    assert "Risk management" in result.stderr and "Existential risk" in result.stderr


def test_define_unknown_exits_1(site, cli):
    """A term that is not in the glossary: exit 1 with a message naming it."""
    result = cli("define", "blockchain", cwd=site)
    assert result.returncode == 1
    assert "No glossary term matches “blockchain”" in result.stderr


def test_related_lists_hand_picked_first(site, cli):
    """`briefbot related ID` lists the hand-picked brief first, marked, then others."""
    result = cli("related", "ai-distillation-national-security", cwd=site)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Related to: AI distillation")
    assert "frontier-ai-risk-management-gaps" in lines[2] and "hand-picked" in lines[2]
    assert "ai-distillation-national-security ·" not in result.stdout


def test_related_unknown_id_suggests_ids(site, cli):
    """A mistyped id: exit 1, and the nearest ids as suggestions."""
    result = cli("related", "ai-distilation", cwd=site)
    assert result.returncode == 1
    assert "No brief has the id “ai-distilation”" in result.stderr
    assert "ai-distillation-national-security" in result.stderr


def test_featured_on_a_pinned_date(site, cli):
    """The date a brief is pinned to features that brief."""
    result = cli("featured", "2026-12-01", cwd=site)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Featured on 2026-12-01 (pinned with featured_on):")
    assert "id: ai-distillation-national-security" in result.stdout


def test_featured_says_why_a_newer_brief_is_not_the_pick(site, cli):
    """A newer brief pinned to a later date is not the day's pick, and featured says so."""
    result = cli("featured", "2026-11-29", cwd=site)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Featured on 2026-11-29 (newest brief published by then):")
    assert "id: emergent-misalignment-feature-geometry" in result.stdout
    assert result.stdout.splitlines()[-1] == (
        "Not ai-distillation-national-security (2026-11-24), though newer: it is pinned to "
        "2026-12-01 with featured_on, so it waits for that day."
    )


def test_featured_rejects_a_bad_date(site, cli):
    """A date that is not YYYY-MM-DD is a usage error (exit 2) saying how to write it."""
    result = cli("featured", "12/01/2026", cwd=site)
    assert result.returncode == 2
    assert "write YYYY-MM-DD" in result.stderr


def test_content_dir_from_option_and_environment(site, tmp_path_factory, cli):
    """--content DIR and $BRIEFBOT_CONTENT_DIR both point the commands at a content folder."""
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    by_option = cli("search", "moratorium", "--content", str(site / "content"), cwd=elsewhere)
    assert by_option.returncode == 0, by_option.stderr
    assert "ai-moratoriums-social-rupture" in by_option.stdout
    by_env = cli(
        "define", "rocq", cwd=elsewhere, env={"BRIEFBOT_CONTENT_DIR": str(site / "content")}
    )
    assert by_env.returncode == 0, by_env.stderr
    assert by_env.stdout.startswith("Rocq")


def test_broken_content_prints_every_error_and_exits_1(site, cli):
    """Invalid content: every error with its file and line on stderr, exit 1, no answer."""
    briefs = site / "content" / "briefs"
    (briefs / "bad-one.yml").write_text(
        "titel: Oops\ndate: 2026-01-01\nsummary: x\n", encoding="utf-8"
    )
    (briefs / "bad-two.yml").write_text("title: [unclosed\n", encoding="utf-8")
    for command in (["search", "ai"], ["define", "sae"], ["related", "x"], ["featured"]):
        result = cli(*command, cwd=site)
        assert result.returncode == 1, command
        assert result.stdout == ""
        assert "bad-one.yml:1" in result.stderr and "titel" in result.stderr
        assert "bad-two.yml" in result.stderr


def test_missing_content_folder_is_a_clear_error(tmp_path, cli):
    """No content folder: exit 1 with a message saying so, not a traceback."""
    result = cli("search", "ai", cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "content folder does not exist" in result.stderr
