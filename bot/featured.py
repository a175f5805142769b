"""The daily featured brief: one pick per date, the same in every channel and process.

For a given `day` the pick is, in order:

1. the brief pinned to `day` with `featured_on`;
2. the pick already recorded for `day` in the history, if that brief still exists;
3. the newest published brief (dated on or before `day`) never featured before `day`;
4. when every published brief has been featured: the one featured least recently
   (ties by id).

Briefs dated after `day` are not published yet and are only picked when nothing is
published at all (then the one due soonest). Briefs pinned to a later date wait for
their own day unless nothing else is left. History entries for other dates than the
past, and for briefs that no longer exist, are ignored. The result depends only on
the content and the history, so every process picks the same brief.

`featured_brief` is today's featured brief as everyone sees it: the pick recorded once
for the date (by whatever keeps the record, the store in the bot), so /brief, App Home
and every channel's daily post agree. `featured_for_people` is the same for someone
asking (/brief, the Home tab): while the record cannot be read, the pick the content
alone gives, rather than no answer.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.exc import SQLAlchemyError

from bot.content.model import Brief

if TYPE_CHECKING:
    from bot.content.library import Library


class BriefSet(Protocol):
    """What a pick is made among: the library, or the briefs of a tag set."""

    @property
    def briefs(self) -> Sequence[Brief]: ...

    @property
    def by_id(self) -> Mapping[str, Brief]: ...

    @property
    def version(self) -> str: ...


@dataclass(frozen=True, slots=True)
class TaggedBriefs:
    """The briefs carrying at least one of `tags`, in the library's order."""

    briefs: Sequence[Brief]
    by_id: Mapping[str, Brief]
    version: str


def tagged(library: BriefSet, tags: Iterable[str]) -> BriefSet:
    """The library itself without tags; else only its briefs with one of `tags`."""
    wanted = {tag.lower() for tag in tags}
    if not wanted:
        return library
    briefs = [b for b in library.briefs if wanted & {t.lower() for t in b.tags}]
    return TaggedBriefs(tuple(briefs), {b.id: b for b in briefs}, library.version)


log = logging.getLogger("briefbot.app")

ChooseFeatured = Callable[[Mapping[dt.date, str]], tuple[str, str]]
"""Given every recorded pick (date -> brief id), the (brief id, content version) to record."""


class PickRecord(Protocol):
    """Where the day's pick is recorded once for every process (the bot's store)."""

    def featured_for(self, day: dt.date, choose: ChooseFeatured, tags: str = "") -> str:
        """The brief id recorded for `day` and the tag set; `choose` is asked only if nobody
        recorded one."""
        ...


def featured_brief(
    record: PickRecord, library: BriefSet, day: dt.date, tags: Sequence[str] = ()
) -> Brief | None:
    """The brief featured on `day` (among briefs with one of `tags`, if any): the recorded
    pick for that date and tag set, or a new pick recorded for everyone.

    The first process to ask records the pick; every later ask, in any process,
    reads the same one, so /brief, App Home and every channel's daily post agree, and
    channels with the same tags get the same brief.
    """
    library = tagged(library, tags)
    if not library.briefs:
        return None

    def choose(history: Mapping[dt.date, str]) -> tuple[str, str]:
        brief = pick_featured(library, day, history)
        assert brief is not None  # the library has briefs
        return brief.id, library.version

    brief = library.by_id.get(record.featured_for(day, choose, ",".join(sorted(set(tags)))))
    # A recorded pick that admins have since deleted: fall back to a pick every process
    # computes alike from the content alone.
    return brief if brief is not None else pick_featured(library, day, {})


def featured_for_people(record: PickRecord, library: BriefSet, day: dt.date) -> Brief | None:
    """The brief featured on `day` for someone who asks (/brief, the Home tab): the pick
    recorded for everyone, or, when the record cannot be read (the database is down),
    the pick the content alone gives, which is what the record holds on most days."""
    try:
        return featured_brief(record, library, day)
    except SQLAlchemyError as error:
        log.warning("could not read today's featured pick, answering from the content: %s", error)
        return pick_featured(library, day, {})


def pick_featured(library: BriefSet, day: dt.date, history: Mapping[dt.date, str]) -> Brief | None:
    """The brief to feature on `day`, given past picks (date -> brief id); None if no briefs."""
    briefs = library.briefs
    if not briefs:
        return None
    for brief in briefs:
        if day in brief.featured_on:
            return brief
    recorded = library.by_id.get(history.get(day, ""))
    if recorded is not None:
        return recorded

    last_featured: dict[str, dt.date] = {}
    for date, brief_id in history.items():
        known = date < day and brief_id in library.by_id
        if known and (brief_id not in last_featured or date > last_featured[brief_id]):
            last_featured[brief_id] = date

    # Published briefs newest first (the library's order); else the one due soonest.
    published = [b for b in briefs if b.date <= day]
    pool = published or sorted(briefs, key=lambda b: (b.date, b.id))
    waiting = [b for b in pool if not any(d > day for d in b.featured_on)]
    pool = waiting or pool

    for brief in pool:
        if brief.id not in last_featured:
            return brief
    return min(pool, key=lambda b: (last_featured[b.id], b.id))


def waiting_for_their_day(library: Library, day: dt.date, picked: Brief) -> list[Brief]:
    """Published briefs newer than `picked` that were passed over on `day` because they are
    pinned to a later date (newest first): what to tell someone who expected them."""
    return [
        brief
        for brief in library.briefs
        if picked.date < brief.date <= day
        and day not in brief.featured_on
        and any(d > day for d in brief.featured_on)
    ]
