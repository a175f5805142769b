"""The daily sweep: the database decides what is due, and each post goes out once.

Every minute (see `bot.daily.clock`), in every replica, a sweep:

1. copies `content/schedule.yml` into the store when it changed;
2. recovers stale claims: ledger rows left `claimed` or `posting` by a process that
   died. A `claimed` row was never sent, so it is posted (if still in the catch-up
   window). A `posting` row may have been sent: it is looked up in the channel's
   history by its message metadata and marked posted if found, re-posted if the
   history shows it never arrived, and marked `unknown` (and reported) when the
   history cannot be read;
3. plans: for each active subscription, the posts whose time fell within the
   catch-up window and that have no ledger row (or a failed one to retry), and the
   older misses, which are claimed and marked skipped, and logged;
4. posts: each (channel, local date) is claimed in the ledger before anything is
   sent, so of several replicas exactly one posts it. Sending goes through a small
   thread pool, one message a second per channel, never before a Retry-After;
5. tells subscribers and admins about paused channels and posts in doubt.

`plan_sweep` is pure; `Sweeper` does the I/O.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot.content.errors import ContentInvalid
from bot.content.library import Library
from bot.content.model import Brief
from bot.daily.declared import load_declared, schedule_path
from bot.daily.delivery import Lookup, Result, daily_message, find_daily_post, send_daily
from bot.daily.notices import Notices, send_notices
from bot.daily.pacing import Pacer, dispatch
from bot.daily.picks import featured_brief
from bot.featured import pick_featured
from bot.schedule import (
    Schedule,
    ScheduleError,
    due_posts,
    next_post_time,
    post_instant,
    skipped_posts,
)
from bot.services import Services
from bot.store import Delivery, DeliveryState, Store, Subscription, SyncResult, worker_id
from bot.store.engine import describe_database_error

log = logging.getLogger("briefbot.daily")

WORKERS = 8
"""Threads posting at once; Slack's per-workspace limits make more pointless."""
TIMEOUT = 10.0
"""Seconds to wait for Slack's answer to one post before treating it as uncertain."""
STALE_AFTER = dt.timedelta(minutes=10)
"""A claim untouched this long belongs to a process that died (a live one touches its
rows at least every TIMEOUT plus Retry-After seconds)."""
LOOKBACK = dt.timedelta(days=7)
"""How far back missed posts are recorded as skipped after a long downtime."""
MAX_ATTEMPTS = 3
"""Sends of one post before a failure is left for people to look at."""
MAX_RATELIMITS = 10
"""429s for one post in one sweep before giving it back to the next sweep."""


# --- planning (pure) -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Due:
    """One channel's post for one local date, and when it was (or is) due, in UTC."""

    channel_id: str
    local_date: dt.date
    at: dt.datetime
    retry: bool = False
    """A failed earlier attempt to send again (the ledger row exists)."""


@dataclass(frozen=True, slots=True)
class Plan:
    due: tuple[Due, ...] = ()
    skip: tuple[Due, ...] = ()


def plan_sweep(
    subscriptions: Iterable[Subscription],
    ledger: Mapping[tuple[str, dt.date], Delivery],
    now: dt.datetime,
    catch_up: dt.timedelta,
    *,
    only_date: dt.date | None = None,
    lookback: dt.timedelta = LOOKBACK,
    max_attempts: int = MAX_ATTEMPTS,
) -> Plan:
    """What to post now and what to record as skipped, for the active subscriptions.

    Posts missed by less than `catch_up` are due; older ones (back to `lookback`)
    are skipped. A subscription never posts for a time before it was created.
    With `only_date`, only that local date is considered and the catch-up window
    does not apply (someone asked for that date explicitly).
    """
    due: list[Due] = []
    skip: list[Due] = []
    for subscription in subscriptions:
        if subscription.paused:
            continue
        try:
            schedule = subscription.schedule
        except ScheduleError as error:
            log.error("subscription of %s is unusable: %s", subscription.channel_id, error)
            continue
        created = subscription.created_at
        if only_date is not None:
            at = post_instant(schedule, only_date)
            candidates = (
                [(only_date, at)] if schedule.posts_on(only_date) and created < at <= now else []
            )
            missed: list[tuple[dt.date, dt.datetime]] = []
        else:
            candidates = due_posts(schedule, now, catch_up, not_before=created)
            missed = skipped_posts(schedule, now, catch_up, since=max(created, now - lookback))
        for local_date, at in candidates:
            row = ledger.get((subscription.channel_id, local_date))
            if row is None:
                due.append(Due(subscription.channel_id, local_date, at))
            elif row.state == DeliveryState.FAILED and row.attempts < max_attempts:
                due.append(Due(subscription.channel_id, local_date, at, retry=True))
        for local_date, at in missed:
            if (subscription.channel_id, local_date) not in ledger:
                skip.append(Due(subscription.channel_id, local_date, at))
    due.sort(key=lambda d: (d.at, d.channel_id))
    skip.sort(key=lambda d: (d.at, d.channel_id))
    return Plan(tuple(due), tuple(skip))


# --- what a sweep did ----------------------------------------------------------------


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

    def add(self, kind: str, entry: Entry) -> None:
        with self._lock:
            getattr(self, kind).append(entry)

    @property
    def ok(self) -> bool:
        return not (self.failed or self.unknown or self.in_doubt or self.paused or self.stopped)

    def lines(self) -> list[str]:
        """A plain-text account, one line per post, for the terminal and the log."""
        out: list[str] = []
        sections = (
            ("would post", self.would_post),
            ("posted", self.posted),
            ("reconciled", self.reconciled),
            ("skipped", self.skipped),
            ("paused", self.paused),
            ("failed", self.failed),
            ("unknown", self.unknown),
            ("in doubt", self.in_doubt),
            ("next", self.next),
        )
        for label, entries in sections:
            out.extend(f"{label}: {entry.describe()}" for entry in entries)
        if self.stopped:
            out.append(f"stopped: {self.stopped}")
        return out

    @property
    def acted(self) -> bool:
        """Whether anything was (or, in a dry run, would be) done or went wrong."""
        return any(
            (
                self.would_post,
                self.posted,
                self.reconciled,
                self.skipped,
                self.paused,
                self.failed,
                self.unknown,
                self.in_doubt,
                self.stopped,
            )
        )

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


# --- the sweep -----------------------------------------------------------------------


def sweep_client(client: WebClient, timeout: float = TIMEOUT) -> WebClient:
    """A client like `client` that never retries on its own.

    The app's client waits out 429s itself; the sweep must see them to pace each
    channel without holding a thread, and must never resend after a timeout.
    """
    return WebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=timeout,  # type: ignore[arg-type]  # urllib takes fractions of a second
        ssl=client.ssl,
        proxy=client.proxy,
        headers=dict(client.headers or {}),
        retry_handlers=[],
    )


def as_synced(
    stored: Mapping[str, Subscription], declared: Mapping[str, Schedule], now: dt.datetime
) -> dict[str, Subscription]:
    """The subscriptions as `Store.sync_declared(declared)` at `now` would leave them.

    For a dry run, which must show schedule.yml's channels without writing them.
    """
    result = {
        channel: s for channel, s in stored.items() if not (s.declared and channel not in declared)
    }
    for channel, schedule in declared.items():
        fields = {
            "post_time": schedule.time_text,
            "timezone": schedule.timezone,
            "days": schedule.days,
            "source": "schedule_file",
            "created_by": None,
        }
        existing = stored.get(channel)
        if existing is not None:
            result[channel] = dataclasses.replace(existing, **fields)
        else:
            result[channel] = Subscription(
                channel_id=channel,
                paused=False,
                paused_reason=None,
                created_at=now,
                updated_at=now,
                **fields,  # type: ignore[arg-type]
            )
    return dict(sorted(result.items()))


class DeclaredSync:
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
        return hashlib.blake2b(data, digest_size=16).digest()

    def read(self) -> Mapping[str, Schedule] | None:
        """The channels schedule.yml declares now, or None if the file has errors."""
        try:
            return load_declared(self.content_dir).schedules
        except ContentInvalid:
            return None

    def sync(self, services: Services, *, force: bool = False) -> SyncResult | None:
        with self._lock:
            digest = self._digest()
            if digest == self._applied and not force:
                return None
            try:
                declared = load_declared(self.content_dir)
            except ContentInvalid as invalid:
                if digest != self._reported:
                    self._reported = digest
                    log.error(
                        "%s has errors; the declared channels stay as they were:\n%s",
                        self.path,
                        "\n".join(f"  {error}" for error in invalid.errors),
                    )
                return None
            result = services.store.sync_declared(declared.schedules)
            self._applied = digest
            if result.added or result.updated or result.removed:
                log.info(
                    "declared channels from %s: added %s, updated %s, removed %s",
                    self.path,
                    list(result.added),
                    list(result.updated),
                    list(result.removed),
                )
            return result


class Sweeper:
    """Runs sweeps for one process: its id in the ledger, its pacing and its Slack client."""

    def __init__(
        self,
        services: Services,
        client: WebClient,
        *,
        worker: str | None = None,
        workers: int = WORKERS,
        timeout: float = TIMEOUT,
        stale_after: dt.timedelta = STALE_AFTER,
        pacer: Pacer | None = None,
    ) -> None:
        self.services = services
        self.client = sweep_client(client, timeout)
        self.worker = worker or worker_id()
        self.workers = workers
        self.stale_after = stale_after
        self.pacer = pacer or Pacer()
        self.declared = DeclaredSync(services.settings.content_dir)
        self._one_at_a_time = threading.Lock()
        self._bot_id: str | None = None
        self._current: _SweepRun | None = None
        self.interrupted: str | None = None

    def sync_declared(self) -> SyncResult | None:
        return self.declared.sync(self.services)

    def sweep(
        self,
        now: dt.datetime | None = None,
        *,
        only_date: dt.date | None = None,
        only_channel: str | None = None,
        dry_run: bool = False,
    ) -> SweepReport:
        """Post what is due at `now` (default: the services' clock) and not posted yet."""
        with self._one_at_a_time:
            now = now or self.services.now()
            run = _SweepRun(self, now, only_date, only_channel, dry_run)
            if self.interrupted:
                run.report.stopped = self.interrupted
                return run.report
            self._current = run
            try:
                run.execute()
            except SQLAlchemyError as error:
                # Outside the posting threads (planning, recovery): what was not done yet
                # is done by a later sweep; the report says why this one stopped.
                run.database_failed(error)
            finally:
                self._current = None
            return run.report

    def interrupt(self, reason: str) -> None:
        """Stop the sweep under way (posts not yet sent go back to the ledger) and any later."""
        self.interrupted = reason
        run = self._current
        if run is not None:
            run.halt(reason)

    def bot_id(self) -> str | None:
        """The bot's own bot id, to recognise its messages in a channel's history."""
        if self._bot_id is None:
            try:
                self._bot_id = str(self.client.auth_test().get("bot_id") or "") or None
            except Exception:
                return None
        return self._bot_id


class _SweepRun:
    """The state of one sweep: what it found, what it did, and whether to stop."""

    def __init__(
        self,
        sweeper: Sweeper,
        now: dt.datetime,
        only_date: dt.date | None,
        only_channel: str | None,
        dry_run: bool,
    ) -> None:
        self.sweeper = sweeper
        self.services = sweeper.services
        # Once the database has failed, the posting threads stop using it at once rather
        # than each waiting out its own timeout.
        self.store = cast(Store, _Guarded(sweeper.services.store, lambda: self.report.database))
        self.library: Library = sweeper.services.library
        self.catch_up = sweeper.services.settings.catch_up
        self.now = now
        self.only_date = only_date
        self.only_channel = only_channel
        self.report = SweepReport(now, dry_run=dry_run)
        self.notices = Notices(sweeper.services.settings.admins)
        self.stop = threading.Event()
        self.auth_error: str | None = None
        self._featured: dict[dt.date, Brief | None] = {}
        self._featured_lock = threading.Lock()
        self._payloads: dict[str, dict[str, Any]] = {}

    # -- the steps --

    def execute(self) -> None:
        dry_run = self.report.dry_run
        if not dry_run:
            self.sweeper.sync_declared()
        stored = {s.channel_id: s for s in self.store.subscriptions()}
        if dry_run:
            # The store as the next real sweep will see it, schedule.yml applied.
            declared = self.sweeper.declared.read()
            if declared is not None:
                stored = as_synced(stored, declared, self.now)
        subscriptions = {
            channel: s for channel, s in stored.items() if self.only_channel in (None, channel)
        }
        self.report.channels = len(subscriptions)
        self.report.active = sum(not s.paused for s in subscriptions.values())
        tasks: list[_PostTask] = []
        if not dry_run:
            tasks.extend(self.recover_stale(subscriptions))
        earliest = (self.only_date or self.now.date()) - LOOKBACK - dt.timedelta(days=2)
        ledger = {
            (row.channel_id, row.local_date): row
            for row in self.store.deliveries(since=earliest, channel_id=self.only_channel)
        }
        plan = plan_sweep(
            subscriptions.values(), ledger, self.now, self.catch_up, only_date=self.only_date
        )
        for missed in plan.skip:
            self.skip(missed)
        for due in plan.due:
            brief = self.brief_for(due, ledger.get((due.channel_id, due.local_date)))
            if brief is None:
                log.warning("no briefs to post: the content has none")
                break
            if dry_run:
                self.report.add("would_post", Entry(due.channel_id, due.local_date, brief.id))
                continue
            subscription = subscriptions[due.channel_id]
            tasks.append(_PostTask(self, subscription, due, brief, "retry" if due.retry else "new"))
        if dry_run:
            self.upcoming(subscriptions.values(), {d.channel_id for d in plan.due})
        if tasks:
            dispatch(
                tasks,
                self.sweeper.pacer,
                workers=self.sweeper.workers,
                stop=self.stop,
                stop_reason=lambda: f"sweep stopped: {self.report.stopped}",
            )
        if self.notices.lines and self.auth_error is None:
            send_notices(self.sweeper.client, self.sweeper.pacer, self.notices)
        # A quiet minute is the usual case; say something only when something happened.
        level = logging.INFO if self.report.lines() else logging.DEBUG
        log.log(level, "daily sweep at %s: %s", self.now.isoformat(), self.report.summary())

    def upcoming(self, subscriptions: Iterable[Subscription], due: set[str]) -> None:
        """In a dry run, each active channel's next post, when nothing is due for it now."""
        for subscription in subscriptions:
            if subscription.paused or subscription.channel_id in due:
                continue
            try:
                schedule = subscription.schedule
            except ScheduleError:
                continue
            at = next_post_time(schedule, self.now).astimezone(schedule.zone)
            detail = f"at {at:%H:%M} ({schedule.timezone})"
            if subscription.declared:
                detail += ", from content/schedule.yml"
            self.report.add("next", Entry(subscription.channel_id, at.date(), detail=detail))

    def skip(self, missed: Due) -> None:
        late = self.now - missed.at
        reason = f"missed by {_duration(late)} (the catch-up window is {_duration(self.catch_up)})"
        entry = Entry(missed.channel_id, missed.local_date, detail=reason)
        if self.report.dry_run:
            self.report.add("skipped", entry)
            return
        # Name the day's pick if there is one, but never choose one for a day nobody saw:
        # the picker treats recorded picks as featured.
        pick = self.store.featured_pick(missed.local_date)
        brief_id = pick.brief_id if pick else ""
        if not self.store.claim(
            missed.channel_id, missed.local_date, brief_id, self.library.version, self.worker
        ):
            return
        self.store.mark_skipped(missed.channel_id, missed.local_date, reason, worker=self.worker)
        log.warning(
            "daily post to %s for %s skipped: %s",
            missed.channel_id,
            missed.local_date.isoformat(),
            reason,
        )
        self.report.add("skipped", entry)

    def recover_stale(self, subscriptions: Mapping[str, Subscription]) -> list[_PostTask]:
        """Adopt the rows of processes that died mid-post; return the ones to post now."""
        tasks = []
        for row in self.store.stale_claims(self.sweeper.stale_after):
            if self.only_channel not in (None, row.channel_id):
                continue
            if self.only_date not in (None, row.local_date):
                continue
            if not self.store.take_over(
                row.channel_id, row.local_date, self.worker, from_worker=row.claimed_by
            ):
                continue  # another process adopted it first
            log.warning(
                "adopting the %s daily post to %s for %s from %s, which stopped",
                row.state,
                row.channel_id,
                row.local_date.isoformat(),
                row.claimed_by,
            )
            task = self.recover(row, subscriptions.get(row.channel_id))
            if task is not None:
                tasks.append(task)
        return tasks

    def recover(self, row: Delivery, subscription: Subscription | None) -> _PostTask | None:
        channel, day, worker = row.channel_id, row.local_date, self.worker
        if row.state == DeliveryState.POSTING:
            found = find_daily_post(
                self.sweeper.client,
                channel,
                day,
                row.claimed_at - dt.timedelta(minutes=5),
                bot_id=self.sweeper.bot_id(),
            )
            if found.lookup == Lookup.FOUND and found.ts:
                self.store.mark_posted(channel, day, found.ts, worker=worker)
                self.report.add("reconciled", Entry(channel, day, row.brief_id, found.ts))
                log.info(
                    "found the daily post to %s for %s in Slack: ts %s", channel, day, found.ts
                )
                return None
            if found.lookup == Lookup.LATER:
                # Ours now, still `posting`: looked at again once it is stale, from the
                # same claimed_at. Never posted again on a lookup that did not answer.
                reason = (
                    f"may have been posted; Slack's history could not be read ({found.error}); "
                    f"looked at again after {_duration(self.sweeper.stale_after)}"
                )
                log.warning("daily post to %s for %s in doubt: %s", channel, day, reason)
                self.report.add("in_doubt", Entry(channel, day, row.brief_id, detail=reason))
                return None
            if found.lookup == Lookup.UNAVAILABLE:
                reason = (
                    "the process posting it stopped after sending; cannot check Slack "
                    f"({found.error})"
                )
                self.store.mark_unknown(channel, day, reason, worker=worker)
                self.unknown(channel, day, row.brief_id, reason)
                return None
            # The history shows it never arrived: it may be sent (once) after all.
            self.store.mark_failed(channel, day, "never reached Slack", worker=worker)
            if not self.store.retry_failed(channel, day, worker):
                return None
        due = self.due_again(row, subscription)
        if due is None:
            reason = "its process stopped before posting, and it is no longer due"
            self.store.mark_skipped(channel, day, reason, worker=worker)
            self.report.add("skipped", Entry(channel, day, row.brief_id, detail=reason))
            return None
        assert subscription is not None
        brief = self.brief_for(due, row)
        if brief is None:
            self.store.mark_failed(channel, day, "no briefs to post", worker=worker)
            return None
        return _PostTask(self, subscription, due, brief, "adopted")

    def due_again(self, row: Delivery, subscription: Subscription | None) -> Due | None:
        """The post of an adopted claimed row, if its subscription still wants it now."""
        if subscription is None or subscription.paused:
            return None
        try:
            at = post_instant(subscription.schedule, row.local_date)
        except ScheduleError:
            return None
        late = self.now - at
        if late < dt.timedelta(0) or (self.only_date is None and late > self.catch_up):
            return None
        return Due(row.channel_id, row.local_date, at)

    # -- helpers for tasks --

    def brief_for(self, due: Due, row: Delivery | None) -> Brief | None:
        """The brief for a post: the one its ledger row names, else the day's featured pick."""
        if row is not None and row.brief_id in self.library.by_id:
            return self.library.by_id[row.brief_id]
        with self._featured_lock:
            if due.local_date not in self._featured:
                self._featured[due.local_date] = self.featured(due.local_date)
            return self._featured[due.local_date]

    def featured(self, day: dt.date) -> Brief | None:
        if not self.report.dry_run:
            return featured_brief(self.store, self.library, day)
        # A dry run records nothing, not even the day's pick.
        pick = self.store.featured_pick(day)
        if pick is not None and pick.brief_id in self.library.by_id:
            return self.library.by_id[pick.brief_id]
        return pick_featured(self.library, day, self.store.featured_history())

    def payload(self, brief: Brief) -> dict[str, Any]:
        """The daily message for `brief`, built once per sweep rather than once per channel."""
        with self._featured_lock:
            if brief.id not in self._payloads:
                self._payloads[brief.id] = daily_message(brief)
            return self._payloads[brief.id]

    @property
    def worker(self) -> str:
        return self.sweeper.worker

    def unknown(self, channel: str, day: dt.date, brief_id: str, reason: str) -> None:
        log.error(
            "daily post to %s for %s may or may not have been posted: %s; it will not be "
            "posted again",
            channel,
            day.isoformat(),
            reason,
        )
        self.report.add("unknown", Entry(channel, day, brief_id, detail=reason))
        self.notices.unknown(channel, day, reason)

    def database_failed(self, error: SQLAlchemyError) -> str:
        """Stop the sweep because the database failed; returns what went wrong, for people.

        Posts not sent yet are reported as not posted; their rows, if any, are taken
        up by a later sweep (a claim left in flight once it is stale).
        """
        reason = describe_database_error(error, self.store.engine.url)
        with self.report._lock:
            first = self.report.database is None
            if first:
                self.report.database = reason
        if first:
            log.error("the database failed during the daily sweep: %s", reason)
        self.halt(f"the database failed: {reason}")
        return reason

    def halt(self, reason: str) -> None:
        with self.report._lock:
            if self.report.stopped is None:
                self.report.stopped = reason
        self.stop.set()

    def stop_sweep(self, error: str) -> None:
        self.auth_error = error
        with self.report._lock:
            if self.report.stopped is None:
                self.report.stopped = error
                log.critical(
                    "Slack refused briefbot's token (%s): the daily sweep has stopped and "
                    "no daily brief will be posted until SLACK_BOT_TOKEN is fixed.",
                    error,
                )
        self.stop.set()


class _PostTask:
    """Claim, send and record one channel's post; run again after a 429."""

    def __init__(
        self, run: _SweepRun, subscription: Subscription, due: Due, brief: Brief, kind: str
    ) -> None:
        self.sweep = run
        self.subscription = subscription
        self.due = due
        self.brief = brief
        self.kind = kind
        """"new" (claim it), "retry" (a failed row), "adopted" (claimed by us already)."""
        self.channel = due.channel_id
        self.claimed = kind == "adopted"
        self.sent_once = False
        self.ratelimits = 0
        self.answer: Result | None = None
        """What Slack answered to this run's send, if it got that far."""
        self.answer_ts: str | None = None

    def run(self) -> bool:
        """Post (or try again later: True); any failure ends up in the sweep's report."""
        self.answer, self.answer_ts = None, None
        try:
            return self.post()
        except SQLAlchemyError as error:
            reason = self.sweep.database_failed(error)
            self.not_recorded(f"the database failed: {reason}")
        except Exception as error:
            log.exception("daily post to %s failed unexpectedly", self.channel)
            self.not_recorded(f"{type(error).__name__}: {error}")
        return False

    def not_recorded(self, reason: str) -> None:
        """Report a post whose outcome could not be recorded: not posted, or in doubt.

        Its ledger row, if any, stays in flight and a later sweep adopts it once stale:
        posted again if it was never sent, looked up in Slack's history if it may have been.
        """
        entry = Entry(self.channel, self.due.local_date, self.brief.id, self.answer_ts)
        if self.answer in (Result.POSTED, Result.UNCERTAIN):
            sent = "posted" if self.answer == Result.POSTED else "sent, Slack's answer unclear"
            detail = f"{sent} but not recorded: {reason}; a later sweep looks it up"
            self.sweep.report.add("in_doubt", dataclasses.replace(entry, detail=detail))
        else:
            detail = f"not posted: {reason}"
            self.sweep.report.add("failed", dataclasses.replace(entry, detail=detail))

    def post(self) -> bool:
        run, store = self.sweep, self.sweep.store
        channel, day, worker = self.channel, self.due.local_date, run.worker
        if run.stop.is_set():
            self.abandon(f"sweep stopped: {run.report.stopped}")
            return False
        if not self.claimed:
            if self.kind == "retry":
                won = store.retry_failed(channel, day, worker)
            else:
                won = store.claim(channel, day, self.brief.id, run.library.version, worker)
            if not won:
                return False  # another process has it
            self.claimed = True
        if not self.sent_once:
            if not store.mark_posting(channel, day, worker=worker):
                log.warning("lost the claim on %s %s before posting", channel, day)
                return False
        elif not store.take_over(channel, day, worker, from_worker=worker):
            # Adopted by another process while we waited out a 429: it is theirs now.
            log.warning("another process took over %s %s; not posting it", channel, day)
            return False
        self.sent_once = True
        outcome = send_daily(
            run.sweeper.client, channel, self.brief, day, payload=run.payload(self.brief)
        )
        self.answer, self.answer_ts = outcome.result, outcome.ts
        run.sweeper.pacer.sent(channel, outcome.answered_at)
        entry = Entry(channel, day, self.brief.id, outcome.ts, outcome.error)
        if outcome.result == Result.POSTED:
            assert outcome.ts is not None
            if store.mark_posted(channel, day, outcome.ts, worker=worker):
                run.report.add("posted", entry)
            else:
                log.error("posted %s %s (ts %s) but its ledger row moved", channel, day, outcome.ts)
            return False
        if outcome.result == Result.RATELIMITED:
            run.sweeper.pacer.hold(channel, outcome.answered_at + outcome.retry_after)
            self.ratelimits += 1
            if self.ratelimits < MAX_RATELIMITS:
                return True
            store.mark_failed(channel, day, f"rate limited {self.ratelimits} times", worker=worker)
            run.report.add("failed", entry)
            return False
        if outcome.result == Result.UNCERTAIN:
            store.mark_unknown(channel, day, outcome.error, worker=worker)
            self.reconcile(entry)
            return False
        store.mark_failed(channel, day, outcome.error, worker=worker)
        if outcome.result == Result.CHANNEL:
            store.pause(channel, f"{outcome.error} on {day.isoformat()}")
            log.warning("paused the daily brief of %s: Slack answered %s", channel, outcome.error)
            run.report.add("paused", entry)
            run.notices.channel_paused(self.subscription, outcome.error)
        elif outcome.result == Result.AUTH:
            run.report.add("failed", entry)
            run.stop_sweep(outcome.error)
        else:
            log.error("Slack refused the daily post to %s: %s", channel, outcome.error)
            run.report.add("failed", entry)
        return False

    def reconcile(self, entry: Entry) -> None:
        """After an uncertain answer, look for the post once; else report it in doubt."""
        run = self.sweep
        channel, day = self.channel, self.due.local_date
        row = run.store.delivery(channel, day)
        since = (row.claimed_at if row else run.now) - dt.timedelta(minutes=5)
        found = find_daily_post(
            run.sweeper.client, channel, day, since, bot_id=run.sweeper.bot_id()
        )
        recorded = found.lookup == Lookup.FOUND and found.ts is not None
        if recorded and run.store.mark_posted(channel, day, str(found.ts), worker=run.worker):
            run.report.add("reconciled", Entry(channel, day, self.brief.id, found.ts))
            return
        detail = entry.detail
        if found.lookup != Lookup.FOUND:
            detail = f"{detail}; history: {found.lookup.value} {found.error}".strip()
        run.unknown(channel, day, self.brief.id, detail)

    def abandon(self, reason: str) -> None:
        """Give the post back without sending it: reported as not posted, tried again later."""
        day = self.due.local_date
        self.sweep.report.add(
            "failed", Entry(self.channel, day, self.brief.id, detail=f"not posted: {reason}")
        )
        # If the database is what failed, the row stays in flight for a later sweep to adopt.
        if self.claimed:
            with contextlib.suppress(SQLAlchemyError):
                self.sweep.store.mark_failed(self.channel, day, reason, worker=self.sweep.worker)


class DatabaseFailed(SQLAlchemyError):
    """Raised instead of using a database that already failed during this sweep."""


class _Guarded:
    """`store`, refusing every call once `failed()` says why the database failed.

    On SQLite the calls take turns here first, so threads queued behind a write that
    fails learn of it, instead of each waiting out the busy timeout in turn.
    """

    def __init__(self, store: Store, failed: Callable[[], str | None]) -> None:
        self._store = store
        self._failed = failed
        self._turn: AbstractContextManager[Any] = (
            threading.Lock() if store.engine.dialect.name == "sqlite" else nullcontext()
        )

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._store, name)
        if not callable(value):
            return value

        def guarded(*args: Any, **kwargs: Any) -> Any:
            with self._turn:
                reason = self._failed()
                if reason is not None:
                    raise DatabaseFailed(reason)
                return value(*args, **kwargs)

        return guarded


def _duration(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [
        f"{days}d" if days else "",
        f"{hours}h" if hours else "",
        f"{minutes}m" if minutes else "",
    ]
    return "".join(parts) or "0m"
