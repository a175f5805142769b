"""The store: every read and write the bot makes, one part per kind of record.

Each part is a small class over the same engine (see `bot.store.base`); `Store` is all
of them together, so callers hold one object.
"""

from __future__ import annotations

from bot.store.featured import FeaturedPicks
from bot.store.ledger import DeliveryLedger
from bot.store.lookups import Lookups
from bot.store.messages import Claims, PostedMessages
from bot.store.seen import BriefsSeen
from bot.store.subscriptions import Subscriptions

__all__ = ["Store"]


class Store(
    Subscriptions,
    FeaturedPicks,
    DeliveryLedger,
    PostedMessages,
    Claims,
    Lookups,
    BriefsSeen,
):
    """Subscriptions, featured picks, the delivery ledger, posted messages, what is done
    once, lookups and the briefs seen.

    Thread-safe: each method uses its own connection from the engine's pool. `clock`
    gives the current time for timestamps (aware, UTC); tests pass their own.
    """
