"""Briefs in your own DMs, end to end: `/brief subscribe` typed in a DM (the real app, over
HTTP to the local Slack), the real sweep posting into the person's DM in the zone of
their Slack profile, `user_change` moving it, waking hours, `/brief snooze` and its one
catch-up digest, `/brief unsnooze`, and a person who leaves; on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
import zoneinfo
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from bot.daily.post import EVENT_TYPE
from bot.store import DeliveryKind, DeliveryState
from tests.fakeslack import payloads
from tests.support.bot import BotHarness
from tests.support.kinds import add_briefs

if TYPE_CHECKING:
    from tests.support.daily import DailyWorld

pytest_plugins = ("tests.support.daily", "tests.support.databases")

DANA, DANA_DM = "U0DANA", "D0DANA"
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
HELSINKI = zoneinfo.ZoneInfo("Europe/Helsinki")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


@dataclasses.dataclass
class DmWorld:
    """A daily world (frozen clock, real store, local Slack) and the real app over it."""

    world: DailyWorld
    bot: BotHarness

    def say(self, text: str, *, user: str = DANA, channel: str = DANA_DM) -> str:
        """Type `/brief <text>` in `channel`; everything the app answered, as one text."""
        sent = self.bot.command("/brief", text, user=user, channel=channel)
        assert sent.response.status == 200
        self.bot.settle()
        later = [r for r in self.bot.slack.responses if r["url"] == sent.response_url]
        return sent.ack_text + "".join(str(r) for r in later)

    def sweep(self, at: dt.datetime) -> Any:
        return self.world.sweep(at.astimezone(dt.UTC))

    def dm_posts(self, user: str = DANA) -> list[dict[str, Any]]:
        """The sweep's posts in the person's DM, oldest first."""
        return [
            m
            for m in self.world.dms(user)
            if (m.get("metadata") or {}).get("event_type") == EVENT_TYPE
        ]

    def kinds(self, user: str = DANA) -> list[str]:
        return [m["metadata"]["event_payload"].get("kind", "daily") for m in self.dm_posts(user)]


def _dm_world(tmp_path: Path, database_url: str) -> Iterator[DmWorld]:
    from tests.support.daily import make_world

    for world in make_world(tmp_path, database_url):
        secret = secrets.token_hex(16)
        settings = dataclasses.replace(world.services.settings, signing_secret=secret)
        services = dataclasses.replace(world.services, settings=settings)
        bot = BotHarness.build(world.slack, services, secret)
        world.slack.add_user(DANA, "dana", tz="Asia/Tokyo")
        try:
            yield DmWorld(world, bot)
        finally:
            bot.follow_ups.wait_idle(10)
            bot.follow_ups.shutdown()


@pytest.fixture
def dm(tmp_path: Path, database_url: str) -> Iterator[DmWorld]:
    """On each backend in turn."""
    yield from _dm_world(tmp_path, database_url)


@pytest.fixture
def dm_sqlite(tmp_path: Path, sqlite_db_url: str) -> Iterator[DmWorld]:
    yield from _dm_world(tmp_path, sqlite_db_url)


def _at(
    zone: zoneinfo.ZoneInfo, day: int, hour: int, minute: int = 0, month: int = 5
) -> dt.datetime:
    return dt.datetime(2024, month, day, hour, minute, tzinfo=zone)


def test_subscribe_in_a_dm_delivers_there_in_the_profiles_zone_once(dm: DmWorld) -> None:
    """Dana (Asia/Tokyo in Slack) types `/brief subscribe daily 09:00` in her DM with
    briefbot: the daily brief comes into that DM at 09:00 Tokyo time, once, and no
    channel gets anything."""
    dm.world.clock.set(_at(TOKYO, 6, 7))
    said = dm.say("subscribe daily 09:00")
    assert "in our DMs" in said and "Asia/Tokyo" in said
    person = dm.world.store.person(DANA)
    assert person is not None and (person.dm_channel, person.timezone) == (DANA_DM, "Asia/Tokyo")
    assert dm.sweep(_at(TOKYO, 6, 8, 59)).posted == []
    assert len(dm.sweep(_at(TOKYO, 6, 9, 0)).posted) == 1
    assert dm.sweep(_at(TOKYO, 6, 9, 1)).posted == []
    assert dm.kinds() == ["daily"]
    assert dm.world.daily_posts("C0GENERAL") == []
    assert "Daily brief in your DMs" in dm.say("schedule")


def test_a_profile_zone_change_moves_the_dm_brief(dm: DmWorld) -> None:
    """Dana moves to Helsinki in her Slack profile: `user_change` carries the new zone,
    and her 09:00 brief comes at 09:00 Helsinki time from then on (not at 09:00 Tokyo)."""
    dm.world.clock.set(_at(TOKYO, 6, 7))
    dm.say("subscribe daily 09:00")
    assert len(dm.sweep(_at(TOKYO, 6, 9)).posted) == 1
    user = dm.world.slack.update_user(DANA, tz="Europe/Helsinki")
    dm.bot.event(payloads.user_change(user))
    dm.bot.settle()
    subscription = dm.world.store.subscription(DANA_DM)
    assert subscription is not None and subscription.timezone == "Europe/Helsinki"
    assert dm.sweep(_at(TOKYO, 7, 9)).posted == []
    assert len(dm.sweep(_at(HELSINKI, 7, 9)).posted) == 1
    assert len(dm.dm_posts()) == 2


def test_a_zone_typed_by_the_person_stays_when_the_profile_changes(dm_sqlite: DmWorld) -> None:
    dm = dm_sqlite
    dm.world.clock.set(_at(TOKYO, 6, 7))
    dm.say("subscribe daily 09:00 Europe/Helsinki")
    dm.bot.event(payloads.user_change(dm.world.slack.update_user(DANA, tz="America/New_York")))
    dm.bot.settle()
    subscription = dm.world.store.subscription(DANA_DM)
    assert subscription is not None and subscription.timezone == "Europe/Helsinki"
    person = dm.world.store.person(DANA)
    assert person is not None and person.timezone == "America/New_York"


def test_the_dm_brief_keeps_its_local_time_across_dst(dm_sqlite: DmWorld) -> None:
    """In New York, 09:00 is 14:00 UTC on Friday 8 March 2024 and 13:00 UTC on Monday
    11 March, after clocks went forward: the DM brief comes at 09:00 local both days."""
    dm = dm_sqlite
    dm.world.slack.update_user(DANA, tz="America/New_York")
    dm.world.clock.set(_at(NEW_YORK, 7, 12, month=3))
    dm.say("subscribe daily 09:00")
    assert dm.sweep(dt.datetime(2024, 3, 8, 13, 0, tzinfo=dt.UTC)).posted == []
    assert len(dm.sweep(dt.datetime(2024, 3, 8, 14, 0, tzinfo=dt.UTC)).posted) == 1
    assert len(dm.sweep(dt.datetime(2024, 3, 11, 13, 0, tzinfo=dt.UTC)).posted) == 1
    assert dm.sweep(dt.datetime(2024, 3, 11, 14, 0, tzinfo=dt.UTC)).posted == []
    local = [dt.datetime.fromtimestamp(float(m["ts"]), NEW_YORK).hour for m in dm.dm_posts()]
    assert len(local) == 2


def test_a_new_brief_at_night_waits_for_the_morning(dm_sqlite: DmWorld) -> None:
    """A brief published at 23:00 Tokyo time is announced in Dana's DM at 08:00, not in
    the night; a daily brief she chose for 07:00 still comes at 07:00."""
    dm = dm_sqlite
    dm.world.clock.set(_at(TOKYO, 6, 12))
    dm.say("subscribe new")
    dm.say("subscribe daily 07:00")
    assert dm.sweep(_at(TOKYO, 6, 12, 1)).posted == []  # the content as it stands is not new
    dm.world.clock.set(_at(TOKYO, 6, 23))
    add_briefs(dm.world, dt.date(2024, 5, 6), 1, prefix="night")
    assert dm.sweep(_at(TOKYO, 6, 23, 1)).posted == []
    assert dm.sweep(_at(TOKYO, 7, 3)).posted == []
    assert [e.channel_id for e in dm.sweep(_at(TOKYO, 7, 7)).posted] == [DANA_DM]
    assert dm.kinds() == ["daily"]
    assert dm.sweep(_at(TOKYO, 7, 7, 59)).posted == []
    assert len(dm.sweep(_at(TOKYO, 7, 8)).posted) == 1
    assert dm.kinds() == ["daily", "new"]
    assert dm.sweep(_at(TOKYO, 7, 8, 1)).posted == []


def test_snooze_holds_everything_then_one_catch_up_digest(dm: DmWorld) -> None:
    """`/brief snooze 1w` on Monday: no daily brief and no announcement all week; when it
    ends, one digest lists the week's picks and new briefs, then daily posts resume."""
    world = dm.world
    world.clock.set(_at(TOKYO, 5, 12))
    dm.say("subscribe daily 09:00")
    dm.say("subscribe new")
    assert dm.sweep(_at(TOKYO, 5, 12, 1)).posted == []  # the content as it stands is not new
    world.clock.set(_at(TOKYO, 6, 8))
    said = dm.say("snooze 1w")
    assert "Snoozed until Monday, May 13 at 08:00 (Asia/Tokyo)" in said
    add_briefs(world, dt.date(2024, 5, 7), 5, prefix="week")
    for day in range(6, 13):
        for hour in (8, 9, 12, 19):
            assert dm.sweep(_at(TOKYO, day, hour)).posted == [], (day, hour)
    assert dm.dm_posts() == []
    report = dm.sweep(_at(TOKYO, 13, 8, 0))
    assert len(report.posted) == 1
    assert dm.kinds() == ["catchup"]
    digest = dm.dm_posts()[0]
    assert "While you were snoozed" in str(digest["blocks"])
    shown = {b["accessory"]["value"] for b in digest["blocks"] if b.get("accessory")}
    picks = {world.store.featured_pick(dt.date(2024, 5, day)) for day in range(6, 11)}
    wanted = {f"week-{n:03d}" for n in range(5)} | {p.brief_id for p in picks if p}
    assert shown == wanted and len(picks) == 5  # the new briefs and the weekdays' picks
    assert dm.sweep(_at(TOKYO, 13, 8, 1)).posted == []
    assert len(dm.sweep(_at(TOKYO, 13, 9)).posted) == 1  # Monday's daily brief
    assert dm.kinds() == ["catchup", "daily"]
    rows = world.store.deliveries(kind=DeliveryKind.CATCHUP)
    assert [row.state for row in rows] == [DeliveryState.POSTED]


def test_unsnooze_ends_it_early_with_one_digest(dm: DmWorld) -> None:
    world = dm.world
    world.clock.set(_at(TOKYO, 5, 12))
    dm.say("subscribe daily 09:00")
    world.clock.set(_at(TOKYO, 6, 8))
    dm.say("snooze 2w")
    for day in (6, 7):
        assert dm.sweep(_at(TOKYO, day, 9)).posted == []
    world.clock.set(_at(TOKYO, 7, 21))
    assert "Welcome back" in dm.say("unsnooze")
    assert "not snoozed" in dm.say("unsnooze")
    assert dm.sweep(_at(TOKYO, 7, 21, 1)).posted == []  # the digest waits for 08:00
    assert len(dm.sweep(_at(TOKYO, 8, 8)).posted) == 1
    assert len(dm.sweep(_at(TOKYO, 8, 9)).posted) == 1
    assert dm.kinds() == ["catchup", "daily"]
    digest = dm.dm_posts()[0]
    assert sum(1 for b in digest["blocks"] if b.get("accessory")) == 2  # Mon and Tue


def test_snooze_answers_say_what_to_type(dm_sqlite: DmWorld) -> None:
    dm = dm_sqlite
    dm.world.clock.set(_at(TOKYO, 6, 12))
    assert "You get no briefs in your DMs" in dm.say("snooze 1w")
    dm.say("subscribe")
    for typed, expected in [
        ("snooze", "Say for how long"),
        ("snooze ²w", "is not a number from 1 to 12"),
        ("snooze 0d", "is not a number from 1 to 90"),
        ("snooze 3.5d", "is not a number"),
        ("snooze forever", "can't read"),
        ("snooze 2024-02-30", "is not a date"),
        ("snooze 2024-05-06", "has begun already"),
        ("snooze 2025-05-06", "at most 90 days"),
    ]:
        said = dm.say(typed)
        assert expected in said, (typed, said)
        assert "/brief snooze 1w" in said
        person = dm.world.store.person(DANA)
        assert person is not None and person.snoozed_until is None
    assert "Snoozed until Friday, May 24 at 00:00" in dm.say("snooze 2024-05-24")


def test_a_deactivated_person_is_unsubscribed(dm: DmWorld) -> None:
    """`user_change` with `deleted: true` ends Dana's DM briefs; nothing is posted."""
    dm.world.clock.set(_at(TOKYO, 6, 7))
    dm.say("subscribe daily 09:00")
    dm.bot.event(payloads.user_change(dm.world.slack.update_user(DANA, deleted=True)))
    dm.bot.settle()
    assert dm.world.store.person(DANA) is None
    assert dm.world.store.channel_subscriptions(DANA_DM) == []
    assert dm.sweep(_at(TOKYO, 6, 9)).posted == []
    assert dm.dm_posts() == []


@pytest.mark.parametrize("how", ["removed", "deactivated"])
def test_a_person_found_gone_on_posting_is_unsubscribed(dm_sqlite: DmWorld, how: str) -> None:
    """No event came, but Slack says so when the brief is posted (`user_not_found`, or
    `channel_not_found` with `users.info` saying deleted): unsubscribed, not retried."""
    dm = dm_sqlite
    dm.world.clock.set(_at(TOKYO, 6, 7))
    dm.say("subscribe daily 09:00")
    if how == "removed":
        del dm.world.slack.workspace.users[DANA]
    else:
        dm.world.slack.update_user(DANA, deleted=True)
    report = dm.sweep(_at(TOKYO, 6, 9))
    assert report.posted == [] and len(report.paused) == 1
    assert "left, unsubscribed" in report.paused[0].detail
    assert dm.world.store.person(DANA) is None
    assert dm.world.store.channel_subscriptions(DANA_DM) == []
    assert dm.sweep(_at(TOKYO, 7, 9)).posted == []


def test_someone_slack_does_not_know_here_is_refused(dm_sqlite: DmWorld) -> None:
    """A user id of another workspace (Slack's users.info here says user_not_found) gets
    nothing subscribed, and a user_change about them changes nothing here."""
    dm = dm_sqlite
    dm.world.slack.add_user("U0STRANGER", "stranger", tz="Europe/Paris", team="T0OTHER")
    said = dm.say("subscribe", user="U0STRANGER", channel="D0STRANGER")
    assert "can't find you in this workspace" in said
    assert dm.world.store.people() == []
    dm.world.clock.set(_at(TOKYO, 6, 7))
    dm.say("subscribe daily 09:00")
    other = dm.world.slack.update_user("U0STRANGER", team="T0OTHER", deleted=True)
    dm.bot.event(payloads.user_change({**other, "id": "U0STRANGER"}, team_id="T0OTHER"))
    dm.bot.settle()
    assert [p.user_id for p in dm.world.store.people()] == [DANA]


def _home(dm: DmWorld) -> list[dict[str, Any]]:
    dm.bot.event(payloads.app_home_opened(DANA))
    dm.bot.settle()
    return list(dm.world.slack.views[DANA]["blocks"])


def _press(dm: DmWorld, action_id: str, value: str) -> None:
    payload = payloads.block_action(action_id, value, user_id=DANA, container_type="view")
    response = dm.bot.dispatch(
        payloads.interactive_body(payload), "application/x-www-form-urlencoded"
    )
    assert response.status == 200
    dm.bot.settle()


def _buttons(blocks: list[dict[str, Any]]) -> dict[str, str]:
    """Button label -> value of the Home tab's DM buttons."""
    found = {}
    for block in blocks:
        elements = block.get("elements", []) + (
            [block["accessory"]] if "accessory" in block else []
        )
        for element in elements:
            if str(element.get("action_id", "")).startswith("dm_"):
                found[element["text"]["text"]] = element.get("value", "")
    return found


def test_the_home_tab_shows_and_changes_the_persons_own_dms(dm: DmWorld) -> None:
    """Dana's Home tab offers Subscribe me; pressing it subscribes her DMs (in her zone),
    then the tab lists it with Stop and Snooze a week; snoozing shows Unsnooze and when;
    Stop ends it. Each press answers in her DM."""
    from bot.slack import blocks as kit

    dm.world.clock.set(_at(TOKYO, 6, 7))
    assert _buttons(_home(dm)) == {"Subscribe me": "daily"}
    _press(dm, kit.DM_SUBSCRIBE, "daily")
    subscription = dm.world.store.subscription(DANA_DM)
    assert subscription is not None and subscription.timezone == "Asia/Tokyo"
    home = dm.world.slack.views[DANA]["blocks"]
    assert "Daily brief:" in str(home) and "Asia/Tokyo" in str(home)
    assert _buttons(home) == {
        "Stop": "daily",
        "Add new briefs": "new",
        "Add a weekly digest": "weekly",
        "Snooze a week": "1w",
    }
    _press(dm, kit.DM_SNOOZE, "1w")
    home = dm.world.slack.views[DANA]["blocks"]
    assert "Unsnooze" in _buttons(home) and "Snoozed until Monday, May 13" in str(home)
    _press(dm, kit.DM_UNSNOOZE, "now")
    assert "Snooze a week" in _buttons(dm.world.slack.views[DANA]["blocks"])
    _press(dm, kit.DM_UNSUBSCRIBE, "no-such-kind")  # a forged value changes nothing
    assert dm.world.store.subscription(DANA_DM) is not None
    _press(dm, kit.DM_UNSUBSCRIBE, "daily")
    assert dm.world.store.subscription(DANA_DM) is None
    assert _buttons(dm.world.slack.views[DANA]["blocks"]) == {"Subscribe me": "daily"}
    answers = [m["text"] for m in dm.world.dms(DANA)]
    assert len(answers) == 4 and "Subscribed in your DMs" in answers[0]
    # The channels' part of the tab never lists a person's DM as a channel.
    assert f"<#{DANA_DM}>" not in str(dm.world.slack.views[DANA]["blocks"])
