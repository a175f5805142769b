"""Frozen records the store hands out: plain values, detached from any connection.

They live below both `bot.store`, which makes them from its rows, and `bot.slack`, which
shows them, so that Block Kit building reads the very records the store returns and
never reaches into the store.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any

from bot.model import ItemKind, Vote
from bot.schedule import Kind, Schedule, SubscriptionSpec, iso_week


def _fields_of(cls: type, row: Mapping[Any, Any]) -> dict[str, Any]:
    return {field.name: row[field.name] for field in fields(cls)}


class DeclaredChannelError(Exception):
    """A channel declared by the admins in content/schedule.yml was to be changed from Slack."""

    def __init__(self, channel_id: str) -> None:
        self.channel_id = channel_id
        super().__init__(
            "This channel's daily post is set by the admins in content/schedule.yml, so it "
            "cannot be changed from Slack; ask an admin to change it there."
        )


class DeliveryState(StrEnum):
    """Where one channel's post for one date stands.

    claimed -> posting -> posted | failed | unknown; claimed -> skipped (missed by more
    than the catch-up window) or failed (never sent); unknown -> posted once reconciled.
    The moves allowed are `bot.store.ledger.Move`. The values are stored.
    """

    CLAIMED = "claimed"
    POSTING = "posting"
    POSTED = "posted"
    FAILED = "failed"
    UNKNOWN = "unknown"
    SKIPPED = "skipped"


IN_FLIGHT = (DeliveryState.CLAIMED, DeliveryState.POSTING)
"""A process is (or was, if it died) sending these; see `bot.store.ledger.Move`."""


class DeliveryKind(StrEnum):
    """What a ledger row posts; with the channel and its slot it is the row's key."""

    DAILY = "daily"
    """Slot: the local date."""
    WEEKLY = "weekly"
    """Slot: the ISO week, "2026-W49"."""
    NEW = "new"
    """Slot: the brief id."""
    MORE = "more"
    """The flood guard's one line a day for the rest of the new briefs. Slot: the local date."""
    CATCHUP = "catchup"
    """The one digest of what a person missed while their DMs were snoozed. Slot: when the
    snooze began, "2026-12-07T08:30:00+00:00"."""


@dataclass(frozen=True, slots=True)
class DeliveryKey:
    """The one name of a ledger row: a channel, what it posts, and its slot.

    Build one with the constructor of its kind, which formats the slot; the slot is the
    local date of a daily post and of the flood guard's line, the ISO week of a weekly
    digest, and the brief id of a new-brief announcement.
    """

    channel: str
    kind: DeliveryKind
    slot: str

    @classmethod
    def daily(cls, channel: str, local_date: dt.date) -> DeliveryKey:
        return cls(channel, DeliveryKind.DAILY, local_date.isoformat())

    @classmethod
    def weekly(cls, channel: str, local_date: dt.date) -> DeliveryKey:
        """The digest of the ISO week `local_date` falls in."""
        return cls(channel, DeliveryKind.WEEKLY, iso_week(local_date))

    @classmethod
    def new_brief(cls, channel: str, brief_id: str) -> DeliveryKey:
        return cls(channel, DeliveryKind.NEW, brief_id)

    @classmethod
    def more(cls, channel: str, local_date: dt.date) -> DeliveryKey:
        """The flood guard's "and N more new briefs" line of `local_date`."""
        return cls(channel, DeliveryKind.MORE, local_date.isoformat())

    @classmethod
    def catch_up(cls, dm_channel: str, snoozed_from: dt.datetime) -> DeliveryKey:
        """The catch-up digest after the snooze that began at `snoozed_from`."""
        began = snoozed_from.astimezone(dt.UTC).replace(microsecond=0)
        return cls(dm_channel, DeliveryKind.CATCHUP, began.isoformat())


class MessageKind(StrEnum):
    """What kind of message of the bot's a posted-message row is."""

    DAILY = "daily"
    SHARED = "shared"
    """A /brief answer someone shared in the channel."""


class OnceState(StrEnum):
    """Where a claim on doing something once stands (`bot.store.messages.Claims`).

    claimed -> done (settled, with what was posted) | released (the row is deleted:
    certainly not done) | in_doubt (Slack's answer was uncertain and the post was not
    found); in_doubt, or claimed for too long, -> claimed again by a later try.
    The values are stored.
    """

    CLAIMED, IN_DOUBT, DONE = "claimed", "in_doubt", "done"


@dataclass(frozen=True, slots=True)
class OnceClaim:
    """A claim as stored: its key, where it stands, and the ts of what was posted."""

    key: str
    state: OnceState
    reply_ts: str | None
    claimed_at: dt.datetime


class LookupKind(StrEnum):
    """Which command a counted lookup came from."""

    BRIEF = "brief"
    DEFINE = "define"


@dataclass(frozen=True, slots=True)
class Subscription:
    """One channel's daily post."""

    channel_id: str
    post_time: str
    """"HH:MM", the channel's local wall-clock time."""
    timezone: str
    days: str
    created_by: str | None
    """Who subscribed (Slack user id); None for channels declared in schedule.yml."""
    source: str
    """"slack" (editable with /brief) or "schedule_file" (declared by admins)."""
    paused: bool
    paused_reason: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    kind: str = "daily"
    """A `bot.schedule.Kind` value: daily, new or weekly."""
    tags: str = ""
    """Comma-separated, sorted; "" for every brief."""

    @property
    def schedule(self) -> Schedule:
        return Schedule.from_text(self.post_time, self.timezone, self.days)

    @property
    def spec(self) -> SubscriptionSpec:
        return SubscriptionSpec(
            Kind(self.kind), self.schedule, tuple(t for t in self.tags.split(",") if t)
        )

    @property
    def declared(self) -> bool:
        return self.source == "schedule_file"

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> Subscription:
        return cls(**_fields_of(cls, row))


@dataclass(frozen=True, slots=True)
class Person:
    """Someone who gets briefs in their own DMs with briefbot."""

    user_id: str
    dm_channel: str
    """The DM conversation with briefbot (conversations.open); their subscriptions' channel."""
    timezone: str
    """Their zone from their Slack profile (`users.info` tz), kept current by `user_change`."""
    snoozed_from: dt.datetime | None
    snoozed_until: dt.datetime | None
    """While from <= now < until nothing is delivered; after it, one catch-up digest."""
    created_at: dt.datetime
    updated_at: dt.datetime

    def snoozed(self, now: dt.datetime) -> bool:
        return self.snoozed_until is not None and now < self.snoozed_until

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> Person:
        return cls(**_fields_of(cls, row))


@dataclass(frozen=True, slots=True)
class SyncResult:
    """What `Store.sync_declared` changed, by channel id."""

    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FeaturedPick:
    day: dt.date
    brief_id: str
    content_version: str
    picked_at: dt.datetime
    tags: str = ""

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> FeaturedPick:
        return cls(**_fields_of(cls, row))


@dataclass(frozen=True, slots=True)
class Delivery:
    """One row of the delivery ledger: a channel's post of one kind for one slot (`key`)."""

    channel_id: str
    local_date: dt.date
    state: DeliveryState
    brief_id: str
    content_version: str
    message_ts: str | None
    claimed_by: str
    claimed_at: dt.datetime
    updated_at: dt.datetime
    error: str | None
    attempts: int
    kind: DeliveryKind = DeliveryKind.DAILY
    slot: str = ""
    """With the channel and kind, the row's key: local date, ISO week or brief id."""
    items: int | None = None
    """Briefs a weekly digest or the flood guard's line carries."""

    @property
    def key(self) -> DeliveryKey:
        return DeliveryKey(self.channel_id, self.kind, self.slot)

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> Delivery:
        values = _fields_of(cls, row)
        values["state"] = DeliveryState(values["state"])
        values["kind"] = DeliveryKind(values["kind"])
        return cls(**values)


@dataclass(frozen=True, slots=True)
class Counted:
    """A brief id, term or query, and how often it came up."""

    name: str
    count: int


@dataclass(frozen=True, slots=True)
class LookupReport:
    """What the team looked for over a period, and what it did not find."""

    since: dt.datetime
    until: dt.datetime
    brief_lookups: int
    define_lookups: int
    top_briefs: tuple[Counted, ...]
    """Briefs found most often, by brief id."""
    top_terms: tuple[Counted, ...]
    """Glossary terms found most often, by canonical term."""
    missed_queries: tuple[Counted, ...]
    """/brief searches that found nothing, grouped ignoring case and punctuation."""
    missed_terms: tuple[Counted, ...]
    """/define lookups that found nothing: the glossary's to-do list."""

    @property
    def days(self) -> float:
        return (self.until - self.since) / dt.timedelta(days=1)

    def to_text(self) -> str:
        """A plain-text rendering for the terminal."""
        lines = [
            f"Lookups from {self.since:%Y-%m-%d %H:%M} to {self.until:%Y-%m-%d %H:%M} UTC: "
            f"{self.brief_lookups} brief, {self.define_lookups} define.",
        ]
        sections = (
            ("Most requested briefs", self.top_briefs),
            ("Most requested terms", self.top_terms),
            ("Searches that found no brief", self.missed_queries),
            ("Terms not in the glossary", self.missed_terms),
        )
        for title, items in sections:
            lines.append("")
            lines.append(f"{title}:")
            lines.extend(f"  {item.count:>5}  {item.name}" for item in items)
            if not items:
                lines.append("  (none)")
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class VoteOutcome:
    """What came of one press on 👍 or 👎.

    `counted` is False when the press changed nothing: the same press delivered again, or
    the second click of a double click. Otherwise `vote` is the person's vote now (None:
    withdrawn) and `previous` what it was before (None: no vote, or votes that differed
    across the items of a digest or an explanation).
    """

    counted: bool
    vote: Vote | None
    previous: Vote | None
    items: int = 1


@dataclass(frozen=True, slots=True)
class Tally:
    """The votes on one brief (by id) or term (by name) over a period."""

    kind: ItemKind
    name: str
    up: int
    down: int

    @property
    def votes(self) -> int:
        return self.up + self.down

    @property
    def helpful(self) -> float:
        """The share of the votes that found it helpful, 0 to 1."""
        return self.up / self.votes if self.votes else 0.0

    @property
    def helpful_percent(self) -> str:
        """`67%`."""
        return f"{round(self.helpful * 100)}%"


def least_helpful_first(tallies: list[Tally]) -> tuple[Tally, ...]:
    """The smallest helpful share first; among equal shares the one more people found
    unhelpful, then the one with more votes, then by name."""
    return tuple(sorted(tallies, key=lambda t: (t.helpful, -t.down, -t.votes, t.name.casefold())))


@dataclass(frozen=True, slots=True)
class VoteReport:
    """What the team said was helpful over a period (`since` None: ever)."""

    since: dt.datetime | None
    until: dt.datetime
    briefs: tuple[Tally, ...]
    """Least helpful first."""
    terms: tuple[Tally, ...]
    """Least helpful first."""

    @property
    def days(self) -> float | None:
        return None if self.since is None else (self.until - self.since) / dt.timedelta(days=1)

    @property
    def votes(self) -> int:
        return sum(t.votes for t in (*self.briefs, *self.terms))

    def to_text(self) -> str:
        """A plain-text rendering for the terminal."""
        since = "the start" if self.since is None else f"{self.since:%Y-%m-%d %H:%M}"
        lines = [
            f"Was this helpful? Votes from {since} to {self.until:%Y-%m-%d %H:%M} UTC: "
            f"{self.votes}, least helpful first."
        ]
        for title, tallies in (("Briefs", self.briefs), ("Terms", self.terms)):
            lines.append("")
            lines.append(f"{title}:")
            lines.extend(
                f"  {t.helpful_percent:>4} helpful  {t.up:>4} up {t.down:>4} down  {t.name}"
                for t in tallies
            )
            if not tallies:
                lines.append("  (none)")
        return "\n".join(lines)


class Added(StrEnum):
    NEW = "new"
    MERGED = "merged"
    """A duplicate of an open suggestion: the person is added to it."""
    FLOOD = "flood"
    """The person already has `bot.store.suggestions.OPEN_LIMIT` open suggestions: nothing
    was recorded."""


@dataclass(frozen=True, slots=True)
class Suggestion:
    id: str
    team_id: str
    user_id: str
    created_at: dt.datetime
    kind: str
    target: str
    base_hash: str
    proposal: str
    """The proposal as JSON (`bot.content.proposals.Proposal.to_json`)."""
    also_by: tuple[str, ...]
    """People whose duplicate suggestions were merged into this one."""
    state: str
    edited_by: str | None
    decided_by: str | None
    decided_at: dt.datetime | None
    reason: str | None
    outcome: str | None
    review_messages: tuple[tuple[str, str], ...]
    """The admins' messages about it (channel, ts), to show the decision in each."""

    @property
    def suggesters(self) -> tuple[str, ...]:
        return (self.user_id, *self.also_by)

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> Suggestion:
        """The suggestion a `suggestions` row holds; its two lists are stored as JSON."""
        values = _fields_of(cls, row)
        values["also_by"] = tuple(json.loads(row["also_by"])) if row["also_by"] else ()
        stored = json.loads(row["review_messages"] or "[]")
        values["review_messages"] = tuple((str(c), str(t)) for c, t in stored)
        return cls(**values)
