"""When each brief first appeared in the content, recorded once for every replica.

Every sweep offers the briefs it has loaded; only the first offer of a brief is kept
(INSERT … ON CONFLICT DO NOTHING), so a restart, a reload or a second replica never
makes an old brief look new again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select

from bot.store.base import StoreBase
from bot.store.tables import briefs_seen

BATCH = 500
BEFORE_ANYTHING = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
"""First-seen time of the briefs found by the very first record: they were there before
any subscription could have been made, so none of them is ever announced as new."""


class BriefsSeen(StoreBase):
    def record_seen(self, brief_ids: Iterable[str], version: str) -> dict[str, dt.datetime]:
        """Record `brief_ids` as seen now unless already seen; every brief ever seen -> when
        it first was, as `first_seen()` gives it after the record.

        The first record of all (an empty table: briefbot's first sweep with this
        record, e.g. right after the upgrade) dates them `BEFORE_ANYTHING`.
        """
        known = self.first_seen()
        fresh = sorted(set(brief_ids) - set(known))
        if not fresh:
            return known
        now = self.now() if known else BEFORE_ANYTHING
        with self._write() as connection:
            for start in range(0, len(fresh), BATCH):
                rows = [
                    {"brief_id": brief_id, "first_seen_at": now, "content_version": version}
                    for brief_id in fresh[start : start + BATCH]
                ]
                connection.execute(
                    self._insert(briefs_seen)
                    .values(rows)
                    .on_conflict_do_nothing(index_elements=[briefs_seen.c.brief_id])
                )
        # Read again: a replica recording the same briefs at the same moment may have won.
        return self.first_seen()

    def first_seen(self) -> dict[str, dt.datetime]:
        """Every brief ever seen -> when it first was."""
        query = select(briefs_seen.c.brief_id, briefs_seen.c.first_seen_at)
        with self._read() as connection:
            return {row.brief_id: row.first_seen_at for row in connection.execute(query)}
