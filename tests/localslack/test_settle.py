"""The settle barrier: tests assert that nothing more happened only once the bot has no
work in flight and the local Slack is quiet, never after a fixed sleep.

Each barrier is shown to wait for work that has not reached Slack yet, so a post that
came after it would be caught; and a check keeps fixed waits out of the tests.
"""

from __future__ import annotations

import ast
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from slack_sdk import WebClient

from bot.slack import blocks
from tests.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.fakeslack import ScriptedSlack, wait_for
from tests.fakeslack.payloads import block_action
from tests.fakeslack.signed_http import post_interactive

if TYPE_CHECKING:
    from tests.support.bot import BotHarness
    from tests.support.processes import ServedBot

pytest_plugins = ("tests.support.bot",)

TESTS = Path(__file__).resolve().parents[1]
WAIT_HELPERS = {
    "tests/fakeslack/scripted.py",  # wait_for: polls a predicate until it holds
    "tests/support/processes.py",  # wait_http: polls until a started process answers
}
"""The only modules under tests/ allowed to call time.sleep: helpers that poll for a state."""

DISTILLATION = "ai-distillation-national-security"


def post_later(slack: ScriptedSlack, release: threading.Event, text: str) -> None:
    """Work after the ack that calls Slack only once `release` is set."""
    release.wait(10)
    WebClient(BOT_TOKEN, base_url=slack.api_url).chat_postMessage(channel="C0GENERAL", text=text)


def texts(slack: ScriptedSlack) -> list[str]:
    return [m["text"] for m in slack.messages("C0GENERAL")]


def test_settle_waits_for_work_after_the_ack_that_has_not_called_slack_yet(
    bot: BotHarness,
) -> None:
    """While a follow-up has not yet called Slack, Slack alone looks quiet; settle still
    returns only after that follow-up's post has arrived."""
    release = threading.Event()
    bot.follow_ups.run(lambda: post_later(bot.slack, release, "late"), lambda error: None)
    assert bot.slack.wait_quiet(0.05, timeout=5)  # quiet, and yet a post is on its way
    assert texts(bot.slack) == []
    timer = threading.Timer(0.2, release.set)
    timer.start()
    bot.settle()
    assert texts(bot.slack) == ["late"]
    timer.join()


def test_a_listener_that_has_not_handed_off_yet_counts_as_in_flight(bot: BotHarness) -> None:
    """A listener still running after its ack keeps the bot from being idle, and what it
    hands off is counted before the listener's own task ends."""
    release = threading.Event()
    pool = bot.follow_ups.listener_pool(1)

    def listener() -> None:
        release.wait(10)
        bot.follow_ups.run(lambda: post_later(bot.slack, release, "handed off"), print)

    pool.submit(listener)
    assert bot.follow_ups.in_flight == 1
    assert bot.follow_ups.wait_idle(0.05) is False
    timer = threading.Timer(0.2, release.set)
    timer.start()
    bot.settle()
    assert texts(bot.slack) == ["handed off"]
    assert bot.follow_ups.in_flight == 0
    timer.join()
    pool.shutdown()


def test_settle_waits_for_a_request_slack_is_still_answering(bot: BotHarness) -> None:
    """A share whose post Slack holds for a while: settle returns after it is stored."""
    bot.slack.fail("chat.postMessage", delay=0.5)
    sent = bot.click(blocks.SHARE_BRIEF, DISTILLATION, ephemeral=True)
    assert sent.response.status == 200
    bot.settle()
    assert len(bot.slack.messages("C0GENERAL")) == 1


def test_settle_fails_when_the_bot_never_goes_idle(local_slack: ScriptedSlack) -> None:
    """A barrier that cannot be reached is an error, not a pass."""
    with pytest.raises(TimeoutError, match="in flight"):
        local_slack.settle(lambda seconds: False, timeout=0.2)


def test_quiet_counts_a_held_request_as_being_served(local_slack: ScriptedSlack) -> None:
    """A request the local Slack holds (a delay) keeps it from being quiet until answered."""
    local_slack.fail("chat.postMessage", delay=0.5)
    client = WebClient(BOT_TOKEN, base_url=local_slack.api_url)
    thread = threading.Thread(
        target=lambda: client.chat_postMessage(channel="C0GENERAL", text="slow")
    )
    thread.start()
    wait_for(lambda: local_slack.arrivals == 1)
    assert local_slack.wait_quiet(0.05, timeout=0.2) is False
    assert local_slack.wait_quiet(0.05, timeout=5) is True
    assert texts(local_slack) == ["slow"]
    thread.join()


@pytest.mark.slow
def test_a_served_bot_reports_work_in_flight_and_settles_after_it(served_bot: ServedBot) -> None:
    """`briefbot serve`: /healthz?verbose=1 counts a share's post while Slack holds it,
    and settle returns only once it is stored and nothing is in flight."""
    slack = served_bot.slack
    assert served_bot.health(verbose=True)["in_flight"] == 0
    assert "in_flight" not in served_bot.health()
    slack.fail("chat.postMessage", delay=1.0)
    click = block_action(
        blocks.SHARE_BRIEF,
        DISTILLATION,
        container_type="ephemeral",
        message_ts="1700000000.000100",
        response_url=slack.new_response_url(),
    )
    assert post_interactive(served_bot.events, click, SIGNING_SECRET).status == 200
    wait_for(lambda: served_bot.health(verbose=True)["in_flight"] >= 1)
    served_bot.settle()
    assert len(slack.messages("C0GENERAL")) == 1
    assert served_bot.health(verbose=True)["in_flight"] == 0


def sleep_calls(path: Path) -> list[int]:
    """Lines where `path` calls time.sleep (as `time.sleep` or an imported `sleep`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {"sleep"} & {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "time"
        for alias in node.names
    }
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr == "sleep"
                and isinstance(func.value, ast.Name)
                and func.value.id == "time"
            ) or (isinstance(func, ast.Name) and func.id in names):
                lines.append(node.lineno)
    return lines


def test_no_test_waits_a_fixed_time() -> None:
    """Tests wait for a recorded state or the settle barrier; only the polling helpers
    (WAIT_HELPERS) call time.sleep."""
    root = TESTS.parent
    found = {
        f"{path.relative_to(root).as_posix()}:{line}"
        for path in sorted(TESTS.rglob("*.py"))
        if path.relative_to(root).as_posix() not in WAIT_HELPERS
        for line in sleep_calls(path)
    }
    assert found == set(), "fixed waits: wait for a state (wait_for) or settle() instead"
    for helper in WAIT_HELPERS:
        assert (root / helper).is_file(), f"{helper} is gone: update WAIT_HELPERS"
