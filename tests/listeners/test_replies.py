"""A slash command's answer rides on the ack, or follows it when the answer is late."""

from __future__ import annotations

import threading
import time
from typing import Any

from bot.listeners.replies import Deadlines, Reply
from bot.slack.blocks import notice


class Recorder:
    """Stands in for Slack's side of the conversation: what was acked and what was posted."""

    def __init__(self) -> None:
        self.acks: list[dict[str, Any]] = []
        self.responses: list[dict[str, Any]] = []
        self.acked = threading.Event()

    def ack(self, **payload: Any) -> None:
        self.acks.append(payload)
        self.acked.set()

    def respond(self, **payload: Any) -> None:
        self.responses.append(payload)


def test_a_prompt_answer_rides_on_the_ack() -> None:
    """An answer ready before the deadline is the ack itself, and nothing else is sent."""
    slack = Recorder()
    reply = Reply(slack.ack, slack.respond, deadline=5)
    reply(notice("hello"))
    assert [a["text"] for a in slack.acks] == ["hello"] and slack.responses == []


def test_a_late_answer_is_acked_empty_then_follows() -> None:
    """Past the deadline an empty ack goes out, and the answer follows via the response URL."""
    slack = Recorder()
    reply = Reply(slack.ack, slack.respond, deadline=0.05)
    assert slack.acked.wait(2)  # set by the empty ack, once the Reply counts as acked
    reply(notice("late"))
    assert slack.acks == [{}]
    assert slack.responses[0]["text"] == "late"
    assert slack.responses[0]["replace_original"] is False


def test_the_deadline_never_acks_twice() -> None:
    """An answer right at the deadline produces exactly one ack."""
    deadlines = Deadlines()
    for _ in range(50):
        slack = Recorder()
        reply = Reply(slack.ack, slack.respond, deadline=0.001, deadlines=deadlines)
        reply(notice("race"))
        # Deadlines runs its actions in due order on one thread: once this one has run,
        # so has the deadline's ack (or its decision that the answer had gone).
        passed = threading.Event()
        deadlines.at(time.monotonic() + 0.001, passed.set)
        assert passed.wait(5)
        assert len(slack.acks) == 1
        assert len(slack.acks) + len(slack.responses) == 1 or slack.acks == [{}]


def test_the_deadline_counts_from_arrival_not_from_the_listener() -> None:
    """A request that waited 2.5 s in a queue is acked empty at once; its answer follows."""
    slack = Recorder()
    reply = Reply(slack.ack, slack.respond, received=time.monotonic() - 2.5)
    assert slack.acks == [{}]
    reply(notice("late"))
    assert slack.responses[0]["text"] == "late"


def test_one_deadline_thread_acks_each_request_at_its_own_time() -> None:
    """Deadlines runs each ack when it is due, earliest first, on one thread."""
    deadlines = Deadlines()
    order: list[str] = []
    done = threading.Event()
    deadlines.at(time.monotonic() + 0.2, lambda: (order.append("later"), done.set()))
    deadlines.at(time.monotonic() + 0.01, lambda: order.append("sooner"))
    assert done.wait(5)
    assert order == ["sooner", "later"]
