"""The baseline for the Slack latency benchmark: a Bolt app whose commands only ack.

Served exactly like `briefbot serve` (Bolt's signature check, the WSGI adapter,
waitress with the same number of threads), so the difference between the two is
what briefbot's own work costs.

    python -m bench.noop_app --port P --api-url URL --secret S --token T
"""

from __future__ import annotations

import argparse
import os

import waitress
from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.gate import EVENTS_PATH


def noop_command(ack: Ack) -> None:
    ack()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--threads", type=int, default=16)
    args = parser.parse_args()
    # Bolt would pick the token up from the environment too and warn that the client's wins.
    os.environ.pop("SLACK_BOT_TOKEN", None)
    app = App(signing_secret=args.secret, client=WebClient(args.token, base_url=args.api_url))
    app.command("/brief")(noop_command)
    app.command("/define")(noop_command)
    from slack_bolt.adapter.wsgi import SlackRequestHandler

    waitress.serve(
        SlackRequestHandler(app, path=EVENTS_PATH),
        host="127.0.0.1",
        port=args.port,
        threads=args.threads,
        connection_limit=1000,
        backlog=2048,
        ident="noop",
    )


if __name__ == "__main__":
    main()
