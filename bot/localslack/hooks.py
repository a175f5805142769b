"""The one extension point for changing how the local Slack answers, and for watching it.

For every Web API call and every post to a response URL, `LocalSlack` asks its hooks in
turn whether to answer differently (`intercept`), then tells each hook about the answer
it sent (`answered`). The tests' fault plans and call records are hooks
(`tests/fakeslack`); the product adds none.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.localslack.records import Call


@dataclass(frozen=True, slots=True)
class Detour:
    """How to answer one call instead: `status`/`error` after `delay` seconds.

    `label` is stored as the call's `fault`. `apply` says whether the call takes effect
    (a message is stored) even though the answer is an error, as when a request times
    out after Slack has already acted on it. `early` marks a retry refused because it
    came before an earlier Retry-After had passed.
    """

    label: str
    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    delay: float = 0.0
    apply: bool = False
    early: bool = False

    @property
    def answers_normally(self) -> bool:
        """True for a pure delay: after waiting, the call is served as usual."""
        return self.status == 200 and self.error is None


class CallHook:
    """Base for hooks: by default a hook changes nothing and watches nothing.

    Both methods run under the local Slack's lock, in the serving thread: keep them quick
    (a delay belongs in the returned `Detour`, which is waited out without the lock).
    """

    def intercept(
        self, method: str, channel: str | None, arrived: float, team: str = ""
    ) -> Detour | None:
        """A different answer for a call to `method` about `channel` (None = serve it).

        `arrived` is `time.monotonic()` when the request came in; `method` is a Web API
        method name or "response_url"; `team` is the workspace the call's token belongs to.
        """
        return None

    def answered(self, call: Call) -> None:
        """Called once per request, just before its answer is sent."""
