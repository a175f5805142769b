"""HTTP mode's WSGI application: `POST /slack/events` and `GET /healthz`, and when teams
install over OAuth, `GET /slack/install` and `GET /slack/oauth_redirect`.

`briefbot serve` runs it with waitress; `bot.wsgi:create_application()` builds it for any
other WSGI server.
"""

from __future__ import annotations

import contextvars
import json
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from slack_bolt import App

from bot.health import Readiness
from bot.oauth_flow import install_routes
from bot.slack_requests import slack_endpoint

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def wsgi_application(app: App, readiness: Readiness, signing_secret: str) -> WsgiApp:
    """Health, and the Bolt app; only requests Slack signed reach it (bot/slack_requests.py)."""
    gate = Gate(readiness)
    gate.open(app, signing_secret)
    return gate


class Gate:
    """HTTP mode's WSGI app: `GET /healthz` at all times, Slack's requests once ready.

    `briefbot serve` listens before start-up is done, so `/healthz` can say what the bot
    waits for (Slack out of reach, content loading) while it waits. Slack's requests
    meanwhile get 503, which Slack retries for events; the bot must not half-answer them.
    """

    def __init__(self, readiness: Readiness) -> None:
        self.readiness = readiness
        self._slack: WsgiApp | None = None
        self._install: WsgiApp | None = None
        self._install_paths: frozenset[str] = frozenset()

    def open(self, app: App, signing_secret: str) -> None:
        """From now on, pass Slack's requests (those it signed) to `app`, and installers'
        browsers to its OAuth flow when it has one."""
        flow = app.oauth_flow
        if flow is not None:
            self._install_paths = frozenset({flow.install_path, flow.redirect_uri_path})
            self._install = install_routes(flow)
        self._slack = slack_endpoint(app, signing_secret, path=EVENTS_PATH)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") == "GET":
            query = parse_qs(environ.get("QUERY_STRING", ""))
            verbose = query.get("verbose", ["0"])[-1].lower() in {"1", "true", "yes"}
            healthy, body = self.readiness.report(verbose=verbose)
            return _json(start_response, 200 if healthy else 503, body)
        slack = self._slack
        if slack is None or not self.readiness.is_ready:
            body = {"ok": False, "reason": self.readiness.reason or "starting"}
            return _json(start_response, 503, body, [("Retry-After", "5")])
        if self._install is not None and environ.get("PATH_INFO") in self._install_paths:
            slack = self._install
        # A context of its own, so what one request logs never names another.
        return contextvars.copy_context().run(slack, environ, start_response)


def _json(
    start_response: StartResponse,
    status: int,
    body: dict[str, Any],
    headers: list[tuple[str, str]] | None = None,
) -> Iterable[bytes]:
    data = json.dumps(body).encode()
    line = "200 OK" if status == 200 else "503 Service Unavailable"
    fields = [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    start_response(line, fields + (headers or []))
    return [data]
