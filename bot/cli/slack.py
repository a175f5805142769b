"""Running the bot: `run` (Socket Mode), `serve` (HTTP mode) and `console` (no Slack needed)."""

from __future__ import annotations

import argparse
import os
import sys

from bot.runtime import StartupError, start


def register(subparsers: argparse._SubParsersAction) -> None:
    run = subparsers.add_parser(
        "run", help="run the bot over Socket Mode (needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN)"
    )
    run.set_defaults(func=run_socket_mode)

    serve = subparsers.add_parser(
        "serve",
        help="run the bot over HTTP: POST /slack/events, GET /healthz "
        "(needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET)",
    )
    serve.add_argument("--host", default=os.environ.get("HOST", "0.0.0.0"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 3000))
    serve.add_argument("--threads", type=int, default=16, help="worker threads (default 16)")
    serve.set_defaults(func=serve_http)

    console = subparsers.add_parser(
        "console", help="try briefbot in this terminal, with a local stand-in for Slack"
    )
    console.add_argument("--content", default=os.environ.get("BRIEFBOT_CONTENT_DIR") or "content")
    console.set_defaults(func=run_console)


def run_socket_mode(args: argparse.Namespace) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    try:
        running = start("socket")
    except StartupError as error:
        print(error, file=sys.stderr)
        return 2
    try:
        SocketModeHandler(running.app, running.settings.app_token).start()
    finally:
        running.stop()
    return 0


def serve_http(args: argparse.Namespace) -> int:
    import waitress

    from bot.slack_requests import MAX_BODY_BYTES
    from bot.wsgi import wsgi_application

    try:
        running = start("http")
    except StartupError as error:
        print(error, file=sys.stderr)
        return 2
    try:
        waitress.serve(
            wsgi_application(running.app, running.services),
            host=args.host,
            port=args.port,
            threads=args.threads,
            # A burst of slash commands (a whole team at 9:00) must queue, not be refused.
            connection_limit=1000,
            backlog=2048,
            # An oversized body gets 413 from waitress before it is read (or buffered) at all.
            max_request_body_size=MAX_BODY_BYTES,
            ident="briefbot",
        )
    finally:
        running.stop()
    return 0


def run_console(args: argparse.Namespace) -> int:
    from bot.console import run

    return run(content_dir=args.content)
