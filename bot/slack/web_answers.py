"""What Slack's Web API answered, sorted for whoever must decide what to do next.

One call to Slack ends in an `Outcome`: posted, or why not, and whether the post may
exist anyway:

- posted: Slack returned the message ts;
- ratelimited: 429, nothing posted; try again no earlier than `retry_after`;
- channel: the channel is gone or closed to the bot;
- auth: the token no longer works: every other call would fail too;
- uncertain: a timeout, a dropped connection or a 5xx after the request was sent:
  Slack may have posted it, so it is never sent again blindly, only looked for (`Found`);
- rejected: any other error; Slack refused the message, so nothing was posted.

The daily sweep and the buttons that post once (Share, Related briefs, Post in thread)
read Slack's answers through this one module.
"""

from __future__ import annotations

import socket
import time
import urllib.error
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from slack_sdk.errors import SlackApiError

DEFAULT_RETRY_AFTER = 1.0

# Slack errors meaning this channel cannot take our posts until someone acts.
CHANNEL_ERRORS = frozenset(
    {"channel_not_found", "is_archived", "not_in_channel", "restricted_action"}
)
# Slack errors meaning the token itself is unusable: every other call would fail too.
AUTH_ERRORS = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "token_expired",
        "account_inactive",
        "no_permission",
        "missing_scope",
        "not_allowed_token_type",
        "team_access_not_granted",
        "ekm_access_denied",
        "org_login_required",
    }
)


class Result(StrEnum):
    POSTED = "posted"
    RATELIMITED = "ratelimited"
    CHANNEL = "channel"
    AUTH = "auth"
    UNCERTAIN = "uncertain"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one chat.postMessage call came to."""

    result: Result
    error: str = ""
    ts: str | None = None
    retry_after: float = 0.0
    answered_at: float = field(default_factory=time.monotonic)
    """time.monotonic() when the answer (or the failure) came back."""


def classify_api_error(error: SlackApiError) -> Outcome:
    """Sort an answer Slack gave (any status) into an Outcome."""
    response = error.response
    status = int(getattr(response, "status_code", 200) or 200)
    data = getattr(response, "data", None)
    code = str(data.get("error") or "") if isinstance(data, dict) else ""
    if status == 429 or code == "ratelimited":
        headers = getattr(response, "headers", None)
        return Outcome(Result.RATELIMITED, "ratelimited", retry_after=retry_after_of(headers))
    if status >= 500:
        return Outcome(Result.UNCERTAIN, f"HTTP {status} {code}".strip())
    if code in CHANNEL_ERRORS:
        return Outcome(Result.CHANNEL, code)
    if code in AUTH_ERRORS:
        return Outcome(Result.AUTH, code)
    return Outcome(Result.REJECTED, code or f"HTTP {status}")


def classify_transport_error(error: BaseException) -> Outcome:
    """A failure without an answer: only a refused connection surely sent nothing."""
    reason = getattr(error, "reason", None) if isinstance(error, urllib.error.URLError) else error
    if isinstance(reason, ConnectionRefusedError | socket.gaierror):
        return Outcome(Result.REJECTED, f"cannot reach Slack: {reason}")
    if isinstance(reason, TimeoutError | socket.timeout):
        return Outcome(Result.UNCERTAIN, "timed out waiting for Slack")
    return Outcome(Result.UNCERTAIN, f"{type(reason).__name__}: {reason}")


def retry_after_of(headers: Any) -> float:
    """Seconds from a Retry-After header; 1 when it is absent or unreadable."""
    if not headers:
        return DEFAULT_RETRY_AFTER
    value = None
    for key in ("Retry-After", "retry-after"):
        value = headers.get(key) if hasattr(headers, "get") else None
        if value:
            break
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        seconds = float(str(value).strip())
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER
    return seconds if seconds > 0 else DEFAULT_RETRY_AFTER


class Lookup(StrEnum):
    FOUND = "found"
    ABSENT = "absent"
    """The history was read and holds no such post: it was never made."""
    UNAVAILABLE = "unavailable"
    """The history cannot be read (e.g. missing_scope): nobody can tell."""
    LATER = "later"
    """A passing failure (429, 5xx, timeout): try again later."""


@dataclass(frozen=True, slots=True)
class Found:
    lookup: Lookup
    ts: str | None = None
    error: str = ""
