"""Sending to many channels, in many workspaces, at once without upsetting Slack.

Slack limits `chat.postMessage` per channel (about one message a second) and per
workspace (a workspace-wide limit whose size it does not publish). `Pacer` remembers,
per channel (or DM), the earliest moment the next message may go: one message a
second, and never before a 429's Retry-After has passed; and per team (workspace), the
earliest moment any of its channels may be sent to: with `team_interval`, no faster
than the workspace's rate, so that its workspace-wide limit is not hit. `dispatch`
runs per-channel tasks on a small thread pool: a channel or a team waiting its turn
holds no thread, so the other channels and teams keep going meanwhile.

Team "" is a deployment serving one workspace: its channels are paced as they always
were.

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
from typing import Protocol, TypeVar

log = logging.getLogger("briefbot.daily")

_K = TypeVar("_K")

MESSAGE_INTERVAL = 1.0
"""Slack allows about one message a second per channel."""


class Pacer:
    """Earliest next send time per channel and per team; shared by every thread of one
    process."""

    def __init__(
        self,
        interval: float = MESSAGE_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
        *,
        team_interval: float = 0.0,
    ) -> None:
        """`team_interval`: seconds between two sends to one team (0: teams are not
        paced, only their channels)."""
        self.interval = interval
        self.team_interval = team_interval
        self.clock = clock
        self._ready: dict[tuple[str, str], float] = {}
        self._team_ready: dict[str, float] = {}
        self._lock = threading.Lock()

    def ready_at(self, channel: str, team: str = "") -> float:
        """The earliest moment `channel` (of `team`) may be sent to."""
        with self._lock:
            return max(self._ready.get((team, channel), 0.0), self._team_ready.get(team, 0.0))

    def sent(self, channel: str, answered_at: float, team: str = "") -> None:
        """A call about `channel` was answered at `answered_at`: space the next one."""
        self._push(self._ready, (team, channel), answered_at + self.interval)

    def turn(self, team: str) -> None:
        """Wait for `team`'s next turn to send, and take it: the team's calls go out
        `team_interval` apart. Taken only by a call that is really going out (a post
        another replica claimed first uses none), so the wait is short: at most one
        interval for each thread waiting on the same team."""
        if self.team_interval <= 0:
            return
        with self._lock:
            at = max(self.clock(), self._team_ready.get(team, 0.0))
            self._team_ready[team] = at + self.team_interval
        delay = at - self.clock()
        if delay > 0:
            time.sleep(delay)

    def hold(self, channel: str, until: float, team: str = "") -> None:
        """Slack said Retry-After: nothing more to `channel` (of `team`) before `until`."""
        self._push(self._ready, (team, channel), until)

    def wait(self, channel: str, stop: threading.Event | None = None, team: str = "") -> bool:
        """Sleep until `channel` may be sent to; False if `stop` was set meanwhile."""
        while True:
            delay = self.ready_at(channel, team) - self.clock()
            if delay <= 0:
                return True
            if stop is not None:
                if stop.wait(delay):
                    return False
            else:
                time.sleep(delay)

    def _push(self, table: dict[_K, float], key: _K, until: float) -> None:
        with self._lock:
            if until > table.get(key, 0.0):
                table[key] = until
            if len(table) > 10_000:
                # Forget pauses that are long over, so a long-lived process stays small.
                now = self.clock()
                kept = {k: t for k, t in table.items() if t > now}
                table.clear()
                table.update(kept)


class Task(Protocol):
    """One channel's work. `run` returns True to be run again once the channel is ready.

    A task may also have a `team` (str): the workspace its channel is in, "" (the
    default) for a deployment serving one workspace.
    """

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
    """Run every task on at most `workers` threads, each channel and team paced by `pacer`.

    A channel never has two calls in flight. A team held by a Retry-After holds no
    thread: the other teams' tasks run meanwhile. A task coming back from a Retry-After goes
    before the tasks not started yet, so one unlucky channel does not wait for the whole
    fan-out. When `stop` is set, tasks not yet running are abandoned (told why) and the
    ones running are waited for.

    `tasks` is drawn from only when a thread is free, so a lazy iterable (a sweep that
    plans one team after another) has its first tasks running while the rest is still
    being planned.
    """
    clock = pacer.clock
    order = itertools.count()
    fresh: deque[Task] = deque()
    planned = iter(tasks)
    drawn = False
    again: deque[Task] = deque()
    waiting: list[tuple[float, int, Task]] = []
    running: dict[Future[bool], Task] = {}
    busy: set[str] = set()

    def wait_for_channel(task: Task) -> None:
        heapq.heappush(waiting, (pacer.ready_at(task.channel, team_of(task)), next(order), task))

    failure: Exception | None = None

    def draw() -> bool:
        nonlocal drawn, failure
        try:
            task = next(planned, None)
        except Exception as error:
            # Planning failed part way: what is running or waiting still finishes (a
            # post in flight is never dropped), then the failure is raised.
            failure, task = error, None
        if task is None:
            drawn = True
            return False
        fresh.append(task)
        return True

    def next_task(now: float) -> Task | None:
        while again or fresh or (not drawn and draw()):
            task = again.popleft() if again else fresh.popleft()
            if pacer.ready_at(task.channel, team_of(task)) > now or task.channel in busy:
                wait_for_channel(task)
                continue
            return task
        return None

    with ThreadPoolExecutor(max(1, workers), thread_name_prefix="briefbot-daily") as pool:
        while fresh or again or waiting or running or not drawn:
            if stop.is_set():
                # The rest of what was planned is abandoned too (the planner stops planning).
                while not drawn:
                    draw()
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

    if failure is not None:
        raise failure


def team_of(task: Task) -> str:
    """The team of `task`'s channel; "" for tasks of a deployment serving one workspace."""
    return str(getattr(task, "team", "") or "")


def _run(task: Task) -> bool:
    try:
        return task.run()
    except Exception:
        # The task's ledger row stays in flight and is recovered as a stale claim later.
        log.exception("daily post to %s failed unexpectedly", task.channel)
        return False
