"""A person's browser going through "Add to Slack": briefbot's install page, the local
Slack's consent page, and back to briefbot's redirect URL.

It keeps cookies as a browser on https would (briefbot's state cookie is `Secure`, and
the tests speak plain http to 127.0.0.1) and follows no redirect by itself, so each step
can be checked, or replayed.
"""

from __future__ import annotations

import html
import re
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

from slack_sdk import WebClient

from tests.fakeslack.signed_http import HttpReply


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@dataclass
class Browser:
    cookies: dict[str, str] = field(default_factory=dict)

    def get(self, url: str) -> HttpReply:
        """GET `url` with the cookies kept so far; keep the ones it sets."""
        request = urllib.request.Request(url)
        if self.cookies:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        opener = urllib.request.build_opener(_NoRedirects)
        try:
            with opener.open(request, timeout=10) as response:
                reply = HttpReply(response.status, response.read(), dict(response.headers.items()))
                set_cookies = response.headers.get_all("Set-Cookie") or []
        except urllib.error.HTTPError as error:
            reply = HttpReply(error.code, error.read(), dict(error.headers.items()))
            set_cookies = error.headers.get_all("Set-Cookie") or []
        for cookie in set_cookies:
            name, _, value = cookie.split(";")[0].partition("=")
            if value == "deleted":
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value.strip()
        return reply


def link(page: HttpReply, element_id: str, base: str) -> str:
    """The absolute URL of the link with this id on the page."""
    found = re.search(rf'<a id="{element_id}" href="([^"]+)"', page.text)
    assert found, f"no link #{element_id} on the page:\n{page.text}"
    return urljoin(base, html.unescape(found[1]))


@dataclass
class Install:
    """One run through the flow, step by step."""

    browser: Browser
    install_page: HttpReply
    redirect: str
    """Where the local Slack sent the browser back to (briefbot's redirect URL)."""

    def finish(self) -> HttpReply:
        return self.browser.get(self.redirect)


def start_install(
    base: str,
    slack_base: str,
    team: str,
    *,
    choice: str = "allow",
    browser: Browser | None = None,
    user: str | None = None,
) -> Install:
    """Open briefbot's install page for `team`, click Add to Slack, then Allow (or
    Cancel) on the local Slack's consent page as `user` (default U0ALICE); stop before
    going back to briefbot."""
    browser = browser or Browser()
    page = browser.get(f"{base}/slack/install?team={team}")
    assert page.status == 200, page.text
    as_user = f"&user={user}" if user else ""
    consent = browser.get(link(page, "add-to-slack", base) + as_user)
    assert consent.status == 200, consent.text
    back = browser.get(link(consent, choice, slack_base))
    assert back.status == 302, back.text
    return Install(browser, page, back.headers["Location"])


def consent_and_exchange(
    base_url: str, api_url: str, team: str, client_id: str, client_secret: str
) -> dict[str, Any]:
    """Allow the app on the local Slack's consent page for `team` and exchange the code
    with `oauth.v2.access`, as an app's redirect handler does; Slack's answer (its
    `access_token` is the team's bot token)."""
    browser = Browser()
    url = f"{base_url}oauth/v2/authorize?client_id={client_id}&team={team}&state=s1"
    back = browser.get(link(browser.get(url), "allow", base_url))
    code = parse_qs(urlsplit(back.headers["Location"]).query)["code"][0]
    answer = WebClient(base_url=api_url).oauth_v2_access(
        client_id=client_id, client_secret=client_secret, code=code
    )
    return dict(answer.data) if isinstance(answer.data, dict) else {}
