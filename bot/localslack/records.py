"""What the local Slack remembers about the requests it served.

Every request becomes one frozen `Call`, so a test (or the console) can ask afterwards
what was sent, when it arrived, how it was answered and whether a fault was injected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Call:
    """One request to the local Slack, recorded when it has been answered.

    `at` is `time.monotonic()` when the request arrived, so gaps between calls can be
    measured even when a test freezes or moves the wall clock; `wall` is `time.time()`
    at the same moment. `fault` names the injected fault (None for a normal answer):
    from `fail()`: "ratelimited" (429), "http_503", "error:channel_not_found", "delay";
    from the limits: "channel_rate_limit", "random_ratelimit"; and "retry_too_early"
    when the call came before the Retry-After of an earlier 429 had passed (then
    `early` is True too). `applied` says whether the call took effect.
    """

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    at: float
    wall: float = 0.0
    status: int = 200
    response: dict[str, Any] | None = None
    fault: str | None = None
    early: bool = False
    applied: bool = False
    path: str = ""
    retry_after: int | None = None
    finished_at: float = 0.0

    @property
    def ok(self) -> bool:
        """True when Slack's answer was HTTP 200 with `"ok": true`."""
        return self.status == 200 and bool(self.response and self.response.get("ok"))

    @property
    def error(self) -> str | None:
        """The `error` field of the answer, if any."""
        return None if self.response is None else self.response.get("error")

    @property
    def channel(self) -> str | None:
        """The channel the call was about, when it named one."""
        value = self.params.get("channel") or self.params.get("channel_id")
        return str(value) if value is not None else None


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
