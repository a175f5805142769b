"""The content being served now, and reloading it without a restart.

`current` is one immutable Library; a reload builds a whole new one and swaps the
reference in a single assignment, so a request that already holds the old snapshot
finishes with it, and a bad edit never replaces good content.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from bot.content.errors import ContentError, ContentInvalid
from bot.content.library import Library
from bot.content.loader import ContentLoader

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReloadResult:
    """What one reload did: the library now served, and the errors if the new content was bad."""

    library: Library
    changed: bool
    errors: tuple[ContentError, ...] = ()
    at: dt.datetime | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


class LiveContent:
    """Holds the current Library and replaces it only with content that loaded cleanly."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self._loader = ContentLoader(self.root)
        self._lock = threading.Lock()
        self._library = self._loader.load()  # start-up with bad content is an error
        self.last_reload = ReloadResult(self._library, True, at=dt.datetime.now(dt.UTC))

    @property
    def current(self) -> Library:
        return self._library

    def reload(self) -> ReloadResult:
        """Load everything again; swap it in if valid, else keep serving the last good content."""
        with self._lock:
            now = dt.datetime.now(dt.UTC)
            try:
                library = self._loader.load()
            except ContentInvalid as invalid:
                result = ReloadResult(self._library, False, tuple(invalid.errors), at=now)
            else:
                changed = library.version != self._library.version
                self._library = library
                result = ReloadResult(library, changed, at=now)
            self.last_reload = result
            return result
