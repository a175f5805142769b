"""The sweep of a deployment with many installed teams (OAuth installations in the
database, every subscription and ledger row its team's): every team's posts go out in
the same fan-out with the team's own token, so a team waiting out a Retry-After, or
one whose token Slack refuses, holds back no other team; on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt

from slack_sdk.oauth.installation_store import Installation

from bot.installations import Installations
from bot.schedule import Schedule, parse_time
from bot.store import DeliveryState
from tests.fakeslack import ScriptedSlack
from tests.support.browser import consent_and_exchange
from tests.support.daily import START, SUBSCRIBER, DailyWorld

pytest_plugins = ("tests.support.daily", "tests.support.databases")

POST = "chat.postMessage"
CLIENT_ID, SECRET = "1111.2222", "shh"
BACK = "https://briefbot.example.com/slack/oauth_redirect"
AT_NINE = START.replace(hour=6, minute=1)
"""09:01 in Helsinki on Monday 6 May 2024: the daily posts of 09:00 are due."""
TEAMS = {"T0ALPHA": ("C0ALPHA1", "C0ALPHA2", "C0ALPHA3"), "T0BRAVO": ("C0BRAVO",)}


def _install(slack: ScriptedSlack, installations: Installations, team: str) -> str:
    """Install briefbot in `team` over the local Slack's OAuth and store the installation
    as the "Add to Slack" flow does; the team's bot token."""
    slack.add_team(team, team.title())
    answer = consent_and_exchange(slack.base_url, slack.api_url, team, CLIENT_ID, SECRET)
    token = str(answer["access_token"])
    installations.installation_store.save(
        Installation(
            app_id=answer["app_id"],
            team_id=team,
            bot_token=token,
            bot_user_id=answer["bot_user_id"],
            bot_scopes=answer["scope"],
            user_id=answer["authed_user"]["id"],
        )
    )
    return token


def _installed_world(world: DailyWorld) -> dict[str, str]:
    """Turn `world` into a deployment serving the teams of TEAMS over OAuth, each with
    its channels subscribed to the daily brief at 09:00 Helsinki time; their tokens."""
    world.slack.enable_oauth(CLIENT_ID, SECRET, redirect_url=BACK)
    settings = dataclasses.replace(
        world.services.settings, bot_token=None, client_id=CLIENT_ID, client_secret=SECRET
    )
    installations = Installations.open(settings, world.store.engine)
    world.services = dataclasses.replace(
        world.services, settings=settings, installations=installations
    )
    tokens = {}
    schedule = Schedule(parse_time("09:00"), "Europe/Helsinki", "weekdays")  # type: ignore[arg-type]
    world.clock.set(AT_NINE - dt.timedelta(days=1))
    for team, channels in TEAMS.items():
        tokens[team] = _install(world.slack, installations, team)
        for channel in channels:
            world.slack.add_channel(channel, team=team)
            world.store.for_team(team).subscribe(channel, schedule, SUBSCRIBER)
    return tokens


def _posted(world: DailyWorld, team: str) -> list[DeliveryState]:
    return [row.state for row in world.store.for_team(team).deliveries(since=AT_NINE.date())]


def test_a_team_waiting_out_a_retry_after_holds_back_no_other_installed_team(
    daily_on: DailyWorld,
) -> None:
    """One posting thread, and the first team's first channel answered 429 with
    Retry-After: 2: the other team's post and the first team's other channels go out
    before the retry (which comes no earlier than Slack said), each with its team's own
    token, and every post exactly once."""
    world = daily_on
    tokens = _installed_world(world)
    world.slack.rate_limit(POST, per_channel_per_second=1.0)
    world.slack.fail(POST, status=429, retry_after=2, channel="C0ALPHA1")

    report = world.sweep(AT_NINE, world.sweeper(workers=1))

    every = [channel for channels in TEAMS.values() for channel in channels]
    assert sorted(e.channel_id for e in report.posted) == sorted(every)
    calls = world.slack.calls_to(POST)
    assert not [c for c in calls if c.early]
    held = [c for c in calls if c.channel == "C0ALPHA1"]
    assert [c.status for c in held] == [429, 200]
    before_retry = {c.channel for c in calls[: calls.index(held[1])]}
    assert before_retry >= {"C0BRAVO", "C0ALPHA2", "C0ALPHA3"}
    for call in calls:
        team = next(t for t, channels in TEAMS.items() if call.channel in channels)
        assert call.token == tokens[team], call
    for team, channels in TEAMS.items():
        assert _posted(world, team) == [DeliveryState.POSTED] * len(channels)
        for channel in channels:
            assert len([m for m in world.slack.messages(channel, team=team)]) == 1


def test_a_token_slack_refuses_stops_only_its_own_team(daily_on: DailyWorld) -> None:
    """Slack answers `invalid_auth` to the first team's first post: nothing more goes to
    that team this sweep (its other posts wait, as failed, for a later sweep), while the
    other team is posted to; the sweep as a whole carries on, not stopped."""
    world = daily_on
    _installed_world(world)
    world.slack.fail(POST, error="invalid_auth", channel="C0ALPHA1")

    report = world.sweep(AT_NINE, world.sweeper(workers=1))

    assert report.stopped is None
    assert [e.channel_id for e in report.posted] == ["C0BRAVO"]
    assert sorted(e.channel_id for e in report.failed) == ["C0ALPHA1", "C0ALPHA2", "C0ALPHA3"]
    assert [c.channel for c in world.slack.calls_to(POST) if c.channel != "C0BRAVO"] == ["C0ALPHA1"]
    assert _posted(world, "T0BRAVO") == [DeliveryState.POSTED]
    assert set(_posted(world, "T0ALPHA")) == {DeliveryState.FAILED}

    # The next sweep, with the token working again, posts what was held back, once.
    later = world.sweep(AT_NINE + dt.timedelta(minutes=1))
    assert sorted(e.channel_id for e in later.posted) == ["C0ALPHA1", "C0ALPHA2", "C0ALPHA3"]
    assert set(_posted(world, "T0ALPHA")) == {DeliveryState.POSTED}
    assert len(world.slack.messages("C0BRAVO", team="T0BRAVO")) == 1
