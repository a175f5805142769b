"""Starting briefbot for real: settings, services, the Bolt app and its background jobs.

Each way of running (Socket Mode, HTTP, WSGI) is a few lines on top of `start`.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from slack_bolt import App
from sqlalchemy.exc import SQLAlchemyError

from bot import log_redaction
from bot.app import LISTENER_THREADS, build_app, build_services, make_client
from bot.config import ConfigError, Settings, missing_tokens_message
from bot.content.errors import ContentInvalid
from bot.gate import WsgiApp, wsgi_application
from bot.health import Readiness
from bot.listeners.followups import FollowUps
from bot.log_format import handler as log_format_handler
from bot.services import Services
from bot.store import StoreError
from bot.token_check import TokenRefused, verify_bot_token

log = logging.getLogger("briefbot")


class StartupError(Exception):
    """briefbot cannot start; the message says why and what to do."""


@dataclass
class Running:
    settings: Settings
    services: Services
    app: App
    listeners: ThreadPoolExecutor | None = None
    """Where Bolt runs listeners; stopping waits for the work they have in flight."""
    follow_ups: FollowUps | None = None
    """Where listeners' work after the ack runs (posts, threads, the Home tab)."""
    stoppers: list = field(default_factory=list)

    def stop(self) -> None:
        """Let listeners finish what they started, then stop the background jobs."""
        if self.listeners is not None:
            self.listeners.shutdown(wait=True)
        if self.follow_ups is not None:  # after the listeners, which hand work to it
            self.follow_ups.shutdown()
        for stop in reversed(self.stoppers):
            stop()


def configure_logging(level: str = "INFO", log_format: str = "text") -> None:
    """Log to stderr at `level`, as text or JSON lines (BRIEFBOT_LOG_FORMAT)."""
    logging.basicConfig(level=level, handlers=[log_format_handler(log_format)])
    log_redaction.install()


def load_settings(mode: str) -> Settings:
    try:
        settings = Settings.from_env()
    except ConfigError as error:
        raise StartupError("Configuration errors:\n  " + "\n  ".join(error.problems)) from None
    if settings.many_workspaces and mode != "http":
        raise StartupError(
            "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET let many workspaces install briefbot, "
            "which runs over HTTP: start it with `briefbot serve`, or unset both to serve "
            "one workspace over Socket Mode with SLACK_BOT_TOKEN and SLACK_APP_TOKEN."
        )
    missing = settings.missing_for(mode)
    if missing:
        raise StartupError(missing_tokens_message(missing, mode))
    return settings


def start(
    mode: str,
    *,
    background: bool = True,
    settings: Settings | None = None,
    readiness: Readiness | None = None,
    stopping: threading.Event | None = None,
) -> Running:
    """Read settings, load content, migrate the store, check the token with Slack, build
    the app and start its jobs.

    `readiness` hears what start-up waits for; setting `stopping` while Slack is out of
    reach makes this raise `token_check.Stopped`.
    """
    if settings is None:
        settings = load_settings(mode)
        configure_logging(settings.log_level, settings.log_format)
    readiness = readiness or Readiness()
    readiness.waiting("loading content and opening the database")
    try:
        services = build_services(settings)
    except ContentInvalid as invalid:
        raise StartupError(
            "The content has errors; fix them and start again:\n"
            + "\n".join(f"  {error}" for error in invalid.errors)
        ) from None
    except StoreError as error:
        raise StartupError(str(error)) from None
    client = make_client(settings)
    if services.installations is None:
        readiness.waiting("waiting for Slack to accept SLACK_BOT_TOKEN")
        try:
            identity = verify_bot_token(
                client, stopping=stopping or threading.Event(), waiting=readiness.waiting
            )
        except TokenRefused as refused:
            raise StartupError(str(refused)) from None
        log.info(
            "Slack accepted the bot token: %s in %s", identity.get("user"), identity.get("team")
        )
        adopt_home_team(services, identity.get("team_id"), identity.get("enterprise_id"))
    else:
        # No token to check: each team's comes from its installation, request by request.
        log.info("serving many workspaces: teams install briefbot at /slack/install")
    follow_ups = FollowUps()
    # Counted with the follow-ups: /healthz?verbose=1 reports both as `in_flight`.
    listeners = follow_ups.listener_pool(LISTENER_THREADS)
    # The token was just checked; Bolt would otherwise check it again, without retries.
    app = build_app(
        services,
        client=client,
        token_verification=False,
        listener_executor=listeners,
        follow_ups=follow_ups,
    )
    running = Running(settings, services, app, listeners, follow_ups)
    if background:
        start_background_jobs(running)
    readiness.ready(services, in_flight=lambda: follow_ups.in_flight)
    log.info(
        "briefbot ready: %d briefs, %d terms, content %s",
        len(services.library.briefs),
        len(services.library.terms),
        services.library.version,
    )
    return running


def adopt_home_team(services: Services, team_id: str | None, enterprise_id: str | None) -> None:
    """Serve the one team the bot token belongs to: its store reads and writes that team's
    rows, and rows written before rows had a team (a database upgraded from revision 0006
    or earlier) become that team's, once, in one transaction."""
    team = team_id or ""
    if not team:
        return
    services.store = services.store.for_team(team, enterprise_id or None)
    try:
        moved = services.store.adopt_rows()
    except SQLAlchemyError as error:
        raise StartupError(
            f"could not give the rows kept so far to the team {team}: {error}"
        ) from None
    if moved:
        log.info("the rows kept so far (%d) are now the team %s's", moved, team)


def start_background_jobs(running: Running) -> None:
    """Jobs that run beside the listeners in every long-lived process."""
    for start_job in background_jobs():
        running.stoppers.append(start_job(running.services, running.app.client))


def background_jobs() -> list:
    """Each job is `start(services, client) -> stop`; new jobs are listed here.

    Serving many workspaces, each team's work goes out with its own token (see
    `bot.daily.sweep`), so every job runs in both modes.
    """
    from bot.daily.clock import start_clock
    from bot.jobs.content_notices import start_watching

    return [start_watching, start_clock]


def start_http_runtime() -> WsgiApp:
    readiness = Readiness()
    running = start("http", readiness=readiness)
    return wsgi_application(running.app, readiness, running.settings.signing_secret or "")
