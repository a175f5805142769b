"""Installations over OAuth in process: the tables migration 0006 creates match
slack_sdk's stores and work on SQLite and PostgreSQL, `client_for_team` refreshes a
rotating token and saves it, `forget_team` forgets, and the settings of many workspaces
are checked in one place."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
import yaml
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine

from bot.config import ConfigError, Settings
from bot.installations import BOT_SCOPES, Installations, NotInstalled, forget_team
from bot.localslack.oauth import SCOPES
from bot.oauth_flow import oauth_flow
from bot.services import Services
from bot.store import DeliveryKey, Store, make_engine
from bot.store.installation_tables import slack_bots, slack_installations, slack_oauth_states
from tests.fakeslack import ScriptedSlack
from tests.fakeslack.payloads import app_uninstalled_event, event_callback
from tests.support.processes import ROOT, bot_env

if TYPE_CHECKING:
    from tests.support.bot import BotHarness

pytest_plugins = ("tests.support.databases", "tests.support.bot")

CLIENT = {"SLACK_CLIENT_ID": "1111.2222", "SLACK_CLIENT_SECRET": "shh"}


def _settings(slack: ScriptedSlack) -> Settings:
    return Settings.from_env({**CLIENT, "SLACK_API_URL": slack.api_url})


def _install(slack: ScriptedSlack, installations: Installations, team: str) -> None:
    """Approve an install of `team` on the local Slack and keep it, as the redirect does."""
    import urllib.request

    class Stay(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    url = f"{slack.base_url}oauth/v2/authorize?client_id=1111.2222&team={team}&choice=allow"
    url += "&redirect_uri=https://briefbot.example.com/slack/oauth_redirect&state=s"
    try:
        urllib.request.build_opener(Stay).open(url, timeout=5)
    except urllib.error.HTTPError as error:
        location = error.headers["Location"]
    (code,) = parse_qs(urlsplit(location).query)["code"]
    flow = oauth_flow(_settings(slack), installations)
    installation = flow.run_installation(code)
    assert installation is not None
    installations.installation_store.save(installation)


@pytest.fixture
def oauth_slack(local_slack: ScriptedSlack) -> ScriptedSlack:
    local_slack.enable_oauth(CLIENT["SLACK_CLIENT_ID"], CLIENT["SLACK_CLIENT_SECRET"])
    local_slack.add_team("T0ONE", "One")
    return local_slack


def _columns(table: sa.Table) -> list[tuple[str, str, bool, bool]]:
    return [(c.name, repr(c.type), bool(c.nullable), c.primary_key) for c in table.columns]


def test_the_tables_are_slack_sdks() -> None:
    """Our declarations of the three tables are column for column what slack_sdk builds."""
    theirs = sa.MetaData()
    pairs = [
        (slack_installations, SQLAlchemyInstallationStore.build_installations_table),
        (slack_bots, SQLAlchemyInstallationStore.build_bots_table),
        (slack_oauth_states, SQLAlchemyOAuthStateStore.build_oauth_states_table),
    ]
    for ours, build in pairs:
        built = build(theirs, ours.name)
        assert _columns(ours) == _columns(built), ours.name
        assert {tuple(i.columns.keys()) for i in ours.indexes} == {
            tuple(i.columns.keys()) for i in built.indexes
        }


def test_the_scopes_asked_for_are_the_manifests() -> None:
    """An install asks for the manifest's bot scopes; the local Slack grants the same."""
    manifest = yaml.safe_load((ROOT / "app-manifest.yml").read_text())
    assert set(BOT_SCOPES) == set(manifest["oauth_config"]["scopes"]["bot"]) == set(SCOPES)


def test_the_stores_work_on_the_migrated_database(engine: Engine) -> None:
    """On SQLite and PostgreSQL, after the migrations: an installation is saved, found and
    deleted, and a state is consumed once and not after it expired."""
    settings = Settings.from_env(CLIENT)
    installations = Installations.open(settings, engine)
    store = installations.installation_store
    from slack_sdk.oauth.installation_store import Installation

    store.save(Installation(app_id="A1", team_id="T1", bot_token="xoxb-1", user_id="U1"))
    found = store.find_installation(enterprise_id=None, team_id="T1")
    assert found is not None and found.bot_token == "xoxb-1"
    assert installations.find("T1") is not None
    store.delete_all(enterprise_id=None, team_id="T1")
    assert store.find_installation(enterprise_id=None, team_id="T1") is None

    states = installations.state_store
    state = states.issue()
    assert states.consume(state) and not states.consume(state)
    late = states.issue()
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE slack_oauth_states SET expire_at = '2000-01-01'"))
    assert not states.consume(late)


def test_client_for_team_refreshes_a_token_near_its_expiry_and_saves_it(
    engine: Engine, oauth_slack: ScriptedSlack
) -> None:
    """A token with an hour left is refreshed (one oauth.v2.access with the refresh token),
    the new one is saved and carried; one with 12 hours left is used as it is."""
    installations = Installations.open(_settings(oauth_slack), engine)
    oauth_slack.oauth.token_lifetime = 3600
    _install(oauth_slack, installations, "T0ONE")
    (installed,) = oauth_slack.tokens_of("T0ONE")
    client = installations.client_for_team("T0ONE")
    refreshes = oauth_slack.calls_to("oauth.v2.access")[1:]
    assert [c.params.get("grant_type") for c in refreshes] == ["refresh_token"]
    assert client.token != installed and client.token == oauth_slack.tokens_of("T0ONE")[-1]
    saved = installations.find("T0ONE")
    assert saved is not None and saved.bot_token == client.token
    assert client.auth_test()["team_id"] == "T0ONE"
    assert oauth_slack.calls_to("auth.test")[-1].token == client.token

    oauth_slack.add_team("T0TWO", "Two")
    oauth_slack.oauth.token_lifetime = 12 * 3600
    _install(oauth_slack, installations, "T0TWO")
    before = len(oauth_slack.calls_to("oauth.v2.access"))
    steady = installations.client_for_team("T0TWO")
    assert steady.token == oauth_slack.tokens_of("T0TWO")[0]
    assert len(oauth_slack.calls_to("oauth.v2.access")) == before


@pytest.fixture
def west_of_utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process's local time five hours behind UTC (time.localtime), as on a server
    not kept in UTC."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        yield
    finally:
        monkeypatch.undo()
        time.tzset()


def test_a_server_off_utc_refreshes_on_time(
    engine: Engine, oauth_slack: ScriptedSlack, west_of_utc: None
) -> None:
    """Off UTC, a token with an hour left is still refreshed, and the refreshed
    installation replaces its own row: slack_sdk writes naive UTC times and must read
    them back as UTC, not as local time."""
    installations = Installations.open(_settings(oauth_slack), engine)
    oauth_slack.oauth.token_lifetime = 3600
    _install(oauth_slack, installations, "T0ONE")
    oauth_slack.oauth.token_lifetime = None
    client = installations.client_for_team("T0ONE")
    assert client.token == oauth_slack.tokens_of("T0ONE")[-1] != oauth_slack.tokens_of("T0ONE")[0]
    assert installations.client_for_team("T0ONE").token == client.token
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT count(*) FROM slack_installations")).scalar()
    assert rows == 1


def test_refreshes_of_one_team_take_turns(
    engine: Engine, database_url: str, oauth_slack: ScriptedSlack
) -> None:
    """Eight threads needing a client for a team whose token is near expiry, at once (on
    PostgreSQL, from two replicas): one refresh, and every client carries the new token.
    A refresh token works once, so refreshing side by side would fail all but one."""
    settings = _settings(oauth_slack)
    first = Installations.open(settings, engine)
    replicas = [first]
    if engine.dialect.name == "postgresql":
        replicas.append(Installations.open(settings, make_engine(database_url)))
    oauth_slack.oauth.token_lifetime = 3600
    _install(oauth_slack, first, "T0ONE")
    oauth_slack.oauth.token_lifetime = None
    threads = 8
    barrier = threading.Barrier(threads)

    def client(index: int) -> str | None:
        barrier.wait(timeout=10)
        return replicas[index % len(replicas)].client_for_team("T0ONE").token

    with ThreadPoolExecutor(threads) as pool:
        tokens = list(pool.map(client, range(threads)))
    refreshes = [
        c for c in oauth_slack.calls_to("oauth.v2.access") if c.params.get("refresh_token")
    ]
    assert [c.ok for c in refreshes] == [True]
    assert set(tokens) == {oauth_slack.tokens_of("T0ONE")[-1]}


def test_client_for_team_finds_an_org_wide_install(
    engine: Engine, oauth_slack: ScriptedSlack
) -> None:
    """A workspace of an org that installed briefbot org-wide gets the org's token."""
    installations = Installations.open(_settings(oauth_slack), engine)
    oauth_slack.add_org("E0ORG", "Org")
    _install(oauth_slack, installations, "E0ORG")
    client = installations.client_for_team("T0INORG", enterprise_id="E0ORG")
    assert client.token == oauth_slack.tokens_of("E0ORG")[0]
    with pytest.raises(NotInstalled):
        installations.client_for_team("T0INORG")


def test_a_forgotten_team_gets_no_client(engine: Engine, oauth_slack: ScriptedSlack) -> None:
    """After forget_team, client_for_team refuses the team, saying how to add it back."""
    installations = Installations.open(_settings(oauth_slack), engine)
    _install(oauth_slack, installations, "T0ONE")
    assert installations.client_for_team("T0ONE").token
    forget_team(installations, Store(engine), "T0ONE")
    with pytest.raises(NotInstalled, match="/slack/install"):
        installations.client_for_team("T0ONE")


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"SLACK_CLIENT_ID": "1.2"}, "SLACK_CLIENT_ID is set but SLACK_CLIENT_SECRET is not"),
        ({"SLACK_CLIENT_SECRET": "x"}, "SLACK_CLIENT_SECRET is set but SLACK_CLIENT_ID is not"),
        ({**CLIENT, "SLACK_BOT_TOKEN": "xoxb-1"}, "unset SLACK_BOT_TOKEN"),
        ({**CLIENT, "SLACK_REDIRECT_URI": "https://h/oauth"}, "ending in /slack/oauth_redirect"),
        ({"SLACK_REDIRECT_URI": "https://h/slack/oauth_redirect"}, "without SLACK_CLIENT_ID"),
    ],
)
def test_settings_say_what_is_missing_or_at_odds(env: dict[str, str], words: str) -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env(env)
    assert any(words in problem for problem in raised.value.problems), raised.value.problems


def test_settings_of_many_workspaces() -> None:
    """With both client credentials, HTTP mode needs them and the signing secret, not a
    bot token, and the authorize page sits beside SLACK_API_URL."""
    settings = Settings.from_env({**CLIENT, "SLACK_API_URL": "http://127.0.0.1:9/api/"})
    assert settings.many_workspaces
    assert settings.missing_for("http") == ["SLACK_SIGNING_SECRET"]
    assert settings.authorize_url == "http://127.0.0.1:9/oauth/v2/authorize"
    assert Settings.from_env({}).authorize_url == "https://slack.com/oauth/v2/authorize"
    assert not Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-1"}).many_workspaces


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "env", "words"),
    [
        (["serve"], {"SLACK_CLIENT_ID": "1.2"}, "SLACK_CLIENT_SECRET is not"),
        (["run"], {**CLIENT, "SLACK_SIGNING_SECRET": "s"}, "briefbot serve"),
    ],
)
def test_briefbot_refuses_to_start_saying_why(
    tmp_path: Path, args: list[str], env: dict[str, str], words: str
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=bot_env(tmp_path, "http://127.0.0.1:9/api/", **env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert words in done.stderr


def test_one_workspace_hears_it_was_uninstalled_and_keeps_its_settings(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """With SLACK_BOT_TOKEN alone, app_uninstalled is acknowledged and logged (the token no
    longer works there), nothing is called, and the bot goes on answering."""
    before = len(bot.slack.calls)
    with caplog.at_level("WARNING", logger="briefbot.installations"):
        response = bot.event(event_callback(app_uninstalled_event()))
        assert response.status == 200
        bot.slack.wait_for(lambda: "uninstalled from T0LOCAL" in caplog.text)
    assert bot.slack.calls[before:] == []
    assert bot.command("/brief", "distillation").ack["blocks"]


@pytest.fixture
def many(oauth_slack: ScriptedSlack, database_url: str, content_dir: Path) -> Iterator[Services]:
    """briefbot's services serving many workspaces, two teams installed."""
    from bot.app import build_services

    settings = Settings.from_env(
        {
            **CLIENT,
            "SLACK_API_URL": oauth_slack.api_url,
            "DATABASE_URL": database_url,
            "BRIEFBOT_CONTENT_DIR": str(content_dir),
            "BRIEFBOT_ADMINS": "U0ALICE",
        }
    )
    services = build_services(settings)
    assert services.installations is not None
    oauth_slack.add_team("T0TWO", "Two")
    for team in ("T0ONE", "T0TWO"):
        _install(oauth_slack, services.installations, team)
    try:
        yield services
    finally:
        services.store.engine.dispose()


def _posted_by(slack: ScriptedSlack, team: str) -> list[str]:
    tokens = set(slack.tokens_of(team))
    calls = slack.calls_to("chat.postMessage")
    return [str(c.params.get("channel")) for c in calls if c.token in tokens and c.ok]


def test_the_sweep_posts_each_teams_channels_with_its_own_token(
    many: Services, oauth_slack: ScriptedSlack
) -> None:
    """Both teams subscribe a channel of the same id: the sweep posts each once, with that
    team's token, into that team's ledger; after one team uninstalls, its pending post is
    closed and nothing more goes to it, while the other team's is sent."""
    from bot.app import make_client
    from bot.daily.sweep import Sweeper
    from bot.schedule import parse_subscription

    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) + dt.timedelta(minutes=2)
    spec = parse_subscription(f"{now:%H:%M} daily", "UTC")
    for team in ("T0ONE", "T0TWO"):
        many.store.for_team(team).subscribe("C0GENERAL", spec, "U0ALICE")
    sweeper = Sweeper(many, make_client(many.settings))
    sweeper.sweep(now + dt.timedelta(seconds=20))
    assert _posted_by(oauth_slack, "T0ONE") == ["C0GENERAL"]
    assert _posted_by(oauth_slack, "T0TWO") == ["C0GENERAL"]
    for team in ("T0ONE", "T0TWO"):
        (row,) = many.store.for_team(team).deliveries()
        assert row.state == "posted"
    sweeper.sweep(now + dt.timedelta(seconds=50))
    assert len(oauth_slack.calls_to("chat.postMessage")) == 2  # exactly once each

    tomorrow = now + dt.timedelta(days=1)
    gone = many.store.for_team("T0ONE")
    gone.claim(DeliveryKey.daily("C0GENERAL", tomorrow.date()), tomorrow.date(), "b", "v", "w")
    oauth_slack.uninstall("T0ONE")
    forget_team(many.installations, many.store, "T0ONE")
    assert gone.delivery(DeliveryKey.daily("C0GENERAL", tomorrow.date())).state == "skipped"  # type: ignore[union-attr]
    mark = len(oauth_slack.calls_to("chat.postMessage"))
    sweeper.sweep(tomorrow + dt.timedelta(seconds=20))
    (after,) = oauth_slack.calls_to("chat.postMessage")[mark:]
    assert after.ok and after.token in oauth_slack.tokens_of("T0TWO")


def test_a_team_whose_installation_is_gone_has_its_pending_posts_closed(
    many: Services, oauth_slack: ScriptedSlack
) -> None:
    """A team with subscriptions but no installation (its rows kept, its install removed
    by hand) gets nothing: the sweep closes its pending posts and posts the others'."""
    from bot.app import make_client
    from bot.daily.sweep import Sweeper
    from bot.schedule import parse_subscription

    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) + dt.timedelta(minutes=2)
    spec = parse_subscription(f"{now:%H:%M} daily", "UTC")
    for team in ("T0ONE", "T0TWO"):
        many.store.for_team(team).subscribe("C0GENERAL", spec, "U0ALICE")
    assert many.installations is not None
    many.installations.installation_store.delete_all(enterprise_id=None, team_id="T0ONE")
    stuck = many.store.for_team("T0ONE")
    stuck.claim(DeliveryKey.daily("C0GENERAL", now.date()), now.date(), "b", "v", "w")
    Sweeper(many, make_client(many.settings)).sweep(now + dt.timedelta(seconds=20))
    assert _posted_by(oauth_slack, "T0TWO") == ["C0GENERAL"]
    assert _posted_by(oauth_slack, "T0ONE") == []
    assert stuck.delivery(DeliveryKey.daily("C0GENERAL", now.date())).state == "skipped"  # type: ignore[union-attr]


def test_content_notices_reach_an_admin_in_the_team_they_installed(
    many: Services, oauth_slack: ScriptedSlack
) -> None:
    """Serving many workspaces, an admin's direct message goes out with the token of the
    team they installed briefbot in; one who installed it nowhere cannot be reached."""
    from bot.jobs.content_notices import installed_sender
    from bot.slack import blocks

    assert many.installations is not None
    send = installed_sender(many.installations)
    send("U0ALICE", blocks.notice("content errors"))
    (dm,) = oauth_slack.calls_to("chat.postMessage")
    assert dm.params.get("channel") == "U0ALICE"
    assert dm.token in set(oauth_slack.tokens_of("T0ONE")) | set(oauth_slack.tokens_of("T0TWO"))
    with pytest.raises(LookupError, match="installed it in none"):
        send("U0NOBODY", blocks.notice("content errors"))
