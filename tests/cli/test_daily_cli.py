"""`briefbot post-daily`, `briefbot clock`, the clock inside the bot and BRIEFBOT_CLOCK,
run against a local Slack and a real store with the real time."""

from __future__ import annotations

import dataclasses
import datetime as dt
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bot.cli import main
from bot.config import ConfigError, Settings
from bot.daily.clock import start_clock
from bot.store import DeliveryKey, DeliveryState
from tests.support.cli import run_in_process

if TYPE_CHECKING:
    from tests.support.daily import DailyWorld

pytest_plugins = ("tests.support.daily", "tests.support.databases")


def run_cli(world: DailyWorld, monkeypatch: pytest.MonkeyPatch, *args: str, **env: str) -> int:
    """Run `briefbot ARGS` in this process with the world's environment."""
    for name, value in world.env(**env).items():
        monkeypatch.setenv(name, value)
    return main(list(args))


def test_dry_run_shows_what_is_due_and_records_nothing(
    daily: DailyWorld, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--dry-run lists the post that is due; nothing is posted, claimed or picked."""
    day = daily.subscribe_due_now("C0CLI")
    assert run_cli(daily, monkeypatch, "post-daily", "--dry-run") == 0
    out = capsys.readouterr().out
    assert f"would post: C0CLI {day.isoformat()}" in out and "dry run: 1 would post" in out
    assert daily.slack.calls == [] and daily.store.deliveries() == []
    assert daily.store.featured_pick(day) is None


def test_post_daily_twice_posts_once(
    daily: DailyWorld, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two runs of post-daily: the first posts, the second finds nothing to do."""
    day = daily.subscribe_due_now("C0CLI")
    assert run_cli(daily, monkeypatch, "post-daily") == 0
    assert f"posted: C0CLI {day.isoformat()}" in capsys.readouterr().out
    assert run_cli(daily, monkeypatch, "post-daily") == 0
    assert "nothing is due" in capsys.readouterr().out
    assert len(daily.daily_posts("C0CLI")) == 1


def test_post_daily_for_a_date_ignores_the_catch_up_window(
    daily: DailyWorld, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A post missed by 5 hours: --date for its day posts it (someone asked for it)."""
    day = daily.subscribe_due_now("C0LATE", minutes_ago=300)
    code = run_cli(daily, monkeypatch, "post-daily", "--date", day.isoformat())
    assert code == 0, capsys.readouterr()
    assert len(daily.daily_posts("C0LATE")) == 1


def test_post_daily_for_one_channel_only(
    daily: DailyWorld, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--channel posts that channel only; an unknown channel is a clear error (exit 1)."""
    daily.subscribe_due_now("C0ONE")
    daily.subscribe_due_now("C0TWO")
    assert run_cli(daily, monkeypatch, "post-daily", "--channel", "C0TWO") == 0
    assert [m["channel"] for m in daily.daily_posts()] == ["C0TWO"]
    assert run_cli(daily, monkeypatch, "post-daily", "--channel", "C0NONE") == 1
    assert "C0NONE has no daily brief" in capsys.readouterr().err


def test_post_daily_explains_missing_token_and_bad_dates(
    daily: DailyWorld, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No SLACK_BOT_TOKEN: exit 2 naming it; a bad --date: argparse's usage error."""
    assert run_cli(daily, monkeypatch, "post-daily", SLACK_BOT_TOKEN="") == 2
    assert "SLACK_BOT_TOKEN is not set" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run_cli(daily, monkeypatch, "post-daily", "--date", "2024-13-01")
    assert "is not a date" in capsys.readouterr().err


def test_post_daily_exits_nonzero_when_a_post_is_in_doubt(
    daily: DailyWorld, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 503 from Slack without history access: the unknown post is listed and exit is 1."""
    daily.subscribe_due_now("C0DOUBT")
    daily.slack.fail("chat.postMessage", status=503, after_applying=True)
    daily.slack.fail("conversations.history", error="missing_scope", times=None)
    assert run_cli(daily, monkeypatch, "post-daily") == 1
    assert "unknown: C0DOUBT" in capsys.readouterr().out


def test_clock_in_the_bot_sweeps_at_start_and_stops(daily: DailyWorld) -> None:
    """start_clock (a background job of run/serve) sweeps at once, then stops cleanly."""
    day = daily.subscribe_due_now("C0TICK")
    daily.services.now = lambda: dt.datetime.now(dt.UTC)
    stop = start_clock(daily.services, daily.client())
    try:
        daily.slack.wait_for(lambda: daily.daily_posts("C0TICK"), timeout=30)
    finally:
        stop()
    assert not [t for t in threading.enumerate() if "APScheduler" in t.name]
    row = daily.store.delivery(DeliveryKey.daily("C0TICK", day))
    assert row is not None and row.state == DeliveryState.POSTED


def test_clock_off_starts_nothing(daily: DailyWorld) -> None:
    """BRIEFBOT_CLOCK=off: start_clock starts no scheduler, so this process never sweeps."""
    daily.services.settings = dataclasses.replace(daily.services.settings, clock=False)
    before = set(threading.enumerate())
    stop = start_clock(daily.services, daily.client())
    assert set(threading.enumerate()) == before
    stop()


def test_briefbot_clock_setting_is_checked() -> None:
    """BRIEFBOT_CLOCK is on by default, takes on/off, and anything else is a clear error."""
    assert Settings.from_env({}).clock is True
    assert Settings.from_env({"BRIEFBOT_CLOCK": "OFF"}).clock is False
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({"BRIEFBOT_CLOCK": "sometimes"})
    assert "BRIEFBOT_CLOCK must be on or off" in str(raised.value)


@pytest.mark.parametrize(
    ("value", "reason"), [("3", "has no unit"), ("0m", "would skip every missed post")]
)
def test_catch_up_without_a_unit_or_zero_is_refused_with_the_forms(
    daily: DailyWorld, tmp_path: Path, value: str, reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`BRIEFBOT_CATCHUP=3` (minutes? hours?) and `0m`: `briefbot post-daily` exits 2 saying
    why and which forms it takes, and posts nothing."""
    daily.subscribe_due_now("C0CATCH")
    done = run_in_process(
        ("post-daily",), capsys, cwd=tmp_path, env=daily.env(BRIEFBOT_CATCHUP=value)
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"BRIEFBOT_CATCHUP: {value!r} {reason}" in done.stderr
    assert "m (minutes), h (hours) or d (days), e.g. 90m or 3h" in done.stderr
    assert daily.daily_posts() == []


def test_catch_up_takes_minutes_hours_and_days() -> None:
    """90m, 3h and 1d are read with their unit."""
    for value, expected in (("90m", 90), ("3h", 180), ("1d", 1440), (" 2 H ", 120)):
        settings = Settings.from_env({"BRIEFBOT_CATCHUP": value})
        assert settings.catch_up == dt.timedelta(minutes=expected)


@pytest.mark.slow
def test_briefbot_clock_process_posts_and_stops_on_sigterm(
    daily: DailyWorld, tmp_path: Path
) -> None:
    """`briefbot clock` (with BRIEFBOT_CLOCK=off in its environment, as a deployment would
    have it) posts what is due, and exits 0 on SIGTERM."""
    daily.subscribe_due_now("C0PROC")
    log = tmp_path / "clock.log"
    with log.open("w") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "clock"],
            cwd=tmp_path,
            env=daily.env(BRIEFBOT_CLOCK="off"),
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
        try:
            daily.slack.wait_for(lambda: daily.daily_posts("C0PROC"), timeout=60)
        finally:
            process.send_signal(signal.SIGTERM)
            code = process.wait(30)
    assert code == 0, log.read_text()
    assert "daily brief clock started" in log.read_text()
    assert len(daily.daily_posts("C0PROC")) == 1


def post_daily(
    world: DailyWorld, cwd: Path, capsys: pytest.CaptureFixture[str], *args: str, **env: str
) -> tuple[int, str]:
    """Run `briefbot post-daily ARGS` in `cwd` through the CLI's entry point, in this
    process; its exit status and output."""
    ran = run_in_process(("post-daily", *args), capsys, cwd=cwd, env=world.env(**env))
    return ran.returncode, ran.stdout + ran.stderr


DECLARED = """channels:
  - channel: C0DECL
    time: "09:00"
    zone: Europe/Helsinki
    days: daily
"""


def test_dry_run_shows_the_schedule_files_channels_and_writes_nothing(
    daily_on: DailyWorld, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`post-daily --dry-run` with a channel declared only in content/schedule.yml and one
    subscribed from Slack: the declared one is shown with its next post, the one due
    would be posted, no row is written, and a SQLite file that did not exist is not
    created."""
    world = daily_on
    (world.content / "schedule.yml").write_text(DECLARED)
    world.subscribe_due_now("C0SLACK")
    env: dict[str, str] = {}
    never = tmp_path / "never.db"
    if world.services.settings.database_url.startswith("sqlite"):
        env["DATABASE_URL"] = f"sqlite:///{never}"
    code, out = post_daily(world, tmp_path, capsys, "--dry-run", **env)
    assert code == 0, out
    assert "next: C0DECL" in out and "at 09:00 (Europe/Helsinki), from content/schedule.yml" in out
    assert "no channel is subscribed" not in out
    if env:
        assert not never.exists()
    else:
        assert "would post: C0SLACK" in out
    code, out = post_daily(world, tmp_path, capsys, "--dry-run", "--channel", "C0DECL", **env)
    assert code == 0 and "next: C0DECL" in out and "C0SLACK" not in out, out
    assert [s.channel_id for s in world.store.subscriptions()] == ["C0SLACK"]
    assert world.store.deliveries() == []
    assert world.slack.calls == []


DECLARED_KINDS = """channels:
  - channel: C0DECL
    time: "09:00"
    zone: Europe/Helsinki
    days: mon,wed,fri
    tags: [governance]
  - channel: C0DECL
    kind: weekly
    time: "16:00"
    zone: Europe/Helsinki
    days: fri
  - channel: C0DECL
    kind: new
    zone: Europe/Helsinki
"""


def test_dry_run_shows_every_kind_the_schedule_file_declares(
    daily_on: DailyWorld, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`post-daily --dry-run` shows each kind schedule.yml declares for a channel (daily with
    its days and tags, the weekly digest, new briefs), and writes nothing."""
    world = daily_on
    (world.content / "schedule.yml").write_text(DECLARED_KINDS)
    code, out = post_daily(world, tmp_path, capsys, "--dry-run")
    assert code == 0, out
    lines = [line for line in out.splitlines() if "next: C0DECL" in line]
    assert any("at 09:00 (Europe/Helsinki), tags governance" in line for line in lines), out
    assert any("weekly digest at 16:00 (Europe/Helsinki)" in line for line in lines), out
    assert any("new briefs, at the next sweep" in line for line in lines), out
    assert world.store.subscriptions() == []
    assert world.store.deliveries() == []


def test_an_idle_sweep_tells_no_channel_from_all_done(
    daily: DailyWorld, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With nothing subscribed, `post-daily` (and its dry run) says no channel is
    subscribed and how to subscribe one; once every due post is out, it says all is done."""
    for args in (("--dry-run",), ()):
        code, out = post_daily(daily, tmp_path, capsys, *args)
        assert code == 0, out
        assert "no channel is subscribed: type `/brief subscribe` in a channel" in out
        assert "already recorded" not in out
    daily.subscribe_due_now("C0DONE")
    assert post_daily(daily, tmp_path, capsys)[0] == 0
    code, out = post_daily(daily, tmp_path, capsys)
    assert code == 0 and "nothing is due: every post whose time has come is already recorded" in out
    daily.store.pause("C0DONE", "is_archived")
    code, out = post_daily(daily, tmp_path, capsys, "--dry-run")
    assert "every subscribed channel is paused" in out


def test_post_daily_posts_for_the_team_the_database_serves(
    daily: DailyWorld, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Once start-up adopted the rows into the bot token's team, post-daily reads and
    writes that team's rows (no row without a team appears); a database holding several
    teams' rows is refused, saying it belongs to a deployment of many workspaces."""
    day = daily.subscribe_due_now("C0CLI")
    home = daily.store.for_team("T0HOME")
    assert home.adopt_rows() == 1
    assert run_cli(daily, monkeypatch, "post-daily") == 0
    assert f"posted: C0CLI {day.isoformat()}" in capsys.readouterr().out
    assert [row.state for row in home.deliveries()] == [DeliveryState.POSTED]
    assert daily.store.deliveries() == []

    daily.store.for_team("T0OTHER").subscribe("C0CLI", home.subscriptions()[0].spec, "U1")
    assert run_cli(daily, monkeypatch, "post-daily") == 2
    assert "several teams (T0HOME, T0OTHER)" in capsys.readouterr().err
    assert len(daily.daily_posts("C0CLI")) == 1
