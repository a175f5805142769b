"""Numbers people type are read one way, digits 0-9 only, wherever they are typed: in
Slack (the real app), in the console and on the command line. Any other digit ("²",
"①", another script's "٣") or a fraction gets an answer saying what to type, never
"something went wrong" or a traceback."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bot.basics import whole_number
from bot.console import handle
from bot.console.session import ConsoleSession
from tests.support.cli import RunCli

if TYPE_CHECKING:
    from tests.support.bot import BotHarness

pytest_plugins = ("tests.support.bot",)

ROOT = Path(__file__).resolve().parents[1]
ADMIN = "U0CAROL"  # the one admin the `bot` fixture's settings name
NOT_NUMBERS = ["²", "①", "٣٠", "3.5", "-1", "+3", "0", "3661", "1" * 40, "3 0", "three"]
WRONG = "something went wrong"


def test_the_one_reading_takes_0_to_9_within_bounds() -> None:
    assert whole_number(" 30 ", 1, 3660) == 30
    assert whole_number("007", 1, 10) == 7
    for text in NOT_NUMBERS:
        assert whole_number(text, 1, 3660) is None, text


@pytest.mark.parametrize("days", NOT_NUMBERS)
def test_brief_report_with_a_wrong_number_says_what_to_type(bot: BotHarness, days: str) -> None:
    """/brief report ² (or ٣٠, 3.5, 0…): "not a number of days", with what to type."""
    sent = bot.command("/brief", f"report {days}", user=ADMIN)
    assert sent.response.status == 200
    assert "is not a number of days" in sent.ack_text
    assert "/brief report 30" in sent.ack_text
    assert WRONG not in sent.ack_text
    assert bot.slack.responses == []


def test_brief_report_with_a_number_reports(bot: BotHarness) -> None:
    assert "Lookups in the last 30 days" in bot.command("/brief", "report 30", user=ADMIN).ack_text


@pytest.mark.parametrize("time", ["٠٩:٣٠", "²:30", "9:3²", "①pm"])
def test_subscribe_at_a_time_in_other_digits_says_how_to_write_it(
    bot: BotHarness, time: str
) -> None:
    """A time in digits other than 0-9 is not a time: the answer says HH:MM, nothing is
    subscribed and nothing is posted."""
    sent = bot.command("/brief", f"subscribe {time}")
    text = sent.ack_text + "".join(str(r) for r in bot.responses_to(sent))
    assert "is not a time of day" in text and "HH:MM" in text
    assert WRONG not in text
    assert bot.services.store.subscriptions() == []
    assert bot.slack.messages("C0GENERAL") == []


@pytest.fixture
def session(tmp_path: Path) -> Iterator[ConsoleSession]:
    console = ConsoleSession(Path(shutil.copytree(ROOT / "content", tmp_path / "content")))
    try:
        yield console
    finally:
        console.close()


@pytest.mark.parametrize("line", ["²", "①", "٣"])
def test_the_console_reads_a_button_number_in_0_to_9_only(
    session: ConsoleSession, line: str
) -> None:
    """A button "number" typed with another digit gets one friendly line, not a crash."""
    session.command("/brief distillation")
    (answer,) = handle(session, line)
    assert "button number" in answer


@pytest.mark.parametrize("ref", ["m²", "①", "m٣"])
def test_the_console_explains_a_message_numbered_in_0_to_9_only(
    session: ConsoleSession, ref: str
) -> None:
    session.say("We use an SAE")
    assert handle(session, f"explain {ref}") == [
        f"There is no message {ref}; messages are numbered m1 to m1."
    ]


@pytest.mark.parametrize("days", ["²", "٣", "1.5", "0", "nan", "inf"])
def test_the_cli_report_reads_days_as_slack_does(cli: RunCli, days: str) -> None:
    """`briefbot report --days` takes what `/brief report` takes: whole days, 1 to 3660."""
    ran = cli("report", "--days", days)
    assert ran.returncode == 2
    assert f"'{days}' is not a number of days (1 to 3660)" in ran.stderr


@pytest.mark.parametrize("limit", ["²", "٣", "0", "-1"])
def test_the_cli_limit_is_a_count_in_0_to_9(cli: RunCli, limit: str) -> None:
    ran = cli("search", "distillation", "--limit", limit)
    assert ran.returncode == 2
    assert f"'{limit}' is not a count" in ran.stderr


def test_a_wrong_port_in_the_environment_only_stops_serve(cli: RunCli, tmp_path: Path) -> None:
    """PORT=² is a mistake for `briefbot serve` to report; other commands ignore it."""
    content = shutil.copytree(ROOT / "content", tmp_path / "content")
    assert cli("validate", "--content", str(content), env={"PORT": "²"}).returncode == 0
    ran = cli("serve", env={"PORT": "²"})
    assert ran.returncode == 2
    assert "PORT '²' is not a port number (1 to 65535)" in ran.stderr
    assert "Traceback" not in ran.stderr


@pytest.mark.parametrize("value", ["٣h", "²h", "99999999999999d"])
def test_a_catch_up_window_in_other_digits_or_too_long_is_refused(
    cli: RunCli, tmp_path: Path, value: str
) -> None:
    """BRIEFBOT_CATCHUP is read as every typed number is: `briefbot post-daily` exits 2
    saying which forms it takes, and never crashes on a number too large for a duration."""
    ran = cli("post-daily", cwd=tmp_path, env={"BRIEFBOT_CATCHUP": value})
    assert ran.returncode == 2, ran.stdout + ran.stderr
    assert f"BRIEFBOT_CATCHUP: {value!r} is not a duration" in ran.stderr
    assert "e.g. 90m or 3h" in ran.stderr


@pytest.mark.parametrize("oldest", ["²", "1.²", "٣"])
def test_the_local_slack_reads_a_timestamp_in_0_to_9_only(oldest: str) -> None:
    """The local Slack reads message timestamps as briefbot reads numbers: a history call
    with `oldest` in other digits is answered, not an internal error."""
    from slack_sdk import WebClient

    from tests.conftest import BOT_TOKEN
    from tests.fakeslack import FakeSlack

    with FakeSlack(bot_tokens=[BOT_TOKEN]) as slack:
        slack.post_as("U0BOB", "C0GENERAL", "hello")
        client = WebClient(token=BOT_TOKEN, base_url=slack.api_url)
        answer = client.conversations_history(channel="C0GENERAL", oldest=oldest)
        assert [m["text"] for m in answer["messages"]] == ["hello"]


@pytest.mark.parametrize("span", ["²w", "①d", "٣d", "3.5d", "-1w", "+3d", "0d", "1" * 40 + "h"])
def test_snooze_with_a_wrong_number_says_what_to_type(bot: BotHarness, span: str) -> None:
    """/brief snooze ²w (or ٣d, 3.5d, 0d…): "not a number from 1 to …", with what to type;
    nothing is snoozed."""
    subscribed = bot.command("/brief", "subscribe", channel="D0ALICE")
    bot.responses_to(subscribed)
    sent = bot.command("/brief", f"snooze {span}", channel="D0ALICE")
    assert sent.response.status == 200
    assert "is not a number from 1 to" in sent.ack_text
    assert "/brief snooze 1w" in sent.ack_text
    assert WRONG not in sent.ack_text
    person = bot.services.store.person("U0ALICE")
    assert person is not None and person.snoozed_until is None


def test_snooze_with_a_number_snoozes(bot: BotHarness) -> None:
    bot.responses_to(bot.command("/brief", "subscribe", channel="D0ALICE"))
    assert "Snoozed until" in bot.command("/brief", "snooze 3d", channel="D0ALICE").ack_text
