"""content/schedule.yml: read and checked like the rest of the content (file:line:field),
checked by `briefbot validate`, and synced into the store by the sweep."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import threading
import zoneinfo
from pathlib import Path
from typing import TYPE_CHECKING

import jsonschema
import pytest
import yaml

from bot.content.errors import ContentError
from bot.content.schedule_fields import SCHEDULE_SCHEMA_FILE
from bot.daily.declared import DeclaredFile, declared_errors, load_declared, parse_declared
from bot.schedule import Kind, Schedule, SubscriptionSpec
from tests.support.cli import RunCli

if TYPE_CHECKING:
    from tests.support.daily import DailyWorld

pytest_plugins = ("tests.support.daily", "tests.support.databases")

ROOT = Path(__file__).resolve().parents[2]
HELSINKI = zoneinfo.ZoneInfo("Europe/Helsinki")

GOOD = """\
# Channels whose daily brief the admins set.
channels:
  - channel: C0POLICY
    time: "09:00"
    zone: Europe/Helsinki
    days: weekdays
  - channel: C0SAFETY
    time: 7:30          # unquoted is fine too
    zone: america/new_york
    days: daily
  - channel: G0PRIVATE
    time: "17:05"
    zone: Asia/Kolkata
"""


def parse_schedule_file(path: str, data: bytes) -> tuple[dict[str, Schedule], list[ContentError]]:
    """The featured-brief (daily) schedules a schedule.yml declares, and every error in it."""
    subscriptions, errors = parse_declared(path, data)
    return DeclaredFile(path, subscriptions, exists=True).schedules, errors


def errors_of(text: str) -> list[str]:
    _, errors = parse_schedule_file("content/schedule.yml", text.encode())
    return [str(error) for error in errors]


def test_a_good_file_declares_each_channel() -> None:
    """Every entry becomes a schedule: quoted or bare times, any-case zones, days default."""
    schedules, errors = parse_schedule_file("schedule.yml", GOOD.encode())
    assert errors == []
    assert schedules == {
        "C0POLICY": Schedule(dt.time(9), "Europe/Helsinki", "weekdays"),
        "C0SAFETY": Schedule(dt.time(7, 30), "America/New_York", "daily"),
        "G0PRIVATE": Schedule(dt.time(17, 5), "Asia/Kolkata", "weekdays"),
    }


def test_a_missing_or_empty_file_declares_nothing(tmp_path: Path) -> None:
    """No schedule.yml, or an empty one, is valid and declares no channel."""
    assert load_declared(tmp_path).schedules == {}
    assert not load_declared(tmp_path).exists
    (tmp_path / "schedule.yml").write_text("# nothing yet\n")
    assert load_declared(tmp_path).schedules == {} and declared_errors(tmp_path) == []


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (
            '  - channel: C0X\n    time: "09:00"\n    zone: UTC\n    timezone: UTC\n',
            "content/schedule.yml:5: unknown field 'timezone' (entry 1 of 'channels') "
            "(did you mean 'zone'?)",
        ),
        (
            '  - channel: "#general"\n    time: "09:00"\n    zone: UTC\n',
            "content/schedule.yml:2: 'channel' (entry 1 of 'channels') must be the channel's "
            "id, not its name (#general)",
        ),
        (
            '  - channel: C0X\n    time: "25:00"\n    zone: UTC\n',
            "content/schedule.yml:3: 'time' (entry 1 of 'channels') must be a time of day",
        ),
        (
            "  - channel: C0X\n    time: 09:00\n    zone: Europe/Helsnki\n",
            "content/schedule.yml:4: 'zone' (entry 1 of 'channels'): unknown time zone "
            "'Europe/Helsnki' (did you mean Europe/Helsinki?)",
        ),
        (
            '  - channel: C0X\n    time: "09:00"\n    zone: UTC\n    days: weekends\n',
            "content/schedule.yml:5: 'days' (entry 1 of 'channels') must be weekdays",
        ),
        (
            "  - channel: C0X\n    zone: UTC\n",
            "content/schedule.yml:2: missing required field 'time' (entry 1 of 'channels')",
        ),
        (
            '  - channel: C0X\n    time: "09:00"\n    zone: UTC\n'
            '  - channel: C0X\n    time: "10:00"\n    zone: UTC\n',
            "content/schedule.yml:5: channel C0X is declared twice (entry 2 of 'channels'); "
            "it is first declared on line 2",
        ),
    ],
)
def test_mistakes_come_back_with_file_line_and_field(entry: str, expected: str) -> None:
    """Each kind of mistake names the file, the line and the field, and says what to write."""
    errors = errors_of("channels:\n" + entry)
    assert len(errors) == 1
    assert errors[0].startswith(expected)


def test_unsafe_or_misshapen_files_are_refused_whole() -> None:
    """YAML anchors are refused; a file that is not a 'channels:' list says what it needs;
    one bad entry means nothing from the file is used."""
    alias = 'x: &a "09:00"\nchannels:\n  - channel: C0X\n    time: *a\n    zone: UTC\n'
    assert any("anchors" in error for error in errors_of(alias))
    assert "expected a 'channels:' list" in errors_of("- C0X\n")[0]
    assert "unknown field 'chanels'" in errors_of("chanels: []\n")[0]
    schedules, errors = parse_schedule_file(
        "s.yml", (GOOD + "  - channel: C0BAD\n    time: noon\n    zone: UTC\n").encode()
    )
    assert schedules == {} and len(errors) == 1


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need a POSIX system")
def test_a_named_pipe_called_schedule_yml_is_refused_not_waited_on(tmp_path: Path) -> None:
    """schedule.yml is opened as content files are: a named pipe is reported as an error
    in the file (what it is, what to do) instead of blocking the sweep forever."""
    os.mkfifo(tmp_path / "schedule.yml")
    found: list[list[str]] = []
    reader = threading.Thread(
        target=lambda: found.append([str(e) for e in declared_errors(tmp_path)]), daemon=True
    )
    reader.start()
    reader.join(15)  # a liveness guard: the old reader waited here until a writer came
    if reader.is_alive():
        with open(tmp_path / "schedule.yml", "wb"):  # let the stuck reader go
            pass
        pytest.fail("reading a named pipe called schedule.yml blocked")
    assert len(found[0]) == 1
    assert "schedule.yml" in found[0][0] and "named pipe" in found[0][0]


def _schedule_schema_errors(text: str) -> list[str]:
    schema = json.loads((ROOT / "content" / "schemas" / SCHEDULE_SCHEMA_FILE).read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    return [error.message for error in validator.iter_errors(yaml.safe_load(text))]


def test_schedule_schema_agrees_with_the_checker() -> None:
    """content/schemas/schedule.schema.json (for editors) accepts a good schedule.yml and
    refuses each mistake the checker refuses: a #name, a time past 23:59, unknown days,
    an unknown field, a missing time."""
    # YAML 1.1 (PyYAML) reads a bare 7:30 as a number; editors' YAML 1.2 reads text.
    good = GOOD.replace("time: 7:30", 'time: "7:30"')
    assert _schedule_schema_errors(good) == [] and errors_of(good) == []
    assert _schedule_schema_errors("# nothing yet\n") == []
    entry = '  - channel: C0X\n    time: "09:00"\n    zone: UTC\n'
    mistakes = [
        entry.replace("C0X", '"#general"'),
        entry.replace("09:00", "25:00"),
        entry + "    days: weekends\n",
        entry + "    timezone: UTC\n",
        entry.replace('    time: "09:00"\n', ""),
    ]
    for mistake in mistakes:
        text = "channels:\n" + mistake
        assert errors_of(text), mistake
        assert _schedule_schema_errors(text), mistake


KINDS = """\
channels:
  - channel: C0POLICY
    time: "09:30"
    zone: Europe/Helsinki
    days: mon, wed, FRI
    tags: [Security, governance]
  - channel: C0POLICY
    kind: weekly
    time: "16:00"
    zone: Europe/Helsinki
    days: friday
  - channel: C0POLICY
    kind: new
    zone: Europe/Helsinki
    tags: governance
  - channel: C0SAFETY
    kind: weekly
    time: "08:00"
    zone: UTC
  - channel: C0SAFETY
    time: "07:00"
    zone: UTC
    days: [sat, sun]
"""


def test_schedule_yml_declares_every_kind_with_days_and_tags(tmp_path: Path) -> None:
    """Kinds (daily by default, new, weekly), days as a list (text or YAML) and tags, one
    entry of each kind a channel; a weekly digest defaults to Friday, new takes no time."""
    (tmp_path / "schedule.yml").write_text(KINDS)
    declared = load_declared(tmp_path)
    helsinki = "Europe/Helsinki"
    assert declared.subscriptions == {
        ("C0POLICY", Kind.DAILY): SubscriptionSpec(
            Kind.DAILY,
            Schedule(dt.time(9, 30), helsinki, "mon,wed,fri"),
            ("governance", "security"),
        ),
        ("C0POLICY", Kind.WEEKLY): SubscriptionSpec(
            Kind.WEEKLY, Schedule(dt.time(16), helsinki, "fri")
        ),
        ("C0POLICY", Kind.NEW): SubscriptionSpec(
            Kind.NEW, Schedule(dt.time(9), helsinki, "weekdays"), ("governance",)
        ),
        ("C0SAFETY", Kind.WEEKLY): SubscriptionSpec(
            Kind.WEEKLY, Schedule(dt.time(8), "UTC", "fri")
        ),
        ("C0SAFETY", Kind.DAILY): SubscriptionSpec(
            Kind.DAILY, Schedule(dt.time(7), "UTC", "sat,sun")
        ),
    }
    assert declared.schedules == {
        "C0POLICY": Schedule(dt.time(9, 30), helsinki, "mon,wed,fri"),
        "C0SAFETY": Schedule(dt.time(7), "UTC", "sat,sun"),
    }


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (
            '  - channel: C0X\n    kind: weekley\n    time: "09:00"\n    zone: UTC\n',
            "content/schedule.yml:3: 'kind' (entry 1 of 'channels') must be daily (the featured "
            "brief), new (new briefs as published) or weekly (a digest), got 'weekley' "
            "(did you mean 'weekly'?)",
        ),
        (
            '  - channel: C0X\n    kind: new\n    time: "09:00"\n    zone: UTC\n',
            "content/schedule.yml:4: 'time' (entry 1 of 'channels'): new briefs are posted as "
            "they are published",
        ),
        (
            '  - channel: C0X\n    kind: weekly\n    time: "09:00"\n    zone: UTC\n'
            "    days: mon,fri\n",
            "content/schedule.yml:6: 'days' (entry 1 of 'channels'): a weekly digest posts on "
            "one day, like fri, got 'mon,fri'",
        ),
        (
            '  - channel: C0X\n    time: "09:00"\n    zone: UTC\n    days: [mon, funday]\n',
            "content/schedule.yml:5: 'days' (entry 1 of 'channels') must be weekdays (Monday to "
            "Friday), daily, or days like mon,wed,fri (or a list of them), got 'mon,funday'",
        ),
        (
            '  - channel: C0X\n    time: "09:00"\n    zone: UTC\n    tags: [ai policy]\n',
            "content/schedule.yml:5: 'tags' (entry 1 of 'channels'): “ai policy” is not a tag",
        ),
        (
            "  - channel: C0X\n    kind: weekly\n    zone: UTC\n",
            "content/schedule.yml:2: missing required field 'time' (entry 1 of 'channels')",
        ),
        (
            "  - channel: C0X\n    kind: new\n    zone: UTC\n"
            "  - channel: C0X\n    kind: NEW\n    zone: UTC\n",
            "content/schedule.yml:5: channel C0X is declared twice as new (entry 2 of "
            "'channels'); it is first declared on line 2",
        ),
    ],
)
def test_kind_days_and_tags_mistakes_come_back_with_file_line_and_field(
    entry: str, expected: str
) -> None:
    """A mistyped kind, a time or days on new, two days for a weekly digest, an unknown
    day, a malformed tag, a weekly without time, a kind twice: file, line, field, what to do."""
    errors = errors_of("channels:\n" + entry)
    assert len(errors) == 1, errors
    assert errors[0].startswith(expected), errors[0]


def test_schedule_schema_knows_kinds_days_and_tags() -> None:
    """The editors' schema accepts every kind, days lists and tags, and refuses what the
    checker refuses: a time on new, a missing time on weekly, an unknown kind, a bad tag.
    (It asks for the lower-case, short spelling of days and tags the checker also reads.)"""
    canonical = (
        KINDS.replace("mon, wed, FRI", "mon, wed, fri")
        .replace("friday", "fri")
        .replace("Security", "security")
        .replace("tags: governance", "tags: [governance]")
    )
    assert _schedule_schema_errors(canonical) == [] and errors_of(canonical) == []
    mistakes = [
        '  - channel: C0X\n    kind: new\n    time: "09:00"\n    zone: UTC\n',
        "  - channel: C0X\n    kind: weekly\n    zone: UTC\n",
        '  - channel: C0X\n    kind: monthly\n    time: "09:00"\n    zone: UTC\n',
        '  - channel: C0X\n    time: "09:00"\n    zone: UTC\n    tags: [AI Policy]\n',
        '  - channel: C0X\n    time: "09:00"\n    zone: UTC\n    days: [mon, funday]\n',
    ]
    for mistake in mistakes:
        text = "channels:\n" + mistake
        assert errors_of(text), mistake
        assert _schedule_schema_errors(text), mistake


def test_validate_checks_schedule_yml_with_the_content(tmp_path: Path, cli: RunCli) -> None:
    """`briefbot validate` passes good content with a good schedule.yml and lists a bad
    schedule.yml's errors (file:line) with exit 1."""
    content_dir = tmp_path / "content"
    shutil.copytree(ROOT / "content", content_dir)
    (content_dir / "schedule.yml").write_text(GOOD)
    good = cli("validate", "content", cwd=tmp_path)
    assert good.returncode == 0, good.stderr
    (content_dir / "schedule.yml").write_text(GOOD.replace("america/new_york", "Mars/Olympus"))
    bad = cli("validate", "content", cwd=tmp_path)
    assert bad.returncode == 1
    assert "content/schedule.yml:9: 'zone'" in bad.stderr and "Mars/Olympus" in bad.stderr
    assert "1 error in the content" in bad.stderr


def test_sweep_syncs_declared_channels_and_posts_them(daily: DailyWorld) -> None:
    """The sweep copies schedule.yml into the store and posts declared channels like any
    other; removing one from the file removes its schedule."""
    daily.slack.add_channel("C0POLICY")
    daily.slack.add_channel("C0SAFETY")
    (daily.content / "schedule.yml").write_text(GOOD)
    daily.sweep(dt.datetime(2024, 5, 6, 8, 0, tzinfo=HELSINKI))
    report = daily.sweep(dt.datetime(2024, 5, 6, 9, 0, 30, tzinfo=HELSINKI))
    assert [e.channel_id for e in report.posted] == ["C0POLICY"]
    declared = {s.channel_id for s in daily.store.subscriptions() if s.declared}
    assert declared == {"C0POLICY", "C0SAFETY", "G0PRIVATE"}
    (daily.content / "schedule.yml").write_text(GOOD.split("  - channel: C0SAFETY")[0])
    daily.sweep(dt.datetime(2024, 5, 6, 9, 1, 30, tzinfo=HELSINKI))
    assert [s.channel_id for s in daily.store.subscriptions()] == ["C0POLICY"]


def test_sweep_syncs_every_declared_kind_with_its_tags(daily: DailyWorld) -> None:
    """Entries of every kind, with days lists and tags, reach the store as declared
    subscriptions; taking one kind out of the file removes that one and keeps the others."""
    (daily.content / "schedule.yml").write_text(KINDS)
    daily.sweep(dt.datetime(2024, 5, 6, 8, 0, tzinfo=HELSINKI))
    stored = {(s.channel_id, s.kind): s for s in daily.store.subscriptions()}
    assert set(stored) == {
        ("C0POLICY", "daily"),
        ("C0POLICY", "weekly"),
        ("C0POLICY", "new"),
        ("C0SAFETY", "weekly"),
        ("C0SAFETY", "daily"),
    }
    assert all(s.declared for s in stored.values())
    assert stored["C0POLICY", "daily"].spec.tags == ("governance", "security")
    assert stored["C0POLICY", "daily"].days == "mon,wed,fri"
    assert stored["C0POLICY", "weekly"].spec.schedule.days == "fri"
    (daily.content / "schedule.yml").write_text(KINDS.split("  - channel: C0SAFETY")[0])
    daily.sweep(dt.datetime(2024, 5, 6, 8, 1, tzinfo=HELSINKI))
    left = {(s.channel_id, s.kind) for s in daily.store.subscriptions()}
    assert left == {("C0POLICY", "daily"), ("C0POLICY", "weekly"), ("C0POLICY", "new")}


def test_a_broken_schedule_file_changes_nothing_and_is_logged_once(
    daily: DailyWorld, caplog: pytest.LogCaptureFixture
) -> None:
    """An edit that breaks schedule.yml keeps the declared channels as they were and logs
    the errors once, not every minute."""
    (daily.content / "schedule.yml").write_text(GOOD)
    daily.sweep(dt.datetime(2024, 5, 6, 6, 0, tzinfo=HELSINKI))
    (daily.content / "schedule.yml").write_text(GOOD.replace('"09:00"', '"9 o\'clock"'))
    with caplog.at_level(logging.ERROR, logger="briefbot.daily"):
        for minute in range(3):
            daily.sweep(dt.datetime(2024, 5, 6, 6, 1 + minute, tzinfo=HELSINKI))
    assert len(daily.store.subscriptions()) == 3
    (logged,) = [r for r in caplog.records if "schedule.yml" in r.getMessage()]
    assert "9 o'clock" in logged.getMessage()
