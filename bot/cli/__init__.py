"""The `briefbot` command line: one subcommand a module in this package.

Each module exposes `register(subparsers)`, which adds its parser and sets
`func` to a callable taking the parsed arguments and returning an exit code.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import importlib
import inspect
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeAlias

from bot import __version__
from bot.basics import whole_number
from bot.content.errors import ContentInvalid

if TYPE_CHECKING:
    from bot.content.library import Library
    from bot.search.meaning import MeaningModel

# Order is the order `briefbot --help` lists them in.
SUBCOMMAND_MODULES = [
    "bot.cli.lookup",
    "bot.cli.slack",
    "bot.cli.daily",
    "bot.cli.validate",
    "bot.cli.admin",
]


Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
Run: TypeAlias = Callable[[argparse.Namespace], int]


def add_command(subparsers: Subparsers, name: str, run: Run) -> argparse.ArgumentParser:
    """Subcommand `name`, which runs `run`: the first paragraph of `run`'s docstring is
    its line in `briefbot --help`, the rest what `briefbot NAME --help` tells about it."""
    summary, _, details = (inspect.getdoc(run) or "").partition("\n\n")
    parser = subparsers.add_parser(name, help=summary, description=details or None)
    parser.set_defaults(func=run)
    return parser


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


def date_argument(text: str) -> dt.date:
    """An argparse `type` reading a date written YYYY-MM-DD."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a date; write YYYY-MM-DD, e.g. 2024-05-06"
        ) from None


def fail(message: str, suggestions: Sequence[str] = ()) -> int:
    """Exit code 1, after saying on stderr what is wrong (and what might have been meant)."""
    print(message, file=sys.stderr)
    if suggestions:
        print("Did you mean: " + "; ".join(suggestions), file=sys.stderr)
    return 1


def print_invalid(invalid: ContentInvalid) -> None:
    """Every content error, one a line, and their summary on stderr, as `briefbot validate`
    prints them."""
    for error in invalid.errors:
        print(error, file=sys.stderr)
    print(invalid.summary(), file=sys.stderr)


def load_or_say(content: str, model: MeaningModel | None = None) -> Library | None:
    """The content folder's library (knowing meanings with `model`), or None after
    printing every error as `briefbot validate` does."""
    from bot.content.loader import load_library

    try:
        return load_library(content, model)
    except ContentInvalid as invalid:
        print_invalid(invalid)
        return None


def with_library(
    command: Callable[[argparse.Namespace, Library], int], *, meaning: bool = False
) -> Run:
    """`command` run on the content folder's library (`--content DIR`, knowing meanings
    with `meaning`, for the lookups that use them), or exit 1 after printing every
    content error. `command`'s docstring stays the subcommand's help."""

    @functools.wraps(command)
    def run(args: argparse.Namespace) -> int:
        model = None
        if meaning:
            # Imported only here: numpy and the model (0.1-0.8 s) are for the lookups alone.
            from bot.search.meaning import load_model

            model = load_model()
        library = load_or_say(args.content, model)
        return 1 if library is None else command(args, library)

    return run


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
