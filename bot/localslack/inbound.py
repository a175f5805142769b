"""What Slack sends to an app: slash commands, button clicks and events, signed like Slack does.

The console uses these to drive the Bolt app; the tests use them to send the same
requests over HTTP and Socket Mode.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

from bot.localslack.workspace import APP_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID


def signed_headers(body: bytes | str, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """Slack's v0 request signature headers for `body`."""
    raw = body.encode() if isinstance(body, str) else body
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + raw, hashlib.sha256)
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": "v0=" + digest.hexdigest(),
    }


def slash_command(
    command: str,
    text: str,
    *,
    user_id: str = "U0ALICE",
    channel_id: str = "C0GENERAL",
    channel_name: str = "general",
    response_url: str = "",
    team_id: str = TEAM_ID,
) -> dict[str, str]:
    """The form fields Slack posts for a slash command."""
    return {
        "token": "unused-verification-token",
        "team_id": team_id,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": f"{int(time.time())}.{uuid.uuid4().int % 10**12}",
    }


def block_action(
    action: dict[str, Any],
    *,
    user_id: str = "U0ALICE",
    channel_id: str = "C0GENERAL",
    response_url: str = "",
    message: dict[str, Any] | None = None,
    message_ts: str = "",
    ephemeral: bool = False,
    team_id: str = TEAM_ID,
) -> dict[str, Any]:
    """The interactivity payload for a button click.

    `action` is the button as it was in the message (action_id, value, block_id,
    text). For a channel message pass the `message`; ephemeral messages are not sent.
    """
    clicked = {
        "type": "button",
        "action_id": action.get("action_id", ""),
        "block_id": action.get("block_id", "b"),
        "text": action.get("text", {"type": "plain_text", "text": "button"}),
        "action_ts": f"{time.time():.6f}",
    }
    if "value" in action:
        clicked["value"] = action["value"]
    if "url" in action:
        clicked["url"] = action["url"]
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_id.lower(), "team_id": team_id},
        "api_app_id": APP_ID,
        "token": "unused-verification-token",
        "container": {
            "type": "message",
            "message_ts": message_ts or (message or {}).get("ts", ""),
            "channel_id": channel_id,
            "is_ephemeral": ephemeral,
        },
        "trigger_id": f"{int(time.time())}.{uuid.uuid4().int % 10**12}",
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "channel": {"id": channel_id, "name": channel_id.lower()},
        "response_url": response_url,
        "actions": [clicked],
    }
    if message is not None and not ephemeral:
        payload["message"] = message
    return payload


def event_callback(event: dict[str, Any], *, team_id: str = TEAM_ID) -> dict[str, Any]:
    """An Events API envelope around `event`."""
    return {
        "token": "unused-verification-token",
        "team_id": team_id,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": "Ev" + uuid.uuid4().hex[:10].upper(),
        "event_time": int(time.time()),
        "authorizations": [
            {"team_id": team_id, "user_id": BOT_USER_ID, "is_bot": True, "enterprise_id": None}
        ],
    }


def app_mention(
    text: str, *, channel: str, user: str = "U0ALICE", thread_ts: str | None = None
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "app_mention",
        "user": user,
        "text": f"<@{BOT_USER_ID}> {text}",
        "ts": f"{time.time():.6f}",
        "channel": channel,
        "event_ts": f"{time.time():.6f}",
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event_callback(event)


def app_home_opened(user: str = "U0ALICE") -> dict[str, Any]:
    return event_callback(
        {
            "type": "app_home_opened",
            "user": user,
            "channel": "D0" + user[1:],
            "tab": "home",
            "event_ts": f"{time.time():.6f}",
        }
    )


def form_body(fields: dict[str, str]) -> str:
    """A slash command's body as Slack posts it."""
    return urlencode(fields)


def interactive_body(payload: dict[str, Any]) -> str:
    """A button click's body as Slack posts it: one form field holding JSON."""
    return urlencode({"payload": json.dumps(payload)})


def json_body(payload: dict[str, Any]) -> str:
    """An Events API body as Slack posts it."""
    return json.dumps(payload)
