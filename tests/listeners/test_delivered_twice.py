"""What Slack delivers twice happens once: a double click on Share, an event retried.

Through the real Bolt app and store (SQLite and PostgreSQL), in-process and as a real
`briefbot serve` over HTTP; tests/test_socket_mode.py has the same over Socket Mode.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from slack_bolt.request import BoltRequest

from bot.localslack import inbound
from bot.search.meaning import MeaningModel
from bot.slack import blocks
from tests.conftest import SIGNING_SECRET
from tests.fakeslack import ScriptedSlack
from tests.fakeslack.signed_http import post_interactive, post_json
from tests.support.processes import ServedBot, serving

if TYPE_CHECKING:
    from tests.support.bot import BotHarness

pytest_plugins = ("tests.support.databases", "tests.support.bot")

DISTILLATION = "ai-distillation-national-security"
FORM = "application/x-www-form-urlencoded"
SLOW_S = 0.5  # how long Slack takes to answer the calls made slow


def share_click(slack: ScriptedSlack, user: str = "U0ALICE") -> dict[str, Any]:
    """A click on Share in channel on a private answer (which has its own message ts)."""
    return inbound.block_action(
        {"action_id": blocks.SHARE_BRIEF, "value": DISTILLATION},
        user_id=user,
        response_url=slack.new_response_url(),
        message_ts=inbound.now_ts(),
        ephemeral=True,
    )


@pytest.fixture
def harness(
    tmp_path: Path, content_dir: Path, migrated_url: str, meaning_model: MeaningModel
) -> Iterator[BotHarness]:
    from tests.support.bot import make_harness

    with ScriptedSlack() as slack:
        bot = make_harness(slack, content_dir, migrated_url, model=meaning_model)
        yield bot
        bot.services.store.engine.dispose()


def dispatch_click(bot: BotHarness, payload: dict[str, Any]) -> None:
    response = bot.dispatch(inbound.interactive_body(payload), FORM)
    assert response.status == 200


def test_a_double_click_on_share_posts_once(harness: BotHarness) -> None:
    """Two clicks on the same Share button, the second while the first is still posting
    (Slack is slow), put one message in the channel."""
    harness.slack.fail("chat.postMessage", delay=SLOW_S, times=None)
    first = share_click(harness.slack)
    dispatch_click(harness, first)
    dispatch_click(harness, inbound.clicked_again(first))
    harness.slack.wait_for(lambda: harness.slack.messages("C0GENERAL"))
    harness.settle()
    assert len(harness.slack.calls_to("chat.postMessage")) == 1
    assert len(harness.slack.messages("C0GENERAL")) == 1


def test_a_second_click_after_the_share_posts_nothing(harness: BotHarness) -> None:
    """A click on the same Share button after the share went out posts nothing more."""
    first = share_click(harness.slack)
    dispatch_click(harness, first)
    harness.slack.wait_for(lambda: harness.slack.messages("C0GENERAL"))
    harness.settle()
    dispatch_click(harness, inbound.clicked_again(first))
    harness.settle()
    assert len(harness.slack.messages("C0GENERAL")) == 1


def test_each_answer_and_each_person_shares_on_their_own(harness: BotHarness) -> None:
    """Two different answers, or two people, sharing the same brief both get posted."""
    for user in ("U0ALICE", "U0ALICE", "U0BOB"):
        dispatch_click(harness, share_click(harness.slack, user))
    harness.slack.wait_for(lambda: len(harness.slack.messages("C0GENERAL")) == 3)


def test_a_share_slack_refused_can_be_clicked_again(harness: BotHarness) -> None:
    """When Slack refuses the post (nothing was posted), clicking Share again posts it."""
    harness.slack.fail("chat.postMessage", error="ratelimited")
    first = share_click(harness.slack)
    dispatch_click(harness, first)
    harness.slack.wait_for(lambda: harness.slack.calls_to("chat.postMessage"))
    harness.settle()
    dispatch_click(harness, inbound.clicked_again(first))
    harness.slack.wait_for(lambda: harness.slack.messages("C0GENERAL"))


def test_a_share_in_doubt_is_not_posted_again(harness: BotHarness) -> None:
    """When Slack answers 5xx after posting, a second click does not post it a second time."""
    harness.slack.fail("chat.postMessage", status=503, after_applying=True)
    first = share_click(harness.slack)
    dispatch_click(harness, first)
    harness.slack.wait_for(lambda: harness.slack.messages("C0GENERAL"))
    harness.settle()
    dispatch_click(harness, inbound.clicked_again(first))
    harness.settle()
    assert len(harness.slack.messages("C0GENERAL")) == 1


def test_an_event_retried_while_the_first_is_running_answers_once(harness: BotHarness) -> None:
    """A mention delivered again with the same event_id (X-Slack-Retry-Num: 1) while the
    first delivery is still waiting on Slack gets one answer, not two."""
    harness.slack.fail("chat.postEphemeral", delay=SLOW_S, times=None)
    envelope = inbound.app_mention("hello", user="U0BOB")
    body = inbound.json_body(envelope)
    assert harness.dispatch(body, "application/json").status == 200
    headers = {"content-type": "application/json"} | inbound.signed_headers(body, harness.secret)
    headers |= inbound.retry_headers(1)
    assert harness.app.dispatch(BoltRequest(body=body, headers=headers)).status == 200
    harness.slack.wait_for(lambda: harness.slack.ephemeral(user="U0BOB"))
    harness.settle()
    assert len(harness.slack.calls_to("chat.postEphemeral")) == 1


def test_different_events_are_each_handled(harness: BotHarness) -> None:
    """Two mentions (two event ids) get two answers."""
    for _ in range(2):
        body = inbound.json_body(inbound.app_mention("hello", user="U0BOB"))
        assert harness.dispatch(body, "application/json").status == 200
    harness.slack.wait_for(lambda: len(harness.slack.ephemeral(user="U0BOB")) == 2)


# --- the same over HTTP, against `briefbot serve` -------------------------------------


@pytest.fixture
def served(tmp_path: Path, database_url: str) -> Iterator[ServedBot]:
    with serving(tmp_path, DATABASE_URL=database_url) as served:
        yield served


@pytest.mark.slow
def test_over_http_a_double_click_shares_once_and_a_retry_answers_once(
    served: ServedBot,
) -> None:
    """`briefbot serve`: Share clicked twice posts once; a mention retried by Slack with
    X-Slack-Retry-Num gets one answer."""
    slack, url = served.slack, served.events
    slack.fail("chat.postMessage", delay=SLOW_S, times=None)
    slack.fail("chat.postEphemeral", delay=SLOW_S, times=None)
    first = share_click(slack)
    assert post_interactive(url, first, SIGNING_SECRET).status == 200
    assert post_interactive(url, inbound.clicked_again(first), SIGNING_SECRET).status == 200
    mention = inbound.app_mention("hello", user="U0BOB")
    assert post_json(url, mention, SIGNING_SECRET).status == 200
    for attempt in (1, 2):
        retried = post_json(url, mention, SIGNING_SECRET, headers=inbound.retry_headers(attempt))
        assert retried.status == 200
    slack.wait_for(lambda: slack.messages("C0GENERAL") and slack.ephemeral(user="U0BOB"))
    served.settle()
    assert len(slack.calls_to("chat.postMessage")) == 1
    assert len(slack.calls_to("chat.postEphemeral")) == 1


def test_a_claim_is_won_once_and_forgotten_after_a_day(engine: Any) -> None:
    """claim_once: the first caller wins, later ones lose; a released claim, or one older
    than a day (Slack has long stopped retrying), can be won again."""
    import datetime as dt

    from bot.store import Store

    now = [dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)]
    store = Store(engine, clock=lambda: now[0])
    assert store.claim_once("event:Ev1") is True
    assert store.claim_once("event:Ev1") is False
    assert store.claim_once("event:Ev2") is True
    store.release_once("event:Ev2")
    assert store.claim_once("event:Ev2") is True
    long_key = "share:" + "x" * 400
    assert store.claim_once(long_key) is True
    assert store.claim_once(long_key) is False
    now[0] += dt.timedelta(days=1, seconds=1)
    assert store.claim_once("event:Ev1") is True
