"""The local Slack's HTTP plumbing: a threaded server on 127.0.0.1, reading requests and
writing answers. What a request means is `LocalSlack`'s business (server.py).

Standard library only.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl


@dataclass(frozen=True, slots=True)
class Request:
    """An HTTP request as seen by `LocalSlack.handle_route` (for subclasses' own routes)."""

    verb: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class Reply:
    """An HTTP answer: a dict is sent as JSON, str/bytes as they are (plain text unless
    `content_type` says otherwise)."""

    status: int = 200
    body: dict[str, Any] | str | bytes = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/plain; charset=utf-8"


class HttpServer(ThreadingHTTPServer):
    """Serves 127.0.0.1:`port`, each request on its own daemon thread, through `serve`."""

    daemon_threads = True
    # Many concurrent clients (200 slash commands, 1,000-channel fan-out) must not be refused.
    request_queue_size = 256

    def __init__(self, port: int, serve: Callable[[RequestHandler], None]) -> None:
        super().__init__(("127.0.0.1", port), RequestHandler)
        self.serve = serve


class RequestHandler(BaseHTTPRequestHandler):
    server: HttpServer
    server_version = "localslack"

    def do_POST(self) -> None:
        self.server.serve(self)

    def do_GET(self) -> None:
        self.server.serve(self)

    def log_message(self, format: str, *args: Any) -> None:
        # Hooks see every call (`LocalSlack.add_hook`); the access log would only be noise.
        pass


def send(handler: RequestHandler, reply: Reply) -> None:
    """Write `reply`; a client that has hung up already is no error."""
    if isinstance(reply.body, dict):
        data = json.dumps(reply.body).encode()
        content_type = "application/json; charset=utf-8"
    else:
        data = reply.body.encode() if isinstance(reply.body, str) else reply.body
        content_type = reply.content_type
    try:
        handler.send_response(reply.status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(data)))
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)
    except (BrokenPipeError, ConnectionResetError):
        # The client gave up waiting (a hook delayed the answer past its timeout): expected.
        pass


def decode_body(headers: dict[str, str], raw: bytes) -> dict[str, Any]:
    """Parameters from a JSON or form body; ValueError for JSON that is not an object."""
    if not raw:
        return {}
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "").lower()
    text = raw.decode("utf-8", errors="replace")
    if content_type.startswith("application/json"):
        value = json.loads(text)
        if not isinstance(value, dict):
            raise ValueError("JSON body must be an object")
        return value
    return dict(parse_qsl(text, keep_blank_values=True))


def bearer(headers: dict[str, str]) -> str | None:
    """The token of an `Authorization: Bearer ...` header, if there is one."""
    value = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None
