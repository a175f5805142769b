"""Recovering the posts of processes that died mid-post: stale claims, adopted once.

A ledger row left `claimed` or `posting` and untouched for `STALE_AFTER` is adopted by
one process. A `claimed` row was never sent, so a daily post is sent again if it is
still in the catch-up window (other kinds are marked failed, and their planner sends
them again). A `posting` row may have been sent: it is looked up in the channel's
history by its message metadata and marked posted if found, sent again if the history
shows it never arrived, and marked `unknown` (and reported) when the history cannot be
read; a lookup that failed for now leaves it for a later sweep.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from bot.daily.plan import Due
from bot.daily.post import Lookup, PostContext
from bot.daily.report import Entry, Section, duration
from bot.schedule import ScheduleError, post_instant
from bot.store import Delivery, DeliveryKey, DeliveryKind, DeliveryState, Subscription

log = logging.getLogger("briefbot.daily")


@dataclass(frozen=True, slots=True)
class Recovery:
    """One sweep's recovery of stale claims, within its channel and date, if any."""

    context: PostContext
    stale_after: dt.timedelta
    catch_up: dt.timedelta
    only_channel: str | None = None
    only_date: dt.date | None = None

    def adopt_stale(self, subscriptions: Mapping[str, Subscription]) -> list[Due]:
        """Adopt the rows of processes that died mid-post; return the daily posts to send
        now, each naming the brief its row holds."""
        store, worker = self.context.store, self.context.worker
        adopted = []
        for row in store.stale_claims(self.stale_after):
            if self.only_channel not in (None, row.channel_id):
                continue
            if self.only_date not in (None, row.local_date):
                continue
            if not store.take_over(row.key, worker, from_worker=row.claimed_by):
                continue  # another process adopted it first
            log.warning(
                "adopting the %s daily post to %s for %s from %s, which stopped",
                row.state,
                row.channel_id,
                row.local_date.isoformat(),
                row.claimed_by,
            )
            found = self.recover(row, subscriptions.get(row.channel_id))
            if found is not None:
                adopted.append(found)
        return adopted

    def recover(self, row: Delivery, subscription: Subscription | None) -> Due | None:
        context, store, key = self.context, self.context.store, row.key
        day, worker = row.local_date, context.worker
        if row.state == DeliveryState.POSTING:
            if not self.never_arrived(row):
                return None
            if row.kind is not DeliveryKind.DAILY:
                return None  # a failed row: this sweep's plan sends it again
            if not store.retry_failed(key, worker):
                return None
        elif row.kind is not DeliveryKind.DAILY:
            # Never sent: failed, so this sweep's plan sends it again if still wanted.
            store.mark_failed(key, "its process stopped before posting", worker=worker)
            return None
        due = self.due_again(row, subscription)
        if due is None:
            reason = "its process stopped before posting, and it is no longer due"
            store.mark_skipped(key, reason, worker=worker)
            context.report.add(
                Section.SKIPPED, Entry(row.channel_id, day, row.brief_id, detail=reason)
            )
            return None
        return due

    def never_arrived(self, row: Delivery) -> bool:
        """Settle a `posting` row from the channel's history; True when the history shows
        it never arrived (the row is then failed, and may be sent once after all)."""
        context, key, day = self.context, row.key, row.local_date
        found = context.find(key, row.claimed_at)
        if found.lookup == Lookup.FOUND and found.ts:
            context.store.mark_posted(key, found.ts, worker=context.worker)
            context.report.add(
                Section.RECONCILED, Entry(row.channel_id, day, row.brief_id, found.ts)
            )
            log.info(
                "found the daily post to %s for %s in Slack: ts %s", row.channel_id, day, found.ts
            )
            return False
        if found.lookup == Lookup.LATER:
            # Ours now, still `posting`: looked at again once it is stale, from the
            # same claimed_at. Never posted again on a lookup that did not answer.
            reason = (
                f"may have been posted; Slack's history could not be read ({found.error}); "
                f"looked at again after {duration(self.stale_after)}"
            )
            log.warning("daily post to %s for %s in doubt: %s", row.channel_id, day, reason)
            context.report.add(
                Section.IN_DOUBT, Entry(row.channel_id, day, row.brief_id, detail=reason)
            )
            return False
        if found.lookup == Lookup.UNAVAILABLE:
            reason = (
                f"the process posting it stopped after sending; cannot check Slack ({found.error})"
            )
            context.store.mark_unknown(key, reason, worker=context.worker)
            context.unknown(key, day, row.brief_id, reason)
            return False
        context.store.mark_failed(key, "never reached Slack", worker=context.worker)
        return True

    def due_again(self, row: Delivery, subscription: Subscription | None) -> Due | None:
        """The post of an adopted claimed row, if its subscription still wants it now."""
        if subscription is None or subscription.paused:
            return None
        try:
            at = post_instant(subscription.schedule, row.local_date)
        except ScheduleError:
            return None
        late = self.context.now - at
        if late < dt.timedelta(0) or (self.only_date is None and late > self.catch_up):
            return None
        key = DeliveryKey.daily(row.channel_id, row.local_date)
        return Due(key, row.local_date, at, brief_ids=(row.brief_id,))
