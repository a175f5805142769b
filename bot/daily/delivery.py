"""Posting one channel's daily brief, and finding it again, at the edge with Slack.

`send_daily` makes exactly one `chat.postMessage` call (no retries of its own: the
sweep decides when, and whether, to try again) and sorts Slack's answer into an
`Outcome` the sweep can act on:

- posted: Slack returned the message ts;
- ratelimited: 429, nothing posted; try again no earlier than `retry_after`;
- channel: the channel is gone or closed to the bot (pause the subscription);
- auth: the token no longer works (stop the sweep);
- uncertain: a timeout, a dropped connection or a 5xx after the request was sent:
  Slack may have posted it, so it is never sent again blindly;
- rejected: any other error; Slack refused the message, so nothing was posted.

Every post of the sweep carries message metadata (`briefbot_daily`, the brief id and the
local date; for kinds other than daily also the kind and the ledger slot), which is how
`find_daily_post` recognises it in `conversations.history`.
"""

from __future__ import annotations

import datetime as dt
import socket
import time
import urllib.error
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.model import Brief
from bot.slack import blocks

EVENT_TYPE = "briefbot_daily"
DEFAULT_RETRY_AFTER = 1.0

# Slack errors meaning this channel cannot take our posts until someone acts.
CHANNEL_ERRORS = frozenset(
    {"channel_not_found", "is_archived", "not_in_channel", "restricted_action"}
)
# Slack errors meaning the token itself is unusable: every other call would fail too.
AUTH_ERRORS = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "token_expired",
        "account_inactive",
        "no_permission",
        "missing_scope",
        "not_allowed_token_type",
        "team_access_not_granted",
        "ekm_access_denied",
        "org_login_required",
    }
)


class Result(StrEnum):
    POSTED = "posted"
    RATELIMITED = "ratelimited"
    CHANNEL = "channel"
    AUTH = "auth"
    UNCERTAIN = "uncertain"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one chat.postMessage call came to."""

    result: Result
    error: str = ""
    ts: str | None = None
    retry_after: float = 0.0
    answered_at: float = 0.0
    """time.monotonic() when the answer (or the failure) came back."""


def daily_metadata(
    brief_id: str, local_date: dt.date, kind: str = "daily", slot: str | None = None
) -> dict[str, Any]:
    payload = {"brief_id": brief_id, "local_date": local_date.isoformat()}
    if kind != "daily":
        payload.update(kind=kind, slot=slot or local_date.isoformat())
    return {"event_type": EVENT_TYPE, "event_payload": payload}


def daily_message(brief: Brief) -> dict[str, Any]:
    """The daily post's text and blocks: the brief message of the Slack app, as posted."""
    return blocks.brief_message(brief, ephemeral=False, daily=True).payload()


def send_daily(
    client: WebClient,
    channel: str,
    brief: Brief,
    local_date: dt.date,
    *,
    payload: dict[str, Any] | None = None,
) -> Outcome:
    """Post `brief` as `channel`'s daily brief for `local_date`, once, and classify the answer.

    `payload` is `daily_message(brief)` when the caller already built it (a sweep posts
    the same brief to every channel).
    """
    return send_post(
        client, channel, payload or daily_message(brief), daily_metadata(brief.id, local_date)
    )


def send_post(
    client: WebClient, channel: str, payload: dict[str, Any], metadata: dict[str, Any]
) -> Outcome:
    """One chat.postMessage of any kind of post (no retries), classified."""
    try:
        answer = client.chat_postMessage(
            channel=channel,
            **payload,
            unfurl_links=False,
            unfurl_media=False,
            metadata=metadata,
        )
    except SlackApiError as error:
        return classify_api_error(error)
    except Exception as error:  # the request may or may not have reached Slack
        return classify_transport_error(error)
    return Outcome(Result.POSTED, ts=str(answer["ts"]), answered_at=time.monotonic())


def classify_api_error(error: SlackApiError) -> Outcome:
    """Sort an answer Slack gave (any status) into an Outcome."""
    now = time.monotonic()
    response = error.response
    status = int(getattr(response, "status_code", 200) or 200)
    code = ""
    data = getattr(response, "data", None)
    if isinstance(data, dict):
        code = str(data.get("error") or "")
    if status == 429 or code == "ratelimited":
        return Outcome(
            Result.RATELIMITED,
            "ratelimited",
            retry_after=retry_after_of(getattr(response, "headers", None)),
            answered_at=now,
        )
    if status >= 500:
        return Outcome(Result.UNCERTAIN, f"HTTP {status} {code}".strip(), answered_at=now)
    if code in CHANNEL_ERRORS:
        return Outcome(Result.CHANNEL, code, answered_at=now)
    if code in AUTH_ERRORS:
        return Outcome(Result.AUTH, code, answered_at=now)
    return Outcome(Result.REJECTED, code or f"HTTP {status}", answered_at=now)


def classify_transport_error(error: BaseException) -> Outcome:
    """A failure without an answer: only a refused connection surely sent nothing."""
    now = time.monotonic()
    reason = getattr(error, "reason", None) if isinstance(error, urllib.error.URLError) else error
    if isinstance(reason, ConnectionRefusedError | socket.gaierror):
        return Outcome(Result.REJECTED, f"cannot reach Slack: {reason}", answered_at=now)
    if isinstance(reason, TimeoutError | socket.timeout):
        return Outcome(Result.UNCERTAIN, "timed out waiting for Slack", answered_at=now)
    return Outcome(Result.UNCERTAIN, f"{type(reason).__name__}: {reason}", answered_at=now)


def retry_after_of(headers: Any) -> float:
    """Seconds from a Retry-After header; 1 when it is absent or unreadable."""
    if not headers:
        return DEFAULT_RETRY_AFTER
    value = None
    for key in ("Retry-After", "retry-after"):
        value = headers.get(key) if hasattr(headers, "get") else None
        if value:
            break
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        seconds = float(str(value).strip())
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER
    return seconds if seconds > 0 else DEFAULT_RETRY_AFTER


# --- finding a post again ------------------------------------------------------------


class Lookup(StrEnum):
    FOUND = "found"
    ABSENT = "absent"
    """The history was read and holds no such post: it was never made."""
    UNAVAILABLE = "unavailable"
    """The history cannot be read (e.g. missing_scope): nobody can tell."""
    LATER = "later"
    """A passing failure (429, 5xx, timeout): try again later."""


@dataclass(frozen=True, slots=True)
class Found:
    lookup: Lookup
    ts: str | None = None
    error: str = ""


MAX_HISTORY_PAGES = 10


def find_daily_post(
    client: WebClient,
    channel: str,
    local_date: dt.date,
    since: dt.datetime,
    *,
    bot_id: str | None = None,
    kind: str = "daily",
    slot: str | None = None,
) -> Found:
    """Look for this channel's daily post for `local_date` (or its post of another `kind`
    for `slot`) in messages since `since`.

    Needs `channels:history` (and `groups:history` for private channels), which the
    default manifest leaves out; without it Slack answers `missing_scope` and the
    result is UNAVAILABLE.
    """
    wanted = local_date.isoformat()
    wanted_slot = slot or wanted
    cursor: str | None = None
    for _ in range(MAX_HISTORY_PAGES):
        try:
            page = client.conversations_history(
                channel=channel,
                oldest=f"{since.timestamp():.6f}",
                limit=200,
                include_all_metadata=True,
                cursor=cursor,
            )
        except SlackApiError as error:
            outcome = classify_api_error(error)
            later = outcome.result in (Result.RATELIMITED, Result.UNCERTAIN)
            return Found(Lookup.LATER if later else Lookup.UNAVAILABLE, error=outcome.error)
        except Exception as error:
            return Found(Lookup.LATER, error=classify_transport_error(error).error)
        for message in page.get("messages") or []:
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            ours = bot_id is None or message.get("bot_id") == bot_id
            same = (
                payload.get("local_date") == wanted and "kind" not in payload
                if kind == "daily"
                else payload.get("kind") == kind and payload.get("slot") == wanted_slot
            )
            if ours and metadata.get("event_type") == EVENT_TYPE and same:
                return Found(Lookup.FOUND, ts=str(message["ts"]))
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not page.get("has_more") or not cursor:
            return Found(Lookup.ABSENT)
    return Found(Lookup.UNAVAILABLE, error="too many messages to search")
