"""Posting to the app's HTTP endpoint as Slack does: signed, over real HTTP (urllib).

Every helper returns an `HttpReply` whatever the status, so tests can check 401s.
Pass `secret=None` for an unsigned request, or `timestamp=` for an old or future one.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from tests.fakeslack.payloads import interactive_fields, signed_headers


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


def post_raw(url: str, body: bytes, headers: dict[str, str], *, timeout: float = 10.0) -> HttpReply:
    """POST `body` with exactly these headers."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return HttpReply(response.status, response.read(), dict(response.headers.items()))
    except urllib.error.HTTPError as error:
        return HttpReply(error.code, error.read(), dict(error.headers.items()))


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
    timeout: float = 10.0,
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
    timeout: float = 10.0,
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
    timeout: float = 10.0,
) -> HttpReply:
    """POST a JSON body (an Events API callback), signed unless `secret` is None."""
    data = json.dumps(body).encode()
    return _post(url, data, "application/json", secret, timestamp, headers, timeout)
