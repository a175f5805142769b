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

Planning is pure (`bot.daily.plan`); posting one channel's brief is `bot.daily.post`;
what a sweep did is `bot.daily.report`; `Sweeper` here runs the steps.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot.content.library import Library
from bot.daily.announce import HELD, plan_kinds, week_briefs
from bot.daily.delivery import daily_message, find_daily_post
from bot.daily.notices import Notices, send_notices
from bot.daily.pacing import Pacer, dispatch
from bot.daily.plan import LOOKBACK, Due, as_synced, plan_sweep
from bot.daily.post import PostKind, PostTask
from bot.daily.report import Entry, Section, SweepReport, duration
from bot.daily.schedule_sync import ScheduleFileSync
from bot.featured import featured_brief, pick_featured, tagged
from bot.model import Brief
from bot.schedule import Kind, ScheduleError, next_post_time, post_instant
from bot.services import Services
from bot.slack import channel_posts
from bot.slack.web_answers import Lookup
from bot.store import Delivery, DeliveryKind, DeliveryState, Subscription, SyncResult, worker_id
from bot.store.engine import describe_database_error

log = logging.getLogger("briefbot.daily")

WORKERS = 8
"""Threads posting at once; Slack's per-workspace limits make more pointless."""
TIMEOUT = 10.0
"""Seconds to wait for Slack's answer to one post before treating it as uncertain."""
STALE_AFTER = dt.timedelta(minutes=10)
"""A claim untouched this long belongs to a process that died (a live one touches its
rows at least every TIMEOUT plus Retry-After seconds)."""

__all__ = ["STALE_AFTER", "TIMEOUT", "WORKERS", "SweepReport", "SweepRun", "Sweeper"]


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
        self.declared = ScheduleFileSync(services.settings.content_dir)
        self._one_at_a_time = threading.Lock()
        self._bot_id: str | None = None
        self._current: SweepRun | None = None
        self.interrupted: str | None = None

    def sync_declared(self) -> SyncResult | None:
        return self.declared.sync(self.services.store)

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
            run = SweepRun(self, now, only_date, only_channel, dry_run)
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


class SweepRun:
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
        self.store = sweeper.services.store.refusing_after(lambda: self.report.database)
        self.library: Library = sweeper.services.library
        self.catch_up = sweeper.services.settings.catch_up
        self.now = now
        self.only_date = only_date
        self.only_channel = only_channel
        self.report = SweepReport(now, dry_run=dry_run)
        self.notices = Notices(sweeper.services.settings.admins)
        self.stop = threading.Event()
        self.auth_error: str | None = None
        self._featured: dict[tuple[dt.date, tuple[str, ...]], Brief | None] = {}
        self._featured_lock = threading.Lock()
        self._payloads: dict[str, dict[str, Any]] = {}

    # -- the steps --

    def execute(self) -> None:
        dry_run = self.report.dry_run
        if not dry_run:
            self.sweeper.sync_declared()
        every = self.store.subscriptions()
        first_seen: dict[str, dt.datetime] | None = None
        if not dry_run and self.library.briefs:
            first_seen = self.store.record_seen(self.library.by_id, self.library.version)
        if dry_run:
            # The store as the next real sweep will see it, schedule.yml applied: every kind.
            declared = self.sweeper.declared.read()
            if declared is not None:
                every = as_synced(every, declared, self.now)
        stored = {s.channel_id: s for s in every if s.kind == Kind.DAILY.value}
        subscriptions = {
            channel: s for channel, s in stored.items() if self.only_channel in (None, channel)
        }
        others = [
            s
            for s in every
            if s.kind != Kind.DAILY.value and self.only_channel in (None, s.channel_id)
        ]
        self.report.channels = len(subscriptions) + len(others)
        self.report.active = sum(not s.paused for s in [*subscriptions.values(), *others])
        tasks: list[PostTask] = []
        if not dry_run:
            tasks.extend(self.recover_stale(subscriptions))
        if others and self.only_date is None:
            tasks.extend(self.plan_other_kinds(others, first_seen))
        earliest = (self.only_date or self.now.date()) - LOOKBACK - dt.timedelta(days=2)
        ledger = {
            (row.channel_id, row.local_date): row
            for row in self.store.deliveries(
                since=earliest, channel_id=self.only_channel, kind=DeliveryKind.DAILY
            )
        }
        plan = plan_sweep(
            subscriptions.values(), ledger, self.now, self.catch_up, only_date=self.only_date
        )
        for missed in plan.skip:
            self.skip(missed)
        for due in plan.due:
            brief = self.brief_for(
                due,
                ledger.get((due.channel_id, due.local_date)),
                subscriptions[due.channel_id].spec.tags,
            )
            if brief is None:
                log.warning(
                    "no brief to post to %s: the content has none%s",
                    due.channel_id,
                    " with its tags" if subscriptions[due.channel_id].tags else "",
                )
                continue
            if dry_run:
                self.report.add(Section.WOULD_POST, Entry(due.channel_id, due.local_date, brief.id))
                continue
            subscription = subscriptions[due.channel_id]
            tasks.append(
                PostTask(
                    self, subscription, due, brief, PostKind.RETRY if due.retry else PostKind.NEW
                )
            )
        if dry_run:
            self.upcoming([*subscriptions.values(), *others], {d.channel_id for d in plan.due})
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

    def plan_other_kinds(
        self, others: list[Subscription], first_seen: dict[str, dt.datetime] | None
    ) -> list[PostTask]:
        """New-brief announcements (with the flood guard) and weekly digests due now;
        `first_seen` as this sweep recorded it (None: read it)."""
        by_key = {(s.channel_id, s.kind): s for s in others}
        earliest = self.now.date() - LOOKBACK - dt.timedelta(days=2)
        rows = self.store.deliveries(
            since=earliest,
            channel_id=self.only_channel,
            kind=(DeliveryKind.NEW, DeliveryKind.MORE, DeliveryKind.WEEKLY),
        )
        if first_seen is None:
            first_seen = self.store.first_seen()
        plan = plan_kinds(
            others,
            self.library.briefs,
            first_seen,
            {(row.channel_id, row.kind, row.slot): row for row in rows},
            self.now,
            self.catch_up,
        )
        dry_run = self.report.dry_run
        for missed in plan.skip:
            self.skip(missed)
        tasks: list[PostTask] = []
        lost: set[str] = set()
        for due in sorted(plan.due, key=_channel_order):
            owner = Kind.WEEKLY.value if due.kind is DeliveryKind.WEEKLY else Kind.NEW.value
            subscription = by_key[(due.channel_id, owner)]
            brief: Brief | None = None
            if due.kind is DeliveryKind.NEW:
                brief = self.library.by_id.get(due.brief_ids[0])
                if brief is None:
                    continue  # deleted since
                payload = channel_posts.new_brief_message(brief).payload()
            elif due.kind is DeliveryKind.MORE:
                payload = channel_posts.new_briefs_overflow_message(due.items or 0).payload()
            else:
                ids = due.brief_ids or week_briefs(
                    subscription.spec,
                    self.library.briefs,
                    first_seen,
                    post_instant(subscription.schedule, due.local_date),
                )
                briefs = [self.library.by_id[i] for i in ids if i in self.library.by_id]
                if not briefs:
                    continue
                week_start = due.local_date - dt.timedelta(days=due.local_date.weekday())
                payload = channel_posts.weekly_digest_message(briefs, week_start).payload()
            if dry_run:
                first = due.brief_ids[0] if due.brief_ids else ""
                self.report.add(Section.WOULD_POST, Entry(due.channel_id, due.local_date, first))
                continue
            post_kind = PostKind.RETRY if due.retry else PostKind.NEW
            if due.kind in (DeliveryKind.NEW, DeliveryKind.MORE) and not due.retry:
                # A channel's announcements are claimed together, in order, before any is
                # sent, and a replica stops at the first it loses: one replica sends all of
                # a channel's posts, so its pacing and Retry-After hold for that channel.
                if due.channel_id in lost:
                    continue
                if not self.store.claim(
                    due.channel_id,
                    due.local_date,
                    due.brief_ids[0] if due.brief_ids else "",
                    self.library.version,
                    self.worker,
                    items=due.items,
                    **due.key,
                ):
                    lost.add(due.channel_id)
                    continue
                post_kind = PostKind.CLAIMED
            tasks.append(PostTask(self, subscription, due, brief, post_kind, payload=payload))
        # After the claims of the posts, so that a replica planning meanwhile counts them.
        held: dict[tuple[str, dt.date], list[str]] = {}
        for due in plan.held:
            held.setdefault((due.channel_id, due.local_date), []).append(due.brief_ids[0])
        for (channel, day), brief_ids in held.items():
            if not dry_run:
                self.store.hold_all(
                    channel, day, brief_ids, self.library.version, self.worker, HELD
                )
        return tasks

    def upcoming(self, subscriptions: Iterable[Subscription], due: set[str]) -> None:
        """In a dry run, each active channel's next post, when nothing is due for it now."""
        for subscription in subscriptions:
            if subscription.paused or subscription.channel_id in due:
                continue
            try:
                schedule = subscription.schedule
            except ScheduleError:
                continue
            kind = Kind(subscription.kind)
            if kind is Kind.NEW:
                # New briefs have no time of their own: they go out at the next sweep.
                at = self.now.astimezone(schedule.zone)
                detail = "new briefs, at the next sweep after each is published"
            else:
                at = next_post_time(schedule, self.now).astimezone(schedule.zone)
                detail = f"at {at:%H:%M} ({schedule.timezone})"
                if kind is Kind.WEEKLY:
                    detail = "weekly digest " + detail
            if subscription.tags:
                detail += f", tags {subscription.tags}"
            if subscription.declared:
                detail += ", from content/schedule.yml"
            self.report.add(Section.NEXT, Entry(subscription.channel_id, at.date(), detail=detail))

    def skip(self, missed: Due) -> None:
        late = self.now - missed.at
        reason = f"missed by {duration(late)} (the catch-up window is {duration(self.catch_up)})"
        entry = Entry(missed.channel_id, missed.local_date, detail=reason)
        if self.report.dry_run:
            self.report.add(Section.SKIPPED, entry)
            return
        # Name the day's pick if there is one, but never choose one for a day nobody saw:
        # the picker treats recorded picks as featured.
        brief_id = ""
        if missed.kind is DeliveryKind.DAILY:
            pick = self.store.featured_pick(missed.local_date)
            brief_id = pick.brief_id if pick else ""
        if not self.store.claim(
            missed.channel_id,
            missed.local_date,
            brief_id,
            self.library.version,
            self.worker,
            **missed.key,
        ):
            return
        self.store.mark_skipped(
            missed.channel_id, missed.local_date, reason, worker=self.worker, **missed.key
        )
        log.warning(
            "daily post to %s for %s skipped: %s",
            missed.channel_id,
            missed.local_date.isoformat(),
            reason,
        )
        self.report.add(Section.SKIPPED, entry)

    def recover_stale(self, subscriptions: Mapping[str, Subscription]) -> list[PostTask]:
        """Adopt the rows of processes that died mid-post; return the ones to post now."""
        tasks = []
        for row in self.store.stale_claims(self.sweeper.stale_after):
            if self.only_channel not in (None, row.channel_id):
                continue
            if self.only_date not in (None, row.local_date):
                continue
            if not self.store.take_over(
                row.channel_id, row.local_date, self.worker, from_worker=row.claimed_by, **_key(row)
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

    def recover(self, row: Delivery, subscription: Subscription | None) -> PostTask | None:
        channel, day, worker = row.channel_id, row.local_date, self.worker
        key = _key(row)
        if row.state == DeliveryState.POSTING:
            found = find_daily_post(
                self.sweeper.client,
                channel,
                day,
                row.claimed_at - dt.timedelta(minutes=5),
                bot_id=self.sweeper.bot_id(),
                kind=row.kind.value,
                slot=row.slot,
            )
            if found.lookup == Lookup.FOUND and found.ts:
                self.store.mark_posted(channel, day, found.ts, worker=worker, **key)
                self.report.add(Section.RECONCILED, Entry(channel, day, row.brief_id, found.ts))
                log.info(
                    "found the daily post to %s for %s in Slack: ts %s", channel, day, found.ts
                )
                return None
            if found.lookup == Lookup.LATER:
                # Ours now, still `posting`: looked at again once it is stale, from the
                # same claimed_at. Never posted again on a lookup that did not answer.
                reason = (
                    f"may have been posted; Slack's history could not be read ({found.error}); "
                    f"looked at again after {duration(self.sweeper.stale_after)}"
                )
                log.warning("daily post to %s for %s in doubt: %s", channel, day, reason)
                self.report.add(Section.IN_DOUBT, Entry(channel, day, row.brief_id, detail=reason))
                return None
            if found.lookup == Lookup.UNAVAILABLE:
                reason = (
                    "the process posting it stopped after sending; cannot check Slack "
                    f"({found.error})"
                )
                self.store.mark_unknown(channel, day, reason, worker=worker, **key)
                self.unknown(channel, day, row.brief_id, reason)
                return None
            # The history shows it never arrived: it may be sent (once) after all.
            self.store.mark_failed(channel, day, "never reached Slack", worker=worker, **key)
            if row.kind is not DeliveryKind.DAILY:
                return None  # a failed row: this sweep's plan sends it again
            if not self.store.retry_failed(channel, day, worker):
                return None
        elif row.kind is not DeliveryKind.DAILY:
            # Never sent: failed, so this sweep's plan sends it again if still wanted.
            reason = "its process stopped before posting"
            self.store.mark_failed(channel, day, reason, worker=worker, **key)
            return None
        due = self.due_again(row, subscription)
        if due is None:
            reason = "its process stopped before posting, and it is no longer due"
            self.store.mark_skipped(channel, day, reason, worker=worker)
            self.report.add(Section.SKIPPED, Entry(channel, day, row.brief_id, detail=reason))
            return None
        assert subscription is not None
        brief = self.brief_for(due, row)
        if brief is None:
            self.store.mark_failed(channel, day, "no briefs to post", worker=worker)
            return None
        return PostTask(self, subscription, due, brief, PostKind.ADOPTED)

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

    def brief_for(self, due: Due, row: Delivery | None, tags: tuple[str, ...] = ()) -> Brief | None:
        """The brief for a post: the one its ledger row names, else the day's featured pick
        (for the subscription's tags)."""
        if row is not None and row.brief_id in self.library.by_id:
            return self.library.by_id[row.brief_id]
        with self._featured_lock:
            if (due.local_date, tags) not in self._featured:
                self._featured[(due.local_date, tags)] = self.featured(due.local_date, tags)
            return self._featured[(due.local_date, tags)]

    def featured(self, day: dt.date, tags: tuple[str, ...] = ()) -> Brief | None:
        if not self.report.dry_run:
            return featured_brief(self.store, self.library, day, tags)
        # A dry run records nothing, not even the day's pick.
        text = ",".join(tags)
        pick = self.store.featured_pick(day, text)
        pool = tagged(self.library, tags)
        if pick is not None and pick.brief_id in pool.by_id:
            return pool.by_id[pick.brief_id]
        return pick_featured(pool, day, self.store.featured_history(text))

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
        self.report.add(Section.UNKNOWN, Entry(channel, day, brief_id, detail=reason))
        self.notices.unknown(channel, day, reason)

    def database_failed(self, error: SQLAlchemyError) -> str:
        """Stop the sweep because the database failed; returns what went wrong, for people.

        Posts not sent yet are reported as not posted; their rows, if any, are taken
        up by a later sweep (a claim left in flight once it is stale).
        """
        reason = describe_database_error(error, self.store.engine.url)
        if self.report.database_failed(reason):
            log.error("the database failed during the daily sweep: %s", reason)
        self.halt(f"the database failed: {reason}")
        return reason

    def halt(self, reason: str) -> None:
        self.report.stop(reason)
        self.stop.set()

    def stop_sweep(self, error: str) -> None:
        self.auth_error = error
        if self.report.stop(error):
            log.critical(
                "Slack refused briefbot's token (%s): the daily sweep has stopped and "
                "no daily brief will be posted until SLACK_BOT_TOKEN is fixed.",
                error,
            )
        self.stop.set()


def _key(row: Delivery) -> dict[str, Any]:
    """The ledger key arguments naming `row`."""
    return {"kind": row.kind, "slot": row.slot}


def _channel_order(due: Due) -> tuple[str, int, dt.datetime, str]:
    """A channel's posts together: its announcements in order, then its overflow line."""
    return (due.channel_id, due.kind is DeliveryKind.MORE, due.at, due.slot or "")
