"""Posting to the app's HTTP endpoint as Slack does: signed, over real HTTP (urllib).

Every helper returns an `HttpReply` whatever the status, so tests can check 401s.
Pass `secret=None` for an unsigned request, or `timestamp=` for an old or future one.

Like Slack, the helpers wait 3 s for the answer, counted from sending the request, and
then give up (TimeoutError): the person would see an error, whatever came later.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from tests.fakeslack.payloads import interactive_fields, signed_headers

SLACK_DEADLINE = 3.0
"""Seconds Slack waits for an app's HTTP answer before it shows the person an error."""


@dataclass(frozen=True, slots=True)
class HttpReply:
    """Status, headers and body of an HTTP answer."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON (ValueError if it is not JSON)."""
        return json.loads(self.body) if self.body else None


def post_raw(
    url: str, body: bytes, headers: dict[str, str], *, timeout: float = SLACK_DEADLINE
) -> HttpReply:
    """POST `body` with exactly these headers; TimeoutError if the whole answer takes
    longer than `timeout` (by default Slack's 3 s)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    sent = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            reply = HttpReply(response.status, response.read(), dict(response.headers.items()))
    except urllib.error.HTTPError as error:
        reply = HttpReply(error.code, error.read(), dict(error.headers.items()))
    except (TimeoutError, urllib.error.URLError) as error:
        if isinstance(error, TimeoutError) or isinstance(error.reason, TimeoutError):
            raise TimeoutError(f"no answer within {timeout:g} s: Slack shows an error") from error
        raise
    took = time.monotonic() - sent
    if took > timeout:
        raise TimeoutError(f"the answer took {took:.2f} s, past {timeout:g} s: Slack gives up")
    return reply


def _post(
    url: str,
    body: bytes,
    content_type: str,
    secret: str | None,
    timestamp: int | None,
    headers: dict[str, str] | None,
    timeout: float,
) -> HttpReply:
    all_headers = {"Content-Type": content_type}
    if secret is not None:
        all_headers.update(signed_headers(body, secret, timestamp))
    all_headers.update(headers or {})
    return post_raw(url, body, all_headers, timeout=timeout)


def post_form(
    url: str,
    fields: dict[str, str],
    secret: str | None,
    *,
    timestamp: int | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = SLACK_DEADLINE,
) -> HttpReply:
    """POST form fields (a slash command), signed with `secret` unless it is None."""
    body = urlencode(fields).encode()
    content_type = "application/x-www-form-urlencoded"
    return _post(url, body, content_type, secret, timestamp, headers, timeout)


def post_interactive(
    url: str,
    payload: dict[str, Any],
    secret: str | None,
    *,
    timestamp: int | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = SLACK_DEADLINE,
) -> HttpReply:
    """POST an interactivity payload (a button click) as `payload=<json>`."""
    fields = interactive_fields(payload)
    return post_form(url, fields, secret, timestamp=timestamp, headers=headers, timeout=timeout)


def post_json(
    url: str,
    body: dict[str, Any],
    secret: str | None,
    *,
    timestamp: int | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = SLACK_DEADLINE,
) -> HttpReply:
    """POST a JSON body (an Events API callback), signed unless `secret` is None."""
    data = json.dumps(body).encode()
    return _post(url, data, "application/json", secret, timestamp, headers, timeout)
