"""Fan-out across workspaces: the local Slack keeps one workspace per team (its own
channels and messages) and can limit each team's calls workspace-wide, and the sweep
paces each team on its own, so teams go in parallel and one team's limits never hold
back another, while each channel still gets one message a second."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.daily.pacing import Pacer
from bot.localslack import TEAM_ID
from bot.store import DeliveryState
from tests.fakeslack import ScriptedSlack
from tests.support.browser import consent_and_exchange
from tests.support.daily import START, DailyWorld

pytest_plugins = ("tests.support.daily", "tests.support.databases")

POST = "chat.postMessage"
CLIENT_ID, SECRET = "1111.2222", "shh"
BACK = "https://briefbot.example.com/slack/oauth_redirect"
AT_NINE = START.replace(hour=6, minute=1)
"""09:01 in Helsinki on Monday 6 May 2024: the daily posts of 09:00 are due."""


def _install(slack: ScriptedSlack, team: str) -> str:
    """Install the app in `team` over the local Slack's OAuth; its bot token."""
    slack.add_team(team, team.title())
    answer = consent_and_exchange(slack.base_url, slack.api_url, team, CLIENT_ID, SECRET)
    return str(answer["access_token"])


def test_each_team_has_its_own_channels_and_messages(local_slack: ScriptedSlack) -> None:
    """A team's token posts into and reads from its own workspace only; the local
    workspace (the single-workspace token) stays as it was."""
    local_slack.enable_oauth(CLIENT_ID, SECRET, redirect_url=BACK)
    one = WebClient(_install(local_slack, "T0ONE"), base_url=local_slack.api_url)
    two = WebClient(_install(local_slack, "T0TWO"), base_url=local_slack.api_url)
    local_slack.add_channel("C0ONLYONE", team="T0ONE")

    one.chat_postMessage(channel="C0GENERAL", text="hello from one")
    one.chat_postMessage(channel="C0ONLYONE", text="only one has this channel")
    two.chat_postMessage(channel="C0GENERAL", text="hello from two")
    with pytest.raises(SlackApiError) as missing:
        two.chat_postMessage(channel="C0ONLYONE", text="not here")
    assert missing.value.response["error"] == "channel_not_found"

    def texts(client: WebClient) -> list[str]:
        history = client.conversations_history(channel="C0GENERAL")
        return [m["text"] for m in history["messages"]]

    assert texts(one) == ["hello from one"]
    assert texts(two) == ["hello from two"]
    assert [m["text"] for m in local_slack.messages("C0GENERAL", team="T0TWO")] == [
        "hello from two"
    ]
    assert {m["team"] for m in local_slack.messages(team="T0ONE")} == {"T0ONE"}
    assert local_slack.messages(team=TEAM_ID) == []
    assert len(local_slack.messages("C0GENERAL")) == 2  # every workspace's


def test_the_workspace_limit_holds_one_team_and_not_another(local_slack: ScriptedSlack) -> None:
    """Beyond the workspace-wide limit a team's calls get 429 with Retry-After, and
    until it has passed every call of that team is refused, about any channel; another
    team's calls are served meanwhile."""
    local_slack.enable_oauth(CLIENT_ID, SECRET, redirect_url=BACK)
    one = WebClient(_install(local_slack, "T0ONE"), base_url=local_slack.api_url)
    two = WebClient(_install(local_slack, "T0TWO"), base_url=local_slack.api_url)
    for team in ("T0ONE", "T0TWO"):
        for channel in ("C0A", "C0B", "C0C"):
            local_slack.add_channel(channel, team=team)
    local_slack.rate_limit(POST, per_workspace_per_second=2)

    one.chat_postMessage(channel="C0A", text="1")
    one.chat_postMessage(channel="C0B", text="2")
    with pytest.raises(SlackApiError) as limited:
        one.chat_postMessage(channel="C0C", text="3")
    assert limited.value.response.status_code == 429
    assert int(limited.value.response.headers["Retry-After"]) >= 1
    with pytest.raises(SlackApiError) as again:
        one.chat_postMessage(channel="C0A", text="4")  # another channel, same team
    assert again.value.response.status_code == 429
    two.chat_postMessage(channel="C0A", text="two is not held")

    calls = local_slack.calls_to(POST)
    assert [(c.fault, c.early) for c in calls] == [
        (None, False),
        (None, False),
        ("workspace_rate_limit", False),
        ("retry_too_early", True),
        (None, False),
    ]
    assert [m["text"] for m in local_slack.messages(team="T0TWO")] == ["two is not held"]


TEAMS = {"C0ALPHA1": "T0ALPHA", "C0ALPHA2": "T0ALPHA", "C0ALPHA3": "T0ALPHA", "C0BRAVO": "T0BRAVO"}


def _team_of_channel(channel: str | None) -> str:
    return TEAMS.get(channel or "", TEAM_ID)


def _subscribe_teams(world: DailyWorld) -> None:
    for channel in TEAMS:
        world.subscribe(channel)
    world.slack.teams_by_channel(_team_of_channel)


def test_the_sweep_paces_each_team_below_its_workspace_limit(daily_on: DailyWorld) -> None:
    """With the workspace's rate set, the sweep never exceeds it for any team: no 429 at
    all, each post exactly once, and the team with one channel is posted to before the
    team with three has had its turns (teams go in parallel)."""
    world = daily_on
    _subscribe_teams(world)
    world.slack.rate_limit(POST, per_channel_per_second=1.0, per_workspace_per_second=1)
    sweeper = world.sweeper(
        workers=1,
        pacer=Pacer(team_interval=1.25),  # a margin for the calls' travel time
        team_of=lambda subscription: _team_of_channel(subscription.channel_id),
    )
    report = world.sweep(AT_NINE, sweeper)

    assert sorted(e.channel_id for e in report.posted) == sorted(TEAMS)
    calls = world.slack.calls_to(POST)
    assert [c.fault for c in calls] == [None] * len(TEAMS)
    order = [c.channel for c in calls]
    assert order.index("C0BRAVO") < max(order.index(c) for c in TEAMS if c != "C0BRAVO")
    assert {len(world.daily_posts(c)) for c in TEAMS} == {1}
    rows = world.store.deliveries(since=AT_NINE.date())
    assert {r.state for r in rows} == {DeliveryState.POSTED}


def test_a_team_waiting_out_a_retry_after_holds_back_no_other_team(daily_on: DailyWorld) -> None:
    """A 429 holds its channel until Retry-After (the retry comes no earlier), while the
    other team's channel, and the same team's other channels, are posted meanwhile."""
    world = daily_on
    _subscribe_teams(world)
    world.slack.rate_limit(POST, per_channel_per_second=1.0)
    world.slack.fail(POST, status=429, retry_after=2, channel="C0ALPHA1")
    sweeper = world.sweeper(
        workers=1, team_of=lambda subscription: _team_of_channel(subscription.channel_id)
    )
    report = world.sweep(AT_NINE, sweeper)

    assert sorted(e.channel_id for e in report.posted) == sorted(TEAMS)
    calls = world.slack.calls_to(POST)
    assert not [c for c in calls if c.early]
    held = [c for c in calls if c.channel == "C0ALPHA1"]
    assert [c.status for c in held] == [429, 200]
    retried = calls.index(held[1])
    assert {c.channel for c in calls[:retried]} >= {"C0BRAVO", "C0ALPHA2", "C0ALPHA3"}
    assert held[1].at - held[0].finished_at >= 2.0  # Slack's own record, not a sleep
    assert {len(world.daily_posts(c)) for c in TEAMS} == {1}
