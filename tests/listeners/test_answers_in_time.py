"""An answer is never lost: every slash command and button is acked within Slack's 3 s and
answered, with Slack's Web API slow and the bot's threads busy, over HTTP and Socket Mode."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET
from tests.fakeslack import FakeSlack
from tests.fakeslack.payloads import app_home_opened_event, block_action, event_callback
from tests.fakeslack.payloads import slash_command as slash_command_fields
from tests.fakeslack.signed_http import post_form, post_interactive, post_json
from tests.support.processes import bot_env, free_port, start_briefbot, stop, wait_http

pytestmark = pytest.mark.slow

DISTILLATION = "ai-distillation-national-security"
SLOW_METHODS = ("views.publish", "users.info", "chat.getPermalink")
SLOW_S = 1.5
HOME_OPENS = 40
PEOPLE = ("U0ALICE", "U0BOB", "U0CAROL")


@dataclass
class Transport:
    """Sends what Slack sends and returns the ack's payload; TimeoutError past Slack's 3 s."""

    name: str
    slack: FakeSlack
    send: Callable[[str, dict[str, Any]], dict[str, Any]]


def _http_sender(events_url: str) -> Callable[[str, dict[str, Any]], dict[str, Any]]:
    def send(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        if kind == "slash_commands":
            reply = post_form(events_url, payload, SIGNING_SECRET)
        elif kind == "interactive":
            reply = post_interactive(events_url, payload, SIGNING_SECRET)
        else:
            reply = post_json(events_url, payload, SIGNING_SECRET)
        assert reply.status == 200, f"HTTP {reply.status}: {reply.text}"
        return reply.json() or {}

    return send


@pytest.fixture(params=["http", "socket"])
def transport(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Transport]:
    """`briefbot serve` or `briefbot run`, as a real process, against a fake Slack."""
    with FakeSlack(bot_tokens=[BOT_TOKEN], app_tokens=[APP_TOKEN]) as slack:
        env = bot_env(
            tmp_path,
            slack.api_url,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_APP_TOKEN=APP_TOKEN,
            BRIEFBOT_CLOCK="off",
            BRIEFBOT_WATCH="off",
        )
        log = tmp_path / "bot.log"
        if request.param == "http":
            port = free_port()
            args = ["serve", "--host", "127.0.0.1", "--port", str(port)]
            process = start_briefbot(args, env, log)
            send = _http_sender(f"http://127.0.0.1:{port}/slack/events")
        else:
            process = start_briefbot(["run"], env, log)
            send = slack.send_envelope
        try:
            if request.param == "http":
                wait_http(f"http://127.0.0.1:{port}/healthz", process, log)
            else:
                try:
                    slack.wait_connected(30)
                except TimeoutError:
                    raise AssertionError(log.read_text()) from None
            yield Transport(request.param, slack, send)
        finally:
            stop(process)


def _text(message: dict[str, Any]) -> str:
    return message.get("text", "") + json.dumps(message.get("blocks") or [], ensure_ascii=False)


def _answers_to(slack: FakeSlack, url: str) -> list[dict[str, Any]]:
    return [r for r in slack.responses if r["url"] == url]


def test_every_command_and_button_is_answered_while_the_web_api_is_slow_and_threads_busy(
    transport: Transport,
) -> None:
    """With views.publish, users.info and chat.getPermalink at 1.5 s a call and 40 App Home
    opens in flight, every /brief, /define and button is acked within 3 s and answered."""
    slack, send = transport.slack, transport.send
    # A brief shared in #general whose related briefs are already threaded: pressing
    # Related again needs chat.getPermalink.
    send(
        "interactive",
        block_action(
            "share_brief",
            DISTILLATION,
            container_type="ephemeral",
            response_url=slack.new_response_url(),
        ),
    )
    post = slack.wait_for(lambda: slack.messages("C0GENERAL"))[-1]
    send(
        "interactive",
        block_action(
            "related_briefs",
            DISTILLATION,
            message=post,
            message_ts=post["ts"],
            response_url=slack.new_response_url(message_ts=post["ts"]),
        ),
    )
    slack.wait_for(lambda: len(slack.messages("C0GENERAL", post["ts"])) == 2)

    faults = [slack.fail(method, delay=SLOW_S, times=None) for method in SLOW_METHODS]
    with ThreadPoolExecutor(max_workers=HOME_OPENS + 40) as pool:
        opens = [
            pool.submit(send, "events_api", event_callback(app_home_opened_event(PEOPLE[i % 3])))
            for i in range(HOME_OPENS)
        ]
        # The App Home opens now hold whatever threads they hold, waiting on views.publish.
        slack.wait_for(lambda: len(faults[0].hits) >= 5, timeout=10)

        def command(name: str, text: str, **fields: str) -> tuple[str, Any]:
            url = slack.new_response_url(channel=fields.get("channel_id", "C0GENERAL"))
            payload = slash_command_fields(name, text, response_url=url, **fields)
            return url, pool.submit(send, "slash_commands", payload)

        def click(action_id: str, value: str, **fields: Any) -> tuple[str, Any]:
            url = slack.new_response_url(message_ts=fields.get("message_ts"))
            payload = block_action(action_id, value, response_url=url, **fields)
            return url, pool.submit(send, "interactive", payload)

        slack.add_channel("C0DAILY", "daily")
        briefs = [command("/brief", "distillation") for _ in range(10)]
        defines = [command("/define", "sae") for _ in range(5)]
        subscribe = command("/brief", "subscribe 08:30", channel_id="C0DAILY")
        terms = [click("define_term", "Distillation", container_type="ephemeral") for _ in range(5)]
        related = click("related_briefs", DISTILLATION, message=post, message_ts=post["ts"])

        # Each future raises TimeoutError if Slack's 3 s passed before the ack.
        acks = {url: future.result() for url, future in [*briefs, *defines, subscribe]}
        for _, future in [*terms, related]:
            future.result()
        for future in opens:
            future.result()

    for url, _ in briefs:
        answer = acks[url] if acks[url].get("blocks") else _answers_to(slack, url)[0]
        assert "distillation" in _text(answer).lower()
    for url, _ in defines:
        answer = acks[url] if acks[url].get("blocks") else _answers_to(slack, url)[0]
        assert "Sparse autoencoder" in _text(answer)
    (subscribed,) = slack.wait_for(lambda: _answers_to(slack, subscribe[0]), timeout=15)
    assert "Subscribed" in _text(subscribed)
    for url, _ in terms:
        (defined,) = slack.wait_for(lambda url=url: _answers_to(slack, url), timeout=15)
        assert "Distillation" in _text(defined)
    (pointer,) = slack.wait_for(lambda: _answers_to(slack, related[0]), timeout=15)
    assert "already in" in _text(pointer)
    # And every Home tab was published in the end.
    slack.wait_for(lambda: len(slack.calls_to("views.publish")) == HOME_OPENS, timeout=30)
