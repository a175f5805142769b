"""Many workspaces over OAuth, as a real `briefbot serve` process against the local Slack:
teams install through "Add to Slack", each request is answered with its own team's
token (the local Slack records the token each call carries), tokens rotate, and a team
that uninstalls is forgotten while the others carry on."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.localslack import Call
from tests.conftest import APP_TOKEN, SIGNING_SECRET
from tests.fakeslack import FakeSlack
from tests.fakeslack.payloads import (
    app_home_opened_event,
    app_mention_event,
    app_uninstalled_event,
    block_action,
    event_callback,
    message_action,
    slash_command,
    tokens_revoked_event,
    user_change_event,
)
from tests.fakeslack.signed_http import post_form, post_interactive, post_json
from tests.support.browser import Browser, link, start_install
from tests.support.processes import serve_briefbot

pytestmark = pytest.mark.slow

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "test-client-secret"
DISTILLATION = "ai-distillation-national-security"


@dataclass
class Served:
    slack: FakeSlack
    base: str
    database: Path
    at_start: list[Call]
    """What briefbot asked the local Slack while starting."""

    @property
    def events(self) -> str:
        return f"{self.base}/slack/events"

    def install(
        self, team: str, name: str | None = None, *, user: str | None = None, **grid: str
    ) -> str:
        """Install `team` through the whole flow (as `user`, default U0ALICE); return the
        success page's text."""
        self.slack.add_team(team, name or f"Team {team}", **grid)
        page = start_install(self.base, self.slack.base_url, team, user=user).finish()
        assert page.status == 200, page.text
        return page.text

    def command(self, team: str, text: str = "", **payload: object) -> tuple[dict, str]:
        """/brief from `team`; its answer and the response URL it carried."""
        url = self.slack.new_response_url()
        fields = slash_command("/brief", text, response_url=url, team_id=team, **payload)
        reply = post_form(self.events, fields, secret=SIGNING_SECRET)
        assert reply.status == 200, reply.text
        return (reply.json() if reply.body else {}), url

    def calls_since(self, mark: int) -> list[Call]:
        return [c for c in self.slack.calls[mark:] if c.method != "response_url"]

    def installations(self, team: str) -> int:
        engine = sa.create_engine(f"sqlite:///{self.database}")
        try:
            with engine.connect() as connection:
                return int(
                    connection.execute(
                        sa.text("SELECT count(*) FROM slack_bots WHERE team_id = :t"), {"t": team}
                    ).scalar_one()
                )
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("oauth")
    with (
        FakeSlack(bot_tokens=[], app_tokens=[APP_TOKEN]) as slack,
        serve_briefbot(
            tmp,
            slack.api_url,
            SLACK_BOT_TOKEN="",
            SLACK_CLIENT_ID=CLIENT_ID,
            SLACK_CLIENT_SECRET=CLIENT_SECRET,
        ) as base,
    ):
        slack.wait_for(lambda: Browser().get(f"{base}/healthz").status == 200, timeout=30)
        at_start = list(slack.calls)
        slack.enable_oauth(CLIENT_ID, CLIENT_SECRET, redirect_url=f"{base}/slack/oauth_redirect")
        yield Served(slack, base, tmp / "bot.db", at_start)


def test_start_up_checks_no_token(served: Served) -> None:
    """Serving many workspaces there is no SLACK_BOT_TOKEN: start-up asks Slack nothing."""
    assert served.at_start == []


def _answered_with(served: Served, mark: int, tokens: list[str]) -> list[Call]:
    """The calls since `mark`, after checking each carried one of `tokens`."""
    calls = served.calls_since(mark)
    assert calls, "no Web API call was made"
    assert {c.token for c in calls} <= set(tokens), [(c.method, c.token) for c in calls]
    return calls


def test_two_teams_install_and_each_is_answered_with_its_own_token(served: Served) -> None:
    """Two teams install through Add to Slack; /brief and a Share click from each are
    answered with that team's own bot token, never the other's."""
    page = served.install("T0ALPHA", "Alpha")
    assert "briefbot is installed in Alpha" in page
    assert "/brief" in page and "/brief subscribe" in page
    served.install("T0BRAVO", "Bravo")
    alpha, bravo = served.slack.tokens_of("T0ALPHA"), served.slack.tokens_of("T0BRAVO")
    assert len(alpha) == len(bravo) == 1 and alpha != bravo

    for team, tokens in (("T0ALPHA", alpha), ("T0BRAVO", bravo)):
        mark = len(served.slack.calls)
        answer, _ = served.command(team, "distillation")
        assert "distillation" in answer["blocks"][0]["text"]["text"].lower()
        calls = _answered_with(served, mark, tokens)
        assert "auth.test" in {c.method for c in calls}

        mark = len(served.slack.calls)
        before = len(served.slack.messages("C0GENERAL"))
        payload = block_action(
            "share_brief",
            DISTILLATION,
            container_type="ephemeral",
            response_url=served.slack.new_response_url(),
            team_id=team,
        )
        assert post_interactive(served.events, payload, secret=SIGNING_SECRET).status == 200
        served.slack.wait_for(lambda n=before: len(served.slack.messages("C0GENERAL")) > n)
        posts = [c for c in served.calls_since(mark) if c.method == "chat.postMessage"]
        assert posts and {c.token for c in posts} == set(tokens)


def test_an_org_wide_install_answers_its_workspaces_with_the_orgs_token(served: Served) -> None:
    """An Enterprise Grid org installs once, org-wide; a command from one of its
    workspaces is answered with the org's token."""
    served.slack.add_org("E0GRID", "Grid Org")
    page = start_install(served.base, served.slack.base_url, "E0GRID").finish()
    assert page.status == 200 and "installed in Grid Org" in page.text
    org = served.slack.tokens_of("E0GRID")
    assert len(org) == 1
    mark = len(served.slack.calls)
    answer, _ = served.command("T0INGRID", "", enterprise_id="E0GRID", is_enterprise_install=True)
    assert answer["blocks"]
    _answered_with(served, mark, org)


def test_an_expired_state_is_refused_with_a_page_that_says_what_to_do(served: Served) -> None:
    """A state older than its lifetime gets a page saying the link expired and how to
    start again, and no code is exchanged."""
    served.slack.add_team("T0LATE", "Late")
    started = start_install(served.base, served.slack.base_url, "T0LATE")
    engine = sa.create_engine(f"sqlite:///{served.database}")
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("UPDATE slack_oauth_states SET expire_at = '2000-01-01'"))
    finally:
        engine.dispose()
    mark = len(served.slack.calls)
    page = started.finish()
    assert page.status == 401
    assert "expired" in page.text and "Start again" in page.text
    assert link(page, "start-again", served.base).endswith("/slack/install")
    assert not [c for c in served.calls_since(mark) if c.method == "oauth.v2.access"]
    assert served.slack.tokens_of("T0LATE") == []


def test_a_reused_code_is_refused_with_a_page_that_says_what_to_do(served: Served) -> None:
    """A code already exchanged, brought back with a fresh state, is refused by Slack
    (`invalid_code`) and the page says to start again; the first install stands."""
    served.slack.add_team("T0TWICE", "Twice")
    first = start_install(served.base, served.slack.base_url, "T0TWICE")
    assert first.finish().status == 200
    code = first.redirect.split("code=")[1].split("&")[0]
    again = start_install(served.base, served.slack.base_url, "T0TWICE")
    state = again.redirect.split("state=")[1].split("&")[0]
    mark = len(served.slack.calls)
    page = again.browser.get(f"{served.base}/slack/oauth_redirect?code={code}&state={state}")
    assert page.status == 401
    assert "already used" in page.text and "Start again" in page.text
    exchanges = [c for c in served.calls_since(mark) if c.method == "oauth.v2.access"]
    assert [c.error for c in exchanges] == ["invalid_code"]
    assert served.installations("T0TWICE") == 1


def test_a_cancelled_install_says_nothing_was_installed(served: Served) -> None:
    """Cancel on Slack's consent page comes back as a page saying nothing was installed."""
    served.slack.add_team("T0NOPE", "Nope")
    page = start_install(served.base, served.slack.base_url, "T0NOPE", choice="cancel").finish()
    assert "cancelled" in page.text and "Nothing was installed" in page.text
    assert served.installations("T0NOPE") == 0


def test_another_browser_cannot_finish_an_install(served: Served) -> None:
    """The redirect opened in a browser without the install page's cookie is refused."""
    served.slack.add_team("T0OTHER", "Other")
    started = start_install(served.base, served.slack.base_url, "T0OTHER")
    page = Browser().get(started.redirect)
    assert page.status == 400 and "another browser" in page.text
    assert served.installations("T0OTHER") == 0


def test_a_rotating_token_is_refreshed_before_it_expires(served: Served) -> None:
    """With token rotation, a token with less than two hours left is refreshed before a
    request is answered, and the request is answered with the new token; a token with
    hours left is used as it is."""
    served.slack.oauth.token_lifetime = 3600
    try:
        served.install("T0ROTATE", "Rotate")
    finally:
        served.slack.oauth.token_lifetime = None
    (installed,) = served.slack.tokens_of("T0ROTATE")
    assert installed.startswith("xoxe.xoxb-")
    mark = len(served.slack.calls)
    served.command("T0ROTATE")
    calls = served.calls_since(mark)
    refreshes = [c for c in calls if c.method == "oauth.v2.access"]
    assert [c.params.get("grant_type") for c in refreshes] == ["refresh_token"]
    assert refreshes[0].params["refresh_token"].startswith("xoxe-")
    fresh = served.slack.tokens_of("T0ROTATE")[-1]
    assert fresh != installed
    assert {c.token for c in calls if c.method != "oauth.v2.access"} == {fresh}

    served.slack.oauth.token_lifetime = 12 * 3600
    try:
        served.install("T0STEADY", "Steady")
    finally:
        served.slack.oauth.token_lifetime = None
    mark = len(served.slack.calls)
    served.command("T0STEADY")
    calls = served.calls_since(mark)
    assert {c.method for c in calls} == {"auth.test"}
    assert {c.token for c in calls} == set(served.slack.tokens_of("T0STEADY"))


def test_an_uninstalled_team_gets_no_token_and_the_others_carry_on(served: Served) -> None:
    """After app_uninstalled, the team's next /brief is answered with no token at all (a
    note to add briefbot again, through the response URL), the other team is answered
    as before, and installing again starts clean with a new token."""
    served.install("T0LEAVE", "Leave")
    served.install("T0STAY", "Stay")
    old = served.slack.tokens_of("T0LEAVE")
    served.slack.uninstall("T0LEAVE")
    event = event_callback(app_uninstalled_event(), team_id="T0LEAVE")
    assert post_json(served.events, event, secret=SIGNING_SECRET).status == 200
    served.slack.wait_for(lambda: served.installations("T0LEAVE") == 0, timeout=10)

    mark = len(served.slack.calls)
    answer, url = served.command("T0LEAVE", "distillation")
    note = served.slack.wait_for(lambda: [r for r in served.slack.responses if r["url"] == url])
    assert "not installed in this workspace any more" in note[0]["text"]
    assert "blocks" not in answer
    assert served.calls_since(mark) == []

    mark = len(served.slack.calls)
    served.command("T0STAY")
    _answered_with(served, mark, served.slack.tokens_of("T0STAY"))

    served.install("T0LEAVE", "Leave")
    new = [t for t in served.slack.tokens_of("T0LEAVE") if t not in old]
    assert len(new) == 1 and served.installations("T0LEAVE") == 1
    mark = len(served.slack.calls)
    served.command("T0LEAVE")
    _answered_with(served, mark, new)


def test_revoked_bot_tokens_forget_the_team(served: Served) -> None:
    """tokens_revoked naming the bot forgets the team's installation like an uninstall."""
    served.install("T0REVOKE", "Revoke")
    served.slack.uninstall("T0REVOKE")
    event = event_callback(tokens_revoked_event(), team_id="T0REVOKE")
    assert post_json(served.events, event, secret=SIGNING_SECRET).status == 200
    served.slack.wait_for(lambda: served.installations("T0REVOKE") == 0, timeout=10)


def test_an_unsigned_request_gets_401_and_no_call(served: Served) -> None:
    """In OAuth mode too, an unsigned request never reaches authorize or a listener."""
    served.install("T0SIGNED", "Signed")
    mark = len(served.slack.calls)
    fields = slash_command("/brief", "", team_id="T0SIGNED", response_url="http://127.0.0.1:9/")
    reply = post_form(served.events, fields, secret=None)
    assert reply.status == 401
    # Nothing to wait for: the request is refused before Bolt sees it, so no work it
    # started can still be on its way to Slack.
    assert served.slack.calls[mark:] == []


def test_the_install_page_has_a_state_that_expires(served: Served) -> None:
    """/slack/install offers Add to Slack with a state, in a Secure, HttpOnly cookie too."""
    browser = Browser()
    page = browser.get(f"{served.base}/slack/install")
    assert page.status == 200 and "Add to Slack" in page.text
    href = link(page, "add-to-slack", served.base)
    assert href.startswith(served.slack.base_url + "oauth/v2/authorize?")
    assert "client_id=1111.2222" in href and "state=" in href
    assert "scope=commands,chat:write,app_mentions:read,users:read,im:write&" in href
    cookie = page.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "Max-Age=600" in cookie
    state = href.split("state=")[1].split("&")[0]
    assert browser.cookies == {"slack-app-oauth-state": state}


def _rows(served: Served, sql: str, **params: object) -> list[tuple]:
    engine = sa.create_engine(f"sqlite:///{served.database}")
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sa.text(sql), params)]
    finally:
        engine.dispose()


def _subscribed(served: Served, team: str) -> list[tuple]:
    sql = "SELECT channel_id, post_time FROM subscriptions WHERE team_id = :t ORDER BY 1"
    return _rows(served, sql, t=team)


def test_each_team_keeps_its_own_subscriptions_and_a_forged_channel_reaches_nothing(
    served: Served,
) -> None:
    """Two teams subscribe a channel with the same id, each to its own time: each row is
    its team's, /brief schedule in one shows its own, and one team's /brief unsubscribe
    naming a channel only the other subscribed changes nothing of the other's."""
    served.install("T0ISOA", "Iso A")
    served.install("T0ISOB", "Iso B")
    served.slack.add_channel("C0ONLYB", "only-b", team="T0ISOB")
    served.command("T0ISOA", "subscribe 08:00 UTC", channel_id="C0GENERAL")
    served.command("T0ISOB", "subscribe 17:30 UTC", channel_id="C0GENERAL")
    served.command("T0ISOB", "subscribe 10:00 UTC", channel_id="C0ONLYB")
    served.slack.wait_for(lambda: len(_subscribed(served, "T0ISOB")) == 2, timeout=10)
    assert _subscribed(served, "T0ISOA") == [("C0GENERAL", "08:00")]

    schedule, _ = served.command("T0ISOA", "schedule", channel_id="C0GENERAL")
    assert "08:00" in str(schedule) and "17:30" not in str(schedule)

    served.command("T0ISOA", "unsubscribe", channel_id="C0ONLYB")
    served.command("T0ISOA", "unsubscribe", channel_id="C0GENERAL")
    served.slack.wait_for(lambda: _subscribed(served, "T0ISOA") == [], timeout=10)
    assert _subscribed(served, "T0ISOB") == [("C0GENERAL", "17:30"), ("C0ONLYB", "10:00")]


def test_report_shows_a_team_only_its_own_lookups(served: Served) -> None:
    """The installer is an admin of their team: /brief report there counts that team's
    lookups, never another team's."""
    served.install("T0REPA", "Report A")
    served.install("T0REPB", "Report B")
    served.command("T0REPA", "zyzzyva quokka")
    sql = "SELECT team_id FROM lookups WHERE query = 'zyzzyva quokka'"
    served.slack.wait_for(lambda: _rows(served, sql) == [("T0REPA",)], timeout=10)
    mine, _ = served.command("T0REPA", "report")
    theirs, _ = served.command("T0REPB", "report")
    assert "zyzzyva quokka" in str(mine)
    assert "zyzzyva quokka" not in str(theirs)
    assert "only for admins" not in str(theirs).lower()


def test_an_uninstall_removes_the_teams_rows_and_keeps_the_others(served: Served) -> None:
    """app_uninstalled takes the team's subscriptions, claims and lookups with it; the
    other team's subscription of the same channel stays."""
    served.install("T0GONE", "Gone")
    served.install("T0KEPT", "Kept")
    for team in ("T0GONE", "T0KEPT"):
        served.command(team, "subscribe 08:00 UTC", channel_id="C0GENERAL")
        served.command(team, "zyzzyva gone or kept")
    served.slack.wait_for(lambda: _subscribed(served, "T0GONE") != [], timeout=10)
    served.slack.wait_for(lambda: _subscribed(served, "T0KEPT") != [], timeout=10)
    served.slack.uninstall("T0GONE")
    event = event_callback(app_uninstalled_event(), team_id="T0GONE")
    assert post_json(served.events, event, secret=SIGNING_SECRET).status == 200
    served.slack.wait_for(lambda: _subscribed(served, "T0GONE") == [], timeout=10)
    lookups = "SELECT count(*) FROM lookups WHERE team_id = :t"
    assert _rows(served, lookups, t="T0GONE") == [(0,)]
    assert _rows(served, "SELECT count(*) FROM handled_once WHERE team_id = :t", t="T0GONE") == [
        (0,)
    ]
    assert _subscribed(served, "T0KEPT") == [("C0GENERAL", "08:00")]
    assert _rows(served, lookups, t="T0KEPT") == [(1,)]


def _posts_with(served: Served, mark: int, team: str, method: str) -> list[Call]:
    tokens = set(served.slack.tokens_of(team))
    return [c for c in served.calls_since(mark) if c.method == method and c.token in tokens]


def test_the_home_tab_lists_only_the_teams_own_channels(served: Served) -> None:
    """Each team's Home tab, published with its own token, lists its own subscriptions."""
    served.install("T0HOMEA", "Home A")
    served.install("T0HOMEB", "Home B")
    served.slack.add_channel("C0HOMEB", "home-b", team="T0HOMEB")
    served.command("T0HOMEA", "subscribe 08:00 UTC", channel_id="C0GENERAL")
    served.command("T0HOMEB", "subscribe 10:00 UTC", channel_id="C0HOMEB")
    served.slack.wait_for(lambda: _subscribed(served, "T0HOMEB") != [], timeout=10)
    served.slack.wait_for(lambda: _subscribed(served, "T0HOMEA") != [], timeout=10)
    views = {}
    for team in ("T0HOMEA", "T0HOMEB"):
        mark = len(served.slack.calls)
        event = event_callback(app_home_opened_event(), team_id=team)
        assert post_json(served.events, event, secret=SIGNING_SECRET).status == 200
        published = served.slack.wait_for(
            lambda m=mark, t=team: _posts_with(served, m, t, "views.publish"), timeout=10
        )
        views[team] = str(published[-1].params)
    assert "C0GENERAL" in views["T0HOMEA"] and "C0HOMEB" not in views["T0HOMEA"]
    assert "C0HOMEB" in views["T0HOMEB"] and "C0GENERAL" not in views["T0HOMEB"]


def test_an_event_id_is_handled_once_per_team(served: Served) -> None:
    """A mention delivered twice with one event id is answered once; the same event id
    from another team is that team's own event, answered with its own token."""
    served.install("T0EVA", "Events A")
    served.install("T0EVB", "Events B")
    mark = len(served.slack.calls)
    for team in ("T0EVA", "T0EVA", "T0EVB"):
        mention = app_mention_event("distillation", team=team)
        event = event_callback(mention, team_id=team, event_id="Ev0SHARED")
        assert post_json(served.events, event, secret=SIGNING_SECRET).status == 200
    served.slack.wait_for(lambda: _posts_with(served, mark, "T0EVB", "chat.postEphemeral"))
    served.slack.wait_for(lambda: _posts_with(served, mark, "T0EVA", "chat.postEphemeral"))
    claims = "SELECT team_id FROM handled_once WHERE key = 'event:Ev0SHARED' ORDER BY 1"
    assert _rows(served, claims) == [("T0EVA",), ("T0EVB",)]
    assert len(_posts_with(served, mark, "T0EVA", "chat.postEphemeral")) == 1


def test_related_briefs_are_claimed_per_team(served: Served) -> None:
    """Related briefs on a message is threaded once in its team; a click from another
    team naming the same channel and message ts (a forged pointer at the first team's
    message) is claimed apart and leaves the first team's claim as it was."""
    served.install("T0RELA", "Related A")
    served.install("T0RELB", "Related B")
    parent = "1714986000.000900"
    message = {"type": "message", "ts": parent, "text": "a brief", "user": "U0BRIEFBOT"}
    claims = "SELECT team_id, state, reply_ts FROM handled_once WHERE key = :k ORDER BY 1"
    key = f"related:C0GENERAL:{parent}"

    def press(team: str) -> None:
        payload = block_action(
            "related_briefs",
            DISTILLATION,
            message=message,
            response_url=served.slack.new_response_url(),
            team_id=team,
        )
        assert post_interactive(served.events, payload, secret=SIGNING_SECRET).status == 200

    mark = len(served.slack.calls)
    press("T0RELB")
    done = served.slack.wait_for(
        lambda: [r for r in _rows(served, claims, k=key) if r[1] == "done"], timeout=10
    )
    assert [team for team, _, _ in done] == ["T0RELB"]
    press("T0RELB")
    press("T0RELA")
    served.slack.wait_for(lambda: len(_rows(served, claims, k=key)) == 2, timeout=10)
    served.slack.wait_for(
        lambda: all(state == "done" for _, state, _ in _rows(served, claims, k=key)), timeout=10
    )
    assert _rows(served, claims, k=key)[1] == done[0]
    assert len(_posts_with(served, mark, "T0RELB", "chat.postMessage")) == 1
    assert len(_posts_with(served, mark, "T0RELA", "chat.postMessage")) == 1


def test_status_counts_only_the_teams_own_subscriptions(served: Served) -> None:
    """/brief status (an admin command; the installer is the team's admin) counts the
    channels its own team subscribed, never another team's."""
    served.install("T0STA", "Status A")
    served.install("T0STB", "Status B")
    served.slack.add_channel("C0STA2", "status-a2", team="T0STA")
    served.command("T0STA", "subscribe 08:00 UTC", channel_id="C0GENERAL")
    served.command("T0STA", "subscribe new", channel_id="C0STA2")
    served.command("T0STB", "subscribe 09:00 UTC", channel_id="C0GENERAL")
    served.slack.wait_for(lambda: len(_subscribed(served, "T0STA")) == 2, timeout=10)
    served.slack.wait_for(lambda: len(_subscribed(served, "T0STB")) == 1, timeout=10)
    mine, _ = served.command("T0STA", "status")
    theirs, _ = served.command("T0STB", "status")
    assert "2 channels subscribed (1 daily, 1 new)" in str(mine), mine
    assert "1 channel subscribed (1 daily)" in str(theirs), theirs


def test_whoever_installed_a_team_is_an_admin_there_and_nowhere_else(served: Served) -> None:
    """The person who installed briefbot in a team runs its admin commands there; in a
    team someone else installed they are refused like anyone, and nothing runs."""
    served.install("T0ADMA", "Admins A")
    served.install("T0ADMB", "Admins B", user="U0BOB")
    theirs, _ = served.command("T0ADMB", "status", user_id="U0BOB")
    assert "subscribed" in str(theirs) and "only for briefbot's admins" not in str(theirs)
    for team, user in (("T0ADMA", "U0BOB"), ("T0ADMB", "U0ALICE")):
        refused, _ = served.command(team, "status", user_id=user)
        assert "only for briefbot's admins" in str(refused), (team, user, refused)


def test_a_share_is_claimed_and_posted_per_team(served: Served) -> None:
    """Share on a private answer posts the brief once in its team, with that team's
    token; the same click from another team (the same channel id, message ts and user,
    as a forged pointer at the first team's answer would carry) is that team's own,
    posted once there, and leaves the first team's claim as it was."""
    served.install("T0SHA", "Share A")
    served.install("T0SHB", "Share B")
    answer_ts = "1714986000.000700"
    claims = "SELECT team_id, state, reply_ts FROM handled_once WHERE key LIKE 'share:%' "
    claims += "AND team_id IN ('T0SHA', 'T0SHB') ORDER BY 1"

    def press(team: str) -> None:
        payload = block_action(
            "share_brief",
            DISTILLATION,
            container_type="ephemeral",
            message_ts=answer_ts,
            response_url=served.slack.new_response_url(),
            team_id=team,
        )
        assert post_interactive(served.events, payload, secret=SIGNING_SECRET).status == 200

    mark = len(served.slack.calls)
    press("T0SHA")
    done = served.slack.wait_for(
        lambda: [r for r in _rows(served, claims) if r[1] == "done"], timeout=10
    )
    assert [team for team, _, _ in done] == ["T0SHA"]
    press("T0SHA")
    press("T0SHB")
    served.slack.wait_for(
        lambda: [r[1] for r in _rows(served, claims)] == ["done", "done"], timeout=10
    )
    assert _rows(served, claims)[0] == done[0]
    assert len(_posts_with(served, mark, "T0SHA", "chat.postMessage")) == 1
    assert len(_posts_with(served, mark, "T0SHB", "chat.postMessage")) == 1


def test_explain_terms_in_a_thread_is_claimed_per_team(served: Served) -> None:
    """Explain terms' Post in thread replies once in its team, with that team's token; a
    click from another team carrying the first team's button (its channel and message
    ts) is claimed in that team only: nothing more is posted with the first team's token
    and its claim stays as it was."""
    served.install("T0EXA", "Explain A")
    served.install("T0EXB", "Explain B")
    response_url = served.slack.new_response_url()
    shortcut = message_action(
        "explain_terms", text="We fine-tuned an LLM", response_url=response_url, team_id="T0EXA"
    )
    assert post_interactive(served.events, shortcut, secret=SIGNING_SECRET).status == 200
    (answer,) = served.slack.wait_for(
        lambda: [r for r in served.slack.responses if r["url"] == response_url], timeout=10
    )
    (button,) = [
        element
        for block in answer["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == "explain_in_thread"
    ]
    claims = "SELECT team_id, state, reply_ts FROM handled_once WHERE key LIKE 'explain:%' "
    claims += "AND team_id IN ('T0EXA', 'T0EXB') ORDER BY 1"

    def press(team: str) -> str:
        url = served.slack.new_response_url()
        click = block_action(
            button["action_id"],
            button["value"],
            container_type="ephemeral",
            response_url=url,
            team_id=team,
        )
        assert post_interactive(served.events, click, secret=SIGNING_SECRET).status == 200
        return url

    mark = len(served.slack.calls)
    press("T0EXA")
    done = served.slack.wait_for(
        lambda: [r for r in _rows(served, claims) if r[1] == "done"], timeout=10
    )
    assert [team for team, _, _ in done] == ["T0EXA"]
    forged = press("T0EXB")

    def settled() -> bool:
        theirs = [r for r in _rows(served, claims) if r[0] == "T0EXB"]
        answered = [r for r in served.slack.responses if r["url"] == forged]
        return bool(answered) or any(state != "claimed" for _, state, _ in theirs)

    served.slack.wait_for(settled, timeout=10)
    rows = _rows(served, claims)
    assert [team for team, _, _ in rows] == ["T0EXA", "T0EXB"]
    assert rows[0] == done[0]
    assert len(_posts_with(served, mark, "T0EXB", "chat.postMessage")) == 1
    assert len(_posts_with(served, mark, "T0EXA", "chat.postMessage")) == 1


def test_votes_count_only_in_their_own_team(served: Served) -> None:
    """The same user id pressing 👍 or 👎 on the same brief in two workspaces casts each
    team's own vote: /brief report in each counts only its own, and uninstalling one
    team forgets its votes and leaves the other's."""
    served.install("T0VOTA", "Votes A")
    served.install("T0VOTB", "Votes B")
    answer, _ = served.command("T0VOTA", "distillation")
    (row,) = [b for b in answer["blocks"] if b.get("block_id") == "feedback"]
    value = row["elements"][0]["value"]
    for team, user, button in (
        ("T0VOTA", "U0ALICE", "vote_up"),
        ("T0VOTB", "U0ALICE", "vote_down"),
        ("T0VOTB", "U0BOB", "vote_down"),
    ):
        payload = block_action(
            button,
            value,
            container_type="ephemeral",
            response_url=served.slack.new_response_url(user=user),
            team_id=team,
            user_id=user,
        )
        assert post_interactive(served.events, payload, secret=SIGNING_SECRET).status == 200
    votes = "SELECT team_id, user_id, vote FROM votes ORDER BY 1, 2"
    served.slack.wait_for(lambda: len(_rows(served, votes)) == 3, timeout=10)
    assert _rows(served, votes) == [
        ("T0VOTA", "U0ALICE", "up"),
        ("T0VOTB", "U0ALICE", "down"),
        ("T0VOTB", "U0BOB", "down"),
    ]
    mine, _ = served.command("T0VOTA", "report")
    theirs, _ = served.command("T0VOTB", "report")
    assert "*100%* helpful · 👍 1 👎 0" in str(mine) and "👎 2" not in str(mine)
    assert "*0%* helpful · 👍 0 👎 2" in str(theirs) and "👍 1" not in str(theirs)

    served.slack.uninstall("T0VOTB")
    event = event_callback(app_uninstalled_event(), team_id="T0VOTB")
    assert post_json(served.events, event, secret=SIGNING_SECRET).status == 200
    served.slack.wait_for(lambda: len(_rows(served, votes)) == 1, timeout=10)
    assert _rows(served, votes) == [("T0VOTA", "U0ALICE", "up")]


def _people(served: Served, team: str) -> list[tuple]:
    sql = "SELECT user_id, dm_channel, timezone FROM people WHERE team_id = :t ORDER BY 1"
    return _rows(served, sql, t=team)


def test_dm_briefs_are_per_team_and_another_teams_user_is_refused(served: Served) -> None:
    """Dana is in team B only. `/brief subscribe` typed in a DM with her id, arriving from
    team A, is refused (team A's users.info does not know her) and stores nothing; from
    team B it subscribes her DMs in her zone. A user_change about her from team A (her
    account "deactivated") changes nothing of team B's; one from team B moves her zone."""
    served.install("T0DMA", "DM A")
    served.install("T0DMB", "DM B")
    served.slack.add_user("U0DANA", "dana", tz="Asia/Tokyo", team="T0DMB")
    _, url = served.command("T0DMA", "subscribe", user_id="U0DANA", channel_id="D0DANA")
    served.slack.wait_for(lambda: any(r["url"] == url for r in served.slack.responses), 10)
    refused = [r for r in served.slack.responses if r["url"] == url]
    assert "can't find you in this workspace" in str(refused)
    served.command("T0DMB", "subscribe daily 09:00", user_id="U0DANA", channel_id="D0DANA")
    served.slack.wait_for(lambda: _subscribed(served, "T0DMB") == [("D0DANA", "09:00")], 10)
    assert _people(served, "T0DMB") == [("U0DANA", "D0DANA", "Asia/Tokyo")]
    assert _people(served, "T0DMA") == [] and _subscribed(served, "T0DMA") == []

    gone = served.slack.update_user("U0DANA", team="T0DMB", deleted=True)
    forged = event_callback(user_change_event(gone), team_id="T0DMA")
    assert post_json(served.events, forged, secret=SIGNING_SECRET).status == 200
    moved = served.slack.update_user("U0DANA", team="T0DMB", deleted=False, tz="Europe/Paris")
    event = event_callback(user_change_event(moved), team_id="T0DMB")
    assert post_json(served.events, event, secret=SIGNING_SECRET).status == 200
    served.slack.wait_for(
        lambda: _people(served, "T0DMB") == [("U0DANA", "D0DANA", "Europe/Paris")], 10
    )
    assert _subscribed(served, "T0DMB") == [("D0DANA", "09:00")]
