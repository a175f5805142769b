"""Today's featured brief, chosen once per date and shared by every channel and replica."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from bot.content.library import Library
from bot.content.model import Brief
from bot.featured import pick_featured
from bot.store import Store


def featured_brief(store: Store, library: Library, day: dt.date) -> Brief | None:
    """The brief featured on `day`: the recorded pick, or a new pick recorded for everyone.

    The first process to ask records the pick; every later ask, in any process,
    reads the same one, so /brief, App Home and every channel's daily post agree.
    """
    if not library.briefs:
        return None

    def choose(history: Mapping[dt.date, str]) -> tuple[str, str]:
        brief = pick_featured(library, day, history)
        assert brief is not None  # the library has briefs
        return brief.id, library.version

    brief = library.by_id.get(store.featured_for(day, choose))
    # A recorded pick that admins have since deleted: fall back to a pick every process
    # computes alike from the content alone.
    return brief if brief is not None else pick_featured(library, day, {})
