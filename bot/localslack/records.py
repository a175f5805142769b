"""What the local Slack tells its hooks about each request it served.

Every request becomes one frozen `Call`, handed to the hooks (`LocalSlack.add_hook`), so
a test can ask afterwards what was sent, when it arrived, how it was answered and whether
a fault was injected.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Call:
    """One request to the local Slack, recorded when it has been answered.

    `at` is `time.monotonic()` when the request arrived, so gaps between calls can be
    measured even when a test freezes or moves the wall clock; `wall` is `time.time()`
    at the same moment. `fault` is the label of a hook's `Detour` (None for a normal
    answer); the tests' fault plan uses "ratelimited" (429), "http_503",
    "error:channel_not_found", "delay", "channel_rate_limit", "random_ratelimit", and
    "retry_too_early" when the call came before the Retry-After of an earlier 429 had
    passed (then `early` is True too). `applied` says whether the call took effect.
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
    def token(self) -> str | None:
        """The token the call carried (its `Authorization: Bearer` header or `token`)."""
        value = next((v for k, v in self.headers.items() if k.lower() == "authorization"), "")
        scheme, _, token = value.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return token.strip()
        found = self.params.get("token")
        return str(found) if found else None

    @property
    def channel(self) -> str | None:
        """The channel the call was about, when it named one."""
        value = self.params.get("channel") or self.params.get("channel_id")
        return str(value) if value is not None else None
