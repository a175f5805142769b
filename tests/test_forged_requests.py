"""Forged, malformed and oversized requests to `briefbot serve`: refused before Bolt sees them.

Every request Slack did not sign gets 401 and nothing else (no listener, no call to
Slack, no log line carrying its fields); a signed but unreadable one gets 400; a body
over the cap gets 413 before it is read.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bot.slack_requests import MAX_BODY_BYTES
from tests.conftest import SIGNING_SECRET
from tests.fakeslack import FakeSlack
from tests.fakeslack.payloads import block_action, interactive_body, signed_headers
from tests.fakeslack.signed_http import post_interactive, post_raw
from tests.support.processes import ServedBot, serving

pytestmark = pytest.mark.slow

DISTILLATION = "ai-distillation-national-security"
FORM = "application/x-www-form-urlencoded"
# A field that, logged as it is, would add a line of its own to the log.
FORGED_LINE = "U0EVE\n2026-01-01 00:00:00,000 CRITICAL briefbot: forged-line"


@dataclass
class Served:
    bot: ServedBot

    @property
    def slack(self) -> FakeSlack:
        return self.bot.slack

    @property
    def events(self) -> str:
        return self.bot.events

    @property
    def log(self) -> Path:
        return self.bot.log

    def share_payload(self, user_id: str = "U0ALICE") -> tuple[dict, str]:
        url = self.slack.new_response_url()
        payload = block_action(
            "share_brief",
            DISTILLATION,
            user_id=user_id,
            container_type="ephemeral",
            response_url=url,
        )
        return payload, url

    def settle(self) -> None:
        """Let anything a refused request might have started finish: a signed request
        goes all the way to Slack and back after it (so the bot is still answering),
        then the process reports nothing in flight and its Slack is quiet."""
        payload, url = self.share_payload()
        payload["actions"][0]["action_id"] = "show_brief"
        assert post_interactive(self.events, payload, secret=SIGNING_SECRET).status == 200
        self.slack.wait_for(lambda: any(r["url"] == url for r in self.slack.responses))
        self.bot.settle()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serving(tmp_path_factory.mktemp("forged")) as bot:
        yield Served(bot)


@pytest.mark.parametrize("timestamp", ["abc", "", "1e9", "1714000000.5"])
def test_a_timestamp_that_is_not_a_number_gets_401_and_nothing_else(
    served: Served, timestamp: str
) -> None:
    """An X-Slack-Request-Timestamp that is not a whole number: 401, no post to the request's
    response URL, no call to Slack at all, and none of its fields in the log."""
    payload, url = served.share_payload(user_id=FORGED_LINE)
    body = interactive_body(payload).encode()
    calls = len(served.slack.calls)
    headers = {"Content-Type": FORM} | signed_headers(body, SIGNING_SECRET)
    headers["X-Slack-Request-Timestamp"] = timestamp
    reply = post_raw(served.events, body, headers)
    assert reply.status == 401
    assert reply.body == b""
    served.settle()
    assert not [r for r in served.slack.responses if r["url"] == url]
    forged_calls = [c for c in served.slack.calls[calls:] if "U0EVE" in json.dumps(c.params)]
    assert forged_calls == []
    assert "forged-line" not in served.log.read_text()


def test_a_refused_request_is_logged_without_its_body(served: Served) -> None:
    """A request with a wrong signature leaves one line in the log, without its body."""
    payload, _ = served.share_payload(user_id="U0EVE")
    payload["secret_marker"] = "body-must-not-be-logged"
    body = interactive_body(payload).encode()
    headers = {"Content-Type": FORM} | signed_headers(body, "not-the-secret")
    assert post_raw(served.events, body, headers).status == 401
    served.settle()
    log = served.log.read_text()
    assert "body-must-not-be-logged" not in log
    assert "the signature does not match" in log


def _signed(body: bytes, content_type: str = FORM) -> dict[str, str]:
    return {"Content-Type": content_type} | signed_headers(body, SIGNING_SECRET)


MALFORMED = {
    "payload is not JSON": (b"payload=%7Bnot+json", FORM),
    "payload is a list": (b"payload=%5B1%2C2%5D", FORM),
    "payload is null": (b"payload=null", FORM),
    "payload is truncated": (b"payload=%7B%22type%22%3A%22block_act", FORM),
    "JSON list": (b"[1, 2, 3]", "application/json"),
    "JSON null": (b"null", "application/json"),
    "truncated JSON": (b'{"type": "event_callback", "event": {"ty', "application/json"),
    "not UTF-8": (b'{"type": "event_callback", "x": "\xff\xfe"}', "application/json"),
    "form not UTF-8": (b"command=%2Fbrief&text=\xff", FORM),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_bodies_get_400_signed_and_401_unsigned(served: Served, case: str) -> None:
    """A body Bolt cannot read gets 400 when Slack signed it, 401 when not; never a 500
    and never a traceback in the log."""
    body, content_type = MALFORMED[case]
    signed = post_raw(served.events, body, _signed(body, content_type))
    assert signed.status == 400, signed.text
    unsigned = post_raw(served.events, body, {"Content-Type": content_type})
    assert unsigned.status == 401
    served.settle()
    assert "Traceback" not in served.log.read_text()


def _raw_exchange(url: str, head: bytes, chunks: Iterator[bytes]) -> bytes:
    """Send a request head and then body chunks until the server answers or hangs up;
    return the status line."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(head)
        try:
            for chunk in chunks:
                sock.sendall(chunk)
        except OSError:
            pass  # the server answered and closed without reading the rest: as wanted
        answer = sock.recv(4096)
    return answer.split(b"\r\n", 1)[0]


def _head(url: str, headers: dict[str, str]) -> bytes:
    path = urlsplit(url).path
    lines = [f"POST {path} HTTP/1.1", f"Host: {urlsplit(url).netloc}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_a_body_over_the_cap_gets_413_before_it_is_sent(served: Served) -> None:
    """A Content-Length of 10 MiB is answered 413 when only the head has arrived."""
    head = _head(served.events, {"Content-Type": FORM, "Content-Length": str(10 * 1024 * 1024)})
    status = _raw_exchange(served.events, head, iter([b"payload="]))
    assert b" 413 " in status + b" ", status


def test_a_chunked_body_over_the_cap_gets_413(served: Served) -> None:
    """A chunked body with no length is cut off with 413 once it passes the cap."""
    head = _head(served.events, {"Content-Type": FORM, "Transfer-Encoding": "chunked"})
    piece = b"a" * 65536
    count = MAX_BODY_BYTES // len(piece) + 8
    chunks = (b"%x\r\n" % len(piece) + piece + b"\r\n" for _ in range(count))
    status = _raw_exchange(served.events, head, chunks)
    assert b" 413 " in status + b" ", status


def test_a_body_just_under_the_cap_is_read(served: Served) -> None:
    """A signed request near the cap still reaches the app (and is answered)."""
    payload, url = served.share_payload()
    payload["actions"][0]["action_id"] = "show_brief"
    payload["padding"] = "x" * (MAX_BODY_BYTES - 20_000)
    body = interactive_body(payload).encode()
    assert len(body) < MAX_BODY_BYTES
    assert post_raw(served.events, body, _signed(body)).status == 200
    served.slack.wait_for(lambda: any(r["url"] == url for r in served.slack.responses))


SSL_CHECK_HEADERS = {
    "Content-Type": FORM,
    "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
}


@pytest.mark.parametrize("body", [b"ssl_check=1&token=VERIFICATION", b"token=&ssl_check=1"])
def test_slacks_ssl_check_gets_200_and_nothing_runs(served: Served, body: bytes) -> None:
    """Slack's SSL check comes unsigned, as `ssl_check=1&token=…`: 200 with an empty body,
    and nothing else (no call to Slack, no post anywhere)."""
    served.settle()
    calls, responses = len(served.slack.calls), len(served.slack.responses)
    served.settle()
    settling = [c.method for c in served.slack.calls[calls:]]
    calls, responses = len(served.slack.calls), len(served.slack.responses)
    reply = post_raw(served.events, body, SSL_CHECK_HEADERS)
    assert reply.status == 200
    assert reply.body == b""
    served.settle()
    assert [c.method for c in served.slack.calls[calls:]] == settling
    assert len(served.slack.responses) == responses + 1  # only the settling request's answer


LOOKS_LIKE_SSL_CHECK = {
    "ssl_check=0": b"ssl_check=0&token=x",
    "no ssl_check": b"token=x",
    "a slash command too": b"ssl_check=1&token=x&command=%2Fbrief&text=report&user_id=U0EVE"
    b"&response_url=http%3A%2F%2F127.0.0.1%2Fx",
    "an interactive payload too": b"ssl_check=1&payload=%7B%22type%22%3A%22block_actions%22%7D",
    "ssl_check twice": b"ssl_check=1&ssl_check=1",
    "ssl_check=1 as JSON": b'{"ssl_check": "1", "token": "x"}',
    "not a form": b"ssl_check=1&&token",
}


@pytest.mark.parametrize("case", sorted(LOOKS_LIKE_SSL_CHECK))
def test_anything_more_than_the_ssl_check_unsigned_gets_401(served: Served, case: str) -> None:
    """Only the SSL check itself passes unsigned: with any other field, or another value, a
    body is a payload and gets 401 without Slack's signature."""
    body = LOOKS_LIKE_SSL_CHECK[case]
    calls = len(served.slack.calls)
    reply = post_raw(served.events, body, SSL_CHECK_HEADERS)
    assert reply.status == 401, case
    served.settle()
    assert all("U0EVE" not in json.dumps(c.params) for c in served.slack.calls[calls:])
