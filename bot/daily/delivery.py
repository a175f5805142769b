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
import time
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.model import Brief
from bot.slack import blocks
from bot.slack.web_answers import (
    Found,
    Lookup,
    Outcome,
    Result,
    classify_api_error,
    classify_transport_error,
)

EVENT_TYPE = "briefbot_daily"


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


# --- finding a post again ------------------------------------------------------------


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
