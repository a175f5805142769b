"""The local Slack's OAuth, checked against what Slack documents: a consent page that
sends the browser back with a code (or `access_denied`), one-time codes, refresh tokens
that work once, rotating tokens that expire, and `auth.test` naming each token's team."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.fakeslack import ScriptedSlack
from tests.support.browser import Browser, link

CLIENT_ID, SECRET = "1111.2222", "shh"
BACK = "https://briefbot.example.com/slack/oauth_redirect"


@pytest.fixture
def slack(local_slack: ScriptedSlack) -> ScriptedSlack:
    local_slack.enable_oauth(CLIENT_ID, SECRET, redirect_url=BACK)
    local_slack.add_team("T0ONE", "One")
    local_slack.add_team("T0TWO", "Two")
    return local_slack


def _consent(slack: ScriptedSlack, team: str, choice: str = "allow") -> dict[str, list[str]]:
    browser = Browser()
    url = f"{slack.base_url}oauth/v2/authorize?client_id={CLIENT_ID}&team={team}&state=s1"
    page = browser.get(url)
    assert page.status == 200 and "Allow" in page.text
    back = browser.get(link(page, choice, slack.base_url))
    assert back.status == 302 and back.headers["Location"].startswith(BACK + "?")
    return parse_qs(urlsplit(back.headers["Location"]).query)


def _exchange(slack: ScriptedSlack, code: str, secret: str = SECRET) -> dict:
    client = WebClient(base_url=slack.api_url)
    answer = client.oauth_v2_access(client_id=CLIENT_ID, client_secret=secret, code=code)
    return dict(answer.data) if isinstance(answer.data, dict) else {}


def test_a_code_works_once_and_gives_the_teams_own_token(slack: ScriptedSlack) -> None:
    code = _consent(slack, "T0ONE")
    assert code["state"] == ["s1"]
    answer = _exchange(slack, code["code"][0])
    assert answer["team"] == {"id": "T0ONE", "name": "One"} and answer["token_type"] == "bot"
    assert slack.tokens_of("T0ONE") == [answer["access_token"]]
    with pytest.raises(SlackApiError) as reused:
        _exchange(slack, code["code"][0])
    assert reused.value.response["error"] == "invalid_code"


def test_wrong_client_credentials_are_refused(slack: ScriptedSlack) -> None:
    code = _consent(slack, "T0ONE")["code"][0]
    with pytest.raises(SlackApiError) as refused:
        _exchange(slack, code, secret="wrong")
    assert refused.value.response["error"] == "bad_client_secret"


def test_cancel_sends_the_browser_back_with_access_denied(slack: ScriptedSlack) -> None:
    assert _consent(slack, "T0ONE", choice="cancel") == {
        "error": ["access_denied"],
        "state": ["s1"],
    }


def test_auth_test_names_the_team_of_each_token_and_calls_record_it(
    slack: ScriptedSlack,
) -> None:
    one = _exchange(slack, _consent(slack, "T0ONE")["code"][0])["access_token"]
    two = _exchange(slack, _consent(slack, "T0TWO")["code"][0])["access_token"]
    assert WebClient(one, base_url=slack.api_url).auth_test()["team_id"] == "T0ONE"
    assert WebClient(two, base_url=slack.api_url).auth_test()["team_id"] == "T0TWO"
    assert [c.token for c in slack.calls_to("auth.test")] == [one, two]


def test_rotating_tokens_expire_and_a_refresh_token_works_once(slack: ScriptedSlack) -> None:
    slack.oauth.token_lifetime = 3600
    answer = _exchange(slack, _consent(slack, "T0ONE")["code"][0])
    token, refresh = answer["access_token"], answer["refresh_token"]
    assert token.startswith("xoxe.xoxb-") and refresh.startswith("xoxe-")
    assert answer["expires_in"] == 3600
    client = WebClient(base_url=slack.api_url)
    renewed = client.oauth_v2_access(
        client_id=CLIENT_ID, client_secret=SECRET, grant_type="refresh_token", refresh_token=refresh
    )
    assert renewed["access_token"] != token and renewed["refresh_token"] != refresh
    with pytest.raises(SlackApiError) as again:
        client.oauth_v2_access(
            client_id=CLIENT_ID,
            client_secret=SECRET,
            grant_type="refresh_token",
            refresh_token=refresh,
        )
    assert again.value.response["error"] == "invalid_refresh_token"
    slack.api.clock = lambda: time.time() + 3601
    try:
        with pytest.raises(SlackApiError) as expired:
            WebClient(token, base_url=slack.api_url).auth_test()
        assert expired.value.response["error"] == "token_expired"
    finally:
        slack.api.clock = time.time


def test_an_uninstall_revokes_the_teams_tokens_only(slack: ScriptedSlack) -> None:
    one = _exchange(slack, _consent(slack, "T0ONE")["code"][0])["access_token"]
    two = _exchange(slack, _consent(slack, "T0TWO")["code"][0])["access_token"]
    assert slack.uninstall("T0ONE") == [one]
    with pytest.raises(SlackApiError) as revoked:
        WebClient(one, base_url=slack.api_url).auth_test()
    assert revoked.value.response["error"] == "token_revoked"
    assert WebClient(two, base_url=slack.api_url).auth_test()["ok"]
