"""Helpers for tests of the subscription kinds: write briefs into a world's content and
reload it, subscribe to a kind as of a time, and read the posts of each kind."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from bot.schedule import SubscriptionSpec, parse_subscription

if TYPE_CHECKING:  # a pytest plugin: importing it here would stop pytest rewriting it
    from tests.support.daily import DailyWorld


def add_briefs(
    world: DailyWorld, dated: dt.date, count: int, *, prefix: str = "new", tags: str = "policy"
) -> list[str]:
    """Write `count` briefs dated `dated` into the world's content and reload it; their ids."""
    ids = []
    for n in range(count):
        brief_id = f"{prefix}-{n:03d}"
        (world.content / "briefs" / f"{brief_id}.yml").write_text(
            f"id: {brief_id}\n"
            f"title: {prefix.capitalize()} brief {n}\n"
            f"date: {dated.isoformat()}\n"
            f"summary: The {n}th brief of the {prefix} batch. It has a second sentence.\n"
            f"tags: [{tags}]\n",
            encoding="utf-8",
        )
        ids.append(brief_id)
    result = world.services.content.reload(trigger="test")
    assert not result.errors, result.errors
    return ids


def subscribe_kind(
    world: DailyWorld, channel: str, words: str, *, since: dt.datetime, zone: str = "UTC"
) -> SubscriptionSpec:
    """Subscribe `channel` with the words of `/brief subscribe`, as of `since`."""
    if channel not in world.slack.workspace.channels:
        world.slack.add_channel(channel)
    spec = parse_subscription(words, zone)
    now = world.clock.now
    world.clock.set(since)
    try:
        world.store.subscribe(channel, spec, world.subscriber)
    finally:
        world.clock.set(now)
    return spec


def posts(world: DailyWorld, kind: str, channel: str | None = None) -> list[dict[str, Any]]:
    """The sweep's posts of `kind` (daily, new, more, weekly) on the local Slack."""
    found = []
    for message in world.daily_posts(channel):
        payload = message["metadata"]["event_payload"]
        if payload.get("kind", "daily") == kind:
            found.append(message)
    return found


def announced(world: DailyWorld, channel: str | None = None) -> list[tuple[str, str]]:
    """(channel, brief id) of every new-brief announcement, in order."""
    return [
        (m["channel"], m["metadata"]["event_payload"]["brief_id"])
        for m in posts(world, "new", channel)
    ]
