"""Featured picks: the brief featured on each date, recorded once for every process.

Which brief to pick is `bot.featured`'s rule; the store only makes the first recorded
pick for a date the one everybody reads.
"""

from __future__ import annotations

import datetime as dt
from types import MappingProxyType

from sqlalchemy import select

from bot.featured import ChooseFeatured
from bot.records import FeaturedPick
from bot.store.base import StoreBase
from bot.store.tables import featured_picks


class FeaturedPicks(StoreBase):
    def featured_for(self, day: dt.date, choose: ChooseFeatured, tags: str = "") -> str:
        """The brief id featured on `day` for a tag set, choosing and recording it if nobody
        has yet. `tags` is the comma-separated sorted set ("" for every brief).

        `choose(history)` gets every recorded pick for the tag set (date -> brief id) and
        returns (brief id, content version). When processes race, the first recorded
        pick wins and every caller returns it.
        """
        pick = self.featured_pick(day, tags)
        if pick is not None:
            return pick.brief_id
        brief_id, version = choose(MappingProxyType(self.featured_history(tags)))
        with self._write() as connection:
            connection.execute(
                self._insert(featured_picks)
                .values(
                    day=day,
                    tags=tags,
                    brief_id=brief_id,
                    content_version=version,
                    picked_at=self.now(),
                )
                .on_conflict_do_nothing(
                    index_elements=[featured_picks.c.day, featured_picks.c.tags]
                )
            )
            return str(
                connection.execute(
                    select(featured_picks.c.brief_id).where(
                        featured_picks.c.day == day, featured_picks.c.tags == tags
                    )
                ).scalar_one()
            )

    def featured_pick(self, day: dt.date, tags: str = "") -> FeaturedPick | None:
        with self._read() as connection:
            row = (
                connection.execute(
                    select(featured_picks).where(
                        featured_picks.c.day == day, featured_picks.c.tags == tags
                    )
                )
                .mappings()
                .first()
            )
        return FeaturedPick.from_row(row) if row else None

    def featured_history(self, tags: str = "") -> dict[dt.date, str]:
        """Every recorded pick for a tag set, date -> brief id, oldest first."""
        query = (
            select(featured_picks.c.day, featured_picks.c.brief_id)
            .where(featured_picks.c.tags == tags)
            .order_by(featured_picks.c.day)
        )
        with self._read() as connection:
            return {row.day: row.brief_id for row in connection.execute(query)}
