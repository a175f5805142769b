"""Share, Related briefs and Explain terms' Post in thread post once, whatever Slack
answers: through the real Bolt app and store (SQLite and PostgreSQL) against the local
Slack, which can answer 503 after storing the message, as Slack can.

After an uncertain answer briefbot looks for its post (by the message metadata it
carries) instead of posting again; a definite refusal lets a later press try again.
Each test waits for briefbot's work after the ack to be over (`settle`) before the
next press, so the order of events is the one the test names.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from bot.listeners.followups import FollowUps
from bot.localslack import BOT_USER_ID, inbound
from bot.search.meaning import MeaningModel
from bot.slack import blocks
from bot.slack.explain_blocks import EXPLAIN_IN_THREAD, EXPLAIN_TERMS
from bot.store import Store
from tests.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.fakeslack import FakeSlack, ScriptedSlack
from tests.fakeslack.signed_http import post_interactive
from tests.support.processes import serve_briefbot

if TYPE_CHECKING:
    from tests.support.bot import BotHarness, Sent

pytest_plugins = ("tests.support.databases", "tests.support.bot")

DISTILLATION = "ai-distillation-national-security"
FORM = "application/x-www-form-urlencoded"
SETTLE_S = 10.0  # the most briefbot's work after an ack may take here


class InlineExecutor(Executor):
    """Runs each listener on the thread that dispatches the request, so a dispatch
    returns once the listener has acked and handed its Slack calls to the follow-ups."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:
            future.set_exception(error)
        return future


@dataclass
class World:
    bot: BotHarness
    follow_ups: FollowUps

    @property
    def slack(self) -> ScriptedSlack:
        return self.bot.slack

    def settle(self) -> None:
        """Wait until every press so far has been handled to its end and Slack is quiet."""
        self.bot.settle(SETTLE_S)

    def thread(self, parent: dict[str, Any], channel: str = "C0GENERAL") -> list[dict]:
        return self.slack.messages(channel, parent["ts"])

    def said_to(self, sent: Sent) -> str:
        """Everything the presser was told through the press's response URL."""
        said = [r for r in self.slack.responses if r["url"] == sent.response_url]
        return json.dumps(said, ensure_ascii=False)


@pytest.fixture
def world(content_dir: Path, migrated_url: str, meaning_model: MeaningModel) -> Iterator[World]:
    from tests.support.bot import make_harness

    with ScriptedSlack() as slack:
        bot = make_harness(slack, content_dir, migrated_url, model=meaning_model)
        yield World(bot, bot.follow_ups)
        bot.close()


def shared_post(world: World) -> dict[str, Any]:
    """Share a brief into #general; the channel message, once briefbot has recorded it."""
    world.bot.click(blocks.SHARE_BRIEF, DISTILLATION, ephemeral=True)
    world.settle()
    (post,) = world.slack.messages("C0GENERAL")
    return post


def related_replies(world: World, post: dict[str, Any]) -> list[dict]:
    replies = world.thread(post)[1:]
    return [m for m in replies if "Related to" in json.dumps(m.get("blocks", []))]


# --- Related briefs --------------------------------------------------------------------


def test_related_briefs_are_threaded_once_when_slack_answers_503_after_posting(
    world: World,
) -> None:
    """Slack stores the related briefs and answers 503: a second press, and a mention,
    post nothing more and point to the reply that is there."""
    post = shared_post(world)
    world.slack.fail("chat.postMessage", status=503, after_applying=True)
    first = world.bot.click(blocks.RELATED_BRIEFS, DISTILLATION, message=post)
    world.settle()
    assert len(related_replies(world, post)) == 1
    again = world.bot.click(blocks.RELATED_BRIEFS, DISTILLATION, message=post, user="U0BOB")
    world.bot.event(inbound.app_mention("related", channel="C0GENERAL", thread_ts=post["ts"]))
    world.settle()
    assert len(related_replies(world, post)) == 1
    pointer = world.said_to(again)
    assert "already in" in pointer and "/archives/C0GENERAL/p" in pointer  # links the reply
    assert "something went wrong" not in world.said_to(first)  # it did go out


def test_a_mention_answered_503_after_posting_is_not_threaded_again(world: World) -> None:
    """The same through "@briefbot related": the second mention posts nothing more."""
    post = shared_post(world)
    world.slack.fail("chat.postMessage", status=503, after_applying=True)
    for _ in range(2):
        mention = inbound.app_mention("related", channel="C0GENERAL", thread_ts=post["ts"])
        world.bot.event(mention)
        world.settle()
    assert len(related_replies(world, post)) == 1
    (note,) = world.slack.ephemeral(user="U0ALICE")
    assert "already in" in note["text"]


def test_related_briefs_slack_did_not_post_go_out_on_the_next_press(world: World) -> None:
    """A 503 before anything was stored: the presser hears it went wrong, the next
    press finds no reply in the thread and posts it, once."""
    post = shared_post(world)
    world.slack.fail("chat.postMessage", status=503)
    first = world.bot.click(blocks.RELATED_BRIEFS, DISTILLATION, message=post)
    world.settle()
    assert "something went wrong" in world.said_to(first)
    assert related_replies(world, post) == []
    world.bot.click(blocks.RELATED_BRIEFS, DISTILLATION, message=post, user="U0BOB")
    world.settle()
    assert len(related_replies(world, post)) == 1


def test_without_history_access_a_post_in_doubt_is_never_sent_twice(world: World) -> None:
    """When the thread cannot be read (no history scopes: missing_scope), a post Slack
    did not confirm is not sent again, and both pressers are told so."""
    post = shared_post(world)
    world.slack.fail("chat.postMessage", status=503, after_applying=True)
    world.slack.fail("conversations.replies", error="missing_scope", times=None)
    first = world.bot.click(blocks.RELATED_BRIEFS, DISTILLATION, message=post)
    world.settle()
    again = world.bot.click(blocks.RELATED_BRIEFS, DISTILLATION, message=post, user="U0BOB")
    world.settle()
    assert len(related_replies(world, post)) == 1
    for sent in (first, again):
        assert "Slack did not confirm" in world.said_to(sent)


def test_a_claim_left_by_a_process_that_died_mid_post_is_taken_over(world: World) -> None:
    """A claim never settled (its process died before posting) is taken over by a press
    minutes later, which finds no reply and posts one."""
    post = shared_post(world)
    store = world.bot.services.store
    earlier = Store(store.engine, clock=lambda: store.now() - dt.timedelta(minutes=3))
    assert earlier.claim_once(f"related:C0GENERAL:{post['ts']}", keep=None)
    world.bot.click(blocks.RELATED_BRIEFS, DISTILLATION, message=post)
    world.settle()
    assert len(related_replies(world, post)) == 1


def test_a_claim_being_posted_right_now_is_not_taken_over(world: World) -> None:
    """A claim made a moment ago is another press at work: a press now posts nothing."""
    post = shared_post(world)
    assert world.bot.services.store.claim_once(f"related:C0GENERAL:{post['ts']}", keep=None)
    again = world.bot.click(blocks.RELATED_BRIEFS, DISTILLATION, message=post)
    world.settle()
    assert related_replies(world, post) == []
    assert "already in" in world.said_to(again)


# --- Share -------------------------------------------------------------------------------


def share_click(slack: ScriptedSlack) -> dict[str, Any]:
    """A click on Share in channel on a private answer (which has its own message ts)."""
    return inbound.block_action(
        {"action_id": blocks.SHARE_BRIEF, "value": DISTILLATION},
        response_url=slack.new_response_url(),
        message_ts=inbound.now_ts(),
        ephemeral=True,
    )


def click(world: World, payload: dict[str, Any]) -> None:
    assert world.bot.dispatch(inbound.interactive_body(payload), FORM).status == 200


def test_a_share_slack_did_not_post_goes_out_on_the_next_click(world: World) -> None:
    """Share answered 503 before Slack stored anything: clicking it again shares it,
    once, and it is known as the brief's message."""
    world.slack.fail("chat.postMessage", status=503)
    first = share_click(world.slack)
    click(world, first)
    world.settle()
    assert world.slack.messages("C0GENERAL") == []
    click(world, inbound.clicked_again(first))
    world.settle()
    (post,) = world.slack.messages("C0GENERAL")
    assert world.bot.services.store.brief_for_message("C0GENERAL", post["ts"]) == DISTILLATION


def test_a_share_slack_answered_503_after_posting_is_recorded(world: World) -> None:
    """Share stored by Slack, then answered 503: the post is found, recorded as the
    brief's message (so "@briefbot related" works under it) and the private answer goes."""
    world.slack.fail("chat.postMessage", status=503, after_applying=True)
    first = share_click(world.slack)
    click(world, first)
    world.settle()
    (post,) = world.slack.messages("C0GENERAL")
    assert world.bot.services.store.brief_for_message("C0GENERAL", post["ts"]) == DISTILLATION
    (response,) = [r for r in world.slack.responses if r["url"] == first["response_url"]]
    assert response.get("delete_original") is True
    click(world, inbound.clicked_again(first))
    world.settle()
    assert len(world.slack.messages("C0GENERAL")) == 1


# --- Explain terms' Post in thread ---------------------------------------------------------


def post_in_thread_button(world: World, message: dict[str, Any]) -> dict[str, Any]:
    sent = world.bot.shortcut(EXPLAIN_TERMS, message=message)
    world.settle()
    (answer,) = [r for r in world.slack.responses if r["url"] == sent.response_url]
    (button,) = [
        e
        for b in answer["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == EXPLAIN_IN_THREAD
    ]
    return button


def press(world: World, button: dict[str, Any], user: str) -> Sent:
    return world.bot.click(button["action_id"], button["value"], user=user, ephemeral=True)


def test_an_explanation_slack_answered_503_after_posting_is_pointed_to(world: World) -> None:
    """Post in thread stored by Slack, then answered 503: a second press posts nothing
    and links to the reply that is there."""
    message = world.slack.post_as("U0BOB", "C0GENERAL", "An SAE and RLHF")
    button = post_in_thread_button(world, message)
    world.slack.fail("chat.postMessage", status=503, after_applying=True)
    press(world, button, "U0ALICE")
    world.settle()
    again = press(world, button, "U0CAROL")
    world.settle()
    replies = world.thread(message)[1:]
    assert len(replies) == 1 and replies[0]["user"] == BOT_USER_ID
    pointer = world.said_to(again)
    assert "already explained" in pointer and "/archives/C0GENERAL/p" in pointer


def test_an_explanation_slack_did_not_post_goes_out_on_the_next_press(world: World) -> None:
    """Post in thread answered 503 before Slack stored it: the next press posts it once."""
    message = world.slack.post_as("U0BOB", "C0GENERAL", "An SAE and RLHF")
    button = post_in_thread_button(world, message)
    world.slack.fail("chat.postMessage", status=503)
    press(world, button, "U0ALICE")
    world.settle()
    assert world.thread(message)[1:] == []
    press(world, button, "U0CAROL")
    world.settle()
    assert len(world.thread(message)[1:]) == 1


# --- the store's claims ----------------------------------------------------------------------


def test_a_claim_moves_from_claimed_to_done_or_in_doubt_and_back(engine: Any) -> None:
    """claimed -> in doubt -> claimed again by one caller -> done; done stays done."""
    now = [dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)]
    store = Store(engine, clock=lambda: now[0])
    key = "related:C1:1.1"
    assert store.claim_once(key, keep=None)
    stale = dt.timedelta(minutes=2)
    assert not store.retake_once(key, stale_after=stale)  # its holder is at work
    store.doubt_once(key)
    assert store.retake_once(key, stale_after=stale)
    assert not store.retake_once(key, stale_after=stale)
    now[0] += dt.timedelta(minutes=3)
    assert store.retake_once(key, stale_after=stale)  # its holder died
    store.settle_once(key, "1.2")
    claim = store.once_claim(key)
    assert claim is not None and (claim.state, claim.reply_ts) == ("done", "1.2")
    store.doubt_once(key)
    assert not store.release_once(key)
    assert not store.retake_once(key, stale_after=stale)
    now[0] += dt.timedelta(days=30)
    assert not store.claim_once(key, keep=None)  # kept for good


# --- the same over HTTP, against `briefbot serve` -----------------------------------------


@pytest.fixture
def served(tmp_path: Path, database_url: str) -> Iterator[tuple[FakeSlack, str]]:
    with (
        FakeSlack(bot_tokens=[BOT_TOKEN]) as slack,
        serve_briefbot(tmp_path, slack.api_url, DATABASE_URL=database_url) as base,
    ):
        yield slack, f"{base}/slack/events"


@pytest.mark.slow
def test_over_http_related_briefs_answered_503_after_posting_are_threaded_once(
    served: tuple[FakeSlack, str],
) -> None:
    """`briefbot serve`: Related briefs, stored by Slack and answered 503, then pressed
    again by someone else, leaves one reply in the thread and a pointer to it."""
    slack, url = served
    parent = slack.post_as("U0BOB", "C0GENERAL", "A brief worth a thread")
    slack.fail("chat.postMessage", status=503, after_applying=True)

    def press(user: str) -> str:
        response_url = slack.new_response_url()
        payload = inbound.block_action(
            {"action_id": blocks.RELATED_BRIEFS, "value": DISTILLATION},
            user_id=user,
            response_url=response_url,
            message=parent,
        )
        assert post_interactive(url, payload, SIGNING_SECRET).status == 200
        return response_url

    first = press("U0ALICE")
    # The first press is over once it has looked for its reply (or, before the fix,
    # told Alice something went wrong).
    slack.wait_for(
        lambda: (
            slack.calls_to("conversations.replies")
            or [r for r in slack.responses if r["url"] == first]
        )
    )
    again = press("U0CAROL")

    def replies() -> list[dict[str, Any]]:
        return slack.messages("C0GENERAL", parent["ts"])[1:]

    # Carol is pointed to the reply, or (before the fix) the briefs are threaded again.
    slack.wait_for(lambda: len(replies()) > 1 or [r for r in slack.responses if r["url"] == again])
    assert len(replies()) == 1
    (pointer,) = [r for r in slack.responses if r["url"] == again]
    assert "already in" in pointer["text"]
