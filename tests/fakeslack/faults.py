"""Deciding, for each request, whether the tests' Slack should misbehave and how.

Five sources of trouble, checked in this order:

1. a retry that comes before the Retry-After of an earlier 429 has passed (for its
   channel, its method, or its whole workspace): 429 again, and the call is marked
   `early` (Slack keeps refusing until the window is over);
2. planned faults from `ScriptedSlack.fail()`: an HTTP status, an error, a delay;
3. a per-channel rate limit (`rate_limit()`), like Slack's one message a second;
4. a workspace-wide rate limit (`rate_limit(per_workspace_per_second=…)`): at most that
   many accepted calls of one team in any second; a 429 then holds the whole team;
5. a deterministic fraction of calls answered 429 (`random_ratelimit()`).

The answer is a `Detour`, which `LocalSlack` serves through its hook.
"""

from __future__ import annotations

import math
import random
from collections import deque
from dataclasses import dataclass, field

from bot.localslack import Detour


@dataclass(slots=True)
class Fault:
    """A planned fault for the next `times` matching calls (None = every call).

    `hits` lists the monotonic arrival times of the calls it was applied to.
    """

    method: str
    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    times: int | None = 1
    delay: float = 0.0
    after_applying: bool = False
    channel: str | None = None
    hits: list[float] = field(default_factory=list)

    @property
    def remaining(self) -> int | None:
        """How many more calls this fault will catch (None = unlimited)."""
        return None if self.times is None else max(0, self.times - len(self.hits))

    def matches(self, method: str, channel: str | None) -> bool:
        """Whether a call to `method` about `channel` should get this fault now."""
        if self.method not in (method, "*"):
            return False
        if self.channel is not None and self.channel != channel:
            return False
        return self.remaining != 0

    @property
    def label(self) -> str:
        """A short name for the fault, stored on the calls it hit."""
        if self.status == 429:
            return "ratelimited"
        if self.status != 200:
            return f"http_{self.status}"
        if self.error:
            return f"error:{self.error}"
        return "delay"


@dataclass(slots=True)
class _ChannelLimit:
    interval: float
    grace: float


@dataclass(slots=True)
class _WorkspaceLimit:
    per_second: int
    accepted: dict[str, deque[float]] = field(default_factory=dict)


@dataclass(slots=True)
class _RandomLimit:
    fraction: float
    retry_after: int
    rng: random.Random
    scope: str


class FaultBook:
    """The planned faults and rate limits, and the Retry-After windows they opened."""

    def __init__(self) -> None:
        self.faults: list[Fault] = []
        self._channel_limits: dict[str, _ChannelLimit] = {}
        self._workspace_limits: dict[str, _WorkspaceLimit] = {}
        self._random_limits: dict[str, _RandomLimit] = {}
        self._last_accepted: dict[tuple[str, str | None], float] = {}
        self._blocked_until: dict[tuple[str, str | None], float] = {}
        self._team_blocked_until: dict[tuple[str, str], float] = {}

    def clear(self) -> None:
        """Forget every fault, limit and open Retry-After window."""
        self.faults.clear()
        self._channel_limits.clear()
        self._workspace_limits.clear()
        self._team_blocked_until.clear()
        self._random_limits.clear()
        self._last_accepted.clear()
        self._blocked_until.clear()

    def add_channel_limit(self, method: str, per_second: float, grace: float) -> None:
        if per_second <= 0:
            raise ValueError("per_channel_per_second must be positive")
        self._channel_limits[method] = _ChannelLimit(1.0 / per_second, max(0.0, grace))

    def add_workspace_limit(self, method: str, per_second: int) -> None:
        if per_second < 1:
            raise ValueError("per_workspace_per_second must be at least 1")
        self._workspace_limits[method] = _WorkspaceLimit(per_second)

    def add_random_limit(
        self, method: str, fraction: float, retry_after: int, seed: int, scope: str
    ) -> None:
        if not 0.0 <= fraction <= 1.0:
            raise ValueError("fraction must be between 0 and 1")
        if scope not in ("channel", "method", "workspace"):
            raise ValueError("scope must be 'channel', 'method' or 'workspace'")
        self._random_limits[method] = _RandomLimit(
            fraction, retry_after, random.Random(seed), scope
        )

    def decide(self, method: str, channel: str | None, now: float, team: str = "") -> Detour | None:
        """The fault for a call of `team` arriving at monotonic time `now`, or None to
        serve it."""
        # Channel ids are per workspace: one team's channel never holds another's.
        where = None if channel is None else f"{team}/{channel}"
        blocks = [self._blocked_until.get(key) for key in ((method, where), (method, None))]
        blocks.append(self._team_blocked_until.get((method, team)))
        for until in blocks:
            if until is not None and now < until:
                wait = max(1, math.ceil(until - now))
                return Detour("retry_too_early", 429, "ratelimited", wait, early=True)

        for fault in self.faults:
            if fault.matches(method, channel):
                fault.hits.append(now)
                retry_after = fault.retry_after
                if fault.status == 429 and retry_after is None:
                    retry_after = 1
                error = fault.error
                if error is None and fault.status != 200:
                    error = _default_error(fault.status)
                if fault.status == 429 and retry_after:
                    self._block(method, where, now + retry_after)
                return Detour(
                    fault.label,
                    fault.status,
                    error,
                    retry_after,
                    fault.delay,
                    apply=fault.after_applying,
                )

        key = (method, where)
        limit = self._channel_limits.get(method)
        if limit is not None and channel is not None:
            last = self._last_accepted.get(key)
            if last is not None and now - last < limit.interval - limit.grace:
                wait = max(1, math.ceil(limit.interval - (now - last)))
                self._block(method, where, now + wait)
                return Detour("channel_rate_limit", 429, "ratelimited", wait)

        workspace = self._workspace_limits.get(method)
        if workspace is not None:
            accepted = workspace.accepted.setdefault(team, deque())
            while accepted and accepted[0] <= now - 1.0:
                accepted.popleft()
            if len(accepted) >= workspace.per_second:
                wait = max(1, math.ceil(accepted[0] + 1.0 - now))
                self._block_team(method, team, now + wait)
                return Detour("workspace_rate_limit", 429, "ratelimited", wait)

        chance = self._random_limits.get(method)
        if chance is not None and chance.rng.random() < chance.fraction:
            if chance.scope == "workspace":
                self._block_team(method, team, now + chance.retry_after)
            else:
                scope_channel = where if chance.scope == "channel" else None
                self._block(method, scope_channel, now + chance.retry_after)
            return Detour("random_ratelimit", 429, "ratelimited", chance.retry_after)

        if limit is not None and channel is not None:
            self._last_accepted[key] = now
        if workspace is not None:
            workspace.accepted[team].append(now)
        return None

    def _block_team(self, method: str, team: str, until: float) -> None:
        key = (method, team)
        self._team_blocked_until[key] = max(until, self._team_blocked_until.get(key, 0.0))

    def _block(self, method: str, channel: str | None, until: float) -> None:
        key = (method, channel)
        self._blocked_until[key] = max(until, self._blocked_until.get(key, 0.0))


def _default_error(status: int) -> str:
    """The error Slack puts in the body of a non-200 answer with that status."""
    return {
        429: "ratelimited",
        500: "internal_error",
        502: "bad_gateway",
        503: "service_unavailable",
        504: "gateway_timeout",
    }.get(status, "fatal_error")
