"""Running the bot: `run` (Socket Mode), `serve` (HTTP mode) and `console` (no Slack needed)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from bot.cli import Subparsers, add_command, content_dir_default, number_argument
from bot.config import Settings
from bot.runtime import Running, StartupError, configure_logging, load_settings, start
from bot.token_check import Stopped, refused_message

if TYPE_CHECKING:
    from bot.gate import Gate
    from bot.health import Readiness

log = logging.getLogger("briefbot")


PORT = number_argument("a port number", 1, 65535)


def register(subparsers: Subparsers) -> None:
    add_command(subparsers, "run", run_socket_mode)

    serve = add_command(subparsers, "serve", serve_http)
    serve.add_argument("--host", default=os.environ.get("HOST", "0.0.0.0"))
    serve.add_argument(
        "--port", type=PORT, default=None, help="the port to listen on (default: $PORT, else 3000)"
    )
    serve.add_argument(
        "--threads",
        type=number_argument("a number of threads", 1, 1024),
        default=16,
        help="worker threads (default 16)",
    )

    console = add_command(subparsers, "console", run_console)
    console.add_argument("--content", default=content_dir_default())


class StopSignals:
    """SIGTERM (process managers, Heroku) and SIGINT (Ctrl-C) ask for a graceful stop.

    The handlers only set `event`; the code that waits on it finishes what is in
    flight and stops. `code` is the exit code that suits the signal received.
    """

    def __init__(self) -> None:
        self.event = threading.Event()
        self.code = 0
        self._previous: dict[int, Any] = {}
        self._wake: Callable[[], None] | None = None

    def wake_with(self, wake: Callable[[], None]) -> None:
        """Also call `wake` on a signal: for a loop blocked in select(), which Python
        resumes after the handler runs rather than returning early."""
        self._wake = wake

    def __enter__(self) -> StopSignals:
        for number in (signal.SIGTERM, signal.SIGINT):
            self._previous[number] = signal.signal(number, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for number, previous in self._previous.items():
            signal.signal(number, previous)

    def _handle(self, number: int, frame: object) -> None:
        if not self.event.is_set():
            log.info("%s received: finishing work in flight, then stopping", _name(number))
        self.code = 130 if number == signal.SIGINT else 0
        self.event.set()
        if self._wake is not None:
            self._wake()

    def wait(self) -> None:
        # Short waits keep the main thread ready to run the signal handler.
        while not self.event.wait(0.5):
            pass


def _name(number: int) -> str:
    return signal.Signals(number).name


def run_socket_mode(args: argparse.Namespace) -> int:
    """run the bot over Socket Mode (needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN)"""
    from bot.socket_mode import StampingSocketModeHandler

    with StopSignals() as stop:
        try:
            running = start("socket", stopping=stop.event)
        except StartupError as error:
            print(error, file=sys.stderr)
            return 2
        except Stopped:
            return stop.code
        try:
            handler = StampingSocketModeHandler(running.app, running.settings.app_token)
            try:
                handler.connect()
            except SlackApiError as error:
                code = str(error.response.get("error") or "unknown_error")
                print(refused_message("SLACK_APP_TOKEN", code), file=sys.stderr)
                return 2
            log.info("connected to Slack over Socket Mode")
            stop.wait()
            # Closing waits for the envelopes being handled; Running.stop then waits for
            # the listeners' work after the ack, and stops the clock and the watcher.
            handler.close()
        finally:
            running.stop()
    log.info("briefbot stopped")
    return stop.code


DRAIN_S = 10
"""How long a stopping server waits for requests in flight before it closes anyway."""


def serve_http(args: argparse.Namespace) -> int:
    """run the bot over HTTP: POST /slack/events, GET /healthz (needs SLACK_BOT_TOKEN and
    SLACK_SIGNING_SECRET)
    """
    port = args.port
    if port is None:
        # Read here, not as the option's default: a wrong PORT is serve's mistake to
        # report, and no reason for any other command to fail.
        try:
            port = PORT(os.environ.get("PORT") or "3000")
        except argparse.ArgumentTypeError as error:
            print(
                f"PORT {error}; set it to the port to listen on, or pass --port.", file=sys.stderr
            )
            return 2
    from waitress import trigger, wasyncore
    from waitress.channel import HTTPChannel
    from waitress.server import BaseWSGIServer, create_server

    from bot.gate import Gate
    from bot.health import Readiness
    from bot.slack_requests import MAX_BODY_BYTES

    try:
        settings = load_settings("http")
    except StartupError as error:
        print(error, file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_format)
    readiness = Readiness()
    gate = Gate(readiness)
    sockets: dict[Any, Any] = {}  # waitress's socket map: fd -> dispatcher
    with StopSignals() as stop:
        try:
            server = create_server(
                gate,
                map=sockets,
                host=args.host,
                port=port,
                threads=args.threads,
                # A burst of slash commands (a whole team at 9:00) must queue, not be refused.
                connection_limit=1000,
                backlog=2048,
                # An oversized body gets 413 from waitress before it is read (or buffered) at all.
                max_request_body_size=MAX_BODY_BYTES,
                ident="briefbot",
            )
        except OSError as error:
            print(f"briefbot cannot listen on {args.host}:{port}: {error}", file=sys.stderr)
            return 2
        log.info(
            "listening on http://%s:%s; GET /healthz answers 503 until briefbot is ready",
            args.host,
            port,
        )
        # Start-up (content, database, Slack's answer to the token) runs beside the server,
        # so /healthz can say what it waits for while it waits.
        starting = Starting(settings, readiness, gate, stop.event)
        starting.thread.start()
        use_poll = server.adj.asyncore_use_poll
        # Without a thunk, pulling only writes a byte to a pipe: safe in a signal handler.
        stop.wake_with(trigger.trigger(sockets).pull_trigger)
        while not stop.event.is_set():
            wasyncore.loop(timeout=0.5, map=sockets, use_poll=use_poll, count=1)
        # No new connections; requests already received are answered and sent. The map
        # holds every listening socket (a host name may give an IPv4 and an IPv6 one, and
        # then `server` is waitress's MultiSocketServer) and every connection.
        for listener in list(sockets.values()):
            if isinstance(listener, BaseWSGIServer):
                listener.accepting = False
        deadline = time.monotonic() + DRAIN_S
        while time.monotonic() < deadline and any(
            channel.requests or channel.total_outbufs_len
            for channel in list(sockets.values())
            if isinstance(channel, HTTPChannel)
        ):
            wasyncore.loop(timeout=0.05, map=sockets, use_poll=use_poll, count=1)
        server.task_dispatcher.shutdown(timeout=DRAIN_S)
        starting.thread.join(DRAIN_S)
        if starting.running is not None:
            starting.running.stop()
        server.close()
    if starting.error:
        print(starting.error, file=sys.stderr)
        return 2
    log.info("briefbot stopped")
    return stop.code


class Starting:
    """`start("http")` in a thread of its own; a failure stops the server it serves."""

    def __init__(
        self, settings: Settings, readiness: Readiness, gate: Gate, stopping: threading.Event
    ) -> None:
        self.settings, self.readiness, self.gate, self.stopping = (
            settings,
            readiness,
            gate,
            stopping,
        )
        self.running: Running | None = None
        self.error: str | None = None
        self.thread = threading.Thread(target=self._run, name="briefbot-start", daemon=True)

    def _run(self) -> None:
        try:
            running = start(
                "http", settings=self.settings, readiness=self.readiness, stopping=self.stopping
            )
        except Stopped:
            return
        except StartupError as error:
            self.error = str(error)
        except Exception as error:  # a bug, not a setting: keep its traceback in the log
            log.exception("briefbot could not start")
            self.error = f"briefbot could not start: {error}"
        else:
            self.running = running
            self.gate.open(running.app, self.settings.signing_secret or "")
            return
        self.readiness.waiting("start-up failed")
        self.stopping.set()


def run_console(args: argparse.Namespace) -> int:
    """try briefbot in this terminal, with a local stand-in for Slack"""
    from bot.console import run

    return run(content_dir=args.content)
