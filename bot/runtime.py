"""Starting briefbot for real: settings, services, the Bolt app and its background jobs.

Each way of running (Socket Mode, HTTP, WSGI) is a few lines on top of `start`.
"""

from __future__ import annotations

import gc
import logging
import sys
from dataclasses import dataclass, field

from slack_bolt import App

from bot import log_redaction
from bot.app import build_app, build_services
from bot.config import ConfigError, Settings, missing_tokens_message
from bot.content.errors import ContentInvalid
from bot.services import Services
from bot.wsgi import WsgiApp, wsgi_application

log = logging.getLogger("briefbot")


class StartupError(Exception):
    """briefbot cannot start; the message says why and what to do."""


@dataclass
class Running:
    settings: Settings
    services: Services
    app: App
    stoppers: list = field(default_factory=list)

    def stop(self) -> None:
        for stop in reversed(self.stoppers):
            stop()


def configure_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    log_redaction.install()


def load_settings(mode: str) -> Settings:
    try:
        settings = Settings.from_env()
    except ConfigError as error:
        raise StartupError("Configuration errors:\n  " + "\n  ".join(error.problems)) from None
    missing = settings.missing_for(mode)
    if missing:
        raise StartupError(missing_tokens_message(missing, mode))
    return settings


def start(mode: str, *, background: bool = True) -> Running:
    """Read settings, load content, migrate the store, build the app and start its jobs."""
    settings = load_settings(mode)
    configure_logging(settings.log_level)
    try:
        services = build_services(settings)
    except ContentInvalid as invalid:
        raise StartupError(
            "The content has errors; fix them and start again:\n"
            + "\n".join(f"  {error}" for error in invalid.errors)
        ) from None
    # Ten thousand briefs are a few million long-lived objects: freezing them keeps the
    # cyclic collector from walking them all again in the middle of a later reload.
    gc.freeze()
    app = build_app(services)
    running = Running(settings, services, app)
    if background:
        start_background_jobs(running)
    log.info(
        "briefbot ready: %d briefs, %d terms, content %s",
        len(services.library.briefs),
        len(services.library.terms),
        services.library.version,
    )
    return running


def start_background_jobs(running: Running) -> None:
    """Jobs that run beside the listeners in every long-lived process."""
    for start_job in background_jobs():
        running.stoppers.append(start_job(running.services, running.app.client))


def background_jobs() -> list:
    """Each job is `start(services, client) -> stop`; new jobs are listed here."""
    from bot.content.watch import start_watching
    from bot.daily.clock import start_clock

    return [start_watching, start_clock]


def start_http_runtime() -> WsgiApp:
    running = start("http")
    return wsgi_application(running.app, running.services)
