"""The hot-reload job: watch the content, log every reload, tell admins what broke.

`bot.content.watch` watches the folder and reloads; every reload's result reaches the
listeners of `LiveContent`. This job adds the listener that logs each result and, once
per distinct set of errors, sends every admin in BRIEFBOT_ADMINS a direct message; when
the files are fixed, the next reload says so.

With BRIEFBOT_WATCH=off nothing is watched, and `/brief reload` still reports.
Every replica watches and reloads on its own and logs the version it serves.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from queue import Queue
from typing import TYPE_CHECKING, Literal

from bot.content.errors import ContentError
from bot.content.live import ReloadResult
from bot.content.watch import POLL_SECONDS, QUIET_SECONDS, ContentWatcher
from bot.installations import Installations
from bot.replica import replica_name
from bot.slack.admin_blocks import content_errors_message, content_recovered_message, error_lines

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.services import Services
    from bot.slack.blocks import Message

log = logging.getLogger("briefbot.watch")


# -- telling admins ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReportState:
    """What admins were last told: the errors they know about, or None while all is well."""

    failing: frozenset[ContentError] | None = None


@dataclass(frozen=True, slots=True)
class AdminReport:
    kind: Literal["errors", "recovered"]
    result: ReloadResult


def next_report(state: ReportState, result: ReloadResult) -> tuple[ReportState, AdminReport | None]:
    """Whether a reload is news for the admins: new errors, or content good again.

    The same errors seen again (another save of the still-broken file) are not news;
    a different set of errors is.
    """
    if result.errors:
        errors = frozenset(result.errors)
        if state.failing == errors:
            return state, None
        return ReportState(errors), AdminReport("errors", result)
    if state.failing is not None:
        return ReportState(None), AdminReport("recovered", result)
    return state, None


Send = Callable[[str, "Message"], None]
"""Send a message to one Slack user id."""


class Outbox:
    """Sends messages from a thread of its own, in order, so a reload never waits on Slack."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self._queue: Queue[tuple[str, Message] | None] = Queue()
        self._thread = threading.Thread(target=self._run, name="briefbot-admin-dm", daemon=True)
        self._thread.start()

    def put(self, user_id: str, message: Message) -> None:
        self._queue.put((user_id, message))

    def close(self, timeout: float = 5.0) -> None:
        """Send what is queued (waiting at most `timeout`), then stop."""
        self._queue.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            user_id, message = item
            try:
                self._send(user_id, message)
            except Exception as error:  # the log already holds the errors themselves
                log.warning("could not send a direct message to admin %s: %s", user_id, error)


def slack_sender(client: WebClient) -> Send:
    """Send as a direct message from the bot (chat.postMessage with the user's id)."""

    def send(user_id: str, message: Message) -> None:
        client.chat_postMessage(
            channel=user_id,
            text=message.text,
            blocks=message.blocks_json(),
            unfurl_links=False,
            unfurl_media=False,
        )

    return send


def installed_sender(installations: Installations) -> Send:
    """Serving many workspaces: send with the token of the team the admin installed
    briefbot in (see `Installations.team_installed_by`)."""

    def send(user_id: str, message: Message) -> None:
        where = installations.team_installed_by(user_id)
        if where is None:
            raise LookupError(
                "serving many workspaces, an admin is reached in a workspace they installed "
                "briefbot in, and this one installed it in none"
            )
        slack_sender(installations.client_for_team(*where))(user_id, message)

    return send


class ReloadReporter:
    """A `LiveContent` listener: logs every reload, tells admins about news once.

    Admins are told by direct message about a new set of errors and about the content
    becoming valid again; an admin who asked for the reload (`/brief reload`) already
    sees the answer and gets no message.
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        admins: Iterable[str],
        send: Send | None,
        *,
        replica: str | None = None,
    ) -> None:
        self.root = os.fspath(root)
        self.admins = tuple(sorted(admins))
        self.replica = replica or replica_name()
        self._state = ReportState()
        self._lock = threading.Lock()
        self._outbox = Outbox(send) if send is not None and self.admins else None

    def __call__(self, result: ReloadResult) -> None:
        with self._lock:
            self._log(result)
            self._state, report = next_report(self._state, result)
        if report is None or self._outbox is None:
            return
        if report.kind == "errors":
            message = content_errors_message(result, self.root, replica=self.replica)
        else:
            message = content_recovered_message(result, replica=self.replica)
        for admin in self.admins:
            if admin != result.requested_by:
                self._outbox.put(admin, message)

    def close(self) -> None:
        if self._outbox is not None:
            self._outbox.close()

    def _log(self, result: ReloadResult) -> None:
        library = result.library
        timing = f"{result.files_parsed} files read in {result.seconds * 1000:.0f} ms"
        if result.errors:
            if self._state.failing == frozenset(result.errors):
                log.info(
                    "content still has the same %d errors (already reported); serving %s",
                    len(result.errors),
                    library.version,
                )
                return
            log.warning(
                "content has %d errors, not loaded; still serving version %s on %s:\n  %s",
                len(result.errors),
                library.version,
                self.replica,
                "\n  ".join(error_lines(result.errors, self.root)),
            )
        elif self._state.failing is not None:
            log.warning(
                "content is valid again: serving version %s (%d briefs, %d terms) on %s; %s",
                library.version,
                len(library.briefs),
                len(library.terms),
                self.replica,
                timing,
            )
        elif result.changed:
            log.info(
                "content reloaded (%s): serving version %s (%d briefs, %d terms), was %s; %s",
                result.trigger,
                library.version,
                len(library.briefs),
                len(library.terms),
                result.previous_version,
                timing,
            )
        else:
            log.debug(
                "content reloaded (%s): unchanged, version %s; %s",
                result.trigger,
                library.version,
                timing,
            )


# -- the background job --------------------------------------------------------------


class WatchJob:
    """The running hot-reload job: call it to stop. `watcher` is None with BRIEFBOT_WATCH=off."""

    def __init__(
        self,
        watcher: ContentWatcher | None,
        reporter: ReloadReporter,
        remove_listener: Callable[[], None],
    ) -> None:
        self.watcher = watcher
        self.reporter = reporter
        self._remove_listener = remove_listener

    def __call__(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()
        self._remove_listener()
        self.reporter.close()


def start_watching(
    services: Services,
    client: WebClient,
    *,
    quiet: float = QUIET_SECONDS,
    poll_interval: float = POLL_SECONDS,
) -> WatchJob:
    """Report every reload (log, admin DMs) and, unless BRIEFBOT_WATCH=off, watch the
    content folder. Returns the callable that stops both."""
    settings = services.settings
    live = services.content
    installations = services.installations
    send = slack_sender(client) if installations is None else installed_sender(installations)
    reporter = ReloadReporter(live.root, settings.admins, send)
    remove_listener = live.add_listener(reporter)
    watcher: ContentWatcher | None = None
    if settings.watch != "off":
        watcher = ContentWatcher(
            live, mode=settings.watch, quiet=quiet, poll_interval=poll_interval
        ).start()
    log.info(
        "content %s on %s: %s; %d admins told about errors",
        live.current.version,
        reporter.replica,
        f"watching {os.path.abspath(live.root)} ({settings.watch})"
        if watcher
        else "not watching (BRIEFBOT_WATCH=off; /brief reload reloads)",
        len(reporter.admins),
    )
    return WatchJob(watcher, reporter, remove_listener)
