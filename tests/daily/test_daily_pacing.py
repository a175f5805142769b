"""The posting pool: bounded threads, one call in flight per channel, Retry-After honoured,
retried channels before fresh ones, and a stop that abandons what has not started."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from bot.daily.pacing import Pacer, dispatch

HANG_GUARD_S = 10
"""Only to turn a pool that never starts the next task into a failure, not a hung run."""


class Probe:
    """A task that records when it ran and may ask to run again after a pause."""

    def __init__(self, name: str, channel: str, world: World, pauses: int = 0) -> None:
        self.name = name
        self.channel = channel
        self.world = world
        self.pauses = pauses
        self.abandoned = ""
        world.not_started.add(self)

    def run(self) -> bool:
        world = self.world
        with world.lock:
            world.not_started.discard(self)
            world.running.add(self)
            world.most = max(world.most, len(world.running))
            world.per_channel_clash |= sum(t.channel == self.channel for t in world.running) > 1
            world.starts.append((self.name, world.clock()))
            world.threads.add(threading.get_ident())
            world.lock.notify_all()
            # In flight until the pool is as busy as it may be, so that a task it should
            # not have started beside this one would be seen running with it.
            if not world.lock.wait_for(world.as_busy_as_allowed, timeout=HANG_GUARD_S):
                world.stuck.append(self.name)  # the pool left a startable task waiting
        if world.stop_after == self.name:
            world.stop.set()
        with world.lock:
            world.running.discard(self)
            world.now += world.step  # the call took this long
            world.lock.notify_all()
        world.pacer.sent(self.channel, world.clock())
        if self.pauses:
            self.pauses -= 1
            world.pacer.hold(self.channel, world.clock() + world.hold)
            world.held_until[self.name] = world.clock() + world.hold
            return True
        return False

    def abandon(self, reason: str) -> None:
        self.abandoned = reason


class World:
    def __init__(self, hold: float = 0.05, workers: int = 1) -> None:
        self.lock = threading.Condition()
        self.workers = workers
        self.running: set[Probe] = set()
        self.not_started: set[Probe] = set()
        self.stuck: list[str] = []
        self.threads: set[int] = set()
        self.most = 0
        self.per_channel_clash = False
        self.starts: list[tuple[str, float]] = []
        # The pool's clock: each task moves it on by `step`, as if its call took that long.
        self.now = 0.0
        self.step = 0.01
        self.pacer = Pacer(interval=0.0, clock=self.clock)
        self.stop = threading.Event()
        self.stop_after = ""
        self.hold = hold
        self.held_until: dict[str, float] = {}

    def clock(self) -> float:
        return self.now

    def as_busy_as_allowed(self) -> bool:
        """Every worker is busy, or no task that has not run yet could start now (none
        left, or only on channels in flight). Tasks run again after a hold never count."""
        busy = {t.channel for t in self.running}
        startable = any(t.channel not in busy for t in self.not_started)
        return len(self.running) >= self.workers or not startable or self.stop.is_set()

    def order(self) -> list[str]:
        return [name for name, _ in self.starts]


def test_threads_are_bounded_and_a_channel_has_one_call_in_flight() -> None:
    """Never more than `workers` tasks at once, never two for one channel."""
    world = World(workers=4)
    tasks = [Probe(f"t{n}", f"C{n % 5}", world) for n in range(40)]
    dispatch(tasks, world.pacer, workers=4, stop=world.stop)
    assert sorted(world.order()) == sorted(t.name for t in tasks)
    assert world.most <= 4 and not world.per_channel_clash
    assert len(world.threads) <= 4  # the pool itself is no bigger
    assert world.stuck == []


def test_a_retry_waits_for_its_hold_and_then_goes_before_fresh_channels() -> None:
    """A task held by Retry-After runs again only after the hold, and ahead of the
    channels not started yet rather than after all of them."""
    world = World(hold=0.05)
    first = Probe("busy", "C0BUSY", world, pauses=1)
    fresh = [Probe(f"f{n}", f"C{n:02d}", world) for n in range(30)]
    dispatch([first, *fresh], world.pacer, workers=1, stop=world.stop)
    order = world.order()
    assert order.count("busy") == 2
    again = [at for name, at in world.starts if name == "busy"][1]
    assert again >= world.held_until["busy"]
    assert order.index("busy", 1) < len(order) - 1


def test_stop_abandons_what_has_not_started() -> None:
    """Once stopped, the tasks still queued are told why and never run."""
    world = World()
    world.stop_after = "t2"
    tasks = [Probe(f"t{n}", f"C{n}", world) for n in range(10)]
    dispatch(tasks, world.pacer, workers=1, stop=world.stop, stop_reason=lambda: "stopped: x")
    ran = set(world.order())
    assert ran == {"t0", "t1", "t2"}
    assert all(t.abandoned == "stopped: x" for t in tasks if t.name not in ran)


def test_a_plan_drawn_on_lazily_has_its_first_task_running_before_the_rest_is_planned() -> None:
    """A sweep plans team after team as the pool draws on it: the first team's posts go
    out while later teams are still being planned, not after all of them are."""
    world = World()
    seen_running: list[bool] = []

    def plan() -> Iterator[Probe]:
        yield Probe("first", "C0FIRST", world)
        with world.lock:  # the next team is planned only once the first post went out
            seen_running.append(world.lock.wait_for(lambda: "first" in world.order(), HANG_GUARD_S))
        yield from [Probe(f"later{n}", f"C{n:02d}", world) for n in range(3)]

    dispatch(plan(), world.pacer, workers=1, stop=world.stop)
    assert seen_running == [True]
    assert world.order() == ["first", "later0", "later1", "later2"]


def test_a_plan_that_fails_part_way_finishes_what_is_in_flight_then_raises() -> None:
    """Planning a later team fails (the database went away): the posts already drawn,
    a retry after its Retry-After included, still finish; then the failure is raised."""
    world = World(hold=0.0, workers=2)

    def plan() -> Iterator[Probe]:
        yield Probe("held", "C0HELD", world, pauses=1)
        raise RuntimeError("the database went away")  # drawn while "held" is in flight

    with pytest.raises(RuntimeError, match="database went away"):
        dispatch(plan(), world.pacer, workers=2, stop=world.stop)
    assert world.order() == ["held", "held"]
