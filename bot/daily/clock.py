"""The clock: APScheduler 3 runs a sweep every minute, and nothing else.

The scheduler keeps no state of its own: which posts are due, claimed and done is in
the database, so a restart, a second replica or a separate `briefbot clock` process
changes nothing about what gets posted. Sweeps in one process never overlap
(`max_instances=1`), and a burst of missed minutes runs once (`coalesce`).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler
from slack_sdk import WebClient

from bot.daily.sweep import Sweeper
from bot.services import Services

log = logging.getLogger("briefbot.daily")

JOB_ID = "briefbot-daily-sweep"
AUTH_RETRY_S = 15 * 60
"""After Slack refused the token, wait this long before trying again (and logging again)."""
SWEEP_COUNTS = ("posted", "reconciled", "skipped", "failed", "unknown", "in_doubt", "paused")


class DailyClock:
    """A BackgroundScheduler that sweeps at the start of every minute, and once at start."""

    def __init__(self, services: Services, client: WebClient, *, sweeper: Sweeper | None = None):
        self.sweeper = sweeper or Sweeper(services, client)
        self._scheduler: BackgroundScheduler | None = None
        self._auth_failed_at: float | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        try:
            self.sweeper.sync_declared()
        except Exception:
            log.exception("could not sync content/schedule.yml at start")
        # One line a minute at INFO ("Running job…") would drown everything else.
        logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
        scheduler = BackgroundScheduler(
            timezone=dt.UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 50},
        )
        scheduler.add_job(
            self.tick,
            "cron",
            second=0,
            id=JOB_ID,
            name="daily brief sweep",
            next_run_time=dt.datetime.now(dt.UTC),
        )
        scheduler.start()
        self._scheduler = scheduler
        log.info("daily brief clock started: a sweep every minute (%s)", self.sweeper.worker)

    def tick(self) -> None:
        """One scheduled sweep; never raises (the scheduler would only log it less clearly)."""
        with self._lock:
            if (
                self._auth_failed_at is not None
                and time.monotonic() - self._auth_failed_at < AUTH_RETRY_S
            ):
                return
            try:
                report = self.sweeper.sweep()
            except Exception:
                log.exception("the daily sweep failed; the next one runs in a minute")
                return
            self.sweeper.services.last_sweep = {
                "at": report.now.isoformat(timespec="seconds"),
                "ok": report.ok,
                **{kind: len(getattr(report, kind)) for kind in SWEEP_COUNTS},
                "stopped": report.stopped,
            }
            # Only a refused token waits: after a database failure, the next minute's
            # sweep tries again, so posting resumes as soon as the database is back.
            if report.stopped and report.database is None and not self.sweeper.interrupted:
                self._auth_failed_at = time.monotonic()
            else:
                self._auth_failed_at = None

    def __call__(self) -> None:
        """A running clock is its own stopper, like every background job's."""
        self.stop()

    def stop(self) -> None:
        """Stop the clock; a sweep under way gives back what it has not sent and ends."""
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is None:
            return
        scheduler.pause()
        self.sweeper.interrupt("briefbot is shutting down")
        scheduler.shutdown(wait=True)
        log.info("daily brief clock stopped")


def start_clock(services: Services, client: WebClient) -> Callable[[], None]:
    """Start sweeping every minute in this process; returns the function that stops it.

    With BRIEFBOT_CLOCK=off this does nothing: another process (`briefbot clock`) sweeps.
    """
    if not services.settings.clock:
        log.info("BRIEFBOT_CLOCK=off: daily briefs are posted by another process")
        return lambda: None
    clock = DailyClock(services, client)
    clock.start()
    return clock
