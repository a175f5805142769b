"""`briefbot post-daily` (one sweep, from a terminal or cron) and `briefbot clock`.

`post-daily` posts what is due now and not posted yet, exactly like one tick of the
clock, so running it twice (or beside a running bot) posts each channel once.
`clock` is a process that only sweeps every minute, for deployments that run their
Slack-facing replicas with BRIEFBOT_CLOCK=off.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.app import build_services, make_client
from bot.cli import Subparsers, add_command, date_argument
from bot.config import ENV_HELP, ConfigError, Settings
from bot.content.errors import ContentInvalid
from bot.content.live import LiveContent
from bot.daily.declared import load_declared
from bot.daily.sweep import Sweeper
from bot.installations import Installations
from bot.runtime import configure_logging
from bot.services import Services
from bot.store import Store, StoreError, make_engine, upgrade
from bot.store.engine import describe_database_error, memory_engine
from bot.store.migrate import current_revision, head_revision

log = logging.getLogger("briefbot.daily")


def register(subparsers: Subparsers) -> None:
    post = add_command(subparsers, "post-daily", run_post_daily)
    post.add_argument(
        "--date",
        type=date_argument,
        metavar="YYYY-MM-DD",
        help="only posts for this local date; its posts whose time has passed go out "
        "even if they are older than the catch-up window",
    )
    post.add_argument("--channel", metavar="CHANNEL_ID", help="only this channel")
    post.add_argument(
        "--dry-run",
        action="store_true",
        help="show what would be posted and skipped; post and record nothing",
    )
    add_command(subparsers, "clock", run_clock)


def _prepare(needs_token: bool, *, dry_run: bool = False) -> tuple[Settings, Services] | int:
    """Settings, content, store and schedule.yml, or an exit code after saying what is wrong."""
    try:
        settings = Settings.from_env()
    except ConfigError as error:
        print("Configuration errors:\n  " + "\n  ".join(error.problems), file=sys.stderr)
        return 2
    if needs_token and not (settings.bot_token or settings.many_workspaces):
        print(
            f"SLACK_BOT_TOKEN is not set: {ENV_HELP['SLACK_BOT_TOKEN']}.\n"
            "To see what would be posted without it, use `briefbot post-daily --dry-run`.",
            file=sys.stderr,
        )
        return 2
    try:
        services = _dry_run_services(settings) if dry_run else build_services(settings)
        load_declared(settings.content_dir)
    except ContentInvalid as invalid:
        print("The content has errors; fix them and try again:", file=sys.stderr)
        for problem in invalid.errors:
            print(f"  {problem}", file=sys.stderr)
        return 2
    except StoreError as error:
        print(error, file=sys.stderr)
        return 2
    except SQLAlchemyError as error:  # e.g. the migration ran out of the statement timeout
        reason = describe_database_error(error, make_url(settings.database_url))
        print(f"Cannot prepare the database: {reason}.", file=sys.stderr)
        return 2
    if not settings.many_workspaces:
        code = _serve_home_team(services)
        if code:
            return code
    return settings, services


def _serve_home_team(services: Services) -> int:
    """Read and write the rows of the one team the database serves, as `briefbot run` and
    `serve` do once they have adopted the rows kept before rows had a team (until then
    those rows are used as they are, and the next start-up adopts these too); 0, or an
    exit code after saying what is wrong."""
    try:
        teams = services.store.teams_kept()
    except SQLAlchemyError as error:
        reason = describe_database_error(error, services.store.engine.url)
        print(f"stopped: the database failed: {reason}. Nothing was posted.")
        return 3
    if len(teams) > 1:
        names = ", ".join(team for team, _ in teams)
        print(
            f"The database holds the rows of several teams ({names}): it belongs to a "
            "deployment serving many workspaces; set SLACK_CLIENT_ID and SLACK_CLIENT_SECRET.",
            file=sys.stderr,
        )
        return 2
    if teams:
        services.store = services.store.for_team(*teams[0])
    return 0


def run_post_daily(args: argparse.Namespace) -> int:
    """post the daily briefs that are due now and not posted yet

    Post every daily brief that is due now (within the catch-up window) and not posted
    yet, then exit. Safe to run at any time and any number of times, also beside running
    bots: each channel gets each day's post once.
    """
    configure_logging("WARNING")
    prepared = _prepare(needs_token=not args.dry_run, dry_run=args.dry_run)
    if isinstance(prepared, int):
        return prepared
    settings, services = prepared
    try:
        declared = load_declared(settings.content_dir).schedules
        # A dry run sees schedule.yml's channels before any sweep has stored them.
        if args.channel and not (args.dry_run and args.channel in declared):
            code = _check_channel(services, args.channel)
            if code:
                return code
        report = Sweeper(services, make_client(settings)).sweep(
            only_date=args.date, only_channel=args.channel, dry_run=args.dry_run
        )
    finally:
        services.store.engine.dispose()
    for line in report.lines():
        print(line)
    if not report.acted:
        print(report.idle_reason())
    print(("dry run: " if args.dry_run else "") + report.summary())
    if report.database:
        return 3
    if report.stopped:
        return 2
    return 0 if report.ok else 1


def _check_channel(services: Services, channel: str) -> int:
    """0 if `channel` has an active daily brief, else an exit code after saying why not."""
    try:
        subscription = services.store.subscription(channel)
    except SQLAlchemyError as error:
        reason = describe_database_error(error, services.store.engine.url)
        print(f"The database failed: {reason}. Nothing was posted.", file=sys.stderr)
        return 3
    if subscription is None:
        print(
            f"{channel} has no daily brief; subscribe it with `/brief subscribe` "
            "in the channel, or declare it in content/schedule.yml.",
            file=sys.stderr,
        )
        return 1
    if subscription.paused:
        print(
            f"{channel}'s daily brief is paused ({subscription.paused_reason}); "
            "type `/brief subscribe` in the channel to resume it.",
            file=sys.stderr,
        )
        return 1
    return 0


def _dry_run_services(settings: Settings) -> Services:
    """Services over the database as it is, changing nothing in it.

    A SQLite file that does not exist is not created, and no schema is migrated: a
    database without briefbot's tables reads as an empty one, kept in memory.
    """
    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite" or Path(url.database or "").exists():
        engine = make_engine(url)
        revision = current_revision(engine)
        if revision == head_revision():
            teams = Installations.open(settings, engine) if settings.many_workspaces else None
            content = LiveContent(settings.content_dir)
            return Services(settings, content, Store(engine), installations=teams)
        engine.dispose()
        if revision is not None:
            raise StoreError(
                "The database's schema is older than this briefbot's. Run briefbot (or "
                "`briefbot post-daily` without --dry-run) once to migrate it, then try again."
            )
    empty = memory_engine()
    upgrade(empty)
    return Services(settings, LiveContent(settings.content_dir), Store(empty))


def run_clock(args: argparse.Namespace) -> int:
    """only post daily briefs, sweeping every minute (needs SLACK_BOT_TOKEN)

    Sweep for due daily briefs every minute until stopped. Run one such process and set
    BRIEFBOT_CLOCK=off for `briefbot run`/`serve` if you want a single scheduler; several
    are safe too.
    """
    from bot.daily.clock import DailyClock
    from bot.jobs.content_notices import start_watching

    prepared = _prepare(needs_token=True)
    if isinstance(prepared, int):
        return prepared
    settings, services = prepared
    configure_logging(settings.log_level, settings.log_format)
    client = make_client(settings)
    stopped = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        log.info("signal %d: stopping the clock", signum)
        stopped.set()

    signal.signal(signal.SIGTERM, on_signal)
    stop_watching = start_watching(services, client)
    # BRIEFBOT_CLOCK=off is for the Slack-facing processes; this one exists to sweep.
    clock = DailyClock(services, client)
    clock.start()
    try:
        while not stopped.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        clock.stop()
        stop_watching()
        services.store.engine.dispose()
    return 0
