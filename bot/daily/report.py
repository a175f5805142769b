"""What one sweep did (or, in a dry run, would do), for the terminal, the log and /healthz."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from enum import Enum


class Section(Enum):
    """A part of a sweep's report, in the order it is shown; the value is its label, and
    `SweepReport` keeps its entries in the list of the same name."""

    WOULD_POST = "would post"
    POSTED = "posted"
    RECONCILED = "reconciled"
    SKIPPED = "skipped"
    PAUSED = "paused"
    FAILED = "failed"
    UNKNOWN = "unknown"
    IN_DOUBT = "in doubt"
    NEXT = "next"


@dataclass(frozen=True, slots=True)
class Entry:
    channel_id: str
    local_date: dt.date
    brief_id: str = ""
    ts: str | None = None
    detail: str = ""

    def describe(self) -> str:
        """`C123 2024-05-06: brief-id · ts 1715.000100 · detail`."""
        extra = [self.brief_id, f"ts {self.ts}" if self.ts else "", self.detail]
        shown = " · ".join(part for part in extra if part)
        head = f"{self.channel_id} {self.local_date.isoformat()}"
        return f"{head}: {shown}" if shown else head


@dataclass
class SweepReport:
    """What one sweep did (or, in a dry run, would do)."""

    now: dt.datetime
    dry_run: bool = False
    posted: list[Entry] = field(default_factory=list)
    reconciled: list[Entry] = field(default_factory=list)
    """Posts found in Slack after their process stopped, now recorded."""
    skipped: list[Entry] = field(default_factory=list)
    failed: list[Entry] = field(default_factory=list)
    unknown: list[Entry] = field(default_factory=list)
    in_doubt: list[Entry] = field(default_factory=list)
    """Posts that may have gone out, still `posting`: the history could not be read yet."""
    paused: list[Entry] = field(default_factory=list)
    would_post: list[Entry] = field(default_factory=list)
    next: list[Entry] = field(default_factory=list)
    """In a dry run: each channel's next post, when none is due now."""
    channels: int = 0
    """Subscribed channels the sweep looked at (paused ones too)."""
    active: int = 0
    """Of those, the ones not paused."""
    stopped: str | None = None
    """Why the sweep stopped early (e.g. the token was revoked)."""
    database: str | None = None
    """What went wrong with the database, when that stopped the sweep."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def entries(self, section: Section) -> list[Entry]:
        """The entries of one section of the report: the list named like the section."""
        entries: list[Entry] = getattr(self, section.name.lower())
        return entries

    def add(self, section: Section, entry: Entry) -> None:
        """Record one post's outcome; posting threads call this at once."""
        with self._lock:
            self.entries(section).append(entry)

    def stop(self, reason: str) -> bool:
        """Say why the sweep stopped early; True for the first reason given, which is kept."""
        return self._keep_first("stopped", reason)

    def database_failed(self, reason: str) -> bool:
        """Say what went wrong with the database; True for the first failure, which is kept."""
        return self._keep_first("database", reason)

    def _keep_first(self, name: str, reason: str) -> bool:
        with self._lock:
            first = getattr(self, name) is None
            if first:
                setattr(self, name, reason)
            return first

    @property
    def ok(self) -> bool:
        return not (self.failed or self.unknown or self.in_doubt or self.paused or self.stopped)

    def lines(self) -> list[str]:
        """A plain-text account, one line per post, for the terminal and the log."""
        out: list[str] = []
        for section in Section:
            out.extend(f"{section.value}: {entry.describe()}" for entry in self.entries(section))
        if self.stopped:
            out.append(f"stopped: {self.stopped}")
        return out

    @property
    def acted(self) -> bool:
        """Whether anything was (or, in a dry run, would be) done or went wrong."""
        shown = (section for section in Section if section is not Section.NEXT)
        return bool(self.stopped) or any(self.entries(section) for section in shown)

    def idle_reason(self) -> str:
        """Why a sweep that did nothing did nothing: no channel, all paused, or all done."""
        if self.channels == 0:
            return (
                "no channel is subscribed: type `/brief subscribe` in a channel, or declare "
                "channels in content/schedule.yml"
            )
        if self.active == 0:
            return "every subscribed channel is paused: `/brief subscribe` in a channel resumes it"
        return "nothing is due: every post whose time has come is already recorded"

    def summary(self) -> str:
        counts = [
            f"{len(self.would_post)} would post" if self.dry_run else f"{len(self.posted)} posted",
            f"{len(self.reconciled)} reconciled",
            f"{len(self.skipped)} skipped",
            f"{len(self.paused)} paused",
            f"{len(self.failed)} failed",
            f"{len(self.unknown)} unknown",
        ]
        if self.in_doubt:
            counts.append(f"{len(self.in_doubt)} in doubt")
        text = ", ".join(counts)
        return f"{text}; stopped: {self.stopped}" if self.stopped else text


def duration(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [
        f"{days}d" if days else "",
        f"{hours}h" if hours else "",
        f"{minutes}m" if minutes else "",
    ]
    return "".join(parts) or "0m"
