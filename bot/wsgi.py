"""HTTP mode as a WSGI application: `POST /slack/events` and `GET /healthz`.

`briefbot serve` runs it with waitress; any WSGI server can too, for example
`gunicorn 'bot.wsgi:create_application()'`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App

from bot import __version__
from bot.services import Services
from bot.slack_requests import slack_endpoint

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def wsgi_application(app: App, services: Services) -> WsgiApp:
    """Wrap the Bolt app; only requests Slack signed reach it (bot/slack_requests.py)."""
    slack = slack_endpoint(app, services.settings.signing_secret or "", path=EVENTS_PATH)

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") == "GET":
            body = json.dumps(
                {
                    "ok": True,
                    "version": __version__,
                    "content_version": services.library.version,
                }
            ).encode()
            start_response(
                "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
            )
            return [body]
        return slack(environ, start_response)

    return application


def create_application() -> WsgiApp:
    """Build everything from the environment; the entry point for external WSGI servers."""
    from bot.runtime import start_http_runtime

    return start_http_runtime()
