"""The fake Slack behaves like Slack for the real slack_sdk and Bolt clients."""

from __future__ import annotations

import contextlib
import json
import threading
from urllib.parse import urlencode

import pytest
import time_machine
from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.models.blocks import SectionBlock
from slack_sdk.signature import SignatureVerifier
from slack_sdk.socket_mode import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.webhook import WebhookClient
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect as ws_connect

from bot.localslack import BOT_USER_ID, Call, CallHook, Detour, LocalSlack
from tests.fakeslack import ScriptedSlack
from tests.fakeslack.payloads import (
    app_mention_event,
    block_action,
    event_callback,
    interactive_fields,
    signed_headers,
    slash_command,
)


def _client(slack: LocalSlack, token: str, **kwargs: object) -> WebClient:
    return WebClient(token=token, base_url=slack.api_url, **kwargs)  # type: ignore[arg-type]


def _error(exc: pytest.ExceptionInfo[SlackApiError]) -> str:
    return str(exc.value.response["error"])


# --- Web API ------------------------------------------------------------------


def test_post_message_is_stored_and_listed_newest_first(local_slack, bot_token):
    """chat.postMessage stores the message; conversations.history lists newest first."""
    client = _client(local_slack, bot_token)
    first = client.chat_postMessage(channel="C0GENERAL", text="one", unfurl_links=False)
    second = client.chat_postMessage(channel="C0GENERAL", text="two")

    assert first["channel"] == "C0GENERAL"
    assert first["message"]["user"] == BOT_USER_ID
    assert float(second["ts"]) > float(first["ts"])
    stored = local_slack.messages("C0GENERAL")
    assert [m["text"] for m in stored] == ["one", "two"]
    assert stored[0]["unfurl_links"] is False
    history = client.conversations_history(channel="C0GENERAL")
    assert [m["text"] for m in history["messages"]] == ["two", "one"]
    assert "unfurl_links" not in history["messages"][1]


def test_bad_tokens_get_slacks_auth_errors(local_slack, bot_token):
    """Unknown, missing and revoked tokens raise SlackApiError with Slack's error codes."""
    with pytest.raises(SlackApiError) as unknown:
        _client(local_slack, "xoxb-wrong").auth_test()
    with pytest.raises(SlackApiError) as missing:
        _client(local_slack, "").auth_test()
    local_slack.revoke_token(bot_token)
    with pytest.raises(SlackApiError) as revoked:
        _client(local_slack, bot_token).chat_postMessage(channel="C0GENERAL", text="x")

    assert (_error(unknown), _error(missing), _error(revoked)) == (
        "invalid_auth",
        "not_authed",
        "token_revoked",
    )
    assert local_slack.messages() == []


def test_channel_errors_match_slack(local_slack, bot_token):
    """Unknown, private-without-bot, bot-not-member and archived channels refuse posts."""
    local_slack.add_channel("C0SECRET", "secret", is_private=True, bot_is_member=False)
    local_slack.add_channel("C0OUTSIDE", "outside", bot_is_member=False)
    local_slack.add_channel("C0OLD", "old", is_archived=True)
    client = _client(local_slack, bot_token)
    errors = {}
    for channel in ("C0NOPE", "C0SECRET", "C0OUTSIDE", "C0OLD"):
        with pytest.raises(SlackApiError) as exc:
            client.chat_postMessage(channel=channel, text="hello")
        errors[channel] = _error(exc)

    assert errors == {
        "C0NOPE": "channel_not_found",
        "C0SECRET": "channel_not_found",
        "C0OUTSIDE": "not_in_channel",
        "C0OLD": "is_archived",
    }
    assert local_slack.messages() == []


def test_conversations_info_and_direct_messages(local_slack, bot_token):
    """conversations.info tells whether the bot is in; posting to a user id opens a DM."""
    local_slack.add_channel("C0OUTSIDE", "outside", bot_is_member=False)
    client = _client(local_slack, bot_token)
    outside = client.conversations_info(channel="C0OUTSIDE")["channel"]
    dm = client.chat_postMessage(channel="U0BOB", text="psst")

    assert (outside["name"], outside["is_member"], outside["is_private"]) == (
        "outside",
        False,
        False,
    )
    assert dm["channel"].startswith("D")
    assert client.conversations_info(channel=dm["channel"])["channel"]["user"] == "U0BOB"
    assert [m["text"] for m in local_slack.messages(dm["channel"])] == ["psst"]


def test_unknown_method_answers_unknown_method(local_slack, bot_token):
    """A method Slack does not have gets `unknown_method`."""
    with pytest.raises(SlackApiError) as exc:
        _client(local_slack, bot_token).api_call("chat.postTelegram", json={"text": "x"})
    assert _error(exc) == "unknown_method"


def test_block_kit_limits_are_enforced(local_slack, bot_token):
    """Blocks Slack would reject (a header over 150 characters) get `invalid_blocks`."""
    client = _client(local_slack, bot_token)
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(
            channel="C0GENERAL",
            text="t",
            blocks=[{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}],
        )
    ok = client.chat_postMessage(
        channel="C0GENERAL", text="t", blocks=[SectionBlock(text="fine")], unfurl_links=False
    )

    assert _error(exc) == "invalid_blocks"
    assert "json-pointer:/blocks/0/text" in exc.value.response["errors"][0]
    assert ok["message"]["blocks"][0]["type"] == "section"


def test_threads_broadcasts_and_replies(local_slack, bot_token):
    """Replies stay out of history unless broadcast; conversations.replies lists the thread."""
    client = _client(local_slack, bot_token)
    parent = client.chat_postMessage(channel="C0GENERAL", text="parent")["ts"]
    client.chat_postMessage(channel="C0GENERAL", text="quiet", thread_ts=parent)
    client.chat_postMessage(
        channel="C0GENERAL", text="loud", thread_ts=parent, reply_broadcast=True
    )

    history = client.conversations_history(channel="C0GENERAL")["messages"]
    replies = client.conversations_replies(channel="C0GENERAL", ts=parent)["messages"]
    assert [m["text"] for m in history] == ["loud", "parent"]
    assert history[1]["reply_count"] == 2
    assert [m["text"] for m in replies] == ["parent", "quiet", "loud"]
    assert [m["text"] for m in local_slack.messages("C0GENERAL", thread_ts=parent)] == [
        "parent",
        "quiet",
        "loud",
    ]


def test_history_range_paging_and_metadata(local_slack, bot_token):
    """oldest is exclusive, limit pages with a cursor, metadata only when asked for."""
    client = _client(local_slack, bot_token)
    meta = {"event_type": "briefbot_daily", "event_payload": {"date": "2026-01-05"}}
    stamps = [
        client.chat_postMessage(channel="C0GENERAL", text=str(i), metadata=meta)["ts"]
        for i in range(5)
    ]

    after_first = client.conversations_history(channel="C0GENERAL", oldest=stamps[0])
    page1 = client.conversations_history(channel="C0GENERAL", limit=2, include_all_metadata=True)
    cursor = page1["response_metadata"]["next_cursor"]
    page2 = client.conversations_history(channel="C0GENERAL", limit=2, cursor=cursor)

    assert [m["text"] for m in after_first["messages"]] == ["4", "3", "2", "1"]
    assert [m["text"] for m in page1["messages"]] == ["4", "3"] and page1["has_more"]
    assert page1["messages"][0]["metadata"] == meta
    assert [m["text"] for m in page2["messages"]] == ["2", "1"]
    assert "metadata" not in page2["messages"][0]


def test_timestamps_increase_under_a_frozen_clock(local_slack, bot_token):
    """Message ts stay unique and increasing when a test freezes time."""
    client = _client(local_slack, bot_token)
    with time_machine.travel("2026-03-08 06:59:00+00:00", tick=False):
        stamps = [client.chat_postMessage(channel="C0GENERAL", text="x")["ts"] for _ in range(3)]
    assert stamps == sorted(set(stamps), key=float)
    assert stamps[0].startswith(str(1772953140))


def test_users_info_reports_time_zone_and_offset(local_slack, bot_token):
    """users.info gives each person's tz and the offset in force; no tz when unknown."""
    local_slack.add_user("U0NOZONE", "nozone", tz=None)
    client = _client(local_slack, bot_token)
    carol = client.users_info(user="U0CAROL")["user"]
    nozone = client.users_info(user="U0NOZONE")["user"]
    with pytest.raises(SlackApiError) as exc:
        client.users_info(user="U0GHOST")

    assert (carol["tz"], carol["tz_offset"]) == ("Asia/Kolkata", 19800)
    assert "tz" not in nozone
    assert _error(exc) == "user_not_found"


def test_update_permalink_ephemeral_and_views(local_slack, bot_token):
    """chat.update, chat.getPermalink, chat.postEphemeral and views.publish are recorded."""
    client = _client(local_slack, bot_token)
    ts = client.chat_postMessage(channel="C0GENERAL", text="draft")["ts"]
    client.chat_update(channel="C0GENERAL", ts=ts, text="final")
    link = client.chat_getPermalink(channel="C0GENERAL", message_ts=ts)["permalink"]
    client.chat_postEphemeral(channel="C0GENERAL", user="U0BOB", text="psst")
    for title in ("first", "second"):
        view = {"type": "home", "blocks": [SectionBlock(text=title).to_dict()]}
        client.views_publish(user_id="U0ALICE", view=view)

    assert local_slack.messages("C0GENERAL")[0]["text"] == "final"
    assert link.endswith(f"/archives/C0GENERAL/p{ts.replace('.', '')}")
    assert [e["text"] for e in local_slack.ephemeral(user="U0BOB")] == ["psst"]
    assert local_slack.ephemeral(user="U0ALICE") == []
    assert local_slack.views["U0ALICE"]["blocks"][0]["text"]["text"] == "second"


def test_listeners_hear_each_change(local_slack, bot_token):
    """add_listener is told about each stored message."""
    heard: list[tuple[str, str]] = []
    local_slack.add_listener(lambda kind, data: heard.append((kind, data.get("text", ""))))
    _client(local_slack, bot_token).chat_postMessage(channel="C0GENERAL", text="hi")
    assert heard == [("message", "hi")]


def test_a_hook_on_the_products_local_slack_answers_instead_and_sees_each_answer(bot_token):
    """LocalSlack.add_hook: the first hook's Detour answers the call; every hook sees it."""

    class Refuse(CallHook):
        def intercept(
            self, method: str, channel: str | None, arrived: float, team: str = ""
        ) -> Detour | None:
            if method == "chat.postMessage" and channel == "C0GENERAL":
                return Detour("closed", error="is_archived", apply=True)
            return None

    class Watch(CallHook):
        def __init__(self) -> None:
            self.seen: list[tuple[str, str | None, bool]] = []

        def answered(self, call: Call) -> None:
            self.seen.append((call.method, call.fault, call.applied))

    watch = Watch()
    with LocalSlack(bot_tokens=[bot_token]) as slack:
        slack.add_hook(Refuse())
        slack.add_hook(watch)
        client = _client(slack, bot_token)
        with pytest.raises(SlackApiError) as refused:
            client.chat_postMessage(channel="C0GENERAL", text="stored all the same")
        client.auth_test()
        stored = [m["text"] for m in slack.messages("C0GENERAL")]

    assert _error(refused) == "is_archived"
    assert stored == ["stored all the same"]
    assert watch.seen == [("chat.postMessage", "closed", True), ("auth.test", None, True)]


# --- faults -----------------------------------------------------------------


def test_retry_handler_waits_out_retry_after(local_slack, bot_token):
    """slack_sdk's RateLimitErrorRetryHandler retries no earlier than Retry-After allows."""
    local_slack.fail("chat.postMessage", status=429, retry_after=1)
    client = _client(
        local_slack, bot_token, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)]
    )
    client.chat_postMessage(channel="C0GENERAL", text="patient")

    limited, retried = local_slack.calls_to("chat.postMessage")
    assert (limited.status, limited.error, limited.retry_after) == (429, "ratelimited", 1)
    assert retried.ok and not retried.early
    assert retried.at - limited.at >= 1.0
    assert [m["text"] for m in local_slack.messages("C0GENERAL")] == ["patient"]


def test_early_retry_is_refused_and_marked(local_slack, bot_token):
    """A retry before Retry-After has passed is answered 429 again and marked early."""
    local_slack.fail("chat.postMessage", status=429, retry_after=30)
    client = _client(local_slack, bot_token, retry_handlers=[])
    for _ in range(2):
        with pytest.raises(SlackApiError) as exc:
            client.chat_postMessage(channel="C0GENERAL", text="hasty")
        assert exc.value.response.status_code == 429
        assert exc.value.response.headers["Retry-After"]

    first, second = local_slack.calls_to("chat.postMessage")
    assert (first.fault, first.early) == ("ratelimited", False)
    assert (second.fault, second.early) == ("retry_too_early", True)
    assert local_slack.messages() == []


def test_server_error_after_applying_has_posted(local_slack, bot_token):
    """A 503 after Slack acted leaves the message posted, findable by its metadata."""
    local_slack.fail("chat.postMessage", status=503, after_applying=True)
    client = _client(local_slack, bot_token, retry_handlers=[])
    meta = {"event_type": "briefbot_daily", "event_payload": {"key": "C0GENERAL/2026-01-05"}}
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C0GENERAL", text="maybe", metadata=meta)

    history = client.conversations_history(channel="C0GENERAL", include_all_metadata=True)
    (call,) = local_slack.calls_to("chat.postMessage")
    assert exc.value.response.status_code == 503
    assert (call.fault, call.applied) == ("http_503", True)
    assert [m["metadata"] for m in history["messages"]] == [meta]


def test_server_error_before_applying_posts_nothing(local_slack, bot_token):
    """A plain 500 posts nothing; the next call goes through."""
    local_slack.fail("chat.postMessage", status=500)
    client = _client(local_slack, bot_token, retry_handlers=[])
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C0GENERAL", text="lost")
    assert local_slack.messages() == []
    client.chat_postMessage(channel="C0GENERAL", text="kept")

    assert (exc.value.response.status_code, _error(exc)) == (500, "internal_error")
    assert [m["text"] for m in local_slack.messages()] == ["kept"]


def test_delay_past_client_timeout_after_applying(local_slack, bot_token):
    """A reply slower than the client's timeout: the client gives up, the post happened."""
    local_slack.fail("chat.postMessage", delay=2.0, after_applying=True)
    client = _client(local_slack, bot_token, timeout=0.3, retry_handlers=[])
    with pytest.raises(TimeoutError):
        client.chat_postMessage(channel="C0GENERAL", text="slow")
    assert [m["text"] for m in local_slack.messages()] == ["slow"]


def test_faults_can_target_one_channel(local_slack, bot_token):
    """A fault for one channel leaves the others alone and catches only `times` calls."""
    local_slack.add_channel("C0OTHER", "other")
    fault = local_slack.fail("chat.postMessage", error="channel_not_found", channel="C0OTHER")
    client = _client(local_slack, bot_token)
    client.chat_postMessage(channel="C0GENERAL", text="here")
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C0OTHER", text="there")
    client.chat_postMessage(channel="C0OTHER", text="again")

    assert _error(exc) == "channel_not_found"
    assert fault.remaining == 0 and len(fault.hits) == 1
    assert [m["text"] for m in local_slack.messages()] == ["here", "again"]


def test_per_channel_rate_limit(local_slack, bot_token):
    """Two posts to one channel back to back: the second is rate limited, others pass."""
    local_slack.add_channel("C0OTHER", "other")
    local_slack.rate_limit("chat.postMessage", per_channel_per_second=1)
    client = _client(local_slack, bot_token, retry_handlers=[])
    client.chat_postMessage(channel="C0GENERAL", text="1")
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C0GENERAL", text="2")
    client.chat_postMessage(channel="C0OTHER", text="3")

    assert exc.value.response.status_code == 429
    assert int(exc.value.response.headers["Retry-After"]) >= 1
    assert [c.fault for c in local_slack.calls_to("chat.postMessage")] == [
        None,
        "channel_rate_limit",
        None,
    ]
    assert [m["text"] for m in local_slack.messages()] == ["1", "3"]


def _faulted_channels(seed: int) -> list[str]:
    with ScriptedSlack(strict_channels=False) as slack:
        slack.random_ratelimit("chat.postMessage", fraction=0.25, seed=seed)
        client = WebClient("xoxb-localslack", base_url=slack.api_url, retry_handlers=[])
        for i in range(40):
            with contextlib.suppress(SlackApiError):
                client.chat_postMessage(channel=f"C{i:04d}", text="x")
        return [c.channel or "" for c in slack.calls if c.fault == "random_ratelimit"]


def test_random_ratelimit_is_deterministic():
    """The same seed rate-limits the same calls; some but not all are limited."""
    first, again = _faulted_channels(7), _faulted_channels(7)
    assert first == again
    assert 0 < len(first) < 40


# --- response URLs --------------------------------------------------------------


def test_response_urls_record_and_take_effect(local_slack):
    """Posts to a response URL: ephemeral by default, in_channel posts, replace and delete."""
    ephemeral_url = local_slack.new_response_url(channel="C0GENERAL", user="U0BOB")
    WebhookClient(ephemeral_url).send(text="only bob")
    WebhookClient(ephemeral_url).send(text="for all", response_type="in_channel")
    shared = local_slack.messages("C0GENERAL")[0]
    button_url = local_slack.new_response_url(message_ts=shared["ts"])
    WebhookClient(button_url).send(text="edited", replace_original=True)
    assert local_slack.messages("C0GENERAL")[0]["text"] == "edited"
    WebhookClient(button_url).send(delete_original=True)

    assert [e["text"] for e in local_slack.ephemeral(user="U0BOB")] == ["only bob"]
    assert local_slack.messages("C0GENERAL") == []
    assert [(r["response_type"], r["stored_as"]["kind"]) for r in local_slack.responses] == [
        ("ephemeral", "ephemeral"),
        ("in_channel", "message"),
        ("ephemeral", "message_changed"),
        ("ephemeral", "message_deleted"),
    ]


def test_unknown_response_url_is_404(local_slack):
    """A response URL the fake never issued answers 404 and changes nothing."""
    reply = WebhookClient(local_slack.base_url + "response/nope").send(text="x")
    assert reply.status_code == 404
    assert local_slack.responses == []


# --- Socket Mode ----------------------------------------------------------------


@pytest.fixture
def socket_client(fake_slack, app_token):
    """A slack_sdk SocketModeClient that acks every request, echoing its text."""
    client = SocketModeClient(app_token, web_client=WebClient(base_url=fake_slack.api_url))
    heard: list[str] = []
    client.on_message_listeners.append(heard.append)

    def ack(c: SocketModeClient, request: SocketModeRequest) -> None:
        text = request.payload.get("text", "")
        response = SocketModeResponse(envelope_id=request.envelope_id, payload={"text": text})
        c.send_socket_mode_response(response)

    client.socket_mode_request_listeners.append(ack)
    client.heard = heard  # type: ignore[attr-defined]
    yield client
    # Cut the link first: otherwise close() waits out the client's 3 s receive timeout.
    client.auto_reconnect_enabled = client.default_auto_reconnect_enabled = False
    fake_slack.drop_connections(abrupt=True)
    client.close()


def test_socket_mode_client_connects_and_acks(fake_slack, socket_client, app_token):
    """SocketModeClient gets a ws:// URL, hears hello, and acks a slash command envelope."""
    socket_client.connect()
    fake_slack.wait_connected(5)
    ack = fake_slack.send_envelope("slash_commands", slash_command("/brief", "sae"))

    (opened,) = fake_slack.calls_to("apps.connections.open")
    assert opened.ok and opened.response["url"].startswith("ws://127.0.0.1:")
    assert opened.headers["Authorization"] == f"Bearer {app_token}"
    assert json.loads(socket_client.heard[0])["type"] == "hello"
    assert ack == {"text": "sae"}
    assert fake_slack.deliveries[0].envelope["accepts_response_payload"] is True


def test_socket_mode_client_reconnects_when_asked(fake_slack, socket_client):
    """After Slack's disconnect message the client reconnects and still acks."""
    socket_client.connect()
    fake_slack.wait_connected(5)
    fake_slack.request_reconnect()
    fake_slack.wait_connects(2, timeout=5)
    # While the old link closes, slack_sdk's client acks late (past Slack's 3 s): send on
    # the new link alone.
    fake_slack.wait_for(lambda: fake_slack.connection_count == 1, timeout=10)
    ack = fake_slack.send_envelope("slash_commands", slash_command("/define", "sae"))

    assert ack == {"text": "sae"}
    assert len(fake_slack.calls_to("apps.connections.open")) == 2


def test_socket_urls_work_once(fake_slack, app_token):
    """A Socket Mode URL is single-use, like Slack's; a reused one is refused."""
    url = _client(fake_slack, app_token).apps_connections_open(app_token=app_token)["url"]
    with ws_connect(url) as websocket:
        assert json.loads(websocket.recv(timeout=5))["type"] == "hello"
    with pytest.raises(InvalidStatus):
        ws_connect(url)


def test_apps_connections_open_needs_socket_mode_and_app_token(local_slack, bot_token, app_token):
    """A bot token is the wrong type; without a socket endpoint Socket Mode is off."""
    with pytest.raises(SlackApiError) as wrong_type:
        _client(local_slack, bot_token).apps_connections_open(app_token=bot_token)
    with pytest.raises(SlackApiError) as no_socket:
        _client(local_slack, app_token).apps_connections_open(app_token=app_token)
    assert _error(wrong_type) == "not_allowed_token_type"
    assert _error(no_socket) == "socket_mode_not_enabled"


def test_ack_timeout_is_reported(fake_slack, app_token):
    """An envelope nobody acks raises TimeoutError instead of hanging."""
    url = _client(fake_slack, app_token).apps_connections_open(app_token=app_token)["url"]
    with ws_connect(url) as websocket:
        websocket.recv(timeout=5)
        with pytest.raises(TimeoutError):
            fake_slack.send_envelope("events_api", {}, timeout=0.2)
        envelope = json.loads(websocket.recv(timeout=5))
    assert envelope["type"] == "events_api" and envelope["retry_attempt"] == 0


# --- payloads and signatures, checked by slack_sdk and Bolt ------------------------


def test_signed_headers_pass_slacks_verifier(signing_secret):
    """signed_headers produce what slack_sdk's SignatureVerifier accepts, and only that."""
    body = urlencode(slash_command("/brief", "sae")).encode()
    headers = signed_headers(body, signing_secret)
    verifier = SignatureVerifier(signing_secret)
    assert verifier.is_valid_request(body, headers)
    assert not verifier.is_valid_request(body + b"x", headers)
    old = signed_headers(body, signing_secret, timestamp=1_000_000_000)
    assert not verifier.is_valid_request(body, old)


def test_bolt_dispatches_the_built_payloads(local_slack, bot_token, signing_secret):
    """Bolt routes our slash command, button click and mention to the right listeners."""
    app = App(
        signing_secret=signing_secret,
        client=WebClient(token=bot_token, base_url=local_slack.api_url),
    )
    seen: list[str] = []
    done = threading.Event()

    @app.command("/brief")
    def on_brief(ack, command):
        ack()
        seen.append(f"command:{command['text']}")

    @app.action("show_brief")
    def on_show(ack, action):
        ack()
        seen.append(f"action:{action['value']}")

    @app.event("app_mention")
    def on_mention(event):
        seen.append(f"mention:{event['text']}")
        done.set()

    bodies = [
        urlencode(slash_command("/brief", "sae")),
        urlencode(interactive_fields(block_action("show_brief", "b-1", message_ts="1.000001"))),
        json.dumps(event_callback(app_mention_event("more"))),
    ]
    statuses = []
    for body in bodies:
        headers = signed_headers(body.encode(), signing_secret)
        statuses.append(app.dispatch(BoltRequest(body=body, headers=headers)).status)
    done.wait(5)

    assert statuses == [200, 200, 200]
    assert seen == ["command:sae", "action:b-1", f"mention:<@{BOT_USER_ID}> more"]
