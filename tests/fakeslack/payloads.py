"""What Slack sends to an app, built the way Slack builds it, for tests.

The same payloads go over both transports: as signed HTTP requests to `briefbot serve`
(form fields for slash commands, `payload=<json>` for button clicks, JSON for events)
and inside Socket Mode envelopes to `briefbot run`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from typing import Any

from bot.localslack import APP_ID, BOT_USER_ID, TEAM_ID
from bot.localslack.workspace import TEAM_DOMAIN, for_api

VERIFICATION_TOKEN = "fakeslack-verification-token"
_NAMES = {"U0ALICE": "alice", "U0BOB": "bob", "U0CAROL": "carol"}


def _ts() -> str:
    now = time.time()
    return f"{int(now)}.{int(now * 1_000_000) % 1_000_000:06d}"


def _trigger_id() -> str:
    return f"{int(time.time())}.{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex}"


def slash_command(
    command: str,
    text: str = "",
    *,
    user_id: str = "U0ALICE",
    channel_id: str = "C0GENERAL",
    response_url: str = "",
    team_id: str = TEAM_ID,
    trigger_id: str | None = None,
    user_name: str | None = None,
    channel_name: str | None = None,
    api_app_id: str = APP_ID,
) -> dict[str, str]:
    """The form fields of a slash command, all strings, as Slack posts them."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": channel_name or ("general" if channel_id == "C0GENERAL" else channel_id),
        "user_id": user_id,
        "user_name": user_name or _NAMES.get(user_id, user_id.lower()),
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or _trigger_id(),
    }


def block_action(
    action_id: str,
    value: str | None = None,
    *,
    user_id: str = "U0ALICE",
    channel_id: str = "C0GENERAL",
    message_ts: str | None = None,
    container_type: str = "message",
    response_url: str | None = None,
    message: dict[str, Any] | None = None,
    block_id: str = "actions",
    text: str = "Button",
    view: dict[str, Any] | None = None,
    team_id: str = TEAM_ID,
    trigger_id: str | None = None,
) -> dict[str, Any]:
    """The `block_actions` payload of a button click.

    `container_type`: "message" (a message in a channel; pass `message`, e.g. one from
    `fake.messages()`, or a minimal one is made), "ephemeral" (an ephemeral message:
    Slack sends no `message` then) or "view" (the App Home tab: no channel and no
    response URL).
    """
    if container_type not in ("message", "ephemeral", "view"):
        raise ValueError("container_type must be 'message', 'ephemeral' or 'view'")
    action: dict[str, Any] = {
        "action_id": action_id,
        "block_id": block_id,
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "type": "button",
        "action_ts": _ts(),
    }
    if value is not None:
        action["value"] = value
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {
            "id": user_id,
            "username": _NAMES.get(user_id, user_id.lower()),
            "name": _NAMES.get(user_id, user_id.lower()),
            "team_id": team_id,
        },
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or _trigger_id(),
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "state": {"values": {}},
        "actions": [action],
    }
    if container_type == "view":
        home = view or {"id": "V00000001", "type": "home", "blocks": [], "team_id": team_id}
        payload["container"] = {"type": "view", "view_id": home.get("id", "V00000001")}
        payload["view"] = home
        return payload
    ts = message_ts or (message or {}).get("ts") or _ts()
    payload["container"] = {
        "type": "message",
        "message_ts": ts,
        "channel_id": channel_id,
        "is_ephemeral": container_type == "ephemeral",
    }
    payload["channel"] = {
        "id": channel_id,
        "name": "general" if channel_id == "C0GENERAL" else channel_id.lower(),
    }
    if container_type == "message":
        payload["message"] = for_api(message) if message else _minimal_message(ts)
    if response_url is not None:
        payload["response_url"] = response_url
    return payload


def _minimal_message(ts: str) -> dict[str, Any]:
    return {"type": "message", "user": BOT_USER_ID, "ts": ts, "text": "", "team": TEAM_ID}


def app_mention_event(
    text: str,
    *,
    user: str = "U0ALICE",
    channel: str = "C0GENERAL",
    ts: str | None = None,
    thread_ts: str | None = None,
    team: str = TEAM_ID,
) -> dict[str, Any]:
    """An `app_mention` event; the bot's mention is put in front unless already there."""
    mention = f"<@{BOT_USER_ID}>"
    if mention not in text:
        text = f"{mention} {text}".rstrip()
    ts = ts or _ts()
    event: dict[str, Any] = {
        "type": "app_mention",
        "user": user,
        "text": text,
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        "team": team,
        "client_msg_id": str(uuid.uuid4()),
    }
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    return event


def app_home_opened_event(
    user: str = "U0ALICE",
    *,
    tab: str = "home",
    channel: str | None = None,
    view: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An `app_home_opened` event (the person opened the bot's Home tab)."""
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user,
        "channel": channel or f"D{user[1:]}",
        "tab": tab,
        "event_ts": _ts(),
    }
    if view is not None:
        event["view"] = view
    return event


def event_callback(
    event: dict[str, Any],
    *,
    team_id: str = TEAM_ID,
    api_app_id: str = APP_ID,
    event_id: str | None = None,
    event_time: int | None = None,
) -> dict[str, Any]:
    """The Events API wrapper around `event`, as posted to the app or put in an envelope."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "context_team_id": team_id,
        "context_enterprise_id": None,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": event_time if event_time is not None else int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{uuid.uuid4().hex}",
    }


def url_verification(challenge: str = "fakeslack-challenge") -> dict[str, Any]:
    """The request Slack sends once to check an Events API request URL."""
    return {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}


def interactive_fields(payload: dict[str, Any]) -> dict[str, str]:
    """The form fields of an interactivity request: `payload=<json>`."""
    return {"payload": json.dumps(payload)}


def signature(body: bytes, secret: str, timestamp: int) -> str:
    """Slack's v0 request signature: HMAC-SHA256 of `v0:{timestamp}:{body}`."""
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(body: bytes, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """The X-Slack-Signature and X-Slack-Request-Timestamp headers for `body`."""
    stamp = int(time.time()) if timestamp is None else timestamp
    return {
        "X-Slack-Request-Timestamp": str(stamp),
        "X-Slack-Signature": signature(body, secret, stamp),
    }
