"""The schema, as SQLAlchemy Core tables. Migrations in `migrations/versions` create it.

Any change here needs a new migration revision; tests/test_migrations.py checks that
the migrated schema and these tables agree.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Dialect,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    false,
    text,
)
from sqlalchemy.types import TypeDecorator

from bot.model import ItemKind, Vote
from bot.records import DeliveryKind, DeliveryState, LookupKind, MessageKind, OnceState

# Stable constraint names, so later migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SUBSCRIPTION_KINDS = ("daily", "new", "weekly")
DELIVERY_KINDS = tuple(kind.value for kind in DeliveryKind)
SUBSCRIPTION_SOURCES = ("slack", "schedule_file")
DELIVERY_STATES = tuple(state.value for state in DeliveryState)
MESSAGE_KINDS = tuple(kind.value for kind in MessageKind)
LOOKUP_KINDS = tuple(kind.value for kind in LookupKind)
ONCE_STATES = tuple(state.value for state in OnceState)
ITEM_KINDS = tuple(kind.value for kind in ItemKind)
VOTES = tuple(vote.value for vote in Vote)
SUGGESTION_KINDS = ("term", "fix", "brief")
SUGGESTION_STATES = ("open", "approved", "declined")

ID = 64  # Slack ids, message timestamps, brief ids and process ids all fit
QUERY = 200
TAGS = 400  # a subscription's tags, comma-separated
ONCE_KEY = 255

NO_TEAM = ""
"""The team of rows written before rows had one (revision 0006 and earlier), until a
single-workspace start-up adopts them into the team Slack's `auth.test` names."""


def _team() -> Column[str]:
    """The team (or, for an org-wide install, the Enterprise Grid org) a row belongs to."""
    return Column("team_id", String(ID), nullable=False, server_default=NO_TEAM)


def _channel() -> Column[str]:
    """The channel a row is about; with the team, its channel is one place in Slack."""
    return Column("channel_id", String(ID), nullable=False)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """An aware UTC datetime on every backend.

    PostgreSQL keeps `timestamptz`; SQLite has no zone-aware type, so values are
    stored as naive UTC (which also keeps them comparable as text) and read back aware.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime) or value.utcoffset() is None:
            raise ValueError(f"Store times must be timezone-aware datetimes, got {value!r}.")
        utc: dt.datetime = value.astimezone(dt.UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        stored: dt.datetime = value
        if stored.tzinfo is None:
            return stored.replace(tzinfo=dt.UTC)
        return stored.astimezone(dt.UTC)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


metadata = MetaData(naming_convention=NAMING_CONVENTION)

subscriptions = Table(
    # One row per channel and kind: a channel holds at most one subscription of each.
    "subscriptions",
    metadata,
    _team(),
    # The org of an Enterprise Grid team, so the sweep asks for the right installation.
    Column("enterprise_id", String(ID), nullable=True),
    _channel(),
    Column("kind", String(16), nullable=False, server_default="daily"),
    Column("post_time", String(5), nullable=False),
    Column("timezone", String(ID), nullable=False),
    Column("days", String(16), nullable=False),
    Column("created_by", String(ID), nullable=True),
    Column("source", String(16), nullable=False),
    Column("paused", Boolean, nullable=False, server_default=false()),
    Column("paused_reason", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("tags", String(TAGS), nullable=False, server_default=""),
    PrimaryKeyConstraint("team_id", "channel_id", "kind"),
    CheckConstraint(_one_of("source", SUBSCRIPTION_SOURCES), name="source"),
    CheckConstraint(_one_of("kind", SUBSCRIPTION_KINDS), name="kind"),
)

featured_picks = Table(
    # One pick per date and tag set ("" for the pick among every brief).
    "featured_picks",
    metadata,
    Column("day", Date, nullable=False),
    Column("brief_id", String(ID), nullable=False),
    Column("content_version", String(ID), nullable=False),
    Column("picked_at", UTCDateTime, nullable=False),
    Column("tags", String(TAGS), nullable=False, server_default=""),
    PrimaryKeyConstraint("day", "tags"),
)

briefs_seen = Table(
    # When each brief first appeared in the content, recorded once for every replica:
    # a brief first seen after a `new` subscription was made is new to that channel.
    "briefs_seen",
    metadata,
    Column("brief_id", String(ID), primary_key=True),
    Column("first_seen_at", UTCDateTime, nullable=False),
    Column("content_version", String(ID), nullable=False),
    Index(None, "first_seen_at"),
)

deliveries = Table(
    "deliveries",
    metadata,
    _team(),
    _channel(),
    Column("local_date", Date, nullable=False),
    Column("state", String(16), nullable=False),
    Column("brief_id", String(ID), nullable=False),
    Column("content_version", String(ID), nullable=False),
    Column("message_ts", String(ID), nullable=True),
    Column("claimed_by", String(ID), nullable=False),
    Column("claimed_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("error", Text, nullable=True),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    # The key: (channel, "daily", local date), (channel, "weekly", ISO week),
    # (channel, "new", brief id), (channel, "more", local date) for the flood guard's line.
    Column("kind", String(16), nullable=False, server_default="daily"),
    Column("slot", String(ID), nullable=False),
    Column("items", Integer, nullable=True),
    PrimaryKeyConstraint("team_id", "channel_id", "kind", "slot"),
    CheckConstraint(_one_of("state", DELIVERY_STATES), name="state"),
    CheckConstraint(_one_of("kind", DELIVERY_KINDS), name="kind"),
    Index(None, "state", "updated_at"),
    Index(None, "local_date"),
)

posted_messages = Table(
    "posted_messages",
    metadata,
    _team(),
    _channel(),
    Column("ts", String(ID), nullable=False),
    Column("brief_id", String(ID), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("posted_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("team_id", "channel_id", "ts"),
    CheckConstraint(_one_of("kind", MESSAGE_KINDS), name="kind"),
)

handled_once = Table(
    # Everything done once, keyed by purpose: "event:<event id>" (an event Slack may
    # deliver again), "share:<channel>:<answer ts>:<user>:<brief>", "related:<channel>:<ts>"
    # and "explain:<channel>:<ts>" (the one reply in a message's thread). `reply_ts` is
    # what was posted, once settled; `forget_after` is NULL for what is kept for good.
    "handled_once",
    metadata,
    _team(),
    Column("key", String(ONCE_KEY), nullable=False),
    Column("claimed_at", UTCDateTime, nullable=False),
    Column("state", String(16), nullable=False, server_default="claimed"),
    Column("reply_ts", String(ID), nullable=True),
    Column("forget_after", UTCDateTime, nullable=True),
    PrimaryKeyConstraint("team_id", "key"),
    CheckConstraint(_one_of("state", ONCE_STATES), name="state"),
    Index(None, "forget_after"),
)

lookups = Table(
    "lookups",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _team(),
    Column("at", UTCDateTime, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("query", String(QUERY), nullable=False),
    Column("found", Boolean, nullable=False),
    Column("result", String(QUERY), nullable=True),
    Column("user_id", String(ID), nullable=True),
    CheckConstraint(_one_of("kind", LOOKUP_KINDS), name="kind"),
    Index(None, "at"),
    Index(None, "team_id", "at"),
)

votes = Table(
    # One row per person and brief or term: "was this helpful?". `vote` is NULL once
    # withdrawn; `pressed` and `press_ts` are the button and Slack's action_ts of the
    # press that last changed it, so a press delivered again, or the second click of a
    # double click, is not counted again. `voted_at` is when the row last changed.
    "votes",
    metadata,
    _team(),
    Column("user_id", String(ID), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("item_id", String(QUERY), nullable=False),
    Column("vote", String(8), nullable=True),
    Column("pressed", String(8), nullable=False),
    Column("press_ts", String(ID), nullable=False),
    Column("voted_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("team_id", "user_id", "kind", "item_id"),
    CheckConstraint(_one_of("kind", ITEM_KINDS), name="kind"),
    CheckConstraint(_one_of("vote", VOTES), name="vote"),
    CheckConstraint(_one_of("pressed", VOTES), name="pressed"),
    Index(None, "team_id", "voted_at"),
)

suggestions = Table(
    # Every suggestion of a term or a fix, and what became of it: who suggested it and
    # when, what (the proposal, as JSON), who decided and when, and why it was declined.
    # `base_hash` is the hash of the term's or brief's text when it was suggested;
    # `dedupe_key` makes a duplicate of an open suggestion merge into it (`also_by`).
    "suggestions",
    metadata,
    _team(),
    Column("id", String(ID), nullable=False),
    Column("user_id", String(ID), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("target", String(QUERY), nullable=False, server_default=""),
    Column("base_hash", String(ID), nullable=False, server_default=""),
    Column("proposal", Text, nullable=False),
    Column("dedupe_key", String(ID), nullable=False),
    Column("also_by", Text, nullable=False, server_default=""),
    Column("state", String(16), nullable=False, server_default="open"),
    Column("edited_by", String(ID), nullable=True),
    Column("decided_by", String(ID), nullable=True),
    Column("decided_at", UTCDateTime, nullable=True),
    Column("reason", Text, nullable=True),
    Column("outcome", Text, nullable=True),
    # The admins' messages about it, [[channel, ts], …] as JSON: all updated once decided.
    Column("review_messages", Text, nullable=False, server_default=""),
    PrimaryKeyConstraint("team_id", "id"),
    CheckConstraint(_one_of("kind", SUGGESTION_KINDS), name="kind"),
    CheckConstraint(_one_of("state", SUGGESTION_STATES), name="state"),
    Index(None, "team_id", "user_id", "state"),
    Index(None, "team_id", "dedupe_key", "state"),
)

people = Table(
    # Someone who gets briefs in their DMs: their subscriptions are rows of `subscriptions`
    # under their DM conversation's id, so the sweep and the ledger treat them as a channel.
    "people",
    metadata,
    _team(),
    Column("user_id", String(ID), nullable=False),
    Column("dm_channel", String(ID), nullable=False),
    Column("timezone", String(ID), nullable=False),
    Column("snoozed_from", UTCDateTime, nullable=True),
    Column("snoozed_until", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("team_id", "user_id"),
    Index(None, "team_id", "dm_channel", unique=True),
)
