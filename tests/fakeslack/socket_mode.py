"""`FakeSlack`: the local Slack plus a Socket Mode WebSocket endpoint, for tests.

`apps.connections.open` hands out `ws://127.0.0.1:PORT/link/?ticket=...` (each ticket
works once, as Slack's URLs do). On connect the server says `hello`; tests then push
envelopes (slash commands, button clicks, events) with `send_envelope` and get back
the payload of the app's ack, just as Slack delivers them to `briefbot run`.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request as WsRequest
from websockets.http11 import Response as WsResponse
from websockets.sync.server import Server, ServerConnection, serve

from bot.localslack import APP_ID
from tests.fakeslack.scripted import ScriptedSlack

ACK_DEADLINE = 3.0
"""Slack waits this long after sending an envelope; then the person sees an error, and an
ack that comes later changes nothing."""

# Slack marks slash commands as able to carry a response in the ack; others not.
_ACCEPTS_RESPONSE_PAYLOAD = {"slash_commands": True, "interactive": False, "events_api": False}


@dataclass(slots=True)
class Delivery:
    """One envelope sent over the socket and the app's ack, if it came."""

    envelope: dict[str, Any]
    sent_at: float
    ack: dict[str, Any] | None = None
    acked_at: float | None = None

    @property
    def envelope_id(self) -> str:
        return str(self.envelope["envelope_id"])

    @property
    def in_time(self) -> bool:
        """Whether the ack came within Slack's 3 s of the envelope being sent."""
        return self.acked_at is not None and self.acked_at - self.sent_at <= ACK_DEADLINE


class FakeSlack(ScriptedSlack):
    """`ScriptedSlack` with a Socket Mode endpoint. Start it with `start()` or `with`."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._socket_lock = threading.Condition()
        self._ws_server: Server | None = None
        self._ws_thread: threading.Thread | None = None
        self._connections: list[ServerConnection] = []
        self._tickets: set[str] = set()
        self._deliveries: dict[str, Delivery] = {}
        self.connects = 0
        self.socket_messages: list[dict[str, Any]] = []

    # --- lifecycle --------------------------------------------------------

    def start(self) -> FakeSlack:
        super().start()
        if self._ws_server is None:
            self._ws_server = serve(
                self._handle_connection,
                "127.0.0.1",
                0,
                process_request=self._check_ticket,
                compression=None,
                close_timeout=1,
            )
            self._ws_thread = threading.Thread(
                target=self._ws_server.serve_forever, name="fakeslack-socket", daemon=True
            )
            self._ws_thread.start()
        return self

    def stop(self) -> None:
        server, self._ws_server = self._ws_server, None
        if server is not None:
            server.shutdown()
        if self._ws_thread is not None:
            self._ws_thread.join(timeout=5)
            self._ws_thread = None
        super().stop()

    def __enter__(self) -> FakeSlack:
        return self.start()

    @property
    def socket_port(self) -> int:
        """The TCP port of the WebSocket endpoint."""
        if self._ws_server is None:
            raise RuntimeError("FakeSlack is not running; call start() first")
        return int(self._ws_server.socket.getsockname()[1])

    def socket_url(self) -> str | None:
        """A fresh single-use Socket Mode URL (what `apps.connections.open` returns)."""
        if self._ws_server is None:
            return None
        ticket = uuid.uuid4().hex
        with self._socket_lock:
            self._tickets.add(ticket)
        return f"ws://127.0.0.1:{self.socket_port}/link/?ticket={ticket}&app_id={APP_ID}"

    # --- connections ------------------------------------------------------

    @property
    def connection_count(self) -> int:
        """How many Socket Mode connections are open now."""
        with self._socket_lock:
            return len(self._connections)

    def wait_connected(self, timeout: float = 5.0, *, count: int = 1) -> None:
        """Block until at least `count` connections are open; TimeoutError otherwise."""
        with self._socket_lock:
            if not self._socket_lock.wait_for(lambda: len(self._connections) >= count, timeout):
                raise TimeoutError(f"no Socket Mode connection within {timeout} s")

    def wait_connects(self, total: int, timeout: float = 5.0) -> None:
        """Block until `total` connections have been made since start (reconnects count)."""
        with self._socket_lock:
            if not self._socket_lock.wait_for(
                lambda: self.connects >= total and bool(self._connections), timeout
            ):
                raise TimeoutError(f"only {self.connects} of {total} connects in {timeout} s")

    def request_reconnect(self, reason: str = "refresh_requested") -> None:
        """Send Slack's `disconnect` message, asking clients to reconnect elsewhere."""
        message = {"type": "disconnect", "reason": reason, "debug_info": {"host": "fakeslack"}}
        for connection in self._open_connections():
            _send_quietly(connection, json.dumps(message))

    def drop_connections(self, *, abrupt: bool = False) -> None:
        """Close every connection: with a close frame (1001), or by cutting the TCP link."""
        for connection in self._open_connections():
            if abrupt:
                with contextlib.suppress(OSError):
                    connection.socket.shutdown(socket.SHUT_RDWR)
                connection.close_socket()
            else:
                threading.Thread(target=connection.close, args=(1001, "going away")).start()

    # --- envelopes --------------------------------------------------------

    def post_envelope(
        self,
        type: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
        timeout: float = 5.0,
    ) -> str:
        """Send an envelope to the newest connection without waiting; return its id.

        `type` is "slash_commands", "interactive" or "events_api". When
        `accepts_response_payload` is None it is set as Slack sets it (True only for
        slash commands).
        """
        self.wait_connected(timeout)
        envelope_id = str(uuid.uuid4())
        if accepts_response_payload is None:
            accepts_response_payload = _ACCEPTS_RESPONSE_PAYLOAD.get(type, False)
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "type": type,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
        }
        if type == "events_api":
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason
        connections = self._open_connections()
        if not connections:
            raise ConnectionError("no Socket Mode connection to send to")
        with self._socket_lock:
            self._deliveries[envelope_id] = Delivery(envelope, time.monotonic())
        connections[-1].send(json.dumps(envelope))
        return envelope_id

    def wait_ack(self, envelope_id: str, timeout: float = ACK_DEADLINE) -> dict[str, Any]:
        """The payload of the ack for `envelope_id` ({} if it had none).

        TimeoutError when no ack came within `timeout`, or within Slack's 3 s counted
        from when the envelope was sent (whichever is first): Slack would have shown
        the person an error by then.
        """
        with self._socket_lock:
            delivery = self._deliveries[envelope_id]
            left = delivery.sent_at + ACK_DEADLINE - time.monotonic()
            wait = min(timeout, max(left, 0.0))
            if not self._socket_lock.wait_for(lambda: delivery.ack is not None, wait):
                kind = delivery.envelope["type"]
                raise TimeoutError(
                    f"no ack for the {kind} envelope within {wait:.2f} s "
                    f"({ACK_DEADLINE:g} s after it was sent, Slack shows an error)"
                )
            assert delivery.ack is not None
            if not delivery.in_time:
                raise TimeoutError(
                    f"the ack came {delivery.acked_at - delivery.sent_at:.2f} s after the "
                    f"envelope was sent: past Slack's {ACK_DEADLINE:g} s"
                )
            payload = delivery.ack.get("payload")
            return payload if isinstance(payload, dict) else {}

    def send_envelope(
        self,
        type: str,
        payload: dict[str, Any],
        accepts_response_payload: bool | None = None,
        timeout: float = ACK_DEADLINE,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Send an envelope and wait for the app's ack (at most Slack's 3 s); return the
        ack's payload or {}."""
        envelope_id = self.post_envelope(
            type,
            payload,
            accepts_response_payload=accepts_response_payload,
            timeout=timeout,
            **kwargs,
        )
        return self.wait_ack(envelope_id, timeout)

    @property
    def deliveries(self) -> list[Delivery]:
        """Every envelope sent, in order, with its ack (None while unanswered)."""
        with self._socket_lock:
            return sorted(self._deliveries.values(), key=lambda d: d.sent_at)

    # --- server side ------------------------------------------------------

    def _open_connections(self) -> list[ServerConnection]:
        with self._socket_lock:
            return list(self._connections)

    def _check_ticket(self, connection: ServerConnection, request: WsRequest) -> WsResponse | None:
        url = urlsplit(request.path)
        ticket = (parse_qs(url.query).get("ticket") or [""])[0]
        with self._socket_lock:
            valid = url.path.rstrip("/") == "/link" and ticket in self._tickets
            self._tickets.discard(ticket)
        if not valid:
            return connection.respond(401, "invalid or used ticket\n")
        return None

    def _handle_connection(self, connection: ServerConnection) -> None:
        with self._socket_lock:
            count = len(self._connections) + 1
        hello = {
            "type": "hello",
            "num_connections": count,
            "debug_info": {
                "host": "fakeslack",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": APP_ID},
        }
        try:
            connection.send(json.dumps(hello))
        except ConnectionClosed:
            return
        with self._socket_lock:
            self._connections.append(connection)
            self.connects += 1
            self._socket_lock.notify_all()
        try:
            for raw in connection:
                self._on_message(raw)
        except ConnectionClosed:
            pass
        finally:
            with self._socket_lock:
                if connection in self._connections:
                    self._connections.remove(connection)
                self._socket_lock.notify_all()

    def _on_message(self, raw: str | bytes) -> None:
        try:
            message = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            message = {"unreadable": repr(raw)}
        if not isinstance(message, dict):
            message = {"unreadable": repr(raw)}
        with self._socket_lock:
            self.socket_messages.append(message)
            delivery = self._deliveries.get(str(message.get("envelope_id")))
            if delivery is not None and delivery.ack is None:
                delivery.ack = message
                delivery.acked_at = time.monotonic()
            self._socket_lock.notify_all()


def _send_quietly(connection: ServerConnection, text: str) -> None:
    with contextlib.suppress(ConnectionClosed):
        connection.send(text)
