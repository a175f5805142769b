"""A message posted once for its purpose (a share, a message's related briefs, its
explained terms), however often the button is pressed, by whom, and on which replica.

The purpose's key is claimed in the store before posting, and the claim is settled
with the post's ts, so a later press points to the post instead. Slack's answer decides
what becomes of the claim:

- a definite refusal (not_in_channel, channel_not_found, any other `ok: false`, a 4xx):
  nothing was posted, so the claim is released and a later press tries again;
- an uncertain answer (a 5xx, a timeout, a dropped connection): the post may exist.
  Every post carries its key in message metadata, so briefbot looks for it in the
  thread (`conversations.replies`) or the channel (`conversations.history`). Found, the
  claim is settled with it. Not found, the claim stays in doubt, and the next press
  looks again before posting, so nothing is posted twice, or pointed to without being
  there. Reading a thread or a channel needs the history scopes: without them the post
  stays in doubt and is not sent again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack import blocks
from bot.slack.web_answers import (
    Found,
    Lookup,
    Result,
    classify_api_error,
    classify_transport_error,
)
from bot.store import OnceState, Store

IN_FLIGHT_MAX = dt.timedelta(minutes=2)
"""How long a press may take to post and settle (Slack's 10 s timeout and its 429 waits
included); a claim left unsettled longer was held by a process that died mid-post."""
MAX_PAGES = 10


class Outcome(StrEnum):
    """What came of a press. POSTED: this press posted it (or, after an uncertain answer,
    found its own post). FOUND: an earlier press's post, in doubt until now, was found.
    ALREADY: posted before. IN_FLIGHT: another press is posting it right now. IN_DOUBT:
    Slack's answer was uncertain and nobody can tell yet whether the post exists."""

    POSTED, FOUND, ALREADY = "posted", "found", "already"
    IN_FLIGHT, IN_DOUBT = "in_flight", "in_doubt"


@dataclass(frozen=True, slots=True)
class Posted:
    """An `Outcome`, with the post's ts where it is known."""

    outcome: Outcome
    ts: str | None = None


@dataclass(frozen=True, slots=True)
class Post:
    """What to post once, and where: in `thread_ts`'s thread, or in the channel."""

    key: str
    channel: str
    payload: dict[str, Any]
    thread_ts: str | None = None
    keep: dt.timedelta | None = None
    """How long the claim is kept (None: for good); a share's is a day."""


def once_key(purpose: str, *parts: str) -> str:
    """The store key of something done once: "related:C123:1715000000.000100"."""
    return ":".join((purpose, *parts))


def post_once(store: Store, client: WebClient, post: Post) -> Posted:
    """Post `post` unless its key was claimed before; say what came of it.

    A definite refusal from Slack releases the claim and is raised for the error
    handler to explain; an uncertain answer whose post cannot be found is raised too,
    and the claim stays in doubt for the next press to look again.
    """
    if store.claim_once(post.key, keep=post.keep):
        return _send(store, client, post)
    claim = store.once_claim(post.key)
    if claim is None:  # the press holding it was refused a moment ago: this one tries
        return post_once(store, client, post)
    if claim.state == OnceState.DONE:
        return Posted(Outcome.ALREADY, claim.reply_ts)
    if not store.retake_once(post.key, stale_after=IN_FLIGHT_MAX):
        return Posted(Outcome.IN_FLIGHT)
    found = find_post(store, client, post)
    if found.lookup == Lookup.FOUND:
        store.settle_once(post.key, found.ts)
        return Posted(Outcome.FOUND, found.ts)
    if found.lookup != Lookup.ABSENT:
        store.doubt_once(post.key)
        return Posted(Outcome.IN_DOUBT)
    return _send(store, client, post)


def _send(store: Store, client: WebClient, post: Post) -> Posted:
    try:
        answer = client.chat_postMessage(
            channel=post.channel,
            thread_ts=post.thread_ts,
            **post.payload,
            unfurl_links=False,
            unfurl_media=False,
            metadata=_metadata(post.key),
        )
    except SlackApiError as error:
        if classify_api_error(error).result != Result.UNCERTAIN:
            store.release_once(post.key)
            raise
        return _after_doubt(store, client, post, error)
    except Exception as error:
        if classify_transport_error(error).result != Result.UNCERTAIN:
            store.release_once(post.key)
            raise
        return _after_doubt(store, client, post, error)
    ts = str(answer["ts"])
    store.settle_once(post.key, ts)
    return Posted(Outcome.POSTED, ts)


def _after_doubt(store: Store, client: WebClient, post: Post, error: Exception) -> Posted:
    found = find_post(store, client, post)
    if found.lookup == Lookup.FOUND:
        store.settle_once(post.key, found.ts)
        return Posted(Outcome.POSTED, found.ts)
    store.doubt_once(post.key)
    if found.lookup == Lookup.ABSENT:
        raise error  # certainly not posted (yet): the person hears to try again
    return Posted(Outcome.IN_DOUBT)


def find_post(store: Store, client: WebClient, post: Post) -> Found:
    """Look for our post of `post.key` in its thread, or in the channel since its claim
    could have been made."""
    wanted = _metadata(post.key)
    try:
        for messages in _pages(store, client, post):
            for message in messages:
                if message.get("metadata") == wanted:
                    return Found(Lookup.FOUND, ts=str(message["ts"]))
    except SlackApiError as error:
        passing = classify_api_error(error).result in (Result.RATELIMITED, Result.UNCERTAIN)
        return Found(Lookup.LATER if passing else Lookup.UNAVAILABLE, error=str(error))
    except _TooMany:
        return Found(Lookup.UNAVAILABLE, error="too many messages to search")
    except Exception as error:
        return Found(Lookup.LATER, error=classify_transport_error(error).error)
    return Found(Lookup.ABSENT)


class _TooMany(Exception):
    pass


def _pages(store: Store, client: WebClient, post: Post) -> Iterator[list[dict[str, Any]]]:
    read: dict[str, Any] = {"channel": post.channel, "include_all_metadata": True, "limit": 200}
    if post.thread_ts is None and post.keep is not None:
        read["oldest"] = f"{(store.now() - post.keep).timestamp():.6f}"
    cursor = None
    for _ in range(MAX_PAGES):
        if post.thread_ts is None:
            page = client.conversations_history(**read, cursor=cursor)
        else:
            page = client.conversations_replies(**read, ts=post.thread_ts, cursor=cursor)
        yield page.get("messages") or []
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not page.get("has_more") or not cursor:
            return
    raise _TooMany


def _metadata(key: str) -> dict[str, Any]:
    """The message metadata a post carries: its purpose, and its key to find it by."""
    purpose = key.partition(":")[0]
    return {"event_type": f"briefbot_{purpose}", "event_payload": {"key": key}}


def permalink(client: WebClient, channel: str, ts: str | None) -> str | None:
    """A link to the post, or None when there is none to give (the pointer then names
    the place without a link)."""
    if not ts:
        return None
    try:
        found = client.chat_getPermalink(channel=channel, message_ts=ts)
    except SlackApiError:
        return None
    link = found.get("permalink")
    return link if isinstance(link, str) else None


def in_doubt_notice(what: str, where: str) -> blocks.Message:
    """What a person hears when nobody can tell whether `what` was posted."""
    return blocks.notice(
        f"Slack did not confirm whether {what} went out, and I could not check {where}. "
        "Have a look there: so that nothing is posted twice, I'll post again only once I "
        "can see it is missing."
    )
