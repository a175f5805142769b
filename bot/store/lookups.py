"""Lookups: what the team searched for with /brief and /define, and what it did not find."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable

from sqlalchemy import func, select

from bot.model import normalize_key
from bot.records import Counted, LookupKind, LookupReport
from bot.store.base import StoreBase
from bot.store.tables import QUERY, lookups


class Lookups(StoreBase):
    def record_lookup(
        self,
        kind: LookupKind | str,
        query: str,
        found: bool,
        result: str | None,
        *,
        user_id: str | None = None,
    ) -> None:
        """Count one /brief ("brief") or /define ("define") lookup.

        Only the query itself is kept (whitespace-collapsed, at most 200 characters);
        `user_id` stays NULL unless a caller has a reason to pass it.
        """
        try:
            kind = LookupKind(kind)
        except ValueError:
            kinds = tuple(k.value for k in LookupKind)
            raise ValueError(f"kind must be one of {kinds}, not {kind!r}.") from None
        # PostgreSQL refuses NUL in text; the query is counted without it.
        text = " ".join(query.replace("\x00", "").split())[:QUERY]
        if not text:
            return
        with self._write() as connection:
            connection.execute(
                lookups.insert().values(
                    team_id=self.team,
                    at=self.now(),
                    kind=kind.value,
                    query=text,
                    found=bool(found),
                    result=result[:QUERY] if result else None,
                    user_id=user_id,
                )
            )

    def lookup_report(
        self, days: float, now: dt.datetime | None = None, *, limit: int = 10
    ) -> LookupReport:
        """The team's most requested briefs and terms, and what it did not find, over
        `days` days."""
        if days <= 0:
            raise ValueError(f"The report covers a positive number of days, not {days}.")
        until = now or self.now()
        since = until - dt.timedelta(days=days)
        window = (lookups.c.team_id == self.team, lookups.c.at > since, lookups.c.at <= until)
        with self._read() as connection:
            totals: dict[str, int] = dict(
                connection.execute(
                    select(lookups.c.kind, func.count()).where(*window).group_by(lookups.c.kind)
                ).all()
            )

            def top_found(kind: LookupKind) -> tuple[Counted, ...]:
                count = func.count().label("n")
                rows = connection.execute(
                    select(lookups.c.result, count)
                    .where(*window, lookups.c.kind == kind.value, lookups.c.found.is_(True))
                    .where(lookups.c.result.is_not(None))
                    .group_by(lookups.c.result)
                    .order_by(count.desc(), lookups.c.result)
                    .limit(limit)
                )
                return tuple(Counted(row.result, row.n) for row in rows)

            def missed(kind: LookupKind) -> tuple[Counted, ...]:
                rows = connection.execute(
                    select(lookups.c.query).where(
                        *window, lookups.c.kind == kind.value, lookups.c.found.is_(False)
                    )
                )
                return _group_queries((row.query for row in rows), limit)

            return LookupReport(
                since=since,
                until=until,
                brief_lookups=totals.get(LookupKind.BRIEF.value, 0),
                define_lookups=totals.get(LookupKind.DEFINE.value, 0),
                top_briefs=top_found(LookupKind.BRIEF),
                top_terms=top_found(LookupKind.DEFINE),
                missed_queries=missed(LookupKind.BRIEF),
                missed_terms=missed(LookupKind.DEFINE),
            )


def _group_queries(queries: Iterable[str], limit: int) -> tuple[Counted, ...]:
    """Count queries that differ only in case, accents or punctuation as one, shown in
    their most frequent spelling."""
    spellings: dict[str, Counter[str]] = {}
    for query in queries:
        key = normalize_key(query) or query
        spellings.setdefault(key, Counter())[query] += 1
    counted = [
        Counted(min(forms.items(), key=lambda item: (-item[1], item[0]))[0], forms.total())
        for forms in spellings.values()
    ]
    counted.sort(key=lambda item: (-item.count, item.name.casefold()))
    return tuple(counted[:limit])
