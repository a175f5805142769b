"""Posting one channel's daily brief: claim it in the ledger, send it, record the answer.

A post is claimed before anything is sent, marked `posting` just before the request
goes out, and settled from Slack's answer: posted, failed, paused (the channel is gone),
or unknown (the request may have posted; looked up once, never sent again).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
from enum import Enum
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import SQLAlchemyError

from bot.daily.delivery import daily_metadata, find_daily_post, send_post
from bot.daily.plan import Due
from bot.daily.report import Entry, Section
from bot.model import Brief
from bot.slack.web_answers import Lookup, Result
from bot.store import Subscription

if TYPE_CHECKING:
    from bot.daily.sweep import SweepRun

log = logging.getLogger("briefbot.daily")

MAX_RATELIMITS = 10
"""429s for one post in one sweep before giving it back to the next sweep."""


class PostKind(Enum):
    """How a post comes to be sent, which decides how its ledger row is taken."""

    NEW = "new"
    """No row yet: claim one."""
    RETRY = "retry"
    """A failed row: take it back to claimed."""
    ADOPTED = "adopted"
    """A row this process took over from one that died: already ours."""
    CLAIMED = "claimed"
    """A row this process claimed before handing out the task: already ours."""


class PostTask:
    """Claim, send and record one channel's post; run again after a 429."""

    def __init__(
        self,
        run: SweepRun,
        subscription: Subscription,
        due: Due,
        brief: Brief | None,
        kind: PostKind,
        *,
        payload: dict[str, Any] | None = None,
    ) -> None:
        """`brief` is the daily or new brief posted; None for a weekly digest or the flood
        guard's line, whose `payload` the caller builds."""
        self.sweep = run
        self.subscription = subscription
        self.due = due
        self.brief_id = brief.id if brief is not None else ",".join(due.brief_ids[:1])
        if payload is None:
            assert brief is not None
            payload = run.payload(brief)
        self.payload = payload
        self.key = due.key
        self.kind = kind
        self.channel = due.channel_id
        self.claimed = kind in (PostKind.ADOPTED, PostKind.CLAIMED)
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
        entry = Entry(self.channel, self.due.local_date, self.brief_id, self.answer_ts)
        if self.answer in (Result.POSTED, Result.UNCERTAIN):
            sent = "posted" if self.answer == Result.POSTED else "sent, Slack's answer unclear"
            detail = f"{sent} but not recorded: {reason}; a later sweep looks it up"
            self.sweep.report.add(Section.IN_DOUBT, dataclasses.replace(entry, detail=detail))
        else:
            detail = f"not posted: {reason}"
            self.sweep.report.add(Section.FAILED, dataclasses.replace(entry, detail=detail))

    def post(self) -> bool:
        run, store = self.sweep, self.sweep.store
        channel, day, worker = self.channel, self.due.local_date, run.worker
        if run.stop.is_set():
            self.abandon(f"sweep stopped: {run.report.stopped}")
            return False
        if not self.claimed:
            if self.kind is PostKind.RETRY:
                won = store.retry_failed(channel, day, worker, **self.key)
            else:
                won = store.claim(
                    channel,
                    day,
                    self.brief_id,
                    run.library.version,
                    worker,
                    items=self.due.items,
                    **self.key,
                )
            if not won:
                return False  # another process has it
            self.claimed = True
        if not self.sent_once:
            if not store.mark_posting(channel, day, worker=worker, **self.key):
                log.warning("lost the claim on %s %s before posting", channel, day)
                return False
        elif not store.take_over(channel, day, worker, from_worker=worker, **self.key):
            # Adopted by another process while we waited out a 429: it is theirs now.
            log.warning("another process took over %s %s; not posting it", channel, day)
            return False
        self.sent_once = True
        outcome = send_post(
            run.sweeper.client,
            channel,
            self.payload,
            daily_metadata(self.brief_id, day, self.due.kind.value, self.key["slot"]),
        )
        self.answer, self.answer_ts = outcome.result, outcome.ts
        run.sweeper.pacer.sent(channel, outcome.answered_at)
        entry = Entry(channel, day, self.brief_id, outcome.ts, outcome.error)
        if outcome.result == Result.POSTED:
            assert outcome.ts is not None
            if store.mark_posted(channel, day, outcome.ts, worker=worker, **self.key):
                run.report.add(Section.POSTED, entry)
            else:
                log.error("posted %s %s (ts %s) but its ledger row moved", channel, day, outcome.ts)
            return False
        if outcome.result == Result.RATELIMITED:
            run.sweeper.pacer.hold(channel, outcome.answered_at + outcome.retry_after)
            self.ratelimits += 1
            if self.ratelimits < MAX_RATELIMITS:
                return True
            store.mark_failed(
                channel, day, f"rate limited {self.ratelimits} times", worker=worker, **self.key
            )
            run.report.add(Section.FAILED, entry)
            return False
        if outcome.result == Result.UNCERTAIN:
            store.mark_unknown(channel, day, outcome.error, worker=worker, **self.key)
            self.reconcile(entry)
            return False
        store.mark_failed(channel, day, outcome.error, worker=worker, **self.key)
        if outcome.result == Result.CHANNEL:
            store.pause(channel, f"{outcome.error} on {day.isoformat()}")
            log.warning("paused the daily brief of %s: Slack answered %s", channel, outcome.error)
            run.report.add(Section.PAUSED, entry)
            run.notices.channel_paused(self.subscription, outcome.error)
        elif outcome.result == Result.AUTH:
            run.report.add(Section.FAILED, entry)
            run.stop_sweep(outcome.error)
        else:
            log.error("Slack refused the daily post to %s: %s", channel, outcome.error)
            run.report.add(Section.FAILED, entry)
        return False

    def reconcile(self, entry: Entry) -> None:
        """After an uncertain answer, look for the post once; else report it in doubt."""
        run = self.sweep
        channel, day = self.channel, self.due.local_date
        row = run.store.delivery(channel, day, **self.key)
        since = (row.claimed_at if row else run.now) - dt.timedelta(minutes=5)
        found = find_daily_post(
            run.sweeper.client,
            channel,
            day,
            since,
            bot_id=run.sweeper.bot_id(),
            kind=self.due.kind.value,
            slot=self.key["slot"],
        )
        recorded = found.lookup == Lookup.FOUND and found.ts is not None
        if recorded and run.store.mark_posted(
            channel, day, str(found.ts), worker=run.worker, **self.key
        ):
            run.report.add(Section.RECONCILED, Entry(channel, day, self.brief_id, found.ts))
            return
        detail = entry.detail
        if found.lookup != Lookup.FOUND:
            detail = f"{detail}; history: {found.lookup.value} {found.error}".strip()
        run.unknown(channel, day, self.brief_id, detail)

    def abandon(self, reason: str) -> None:
        """Give the post back without sending it: reported as not posted, tried again later."""
        day = self.due.local_date
        self.sweep.report.add(
            Section.FAILED, Entry(self.channel, day, self.brief_id, detail=f"not posted: {reason}")
        )
        # If the database is what failed, the row stays in flight for a later sweep to adopt.
        if self.claimed:
            with contextlib.suppress(SQLAlchemyError):
                self.sweep.store.mark_failed(
                    self.channel, day, reason, worker=self.sweep.worker, **self.key
                )
