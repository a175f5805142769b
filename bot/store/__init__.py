"""Persistence: subscriptions, featured picks, the delivery ledger and lookup counts.

One module per kind of record (`subscriptions`, `featured`, `ledger`, `messages`,
`lookups`, `votes`), gathered in `Store`.

Open it with `make_engine(url)` (sqlite:///file.db or postgresql+psycopg://…), migrate
with `upgrade(engine)` on every start, then wrap the engine in a `Store`.
"""

from bot.records import (
    Added,
    Counted,
    DeclaredChannelError,
    Delivery,
    DeliveryKey,
    DeliveryKind,
    DeliveryState,
    FeaturedPick,
    LookupKind,
    LookupReport,
    MessageKind,
    OnceState,
    Person,
    Subscription,
    Suggestion,
    SyncResult,
    Tally,
    VoteOutcome,
    VoteReport,
)
from bot.store import installation_tables as installation_tables
from bot.store.base import DatabaseFailed
from bot.store.engine import StoreError, check_connection, make_engine, sqlite_url
from bot.store.ledger import worker_id
from bot.store.migrate import current_revision, head_revision, upgrade
from bot.store.store import Store

__all__ = [
    "Added",
    "Counted",
    "DatabaseFailed",
    "DeclaredChannelError",
    "Delivery",
    "DeliveryKey",
    "DeliveryKind",
    "DeliveryState",
    "FeaturedPick",
    "LookupKind",
    "LookupReport",
    "MessageKind",
    "OnceState",
    "Person",
    "Store",
    "StoreError",
    "Subscription",
    "Suggestion",
    "SyncResult",
    "Tally",
    "VoteOutcome",
    "VoteReport",
    "check_connection",
    "current_revision",
    "head_revision",
    "make_engine",
    "sqlite_url",
    "upgrade",
    "worker_id",
]
