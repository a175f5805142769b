"""The `briefbot` command line: one subcommand a module in this package.

Each module exposes `register(subparsers)`, which adds its parser and sets
`func` to a callable taking the parsed arguments and returning an exit code.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence

from bot import __version__
from bot.basics import whole_number

# Order is the order `briefbot --help` lists them in.
SUBCOMMAND_MODULES = [
    "bot.cli.lookup",
    "bot.cli.slack",
    "bot.cli.daily",
    "bot.cli.validate",
    "bot.cli.admin",
]


def content_dir_default() -> str:
    return os.environ.get("BRIEFBOT_CONTENT_DIR") or "content"


def add_content_option(parser: argparse.ArgumentParser) -> None:
    """The `--content DIR` option every content-reading subcommand shares."""
    parser.add_argument(
        "--content",
        metavar="DIR",
        default=content_dir_default(),
        help="content folder (default: $BRIEFBOT_CONTENT_DIR, else ./content)",
    )


def number_argument(what: str, low: int, high: int) -> Callable[[str], int]:
    """An argparse `type` reading a whole number from `low` to `high`, as Slack commands
    read one; anything else is refused with `'x' is not WHAT (LOW to HIGH)`."""

    def read(text: str) -> int:
        number = whole_number(text, low, high)
        if number is None:
            raise argparse.ArgumentTypeError(f"'{text}' is not {what} ({low} to {high})")
        return number

    return read


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="briefbot",
        description="Short AI-policy and AI-safety briefs and a glossary, served in Slack.",
    )
    parser.add_argument("--version", action="version", version=f"briefbot {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def default_command() -> list[str]:
    """With no subcommand: the bot itself when Slack tokens are set, else the local console."""
    if "bot.cli.slack" in SUBCOMMAND_MODULES:
        return ["run"] if os.environ.get("SLACK_BOT_TOKEN") else ["console"]
    return ["--help"]


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(args_list or default_command())
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
