"""The local console: the README's run command with no Slack tokens shows the bot working."""

from __future__ import annotations

import datetime as dt
import logging
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.console import run
from bot.console.session import ConsoleSession
from bot.daily.clock import DailyClock
from bot.jobs.content_notices import WatchJob
from tests.fakeslack import wait_for
from tests.support.clock import Clock
from tests.support.processes import ROOT, bot_env

WAIT = 15.0
DISTILLATION = "ai-distillation-national-security"


def test_console_answers_commands_and_buttons() -> None:
    """Commands, a button press, a shared post, a threaded related reply and App Home render."""
    out: list[str] = []
    code = run(
        ROOT / "content",
        lines=[
            "/brief distilation",
            "8",
            "9",
            "/define sae",
            "/define qqqzzz",
            "home",
            "/nope",
            "nonsense",
            "99",
            "quit",
        ],
        write=out.append,
    )
    text = "\n".join(out)
    assert code == 0
    assert "AI DISTILLATION" in text  # the brief, title as a header
    assert "[8] Share in channel" in text
    assert "briefbot in #general\n" in text or "briefbot in #general" in text
    assert "Shared by @alice" in text  # button 8 shared it
    assert "Related briefs" in text
    assert "“SAE” is another name for" in text
    assert "No glossary term matches" in text
    assert "App Home" in text
    assert "/nope is not a command here. briefbot knows /brief and /define" in text
    assert "There is no button [99]" in text


def test_related_in_the_console_threads_under_the_shared_post() -> None:
    """Pressing Related briefs on the shared post shows a thread reply."""
    out: list[str] = []
    run(ROOT / "content", lines=["/brief distillation", "8"], write=out.append)
    shared = "\n".join(out)
    number = re.findall(r"\[(\d+)\] Related briefs", shared)[-1]
    out.clear()
    run(ROOT / "content", lines=["/brief distillation", "8", number], write=out.append)
    assert "› thread" in "\n".join(out)


def test_console_shows_typed_ampersands_and_brackets_as_typed() -> None:
    """What a person types with & < > comes back to them exactly as typed."""
    out: list[str] = []
    run(ROOT / "content", lines=["/brief <!channel> & R&D zzqq", "quit"], write=out.append)
    assert "No brief matches “<!channel> & R&D zzqq”." in "\n".join(out)


@pytest.mark.slow
def test_bare_command_without_tokens_starts_the_console(tmp_path) -> None:
    """`python -m bot` (what `python3 tasks.py run` runs) with no tokens opens the console."""
    env = bot_env(tmp_path, "https://slack.com/api/")
    env.pop("SLACK_API_URL")
    done = subprocess.run(
        [sys.executable, "-m", "bot"],
        input="/define rocq\nquit\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "briefbot console" in done.stdout and "Rocq" in done.stdout


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A copy of the shipped content that a test may edit."""
    return Path(shutil.copytree(ROOT / "content", tmp_path / "content"))


@pytest.fixture
def session(content: Path) -> Iterator[ConsoleSession]:
    console = ConsoleSession(content)
    try:
        yield console
    finally:
        console.close()


def job(session: ConsoleSession, kind: type) -> object:
    return next(j for j in session.jobs if isinstance(j, kind))


def test_console_loads_an_edited_brief_while_it_runs(
    session: ConsoleSession, content: Path
) -> None:
    """Saving a brief while the console runs changes what /brief shows, as in `briefbot run`."""
    watch = job(session, WatchJob)
    assert isinstance(watch, WatchJob) and watch.watcher is not None
    assert watch.watcher.ready.wait(WAIT)
    assert "A NEW FRONTIER IN NATIONAL SECURITY" in "\n".join(
        session.command(f"/brief {DISTILLATION}")
    )
    path = content / "briefs" / f"{DISTILLATION}.yml"
    before = session.services.library.version
    path.write_text(
        path.read_text().replace("a new frontier in national security", "copies at the border")
    )
    wait_for(lambda: session.services.library.version != before, timeout=WAIT)
    shown = "\n".join(session.command(f"/brief {DISTILLATION}"))
    assert "AI DISTILLATION: COPIES AT THE BORDER" in shown
    assert "watching: events" in "\n".join(session.command("/brief status"))


def test_console_subscription_posts_in_the_channel_at_its_time(content: Path) -> None:
    """`/brief subscribe 09:30` in the console: the clock's 09:30 sweep posts in #general,
    and the post is shown as it arrives; nothing is posted at 09:29."""
    clock = Clock(dt.datetime(2024, 5, 6, 13, 29, tzinfo=dt.UTC))  # Monday 09:29 in New York
    arrived: list[str] = []
    console = ConsoleSession(content, now=clock, announce=arrived.extend)
    try:
        answer = "\n".join(console.command("/brief subscribe 09:30"))
        assert "09:30" in answer and "America/New_York" in answer
        daily = job(console, DailyClock)
        assert isinstance(daily, DailyClock)
        daily.tick()
        assert "Today's featured brief" not in "\n".join(arrived)
        clock.advance(minutes=1)
        daily.tick()
        wait_for(lambda: "Today's featured brief" in "\n".join(arrived), WAIT)
        text = "\n".join(arrived)
        assert "┌ briefbot in #general" in text and "📰 Today's featured brief" in text
    finally:
        console.close()


def test_related_mention_works_in_a_thread_that_has_replies(session: ConsoleSession) -> None:
    """@briefbot related in a shared brief's thread, after replies, answers in that thread
    (the related briefs are already there), not with the "mention me in a thread" hint."""
    shown = "\n".join(session.command(f"/brief {DISTILLATION}"))
    share = re.search(r"\[(\d+)\] Share in channel", shown)
    assert share
    shown = "\n".join(session.press(int(share[1])))
    related = re.findall(r"\[(\d+)\] Related briefs", shown)[-1]
    assert "› thread" in "\n".join(session.press(int(related)))  # the thread now has a reply
    first = "\n".join(session.mention("related"))
    again = "\n".join(session.mention("more please"))
    for answer in (first, again):
        assert "briefbot in #general › thread (only visible to you)" in answer
        assert "already in this message's thread" in answer
        assert "Mention me with" not in answer
    post = [m for m in session.slack.messages("C0GENERAL") if not m.get("thread_ts")]
    assert not post  # the shared post is a thread parent: thread_ts is its own ts
    parent = [m for m in session.slack.messages("C0GENERAL") if m.get("reply_count")]
    assert parent and parent[0]["reply_count"] == 3  # the related briefs and two mentions


def test_console_shows_names_emoji_and_code_blocks(session: ConsoleSession, content: Path) -> None:
    """People and channels read as @alice and #general, emoji codes as emoji, and a code
    block as indented text, never as ids, :codes: or backticks."""
    shown = "\n".join(session.command(f"/brief {DISTILLATION}"))
    share = re.search(r"\[(\d+)\] Share in channel", shown)
    assert share
    assert "Shared by @alice" in "\n".join(session.press(int(share[1])))
    session.command("/brief subscribe 09:30")
    home = "\n".join(session.open_home())
    assert "#general 09:30" in home and "C0GENERAL" not in home
    assert "🔄 Reloaded" in "\n".join(session.command("/brief reload"))
    (content / "briefs" / "broken.yml").write_text("title: [unclosed\n")
    broken = session.command("/brief reload")
    text = "\n".join(broken)
    assert "```" not in text and ":warning:" not in text and ":x:" not in text
    assert any(line.startswith("    briefs/broken.yml") for line in broken), text


def test_home_show_arrives_as_a_direct_message(session: ConsoleSession) -> None:
    """A Show button in the App Home tab brings the brief as a direct message from
    briefbot, as in Slack, not as a private answer in the channel."""
    home = "\n".join(session.open_home())
    show = re.findall(r"\[(\d+)\] Show", home)[0]
    shown = session.press(int(show))
    text = "\n".join(shown)
    assert "┌ direct message from briefbot" in text
    assert "only visible to you" not in text and "in #general" not in text
    assert session.slack.messages("D0ALICE")  # stored in alice's DM with the bot


def test_unknown_command_gets_one_friendly_line(
    session: ConsoleSession, caplog: pytest.LogCaptureFixture
) -> None:
    """/foo gets one line naming the commands briefbot knows, and no code suggestion."""
    with caplog.at_level(logging.DEBUG):
        answer = session.command("/foo bar")
    assert answer == [
        "/foo is not a command here. briefbot knows /brief and /define; type help for more."
    ]
    assert "Suggestion" not in caplog.text and "Unhandled request" not in caplog.text


def test_ctrl_c_leaves_quietly_and_stops_the_background_jobs() -> None:
    """Ctrl-C at the prompt ends the console with exit code 0, and its hot-reload and
    daily-clock threads are gone."""
    before = set(threading.enumerate())

    def typed() -> Iterator[str]:
        yield "/define sae"
        names = {t.name for t in threading.enumerate()}
        assert "briefbot-content-watch" in names  # the jobs were running
        assert any("APScheduler" in name for name in names)
        raise KeyboardInterrupt

    out: list[str] = []
    assert run(ROOT / "content", lines=typed(), write=out.append) == 0
    left = [t for t in set(threading.enumerate()) - before if t.is_alive()]
    assert not [t for t in left if "watch" in t.name or "APScheduler" in t.name], left


def test_console_explains_terms_on_any_message_it_shows(session: ConsoleSession) -> None:
    """`say` writes a message (numbered m1, m2, …); `explain` runs Explain terms on the latest
    or a numbered one, and its Post in thread button threads the explanation."""
    said = "\n".join(session.say("Distillation & an LLM"))
    assert "m1" in said
    answer = "\n".join(session.explain())
    assert "2 glossary terms in this message" in answer
    assert "Large language model (found as “LLM”)" in answer
    (post,) = re.findall(r"\[(\d+)\] Post in thread", answer)
    threaded = "\n".join(session.press(int(post)))
    assert "› thread · m2" in threaded and "@alice asked briefbot" in threaded
    # The reply itself can be explained too: its definitions name more terms.
    assert "glossary terms in this message" in "\n".join(session.explain("m2"))
    assert session.explain("m9") == ["There is no message m9; messages are numbered m1 to m2."]


NEW_BRIEF = """\
title: Chip rules tighten again
date: 2024-05-06
summary: Export rules for advanced chips tighten. A second sentence the digest leaves out.
tags: [export-controls]
"""


def test_console_shows_new_briefs_and_the_weekly_digest_as_the_clock_posts_them(
    content: Path,
) -> None:
    """In the console, `/brief subscribe new` and `/brief subscribe weekly fri 16:00`: a
    brief added to the content arrives in #general as a new brief at the clock's next
    sweep, and Friday's 16:00 sweep posts the week's digest with it."""
    clock = Clock(dt.datetime(2024, 5, 6, 13, 29, tzinfo=dt.UTC))  # Monday 09:29 in New York
    arrived: list[str] = []
    console = ConsoleSession(content, now=clock, announce=arrived.extend)
    try:
        assert "new briefs as they are published" in "\n".join(
            console.command("/brief subscribe new")
        )
        assert "16:00 on Fri" in "\n".join(console.command("/brief subscribe weekly fri 16:00"))
        shown = "\n".join(console.command("/brief schedule"))
        assert "New briefs in this channel" in shown and "Weekly digest in this channel" in shown
        daily = job(console, DailyClock)
        assert isinstance(daily, DailyClock)
        daily.tick()
        assert "New brief" not in "\n".join(arrived)
        before = console.services.library.version
        (content / "briefs" / "chip-rules.yml").write_text(NEW_BRIEF)
        wait_for(lambda: console.services.library.version != before, timeout=WAIT)
        clock.advance(minutes=1)
        daily.tick()
        wait_for(lambda: "🆕 New brief" in "\n".join(arrived), WAIT)
        assert "CHIP RULES TIGHTEN AGAIN" in "\n".join(arrived).upper()
        clock.advance(days=4, hours=6, minutes=31)  # Friday 16:00 in New York
        daily.tick()
        wait_for(lambda: "WEEKLY DIGEST" in "\n".join(arrived), WAIT)
        digest = "\n".join(arrived).split("WEEKLY DIGEST", 1)[1]
        assert "Chip rules tighten again" in digest and "Export rules for advanced" in digest
        assert "A second sentence" not in digest
    finally:
        console.close()


def test_console_votes_on_answers_and_posts(content: Path) -> None:
    """`vote up` / `vote down` press 👍 / 👎 on the latest brief or definition shown, or
    on a numbered message; its button's number works too. A quick second press (a
    double click, by the session's clock) counts once; later, the same press withdraws."""
    clock = Clock(dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC))
    console = ConsoleSession(content, now=clock)
    try:
        answer = "\n".join(console.command("/brief distillation"))
        up = re.findall(r"\[(\d+)\] 👍 Helpful", answer)
        assert up and "👎 Not helpful" in answer
        thanks = "\n".join(console.vote(True))
        assert "Thanks: you found AI distillation" in thanks and "only visible to you" in thanks
        clock.advance(seconds=0.3)
        assert console.press(int(up[-1])) == []  # the second click of a double click
        store = console.services.store
        assert [(t.name, t.up) for t in store.vote_report(1).briefs] == [(DISTILLATION, 1)]
        clock.advance(seconds=5)
        assert "is withdrawn" in "\n".join(console.vote(True))
        assert store.vote_report(1).briefs == ()

        shared = "\n".join(console.press(int(re.findall(r"\[(\d+)\] Share", answer)[0])))
        (message,) = re.findall(r"in #general · (m\d+)", shared)
        console.say("hello")
        clock.advance(seconds=5)
        assert "not helpful" in "\n".join(console.vote(False, message))
        assert console.vote(False, "m2") == [
            "Message m2 has no 👍 / 👎: only briefs and definitions do."
        ]
        assert console.vote(True, "m7") == [
            "There is no message m7; messages are numbered m1 to m2."
        ]
        assert [(t.name, t.down) for t in store.vote_report(1).briefs] == [(DISTILLATION, 1)]
    finally:
        console.close()


def test_console_vote_says_how_to_use_it(session: ConsoleSession) -> None:
    from bot.console import VOTE_HELP, handle

    assert handle(session, "vote") == [VOTE_HELP]
    assert handle(session, "vote sideways") == [VOTE_HELP]
    assert handle(session, "vote up") == [
        "Nothing to vote on yet: `/brief` or `/define` something first."
    ]


def test_console_dm_view_subscribes_snoozes_and_shows_the_dm(content: Path) -> None:
    """`dm /brief subscribe daily 09:30` types the command in Alice's DM with briefbot: the
    clock's 09:30 sweep (New York, her Slack zone) posts into that DM, `dm` shows it, and
    `dm /brief snooze 1w` holds the next day's."""
    clock = Clock(dt.datetime(2024, 5, 6, 13, 29, tzinfo=dt.UTC))  # Monday 09:29 in New York
    arrived: list[str] = []
    console = ConsoleSession(content, now=clock, announce=arrived.extend)
    try:
        assert "empty" in "\n".join(console.dm())
        answer = "\n".join(console.dm("/brief subscribe daily 09:30"))
        assert "in our DMs" in answer and "America/New_York" in answer
        daily = job(console, DailyClock)
        assert isinstance(daily, DailyClock)
        clock.advance(minutes=1)
        daily.tick()
        wait_for(lambda: "direct message from briefbot" in "\n".join(arrived), WAIT)
        assert "Today's featured brief" in "\n".join(arrived)
        shown = "\n".join(console.dm())
        assert "┌ direct message from briefbot" in shown and "Today's featured brief" in shown
        assert "Snoozed until" in "\n".join(console.dm("/brief snooze 1w"))
        assert "Snoozed" in "\n".join(console.dm("/brief schedule"))
        arrived.clear()
        clock.advance(days=1)
        daily.tick()
        assert "Today's featured brief" not in "\n".join(arrived)
        assert "briefbot in #general" not in "\n".join(arrived)
        dm = console.slack.open_dm("U0ALICE")
        assert console.services.store.deliveries(channel_id=dm, since=dt.date(2024, 5, 7)) == []
    finally:
        console.close()
