"""The daily sweep: the database decides what is due, and each post goes out once.

Every minute (see `bot.daily.clock`), in every replica, a sweep:

1. copies `content/schedule.yml` into the store when it changed;
2. recovers stale claims (`bot.daily.recover`): ledger rows left `claimed` or `posting`
   by a process that died;
3. plans each kind: the daily brief (`bot.daily.plan_daily`), new-brief announcements
   (`bot.daily.plan_new`) and weekly digests (`bot.daily.plan_weekly`): the posts whose
   time fell within the catch-up window and that have no ledger row (or a failed one to
   retry), and the older misses, which are claimed and marked skipped, and logged;
4. posts (`bot.daily.post`): each post is claimed in the ledger before anything is
   sent, so of several replicas exactly one posts it. Sending goes through a small
   thread pool, one message a second per channel, never before a Retry-After;
5. tells subscribers and admins about paused channels and posts in doubt.

What a sweep did is `bot.daily.report`; `Sweeper` here runs the steps.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot.content.library import Library
from bot.daily.notices import Notices, send_notices
from bot.daily.pacing import Pacer, dispatch
from bot.daily.plan import LOOKBACK, Due, Ledger, Published, Wanted, active, recent_briefs
from bot.daily.plan_daily import plan_daily
from bot.daily.plan_dm import CAUGHT_UP, as_planned, catch_ups_due, daily_dates, missed_briefs
from bot.daily.plan_new import HELD, plan_new
from bot.daily.plan_weekly import WEEK, plan_weekly, week_briefs
from bot.daily.post import PostContext, PostKind, PostTask
from bot.daily.recover import Recovery
from bot.daily.report import Entry, Section, SweepReport, duration
from bot.daily.schedule_sync import ScheduleFileSync, as_synced
from bot.featured import featured_brief, pick_featured, tagged
from bot.installations import NotInstalled
from bot.model import Brief
from bot.records import IN_FLIGHT
from bot.schedule import Kind, ScheduleError, next_post_time, post_instant
from bot.services import Services
from bot.slack import channel_posts
from bot.store import DeliveryKey, DeliveryKind, Person, Subscription, SyncResult, worker_id

log = logging.getLogger("briefbot.daily")

WORKERS = 8
"""Threads posting at once; Slack's per-workspace limits make more pointless."""
TIMEOUT = 10.0
"""Seconds to wait for Slack's answer to one post before treating it as uncertain."""
STALE_AFTER = dt.timedelta(minutes=10)
"""A claim untouched this long belongs to a process that died (a live one touches its
rows at least every TIMEOUT plus Retry-After seconds)."""

__all__ = ["STALE_AFTER", "TIMEOUT", "WORKERS", "SweepReport", "SweepRun", "Sweeper"]


def single_workspace(subscription: Subscription) -> str:
    """Every channel in the one workspace of a single-workspace deployment."""
    return ""


def _bot_id_of(client: WebClient) -> Callable[[], str | None]:
    """The bot id a team's token posts as (asked once), to recognise its messages."""
    known: list[str | None] = []

    def bot_id() -> str | None:
        if not known:
            try:
                known.append(str(client.auth_test().get("bot_id") or "") or None)
            except Exception:
                return None
        return known[0]

    return bot_id


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
        team_of: Callable[[Subscription], str] | None = None,
    ) -> None:
        """`team_of` names the team (workspace) of a subscription's channel, so that each
        team is paced on its own; by default every channel is in one workspace."""
        self.services = services
        self.client = sweep_client(client, timeout)
        self.timeout = timeout
        self.worker = worker or worker_id()
        self.workers = workers
        self.stale_after = stale_after
        self.pacer = pacer or Pacer()
        self.team_of = team_of or single_workspace
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
                run.context.database_failed(error)
            finally:
                self._current = None
            return run.report

    def interrupt(self, reason: str) -> None:
        """Stop the sweep under way (posts not yet sent go back to the ledger) and any later."""
        self.interrupted = reason
        run = self._current
        if run is not None:
            run.context.halt(reason)

    def bot_id(self) -> str | None:
        """The bot's own bot id, to recognise its messages in a channel's history."""
        if self._bot_id is None:
            try:
                self._bot_id = str(self.client.auth_test().get("bot_id") or "") or None
            except Exception:
                return None
        return self._bot_id


class SweepRun:
    """One sweep: what it looks at, and one step per kind of post."""

    def __init__(
        self,
        sweeper: Sweeper,
        now: dt.datetime,
        only_date: dt.date | None,
        only_channel: str | None,
        dry_run: bool,
    ) -> None:
        self.sweeper = sweeper
        self.library: Library = sweeper.services.library
        self.catch_up = sweeper.services.settings.catch_up
        self.now = now
        self.only_date = only_date
        self.only_channel = only_channel
        self.report = SweepReport(now, dry_run=dry_run)
        # Once the database has failed, the posting threads stop using it at once rather
        # than each waiting out its own timeout.
        self.store = sweeper.services.store.refusing_after(lambda: self.report.database)
        self.stop = threading.Event()
        """Stops the whole sweep, every team's posts: an interrupt, the database failing."""
        self.context = self._context(
            sweeper.client, sweeper.bot_id, sweeper.services.settings.admins
        )
        self.daily_due: set[str] = set()
        """The channels whose daily brief is due now, brief or not."""
        self._featured: dict[tuple[dt.date, tuple[str, ...]], Brief | None] = {}
        self._featured_lock = threading.Lock()
        self._first_seen: dict[str, dt.datetime] | None = None

    def _context(
        self,
        client: WebClient,
        bot_id: Callable[[], str | None],
        admins: frozenset[str],
        team: str | None = None,
    ) -> PostContext:
        """`team`: the one team the context posts to (None: `Sweeper.team_of` says)."""
        team_of = self.sweeper.team_of if team is None else (lambda subscription: team)
        return PostContext(
            client=client,
            pacer=self.sweeper.pacer,
            store=self.store,
            notices=Notices(admins),
            report=self.report,
            worker=self.sweeper.worker,
            version=self.library.version,
            now=self.now,
            bot_id=bot_id,
            team_of=team_of,
            stop=self.stop,
            team=team,
        )

    def execute(self) -> None:
        if not self.report.dry_run:
            self.sweeper.sync_declared()
        services = self.sweeper.services
        if services.installations is None:
            self.send(self.plan_team(), [self.context])
            return
        # Each team's posts go out with that team's own token, to its own channels, all
        # teams in one fan-out, each paced on its own: a team waiting out a Retry-After
        # (or a slow one) holds back no other. Teams are planned as the fan-out draws on
        # them, biggest first, so its posts go out while the others are being planned.
        contexts: list[PostContext] = []
        self.send(self.every_team(contexts), contexts)

    def every_team(self, contexts: list[PostContext]) -> Iterator[PostTask]:
        """Each installed team's due posts, one team after another; each team's context
        is added to `contexts` as it is planned."""
        services = self.sweeper.services
        assert services.installations is not None
        every_team = self.store
        try:
            for team, enterprise in every_team.teams():
                if self.stop.is_set():
                    return
                store = every_team.for_team(team, enterprise)
                try:
                    client = services.installations.client_for_team(
                        None if team == enterprise else team, enterprise
                    )
                except NotInstalled as gone:
                    # Uninstalled meanwhile (or never): nothing is sent there; its work closes.
                    log.info("not posting to %s: %s", team, gone)
                    if not self.report.dry_run:
                        store.close_pending(str(gone))
                    continue
                client = sweep_client(client, self.sweeper.timeout)
                self.store = store
                installed = services.installations.find(team, enterprise)
                installer = installed.user_id if installed is not None else None
                admins = services.settings.admins | ({installer} if installer else set())
                self.context = self._context(client, _bot_id_of(client), frozenset(admins), team)
                contexts.append(self.context)
                yield from self.plan_team()
        finally:
            self.store = every_team

    def plan_team(self) -> list[PostTask]:
        """The posts due in one team's subscriptions (the store's team), to send with the
        context's token; stale claims adopted and missed posts skipped on the way."""
        dry_run = self.report.dry_run
        every = self.store.subscriptions()
        first_seen = self.first_seen(record=not dry_run and bool(self.library.briefs))
        if dry_run:
            # The store as the next real sweep will see it, schedule.yml applied: every kind.
            declared = self.sweeper.declared.read()
            if declared is not None:
                every = as_synced(every, declared, self.now)
        subscriptions = [s for s in every if self.only_channel in (None, s.channel_id)]
        self.report.channels += len(subscriptions)
        self.report.active += sum(not s.paused for s in subscriptions)
        # People's DMs are channels to the planners, seen through their snooze and nights.
        people = {person.dm_channel: person for person in self.store.people()}
        self.context.people = people
        catch_ups: Ledger = {}
        if people:
            rows = self.store.deliveries(kind=DeliveryKind.CATCHUP, channel_id=self.only_channel)
            catch_ups = {row.key: row for row in rows}
        planned = as_planned(subscriptions, people, self.now, catch_ups)
        daily = {s.channel_id: s for s in planned if s.kind == Kind.DAILY.value}
        tasks: list[PostTask] = []
        if not dry_run:
            recovery = Recovery(
                self.context,
                self.sweeper.stale_after,
                self.catch_up,
                self.only_channel,
                self.only_date,
            )
            for due in recovery.adopt_stale(daily):
                tasks += self.adopted(due, daily[due.channel_id])
        if self.only_date is None and (len(daily) < len(planned) or people):
            published = Published(self.library.briefs, first_seen or self.store.first_seen())
            tasks += self.new_briefs(active(planned, Kind.NEW), published)
            tasks += self.weekly_digests(active(planned, Kind.WEEKLY), published)
            tasks += self.catch_ups(people, subscriptions, published, catch_ups)
        tasks += self.daily_briefs(daily)
        if dry_run:
            self.upcoming(subscriptions, self.daily_due)
        return tasks

    def send(self, tasks: Iterable[PostTask], contexts: Iterable[PostContext]) -> None:
        """Send every task, then each team's notices with its own token, and log the sweep."""
        if tasks:  # an empty list sends nothing; a lazy iterable is drawn on by dispatch
            dispatch(
                tasks,
                self.sweeper.pacer,
                workers=self.sweeper.workers,
                stop=self.stop,
                stop_reason=lambda: f"sweep stopped: {self.report.stopped}",
            )
        for context in contexts:
            if context.notices.lines and context.auth_error is None:
                send_notices(context.client, self.sweeper.pacer, context.notices)
        # A quiet minute is the usual case; say something only when something happened.
        level = logging.INFO if self.report.lines() else logging.DEBUG
        log.log(level, "daily sweep at %s: %s", self.now.isoformat(), self.report.summary())

    # -- one step per kind --

    def daily_briefs(self, subscriptions: Mapping[str, Subscription]) -> list[PostTask]:
        """The daily brief of each channel, the day's featured pick for its tags."""
        ledger = self.ledger(DeliveryKind.DAILY)
        plan = plan_daily(
            subscriptions.values(), ledger, self.now, self.catch_up, only_date=self.only_date
        )
        for missed in plan.skip:
            self.skip(missed)
        self.daily_due = {due.channel_id for due in plan.due}
        tasks = []
        for due in plan.due:
            subscription = subscriptions[due.channel_id]
            brief = self.brief_for(due, subscription.spec.tags)
            if brief is None:
                log.warning(
                    "no brief to post to %s: the content has none%s",
                    due.channel_id,
                    " with its tags" if subscription.tags else "",
                )
                continue
            payload = self.context.daily_message(brief)
            tasks += self.task(due, subscription, brief.id, payload)
        return tasks

    def new_briefs(self, wanted: Wanted, published: Published) -> list[PostTask]:
        """Announcements of new briefs, with the flood guard's line and the briefs it holds.

        A channel's announcements are claimed together, in order, before any is sent, and
        a replica stops at the first it loses: one replica sends all of a channel's posts,
        so its pacing and Retry-After hold for that channel.
        """
        if not wanted:
            return []
        by_channel = {subscription.channel_id: subscription for subscription, _ in wanted}
        ledger = self.ledger(DeliveryKind.NEW, DeliveryKind.MORE)
        recent = recent_briefs(published, self.now, self.catch_up, LOOKBACK)
        plan = plan_new(wanted, recent, ledger, self.now)
        tasks: list[PostTask] = []
        # A channel with an announcement in flight at another replica is that replica's to
        # pace this time: posting beside it would crowd the channel's one message a second.
        lost: set[str] = {
            key.channel
            for key, row in ledger.items()
            if row.state in IN_FLIGHT and row.claimed_by != self.worker
        }
        for due in sorted(plan.due, key=_channel_order):
            if due.kind is DeliveryKind.NEW:
                brief = self.library.by_id.get(due.brief_ids[0])
                if brief is None:
                    continue  # deleted since
                payload = channel_posts.new_brief_message(brief).payload()
            else:
                payload = channel_posts.new_briefs_overflow_message(due.items or 0).payload()
            brief_id = due.brief_ids[0] if due.brief_ids else ""
            kind = PostKind.RETRY if due.retry else PostKind.CLAIMED
            if not due.retry and not self.report.dry_run:
                if due.channel_id in lost:
                    continue
                if not self.store.claim(
                    due.key,
                    due.local_date,
                    brief_id,
                    self.library.version,
                    self.worker,
                    items=due.items,
                ):
                    lost.add(due.channel_id)
                    continue
            tasks += self.task(due, by_channel[due.channel_id], brief_id, payload, kind)
        # After the claims of the posts, so that a replica planning meanwhile counts them.
        # One statement a channel and day: a bulk import holds thousands of briefs.
        held: dict[tuple[str, dt.date], list[DeliveryKey]] = {}
        for due in plan.held:
            held.setdefault((due.channel_id, due.local_date), []).append(due.key)
        if not self.report.dry_run:
            for (_, day), keys in held.items():
                self.store.hold(keys, day, self.library.version, self.worker, HELD)
        return tasks

    def weekly_digests(self, wanted: Wanted, published: Published) -> list[PostTask]:
        """Each weekly channel's digest of the week's new briefs, once per ISO week."""
        if not wanted:
            return []
        ledger = self.ledger(DeliveryKind.WEEKLY)
        recent = recent_briefs(published, self.now, self.catch_up, WEEK)
        plan = plan_weekly(wanted, recent, ledger, self.now, self.catch_up)
        for missed in plan.skip:
            self.skip(missed)
        by_channel = {subscription.channel_id: subscription for subscription, _ in wanted}
        tasks = []
        for due in plan.due:
            subscription = by_channel[due.channel_id]
            # A digest sent again lists its week as the whole library has it.
            at = post_instant(subscription.schedule, due.local_date)
            ids = due.brief_ids or week_briefs(subscription.spec, published, at)
            listed = [self.library.by_id[i] for i in ids if i in self.library.by_id]
            if not listed:
                continue
            week_start = due.local_date - dt.timedelta(days=due.local_date.weekday())
            payload = channel_posts.weekly_digest_message(listed, week_start).payload()
            tasks += self.task(due, subscription, ",".join(due.brief_ids[:1]), payload)
        return tasks

    def catch_ups(
        self,
        people: Mapping[str, Person],
        subscriptions: Iterable[Subscription],
        published: Published,
        ledger: Ledger,
    ) -> list[PostTask]:
        """The one digest of what each person missed while snoozed, once their snooze ends."""
        if not people:
            return []
        theirs: dict[str, list[Subscription]] = {}
        for subscription in subscriptions:
            theirs.setdefault(subscription.channel_id, []).append(subscription)
        tasks: list[PostTask] = []
        for due in catch_ups_due(people.values(), ledger, self.now):
            person = people[due.channel_id]
            mine = theirs.get(person.dm_channel, [])
            picks: dict[tuple[dt.date, tuple[str, ...]], str | None] = {}
            for day, tags in daily_dates(person, mine):
                brief = self.featured(day, tags)
                picks[(day, tags)] = brief.id if brief is not None else None
            ids = missed_briefs(person, mine, published, picks)
            listed = [self.library.by_id[i] for i in ids if i in self.library.by_id]
            if not listed or not mine:
                if not self.report.dry_run and not due.retry:
                    self.store.hold(
                        [due.key], due.local_date, self.library.version, self.worker, CAUGHT_UP
                    )
                continue
            assert person.snoozed_from is not None and person.snoozed_until is not None
            payload = channel_posts.catch_up_message(
                listed, person.snoozed_from, person.snoozed_until, person.timezone
            ).payload()
            due = dataclasses.replace(due, items=len(listed))
            tasks += self.task(due, mine[0], listed[0].id, payload)
        return tasks

    # -- what the steps share --

    def first_seen(self, *, record: bool) -> dict[str, dt.datetime] | None:
        """When each brief was first seen, with the library's briefs recorded as seen now
        (`record`): once a sweep, as the briefs are every team's (None without `record`)."""
        if not record:
            return None
        if self._first_seen is None:
            self._first_seen = self.store.record_seen(self.library.by_id, self.library.version)
        return self._first_seen

    def ledger(self, *kinds: DeliveryKind) -> Ledger:
        """The recent ledger rows of `kinds`, by key."""
        earliest = (self.only_date or self.now.date()) - LOOKBACK - dt.timedelta(days=2)
        rows = self.store.deliveries(since=earliest, channel_id=self.only_channel, kind=kinds)
        return {row.key: row for row in rows}

    def task(
        self,
        due: Due,
        subscription: Subscription,
        brief_id: str,
        payload: dict[str, Any],
        kind: PostKind | None = None,
    ) -> list[PostTask]:
        """The task sending `due` (none in a dry run, which reports it instead)."""
        if self.report.dry_run:
            self.report.add(Section.WOULD_POST, Entry(due.channel_id, due.local_date, brief_id))
            return []
        if kind is None:
            kind = PostKind.RETRY if due.retry else PostKind.NEW
        return [PostTask(self.context, subscription, due, brief_id, payload, kind)]

    def adopted(self, due: Due, subscription: Subscription) -> list[PostTask]:
        """The task sending a daily post adopted from a process that died before sending."""
        brief = self.brief_for(due)
        if brief is None:
            self.store.mark_failed(due.key, "no briefs to post", worker=self.worker)
            return []
        payload = self.context.daily_message(brief)
        return self.task(due, subscription, brief.id, payload, PostKind.ADOPTED)

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
        version, worker = self.library.version, self.worker
        if not self.store.claim(missed.key, missed.local_date, brief_id, version, worker):
            return
        self.store.mark_skipped(missed.key, reason, worker=worker)
        log.warning(
            "daily post to %s for %s skipped: %s",
            missed.channel_id,
            missed.local_date.isoformat(),
            reason,
        )
        self.report.add(Section.SKIPPED, entry)

    def brief_for(self, due: Due, tags: tuple[str, ...] = ()) -> Brief | None:
        """The brief for a daily post: the one its ledger row names, else the day's featured
        pick (for the subscription's tags)."""
        named = self.library.by_id.get(due.brief_ids[0]) if due.brief_ids else None
        if named is not None:
            return named
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

    @property
    def worker(self) -> str:
        return self.sweeper.worker


def _channel_order(due: Due) -> tuple[str, bool, dt.datetime, str]:
    """A channel's posts together: its announcements in order, then its overflow line."""
    return (due.channel_id, due.kind is DeliveryKind.MORE, due.at, due.key.slot)
