"""Work a listener hands off once Slack has its ack: Web API calls, late answers, bookkeeping.

Bolt runs listeners on a small pool of threads, and every ack that is not ready at
once needs one of them. A Web API call can take seconds when Slack is slow
(views.publish, users.info, chat.getPermalink, posting to a response URL), so no
listener waits for one: it hands the call to this second pool and returns. However
busy this pool gets, the listener threads stay free for acks.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from bot.log_format import ContextThreadPool

log = logging.getLogger("briefbot.app")

WORKERS = 16


class FollowUps:
    """A pool of threads for the slow part of answering; errors are reported, never lost."""

    def __init__(self, workers: int = WORKERS) -> None:
        # Each task keeps the log context of the request it belongs to.
        self._pool = ContextThreadPool(max_workers=workers, thread_name_prefix="briefbot-followup")
        self._here = threading.local()
        self._pending = 0
        self._idle = threading.Condition()

    def run(self, work: Callable[[], object], on_error: Callable[[Exception], None]) -> None:
        """Run `work` on the pool (at once, if already on one of its threads)."""
        if getattr(self._here, "inside", False):
            self._guarded(work, on_error)
            return
        self._started()
        try:
            self._pool.submit(self._counted, work, on_error)
        except BaseException:
            self._done()
            raise

    def listener_pool(self, workers: int) -> ContextThreadPool:
        """A pool for Bolt's listeners whose tasks count as work in flight here too, so
        `wait_idle` also waits for a listener that has acked but not yet handed off."""
        return _CountedPool(self, workers)

    @property
    def in_flight(self) -> int:
        """Listener tasks (from `listener_pool`) and handed-off work queued or running."""
        with self._idle:
            return self._pending

    def wait_idle(self, timeout: float) -> bool:
        """Wait until `in_flight` is 0; False if `timeout` ran out first.

        The console waits for this before it shows the prompt again, so an answer that
        follows the ack appears under the command that asked for it, as in Slack.
        """
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=timeout)

    def _started(self) -> None:
        with self._idle:
            self._pending += 1

    def _counted(self, work: Callable[[], None], on_error: Callable[[Exception], None]) -> None:
        try:
            self._guarded(work, on_error)
        finally:
            self._done()

    def _done(self) -> None:
        with self._idle:
            self._pending -= 1
            if self._pending == 0:
                self._idle.notify_all()

    def best_effort(self, work: Callable[[], object], what: str) -> None:
        """Run `work` on the pool; a failure is logged, and touches nobody's answer."""

        def log_failure(error: Exception) -> None:
            log.warning("could not %s: %s", what, error)

        self.run(work, log_failure)

    def _guarded(self, work: Callable[[], object], on_error: Callable[[Exception], None]) -> None:
        outer = getattr(self._here, "inside", False)
        self._here.inside = True
        try:
            work()
        except Exception as error:
            try:
                on_error(error)
            except Exception:
                log.exception("could not report a failed follow-up")
        finally:
            self._here.inside = outer

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)


class _CountedPool(ContextThreadPool):
    def __init__(self, follow_ups: FollowUps, workers: int) -> None:
        super().__init__(max_workers=workers, thread_name_prefix="briefbot-listener")
        self._follow_ups = follow_ups

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self._follow_ups._started()
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._follow_ups._done()
            raise
        # Runs once the listener has returned, so what it handed off is counted already.
        future.add_done_callback(lambda _: self._follow_ups._done())
        return future
