"""The Web API methods the local Slack answers, shaped like Slack's own answers.

Each method takes the request's parameters (already decoded from a form, a query
string or JSON) and returns the answer dict, or raises `ApiError` for `"ok": false`.
The caller holds the workspace lock. Answers follow Slack's reference pages
(https://docs.slack.dev/reference/methods/...): the same keys, the same error codes.
"""

from __future__ import annotations

import base64
import copy
import itertools
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.localslack.block_limits import check_blocks
from bot.localslack.workspace import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    TEAM_ID,
    TEAM_NAME,
    Channel,
    Workspace,
    for_api,
    parse_ts,
)
from bot.slack.limits import MESSAGE_TEXT_MAX, VIEW_BLOCKS_MAX

HISTORY_LIMIT_DEFAULT = 100
REPLIES_LIMIT_DEFAULT = 1000
LIMIT_MAX = 999


class ApiError(Exception):
    """An `"ok": false` answer with Slack's error code and any extra fields."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra

    def to_response(self) -> dict[str, Any]:
        return {"ok": False, "error": self.error, **self.extra}


@dataclass(slots=True)
class Event:
    """Something that changed in the workspace, for listeners (the console prints them)."""

    kind: str
    data: dict[str, Any]


Handler = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(slots=True)
class Method:
    """A Web API method: its handler and the kind of token it takes ("bot" or "app")."""

    handler: Handler
    token_kind: str = "bot"


@dataclass(slots=True)
class WebApi:
    """Slack's Web API methods over a `Workspace`."""

    workspace: Workspace
    base_url: Callable[[], str]
    socket_url: Callable[[], str | None]
    strict_channels: bool = True
    clock: Callable[[], float] = time.time
    events: list[Event] = field(default_factory=list)
    caller: dict[str, Any] | None = None
    """The team of the token the call being served carries (None: the local workspace)."""
    _view_ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def methods(self) -> dict[str, Method]:
        """Every method this fake answers, by Slack's name."""
        return {
            "api.test": Method(self.api_test, token_kind="none"),
            "auth.test": Method(self.auth_test),
            "chat.postMessage": Method(self.chat_post_message),
            "chat.postEphemeral": Method(self.chat_post_ephemeral),
            "chat.update": Method(self.chat_update),
            "chat.delete": Method(self.chat_delete),
            "chat.getPermalink": Method(self.chat_get_permalink),
            "conversations.history": Method(self.conversations_history),
            "conversations.replies": Method(self.conversations_replies),
            "conversations.info": Method(self.conversations_info),
            "conversations.open": Method(self.conversations_open),
            "users.info": Method(self.users_info),
            "views.publish": Method(self.views_publish),
            "views.open": Method(self.views_open),
            "views.update": Method(self.views_update),
            "apps.connections.open": Method(self.apps_connections_open, token_kind="app"),
        }

    # --- auth -------------------------------------------------------------

    def api_test(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "args": {k: v for k, v in p.items() if k != "token"}}

    def auth_test(self, p: dict[str, Any]) -> dict[str, Any]:
        team = self.caller or {}
        answer = {
            "ok": True,
            "url": self.base_url(),
            "team": team.get("name", TEAM_NAME),
            "user": "briefbot",
            "team_id": team.get("id", TEAM_ID),
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "is_enterprise_install": bool(team.get("is_enterprise_install")),
        }
        if team.get("enterprise_id"):
            answer["enterprise_id"] = team["enterprise_id"]
        return answer

    def apps_connections_open(self, p: dict[str, Any]) -> dict[str, Any]:
        url = self.socket_url()
        if url is None:
            # This local Slack has no WebSocket endpoint: Socket Mode is "off" for the app.
            raise ApiError("socket_mode_not_enabled")
        return {"ok": True, "url": url}

    # --- chat -------------------------------------------------------------

    def chat_post_message(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._postable(p)
        text, blocks, attachments = _content(p)
        metadata = _metadata(p)
        now = self.clock()
        ts = self.workspace.next_ts(now)
        message = bot_message(ts, text, blocks, attachments, metadata)
        message["channel"] = channel.id
        if self.caller:
            message["team"] = self.caller["id"]
        thread_ts = _str(p, "thread_ts")
        if thread_ts:
            message["thread_ts"] = thread_ts
            if _flag(p, "reply_broadcast"):
                message["subtype"] = "thread_broadcast"
                message["root"] = {"ts": thread_ts}
        for flag in ("unfurl_links", "unfurl_media"):
            if flag in p:
                message[flag] = _flag(p, flag)
        self.workspace.add_message(message)
        self.events.append(Event("message", copy.deepcopy(message)))
        return {"ok": True, "channel": channel.id, "ts": ts, "message": for_api(message)}

    def chat_post_ephemeral(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._postable(p)
        user = _str(p, "user")
        if not user or user not in self.workspace.users:
            raise ApiError("user_not_found")
        text, blocks, attachments = _content(p)
        ts = self.workspace.next_ts(self.clock())
        record: dict[str, Any] = {
            "type": "message",
            "subtype": "ephemeral",
            "channel": channel.id,
            "user": user,
            "ts": ts,
            "text": text,
            "source": "chat.postEphemeral",
        }
        for key, value in (("blocks", blocks), ("attachments", attachments)):
            if value is not None:
                record[key] = value
        if _str(p, "thread_ts"):
            record["thread_ts"] = _str(p, "thread_ts")
        self.workspace.ephemeral.append(record)
        self.events.append(Event("ephemeral", copy.deepcopy(record)))
        return {"ok": True, "message_ts": ts}

    def chat_update(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._postable(p)
        message = self._own_message(channel, _str(p, "ts"))
        text, blocks, attachments = _content(p, required=False)
        if text is not None and "text" in p:
            message["text"] = text
        for key, value in (("blocks", blocks), ("attachments", attachments)):
            if value is not None:
                if value:
                    message[key] = value
                else:
                    message.pop(key, None)
        if "metadata" in p:
            message["metadata"] = _metadata(p)
        message["edited"] = {"user": BOT_USER_ID, "ts": self.workspace.next_ts(self.clock())}
        self.events.append(Event("message_changed", copy.deepcopy(message)))
        return {
            "ok": True,
            "channel": channel.id,
            "ts": message["ts"],
            "text": message.get("text", ""),
            "message": for_api(message),
        }

    def chat_delete(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._postable(p)
        message = self._own_message(channel, _str(p, "ts"))
        message["deleted"] = True
        self.events.append(Event("message_deleted", copy.deepcopy(message)))
        return {"ok": True, "channel": channel.id, "ts": message["ts"]}

    def chat_get_permalink(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._readable(p)
        ts = _str(p, "message_ts")
        message = self.workspace.find_message(channel.id, ts) if ts else None
        if message is None or not ts:
            raise ApiError("message_not_found")
        link = f"{self.base_url()}archives/{channel.id}/p{ts.replace('.', '')}"
        thread_ts = message.get("thread_ts")
        if thread_ts and thread_ts != ts:
            link += f"?thread_ts={thread_ts}&cid={channel.id}"
        return {"ok": True, "channel": channel.id, "permalink": link}

    # --- conversations ----------------------------------------------------

    def conversations_history(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._readable(p, member_required=True)
        messages = self.workspace.history(channel.id)
        selected = _in_range(messages, p)
        selected.reverse()  # newest first, as Slack lists history
        return self._page(selected, p, HISTORY_LIMIT_DEFAULT, extra={"pin_count": 0})

    def conversations_replies(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._readable(p, member_required=True)
        ts = _str(p, "ts")
        if not ts:
            raise ApiError("invalid_arguments")
        anchor = self.workspace.find_message(channel.id, ts)
        if anchor is None:
            raise ApiError("thread_not_found")
        thread_ts = anchor.get("thread_ts") or anchor["ts"]
        thread = self.workspace.thread(channel.id, thread_ts)
        parent, replies = thread[:1], thread[1:]
        return self._page(parent + _in_range(replies, p), p, REPLIES_LIMIT_DEFAULT)

    def conversations_info(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._readable(p)
        return {"ok": True, "channel": channel.to_api()}

    def conversations_open(self, p: dict[str, Any]) -> dict[str, Any]:
        users = [u for u in (_str(p, "users") or "").split(",") if u]
        if len(users) != 1:
            raise ApiError("not_enough_users" if not users else "too_many_users")
        user = self.workspace.users.get(users[0])
        if user is None:
            raise ApiError("user_not_found")
        if user.deleted:
            # Slack: "A specified user has been disabled."
            raise ApiError("user_disabled")
        channel = self.workspace.open_im(users[0])
        return {"ok": True, "channel": {"id": channel.id}}

    # --- users and views --------------------------------------------------

    def users_info(self, p: dict[str, Any]) -> dict[str, Any]:
        user = self.workspace.users.get(_str(p, "user") or "")
        if user is None:
            raise ApiError("user_not_found")
        team = (self.caller or {}).get("id", TEAM_ID)
        return {"ok": True, "user": user.to_api(self.clock(), team)}

    def views_publish(self, p: dict[str, Any]) -> dict[str, Any]:
        user_id = _str(p, "user_id")
        if not user_id or user_id not in self.workspace.users:
            raise ApiError("user_not_found")
        view = _json_field(p, "view")
        if not isinstance(view, dict) or view.get("type") != "home":
            raise ApiError("invalid_arguments", response_metadata={"messages": ["view.type"]})
        problems = check_blocks(view.get("blocks"), limit=VIEW_BLOCKS_MAX)
        if problems:
            raise _invalid_blocks(problems)
        previous = self.workspace.views.get(user_id)
        wanted_hash = _str(p, "hash")
        if wanted_hash and previous is not None and previous["hash"] != wanted_hash:
            raise ApiError("hash_conflict")
        view_id = previous["id"] if previous else f"V{next(self._view_ids):08d}"
        stored = {
            "id": view_id,
            "team_id": TEAM_ID,
            "type": "home",
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "external_id": view.get("external_id", ""),
            "state": {"values": {}},
            "hash": uuid.uuid4().hex[:16],
            "title": view.get("title"),
            "clear_on_close": False,
            "notify_on_close": False,
            "close": None,
            "submit": None,
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": APP_ID,
            "app_installed_team_id": TEAM_ID,
            "bot_id": BOT_ID,
        }
        self.workspace.views[user_id] = stored
        self.events.append(Event("view", {"user": user_id, "view": copy.deepcopy(stored)}))
        return {"ok": True, "view": copy.deepcopy(stored)}

    def views_open(self, p: dict[str, Any]) -> dict[str, Any]:
        """Open a modal for the person whose interaction gave `trigger_id`: once per
        trigger, within 3 seconds of the interaction, as Slack allows."""
        trigger = _str(p, "trigger_id") or _str(p, "interactivity_pointer")
        if not trigger:
            raise ApiError("invalid_arguments", response_metadata={"messages": ["trigger_id"]})
        user_id = self.workspace.triggers.get(trigger)
        issued = _trigger_time(trigger)
        if issued is None:
            raise ApiError("invalid_trigger_id")
        if trigger in self.workspace.exchanged_triggers:
            raise ApiError("exchanged_trigger_id")
        # Trigger ids carry the real time they were issued, whatever clock a test set here.
        if time.time() - issued > TRIGGER_LIFETIME:
            raise ApiError("expired_trigger_id")
        view = self._modal_from(p)
        self.workspace.exchanged_triggers.add(trigger)
        view_id = f"V{next(self._view_ids):08d}"
        stored = self._stored_modal(view, view_id, user_id or "")
        self.workspace.modals[view_id] = stored
        self.events.append(Event("modal", {"user": stored["user"], "view": _public(stored)}))
        return {"ok": True, "view": _public(stored)}

    def views_update(self, p: dict[str, Any]) -> dict[str, Any]:
        """Replace an open modal, by `view_id` or `external_id`; a stale `hash` is refused."""
        view_id, external = _str(p, "view_id"), _str(p, "external_id")
        if not view_id and not external:
            raise ApiError("invalid_arguments", response_metadata={"messages": ["view_id"]})
        found = self.workspace.modals.get(view_id or "") if view_id else None
        if found is None and external:
            found = next(
                (m for m in self.workspace.modals.values() if m["external_id"] == external), None
            )
        if found is None or found.get("closed"):
            raise ApiError("not_found")
        wanted_hash = _str(p, "hash")
        if wanted_hash and wanted_hash != found["hash"]:
            raise ApiError("hash_conflict")
        view = self._modal_from(p)
        stored = self._stored_modal(view, found["id"], found["user"])
        self.workspace.modals[found["id"]] = stored
        self.events.append(Event("modal", {"user": stored["user"], "view": _public(stored)}))
        return {"ok": True, "view": _public(stored)}

    def _modal_from(self, p: dict[str, Any]) -> dict[str, Any]:
        view = _json_field(p, "view")
        if not isinstance(view, dict) or view.get("type") != "modal":
            raise ApiError("invalid_arguments", response_metadata={"messages": ["view.type"]})
        title = view.get("title")
        if not isinstance(title, dict) or not str(title.get("text", "")).strip():
            raise ApiError("invalid_arguments", response_metadata={"messages": ["view.title"]})
        if len(str(title.get("text", ""))) > MODAL_TITLE_MAX:
            raise ApiError(
                "invalid_arguments",
                response_metadata={"messages": [f"view.title must be at most {MODAL_TITLE_MAX}"]},
            )
        problems = check_blocks(view.get("blocks"), limit=VIEW_BLOCKS_MAX)
        if len(str(view.get("private_metadata", ""))) > PRIVATE_METADATA_MAX:
            problems.append(f"private_metadata must be at most {PRIVATE_METADATA_MAX} characters")
        has_input = any(
            isinstance(b, dict) and b.get("type") == "input" for b in view.get("blocks") or []
        )
        if has_input and not view.get("submit"):
            problems.append("a view with input blocks needs a submit button [json-pointer:/submit]")
        if problems:
            raise _invalid_blocks(problems)
        return view

    def _stored_modal(self, view: dict[str, Any], view_id: str, user_id: str) -> dict[str, Any]:
        return {
            "id": view_id,
            "team_id": (self.caller or {}).get("id", TEAM_ID),
            "type": "modal",
            "user": user_id,
            "blocks": copy.deepcopy(view.get("blocks", [])),
            "private_metadata": str(view.get("private_metadata", "")),
            "callback_id": str(view.get("callback_id", "")),
            "external_id": str(view.get("external_id", "")),
            "state": {"values": {}},
            "hash": uuid.uuid4().hex[:16],
            "title": view.get("title"),
            "clear_on_close": bool(view.get("clear_on_close")),
            "notify_on_close": bool(view.get("notify_on_close")),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": APP_ID,
            "app_installed_team_id": (self.caller or {}).get("id", TEAM_ID),
            "bot_id": BOT_ID,
            "errors": {},
        }

    # --- helpers ----------------------------------------------------------

    def _channel(self, p: dict[str, Any], key: str = "channel") -> Channel:
        ref = _str(p, key)
        if not ref:
            raise ApiError("channel_not_found")
        channel = self.workspace.find_channel(ref)
        if channel is None:
            if self.strict_channels or not ref[:1].isalpha():
                raise ApiError("channel_not_found")
            channel = Channel(ref, ref.lower())
            self.workspace.channels[ref] = channel
        if channel.is_private and not channel.bot_is_member and not channel.is_im:
            # Slack does not admit that a private channel exists to someone outside it.
            raise ApiError("channel_not_found")
        return channel

    def _postable(self, p: dict[str, Any]) -> Channel:
        channel = self._channel(p)
        if channel.is_im:
            # A DM whose person left: gone from the workspace, or their account deactivated.
            person = self.workspace.users.get(channel.user or "")
            if person is None:
                raise ApiError("user_not_found")
            if person.deleted:
                raise ApiError("channel_not_found")
        if channel.is_archived:
            raise ApiError("is_archived")
        if not channel.bot_is_member:
            raise ApiError("not_in_channel")
        return channel

    def _readable(self, p: dict[str, Any], *, member_required: bool = False) -> Channel:
        channel = self._channel(p)
        if member_required and not channel.bot_is_member:
            raise ApiError("not_in_channel")
        return channel

    def _own_message(self, channel: Channel, ts: str | None) -> dict[str, Any]:
        message = self.workspace.find_message(channel.id, ts) if ts else None
        if message is None:
            raise ApiError("message_not_found")
        if message.get("user") != BOT_USER_ID:
            raise ApiError("cant_update_message")
        return message

    def _page(
        self,
        messages: list[dict[str, Any]],
        p: dict[str, Any],
        default_limit: int,
        *,
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        start = _cursor_start(messages, _str(p, "cursor"))
        limit = _int(p, "limit", default_limit)
        limit = default_limit if limit <= 0 else min(limit, LIMIT_MAX)
        page = messages[start : start + limit]
        has_more = start + limit < len(messages)
        with_metadata = _flag(p, "include_all_metadata")
        answer: dict[str, Any] = {
            "ok": True,
            "messages": [for_api(m, include_metadata=with_metadata) for m in page],
            "has_more": has_more,
            **(extra or {}),
        }
        next_cursor = _make_cursor(messages[start + limit]["ts"]) if has_more else ""
        answer["response_metadata"] = {"next_cursor": next_cursor}
        return answer


TRIGGER_LIFETIME = 3.0
"""Seconds a trigger id may be exchanged for a modal after the interaction that gave it."""
MODAL_TITLE_MAX = 24
PRIVATE_METADATA_MAX = 3000
_MODAL_INTERNAL = ("user", "errors", "closed")


def _trigger_time(trigger: str) -> float | None:
    """When a trigger id was issued: Slack's ids start with the Unix time ("12345.98765.abcd…")."""
    whole, _, rest = trigger.partition(".")
    if not whole.isdigit() or not rest:
        return None
    return float(int(whole))


def _public(stored: dict[str, Any]) -> dict[str, Any]:
    """A stored modal as Slack describes a view (what only the local Slack keeps removed)."""
    return {k: copy.deepcopy(v) for k, v in stored.items() if k not in _MODAL_INTERNAL}


# --- parameter decoding ----------------------------------------------------


def _str(p: dict[str, Any], key: str) -> str | None:
    value = p.get(key)
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def _flag(p: dict[str, Any], key: str) -> bool:
    """Slack's booleans: true/1 in forms, true in JSON."""
    value = p.get(key)
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    return str(value).strip().lower() in ("true", "1", "yes")


def _int(p: dict[str, Any], key: str, default: int) -> int:
    try:
        return int(p.get(key, default))
    except (TypeError, ValueError):
        raise ApiError("invalid_arguments") from None


def _json_field(p: dict[str, Any], key: str) -> Any:
    """A structured argument, sent as JSON text in forms or as a value in JSON bodies."""
    value = p.get(key)
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise ApiError(f"invalid_{key}") from None
    return value


def _invalid_blocks(problems: list[str]) -> ApiError:
    return ApiError(
        "invalid_blocks",
        errors=problems,
        response_metadata={"messages": [f"[ERROR] {problem}" for problem in problems]},
    )


def _content(
    p: dict[str, Any], *, required: bool = True
) -> tuple[str, list[Any] | None, list[Any] | None]:
    """Text, blocks and attachments of a message, checked as Slack checks them."""
    text = _str(p, "text") or ""
    blocks = _json_field(p, "blocks")
    attachments = _json_field(p, "attachments")
    if required and not text.strip() and not blocks and not attachments:
        raise ApiError("no_text")
    if len(text) > MESSAGE_TEXT_MAX:
        raise ApiError("msg_too_long")
    problems = check_blocks(blocks)
    if problems:
        raise _invalid_blocks(problems)
    if attachments is not None and not isinstance(attachments, list):
        raise ApiError("invalid_attachments")
    return text, blocks, attachments


def _metadata(p: dict[str, Any]) -> dict[str, Any] | None:
    metadata = _json_field(p, "metadata")
    if metadata is None:
        return None
    if (
        not isinstance(metadata, dict)
        or not isinstance(metadata.get("event_type"), str)
        or not isinstance(metadata.get("event_payload"), dict)
    ):
        raise ApiError("invalid_metadata_format")
    return {"event_type": metadata["event_type"], "event_payload": metadata["event_payload"]}


def bot_message(
    ts: str,
    text: str,
    blocks: list[Any] | None,
    attachments: list[Any] | None,
    metadata: dict[str, Any] | None,
) -> dict[str, Any]:
    """A message as Slack stores one posted with the bot token."""
    message: dict[str, Any] = {
        "type": "message",
        "user": BOT_USER_ID,
        "bot_id": BOT_ID,
        "app_id": APP_ID,
        "text": text,
        "ts": ts,
        "team": TEAM_ID,
        "bot_profile": {
            "id": BOT_ID,
            "app_id": APP_ID,
            "name": "briefbot",
            "deleted": False,
            "team_id": TEAM_ID,
        },
    }
    if blocks:
        message["blocks"] = blocks
    if attachments:
        message["attachments"] = attachments
    if metadata is not None:
        message["metadata"] = metadata
    return message


def _in_range(messages: list[dict[str, Any]], p: dict[str, Any]) -> list[dict[str, Any]]:
    """Messages between `oldest` and `latest` (bounds excluded unless `inclusive`)."""
    oldest = parse_ts(p.get("oldest"))
    latest = parse_ts(p.get("latest"))
    inclusive = _flag(p, "inclusive")
    out = []
    for message in messages:
        ts = parse_ts(message["ts"]) or 0
        if oldest is not None and (ts < oldest or (ts == oldest and not inclusive)):
            continue
        if latest is not None and (ts > latest or (ts == latest and not inclusive)):
            continue
        out.append(message)
    return out


def _make_cursor(ts: str) -> str:
    """An opaque cursor naming the first message of the next page."""
    return base64.b64encode(f"ts:{ts}".encode()).decode()


def _cursor_start(messages: list[dict[str, Any]], cursor: str | None) -> int:
    """Where the page named by `cursor` starts in `messages`."""
    if not cursor:
        return 0
    try:
        kind, _, ts = base64.b64decode(cursor, validate=True).decode().partition(":")
    except ValueError:
        raise ApiError("invalid_cursor") from None
    if kind == "ts":
        for index, message in enumerate(messages):
            if message["ts"] == ts:
                return index
    raise ApiError("invalid_cursor")
