"""The daily featured brief: pins, newest not yet featured, then least recently featured."""

from __future__ import annotations

import datetime as dt

from bot.content.library import build_library
from bot.featured import pick_featured
from bot.model import Brief

DAY = dt.date(2026, 12, 10)


def brief(brief_id: str, date: dt.date, *pins: dt.date) -> Brief:
    return Brief(id=brief_id, title=brief_id, date=date, summary="A paragraph.", featured_on=pins)


def day(n: int) -> dt.date:
    """`n` days after DAY (negative: before)."""
    return DAY + dt.timedelta(days=n)


def pick(briefs, history=None, on=DAY) -> str | None:
    found = pick_featured(build_library(briefs, ()), on, history or {})
    return found.id if found else None


def test_no_briefs_no_pick():
    """An empty library features nothing."""
    assert pick(()) is None


def test_pinned_brief_wins():
    """The brief pinned to the day is featured, even if older and featured before."""
    briefs = (brief("new", day(-1)), brief("old", day(-30), DAY))
    assert pick(briefs, {day(-5): "old"}) == "old"


def test_pin_beats_a_recorded_pick():
    """A pin for the day wins over a pick recorded for that day."""
    briefs = (brief("new", day(-1)), brief("old", day(-30), DAY))
    assert pick(briefs, {DAY: "new"}) == "old"


def test_recorded_pick_for_the_day_is_kept():
    """A pick already recorded for the day is returned again, so the day stays consistent."""
    briefs = (brief("new", day(-1)), brief("old", day(-30)))
    assert pick(briefs, {DAY: "old"}) == "old"


def test_newest_not_yet_featured():
    """Without a pin: the newest published brief that was never featured."""
    briefs = (brief("a", day(-1)), brief("b", day(-2)), brief("c", day(-3)))
    assert pick(briefs) == "a"
    assert pick(briefs, {day(-1): "a"}) == "b"
    assert pick(briefs, {day(-2): "a", day(-1): "b"}) == "c"


def test_all_featured_least_recently_first():
    """When every brief has been featured, the one featured longest ago comes back."""
    briefs = (brief("a", day(-10)), brief("b", day(-11)), brief("c", day(-12)))
    history = {day(-9): "a", day(-3): "b", day(-5): "c", day(-1): "a"}
    assert pick(briefs, history) == "c"


def test_future_briefs_wait_for_their_date():
    """A brief dated after the day is not featured while published briefs exist."""
    briefs = (brief("scheduled", day(3)), brief("published", day(-3)))
    assert pick(briefs) == "published"
    assert pick(briefs, on=day(3)) == "scheduled"


def test_only_future_briefs_gives_the_one_due_first():
    """With nothing published yet, the brief due soonest is featured."""
    briefs = (brief("later", day(9)), brief("sooner", day(2)))
    assert pick(briefs) == "sooner"


def test_brief_pinned_later_waits_for_its_day():
    """A brief pinned to a later date is not featured before it, unless nothing else is left."""
    briefs = (brief("pinned-later", day(-1), day(5)), brief("other", day(-2)))
    assert pick(briefs) == "other"
    assert pick((briefs[0],)) == "pinned-later"


def test_history_of_deleted_briefs_and_later_dates_is_ignored():
    """Entries naming briefs that no longer exist, or dates after the day, change nothing."""
    briefs = (brief("a", day(-1)), brief("b", day(-2)))
    assert pick(briefs, {day(-3): "gone", day(-2): "also-gone"}) == "a"
    assert pick(briefs, {day(4): "a"}) == "a"
    assert pick(briefs, {DAY: "gone"}) == "a"


def test_same_inputs_same_pick_regardless_of_history_order():
    """The pick depends on the history's content, not the order it was recorded in."""
    briefs = tuple(brief(f"b{n}", day(-n)) for n in range(1, 6))
    history = {day(-n): f"b{n}" for n in range(1, 6)}
    reordered = dict(reversed(list(history.items())))
    assert pick(briefs, history) == pick(briefs, reordered) == "b5"
