"""/brief subscribe, unsubscribe and schedule, and the App Home schedules, through the real
Bolt app (signed requests) and a local Slack; and "Related briefs" on a daily post."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import TYPE_CHECKING

import pytest

from bot.daily.sweep import Sweeper
from bot.listeners.events.app_home import home_schedules
from bot.schedule import Kind, Schedule, SubscriptionSpec
from bot.slack import blocks
from bot.store import Store, Subscription
from tests.fakeslack import payloads

if TYPE_CHECKING:
    from tests.support.bot import BotHarness, Sent

pytest_plugins = ("tests.support.bot",)

# Monday 6 May 2024, 10:00 UTC: 13:00 in Helsinki, 06:00 in New York, 15:30 in Kolkata.
NOW = dt.datetime(2024, 5, 6, 10, 0, tzinfo=dt.UTC)
CHANNEL = "C0GENERAL"


@pytest.fixture
def app(bot: BotHarness) -> BotHarness:
    """The real app with BRIEFBOT_TIMEZONE=Europe/Paris and the clock frozen at NOW."""
    bot.slack.add_user("U0NOTZ", "notz", tz=None)
    bot.services.settings = dataclasses.replace(bot.services.settings, timezone="Europe/Paris")
    bot.services.now = lambda: NOW
    return bot


def answer(app: BotHarness, sent: Sent) -> str:
    """The text of the one answer a command sent through its response URL."""
    (response,) = app.responses_to(sent)
    return response["text"] + json.dumps(response["blocks"] or [], ensure_ascii=False)


def channel_texts(app: BotHarness, channel: str = CHANNEL) -> list[str]:
    return [m["text"] + json.dumps(m.get("blocks", [])) for m in app.slack.messages(channel)]


def test_subscribe_defaults_to_nine_on_weekdays_in_the_subscribers_zone(app: BotHarness) -> None:
    """Bare /brief subscribe: 09:00, weekdays, the person's Slack time zone; a visible note
    in the channel names them and the first post time; the answer confirms it."""
    sent = app.command("/brief", "subscribe", user="U0BOB")
    assert sent.response.status == 200
    text = answer(app, sent)
    assert "Subscribed: 09:00 on weekdays (Europe/Helsinki)" in text
    assert "Tuesday, May 7 at 09:00 (Europe/Helsinki)" in text
    (note,) = channel_texts(app)
    assert "<@U0BOB>" in note and "Tuesday, May 7 at 09:00" in note
    subscription = app.services.store.subscription(CHANNEL)
    assert subscription is not None
    assert subscription.schedule == Schedule(dt.time(9), "Europe/Helsinki", "weekdays")
    assert (subscription.created_by, subscription.source) == ("U0BOB", "slack")


def test_subscribe_with_time_days_and_zone(app: BotHarness) -> None:
    """Time, days and zone in any order, zone in any case, are stored as given."""
    sent = app.command("/brief", "subscribe daily asia/kolkata 17:30")
    assert "17:30 every day (Asia/Kolkata)" in answer(app, sent)
    assert "Monday, May 6 at 17:30" in answer(app, sent)
    subscription = app.services.store.subscription(CHANNEL)
    assert subscription is not None
    assert subscription.schedule == Schedule(dt.time(17, 30), "Asia/Kolkata", "daily")


def test_subscribe_without_a_slack_zone_uses_the_configured_one(app: BotHarness) -> None:
    """Someone with no time zone in Slack gets BRIEFBOT_TIMEZONE."""
    app.command("/brief", "subscribe 08:00", user="U0NOTZ")
    app.slack.wait_for(lambda: app.services.store.subscription(CHANNEL))
    subscription = app.services.store.subscription(CHANNEL)
    assert subscription is not None and subscription.timezone == "Europe/Paris"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("25:00", "is not a time of day"),
        ("9.30", "is not a time of day"),
        ("09:00 Europe/Helsnki", "Did you mean Europe/Helsinki"),
        ("09:00 fortnightly", "I don't understand"),
    ],
)
def test_bad_time_or_zone_gets_a_clear_error_and_subscribes_nothing(
    app: BotHarness, args: str, expected: str
) -> None:
    """A bad time, unknown zone or unknown word: a helpful answer, nothing stored or posted."""
    text = answer(app, app.command("/brief", f"subscribe {args}"))
    assert expected in text and "/brief subscribe" in text
    assert app.services.store.subscription(CHANNEL) is None
    assert app.slack.messages(CHANNEL) == []


@pytest.mark.parametrize("private", [False, True])
def test_subscribe_where_the_bot_cannot_post_says_how_to_fix_it(
    app: BotHarness, private: bool
) -> None:
    """Not invited (public: not_in_channel; private: channel_not_found): the answer says
    `/invite @briefbot`, and nothing is subscribed."""
    app.slack.add_channel("C0OUTSIDE", is_private=private, bot_is_member=False)
    text = answer(app, app.command("/brief", "subscribe", channel="C0OUTSIDE"))
    assert "/invite @briefbot" in text
    assert app.services.store.subscription("C0OUTSIDE") is None


def test_subscribe_when_slack_fails_says_so_and_subscribes_nothing(app: BotHarness) -> None:
    """Any other Slack error on the note: a short apology, never silence, no subscription."""
    app.slack.fail("chat.postMessage", error="fatal_error")
    text = answer(app, app.command("/brief", "subscribe"))
    assert "Nothing was subscribed" in text and "Traceback" not in text
    assert app.services.store.subscription(CHANNEL) is None


def test_unsubscribe_stops_it_and_says_so_twice(app: BotHarness) -> None:
    """Unsubscribe removes the schedule with a visible note; a second time says there is none."""
    app.services.store.subscribe(CHANNEL, Schedule(dt.time(9), "UTC"), "U0ALICE")
    first = app.command("/brief", "unsubscribe")
    assert "no more daily briefs" in first.ack_text
    assert app.services.store.subscription(CHANNEL) is None
    app.slack.wait_for(lambda: channel_texts(app))
    assert "<@U0ALICE> stopped the daily brief" in channel_texts(app)[0]
    second = app.command("/brief", "unsubscribe")
    assert "has no daily brief" in second.ack_text


def test_schedule_shows_the_next_post_in_the_channels_time(app: BotHarness) -> None:
    """/brief schedule: the schedule, the next post in the channel's own zone, who set it up;
    without a subscription, how to make one."""
    none = app.command("/brief", "schedule")
    assert "has no daily brief" in none.ack_text and "/brief subscribe" in none.ack_text
    app.services.store.subscribe(
        CHANNEL, Schedule(dt.time(8, 30), "America/New_York", "weekdays"), "U0ALICE"
    )
    shown = app.command("/brief", "schedule")
    assert "08:30 on weekdays (America/New_York)" in shown.ack_text
    assert "Monday, May 6 at 08:30 (America/New_York)" in shown.ack_text
    assert "<@U0ALICE>" in shown.ack_text
    app.services.store.pause(CHANNEL, "not_in_channel on 2024-05-06")
    paused = app.command("/brief", "schedule")
    assert "Paused" in paused.ack_text and "not_in_channel" in paused.ack_text


def test_declared_channels_cannot_be_changed_from_slack(app: BotHarness) -> None:
    """A channel from schedule.yml: subscribe and unsubscribe say the admins set it, and
    change nothing; schedule says where it comes from."""
    declared = Schedule(dt.time(7, 45), "Europe/Helsinki", "daily")
    app.services.store.sync_declared({CHANNEL: declared})
    text = answer(app, app.command("/brief", "subscribe 10:00"))
    assert "content/schedule.yml" in text and "07:45 every day" in text
    assert "content/schedule.yml" in app.command("/brief", "unsubscribe").ack_text
    assert "content/schedule.yml" in app.command("/brief", "schedule").ack_text
    subscription = app.services.store.subscription(CHANNEL)
    assert subscription is not None and subscription.schedule == declared
    assert app.slack.messages(CHANNEL) == []


def test_subscribe_resumes_a_paused_declared_channel_keeping_its_schedule(
    app: BotHarness,
) -> None:
    """A declared channel paused after an error is resumed by /brief subscribe there, with
    the admins' schedule, once the bot can post again."""
    declared = Schedule(dt.time(7, 45), "Europe/Helsinki", "daily")
    app.services.store.sync_declared({CHANNEL: declared})
    app.services.store.pause(CHANNEL, "not_in_channel on 2024-05-06")
    text = answer(app, app.command("/brief", "subscribe 10:00"))
    assert "Resumed: 07:45 every day (Europe/Helsinki)" in text
    subscription = app.services.store.subscription(CHANNEL)
    assert subscription is not None and not subscription.paused
    assert subscription.schedule == declared and subscription.declared
    assert "resumed this channel's daily brief" in channel_texts(app)[0]


def test_subscribe_again_changes_and_resumes_a_paused_subscription(app: BotHarness) -> None:
    """Subscribing a paused channel again (after inviting the bot) changes and resumes it."""
    app.services.store.subscribe(CHANNEL, Schedule(dt.time(9), "UTC"), "U0ALICE")
    app.services.store.pause(CHANNEL, "not_in_channel")
    answer(app, app.command("/brief", "subscribe 11:00 daily UTC", user="U0BOB"))
    subscription = app.services.store.subscription(CHANNEL)
    assert subscription is not None and not subscription.paused
    assert (subscription.post_time, subscription.days, subscription.created_by) == (
        "11:00",
        "daily",
        "U0BOB",
    )


def test_subscribe_again_says_what_changed_from_what_to_what(app: BotHarness) -> None:
    """Subscribing a channel again names the old and the new schedule, in the answer and in
    the note for the channel; the same schedule again changes nothing and says so."""
    answer(app, app.command("/brief", "subscribe 09:00 UTC"))
    text = answer(app, app.command("/brief", "subscribe 10:30 daily Europe/Helsinki"))
    expected = "from 09:00 on weekdays (UTC) to 10:30 every day (Europe/Helsinki)"
    assert f"Changed the schedule {expected}" in text
    assert (
        "changed this channel's daily brief from *09:00 on weekdays (UTC)*"
        in (channel_texts(app)[-1])
    )
    notes = len(channel_texts(app))
    same = answer(app, app.command("/brief", "subscribe 10:30 daily Europe/Helsinki"))
    assert "already gets its daily brief at 10:30 every day (Europe/Helsinki)" in same
    assert "nothing changed" in same and len(channel_texts(app)) == notes


@pytest.mark.parametrize("spoken", ["9 am", "9 AM", "9 a.m.", "9am"])
def test_a_time_with_a_spaced_am_is_understood(app: BotHarness, spoken: str) -> None:
    """`/brief subscribe 9 am` means 09:00, like `9am`, not an error about "9"."""
    text = answer(app, app.command("/brief", f"subscribe {spoken} daily UTC"))
    assert "Subscribed: 09:00 every day (UTC)" in text
    subscription = app.services.store.subscription(CHANNEL)
    assert subscription is not None and subscription.post_time == "09:00"


def test_a_spaced_pm_and_a_bad_spaced_time(app: BotHarness) -> None:
    """`5:30 pm` is 17:30; `13 pm` is still a clear error naming the time."""
    assert "17:30 on weekdays" in answer(app, app.command("/brief", "subscribe 5:30 pm UTC"))
    assert "is not a time of day" in answer(app, app.command("/brief", "subscribe 13 pm"))


def test_help_lists_the_schedule_commands(app: BotHarness) -> None:
    """/brief help explains subscribe, unsubscribe and schedule."""
    text = app.command("/brief", "help").ack_text
    for word in ("/brief subscribe", "/brief unsubscribe", "/brief schedule"):
        assert word in text


def test_app_home_lists_channel_schedules_with_next_post(app: BotHarness) -> None:
    """App Home lists each channel's schedule with its mention and next post time, the
    viewer's own first; a paused one says how to resume it."""
    store = app.services.store
    store.subscribe("C0OTHER", Schedule(dt.time(9), "Asia/Kolkata", "daily"), "U0BOB")
    store.subscribe(CHANNEL, Schedule(dt.time(9), "Europe/Helsinki"), "U0ALICE")
    store.subscribe("C0QUIET", Schedule(dt.time(9), "UTC"), "U0BOB")
    store.pause("C0QUIET", "is_archived")
    lines = home_schedules(app.services, "U0ALICE")
    assert lines[0] == (
        "<#C0GENERAL> 09:00 on weekdays (Europe/Helsinki) · next Tuesday, May 7 at 09:00 "
        "(Europe/Helsinki) · set up by you"
    )
    assert "<#C0OTHER> 09:00 every day (Asia/Kolkata) · next Tuesday, May 7" in lines[1]
    assert "<#C0QUIET>" in lines[2] and "paused" in lines[2]
    app.event(payloads.app_home_opened(user="U0ALICE"))
    view = app.slack.wait_for(lambda: app.slack.views.get("U0ALICE"))
    assert "What channels get" in json.dumps(view["blocks"])
    assert "09:00 on weekdays (Europe/Helsinki)" in json.dumps(view["blocks"])
    assert "<#C0GENERAL>" in json.dumps(view["blocks"])  # a channel link, not escaped text


def test_related_briefs_thread_under_a_daily_post(app: BotHarness) -> None:
    """ "Related briefs" on the daily post threads the related briefs under it, once."""
    Store(app.services.store.engine, clock=lambda: NOW - dt.timedelta(days=1)).subscribe(
        CHANNEL, Schedule(dt.time(12, 55), "Europe/Helsinki"), "U0ALICE"
    )
    report = Sweeper(app.services, app.app.client).sweep()
    assert [e.channel_id for e in report.posted] == [CHANNEL]
    (post,) = app.slack.messages(CHANNEL)
    brief_id = post["metadata"]["event_payload"]["brief_id"]
    app.click(blocks.RELATED_BRIEFS, brief_id, message=post)
    app.slack.wait_for(lambda: len(app.slack.messages(CHANNEL, post["ts"])) == 2)
    reply = app.slack.messages(CHANNEL, post["ts"])[1]
    assert reply["thread_ts"] == post["ts"] and "Related to" in reply["text"]


def kinds_of(app: BotHarness) -> dict[str, Subscription]:
    return {s.kind: s for s in app.services.store.channel_subscriptions(CHANNEL)}


def test_subscribe_new_takes_each_new_brief_beside_the_daily_one(app: BotHarness) -> None:
    """`/brief subscribe new`: a new-briefs subscription in the channel's zone, with a note
    for everyone; the channel's daily brief stays as it was."""
    app.services.store.subscribe(CHANNEL, Schedule(dt.time(9), "UTC"), "U0ALICE")
    text = answer(app, app.command("/brief", "subscribe new", user="U0BOB"))
    assert "Subscribed: new briefs as they are published (Europe/Helsinki)" in text
    assert "the first sweep after a new brief is published" in text
    (note,) = channel_texts(app)
    assert "<@U0BOB> set up new-brief posts in this channel" in note
    subscriptions = kinds_of(app)
    assert set(subscriptions) == {"daily", "new"}
    assert subscriptions["new"].spec == SubscriptionSpec(
        Kind.NEW, Schedule(dt.time(9), "Europe/Helsinki", "weekdays")
    )
    assert subscriptions["daily"].schedule == Schedule(dt.time(9), "UTC")


def test_subscribe_weekly_digest_on_a_day_at_a_time(app: BotHarness) -> None:
    """`/brief subscribe weekly fri 16:00`: one digest a week, the next on Friday."""
    text = answer(app, app.command("/brief", "subscribe weekly fri 16:00", user="U0BOB"))
    assert "Subscribed: 16:00 on Fri (Europe/Helsinki)" in text
    assert "Friday, May 10 at 16:00 (Europe/Helsinki)" in text
    assert "set up a weekly digest in this channel" in channel_texts(app)[0]
    weekly = kinds_of(app)["weekly"]
    assert weekly.spec == SubscriptionSpec(
        Kind.WEEKLY, Schedule(dt.time(16), "Europe/Helsinki", "fri")
    )


def test_subscribe_on_listed_days(app: BotHarness) -> None:
    """`/brief subscribe mon,wed,fri 09:30`: the featured brief on those days only; the
    next post skips Tuesday."""
    text = answer(app, app.command("/brief", "subscribe mon,wed,fri 09:30 UTC"))
    assert "Subscribed: 09:30 on Mon, Wed, Fri (UTC)" in text
    assert "Wednesday, May 8 at 09:30 (UTC)" in text
    subscription = app.services.store.subscription(CHANNEL)
    assert subscription is not None and subscription.days == "mon,wed,fri"


def test_subscribe_with_tags_keeps_them(app: BotHarness) -> None:
    """`tags:` narrows a subscription to briefs with those tags (tags of the content)."""
    text = answer(app, app.command("/brief", "subscribe daily 09:00 UTC tags:Governance,policy"))
    assert "Subscribed: 09:00 every day (UTC) · tags: governance, policy" in text
    subscription = app.services.store.subscription(CHANNEL)
    assert subscription is not None and subscription.spec.tags == ("governance", "policy")


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ("governanse", "No brief is tagged “governanse”. Did you mean governance?"),
        ("governance,security", "No brief is tagged “security”. Did you mean national-security?"),
        ("export_controls", "No brief is tagged “export_controls”. Did you mean export-controls?"),
        ("zzzz", "No brief is tagged “zzzz”. Tags in the briefs: agi, alignment"),
    ],
)
def test_an_unknown_tag_gets_did_you_mean_from_the_contents_tags(
    app: BotHarness, tags: str, expected: str
) -> None:
    """A tag no brief carries: "did you mean" from the content's tags (or the tags there
    are), and nothing is subscribed or posted."""
    text = answer(app, app.command("/brief", f"subscribe daily 09:00 tags:{tags}"))
    assert expected in text and "Nothing was subscribed" in text
    assert app.services.store.channel_subscriptions(CHANNEL) == []
    assert app.slack.messages(CHANNEL) == []


def test_schedule_lists_every_kind_and_unsubscribe_ends_one_or_all(app: BotHarness) -> None:
    """One subscription of each kind: /brief schedule lists all three with their next post;
    `/brief unsubscribe weekly` ends only that one; `/brief unsubscribe` ends the rest."""
    for args in ("subscribe 08:30 UTC", "subscribe new UTC", "subscribe weekly fri 16:00 UTC"):
        answer(app, app.command("/brief", args))
    assert set(kinds_of(app)) == {"daily", "new", "weekly"}
    shown = app.command("/brief", "schedule").ack_text
    assert "Daily brief in this channel:* 08:30 on weekdays (UTC)" in shown
    assert "Tuesday, May 7 at 08:30 (UTC)" in shown
    assert "New briefs in this channel:* new briefs as they are published (UTC)" in shown
    assert "Weekly digest in this channel:* 16:00 on Fri (UTC)" in shown
    assert "Friday, May 10 at 16:00 (UTC)" in shown
    one = app.command("/brief", "unsubscribe weekly")
    assert "no more weekly digests" in one.ack_text
    assert set(kinds_of(app)) == {"daily", "new"}
    rest = app.command("/brief", "unsubscribe")
    assert "no more daily briefs or new-brief posts" in rest.ack_text
    assert kinds_of(app) == {}
    app.slack.wait_for(
        lambda: any("stopped the daily brief and the" in t for t in channel_texts(app))
    )
    again = app.command("/brief", "unsubscribe weekly")
    assert "has no weekly digest" in again.ack_text
    unknown = app.command("/brief", "unsubscribe fortnightly")
    assert "/brief unsubscribe daily" in unknown.ack_text


def test_app_home_lists_every_kind_of_subscription(app: BotHarness) -> None:
    """The Home tab lists a channel's daily brief, new briefs and weekly digest, each with
    its next post."""
    for args in ("subscribe 08:30 UTC", "subscribe new UTC", "subscribe weekly fri 16:00 UTC"):
        answer(app, app.command("/brief", args))
    lines = home_schedules(app.services, "U0ALICE")
    assert lines == [
        "<#C0GENERAL> 08:30 on weekdays (UTC) · next Tuesday, May 7 at 08:30 (UTC) · set up by you",
        "<#C0GENERAL> new briefs as they are published (UTC) · next at the first sweep after "
        "a new brief is published · set up by you",
        "<#C0GENERAL> weekly digest: 16:00 on Fri (UTC) · next Friday, May 10 at 16:00 (UTC) · "
        "set up by you",
    ]
