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

from bot.store.records import DeliveryState, LookupKind, MessageKind

# Stable constraint names, so later migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SUBSCRIPTION_DAYS = ("weekdays", "daily")
SUBSCRIPTION_SOURCES = ("slack", "schedule_file")
DELIVERY_STATES = tuple(state.value for state in DeliveryState)
MESSAGE_KINDS = tuple(kind.value for kind in MessageKind)
LOOKUP_KINDS = tuple(kind.value for kind in LookupKind)

ID = 64  # Slack ids, message timestamps, brief ids and process ids all fit
QUERY = 200
ONCE_KEY = 255


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
    "subscriptions",
    metadata,
    Column("channel_id", String(ID), primary_key=True),
    Column("post_time", String(5), nullable=False),
    Column("timezone", String(ID), nullable=False),
    Column("days", String(16), nullable=False),
    Column("created_by", String(ID), nullable=True),
    Column("source", String(16), nullable=False),
    Column("paused", Boolean, nullable=False, server_default=false()),
    Column("paused_reason", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint(_one_of("days", SUBSCRIPTION_DAYS), name="days"),
    CheckConstraint(_one_of("source", SUBSCRIPTION_SOURCES), name="source"),
)

featured_picks = Table(
    "featured_picks",
    metadata,
    Column("day", Date, primary_key=True),
    Column("brief_id", String(ID), nullable=False),
    Column("content_version", String(ID), nullable=False),
    Column("picked_at", UTCDateTime, nullable=False),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("channel_id", String(ID), nullable=False),
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
    PrimaryKeyConstraint("channel_id", "local_date"),
    CheckConstraint(_one_of("state", DELIVERY_STATES), name="state"),
    Index(None, "state", "updated_at"),
    Index(None, "local_date"),
)

posted_messages = Table(
    "posted_messages",
    metadata,
    Column("channel_id", String(ID), nullable=False),
    Column("ts", String(ID), nullable=False),
    Column("brief_id", String(ID), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("posted_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("channel_id", "ts"),
    CheckConstraint(_one_of("kind", MESSAGE_KINDS), name="kind"),
)

related_threads = Table(
    "related_threads",
    metadata,
    Column("channel_id", String(ID), nullable=False),
    Column("parent_ts", String(ID), nullable=False),
    Column("reply_ts", String(ID), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("channel_id", "parent_ts"),
)

explained_messages = Table(
    # "Explain terms" → Post in thread: the one explanation posted under each message.
    "explained_messages",
    metadata,
    Column("channel_id", String(ID), nullable=False),
    Column("message_ts", String(ID), nullable=False),
    Column("reply_ts", String(ID), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("channel_id", "message_ts"),
)

handled_once = Table(
    "handled_once",
    metadata,
    # What Slack may deliver twice: "event:<event_id>", "share:<channel>:<message ts>:…".
    Column("key", String(ONCE_KEY), primary_key=True),
    Column("claimed_at", UTCDateTime, nullable=False),
    Index(None, "claimed_at"),
)

lookups = Table(
    "lookups",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("query", String(QUERY), nullable=False),
    Column("found", Boolean, nullable=False),
    Column("result", String(QUERY), nullable=True),
    Column("user_id", String(ID), nullable=True),
    CheckConstraint(_one_of("kind", LOOKUP_KINDS), name="kind"),
    Index(None, "at"),
)
