"""`POST /slack/events` over HTTP: only a request Slack signed reaches the Bolt app.

Each request is checked in this order, before Bolt or any listener sees it:

1. size: a body over `MAX_BODY_BYTES` gets 413 before it is read (Slack's own
   payloads are far smaller), whether it has a Content-Length or comes chunked;
2. Slack's SSL check: a body of exactly `ssl_check=1` and `token=…`, which Slack
   sends unsigned when it checks the certificate, gets 200 and an empty body, and
   nothing else runs for it (as Bolt answers it);
3. signature: the timestamp must be a whole number of seconds within five minutes
   of now, and the v0 signature must match; anything else gets 401 and nothing
   more: no listener, no call to Slack, no log line carrying what the request said;
4. form: a signed body that is not UTF-8 or not a JSON object where Slack sends
   one gets 400.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
from collections.abc import Callable, Iterable, Sequence
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import App, BoltRequest, BoltResponse

from bot.basics import DIGITS
from bot.listeners.replies import RECEIVED_AT

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
"""Slack's largest payloads (a message of 50 blocks, a modal's state) are well below this."""

MAX_AGE_S = 5 * 60
_TIMESTAMP = re.compile(r"[0-9]{1,15}")

StartResponse = Callable[..., Any]


class Refused(Exception):
    """The request is answered with `status` and an empty body; nothing else happens."""

    def __init__(self, status: HTTPStatus, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def slack_endpoint(
    app: App,
    signing_secret: str,
    *,
    path: str,
    max_body: int = MAX_BODY_BYTES,
    clock: Callable[[], float] = time.time,
) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """A WSGI application answering `POST path` with the Bolt app, and 404 to the rest."""
    secret = signing_secret.encode()

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        # Slack's 3 s are counted from here (bot/listeners/replies.py); the stamp is always
        # ours, whatever header of that name a sender put in.
        environ["HTTP_" + RECEIVED_AT.upper().replace("-", "_")] = repr(time.monotonic())
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") != path:
            return _answer(start_response, HTTPStatus.NOT_FOUND, b"Not Found")
        try:
            body = read_body(environ, max_body)
            if is_ssl_check(body):
                return _answer(start_response, HTTPStatus.OK, b"")
            verify(body, _header(environ, "X-Slack-Request-Timestamp"), environ, secret, clock())
            request = bolt_request(body, environ)
        except Refused as refused:
            # Only our own words: a refused request's headers and body are not to be trusted.
            log.info("refused a request to %s: %s (%d)", path, refused.reason, refused.status)
            return _answer(start_response, refused.status, b"")
        response = app.dispatch(request)
        return _bolt_answer(start_response, response)

    return application


def read_body(environ: dict[str, Any], max_body: int) -> bytes:
    """The whole body, refusing (413) one longer than `max_body` before reading it."""
    stream = environ.get("wsgi.input")
    declared = environ.get("CONTENT_LENGTH") or ""
    if declared:
        if not DIGITS.fullmatch(declared):
            raise Refused(HTTPStatus.BAD_REQUEST, "the Content-Length is not a number")
        length = int(declared)
        if length > max_body:
            raise Refused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "the body is too large")
        body = stream.read(length) if stream is not None and length else b""
        if len(body) != length:
            raise Refused(HTTPStatus.BAD_REQUEST, "the body ended early")
        return body
    if stream is None or not environ.get("wsgi.input_terminated"):
        # Without a length, reading is only safe where the server marks the end (chunked).
        return b""
    body = stream.read(max_body + 1)
    if len(body) > max_body:
        raise Refused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "the body is too large")
    return body


SSL_CHECK_FIELDS = frozenset({"ssl_check", "token"})


def is_ssl_check(body: bytes) -> bool:
    """Whether `body` is Slack's SSL check and nothing more: `ssl_check=1`, at most a
    `token`, each once. Bolt reads `ssl_check=1` anywhere in a form body as the check;
    here a body carrying any other field is a payload, and needs Slack's signature.
    """
    if len(body) > 1024 or not body.isascii():
        return False
    try:
        fields = parse_qsl(body.decode("ascii"), keep_blank_values=True, strict_parsing=True)
    except ValueError:
        return False
    names = [name for name, _ in fields]
    return (
        len(names) == len(set(names))
        and set(names) <= SSL_CHECK_FIELDS
        and dict(fields).get("ssl_check") == "1"
    )


def verify(body: bytes, timestamp: str, environ: dict[str, Any], secret: bytes, now: float) -> None:
    """Refuse (401) unless Slack signed exactly these bytes within the last five minutes.

    Slack signs the raw bytes; slack_sdk's SignatureVerifier takes text, which a body
    that is not UTF-8 is not, so the HMAC is taken here over the bytes, and compared in
    constant time as slack_sdk does. Bolt checks the same signature again on the text.
    """
    if not _TIMESTAMP.fullmatch(timestamp) or abs(now - int(timestamp)) > MAX_AGE_S:
        raise Refused(HTTPStatus.UNAUTHORIZED, "no signature timestamp within five minutes")
    signature = _header(environ, "X-Slack-Signature")
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret, base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
        raise Refused(HTTPStatus.UNAUTHORIZED, "the signature does not match")


def bolt_request(body: bytes, environ: dict[str, Any]) -> BoltRequest:
    """The request as Bolt reads it; 400 for a signed body Bolt could not read."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(HTTPStatus.BAD_REQUEST, "the body is not UTF-8") from None
    try:
        request = BoltRequest(
            body=text, query=environ.get("QUERY_STRING", ""), headers=_headers(environ)
        )
    except Exception:  # whatever Bolt cannot parse (not JSON, a list, null…) is malformed
        raise Refused(HTTPStatus.BAD_REQUEST, "the body is not a Slack payload") from None
    if not isinstance(request.body, dict):
        raise Refused(HTTPStatus.BAD_REQUEST, "the body is not a Slack payload")
    return request


def _header(environ: dict[str, Any], name: str) -> str:
    return str(environ.get("HTTP_" + name.upper().replace("-", "_"), ""))


def _headers(environ: dict[str, Any]) -> dict[str, str | Sequence[str]]:
    headers: dict[str, str | Sequence[str]] = {}
    for key, value in environ.items():
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            headers[key.lower().replace("_", "-")] = value
        elif key.startswith("HTTP_"):
            headers[key[5:].lower().replace("_", "-")] = value
    return headers


def _answer(start_response: StartResponse, status: HTTPStatus, body: bytes) -> list[bytes]:
    start_response(
        f"{status.value} {status.phrase}",
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
    )
    return [body]


def _bolt_answer(start_response: StartResponse, response: BoltResponse) -> list[bytes]:
    body = response.body.encode() if isinstance(response.body, str) else bytes(response.body)
    headers = [
        (name, value)
        for name, values in response.headers.items()
        if name.lower() != "content-length"
        for value in values
    ]
    status = HTTPStatus(response.status)
    start_response(
        f"{status.value} {status.phrase}", [*headers, ("Content-Length", str(len(body)))]
    )
    return [body]
