"""The store: every read and write the bot makes, one part per kind of record.

Each part is a small class over the same engine (see `bot.store.base`); `Store` is all
of them together, so callers hold one object.
"""

from __future__ import annotations

from sqlalchemy import delete, inspect, select, update

from bot.store.featured import FeaturedPicks
from bot.store.ledger import DeliveryLedger
from bot.store.lookups import Lookups
from bot.store.messages import Claims, PostedMessages
from bot.store.people import People
from bot.store.seen import BriefsSeen
from bot.store.subscriptions import Subscriptions
from bot.store.suggestions import Suggestions
from bot.store.tables import (
    NO_TEAM,
    deliveries,
    handled_once,
    lookups,
    people,
    posted_messages,
    subscriptions,
    suggestions,
    votes,
)
from bot.store.votes import Votes

TEAM_TABLES = (
    subscriptions,
    deliveries,
    posted_messages,
    handled_once,
    lookups,
    votes,
    suggestions,
    people,
)
"""Every table whose rows belong to one team; the rest (briefs seen, featured picks) are
the one library every team reads."""
FORGOTTEN = tuple(table for table in TEAM_TABLES if table is not deliveries)
"""What a team that uninstalls leaves nothing of (the ledger keeps what was sent)."""

__all__ = ["Store"]


class Store(
    Subscriptions,
    People,
    FeaturedPicks,
    DeliveryLedger,
    PostedMessages,
    Claims,
    Lookups,
    Votes,
    BriefsSeen,
    Suggestions,
):
    """Subscriptions, people who get briefs in their DMs, featured picks, the delivery
    ledger, posted messages, what is done once, lookups, votes, suggestions and the
    briefs seen.

    Thread-safe: each method uses its own connection from the engine's pool. `clock`
    gives the current time for timestamps (aware, UTC); tests pass their own.
    """

    def teams_kept(self) -> list[tuple[str, str | None]]:
        """The teams (with their org) whose subscriptions or ledger rows the database
        holds, leaving out rows not adopted yet; a single-workspace database has one."""
        found: dict[str, str | None] = {}
        with self._read() as connection:
            for table in (subscriptions, deliveries):
                enterprise = table.c.enterprise_id if table is subscriptions else None
                columns = [table.c.team_id] + ([enterprise] if enterprise is not None else [])
                query = select(*columns).where(table.c.team_id != NO_TEAM).distinct()
                for row in connection.execute(query):
                    found.setdefault(row[0], row[1] if len(row) > 1 else None)
        return sorted(found.items())

    def teams_seen(self) -> list[str]:
        """Every team any team's row names, A to Z, leaving out rows not adopted yet (and
        tables a database not upgraded yet lacks)."""
        found: set[str] = set()
        with self._read() as connection:
            kept = inspect(connection)
            for table in TEAM_TABLES:
                if not kept.has_table(table.name):
                    continue
                query = select(table.c.team_id).where(table.c.team_id != NO_TEAM).distinct()
                found.update(connection.execute(query).scalars())
        return sorted(found)

    def adopt_rows(self) -> int:
        """Give this store's team every row written before rows had a team (a database
        upgraded from revision 0006 or earlier), in one transaction; how many moved.

        A single-workspace deployment calls this at start-up with the team `auth.test`
        names, so its subscriptions, ledger, claims and lookups carry on as they were.
        """
        if self.team == NO_TEAM:
            return 0
        moved = 0
        with self._write() as connection:
            for table in TEAM_TABLES:
                values: dict[str, str | None] = {"team_id": self.team}
                if table is subscriptions:
                    values["enterprise_id"] = self.enterprise
                stmt = update(table).where(table.c.team_id == NO_TEAM).values(**values)
                moved += int(connection.execute(stmt).rowcount)
        return moved

    def forget_rows(self, reason: str) -> None:
        """Everything of this store's team that would make briefbot post or answer there
        again goes (its subscriptions, posted messages, post-once claims, lookups and
        votes), and its ledger rows not yet sent are closed as skipped, in one transaction.
        The ledger's record of what was sent stays; a team that installs again starts clean."""
        with self._write() as connection:
            for table in FORGOTTEN:
                connection.execute(delete(table).where(table.c.team_id == self.team))
            connection.execute(self.close_pending_statement(reason))
