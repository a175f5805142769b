"""Sending to many channels at once without upsetting Slack.

`Pacer` remembers, per channel (or DM), the earliest moment the next message may go:
one message a second, and never before a 429's Retry-After has passed. `dispatch`
runs per-channel tasks on a small thread pool: a channel waiting out its Retry-After
holds no thread, so the other channels keep going meanwhile.

Times are `time.monotonic()` seconds: wall-clock jumps cannot make a retry early.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any, Protocol

log = logging.getLogger("briefbot.daily")

MESSAGE_INTERVAL = 1.0
"""Slack allows about one message a second per channel."""
DEFAULT_RETRY_AFTER = 1.0


class Pacer:
    """Earliest next send time per channel; shared by every thread of one process."""

    def __init__(
        self, interval: float = MESSAGE_INTERVAL, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.interval = interval
        self.clock = clock
        self._ready: dict[str, float] = {}
        self._lock = threading.Lock()

    def ready_at(self, channel: str) -> float:
        with self._lock:
            return self._ready.get(channel, 0.0)

    def sent(self, channel: str, answered_at: float) -> None:
        """A call about `channel` was answered at `answered_at`: space the next one."""
        self._push(channel, answered_at + self.interval)

    def hold(self, channel: str, until: float) -> None:
        """Slack said Retry-After: nothing more to `channel` before `until`."""
        self._push(channel, until)

    def wait(self, channel: str, stop: threading.Event | None = None) -> bool:
        """Sleep until `channel` may be sent to; False if `stop` was set meanwhile."""
        while True:
            delay = self.ready_at(channel) - self.clock()
            if delay <= 0:
                return True
            if stop is not None:
                if stop.wait(delay):
                    return False
            else:
                time.sleep(delay)

    def _push(self, channel: str, until: float) -> None:
        with self._lock:
            if until > self._ready.get(channel, 0.0):
                self._ready[channel] = until
            if len(self._ready) > 10_000:
                # Forget channels whose pause is long over, so a long-lived process stays small.
                now = self.clock()
                self._ready = {c: t for c, t in self._ready.items() if t > now}


class Task(Protocol):
    """One channel's work. `run` returns True to be run again once the channel is ready."""

    channel: str

    def run(self) -> bool: ...

    def abandon(self, reason: str) -> None: ...


def dispatch(
    tasks: Iterable[Task],
    pacer: Pacer,
    *,
    workers: int,
    stop: threading.Event,
    stop_reason: Callable[[], str] = lambda: "the sweep was stopped",
) -> None:
    """Run every task on at most `workers` threads, each channel paced by `pacer`.

    A channel never has two calls in flight. A task coming back from a Retry-After goes
    before the tasks not started yet, so one unlucky channel does not wait for the whole
    fan-out. When `stop` is set, tasks not yet running are abandoned (told why) and the
    ones running are waited for.
    """
    clock = pacer.clock
    order = itertools.count()
    fresh: deque[Task] = deque(tasks)
    again: deque[Task] = deque()
    waiting: list[tuple[float, int, Task]] = []
    running: dict[Future[bool], Task] = {}
    busy: set[str] = set()

    def wait_for_channel(task: Task) -> None:
        heapq.heappush(waiting, (pacer.ready_at(task.channel), next(order), task))

    def next_task(now: float) -> Task | None:
        while again or fresh:
            task = again.popleft() if again else fresh.popleft()
            if pacer.ready_at(task.channel) > now or task.channel in busy:
                wait_for_channel(task)
                continue
            return task
        return None

    with ThreadPoolExecutor(max(1, workers), thread_name_prefix="briefbot-daily") as pool:
        while fresh or again or waiting or running:
            if stop.is_set():
                for task in [*again, *fresh, *(t for _, _, t in waiting)]:
                    task.abandon(stop_reason())
                again.clear()
                fresh.clear()
                waiting.clear()
                if not running:
                    break
            now = clock()
            while waiting and waiting[0][0] <= now:
                again.append(heapq.heappop(waiting)[2])
            while len(running) < workers and not stop.is_set():
                ready = next_task(now)
                if ready is None:
                    break
                busy.add(ready.channel)
                running[pool.submit(_run, ready)] = ready
            timeout = None
            if waiting and len(running) < workers:
                timeout = max(0.0, waiting[0][0] - clock())
            if running:
                done, _ = wait(list(running), timeout=timeout, return_when=FIRST_COMPLETED)
                for future in done:
                    task = running.pop(future)
                    busy.discard(task.channel)
                    if future.result():
                        wait_for_channel(task)
            elif waiting:
                stop.wait(timeout if timeout is not None else 0.0)


def _run(task: Task) -> bool:
    try:
        return task.run()
    except Exception:
        # The task's ledger row stays in flight and is recovered as a stale claim later.
        log.exception("daily post to %s failed unexpectedly", task.channel)
        return False


def retry_after_of(headers: Any) -> float:
    """Seconds from a 429's Retry-After header; 1 when it is absent or unreadable."""
    if not headers:
        return DEFAULT_RETRY_AFTER
    value = None
    for key in ("Retry-After", "retry-after"):
        value = headers.get(key) if hasattr(headers, "get") else None
        if value:
            break
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        seconds = float(str(value).strip())
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER
    return seconds if seconds > 0 else DEFAULT_RETRY_AFTER
