"""Hot reload: watch the content folder and reload once edits settle.

Editors save by writing a temporary file and renaming it over the old one, and
`git pull` or a deploy touches many files at once. So changes are collected until the
folder has been quiet for a moment (`QUIET_SECONDS`), and only then is everything
loaded and validated again and, if good, swapped in as one snapshot
(`LiveContent.reload`). A bad edit never takes content away: the last good snapshot
keeps serving. Each reload's `ReloadResult` goes to the listeners of `LiveContent`;
logging it and telling admins is `bot.jobs.content_notices`' job, outside this package.
A changed file that looks half-written (empty, or not ending with a line break) is
waited for, up to `MAX_WAIT_SECONDS`, since a file cut mid-way can still be valid YAML.

BRIEFBOT_WATCH picks how changes are noticed:

- `events` (default): file system events through watchfiles (inotify, FSEvents, …);
- `poll`: compare every content file's stat once a second, for network file systems
  and containers where events do not arrive (also the fallback when events cannot be
  set up, e.g. past the inotify watch limit);
- `off`: nothing is watched; `/brief reload` still works and still reports.

Every replica watches and reloads on its own and logs the version it serves.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from bot.content.files import RefusedFile, open_content_file
from bot.content.layout import BRIEFS_DIR, GLOSSARY_DIR, GLOSSARY_FILE, is_content_name
from bot.content.live import LiveContent

log = logging.getLogger("briefbot.watch")

QUIET_SECONDS = 0.5
"""Reload once no file in the folder changed for this long."""
POLL_SECONDS = 1.0
"""How often `poll` mode compares the files' stat."""
MAX_WAIT_SECONDS = 10.0
"""Reload at the latest this long after the first change, even if changes never stop."""
TICK_SECONDS = 0.1
"""How often the events watcher wakes up without changes to see whether edits settled."""
RETRY_SECONDS = 2.0
"""How long to wait before watching again after the watcher failed or the folder vanished."""

FULL = "full"
"""`classify_change` for a change that needs every file looked at again."""


# -- which changes matter ------------------------------------------------------------


def classify_change(roots: Iterable[str], path: str) -> str | None:
    """What a changed `path` means for content under one of `roots` (the same folder,
    spelled as given and with symlinks resolved).

    Returns the path itself for a content file (reload looking at that file), FULL when
    the folder's layout changed (reload looking at everything), or None for a change
    the loader never reads: editor temp and backup files, schemas/, .git/, schedule.yml.
    """
    relative = None
    for root in roots:
        if path == root:
            return FULL
        if path.startswith(root.rstrip(os.sep) + os.sep):
            relative = path[len(root.rstrip(os.sep)) + 1 :]
            break
    if relative is None:
        return FULL  # outside the folder as we know it: a symlinked folder moved
    parts = relative.split(os.sep)
    first = parts[0]
    if first.startswith(".."):
        # Kubernetes and similar atomic writers swap a `..data` symlink to a new folder.
        return FULL
    if len(parts) == 1:
        if first == GLOSSARY_FILE:
            return path
        return FULL if first in (BRIEFS_DIR, GLOSSARY_DIR) else None
    if len(parts) == 2 and first in (BRIEFS_DIR, GLOSSARY_DIR) and is_content_name(parts[1]):
        return path
    return None


@dataclass(frozen=True, slots=True)
class PendingReload:
    """The changes collected since the last reload."""

    paths: frozenset[str] = frozenset()
    full: bool = False

    @property
    def due(self) -> bool:
        return self.full or bool(self.paths)

    def add(self, roots: Iterable[str], changed: Iterable[str]) -> PendingReload:
        roots = tuple(roots)
        paths, full = set(self.paths), self.full
        for path in changed:
            kind = classify_change(roots, path)
            if kind == FULL:
                full = True
            elif kind is not None:
                paths.add(kind)
        return PendingReload(frozenset(paths), full)

    def hint(self) -> frozenset[str] | None:
        """The `changed` argument for `LiveContent.reload`: None to look at everything."""
        return None if self.full else self.paths


# -- watching ------------------------------------------------------------------------


def unfinished_files(paths: Iterable[str], root: str | os.PathLike[str]) -> frozenset[str]:
    """The files among `paths` that look like they are still being written: empty, or
    not ending with a line break.

    Editors and YAML writers end a file with a line break, while a file written in
    place and cut off mid-way almost never ends exactly at one. Such a cut can still be
    valid YAML (half a paragraph is still text), and validation would then let half a
    brief through; waiting a little for the rest avoids that.
    """
    unfinished = set()
    fence = os.path.realpath(root)
    for path in paths:
        try:
            # Regular files only, opened without blocking: a named pipe would hang here.
            fd = open_content_file(path, fence)
        except (OSError, RefusedFile):
            continue  # gone, unreadable or no file at all: the loader will say so
        try:
            size = os.fstat(fd).st_size
            last = os.pread(fd, 1, size - 1) if size else b""
        except OSError:
            continue
        finally:
            os.close(fd)
        if not size or last not in (b"\n", b"\r"):
            unfinished.add(path)
    return frozenset(unfinished)


Snapshot = dict[str, tuple[int, ...]]


def content_snapshot(root: str) -> Snapshot:
    """The stat of every file the loader reads (and whether its folders exist), for polling."""
    snapshot: Snapshot = {}
    for folder in (BRIEFS_DIR, GLOSSARY_DIR):
        directory = os.path.join(root, folder)
        try:
            entries = list(os.scandir(directory))
            snapshot[directory] = (os.stat(directory).st_ino,)
        except OSError:
            continue
        for entry in entries:
            if not is_content_name(entry.name):
                continue
            try:
                st = entry.stat()  # follows symlinks, so a swapped target shows up
            except OSError:
                continue
            snapshot[entry.path] = (st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns)
    glossary = os.path.join(root, GLOSSARY_FILE)
    try:
        st = os.stat(glossary)
    except OSError:
        pass
    else:
        snapshot[glossary] = (st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns)
    return snapshot


def snapshot_changes(before: Snapshot, after: Snapshot) -> set[str]:
    return {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}


class ContentWatcher:
    """Watches `live.root` from a thread of its own and reloads when changes settle.

    `ready` is set once the watcher is watching, so changes made after that are seen.
    """

    def __init__(
        self,
        live: LiveContent,
        *,
        mode: str = "events",
        quiet: float = QUIET_SECONDS,
        poll_interval: float = POLL_SECONDS,
        max_wait: float = MAX_WAIT_SECONDS,
    ) -> None:
        if mode not in ("events", "poll"):
            raise ValueError(f"mode must be 'events' or 'poll', not {mode!r}")
        self.live = live
        self.mode = mode
        self.quiet = quiet
        self.poll_interval = poll_interval
        self.max_wait = max_wait
        self.ready = threading.Event()
        self.waiting_for: frozenset[str] = frozenset()
        """Changed files that look half-written; the reload waits for them (see
        `unfinished_files`) for at most `max_wait`."""
        self.reloads = 0
        """Reloads this watcher asked for."""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> ContentWatcher:
        self._thread = threading.Thread(
            target=self._run, name="briefbot-content-watch", daemon=True
        )
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    # The loop: watch until the folder vanishes or the watcher fails, then start over
    # with a full reload, since changes may have been missed meanwhile.

    def _run(self) -> None:
        first = True
        while not self._stop.is_set():
            root = os.path.abspath(self.live.root)
            if not os.path.isdir(root):
                self._stop.wait(RETRY_SECONDS)
                continue
            catch_up, first = not first, False
            try:
                self._watch(root, catch_up=catch_up)
            except Exception as error:
                if self.mode == "events" and not self.ready.is_set():
                    log.warning(
                        "cannot watch %s for file system events (%s); polling it every %g s "
                        "instead (set BRIEFBOT_WATCH=poll to make that the choice)",
                        root,
                        error,
                        self.poll_interval,
                    )
                    self.mode = "poll"
                else:
                    log.exception("content watcher failed; watching again in %g s", RETRY_SECONDS)
                    self._stop.wait(RETRY_SECONDS)

    def _watch(self, root: str, *, catch_up: bool = False) -> None:
        """Watch until stopped or the folder goes; `catch_up` reloads everything once
        settled, for changes made while nothing was watching."""
        real = os.path.realpath(root)
        roots = (root, real)
        batches = self._event_batches(root) if self.mode == "events" else self._poll_batches(root)
        pending = PendingReload(full=catch_up)
        first_change: float | None = time.monotonic() if catch_up else None
        last_change = first_change or 0.0
        for batch in batches:
            self.ready.set()
            now = time.monotonic()
            if batch:
                last_change = now
                pending = pending.add(roots, batch)
                if pending.due:
                    first_change = first_change or now
                if first_change is not None and now - first_change >= self.max_wait:
                    self._reload(pending)
                    pending, first_change = PendingReload(), None
                continue
            # A tick with no changes: reload once nothing changed for `quiet`.
            if pending.due and now - last_change >= self.quiet:
                self.waiting_for = unfinished_files(pending.paths, self.live.root)
                if self.waiting_for and first_change and now - first_change < self.max_wait:
                    log.debug("waiting for half-written files: %s", sorted(self.waiting_for))
                    continue
                self._reload(pending)
                pending, first_change = PendingReload(), None
                self.waiting_for = frozenset()
            if not os.path.isdir(root) or os.path.realpath(root) != real:
                # Removed, or a symlink now points elsewhere: say so (the last good content
                # keeps serving) and watch it afresh.
                self._reload(PendingReload(full=True))
                return
        # The stop event ended the batches.

    def _event_batches(self, root: str) -> Iterator[set[str]]:
        import watchfiles

        for changes in watchfiles.watch(
            root,
            watch_filter=None,  # every change, even ignored ones, means "not settled yet"
            debounce=1000,
            step=50,
            rust_timeout=max(1, round(min(self.quiet, TICK_SECONDS) * 1000)),
            yield_on_timeout=True,
            stop_event=self._stop,
            raise_interrupt=False,
            force_polling=False,
            ignore_permission_denied=True,
        ):
            yield {path for _change, path in changes}

    def _poll_batches(self, root: str) -> Iterator[set[str]]:
        # Our own polling rather than watchfiles' force_polling, which compares
        # modification times in whole seconds and so misses a second save within
        # the same second.
        before = content_snapshot(root)
        yield set()
        while not self._stop.wait(self.poll_interval):
            after = content_snapshot(root)
            yield snapshot_changes(before, after)
            before = after

    def _reload(self, pending: PendingReload) -> None:
        try:
            self.live.reload(pending.hint(), trigger="watch")
        except Exception:
            log.exception("reloading the content failed; still serving the last good content")
        finally:
            self.reloads += 1
