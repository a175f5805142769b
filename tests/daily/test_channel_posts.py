"""The posts subscribed channels get (a new brief, the flood guard's overflow line, the weekly
digest), sent with the real slack_sdk client to the local Slack, whose own Block Kit checks
refuse anything Slack would."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

import pytest
from slack_sdk import WebClient

from bot.localslack import DEFAULT_BOT_TOKEN
from bot.localslack.block_limits import check_blocks
from bot.model import Brief, Source
from bot.slack import blocks
from bot.slack.channel_posts import (
    new_brief_message,
    new_briefs_overflow_message,
    weekly_digest_message,
)

if TYPE_CHECKING:
    from tests.support.bot import BotHarness

pytest_plugins = ("tests.support.bot",)

CHANNEL = "C0GENERAL"
WEEK = dt.date(2026, 11, 23)
HOSTILE = "<!channel> & <@U123ABC>"


def brief(number: int, **overrides: Any) -> Brief:
    fields: dict[str, Any] = {
        "id": f"brief-{number:03d}",
        "title": f"Brief {number} {HOSTILE} " + "long title words " * 20,
        "date": WEEK + dt.timedelta(days=number % 7),
        "summary": f"First sentence of brief {number} {HOSTILE}. " + "More words. " * 200,
        "points": tuple(f"Point {i}." for i in range(20)),
        "terms": tuple(f"Term {i}" for i in range(30)),
        "tags": ("governance", "security"),
        "source": Source("Publisher", "https://example.org/story?a=1&b=2"),
    }
    fields.update(overrides)
    return Brief(**fields)


def post(app: BotHarness, message: blocks.Message) -> dict[str, Any]:
    """Post through the local Slack's Web API (which rejects invalid blocks); the stored message."""
    client = WebClient(token=DEFAULT_BOT_TOKEN, base_url=app.slack.api_url)
    answer = client.chat_postMessage(channel=CHANNEL, **message.payload())
    assert answer["ok"]
    (stored,) = [m for m in app.slack.messages(CHANNEL) if m["ts"] == answer["ts"]]
    assert check_blocks(stored["blocks"]) == []
    return stored


def test_weekly_digest_of_200_briefs_fits_slack_and_says_how_many_more(bot: BotHarness) -> None:
    """A week of 200 long briefs: the local Slack accepts the digest; it lists some, each
    with a Show button, and ends with "and N more" counting the rest."""
    week = [brief(n) for n in range(200)]
    stored = post(bot, weekly_digest_message(week, WEEK))
    shown = [b for b in stored["blocks"] if (b.get("accessory") or {}).get("value")]
    assert 0 < len(shown) < 200
    assert all(b["accessory"]["action_id"] == blocks.SHOW_BRIEF for b in shown)
    assert [b["accessory"]["value"] for b in shown] == [b.id for b in week[: len(shown)]]
    text = json.dumps(stored["blocks"], ensure_ascii=False)
    assert f"and {200 - len(shown)} more" in text and "/brief latest" in text
    assert "Nov 23, 2026" in text and "200 new briefs" in text
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    assert len(stored["text"]) <= blocks.FALLBACK_MAX


def test_weekly_digest_counts_briefs_the_caller_left_out(bot: BotHarness) -> None:
    """`more` (briefs the sweep did not pass) is added to "and N more" and to the count."""
    stored = post(bot, weekly_digest_message([brief(1), brief(2)], WEEK, more=5))
    text = json.dumps(stored["blocks"], ensure_ascii=False)
    assert "and 5 more" in text and "7 new briefs" in text


def test_weekly_digest_entry_shows_title_date_and_first_sentence(bot: BotHarness) -> None:
    """Each entry: the title, its date and only the summary's first sentence."""
    one = brief(1, title="Chip rules", summary="Export rules tighten. Second sentence here.")
    stored = post(bot, weekly_digest_message([one], WEEK))
    text = json.dumps(stored["blocks"], ensure_ascii=False)
    assert "Chip rules" in text and "Nov 24, 2026" in text and "Export rules tighten." in text
    assert "Second sentence" not in text and "more:" not in text
    assert "1 new brief this week" in text


def test_digest_show_button_opens_the_brief(bot: BotHarness) -> None:
    """Show on a digest entry answers with that brief, through the real app."""
    library_brief = bot.services.library.briefs[0]
    stored = post(bot, weekly_digest_message([library_brief], WEEK))
    entry = next(b for b in stored["blocks"] if b.get("accessory"))
    button = entry["accessory"]
    sent = bot.click(button["action_id"], button["value"], message=stored)
    (response,) = bot.responses_to(sent)
    assert library_brief.title.split()[0] in json.dumps(response, ensure_ascii=False)


@pytest.mark.parametrize("number", [1, 2, 3])
def test_new_brief_post_fits_slack_and_says_it_is_new(bot: BotHarness, number: int) -> None:
    """A new brief's post: the whole brief with a "New brief" banner, Related briefs and
    the story link, accepted by the local Slack however long the brief."""
    stored = post(bot, new_brief_message(brief(number)))
    text = json.dumps(stored["blocks"], ensure_ascii=False)
    assert "New brief" in text and "Related briefs" in text
    assert stored["text"].startswith("New brief: Brief")
    assert "Today's featured brief" not in text


def test_overflow_line_counts_the_rest_and_points_to_latest(bot: BotHarness) -> None:
    """The flood guard's line: "…and 47 more new briefs: `/brief latest`"."""
    stored = post(bot, new_briefs_overflow_message(47))
    assert "and 47 more new briefs: `/brief latest`" in json.dumps(stored["blocks"])
    assert "47 more new briefs" in stored["text"]
    assert "1 more new brief:" in post(bot, new_briefs_overflow_message(1))["text"]
