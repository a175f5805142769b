"""Keeping the store's declared channels in step with content/schedule.yml."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from bot.basics import digest
from bot.content.errors import ContentInvalid
from bot.daily.declared import load_declared, schedule_path
from bot.schedule import Kind, SubscriptionSpec
from bot.store import Store, Subscription, SyncResult

log = logging.getLogger("briefbot.daily")


class ScheduleFileSync:
    """Copies content/schedule.yml into the store whenever its text changes.

    Checked on every sweep; synced only on a change this process has not applied,
    so two replicas briefly running different files during a deploy do not undo
    each other every minute. A broken file is logged once and changes nothing.
    """

    def __init__(self, content_dir: Path) -> None:
        self.path = schedule_path(content_dir)
        self.content_dir = content_dir
        self._applied: bytes | None = None
        self._reported: bytes | None = None
        self._lock = threading.Lock()

    def _digest(self) -> bytes:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return b"absent"
        except OSError as error:
            return f"unreadable {error}".encode()
        return digest(data)

    def read(self) -> Mapping[tuple[str, Kind], SubscriptionSpec] | None:
        """Every subscription schedule.yml declares now, or None if the file has errors."""
        try:
            return load_declared(self.content_dir).subscriptions
        except ContentInvalid:
            return None

    def sync(self, store: Store, *, force: bool = False) -> SyncResult | None:
        with self._lock:
            fingerprint = self._digest()
            if fingerprint == self._applied and not force:
                return None
            try:
                declared = load_declared(self.content_dir)
            except ContentInvalid as invalid:
                if fingerprint != self._reported:
                    self._reported = fingerprint
                    log.error(
                        "%s has errors; the declared channels stay as they were:\n%s",
                        self.path,
                        "\n".join(f"  {error}" for error in invalid.errors),
                    )
                return None
            result = store.sync_declared(declared.subscriptions)
            self._applied = fingerprint
            if result.added or result.updated or result.removed:
                log.info(
                    "declared channels from %s: added %s, updated %s, removed %s",
                    self.path,
                    list(result.added),
                    list(result.updated),
                    list(result.removed),
                )
            return result


def as_synced(
    stored: Iterable[Subscription],
    declared: Mapping[tuple[str, Kind], SubscriptionSpec],
    now: dt.datetime,
) -> list[Subscription]:
    """Every subscription as `Store.sync_declared(declared)` at `now` would leave it: each
    kind, with its days and tags.

    For a dry run, which must show schedule.yml's channels without writing them.
    """
    result = {
        (s.channel_id, Kind(s.kind)): s
        for s in stored
        if not (s.declared and (s.channel_id, Kind(s.kind)) not in declared)
    }
    for (channel, kind), spec in declared.items():
        schedule = spec.schedule
        fields: dict[str, Any] = {
            "post_time": schedule.time_text,
            "timezone": schedule.timezone,
            "days": schedule.days,
            "tags": spec.tags_text,
            "source": "schedule_file",
            "created_by": None,
        }
        existing = result.get((channel, kind))
        if existing is None:
            # What a new declared row starts with, as `Store.sync_declared` inserts it.
            new: dict[str, Any] = {"channel_id": channel, "kind": kind.value, "created_at": now}
            existing = Subscription(
                **new, **fields, paused=False, paused_reason=None, updated_at=now
            )
        result[(channel, kind)] = dataclasses.replace(existing, **fields)
    return [result[key] for key in sorted(result, key=lambda k: (k[0], k[1].value))]
