"""The subscription model: kinds, listed days, tags, and the words `/brief subscribe` takes."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.schedule import (
    Kind,
    Schedule,
    ScheduleError,
    SubscriptionSpec,
    canonical_days,
    iso_week,
    next_post,
    parse_subscription,
)

UTC = dt.UTC


@pytest.mark.parametrize(
    ("words", "kind", "days", "time", "tags"),
    [
        ("new", Kind.NEW, "weekdays", "09:00", ()),
        ("weekly fri 16:00", Kind.WEEKLY, "fri", "16:00", ()),
        ("weekly", Kind.WEEKLY, "fri", "09:00", ()),
        (
            "daily 09:00 tags:governance,security",
            Kind.DAILY,
            "daily",
            "09:00",
            ("governance", "security"),
        ),
        ("mon,wed,fri 09:30", Kind.DAILY, "mon,wed,fri", "09:30", ()),
        ("Friday, monday wed 9:30", Kind.DAILY, "mon,wed,fri", "09:30", ()),
        ("tags:Security,AI-act new", Kind.NEW, "weekdays", "09:00", ("ai-act", "security")),
        ("09:30", Kind.DAILY, "weekdays", "09:30", ()),
    ],
)
def test_subscribe_words_give_kind_days_time_and_tags(
    words: str, kind: Kind, days: str, time: str, tags: tuple[str, ...]
) -> None:
    """Each spelling in the issue parses to its kind, canonical days, time and sorted tags."""
    spec = parse_subscription(words, "UTC")
    assert (spec.kind, spec.schedule.days, spec.schedule.time_text, spec.tags) == (
        kind,
        days,
        time,
        tags,
    )


@pytest.mark.parametrize(
    ("words", "says"),
    [
        ("new 09:00", "as they are published"),
        ("weekly mon,wed", "one day"),
        ("daily mon", "only once"),
        ("tags:", "at least one tag"),
        ("tags:a tags:b", "only once"),
        ("tags:no/slash", "is not a tag"),
        ("new weekly", "one of daily, new or weekly"),
        ("thrusday", "Did you mean thu"),
    ],
)
def test_bad_subscribe_words_say_what_to_type(words: str, says: str) -> None:
    """Wrong words are refused with a message that names the problem and the usage."""
    with pytest.raises(ScheduleError) as caught:
        parse_subscription(words, "UTC")
    assert says in str(caught.value)
    assert "/brief subscribe" in str(caught.value)


def test_listed_days_post_only_on_those_days() -> None:
    """mon,wed,fri posts on Monday, Wednesday and Friday of a week and no other day."""
    schedule = Schedule(dt.time(9, 30), "UTC", "mon,wed,fri")
    monday = dt.date(2026, 11, 30)
    posting = [
        d.weekday() for d in (monday + dt.timedelta(n) for n in range(7)) if schedule.posts_on(d)
    ]
    assert posting == [0, 2, 4]


def test_days_have_one_stored_form() -> None:
    """Any spelling of a day list stores one way; all weekdays are `weekdays`, all days `daily`."""
    assert canonical_days("fri, Mon,wed") == "mon,wed,fri"
    assert canonical_days("mon,tue,wed,thu,fri") == "weekdays"
    assert canonical_days("sun,mon,tue,wed,thu,fri,sat") == "daily"
    assert canonical_days("funday") is None
    with pytest.raises(ScheduleError):
        Schedule(dt.time(9), "UTC", "fri,mon")


def test_next_post_for_every_kind() -> None:
    """Daily and weekly have a next post; new briefs go out at the next sweep (None)."""
    now = dt.datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # a Monday
    assert next_post(parse_subscription("new", "UTC"), now) is None
    assert next_post(parse_subscription("weekly fri 16:00", "UTC"), now) == dt.datetime(
        2026, 12, 4, 16, 0, tzinfo=UTC
    )
    assert next_post(parse_subscription("mon,wed,fri 09:30", "UTC"), now) == dt.datetime(
        2026, 12, 2, 9, 30, tzinfo=UTC
    )


def test_tags_choose_which_briefs_a_subscription_carries() -> None:
    """A tagged subscription carries briefs with any of its tags; an untagged one every brief."""
    tagged = parse_subscription("new tags:governance,security", "UTC")
    assert tagged.carries(["Security", "chips"])
    assert not tagged.carries(["chips"])
    assert parse_subscription("new", "UTC").carries([])


def test_a_weekly_spec_needs_exactly_one_day() -> None:
    """A weekly digest built by hand with several days is refused."""
    with pytest.raises(ScheduleError):
        SubscriptionSpec(Kind.WEEKLY, Schedule(dt.time(9), "UTC", "mon,fri"))


def test_iso_week_keys_weekly_digests() -> None:
    """Weekly ledger keys are ISO weeks, which can belong to the neighbouring year."""
    assert iso_week(dt.date(2026, 12, 4)) == "2026-W49"
    assert iso_week(dt.date(2027, 1, 1)) == "2026-W53"
