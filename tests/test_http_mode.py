"""`briefbot serve` as a real process: signed HTTP requests in, real Web API calls out."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SIGNING_SECRET
from tests.fakeslack.payloads import (
    app_home_opened_event,
    app_mention_event,
    block_action,
    event_callback,
    slash_command,
)
from tests.fakeslack.signed_http import post_form, post_interactive, post_json, post_raw
from tests.support.processes import ServedBot, bot_env, serving

pytestmark = pytest.mark.slow

DISTILLATION = "ai-distillation-national-security"


class Served:
    def __init__(self, bot: ServedBot) -> None:
        self.bot, self.slack, self.base, self.events = bot, bot.slack, bot.base, bot.events

    def command(self, command: str, text: str, **kwargs: object) -> dict:
        url = self.slack.new_response_url()
        reply = post_form(
            self.events,
            slash_command(command, text, response_url=url, **kwargs),
            secret=SIGNING_SECRET,
        )
        assert reply.status == 200, reply.text
        return reply.json()

    def click(self, action_id: str, value: str, **kwargs: object) -> str:
        url = self.slack.new_response_url(message_ts=kwargs.get("message_ts"))
        payload = block_action(action_id, value, response_url=url, **kwargs)
        reply = post_interactive(self.events, payload, secret=SIGNING_SECRET)
        assert reply.status == 200, reply.text
        return url


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serving(tmp_path_factory.mktemp("serve")) as bot:
        yield Served(bot)


def test_healthz_reports_the_content_version(served: Served) -> None:
    """GET /healthz answers ok with the bot's and the content's versions."""
    with urllib.request.urlopen(served.base + "/healthz") as response:
        body = json.load(response)
    assert body["ok"] is True and len(body["content_version"]) == 12


def test_brief_and_define_answer_in_the_ack(served: Served) -> None:
    """/brief and /define over HTTP are answered in the acknowledgement itself."""
    brief = served.command("/brief", "distillation")
    assert brief["response_type"] == "ephemeral"
    assert "distillation" in brief["blocks"][0]["text"]["text"].lower()
    define = served.command("/define", "sae")
    assert "Sparse autoencoder" in json.dumps(define["blocks"])


def test_typed_ampersands_and_angle_brackets_are_echoed_as_typed(served: Served) -> None:
    """Text Slack sends escaped (`&lt;!channel&gt; R&amp;D`) is echoed once-escaped over HTTP."""
    answer = json.dumps(served.command("/define", "<!channel> R&D qqzzx"), ensure_ascii=False)
    assert "“&lt;!channel&gt; R&amp;D qqzzx”" in answer
    assert "&amp;amp;" not in answer and "&amp;lt;" not in answer and "<!channel>" not in answer


def test_share_button_posts_in_channel(served: Served) -> None:
    """A signed Share click makes the app call chat.postMessage on the fake Slack."""
    before = len(served.slack.messages("C0GENERAL"))
    served.click("share_brief", DISTILLATION, container_type="ephemeral")
    served.slack.wait_for(lambda: len(served.slack.messages("C0GENERAL")) > before)
    assert "Shared by <@U0ALICE>" in json.dumps(served.slack.messages("C0GENERAL")[-1])


def test_related_button_threads_under_a_channel_post(served: Served) -> None:
    """Related briefs on a channel post threads one reply under it."""
    served.click("share_brief", DISTILLATION, container_type="ephemeral")
    post = served.slack.wait_for(
        lambda: [m for m in served.slack.messages("C0GENERAL") if "Shared by" in json.dumps(m)]
    )[-1]
    served.click("related_briefs", DISTILLATION, message=post, message_ts=post["ts"])
    thread = served.slack.wait_for(
        lambda: (
            len(served.slack.messages("C0GENERAL", post["ts"])) == 2
            and served.slack.messages("C0GENERAL", post["ts"])
        )
    )
    assert thread[1]["thread_ts"] == post["ts"]


def test_show_define_and_glossary_buttons_answer_privately(served: Served) -> None:
    """Show, a term button and the glossary's Next page answer through the response URL."""
    urls = [
        served.click("show_brief", DISTILLATION, container_type="ephemeral"),
        served.click("define_term", "Distillation", container_type="ephemeral"),
        served.click("glossary_page:next", "2", container_type="ephemeral"),
        served.click("read_story", "", container_type="ephemeral"),
    ]
    served.slack.wait_for(
        lambda: all(any(r["url"] == url for r in served.slack.responses) for url in urls[:3])
    )


def test_events_home_and_mention(served: Served) -> None:
    """app_home_opened publishes the Home tab; a mention outside a thread gets a hint."""
    reply = post_json(
        served.events, event_callback(app_home_opened_event("U0BOB")), secret=SIGNING_SECRET
    )
    assert reply.status == 200
    served.slack.wait_for(lambda: served.slack.views.get("U0BOB"))
    post_json(
        served.events,
        event_callback(app_mention_event("hello", channel="C0GENERAL", user="U0BOB")),
        secret=SIGNING_SECRET,
    )
    served.slack.wait_for(lambda: served.slack.ephemeral(user="U0BOB"))


@pytest.mark.parametrize("how", ["unsigned", "forged", "tampered", "expired"])
def test_bad_signatures_get_401_and_run_nothing(served: Served, how: str) -> None:
    """Forged, tampered, expired (over 5 minutes) and unsigned requests never reach a listener."""
    before = len(served.slack.calls_to("chat.postMessage"))
    payload = block_action(
        "share_brief",
        DISTILLATION,
        container_type="ephemeral",
        response_url=served.slack.new_response_url(),
    )
    from tests.fakeslack.payloads import interactive_body, signed_headers

    body = interactive_body(payload).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if how == "forged":
        headers |= signed_headers(body, "wrong-secret")
    elif how == "tampered":
        headers |= signed_headers(body, SIGNING_SECRET)
        body = body.replace(b"share_brief", b"share_brieX")
    elif how == "expired":
        headers |= signed_headers(body, SIGNING_SECRET, int(time.time()) - 6 * 60)
    reply = post_raw(served.events, body, headers)
    assert reply.status == 401
    served.bot.settle()
    assert len(served.slack.calls_to("chat.postMessage")) == before


def test_hostile_and_odd_commands_never_break(served: Served) -> None:
    """Empty, huge, unicode and mention-laden command text all get a 200 and an answer."""
    for text in ["", " ", "<!channel> <!here>", "x" * 20000, "ディスティレーション 🤖", "\u0000"]:
        for command in ("/brief", "/define"):
            answer = served.command(command, text)
            assert answer["blocks"], (command, text)
            assert "<!channel>" not in json.dumps(answer)


def test_missing_tokens_say_what_to_set(tmp_path: Path) -> None:
    """`briefbot serve` without tokens exits with a message naming them and the manifest."""
    import subprocess
    import sys

    env = bot_env(tmp_path, "http://127.0.0.1:9/api/")
    done = subprocess.run(
        [sys.executable, "-m", "bot", "serve"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "SLACK_BOT_TOKEN" in done.stderr and "SLACK_SIGNING_SECRET" in done.stderr
    assert "app-manifest.yml" in done.stderr
