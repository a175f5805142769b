"""Building the Bolt app: one place that wires settings, content and store to the listeners.

Socket Mode, HTTP mode, the WSGI application and the local console all call
`build_app`, so they run the very same listeners.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot import listeners
from bot.config import REDIRECT_PATH, Settings
from bot.content.live import LiveContent
from bot.installations import Installations, slack_client
from bot.listeners.acked import after_ack
from bot.listeners.context import attach
from bot.listeners.followups import FollowUps
from bot.listeners.replies import Deadlines, answer_by_deadline
from bot.log_format import ContextThreadPool, log_context
from bot.oauth_flow import INSTALL_PATH, oauth_flow
from bot.search.meaning import MeaningModel, load_model
from bot.services import Services, utc_now
from bot.slack.message_text import decode_message
from bot.slack.mrkdwn import unescape
from bot.store import Store, make_engine, upgrade


def make_client(settings: Settings) -> WebClient:
    """The Web API client of the app: with SLACK_BOT_TOKEN for one workspace; without a
    token when teams install over OAuth (each request then carries its team's token)."""
    return slack_client(settings, None if settings.many_workspaces else settings.bot_token)


def build_services(
    settings: Settings,
    *,
    now: Callable[[], dt.datetime] = utc_now,
    model: MeaningModel | None = None,
) -> Services:
    """Load content (failing loudly if it is invalid) and open and migrate the store.

    `now` is the one clock of the services and the store (tests choose the time).
    `model` is the meaning model, loaded here unless given: it never changes, so a
    process that builds services many times (the test suite) may load it once."""
    content = LiveContent(settings.content_dir, model or load_model())
    engine = make_engine(settings.database_url)
    upgrade(engine)
    installations = Installations.open(settings, engine) if settings.many_workspaces else None
    return Services(
        settings=settings,
        content=content,
        store=Store(engine, clock=now),
        now=now,
        installations=installations,
    )


class _DropTokenWarning(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN itself and warns that our client's token wins; it does,
    on purpose (the client carries the API URL and retry policy), so the warning is noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


LISTENER_THREADS = 16
"""Bolt's listener threads. They only build acks and quick answers (no Web API call
waits on one: see `bot/listeners/followups.py`), so each is free again within milliseconds."""


def build_app(
    services: Services,
    *,
    client: WebClient | None = None,
    token_verification: bool = True,
    listener_executor: Executor | None = None,
    follow_ups: FollowUps | None = None,
) -> App:
    """The Bolt app; `listener_executor` runs listeners, `follow_ups` the work after the ack
    (pass them to wait for their work when stopping)."""
    settings = services.settings
    app = App(
        # The client carries the bot token; passing it twice only earns a warning.
        signing_secret=settings.signing_secret or "",
        client=client or make_client(settings),
        token_verification_enabled=token_verification,
        logger=_app_logger(),
        listener_executor=listener_executor
        or ContextThreadPool(LISTENER_THREADS, thread_name_prefix="briefbot-listener"),
        **_many_workspaces(services.installations, settings),
    )
    after = follow_ups or FollowUps()

    def later(context: BoltContext, body: dict[str, Any]) -> Callable[[Callable[[], object]], None]:
        return lambda send: after_ack(context, body, send)

    # First, so that Slack's 3 s are counted before anything else runs.
    app.middleware(answer_by_deadline(Deadlines(), later))
    app.middleware(log_context)
    app.middleware(_decode_typed_text)
    app.middleware(_attach_services(services, after))
    listeners.register(app)
    return app


def _many_workspaces(installations: Installations | None, settings: Settings) -> dict[str, Any]:
    """What the app needs to answer each team with its own token: Bolt's OAuth flow and
    authorize on the installation store. Nothing for a single workspace."""
    if installations is None:
        return {}
    where = "from its install page"
    if settings.redirect_uri:
        where = "at " + settings.redirect_uri.removesuffix(REDIRECT_PATH) + INSTALL_PATH
    return {
        "oauth_flow": oauth_flow(settings, installations),
        "authorize": installations.authorize(),
        "user_facing_authorize_error_message": (
            f"briefbot is not installed in this workspace any more. Add it again {where}."
        ),
    }


def _app_logger() -> logging.Logger:
    logger = logging.getLogger("briefbot.app")
    if not any(isinstance(f, _DropTokenWarning) for f in logger.filters):
        logger.addFilter(_DropTokenWarning())
    return logger


def _attach_services(services: Services, follow_ups: FollowUps) -> Callable[..., None]:
    def attach_services(context: BoltContext, next: Callable[[], None]) -> None:
        # Each request keeps the snapshot it started with, even if a reload swaps it meanwhile.
        attach(context, services, follow_ups)
        next()

    return attach_services


def _decode_typed_text(body: dict, next: Callable[[], None]) -> None:
    """Turn what people typed back from Slack's escaped form, once, as each request enters.

    Slack sends a typed `R&D` as `R&amp;D` in a slash command's text and in event text.
    Decoding here, before any listener runs, is the one place every request passes
    (HTTP, Socket Mode and the console alike), so listeners and the core always see the
    text as typed, and everything we send escapes it exactly once on the way out.
    Bolt hands listeners this same dict as `command` and `event["text"]`. A message
    shortcut carries the whole message it was used on: its text and its blocks' texts.
    """
    if isinstance(body.get("command"), str) and isinstance(body.get("text"), str):
        body["text"] = unescape(body["text"])
    event = body.get("event") if body.get("type") == "event_callback" else None
    if isinstance(event, dict) and isinstance(event.get("text"), str):
        event["text"] = unescape(event["text"])
    message = body.get("message") if body.get("type") == "message_action" else None
    if isinstance(message, dict):
        decode_message(message)
    next()
