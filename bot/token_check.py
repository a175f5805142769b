"""Asking Slack, at start-up, whether it accepts the bot token (`auth.test`).

A refused token will not start working by waiting, so it is reported at once, in one
line that names the variable. Slack being out of reach, or answering 5xx or 429, is
usually brief (a network blip, a deploy, an incident), so those are retried with
backoff, one log line per attempt, until Slack answers or the process is stopped.
"""

from __future__ import annotations

import logging
import threading
import urllib.error
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

log = logging.getLogger("briefbot")

PASSING = {"internal_error", "fatal_error", "service_unavailable", "request_timeout"}
"""Errors Slack gives for trouble on its side, which waiting may cure."""
FIRST_DELAY_S = 1.0
MAX_DELAY_S = 30.0


class TokenRefused(Exception):
    """Slack refused SLACK_BOT_TOKEN; the message is one line saying what to do."""


class Stopped(Exception):
    """The process was asked to stop while it waited for Slack."""


def refused_message(variable: str, error: str) -> str:
    where = (
        "Basic Information → App-Level Tokens (xapp-…, with connections:write)"
        if variable == "SLACK_APP_TOKEN"
        else "OAuth & Permissions → Bot User OAuth Token (xoxb-…)"
    )
    return (
        f"Slack refused {variable} ({error}): set it to the token from your app's {where}, "
        "reinstalling the app to the workspace if it was revoked."
    )


def verify_bot_token(
    client: WebClient,
    *,
    stopping: threading.Event,
    waiting: Callable[[str], None] = lambda reason: None,
    first_delay: float = FIRST_DELAY_S,
    max_delay: float = MAX_DELAY_S,
) -> SlackResponse:
    """`auth.test` until Slack answers; raise TokenRefused or Stopped.

    `waiting(reason)` hears why each failed attempt failed (for `/healthz`).
    """
    # The same client, but quiet: slack_sdk would log each failed attempt a second time.
    quiet = logging.getLogger("briefbot.token_check.client")
    quiet.setLevel(logging.CRITICAL)
    checker = WebClient(
        token=client.token, base_url=client.base_url, timeout=client.timeout, logger=quiet
    )
    delay = first_delay
    attempt = 0
    while True:
        attempt += 1
        try:
            return checker.auth_test()
        except SlackApiError as error:
            code = str(error.response.get("error") or "unknown_error")
            status = error.response.status_code
            retry_after = error.response.headers.get("Retry-After") if status == 429 else None
            if status < 500 and status != 429 and code not in PASSING:
                # invalid_auth, not_authed, account_inactive, token_revoked, ...
                raise TokenRefused(refused_message("SLACK_BOT_TOKEN", code)) from None
            reason = f"Slack answered HTTP {status} ({code})"
            wait = max(delay, float(retry_after or 0))
        except (urllib.error.URLError, OSError) as error:
            cause = getattr(error, "reason", None) or error
            reason = f"cannot reach Slack at {client.base_url}: {cause}"
            wait = delay
        if stopping.is_set():
            raise Stopped
        waiting(reason)
        log.warning("Slack auth.test attempt %d failed: %s; next in %.0f s", attempt, reason, wait)
        if stopping.wait(wait):
            raise Stopped
        delay = min(delay * 2, max_delay)
