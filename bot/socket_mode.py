"""Socket Mode: Bolt's handler, with each envelope stamped the moment it arrives.

slack_sdk's client reads envelopes on one thread and queues them for a pool of worker
threads; Slack's 3 s start before a worker picks one up. The stamp, taken as the
WebSocket delivers the envelope, lets the listeners count from there
(`bot/listeners/replies.py`).
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Sequence

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.listeners.replies import RECEIVED_AT

WORKERS = 16
"""Envelopes handled at once; each holds its worker only until its ack (milliseconds)."""

MAX_PENDING_STAMPS = 10_000


class StampingSocketModeHandler(SocketModeHandler):
    """Bolt's Socket Mode handler that tells the app when each envelope arrived."""

    def __init__(self, app: App, app_token: str | None) -> None:
        super().__init__(app, app_token, concurrency=WORKERS)
        self._arrivals: dict[str, float] = {}
        self._lock = threading.Lock()
        self.client.on_message_listeners.append(self._stamp)

    def _stamp(self, message: str) -> None:
        """Runs on the thread that reads the WebSocket, right after the envelope is queued."""
        arrived = time.monotonic()
        if '"envelope_id"' not in message:
            return  # hello, disconnect
        try:
            envelope_id = json.loads(message).get("envelope_id")
        except (ValueError, AttributeError):
            return
        if isinstance(envelope_id, str):
            with self._lock:
                if len(self._arrivals) >= MAX_PENDING_STAMPS:  # envelopes never handled
                    self._arrivals.clear()
                self._arrivals.setdefault(envelope_id, arrived)

    def close(self) -> None:
        """Close as Bolt does, but at once. slack_sdk's client would first wait out its
        reading thread (up to 3 s, its receive timeout, holding the lock that closing
        takes) and its message thread (up to 1 s on an empty queue)."""
        client = self.client
        client.closed = True
        client.auto_reconnect_enabled = False
        client.current_session_state.terminated = True  # no reconnecting after the cut
        client.message_queue.put(None)  # a message it skips: it looks again at once
        sock = getattr(client.current_session, "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # the reading thread's recv returns now
        super().close()

    def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        with self._lock:
            # A worker may take the envelope before the stamp is written: it is "now" then.
            arrived = self._arrivals.pop(req.envelope_id, time.monotonic())
        headers: dict[str, str | Sequence[str]] = {RECEIVED_AT: repr(arrived)}
        if req.retry_attempt is not None:  # as in HTTP mode, so listeners can see retries
            headers["x-slack-retry-num"] = str(req.retry_attempt)
        if req.retry_reason is not None:
            headers["x-slack-retry-reason"] = req.retry_reason
        response = self.app.dispatch(
            BoltRequest(mode="socket_mode", body=req.payload, headers=headers)
        )
        _send_ack(client, req.envelope_id, response)


def _send_ack(client: SocketModeClient, envelope_id: str, response: BoltResponse) -> None:
    if response.status != 200:
        client.logger.info(
            "unsuccessful Bolt execution (status: %s, body: %s)", response.status, response.body
        )
        return
    content_type = (response.headers.get("content-type") or [""])[0]
    if not response.body:
        client.send_socket_mode_response(SocketModeResponse(envelope_id=envelope_id))
    elif content_type.startswith("application/json"):
        payload = json.loads(response.body)
        client.send_socket_mode_response(
            SocketModeResponse(envelope_id=envelope_id, payload=payload)
        )
    else:
        client.send_socket_mode_response(
            SocketModeResponse(envelope_id=envelope_id, payload={"text": response.body})
        )
