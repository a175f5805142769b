"""`briefbot run` as a real process: Socket Mode envelopes in over a WebSocket, acks back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import APP_TOKEN, BOT_TOKEN
from tests.fakeslack import FakeSlack
from tests.fakeslack.payloads import (
    app_home_opened_event,
    app_mention_event,
    block_action,
    clicked_again,
    event_callback,
    message_action,
    now_ts,
    slash_command,
)
from tests.support.explain import SCENARIOS, Said, found_terms
from tests.support.processes import SocketModeBot, bot_env, socket_mode, start_briefbot, stop

pytestmark = pytest.mark.slow

DISTILLATION = "ai-distillation-national-security"


@pytest.fixture(scope="module")
def socket_slack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeSlack]:
    with socket_mode(tmp_path_factory.mktemp("run")) as running:
        yield running.slack


@pytest.fixture
def socket_bot(tmp_path: Path) -> Iterator[SocketModeBot]:
    """A `briefbot run` of the test's own, for a test that stops it to settle."""
    with socket_mode(tmp_path) as running:
        yield running


def test_connects_through_the_configured_api_url(socket_slack: FakeSlack) -> None:
    """apps.connections.open goes to SLACK_API_URL with the app token."""
    (call, *_) = socket_slack.calls_to("apps.connections.open")
    assert call.headers.get("Authorization", call.headers.get("authorization")) == (
        f"Bearer {APP_TOKEN}"
    )


def test_slash_commands_are_answered_in_the_ack(socket_slack: FakeSlack) -> None:
    """/brief and /define envelopes are acked with the answer as payload."""
    brief = socket_slack.send_envelope(
        "slash_commands",
        slash_command("/brief", "distilation", response_url=socket_slack.new_response_url()),
    )
    assert "distillation" in brief["blocks"][0]["text"]["text"].lower()
    define = socket_slack.send_envelope(
        "slash_commands",
        slash_command("/define", "sae", response_url=socket_slack.new_response_url()),
    )
    assert "Sparse autoencoder" in json.dumps(define)


def test_typed_text_is_searched_as_typed_over_socket_mode(socket_slack: FakeSlack) -> None:
    """/brief <!channel> & zzqq, sent escaped as Slack does, is echoed as typed."""
    answer = socket_slack.send_envelope(
        "slash_commands",
        slash_command("/brief", "<!channel> & zzqq", response_url=socket_slack.new_response_url()),
    )
    text = json.dumps(answer, ensure_ascii=False)
    assert "“&lt;!channel&gt; &amp; zzqq”" in text
    assert "&amp;amp;" not in text and "&amp;lt;" not in text


def test_buttons_over_socket_mode(socket_slack: FakeSlack) -> None:
    """Every button works over Socket Mode: share, related, define, show, glossary, read story."""
    socket_slack.send_envelope(
        "interactive",
        block_action(
            "share_brief",
            DISTILLATION,
            container_type="ephemeral",
            response_url=socket_slack.new_response_url(),
        ),
    )
    post = socket_slack.wait_for(lambda: socket_slack.messages("C0GENERAL"))[-1]
    socket_slack.send_envelope(
        "interactive",
        block_action(
            "related_briefs",
            DISTILLATION,
            message=post,
            message_ts=post["ts"],
            response_url=socket_slack.new_response_url(message_ts=post["ts"]),
        ),
    )
    socket_slack.wait_for(lambda: len(socket_slack.messages("C0GENERAL", post["ts"])) == 2)
    url = socket_slack.new_response_url()
    socket_slack.send_envelope(
        "interactive",
        block_action(
            "define_term", "Export controls", container_type="ephemeral", response_url=url
        ),
    )
    socket_slack.wait_for(lambda: any(r["url"] == url for r in socket_slack.responses))


def test_events_over_socket_mode(socket_slack: FakeSlack) -> None:
    """app_home_opened and app_mention envelopes reach their listeners."""
    socket_slack.send_envelope("events_api", event_callback(app_home_opened_event("U0CAROL")))
    socket_slack.wait_for(lambda: socket_slack.views.get("U0CAROL"))
    socket_slack.send_envelope(
        "events_api", event_callback(app_mention_event("hi", channel="C0GENERAL", user="U0CAROL"))
    )
    socket_slack.wait_for(lambda: socket_slack.ephemeral(user="U0CAROL"))


def test_twice_delivered_clicks_and_events_act_once(socket_bot: SocketModeBot) -> None:
    """Over Socket Mode, Share clicked twice posts once, and an event Slack delivers again
    (a new envelope with retry_attempt 1, the same event_id) gets one answer."""
    socket_slack = socket_bot.slack
    socket_slack.fail("chat.postMessage", delay=0.5, times=None)
    socket_slack.fail("chat.postEphemeral", delay=0.5, times=None)
    try:
        before = len(socket_slack.messages("C0GENERAL"))
        click = block_action(
            "share_brief",
            DISTILLATION,
            user_id="U0BOB",
            container_type="ephemeral",
            message_ts=now_ts(),
            response_url=socket_slack.new_response_url(),
        )
        socket_slack.send_envelope("interactive", click)
        socket_slack.send_envelope("interactive", clicked_again(click))
        mention = event_callback(app_mention_event("hi", channel="C0GENERAL", user="U0BOB"))
        socket_slack.send_envelope("events_api", mention)
        socket_slack.send_envelope("events_api", mention, retry_attempt=1, retry_reason="timeout")
        socket_slack.wait_for(
            lambda: (
                len(socket_slack.messages("C0GENERAL")) > before
                and socket_slack.ephemeral(user="U0BOB")
            )
        )
        socket_bot.settle()  # the bot finishes what it started, then stops
        assert len(socket_slack.messages("C0GENERAL")) == before + 1
        assert len(socket_slack.ephemeral(user="U0BOB")) == 1
    finally:
        socket_slack.clear_faults()


@pytest.mark.parametrize(
    ("kind", "payload"),
    [
        ("events_api", None),
        ("events_api", [1, 2]),
        ("events_api", {"type": "event_callback", "event": "not an object"}),
        ("interactive", {"type": "block_actions", "actions": "none"}),
        ("slash_commands", {"command": ["/brief"]}),
        ("no_such_type", {"x": 1}),
    ],
)
def test_malformed_envelopes_break_nothing(
    socket_slack: FakeSlack, kind: str, payload: object
) -> None:
    """An envelope with a payload briefbot cannot read is dropped; the connection and the
    bot carry on and answer the next command."""
    socket_slack.post_envelope(kind, payload)  # type: ignore[arg-type]
    answer = socket_slack.send_envelope(
        "slash_commands",
        slash_command("/define", "sae", response_url=socket_slack.new_response_url()),
    )
    assert "Sparse autoencoder" in json.dumps(answer)


def test_missing_app_token_says_what_to_set(tmp_path: Path) -> None:
    """`briefbot run` without SLACK_APP_TOKEN names it and how to create the app."""
    import subprocess
    import sys

    env = bot_env(tmp_path, "http://127.0.0.1:9/api/", SLACK_BOT_TOKEN=BOT_TOKEN)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "SLACK_APP_TOKEN" in done.stderr and "app-manifest.yml" in done.stderr


def test_the_socket_mode_ticket_is_never_logged(tmp_path: Path) -> None:
    """At DEBUG, the log shows Slack's answers but never the ticket of the Socket Mode URL."""
    import re

    with FakeSlack(bot_tokens=[BOT_TOKEN], app_tokens=[APP_TOKEN]) as slack:
        env = bot_env(
            tmp_path,
            slack.api_url,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_APP_TOKEN=APP_TOKEN,
            BRIEFBOT_LOG_LEVEL="DEBUG",
        )
        log = tmp_path / "run.log"
        process = start_briefbot(["run"], env, log)
        try:
            slack.wait_connected(30)
            slack.send_envelope("events_api", event_callback(app_home_opened_event("U0DAN")))
        finally:
            stop(process)
    text = log.read_text()
    assert "apps.connections.open" in text  # the answer that carries the URL was logged…
    assert not re.search(r"ticket=[0-9a-f]{8}", text)  # …without its ticket


def test_explain_terms_over_socket_mode(socket_slack: FakeSlack) -> None:
    """The Explain terms shortcut arrives in an interactive envelope, is acked, and its
    answer (terms found, Slack's escaping undone) goes to the response URL."""
    message = socket_slack.post_as("U0BOB", "C0GENERAL", "Distillation &amp; an LLM")
    url = socket_slack.new_response_url()
    ack = socket_slack.send_envelope(
        "interactive", message_action("explain_terms", message=message, response_url=url)
    )
    assert ack == {}
    (answer,) = socket_slack.wait_for(
        lambda: [r for r in socket_slack.responses if r["url"] == url]
    )
    found = [b["accessory"]["value"] for b in answer["blocks"] if "accessory" in b]
    assert found == ["Distillation", "Large language model"]


@pytest.mark.parametrize(("case", "said", "expected"), SCENARIOS, ids=[c for c, _, _ in SCENARIOS])
def test_explain_terms_over_socket_mode_finds_what_it_should(
    socket_slack: FakeSlack, case: str, said: Said, expected: list[str]
) -> None:
    """Each case of the shared Explain terms table, over Socket Mode: the private answer
    lists exactly the expected terms (or says none were found)."""
    message = socket_slack.post_as("U0BOB", "C0GENERAL", **said)
    url = socket_slack.new_response_url()
    ack = socket_slack.send_envelope(
        "interactive", message_action("explain_terms", message=message, response_url=url)
    )
    assert ack == {}
    (answer,) = socket_slack.wait_for(
        lambda: [r for r in socket_slack.responses if r["url"] == url]
    )
    assert found_terms(answer) == expected, case


def test_shared_alias_over_socket_mode(socket_slack: FakeSlack) -> None:
    """/define GPAI (two meanings in the shipped glossary) lists both with a Full definition
    button each; pressing one answers with that term in full."""
    listed = socket_slack.send_envelope(
        "slash_commands",
        slash_command("/define", "GPAI", response_url=socket_slack.new_response_url()),
    )
    buttons = [
        block["accessory"]
        for block in listed["blocks"]
        if block.get("accessory", {}).get("text", {}).get("text") == "Full definition"
    ]
    assert [button["value"] for button in buttons] == [
        "General-purpose AI",
        "Global Partnership on AI",
    ]
    url = socket_slack.new_response_url()
    socket_slack.send_envelope(
        "interactive",
        block_action(
            buttons[1]["action_id"],
            buttons[1]["value"],
            container_type="ephemeral",
            response_url=url,
        ),
    )
    (answer,) = socket_slack.wait_for(
        lambda: [r for r in socket_slack.responses if r["url"] == url]
    )
    assert "integrated partnership with the OECD" in json.dumps(answer)
    assert "Full definition" not in json.dumps(answer)
