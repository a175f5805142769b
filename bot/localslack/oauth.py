"""Installing an app over OAuth on the local Slack: the consent page, one-time codes,
`oauth.v2.access` and, when tokens rotate, refresh tokens and expiring bot tokens.

Shaped like Slack's own (https://docs.slack.dev/authentication/installing-with-oauth and
.../using-token-rotation): `GET /oauth/v2/authorize` shows a page whose Allow link sends
the browser back to the app's redirect URL with `code` and `state` (Cancel: with
`error=access_denied`); a code is exchanged once; with rotation a bot token is
`xoxe.xoxb-…` and expires, and each refresh token (`xoxe-…`) is good for one refresh.
Every team (or Enterprise Grid org) that installs gets bot tokens of its own, and
`auth.test` answers with the team of the token it is called with.

The caller holds the local Slack's lock.
"""

from __future__ import annotations

import base64
import html
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from bot.localslack.webapi import ApiError
from bot.localslack.workspace import APP_ID, BOT_USER_ID, TEAM_ID, TEAM_NAME

AUTHORIZE_PATH = "/oauth/v2/authorize"
TOKEN_LIFETIME_S = 12 * 3600
"""Slack's lifetime of a rotating token."""
SCOPES = ("commands", "chat:write", "app_mentions:read", "users:read", "im:write")
"""What an installation grants: briefbot's bot scopes (app-manifest.yml)."""


@dataclass(frozen=True, slots=True)
class Team:
    """A workspace, or an Enterprise Grid org when `is_org` (its id is then the org's)."""

    id: str
    name: str
    enterprise_id: str | None = None
    enterprise_name: str | None = None
    is_org: bool = False


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """Whose a bot token is, and when it stops working (None: never)."""

    team: Team
    expires_at: float | None = None


@dataclass(slots=True)
class _Grant:
    team: Team
    user: str
    redirect_uri: str | None
    used: bool = False


@dataclass
class LocalOAuth:
    """The app's client credentials, and every code, refresh token and bot token issued."""

    clock: Callable[[], float] = time.time
    client_id: str | None = None
    client_secret: str | None = None
    token_lifetime: int | None = None
    """Seconds a bot token lives when tokens rotate; None: tokens do not rotate."""
    redirect_url: str | None = None
    """The app's redirect URL, used when the authorize request names none (as in Slack)."""
    teams: dict[str, Team] = field(default_factory=dict)
    tokens: dict[str, TokenInfo] = field(default_factory=dict)
    _codes: dict[str, _Grant] = field(default_factory=dict)
    _refresh: dict[str, Team] = field(default_factory=dict)
    _serial: itertools.count = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.teams.setdefault(TEAM_ID, Team(TEAM_ID, TEAM_NAME))

    # --- the consent page ---------------------------------------------------

    def authorize_page(self, query: dict[str, str]) -> tuple[int, str, dict[str, str]]:
        """Status, HTML and headers for `GET /oauth/v2/authorize?client_id=…&state=…`.

        `team` picks the workspace (or org, by its E… id) that installs; `choice=allow`
        or `choice=cancel` is what the person clicked."""
        if self.client_id is None or query.get("client_id") != self.client_id:
            return 400, _page("Invalid client_id", "This app is not known here."), {}
        team = self.teams.get(query.get("team") or TEAM_ID)
        if team is None:
            return 400, _page("Unknown workspace", f"No workspace {query.get('team')!r}."), {}
        redirect = query.get("redirect_uri") or self.redirect_url
        if not redirect:
            return 400, _page("No redirect URL", "The app has no redirect URL."), {}
        back = {"state": query.get("state", "")}
        choice = query.get("choice")
        if choice == "cancel":
            return 302, "", {"Location": _with(redirect, {"error": "access_denied", **back})}
        if choice == "allow":
            code = f"{next(self._serial)}.{time.monotonic_ns()}"
            self._codes[code] = _Grant(team, query.get("user") or "U0ALICE", redirect)
            return 302, "", {"Location": _with(redirect, {"code": code, **back})}
        asked = {k: v for k, v in query.items() if k != "choice"}
        allow = f"{AUTHORIZE_PATH}?{urlencode({**asked, 'choice': 'allow'})}"
        cancel = f"{AUTHORIZE_PATH}?{urlencode({**asked, 'choice': 'cancel'})}"
        body = _page(
            f"briefbot is requesting permission to access {team.name}",
            f"Scopes: {query.get('scope', '')}",
            f'<a id="allow" href="{html.escape(allow)}">Allow</a> '
            f'<a id="cancel" href="{html.escape(cancel)}">Cancel</a>',
        )
        return 200, body, {}

    # --- oauth.v2.access ----------------------------------------------------

    def access(self, params: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        """`oauth.v2.access` for an authorization code or, with rotation, a refresh token."""
        client_id, secret = _client_credentials(params, headers)
        if self.client_id is None or client_id != self.client_id:
            raise ApiError("invalid_client_id")
        if secret != self.client_secret:
            raise ApiError("bad_client_secret")
        grant_type = params.get("grant_type") or "authorization_code"
        if grant_type == "refresh_token":
            return self._refresh_grant(str(params.get("refresh_token") or ""))
        if grant_type != "authorization_code":
            raise ApiError("unsupported_grant_type")
        grant = self._codes.get(str(params.get("code") or ""))
        if grant is None or grant.used:
            raise ApiError("invalid_code")
        grant.used = True
        if params.get("redirect_uri") and params["redirect_uri"] != grant.redirect_uri:
            raise ApiError("bad_redirect_uri")
        team = grant.team
        answer: dict[str, Any] = {
            "ok": True,
            "app_id": APP_ID,
            "authed_user": {"id": grant.user},
            "scope": ",".join(SCOPES),
            "token_type": "bot",
            "bot_user_id": BOT_USER_ID,
            "team": None if team.is_org else {"id": team.id, "name": team.name},
            "enterprise": (
                {"id": team.enterprise_id, "name": team.enterprise_name}
                if team.enterprise_id
                else None
            ),
            "is_enterprise_install": team.is_org,
        }
        return answer | self._new_token(team)

    def installed(self, team: Team) -> str:
        """A bot token for `team`, as an install that went through consent and
        `oauth.v2.access` would leave it (for benchmarks with thousands of teams)."""
        self.teams[team.id] = team
        return str(self._new_token(team)["access_token"])

    def _refresh_grant(self, refresh_token: str) -> dict[str, Any]:
        team = self._refresh.pop(refresh_token, None)
        if team is None:
            raise ApiError("invalid_refresh_token")
        # A token that rotated once always rotates.
        lifetime = self.token_lifetime or TOKEN_LIFETIME_S
        answer = {"ok": True, "token_type": "bot", "scope": ",".join(SCOPES)}
        return answer | self._new_token(team, lifetime)

    def _new_token(self, team: Team, lifetime: int | None = None) -> dict[str, Any]:
        serial = next(self._serial)
        lifetime = lifetime or self.token_lifetime
        if lifetime is None:
            token = f"xoxb-{team.id}-{serial}"
            self.tokens[token] = TokenInfo(team)
            return {"access_token": token}
        token = f"xoxe.xoxb-1-{team.id}-{serial}"
        refresh = f"xoxe-1-{team.id}-{serial}"
        self.tokens[token] = TokenInfo(team, self.clock() + lifetime)
        self._refresh[refresh] = team
        return {"access_token": token, "refresh_token": refresh, "expires_in": lifetime}

    # --- tokens -----------------------------------------------------------

    def problem_with(self, token: str) -> str | None:
        """Why an issued bot token is refused now (None: it works)."""
        info = self.tokens[token]
        if info.expires_at is not None and self.clock() >= info.expires_at:
            return "token_expired"
        return None

    def revoke_team(self, team_id: str) -> list[str]:
        """Every bot token and refresh token of the team stops working (an uninstall);
        returns the bot tokens."""
        gone = [t for t, info in self.tokens.items() if info.team.id == team_id]
        for token in gone:
            del self.tokens[token]
        for refresh, team in list(self._refresh.items()):
            if team.id == team_id:
                del self._refresh[refresh]
        return gone


def _client_credentials(params: dict[str, Any], headers: dict[str, str]) -> tuple[str, str]:
    """client_id and client_secret from HTTP basic auth (slack_sdk sends them so) or the form."""
    value = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    scheme, _, encoded = value.partition(" ")
    if scheme.lower() == "basic":
        try:
            user, _, password = base64.b64decode(encoded).decode().partition(":")
        except ValueError:
            return "", ""
        return user, password
    return str(params.get("client_id") or ""), str(params.get("client_secret") or "")


def _with(url: str, query: dict[str, str]) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(query)


def _page(title: str, lead: str, rest: str = "") -> str:
    return (
        f"<!doctype html><html><head><title>{html.escape(title)}</title></head><body>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(lead)}</p>{rest}</body></html>"
    )
