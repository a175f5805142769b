"""Installing briefbot over OAuth: the "Add to Slack" page, Slack's redirect back, and
the pages an installer sees when it worked or did not.

Bolt's `OAuthFlow` does the work (a state that expires, `oauth.v2.access`, storing the
installation in `bot/installations.py`); this module gives it briefbot's words, so that
each page says what to do next.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Sequence
from http import HTTPStatus
from typing import Any

from slack_bolt.oauth import OAuthFlow
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse

from bot.config import REDIRECT_PATH, Settings
from bot.installations import (
    BOT_SCOPES,
    REFRESH_MINUTES_BEFORE_EXPIRY,
    STATE_LIFETIME_S,
    Installations,
)

INSTALL_PATH = "/slack/install"

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

FAILURES = {
    "access_denied": (
        "The installation was cancelled",
        "Nothing was installed. To add briefbot, start again and choose Allow.",
    ),
    "invalid_browser": (
        "This installation was started in another browser",
        "Start again in this browser (with cookies allowed for this site).",
    ),
    "invalid_state": (
        "This installation link has expired",
        f"Links from the install page work once, for {STATE_LIFETIME_S // 60} minutes. "
        "Start again to get a new one.",
    ),
    "missing_code": (
        "Slack sent no installation code",
        "Start again from the install page, not from a bookmarked address.",
    ),
    "invalid_code": (
        "Slack did not accept this installation",
        "Its code was already used or is too old. Start again to get a new one.",
    ),
    "storage_error": (
        "briefbot could not save the installation",
        "Its database did not answer. Try again in a minute; if it keeps failing, tell "
        "whoever runs briefbot.",
    ),
}


def oauth_flow(settings: Settings, installations: Installations) -> OAuthFlow:
    """Bolt's OAuth flow on briefbot's stores, against the Slack at SLACK_API_URL."""
    oauth_settings = OAuthSettings(
        client_id=installations.client_id,
        client_secret=installations.client_secret,
        scopes=list(BOT_SCOPES),
        user_scopes=[],
        redirect_uri=settings.redirect_uri,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        authorization_url=settings.authorize_url,
        callback_options=CallbackOptions(success=_installed, failure=_failed),
        installation_store=installations.installation_store,
        token_rotation_expiration_minutes=REFRESH_MINUTES_BEFORE_EXPIRY,
        state_store=installations.state_store,
        state_expiration_seconds=STATE_LIFETIME_S,
    )
    return InstallPage(client=installations.client, settings=oauth_settings)


class InstallPage(OAuthFlow):
    """Bolt's flow with briefbot's own "Add to Slack" page."""

    def build_install_page_html(self, url: str, request: BoltRequest) -> str:
        return _page(
            "Add briefbot to Slack",
            "Short AI-policy and AI-safety briefs and a glossary, right in Slack.",
            f'<p><a id="add-to-slack" href="{html.escape(url)}">Add to Slack</a></p>'
            f"<p>The link works once, for {STATE_LIFETIME_S // 60} minutes.</p>",
        )


def _installed(args: SuccessArgs) -> BoltResponse:
    installation = args.installation
    where = installation.team_name or installation.enterprise_name or "your workspace"
    body = _page(
        f"briefbot is installed in {where}",
        "Try it in any channel:",
        "<ul>"
        "<li><code>/brief</code>: today's featured brief, or <code>/brief words</code> "
        "to find one</li>"
        "<li><code>/brief subscribe 09:00</code>: a featured brief in the channel every "
        "morning</li>"
        "<li><code>/define term</code>: what a term in the briefs means</li>"
        "</ul>",
    )
    return BoltResponse(status=200, body=body, headers=_html_headers(args.settings))


def _failed(args: FailureArgs) -> BoltResponse:
    title, advice = FAILURES.get(
        args.reason,
        ("The installation did not finish", f"Slack said {args.reason!r}. Start again."),
    )
    start = html.escape(args.settings.install_path)
    again = f'<p><a id="start-again" href="{start}">Start again</a></p>'
    body = _page(title, advice, again)
    return BoltResponse(
        status=args.suggested_status_code, body=body, headers=_html_headers(args.settings)
    )


def _html_headers(settings: OAuthSettings) -> dict[str, str | Sequence[str]]:
    # The state cookie has done its work (or failed); the browser may drop it.
    return {
        "Content-Type": "text/html; charset=utf-8",
        "Set-Cookie": [settings.state_utils.build_set_cookie_for_deletion()],
    }


def _page(title: str, lead: str, rest: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head><body>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(lead)}</p>{rest}</body></html>"
    )


def install_routes(flow: OAuthFlow) -> WsgiApp:
    """`GET /slack/install` and `GET /slack/oauth_redirect` as a WSGI application (any
    other request gets 404). Neither comes from Slack signed: a person's browser asks."""
    paths = {
        flow.install_path: flow.handle_installation,
        flow.redirect_uri_path: flow.handle_callback,
    }

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        handle = paths.get(environ.get("PATH_INFO", ""))
        if handle is None or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            fields = [("Content-Type", "text/plain"), ("Content-Length", "9")]
            start_response("404 Not Found", fields)
            return [b"Not Found"]
        headers: dict[str, str | Sequence[str]] = {
            key[5:].lower().replace("_", "-"): str(value)
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        request = BoltRequest(body="", query=environ.get("QUERY_STRING", ""), headers=headers)
        response = handle(request)
        body = response.body.encode() if isinstance(response.body, str) else bytes(response.body)
        status = HTTPStatus(response.status)
        fields = [
            (name, value)
            for name, values in response.headers.items()
            if name.lower() != "content-length"
            for value in values
        ]
        start_response(
            f"{status.value} {status.phrase}", [*fields, ("Content-Length", str(len(body)))]
        )
        return [body]

    return application
