"""Was this helpful? 👍 / 👎 through the real Bolt app and store (SQLite and PostgreSQL)
against the local Slack: a press delivered twice or double-clicked counts once, the other
button changes the vote, the same one again withdraws it, the person is told privately
each time it counted and never twice; forged or stale buttons count nothing; votes on
channel posts, Explain terms and definitions count per brief and per term; /brief report
lists them over its period, least helpful first."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from bot.localslack import inbound
from bot.model import ItemKind, Vote
from bot.search.meaning import MeaningModel
from bot.slack import blocks
from bot.slack.explain_blocks import EXPLAIN_TERMS
from bot.slack.feedback import FEEDBACK_BLOCK, VOTE_DOWN, VOTE_UP
from bot.store import Store
from tests.fakeslack import ScriptedSlack

if TYPE_CHECKING:
    from tests.support.bot import BotHarness

pytest_plugins = ("tests.support.databases", "tests.support.bot")

DISTILLATION = "ai-distillation-national-security"
OTHER = "frontier-ai-risk-management-gaps"
ADMIN = "U0CAROL"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def harness(
    content_dir: Path, migrated_url: str, meaning_model: MeaningModel
) -> Iterator[BotHarness]:
    from tests.support.bot import make_harness

    with ScriptedSlack() as slack:
        bot = make_harness(slack, content_dir, migrated_url, model=meaning_model)
        try:
            yield bot
        finally:
            bot.close()


def feedback_value(message: dict[str, Any]) -> str:
    """The value the 👍 / 👎 row of a message (or ack) carries."""
    (row,) = [b for b in message["blocks"] if b.get("block_id") == FEEDBACK_BLOCK]
    assert [e["action_id"] for e in row["elements"]] == [VOTE_UP, VOTE_DOWN]
    value: str = row["elements"][0]["value"]
    return value


def later(action_ts: str, seconds: float) -> str:
    return f"{Decimal(action_ts) + Decimal(str(seconds)):.6f}"


class Voter:
    """Presses 👍 or 👎 on one message as Slack sends the press."""

    def __init__(self, bot: BotHarness, value: str, message: dict[str, Any] | None = None):
        self.bot, self.value, self.message = bot, value, message

    def payload(self, button: str, action_ts: str, user: str = "U0ALICE") -> dict[str, Any]:
        message_ts = (self.message or {}).get("ts") or "1796634000.000001"
        return inbound.block_action(
            {"action_id": button, "value": self.value, "action_ts": action_ts},
            user_id=user,
            response_url=self.bot.slack.new_response_url(user=user, message_ts=message_ts),
            message=self.message,
            message_ts=message_ts,
            ephemeral=self.message is None,
        )

    def deliver(self, payload: dict[str, Any]) -> None:
        response = self.bot.dispatch(inbound.interactive_body(payload), FORM)
        assert response.status == 200

    def replies(self, payload: dict[str, Any]) -> list[str]:
        """What the press's response URL got, once everything settled."""
        self.bot.settle()
        url = payload["response_url"]
        return [
            r["text"] + json.dumps(r.get("blocks", []), ensure_ascii=False)
            for r in self.bot.slack.responses
            if r["url"] == url
        ]


def brief_answer(bot: BotHarness, query: str = "distillation") -> dict[str, Any]:
    sent = bot.command("/brief", query)
    assert sent.response.status == 200
    return sent.ack


def tallies(store: Store, kind: ItemKind = ItemKind.BRIEF) -> list[tuple[str, int, int]]:
    report = store.vote_report(7)
    return [(t.name, t.up, t.down) for t in (report.briefs if kind == "brief" else report.terms)]


def test_a_vote_delivered_twice_and_double_clicked_counts_once_then_changes_and_withdraws(
    harness: BotHarness,
) -> None:
    store = harness.services.store
    voter = Voter(harness, feedback_value(brief_answer(harness)))
    start = inbound.now_ts()
    first = voter.payload(VOTE_UP, start)
    voter.deliver(first)
    voter.deliver(first)  # the same press, delivered again
    voter.deliver(inbound.clicked_again(first))  # the second click of a double click
    (thanks,) = voter.replies(first)
    assert "Thanks: you found AI distillation" in thanks and "helpful" in thanks
    assert "Press 👍 again to withdraw" in thanks
    assert tallies(store) == [(DISTILLATION, 1, 0)]

    change = voter.payload(VOTE_DOWN, later(start, 0.4))  # the other button, at once
    voter.deliver(change)
    (changed,) = voter.replies(change)
    assert "Vote changed" in changed and "not helpful" in changed
    assert tallies(store) == [(DISTILLATION, 0, 1)]

    withdraw = voter.payload(VOTE_DOWN, later(start, 5))
    voter.deliver(withdraw)
    voter.deliver(inbound.clicked_again(withdraw))
    (withdrawn,) = voter.replies(withdraw)
    assert "is withdrawn" in withdrawn
    assert tallies(store) == []
    assert store.vote_of("U0ALICE", ItemKind.BRIEF, DISTILLATION) is None

    voter.deliver(first)  # the first press, delivered late: still nothing
    assert voter.replies(first) == [thanks]
    assert tallies(store) == []


def test_votes_on_a_shared_post_count_each_persons_once(harness: BotHarness) -> None:
    """Everyone sees the same row on a channel post; each person's press is their own
    vote, and each is told privately."""
    share = harness.click(blocks.SHARE_BRIEF, DISTILLATION, ephemeral=True)
    assert share.response.status == 200
    (post,) = harness.slack.wait_for(lambda: harness.slack.messages("C0GENERAL"))
    voter = Voter(harness, feedback_value(post), message=post)
    now = inbound.now_ts()
    presses = {
        user: voter.payload(button, now, user=user)
        for user, button in (("U0ALICE", VOTE_UP), ("U0BOB", VOTE_DOWN), ("U0DAN", VOTE_UP))
    }
    for payload in presses.values():
        voter.deliver(payload)
    harness.settle()
    assert tallies(harness.services.store) == [(DISTILLATION, 2, 1)]
    for user, payload in presses.items():
        (said,) = voter.replies(payload)
        assert ("not helpful" in said) == (user == "U0BOB")
    ephemerals = [r for r in harness.slack.responses if r.get("response_type") == "ephemeral"]
    assert {r["url"] for r in ephemerals} >= {p["response_url"] for p in presses.values()}
    assert len(harness.slack.messages("C0GENERAL")) == 1  # nothing more in the channel


def test_explain_terms_and_definitions_count_per_term(harness: BotHarness) -> None:
    sent = harness.shortcut(
        EXPLAIN_TERMS, text="We trained a sparse autoencoder, then tried distillation."
    )
    (answer,) = harness.responses_to(sent)
    explained = Voter(harness, feedback_value(answer))
    start = inbound.now_ts()
    press = explained.payload(VOTE_UP, start)
    explained.deliver(press)
    (said,) = explained.replies(press)
    assert "these 2 terms" in said
    names = sorted(name for name, _, _ in tallies(harness.services.store, ItemKind.TERM))
    assert names == ["Distillation", "Sparse autoencoder"]

    defined = harness.command("/define", "sae").ack
    voter = Voter(harness, feedback_value(defined))
    press = voter.payload(VOTE_UP, later(start, 3))
    voter.deliver(press)
    (withdrawn,) = voter.replies(press)  # the same person, the same term: a second 👍
    assert "Your vote on *Sparse autoencoder* is withdrawn" in withdrawn
    assert "Sparse autoencoder" not in [n for n, _, _ in tallies(harness.services.store, "term")]


def test_forged_and_stale_buttons_count_nothing(harness: BotHarness, content_dir: Path) -> None:
    forged = [
        ('["brief", "no-such-brief"]', "no longer in the library"),
        ('["term", "No such term"]', "no longer in the glossary"),
        ("not json", "not one of briefbot's"),
        ('["story", "x"]', "not one of briefbot's"),
    ]
    for value, said in forged:
        voter = Voter(harness, value)
        press = voter.payload(VOTE_UP, inbound.now_ts())
        voter.deliver(press)
        (reply,) = voter.replies(press)
        assert said in reply
    report = harness.services.store.vote_report(7)
    assert report.briefs == report.terms == ()


def test_brief_report_lists_the_votes_of_its_period_least_helpful_first(
    harness: BotHarness,
) -> None:
    store = harness.services.store
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=20)
    old = Store(store.engine, clock=lambda: long_ago).for_team(store.team)
    old.cast_vote("U0OLD", ItemKind.TERM, ["Distillation"], Vote.DOWN, "1.0")
    for user, vote in (("U1", Vote.UP), ("U2", Vote.DOWN)):
        store.cast_vote(user, ItemKind.BRIEF, [DISTILLATION], vote, "1.0")
    store.cast_vote("U1", ItemKind.BRIEF, [OTHER], Vote.DOWN, "1.0")

    week = harness.command("/brief", "report", user=ADMIN).ack_text
    assert "Was this helpful? Briefs, least helpful first (3 votes in the last 7 days)" in week
    assert week.index(OTHER) < week.index(DISTILLATION)
    assert "*0%* helpful · 👍 0 👎 1" in week and "*50%* helpful · 👍 1 👎 1" in week
    assert "Distillation\\n" not in week.split("Terms, least helpful first")[1][:40]
    month = harness.command("/brief", "report 30", user=ADMIN).ack_text
    terms = month.split("Was this helpful? Terms, least helpful first (1 vote in the last 30")[1]
    assert "👎 1 · Distillation" in terms
    refused = harness.command("/brief", "report", user="U0ALICE").ack_text
    assert "Was this helpful" not in refused


@pytest.mark.postgres
def test_a_vote_while_the_database_is_down_says_so_and_counts_when_pressed_again(
    content_dir: Path, postgres_url: str
) -> None:
    """PostgreSQL gone mid-run: the press is answered with what happened and what to do,
    nothing half-written; pressed again once it is back, the vote counts."""
    from sqlalchemy import make_url

    from tests.support.bot import make_harness
    from tests.support.tcp import Proxy

    url = make_url(postgres_url)
    proxy = Proxy(url.host or "127.0.0.1", url.port or 5432)
    through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    with ScriptedSlack() as slack:
        bot = make_harness(slack, content_dir, through)
        try:
            voter = Voter(bot, feedback_value(brief_answer(bot)))
            proxy.cut()
            start = inbound.now_ts()
            lost = voter.payload(VOTE_UP, start)
            voter.deliver(lost)
            (said,) = voter.replies(lost)
            assert "could not record your vote" in said and "press it again" in said
            assert "something went wrong" not in said
            proxy.restore()
            again = voter.payload(VOTE_UP, later(start, 30))
            voter.deliver(again)
            (thanks,) = voter.replies(again)
            assert "Thanks: you found" in thanks
            assert tallies(bot.services.store) == [(DISTILLATION, 1, 0)]
        finally:
            bot.close()
            proxy.close()
