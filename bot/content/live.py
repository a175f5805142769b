"""The content being served now, and reloading it without a restart.

`current` is one immutable Library; a reload builds a whole new one and swaps the
reference in a single assignment, so a request that already holds the old snapshot
finishes with it, and a bad edit never replaces good content.

Whoever needs to react to reloads (the admin notifier, the log) registers a listener
with `add_listener`; every reload, whether the file watcher, `/brief reload` or a
test asked for it, goes through `reload` and reaches every listener in order.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.content.errors import ContentError, ContentInvalid
from bot.content.library import Library
from bot.content.loader import ContentLoader
from bot.search.meaning import MeaningModel

log = logging.getLogger(__name__)

ReloadListener = Callable[["ReloadResult"], None]


@dataclass(frozen=True, slots=True)
class ReloadResult:
    """What one reload did: the library now served, and the errors if the new content was bad."""

    library: Library
    """The library served after this reload: the new one, or the last good one on errors."""
    changed: bool
    """True when a different version is now served."""
    errors: tuple[ContentError, ...] = ()
    at: dt.datetime | None = None
    previous_version: str | None = None
    """The version served before this reload."""
    seconds: float = 0.0
    """How long loading, validating and indexing took."""
    files_parsed: int = 0
    """How many files had to be read again (the others came from the loader's cache)."""
    trigger: str = ""
    """What asked for the reload: "start", "watch", "command", "test", …"""
    requested_by: str | None = None
    """The Slack user who asked for it (`/brief reload`), if anyone did."""

    @property
    def ok(self) -> bool:
        return not self.errors


class LiveContent:
    """Holds the current Library and replaces it only with content that loaded cleanly."""

    def __init__(self, root: Path | str, model: MeaningModel | None = None) -> None:
        self.root = Path(root)
        # The model is loaded once by whoever starts the bot and kept here: every reload
        # embeds the changed briefs with the same one.
        self._loader = ContentLoader(self.root, model)
        self._lock = threading.Lock()
        self._listeners: list[ReloadListener] = []
        started = time.perf_counter()
        self._library = self._loader.load()  # start-up with bad content is an error
        now = dt.datetime.now(dt.UTC)
        self.last_reload = ReloadResult(
            self._library,
            True,
            at=now,
            seconds=time.perf_counter() - started,
            files_parsed=self._loader.files_parsed,
            trigger="start",
        )
        self.last_good_at: dt.datetime = now
        """When the content now served was last confirmed good (loaded without errors)."""
        self.reloads = 0
        """How many reloads ran since start-up, good or bad."""

    @property
    def current(self) -> Library:
        return self._library

    def errors_with(self, path: str | os.PathLike[str], text: str) -> tuple[ContentError, ...]:
        """The errors `briefbot validate` would report if `path` held `text` (see
        `ContentLoader.errors_with`); () when the content would load."""
        return self._loader.errors_with(path, text.encode("utf-8"))

    def add_listener(self, listener: ReloadListener) -> Callable[[], None]:
        """Call `listener(result)` after every reload; returns a function that removes it.

        Listeners run in reload order while the next reload waits, so they must be quick
        (hand slow work such as Slack messages to a thread of their own).
        """
        with self._lock:
            self._listeners.append(listener)

        def remove() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return remove

    def reload(
        self,
        changed: Iterable[str | os.PathLike[str]] | None = None,
        *,
        trigger: str = "manual",
        requested_by: str | None = None,
    ) -> ReloadResult:
        """Load everything again; swap it in if valid, else keep serving the last good content.

        `changed`, from a file watcher, names the paths that changed so that only those
        are looked at; None (the default) checks every file.
        """
        with self._lock:
            now = dt.datetime.now(dt.UTC)
            previous = self._library
            started = time.perf_counter()
            try:
                library = self._loader.load(changed)
            except ContentInvalid as invalid:
                library, errors = previous, tuple(invalid.errors)
            else:
                errors = ()
                self.last_good_at = now
                # The one step that makes new content visible; requests already running
                # keep the snapshot they took.
                self._library = library
            result = ReloadResult(
                library,
                library.version != previous.version,
                errors,
                at=now,
                previous_version=previous.version,
                seconds=time.perf_counter() - started,
                files_parsed=self._loader.files_parsed,
                trigger=trigger,
                requested_by=requested_by,
            )
            self.last_reload = result
            self.reloads += 1
            for listener in list(self._listeners):
                try:
                    listener(result)
                except Exception:  # one broken listener must not stop reloads or the others
                    log.exception("content reload listener %r failed", listener)
            return result
