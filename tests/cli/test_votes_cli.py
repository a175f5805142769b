"""`briefbot report` and `briefbot export` with votes, on SQLite and PostgreSQL: per brief
and per term the votes and the share found helpful over the chosen period, least
helpful first, only the chosen team's; the export writes them beside the content."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from bot.model import ItemKind, Vote
from bot.store import Store, make_engine, sqlite_url, upgrade
from tests.cli.test_admin_cli import DISTILLATION, repo, run_main

pytest_plugins = ("tests.support.databases",)
__all__ = ["repo"]  # the fixture, used by name

SAE = "Sparse autoencoder"
OTHER_BRIEF = "frontier-ai-risk-management-gaps"
HOME, AWAY = "T0HOME", "T0AWAY"


def seed(url: str) -> None:
    """Home: distillation 1 up 2 down, the other brief 2 up, SAE 1 down, and one vote 40
    days old; Away: a vote the same people cast in another workspace."""
    engine = make_engine(url)
    upgrade(engine)
    now = dt.datetime.now(dt.UTC)
    try:
        home = Store(engine, clock=lambda: now).for_team(HOME)
        old = Store(engine, clock=lambda: now - dt.timedelta(days=40)).for_team(HOME)
        away = Store(engine, clock=lambda: now).for_team(AWAY)
        for user, vote in (("U1", Vote.UP), ("U2", Vote.DOWN), ("U3", Vote.DOWN)):
            home.cast_vote(user, ItemKind.BRIEF, [DISTILLATION], vote, "1.0")
        for user in ("U1", "U2"):
            home.cast_vote(user, ItemKind.BRIEF, [OTHER_BRIEF], Vote.UP, "1.0")
        home.cast_vote("U1", ItemKind.TERM, [SAE], Vote.DOWN, "1.0")
        old.cast_vote("U9", ItemKind.TERM, ["Distillation"], Vote.UP, "1.0")
        away.cast_vote("U1", ItemKind.BRIEF, [DISTILLATION], Vote.UP, "1.0")
        away.cast_vote("U1", ItemKind.BRIEF, ["away-only-brief"], Vote.UP, "1.0")
    finally:
        engine.dispose()


def test_report_shows_the_teams_votes_least_helpful_first(
    repo: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(database_url)
    several = run_main("report", "--database", database_url, capsys=capsys)
    assert several.returncode == 1
    assert "several teams (T0AWAY, T0HOME)" in several.stderr and "--team" in several.stderr

    ran = run_main("report", "--database", database_url, "--team", HOME, capsys=capsys)
    assert ran.returncode == 0, ran.stderr
    votes = ran.stdout[ran.stdout.index("Was this helpful?") :]
    assert "6 votes" in votes.splitlines()[0] or ": 6," in votes.splitlines()[0]
    assert votes.index(DISTILLATION) < votes.index(OTHER_BRIEF)  # 33% before 100%
    assert " 33% helpful     1 up    2 down  " + DISTILLATION in votes
    assert "100% helpful     2 up    0 down  " + OTHER_BRIEF in votes
    assert "  0% helpful     0 up    1 down  " + SAE in votes
    assert "away-only-brief" not in votes
    assert "Distillation" not in votes  # 40 days old: outside the 7 days

    month = run_main(
        "report", "--database", database_url, "--team", HOME, "--days", "60", capsys=capsys
    )
    assert "100% helpful     1 up    0 down  Distillation" in month.stdout

    away = run_main("report", "--database", database_url, "--team", AWAY, capsys=capsys)
    assert "away-only-brief" in away.stdout and OTHER_BRIEF not in away.stdout


@pytest.mark.parametrize("fmt", ["json", "csv", "md"])
def test_export_writes_the_votes_beside_the_content(
    repo: Path, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = sqlite_url(repo / "bot.db")
    seed(url)
    ran = run_main(
        "export", "--format", fmt, "--out", "out", "--database", url, "--team", HOME,
        capsys=capsys,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    assert sorted(p.name for p in (repo / "out").iterdir()) == sorted(
        [f"briefs.{fmt}", f"glossary.{fmt}", f"votes.{fmt}"]
    )
    text = (repo / "out" / f"votes.{fmt}").read_text(encoding="utf-8")
    # Briefs, then terms, each least helpful first.
    assert text.index(DISTILLATION) < text.index(OTHER_BRIEF) < text.index(SAE)
    assert "away-only-brief" not in text
    if fmt == "json":
        data = json.loads(text)
        assert data["period"] == "ever cast"
        first = data["votes"][0]
        assert (first["kind"], first["id"], first["up"], first["down"]) == (
            "brief",
            DISTILLATION,
            1,
            2,
        )
        by_id = {record["id"]: record for record in data["votes"]}
        assert by_id[DISTILLATION]["helpful"] == pytest.approx(1 / 3, abs=1e-3)
        assert by_id[DISTILLATION]["title"].startswith("AI distillation")
        assert by_id["Distillation"]["votes"] == 1  # every vote, however old
    if fmt == "md":
        assert "| 33% | 1 | 2 |" in text


def test_export_without_a_database_writes_the_content_and_says_so(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ran = run_main("export", "--format", "json", "--out", "out", capsys=capsys)
    assert ran.returncode == 0
    assert "votes not exported" in ran.stderr
    assert sorted(p.name for p in (repo / "out").iterdir()) == ["briefs.json", "glossary.json"]
    named = run_main(
        "export", "--format", "json", "--database", sqlite_url(repo / "no.db"), capsys=capsys
    )
    assert named.returncode == 1 and "There is no database at" in named.stderr
    assert not (repo / "no.db").exists()


def test_report_of_a_database_not_upgraded_yet_still_shows_the_lookups(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A database at 0007 (the bot not restarted since the upgrade): the lookups, and a
    note that the votes could not be read."""
    url = sqlite_url(repo / "old.db")
    engine = make_engine(url)
    upgrade(engine, "0007")
    engine.dispose()
    ran = run_main("report", "--database", url, capsys=capsys)
    assert ran.returncode == 0, ran.stderr
    assert "Lookups from" in ran.stdout and "Was this helpful?" not in ran.stdout
    assert "the report may be incomplete" in ran.stderr
    assert "note: the votes could not be read" in ran.stderr
