"""`ScriptedSlack`: the local Slack with a fault plan a test scripts and a record of every call.

Everything here is for tests and benchmarks only: the product's `LocalSlack` knows
nothing of faults; it serves them through its one extension point, a `CallHook`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from bot.localslack import Call, CallHook, Detour, LocalSlack
from tests.fakeslack.faults import Fault, FaultBook

T = TypeVar("T")


def wait_for(predicate: Callable[[], T], timeout: float = 5.0, interval: float = 0.01) -> T:
    """Poll `predicate()` until it returns something truthy; return that.

    Raise TimeoutError after `timeout` seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise TimeoutError(f"condition not met within {timeout} s")
        time.sleep(interval)


class _Script(CallHook):
    """The hook: answers through the fault book and keeps every call."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.book = FaultBook()
        self.calls: list[Call] = []
        self.team_of_channel: Callable[[str | None], str] | None = None

    def intercept(
        self, method: str, channel: str | None, arrived: float, team: str = ""
    ) -> Detour | None:
        with self.lock:
            if self.team_of_channel is not None:
                team = self.team_of_channel(channel)
            return self.book.decide(method, channel, arrived, team)

    def answered(self, call: Call) -> None:
        with self.lock:
            self.calls.append(call)


class ScriptedSlack(LocalSlack):
    """`LocalSlack` that a test can make fail on purpose and ask what was called.

    Use it as `LocalSlack` is used::

        with ScriptedSlack(bot_tokens=["xoxb-test"]) as slack:
            slack.fail("chat.postMessage", status=429, retry_after=2)
            ...
            assert slack.calls_to("chat.postMessage")[0].fault == "ratelimited"
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._script = _Script()
        self.add_hook(self._script)

    # --- faults -----------------------------------------------------------

    def fail(
        self,
        method: str,
        *,
        status: int = 200,
        error: str | None = None,
        retry_after: int | None = None,
        times: int | None = 1,
        delay: float = 0.0,
        after_applying: bool = False,
        channel: str | None = None,
    ) -> Fault:
        """Make the next `times` calls to `method` (None = all, "*" = any method) fail.

        - `status=429`: rate limited, with `Retry-After` (default 1) and error "ratelimited";
          an earlier retry than that is refused again and marked `early`.
        - `status=500/503/...`: that HTTP status with a JSON error body.
        - `error="channel_not_found"` (status 200): Slack's `"ok": false` answer.
        - `delay`: wait that long first. With no status or error, the call is then
          served normally (a slow Slack); the client may have timed out by then.
        - `after_applying=True`: the call takes effect (the message is stored) and only
          then is the fault answered: a timeout or 5xx after Slack acted on the request.
        - `channel`: only calls about that channel.

        Use `"response_url"` as the method to fail posts to response URLs.
        """
        fault = Fault(
            method,
            status=status,
            error=error,
            retry_after=retry_after,
            times=times,
            delay=delay,
            after_applying=after_applying,
            channel=channel,
        )
        with self._script.lock:
            self._script.book.faults.append(fault)
        return fault

    def rate_limit(
        self,
        method: str,
        *,
        per_channel_per_second: float = 1.0,
        grace: float = 0.02,
        per_workspace_per_second: int | None = None,
    ) -> None:
        """Answer 429 (with Retry-After) to calls about a channel that come too fast.

        Like Slack's limit of about one message a second per channel. `grace` forgives
        that much arrival jitter, so a client pacing itself exactly is not punished.
        With `per_workspace_per_second`, also Slack's workspace-wide limit: a team's
        calls beyond that many in any second are answered 429, and until its Retry-After
        has passed every call of that team is refused (other teams are not).
        """
        with self._script.lock:
            self._script.book.add_channel_limit(method, per_channel_per_second, grace)
            if per_workspace_per_second is not None:
                self._script.book.add_workspace_limit(method, per_workspace_per_second)

    def teams_by_channel(self, team_of: Callable[[str | None], str] | None) -> None:
        """Count calls to the workspace `team_of(channel)` names for the workspace-wide
        limits, rather than the team of the token they carry: for benchmarks that model
        many workspaces behind one token."""
        with self._script.lock:
            self._script.team_of_channel = team_of

    def random_ratelimit(
        self,
        method: str,
        *,
        fraction: float = 0.1,
        retry_after: int = 1,
        seed: int = 0,
        scope: str = "channel",
    ) -> None:
        """Answer 429 to a fraction of calls, chosen by a seeded generator.

        `scope` says what the Retry-After then holds back: the same channel ("channel"),
        every call of the same team ("workspace") or every call to the method ("method").
        """
        with self._script.lock:
            self._script.book.add_random_limit(method, fraction, retry_after, seed, scope)

    def clear_faults(self) -> None:
        """Remove every planned fault and rate limit."""
        with self._script.lock:
            self._script.book.clear()

    # --- what happened ----------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """Every answered request, in the order the answers were sent."""
        with self._script.lock:
            return list(self._script.calls)

    def calls_to(self, method: str) -> list[Call]:
        """The calls to one Web API method (or "response_url"), in arrival order."""
        return sorted((c for c in self.calls if c.method == method), key=lambda c: c.at)

    def wait_for(
        self, predicate: Callable[[], T], timeout: float = 5.0, interval: float = 0.01
    ) -> T:
        """Poll `predicate()` until it returns something truthy; return that (`wait_for`)."""
        return wait_for(predicate, timeout, interval)

    def settle(
        self, idle: Callable[[float], bool], *, quiet: float = 0.05, timeout: float = 10.0
    ) -> None:
        """Return once nothing more is on its way: the bot is idle (`idle(seconds)` waits
        up to that long for its listeners and work after the ack to finish, and says
        whether they did) and this Slack is quiet (no request being served, none arrived
        for `quiet` seconds), both at once. TimeoutError after `timeout` seconds.

        Assert that nothing more happened only after this: a post the bot still had
        in hand would have arrived by then.
        """
        deadline = time.monotonic() + timeout
        while True:
            seen = self.arrivals
            left = deadline - time.monotonic()
            if not idle(max(left, 0.0)):
                raise TimeoutError(f"the bot still had work in flight after {timeout:g} s")
            if not self.wait_quiet(quiet, max(deadline - time.monotonic(), 0.0)):
                raise TimeoutError(f"Slack was still being called after {timeout:g} s")
            # Idle again with no request since before the first look: nothing started
            # in between that could still call Slack.
            if idle(0.0) and self.arrivals == seen:
                return
            if time.monotonic() >= deadline:
                raise TimeoutError(f"the bot and Slack did not settle within {timeout:g} s")

    def clear(self) -> None:
        """Forget calls, messages, ephemerals, responses, views and faults.

        Channels, people and tokens stay.
        """
        super().clear()
        with self._script.lock:
            self._script.calls.clear()
            self._script.book.clear()
