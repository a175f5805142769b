"""What Slack sends to an app: slash commands, button clicks and events, built as Slack builds them.

`briefbot console` turns what a person types into these payloads and hands them, signed,
to the real Bolt app; the tests send the same payloads over HTTP and Socket Mode.
Field names and shapes follow Slack's reference for slash commands, `block_actions`
payloads and the Events API. Standard library only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
import uuid
from typing import Any
from urllib.parse import urlencode

from bot.localslack.workspace import APP_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID, for_api

# Slack still sends this deprecated field; nothing should rely on it.
VERIFICATION_TOKEN = "localslack-verification-token"
_NAMES = {"U0ALICE": "alice", "U0BOB": "bob", "U0CAROL": "carol"}


def now_ts() -> str:
    """A Slack-style timestamp for the current time."""
    micros = int(time.time() * 1_000_000)
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


def new_trigger_id() -> str:
    """A fresh trigger id (Slack's are opaque; these only need to be unique)."""
    return f"{int(time.time())}.{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex}"


def as_slack_sends(typed: str) -> str:
    """Text as a person typed it, escaped the way Slack escapes it before an app sees it.

    Slack sends `&`, `<` and `>` that a person typed as `&amp;`, `&lt;` and `&gt;` in a
    slash command's `text` and in event text; only the mentions and links Slack itself
    made (`<@U123>`, `<#C123|name>`, `<!here>`, `<https://…>`) arrive as markup.
    """
    return typed.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_TYPED_CODE_OR_URL = re.compile(r"`(?P<code>[^`\n]+)`|(?P<url>(?:https?://|www\.)[^\s<>]+)")


def rich_text(typed: str) -> dict[str, Any]:
    """The `rich_text` block the Slack client sends beside `text` for a message a person
    typed: their words unescaped, a `code` span styled as code, a URL they typed as a link.

    Slack keeps both; `text` is the same message in Slack's markup. A message can carry
    only its rich text (`text` empty), as some clients and workflows post it.
    """
    elements: list[dict[str, Any]] = []
    at = 0
    for found in _TYPED_CODE_OR_URL.finditer(typed):
        if found.start() > at:
            elements.append({"type": "text", "text": typed[at : found.start()]})
        if found.group("code") is not None:
            elements.append({"type": "text", "text": found["code"], "style": {"code": True}})
        else:
            url = found["url"]
            elements.append({"type": "link", "url": url if "://" in url else f"http://{url}"})
        at = found.end()
    if at < len(typed):
        elements.append({"type": "text", "text": typed[at:]})
    return {
        "type": "rich_text",
        "block_id": uuid.uuid4().hex[:5],
        "elements": [{"type": "rich_text_section", "elements": elements}],
    }


def _wire_text(text: str, formatted: bool) -> str:
    return text if formatted else as_slack_sends(text)


def _user_name(user_id: str) -> str:
    return _NAMES.get(user_id, user_id.lower())


def _person(user_id: str, team_id: str) -> dict[str, str]:
    """The `user` of an interaction payload: who clicked, typed or submitted."""
    name = _user_name(user_id)
    return {"id": user_id, "username": name, "name": name, "team_id": team_id}


def _channel_name(channel_id: str) -> str:
    return "general" if channel_id == "C0GENERAL" else channel_id.lower()


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
    formatted: bool = False,
    enterprise_id: str | None = None,
    is_enterprise_install: bool = False,
) -> dict[str, str]:
    """The form fields of a slash command, all strings, as Slack posts them.

    `text` is what the person typed, and is escaped as Slack escapes it; with
    `formatted=True` it is sent as it is, for text already in Slack's format (mentions
    the person picked from autocomplete, say; build it with `as_slack_sends`).
    In an Enterprise Grid org, `enterprise_id` names it, and `is_enterprise_install`
    says the app was installed org-wide.
    """
    grid = {"enterprise_id": enterprise_id} if enterprise_id else {}
    return grid | {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": channel_name or _channel_name(channel_id),
        "user_id": user_id,
        "user_name": user_name or _user_name(user_id),
        "command": command,
        "text": _wire_text(text, formatted),
        "api_app_id": api_app_id,
        "is_enterprise_install": "true" if is_enterprise_install else "false",
        "response_url": response_url,
        "trigger_id": trigger_id or new_trigger_id(),
    }


def block_action(
    action: dict[str, Any],
    *,
    user_id: str = "U0ALICE",
    channel_id: str = "C0GENERAL",
    response_url: str | None = None,
    message: dict[str, Any] | None = None,
    message_ts: str | None = None,
    ephemeral: bool = False,
    view: dict[str, Any] | None = None,
    team_id: str = TEAM_ID,
    trigger_id: str | None = None,
) -> dict[str, Any]:
    """The `block_actions` payload for a click on `action` (at least its `action_id`).

    Where the button was:
    - a channel message (default): `message` (e.g. one from `LocalSlack.messages()`)
      or just its `message_ts`;
    - an ephemeral message (`ephemeral=True`): Slack sends no `message` then;
    - the App Home tab (`view=` the published view): no channel, no response URL.
    """
    clicked = {
        "type": "button",
        "block_id": "actions",
        "text": {"type": "plain_text", "text": "Button", "emoji": True},
        "action_ts": now_ts(),
        **action,
    }
    if clicked.get("value") is None:
        clicked.pop("value", None)
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _person(user_id, team_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or new_trigger_id(),
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "state": {"values": {}},
        "actions": [clicked],
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.get("id", "")}
        payload["view"] = view
        return payload
    ts = message_ts or (message or {}).get("ts") or now_ts()
    payload["container"] = {
        "type": "message",
        "message_ts": ts,
        "channel_id": channel_id,
        "is_ephemeral": ephemeral,
    }
    payload["channel"] = {"id": channel_id, "name": _channel_name(channel_id)}
    if not ephemeral:
        payload["message"] = (
            for_api(message)
            if message
            else {"type": "message", "user": BOT_USER_ID, "ts": ts, "text": "", "team": TEAM_ID}
        )
    if response_url is not None:
        payload["response_url"] = response_url
    return payload


def message_action(
    callback_id: str,
    *,
    message: dict[str, Any] | None = None,
    text: str = "",
    author: str = "U0BOB",
    formatted: bool = False,
    user_id: str = "U0ALICE",
    channel_id: str = "C0GENERAL",
    response_url: str = "",
    team_id: str = TEAM_ID,
    trigger_id: str | None = None,
    blocks: list[dict[str, Any]] | None = None,
    attachments: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The `message_action` payload of a message shortcut used on a message.

    The message is `message` (one the local Slack holds, e.g. a brief briefbot posted:
    sent whole, blocks and all, as Slack sends it), or else a message `author` wrote
    with `text`, escaped as Slack escapes typed text (`formatted=True` sends text
    already in Slack's format, with its mentions and links, as it is), carrying
    `blocks` (e.g. `rich_text(…)`) and legacy `attachments` if given, as they are.
    """
    if message is not None:
        shown = for_api(message)
    else:
        ts = now_ts()
        shown = {
            "type": "message",
            "user": author,
            "ts": ts,
            "text": _wire_text(text, formatted),
            "team": team_id,
            "client_msg_id": str(uuid.uuid4()),
        }
        if blocks is not None:
            shown["blocks"] = blocks
        if attachments is not None:
            shown["attachments"] = attachments
    return {
        "type": "message_action",
        "token": VERIFICATION_TOKEN,
        "action_ts": now_ts(),
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "user": _person(user_id, team_id),
        "channel": {"id": channel_id, "name": _channel_name(channel_id)},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id or new_trigger_id(),
        "response_url": response_url,
        "message_ts": shown["ts"],
        "message": shown,
    }


def view_submission(
    view: dict[str, Any],
    values: dict[str, str],
    *,
    user_id: str = "U0ALICE",
    team_id: str = TEAM_ID,
    trigger_id: str | None = None,
) -> dict[str, Any]:
    """The `view_submission` payload of a person pressing a modal's submit button.

    `view` is the modal as the local Slack keeps it (`LocalSlack.modal(view_id)`);
    `values` are what the person typed, by the `block_id` of each input block. Slack
    sends each under `view.state.values[block_id][action_id]`, a plain-text input as
    `{"type": "plain_text_input", "value": …}` (None when left empty).
    """
    state: dict[str, dict[str, Any]] = {}
    for block in view.get("blocks") or []:
        if not isinstance(block, dict) or block.get("type") != "input":
            continue
        block_id = str(block.get("block_id", ""))
        element = block.get("element") or {}
        action_id = str(element.get("action_id", ""))
        typed = values.get(block_id)
        if typed is None:
            typed = element.get("initial_value")
        state[block_id] = {
            action_id: {"type": element.get("type", "plain_text_input"), "value": typed or None}
        }
    shown = {k: v for k, v in view.items() if k not in ("user", "errors", "closed")}
    shown = json.loads(json.dumps(shown))
    shown["state"] = {"values": state}
    return {
        "type": "view_submission",
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "user": _person(user_id, team_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or new_trigger_id(),
        "view": shown,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def clicked_again(payload: dict[str, Any]) -> dict[str, Any]:
    """The `block_actions` payload of the same button clicked again (a double click).

    Slack sends each click on its own: the same message, container and action, but a
    new `trigger_id` and `action_ts`, so the two cannot be told apart by those.
    """
    again = json.loads(json.dumps(payload))
    again["trigger_id"] = new_trigger_id()
    for action in again.get("actions", []):
        action["action_ts"] = now_ts()
    return again


def retry_headers(attempt: int, reason: str = "http_timeout") -> dict[str, str]:
    """The headers Slack adds when it delivers an Events API request again.

    Slack retries (same body, same `event_id`, signed anew) when the app did not answer
    2xx within 3 seconds: at once, after a minute and after five, `attempt` 1 to 3.
    `reason`: http_timeout, http_error, connection_failed, ssl_error, too_many_redirects
    or unknown_error. In Socket Mode the envelope carries `retry_attempt` and
    `retry_reason` instead.
    """
    return {"X-Slack-Retry-Num": str(attempt), "X-Slack-Retry-Reason": reason}


def app_mention_event(
    text: str,
    *,
    user: str = "U0ALICE",
    channel: str = "C0GENERAL",
    ts: str | None = None,
    thread_ts: str | None = None,
    team: str = TEAM_ID,
    formatted: bool = False,
) -> dict[str, Any]:
    """An `app_mention` event; the bot's mention is put in front unless already there.

    `text` is what the person typed, escaped as Slack escapes it (`formatted=True`
    sends text already in Slack's format as it is, as for `slash_command`).
    """
    text = _wire_text(text, formatted)
    mention = f"<@{BOT_USER_ID}>"
    if mention not in text:
        text = f"{mention} {text}".rstrip()
    ts = ts or now_ts()
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
        "event_ts": now_ts(),
    }
    if view is not None:
        event["view"] = view
    return event


def user_change_event(user: dict[str, Any]) -> dict[str, Any]:
    """A `user_change` event: someone's profile changed (their `tz`, say) or their account
    was deactivated (`deleted: true`); `user` as `users.info` describes them (the local
    Slack's `update_user` returns it)."""
    return {"type": "user_change", "user": user, "cache_ts": int(time.time()), "event_ts": now_ts()}


def app_uninstalled_event() -> dict[str, Any]:
    """An `app_uninstalled` event: the workspace (named by the wrapper) removed the app."""
    return {"type": "app_uninstalled", "event_ts": now_ts()}


def tokens_revoked_event(
    *, bot: list[str] | tuple[str, ...] = (BOT_USER_ID,), oauth: tuple[str, ...] = ()
) -> dict[str, Any]:
    """A `tokens_revoked` event: the bot's tokens (by bot user id) and people's tokens (by
    user id) that stopped working."""
    return {
        "type": "tokens_revoked",
        "tokens": {"oauth": list(oauth), "bot": list(bot)},
        "event_ts": now_ts(),
    }


def event_callback(
    event: dict[str, Any],
    *,
    team_id: str = TEAM_ID,
    api_app_id: str = APP_ID,
    event_id: str | None = None,
    event_time: int | None = None,
    enterprise_id: str | None = None,
    is_enterprise_install: bool = False,
) -> dict[str, Any]:
    """The Events API wrapper around `event`, as posted to the app or put in an envelope.

    For an org-wide installation (`is_enterprise_install`) Slack names the org alone in
    `authorizations`."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "enterprise_id": enterprise_id,
        "context_team_id": None if is_enterprise_install else team_id,
        "context_enterprise_id": enterprise_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": event_time if event_time is not None else int(time.time()),
        "authorizations": [
            {
                "enterprise_id": enterprise_id,
                "team_id": None if is_enterprise_install else team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": is_enterprise_install,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{uuid.uuid4().hex}",
    }


def app_mention(text: str, **kwargs: Any) -> dict[str, Any]:
    """An `app_mention` event wrapped in its Events API callback."""
    return event_callback(app_mention_event(text, **kwargs))


def app_home_opened(user: str = "U0ALICE", **kwargs: Any) -> dict[str, Any]:
    """An `app_home_opened` event wrapped in its Events API callback."""
    return event_callback(app_home_opened_event(user, **kwargs))


def user_change(user: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """A `user_change` event wrapped in its Events API callback (`team_id=` for another team)."""
    return event_callback(user_change_event(user), **kwargs)


def url_verification(challenge: str = "localslack-challenge") -> dict[str, Any]:
    """The request Slack sends once to check an Events API request URL."""
    return {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}


# --- request bodies and signatures -------------------------------------------------


def form_body(fields: dict[str, str]) -> str:
    """Form fields as an application/x-www-form-urlencoded body."""
    return urlencode(fields)


def interactive_fields(payload: dict[str, Any]) -> dict[str, str]:
    """The form fields of an interactivity request: `payload=<json>`."""
    return {"payload": json.dumps(payload)}


def interactive_body(payload: dict[str, Any]) -> str:
    """An interactivity request body: `payload=<json>`, form-encoded."""
    return form_body(interactive_fields(payload))


def json_body(value: dict[str, Any]) -> str:
    """An Events API request body."""
    return json.dumps(value)


def signature(body: str | bytes, secret: str, timestamp: int) -> str:
    """Slack's v0 request signature: HMAC-SHA256 of `v0:{timestamp}:{body}`, hex."""
    data = body.encode() if isinstance(body, str) else body
    base = b"v0:" + str(timestamp).encode() + b":" + data
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(body: str | bytes, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """The X-Slack-Signature and X-Slack-Request-Timestamp headers for `body`."""
    stamp = int(time.time()) if timestamp is None else timestamp
    return {
        "X-Slack-Request-Timestamp": str(stamp),
        "X-Slack-Signature": signature(body, secret, stamp),
    }
