"""Hot reload while the bot runs: editor saves, half-written files, save storms, broken files.

The real app (BotHarness) serves from a copy of the shipped content, the real watcher
watches it (file system events and polling), admins' direct messages arrive at a
ScriptedSlack, and every version the bot ever served is recorded through
`LiveContent.add_listener`, so "never partial content" is checked on what was served.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bot.content.errors import ContentError
from bot.content.live import ReloadResult
from bot.content.loader import load_library
from bot.content.watch import (
    FULL,
    PendingReload,
    classify_change,
    content_snapshot,
    snapshot_changes,
)
from bot.jobs.content_notices import ReportState, WatchJob, next_report, start_watching
from bot.runtime import background_jobs
from bot.store import sqlite_url
from tests.fakeslack import ScriptedSlack

if TYPE_CHECKING:
    from tests.support.bot import BotHarness

SHIPPED_CONTENT = Path(__file__).resolve().parents[2] / "content"
ADMIN = "U0CAROL"  # the admin make_harness configures
BRIEF_ID = "ai-moratoriums-social-rupture"
QUIET = 0.25
POLL = 0.05
WAIT = 15.0


@dataclass
class Watched:
    """A running bot with hot reload, and what it did."""

    bot: BotHarness
    content: Path
    job: WatchJob | None = None
    results: list[ReloadResult] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, result: ReloadResult) -> None:
        with self.lock:
            self.results.append(result)

    def reloads(self) -> list[ReloadResult]:
        with self.lock:
            return list(self.results)

    def wait_reloads(self, count: int) -> list[ReloadResult]:
        return self.bot.slack.wait_for(
            lambda: (found := self.reloads()) and len(found) >= count and found, timeout=WAIT
        )

    def wait_version(self, version: str) -> None:
        self.bot.slack.wait_for(lambda: self.bot.services.library.version == version, WAIT)

    def served_versions(self, initial: str) -> list[str]:
        """Every version that was current at some point, in order, starting with `initial`."""
        versions = [initial]
        for result in self.reloads():
            if result.library.version != versions[-1]:
                versions.append(result.library.version)
        return versions

    def dms(self, user: str = ADMIN) -> list[dict]:
        return self.bot.slack.messages(f"D{user[1:]}")

    def wait_dms(self, count: int, user: str = ADMIN) -> list[dict]:
        return self.bot.slack.wait_for(
            lambda: (found := self.dms(user)) and len(found) >= count and found, timeout=WAIT
        )

    def title_served(self, brief_id: str = BRIEF_ID) -> str:
        sent = self.bot.command("/brief", brief_id)
        return sent.ack["blocks"][0]["text"]["text"]


def harness(slack: ScriptedSlack, content: Path, database: Path, **settings: object) -> BotHarness:
    # Imported here: importing the module before pytest registers it as a plugin (as
    # other test modules do) would keep pytest from rewriting its asserts.
    from tests.support.bot import make_harness

    return make_harness(slack, content, sqlite_url(database), **settings)


def start(slack: ScriptedSlack, root: Path, content: Path, mode: str, name: str = "bot") -> Watched:
    bot = harness(slack, content, root / f"{name}.db", watch=mode)
    watched = Watched(bot, content)
    bot.services.content.add_listener(watched.record)
    job = start_watching(bot.services, bot.app.client, quiet=QUIET, poll_interval=POLL)
    if job.watcher is not None:
        assert job.watcher.ready.wait(WAIT)
    watched.job = job
    return watched


def stop(watched: Watched) -> None:
    assert watched.job is not None
    watched.job()
    watched.bot.services.store.engine.dispose()


@pytest.fixture(params=["events", "poll"])
def watched(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Watched]:
    content = tmp_path / "content"
    shutil.copytree(SHIPPED_CONTENT, content)
    with ScriptedSlack() as slack:
        running = start(slack, tmp_path, content, request.param)
        yield running
        stop(running)


def brief_file(content: Path, brief_id: str = BRIEF_ID) -> Path:
    return content / "briefs" / f"{brief_id}.yml"


def with_title(text: str, title: str) -> str:
    lines = [f'title: "{title}"' if ln.startswith("title:") else ln for ln in text.splitlines()]
    return "\n".join(lines) + "\n"


def editor_save(path: Path, text: str) -> None:
    """Save as editors do: write a temporary file next to it, then rename it over."""
    temp = path.with_name(f".{path.name}.swp")
    temp.write_text(text)
    os.replace(temp, path)


def expected_version(content: Path) -> str:
    return load_library(content).version


# -- while the bot runs ----------------------------------------------------------------


def test_editor_save_is_served_after_it_settles(watched: Watched) -> None:
    """Temp file + rename: the edit is served without a restart; no admin is bothered."""
    initial = watched.bot.services.library.version
    path = brief_file(watched.content)
    editor_save(path, with_title(path.read_text(), "Moratoriums, revisited"))
    version = expected_version(watched.content)
    watched.wait_version(version)
    assert watched.title_served() == "Moratoriums, revisited"
    assert watched.served_versions(initial) == [initial, version]
    assert all(r.ok and r.trigger == "watch" for r in watched.reloads())
    assert not watched.dms()


def test_fifty_saves_a_second_give_one_reload_and_no_partial_content(watched: Watched) -> None:
    """A storm of saves settles into one reload; only whole, settled states are ever served."""
    initial = watched.bot.services.library.version
    original_title = watched.bot.services.library.by_id[BRIEF_ID].title
    path = brief_file(watched.content)
    original = path.read_text()
    seen: set[str] = set()
    storming = threading.Event()
    storming.set()

    def read_while_storming() -> None:
        while storming.is_set():
            seen.add(watched.title_served())

    reader = threading.Thread(target=read_while_storming)
    reader.start()
    pause = threading.Event()
    saved_at: list[float] = []
    try:
        for save in range(50):
            editor_save(path, with_title(original, f"Save {save}"))
            saved_at.append(time.monotonic())
            pause.wait(0.02)  # pacing: fifty saves in about a second
    finally:
        storming.clear()
        reader.join()
    final = expected_version(watched.content)
    watched.wait_version(final)
    # Every pause long enough to look settled may give one more reload (of a whole
    # save); a busy machine can stall the writer that long. Normally there is none.
    settled_pauses = sum(1 for a, b in itertools.pairwise(saved_at) if b - a >= QUIET / 2)
    reloads = watched.reloads()
    assert 1 <= len(reloads) <= 1 + settled_pauses
    assert all(r.ok for r in reloads)
    saves = {with_title(original, f"Save {n}") for n in range(50)}
    served = watched.served_versions(initial)
    assert served[0] == initial and served[-1] == final
    if not settled_pauses:
        assert served == [initial, final]
    assert len(served) <= 2 + settled_pauses
    assert seen <= {original_title} | {f"Save {n}" for n in range(50)}
    assert watched.title_served() == "Save 49"
    assert path.read_text() in saves


def copy_of_brief(watched: Watched) -> tuple[Path, str]:
    """Where a new brief goes, and its full text (a copy of a shipped brief)."""
    source = brief_file(watched.content).read_text()
    complete = source.replace(f"id: {BRIEF_ID}", "id: moratoriums-copy")
    return watched.content / "briefs" / "moratoriums-copy.yml", complete


def test_half_written_file_is_waited_for_never_served_half(watched: Watched) -> None:
    """A file cut off mid-line (which may still be valid YAML) is waited for; once
    complete it is served whole, and nothing in between ever was."""
    path, complete = copy_of_brief(watched)
    cut = complete.index("summary:") + 60  # inside the summary paragraph
    assert complete[cut - 1] != "\n"
    initial = watched.bot.services.library
    assert watched.job is not None and watched.job.watcher is not None
    watcher = watched.job.watcher
    with path.open("w") as handle:
        handle.write(complete[:cut])
        handle.flush()
        watched.bot.slack.wait_for(lambda: watcher.waiting_for == {str(path)}, WAIT)
        assert watched.bot.services.library is initial
        assert not watched.reloads()
        handle.write(complete[cut:])
    final = expected_version(watched.content)
    watched.wait_version(final)
    copy = watched.bot.services.library.by_id["moratoriums-copy"]
    assert copy.summary == initial.by_id[BRIEF_ID].summary
    assert copy.points == initial.by_id[BRIEF_ID].points
    assert watched.served_versions(initial.version) == [initial.version, final]
    assert watcher.waiting_for == frozenset()


def test_half_written_file_that_is_invalid_keeps_the_last_good_content(watched: Watched) -> None:
    """A file cut at a line break and invalid so far is rejected whole; the rest of the
    write then brings it in."""
    path, complete = copy_of_brief(watched)
    cut = complete.index("summary:")  # title and date only: no summary yet
    initial = watched.bot.services.library
    with path.open("w") as handle:
        handle.write(complete[:cut])
        handle.flush()
        bad = watched.wait_reloads(1)[-1]
        assert [e.field for e in bad.errors] == ["summary"]
        assert bad.errors[0].path.endswith("moratoriums-copy.yml")
        assert watched.bot.services.library is initial
        handle.write(complete[cut:])
    watched.wait_version(expected_version(watched.content))
    assert "moratoriums-copy" in watched.bot.services.library.by_id
    assert "valid again" in watched.wait_dms(2)[1]["text"]


def test_broken_file_keeps_serving_tells_admins_once_then_recovers(watched: Watched) -> None:
    """A bad edit: old content keeps serving, admins get one DM per distinct error set, and
    a DM when the fix is picked up."""
    initial = watched.bot.services.library
    path = brief_file(watched.content)
    good = path.read_text()
    typo = good.replace("title:", "titel:", 1)

    editor_save(path, typo)
    first = watched.wait_dms(1)[0]
    text = first["text"] + str(first["blocks"])
    assert f"briefs/{BRIEF_ID}.yml:" in text and "unknown field 'titel'" in text
    assert initial.version in text
    assert watched.bot.services.library is initial
    assert watched.title_served() == initial.by_id[BRIEF_ID].title
    defined = watched.bot.command("/define", "moratorium")
    assert "Did you mean" not in defined.ack_text and "No glossary term" not in defined.ack_text

    before = len(watched.reloads())
    editor_save(path, typo + "\n")  # saved again, still the same mistake
    watched.wait_reloads(before + 1)
    editor_save(path, good.replace("date:", "date: soon\nold_date:", 1))  # a different mistake
    second = watched.wait_dms(2)[1]
    assert "'date' must be a date" in second["text"] + str(second["blocks"])

    editor_save(path, good)
    watched.wait_version(initial.version)
    messages = watched.wait_dms(3)
    assert len(messages) == 3  # the repeated save of the first mistake sent nothing
    assert "valid again" in messages[2]["text"] and initial.version in messages[2]["text"]
    assert [r.ok for r in watched.reloads()][-1]


def release_readers(fifo: Path) -> None:
    """Let go any reader stuck opening the named pipe `fifo` (a briefbot that waits on it),
    so that a failing test ends instead of leaving a thread blocked forever."""
    for _ in range(100):
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)  # fails once nobody reads
        except OSError:
            return
        os.close(fd)


def test_named_pipe_is_refused_and_hot_reload_carries_on(watched: Watched) -> None:
    """A named pipe called briefs/x.yml: admins hear it is not a file, /brief reload answers
    with that error at once, and later edits still reload (nothing ever waits on the pipe)."""
    initial = watched.bot.services.library
    fifo = watched.content / "briefs" / "x.yml"
    try:
        os.mkfifo(fifo)
        first = watched.wait_dms(1)[0]
        assert "briefs/x.yml: this is a named pipe, not a file" in first["text"] + str(
            first["blocks"]
        )
        assert watched.bot.services.library is initial
        sent = watched.bot.command("/brief", "reload", user=ADMIN)
        (answer,) = watched.bot.responses_to(sent, timeout=WAIT)
        assert "this is a named pipe, not a file" in str(answer["body"])

        release_readers(fifo)
        fifo.unlink()
        path = brief_file(watched.content)
        editor_save(path, with_title(path.read_text(), "After the pipe"))
        watched.wait_version(expected_version(watched.content))
        assert watched.title_served() == "After the pipe"
    finally:
        release_readers(fifo)
        fifo.unlink(missing_ok=True)


# -- the pieces ------------------------------------------------------------------------


def test_admin_who_asked_for_the_reload_gets_no_dm_and_watch_off_still_reports(
    tmp_path: Path,
) -> None:
    """With BRIEFBOT_WATCH=off nothing is watched, yet /brief reload's errors reach the other
    admins by DM (not the admin who asked, who already has the answer)."""
    content = tmp_path / "content"
    shutil.copytree(SHIPPED_CONTENT, content)
    with ScriptedSlack() as slack:
        bot = harness(slack, content, tmp_path / "bot.db", watch="off")
        bot.services.settings = dataclasses.replace(
            bot.services.settings, admins=frozenset({ADMIN, "U0BOB"})
        )
        job = start_watching(bot.services, bot.app.client)
        try:
            assert job.watcher is None
            path = brief_file(content)
            path.write_text(path.read_text().replace("title:", "titel:", 1))
            sent = bot.command("/brief", "reload", user=ADMIN)
            (answer,) = bot.responses_to(sent)
            assert "unknown field" in str(answer["body"])
            bob = slack.wait_for(lambda: slack.messages("D0BOB"))
            assert "unknown field 'titel'" in bob[0]["text"]
            job.reporter.close()  # sends what is queued, so a DM to Carol would be there now
            assert not slack.messages("D0CAROL")
        finally:
            job()
            bot.services.store.engine.dispose()


def test_each_replica_reloads_on_its_own_and_reports_its_version(tmp_path: Path) -> None:
    """Two processes' worth of services on one folder both pick up an edit and say so."""
    content = tmp_path / "content"
    shutil.copytree(SHIPPED_CONTENT, content)
    with ScriptedSlack() as slack:
        first = start(slack, tmp_path, content, "events", name="one")
        second = start(slack, tmp_path, content, "poll", name="two")
        try:
            path = brief_file(content)
            editor_save(path, with_title(path.read_text(), "Seen by both"))
            version = expected_version(content)
            for replica in (first, second):
                replica.wait_version(version)
                status = replica.bot.command("/brief", "status", user=ADMIN)
                assert version in status.ack_text and "after a file change" in status.ack_text
        finally:
            stop(first)
            stop(second)


@pytest.mark.slow
def test_content_folder_removed_and_restored_recovers(tmp_path: Path) -> None:
    """Deleting the whole folder keeps the last content; putting it back recovers by itself."""
    content = tmp_path / "content"
    shutil.copytree(SHIPPED_CONTENT, content)
    with ScriptedSlack() as slack:
        running = start(slack, tmp_path, content, "events")
        try:
            initial = running.bot.services.library
            shutil.rmtree(content)
            running.wait_dms(1)
            assert running.bot.services.library is initial
            shutil.copytree(SHIPPED_CONTENT, content)
            path = brief_file(content)
            path.write_text(with_title(path.read_text(), "Back again"))
            running.wait_version(expected_version(content))
            assert "valid again" in running.wait_dms(2)[1]["text"]
        finally:
            stop(running)


def test_background_jobs_start_the_watcher() -> None:
    """Every long-lived process starts hot reload with its other background jobs."""
    assert start_watching in background_jobs()


def test_changes_are_sorted_into_content_full_rescans_and_noise(tmp_path: Path) -> None:
    """Only files the loader reads count; folder swaps rescan; temp files, schemas, .git
    and other folders are noise."""
    root = str(tmp_path / "content")
    roots = (root,)

    def kind(relative: str) -> str | None:
        result = classify_change(roots, os.path.join(root, relative))
        return result if result in (None, FULL) else "file"

    assert kind("briefs/a.yml") == "file"
    assert kind("glossary.yml") == "file"
    assert kind("glossary/extra.yml") == "file"
    for noise in (
        "briefs/.a.yml.swp",
        "briefs/a.yml~",
        "briefs/~a.yml",
        "briefs/4913",
        "briefs/a.yml.tmp",
        "schemas/brief.schema.json",
        ".git/index",
        "schedule.yml",
        "briefs/old/a.yml",
        "README.md",
    ):
        assert kind(noise) is None, noise
    for layout in ("briefs", "glossary", "..data", "..2026_11_27/briefs/a.yml"):
        assert kind(layout) == FULL, layout
    assert classify_change(roots, root) == FULL
    assert classify_change(roots, "/elsewhere/a.yml") == FULL

    pending = PendingReload().add(roots, [os.path.join(root, "briefs/a.yml"), f"{root}/x.tmp"])
    assert pending.hint() == {os.path.join(root, "briefs/a.yml")}
    assert pending.add(roots, [os.path.join(root, "briefs")]).hint() is None
    assert not PendingReload().add(roots, [os.path.join(root, "briefs/.a.swp")]).due


def test_admins_hear_of_each_distinct_error_set_once_and_of_the_recovery() -> None:
    """The report rule: new errors are news, the same errors are not, good-again is news."""
    library = load_library(SHIPPED_CONTENT)
    one = (ContentError("b.yml", 3, "titel", "unknown field 'titel'"),)
    two = (ContentError("b.yml", 4, "date", "'date' must be a date"),)

    def result(errors: tuple[ContentError, ...]) -> ReloadResult:
        return ReloadResult(library, False, errors)

    state, report = next_report(ReportState(), result(()))
    assert report is None
    kinds = []
    for errors in (one, one, two, two, (), ()):
        state, report = next_report(state, result(errors))
        kinds.append(report.kind if report else None)
    assert kinds == ["errors", None, "errors", None, "recovered", None]


def test_polling_sees_every_change_of_stat(tmp_path: Path) -> None:
    """A second save within the same second still differs in the snapshot polling compares."""
    content = tmp_path / "content"
    shutil.copytree(SHIPPED_CONTENT, content)
    path = brief_file(content)
    before = content_snapshot(str(content))
    stat = path.stat()
    path.write_text(path.read_text() + "\n")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same mtime, as within one second
    (content / "briefs" / ".draft.yml.swp").write_text("noise")
    assert snapshot_changes(before, content_snapshot(str(content))) == {str(path)}


def test_watch_mode_comes_from_the_environment_and_is_checked() -> None:
    """BRIEFBOT_WATCH takes events, poll or off (any case); anything else is a clear error."""
    from bot.config import ConfigError, Settings

    assert Settings.from_env({}).watch == "events"
    assert Settings.from_env({"BRIEFBOT_WATCH": " POLL "}).watch == "poll"
    assert Settings.from_env({"BRIEFBOT_WATCH": "off"}).watch == "off"
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"BRIEFBOT_WATCH": "sometimes"})
    (problem,) = caught.value.problems
    assert problem.startswith("BRIEFBOT_WATCH: 'sometimes'") and "poll" in problem
