"""/brief reload, status, preview and report through the real app: admins only, and useful."""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bot.app import build_services
from bot.config import Settings
from bot.content.loader import load_library
from bot.listeners.commands import BRIEF_SUBCOMMANDS
from bot.localslack import DEFAULT_BOT_TOKEN
from bot.schedule import Kind, Schedule, SubscriptionSpec
from bot.slack import blocks
from bot.store import DeliveryKey, sqlite_url
from tests.fakeslack import ScriptedSlack

if TYPE_CHECKING:
    from tests.support.bot import BotHarness

pytest_plugins = ("tests.support.bot",)

ADMIN = "U0CAROL"  # the one admin the `bot` fixture's settings name

DISTILLATION = "ai-distillation-national-security"
ADMIN_WORDS = ["reload", "status", "preview", f"preview {DISTILLATION}", "report", "report 30"]
REFUSAL = "only for briefbot's admins"


def answer_text(message: dict) -> str:
    return message.get("text", "") + json.dumps(message.get("blocks", []), ensure_ascii=False)


def reload_answer(bot: BotHarness, user: str = ADMIN) -> str:
    """Run /brief reload and return the text of its answer (sent through the response URL)."""
    sent = bot.command("/brief", "reload", user=user)
    assert sent.response.status == 200
    (response,) = bot.responses_to(sent)
    return answer_text(response["body"])


def brief_path(content: Path, brief_id: str = DISTILLATION) -> Path:
    return content / "briefs" / f"{brief_id}.yml"


def retitle(path: Path, title: str) -> None:
    lines = path.read_text().splitlines(keepends=True)
    lines = [f'title: "{title}"\n' if line.startswith("title:") else line for line in lines]
    path.write_text("".join(lines))


@pytest.fixture
def env_bot(tmp_path: Path, content_dir: Path) -> Iterator[Callable[[dict], BotHarness]]:
    """Build the real app from an environment mapping, as `briefbot run` does."""
    from tests.support.bot import BotHarness

    made: list[BotHarness] = []

    def make(env: dict[str, str]) -> BotHarness:
        slack = ScriptedSlack().start()
        secret = secrets.token_hex(16)
        settings = Settings.from_env(
            {
                "SLACK_BOT_TOKEN": DEFAULT_BOT_TOKEN,
                "SLACK_SIGNING_SECRET": secret,
                "SLACK_API_URL": slack.api_url,
                "BRIEFBOT_CONTENT_DIR": str(content_dir),
                "DATABASE_URL": sqlite_url(tmp_path / f"env{len(made)}.db"),
                **env,
            }
        )
        services = build_services(settings)
        harness = BotHarness.build(slack, services, secret)
        made.append(harness)
        return harness

    yield make
    for harness in made:
        harness.services.store.engine.dispose()
        harness.slack.stop()


def test_non_admins_are_refused_every_admin_command_and_nothing_runs(bot: BotHarness) -> None:
    """Everyone not in BRIEFBOT_ADMINS gets a polite refusal; no reload, pick or report runs."""
    live = bot.services.content
    for word in ADMIN_WORDS:
        for user in ("U0ALICE", "U0BOB"):  # Alice is even a Slack workspace admin
            sent = bot.command("/brief", word, user=user)
            assert sent.response.status == 200
            assert sent.ack["response_type"] == "ephemeral"
            assert REFUSAL in sent.ack_text, (word, user)
            assert "/brief" in sent.ack_text
    assert live.reloads == 0
    assert bot.services.store.featured_pick(bot.services.today()) is None
    assert bot.services.store.lookup_report(1).brief_lookups == 0
    assert not bot.slack.responses


def test_admin_ids_come_only_from_the_environment(env_bot, content_dir: Path) -> None:
    """BRIEFBOT_ADMINS grants admin; content naming someone as admin grants nothing."""
    (content_dir / "admins.yml").write_text("admins: [U0ALICE]\nBRIEFBOT_ADMINS: U0ALICE\n")
    (content_dir / "glossary" / "admins.yml").parent.mkdir(exist_ok=True)
    (content_dir / "glossary" / "admins.yml").write_text(
        "terms:\n  - term: BRIEFBOT_ADMINS\n    definition: U0ALICE is an admin.\n"
    )
    nobody = env_bot({})
    assert nobody.services.settings.admins == frozenset()
    for user in ("U0ALICE", ADMIN):
        assert REFUSAL in nobody.command("/brief", "status", user=user).ack_text

    carol_only = env_bot({"BRIEFBOT_ADMINS": f"{ADMIN}, U0BOB"})
    assert REFUSAL in carol_only.command("/brief", "status", user="U0ALICE").ack_text
    status = carol_only.command("/brief", "status", user=ADMIN)
    assert REFUSAL not in status.ack_text
    assert carol_only.services.library.version in status.ack_text


def test_help_lists_admin_commands_to_admins_only(bot: BotHarness) -> None:
    """/brief help shows the admin commands to admins and not to anyone else."""
    everyone = bot.command("/brief", "help", user="U0ALICE")
    admin = bot.command("/brief", "help", user=ADMIN)
    assert "/brief latest" in everyone.ack_text and "/brief latest" in admin.ack_text
    assert "/brief reload" not in everyone.ack_text and "/brief report" not in everyone.ack_text
    for word in ("reload", "status", "preview", "report"):
        assert f"/brief {word}" in admin.ack_text


def test_help_lists_exactly_the_command_table(bot: BotHarness) -> None:
    """/brief help lists every subcommand of the one command table and no other: the
    admin-only ones to admins only, and each admin-only one refuses everyone else."""
    table = BRIEF_SUBCOMMANDS

    def listed(text: str) -> set[str]:
        return set(re.findall(r"\*/brief (\w+)\*", text))

    everyone = listed(bot.command("/brief", "help", user="U0ALICE").ack_text)
    admin = listed(bot.command("/brief", "help", user=ADMIN).ack_text)
    assert everyone == {name for name, command in table.items() if not command.admin_only}
    assert admin == set(table)
    assert admin - everyone == {"reload", "status", "preview", "report"}
    for name in admin - everyone:
        assert REFUSAL in bot.command("/brief", name, user="U0ALICE").ack_text


def test_reload_swaps_in_edited_content_with_version_and_counts(
    bot: BotHarness, content_dir: Path
) -> None:
    """/brief reload picks up an edit at once and says the new version and counts."""
    old = bot.services.library
    retitle(brief_path(content_dir), "Distillation, reloaded")
    text = reload_answer(bot)
    new = bot.services.library
    assert new.version != old.version
    assert new.version == load_library(content_dir).version
    assert new.version in text and old.version in text
    assert f"{len(new.briefs)} briefs" in text and f"{len(new.terms)} terms" in text
    shown = bot.command("/brief", DISTILLATION)
    assert shown.ack["blocks"][0]["text"]["text"] == "Distillation, reloaded"

    again = reload_answer(bot)
    assert "nothing changed" in again and new.version in again


def test_reload_with_a_broken_file_lists_errors_and_keeps_serving(
    bot: BotHarness, content_dir: Path
) -> None:
    """A bad edit: /brief reload lists file, line and field; search and /define keep working."""
    old = bot.services.library
    path = brief_path(content_dir)
    path.write_text(path.read_text().replace("title:", "titel:", 1))
    (content_dir / "glossary.yml").write_text("terms: [")
    text = reload_answer(bot)
    assert f"briefs/{DISTILLATION}.yml:" in text
    assert "unknown field 'titel'" in text and "glossary.yml" in text
    assert old.version in text
    assert bot.services.library is old
    assert bot.services.content.last_reload.errors
    shown = bot.command("/brief", DISTILLATION)
    assert shown.ack["blocks"][0]["text"]["text"] == old.by_id[DISTILLATION].title
    defined = bot.command("/define", "distillation")
    assert "Distillation" in defined.ack_text and "Did you mean" not in defined.ack_text


def test_status_shows_content_reload_subscriptions_and_delivery_problems(
    bot: BotHarness, content_dir: Path
) -> None:
    """/brief status: version, counts, last reload, subscriptions, last sweep, failed/unknown."""
    store = bot.services.store
    today = bot.services.today()
    store.subscribe("C0GENERAL", Schedule.from_text("09:00", "UTC", "daily"), ADMIN)
    store.subscribe("C0NEWS", Schedule.from_text("10:00", "UTC", "weekdays"), ADMIN)
    store.subscribe(
        "C0NEWS", SubscriptionSpec(Kind.NEW, Schedule.from_text("09:00", "UTC", "weekdays")), ADMIN
    )
    for channel in ("C0GENERAL", "C0NEWS", "C0OTHER"):
        store.claim(DeliveryKey.daily(channel, today), today, DISTILLATION, "v1", "w1")
    store.mark_posted(DeliveryKey.daily("C0GENERAL", today), "1700000000.000100")
    store.mark_failed(DeliveryKey.daily("C0NEWS", today), "channel_not_found")
    store.mark_unknown(DeliveryKey.daily("C0OTHER", today), "timed out after sending")
    path = brief_path(content_dir)
    path.write_text(path.read_text().replace("title:", "titel:", 1))
    # The reload answers through the response URL once done: wait for it, so that
    # the status below cannot run before the reload has finished.
    assert "unknown field" in reload_answer(bot)

    sent = bot.command("/brief", "status", user=ADMIN)
    text = sent.ack_text
    library = bot.services.library
    assert sent.ack["response_type"] == "ephemeral"
    assert library.version in text
    assert f"{len(library.briefs)} briefs" in text and f"{len(library.terms)} terms" in text
    errors = bot.services.content.last_reload.errors
    assert len(errors) == 2
    assert "by /brief reload" in text and "2 errors" in text
    assert "2 channels subscribed (2 daily, 1 new)" in text
    assert "1 posted" in text and "1 failed" in text and "1 unknown" in text
    assert "channel_not_found" in text and "timed out after sending" in text
    assert "<#C0NEWS>" in text and "<#C0OTHER>" in text
    assert "Failed or unknown deliveries* (2)" in text
    assert "briefbot 0.1.0" in text and "up " in text


def test_preview_is_exactly_the_daily_post_and_ephemeral(bot: BotHarness) -> None:
    """/brief preview ID answers, only to the admin, exactly the daily post's message."""
    brief = bot.services.library.by_id[DISTILLATION]
    sent = bot.command("/brief", f"preview {DISTILLATION}", user=ADMIN)
    daily = blocks.brief_message(brief, ephemeral=False, daily=True)
    assert sent.ack["response_type"] == "ephemeral"
    assert sent.ack["blocks"] == daily.blocks_json() and sent.ack["text"] == daily.text
    assert not bot.slack.messages("C0GENERAL")

    typo = bot.command("/brief", "preview ai-distilation-national-security", user=ADMIN)
    assert "No brief has the id" in typo.ack_text
    assert f"/brief preview {DISTILLATION}" in typo.ack_text


def test_preview_without_id_shows_todays_pick(bot: BotHarness) -> None:
    """/brief preview alone previews the brief the daily post uses today."""
    sent = bot.command("/brief", "preview", user=ADMIN)
    pick = bot.services.store.featured_pick(bot.services.today())
    assert pick is not None
    brief = bot.services.library.by_id[pick.brief_id]
    assert (
        sent.ack["blocks"]
        == blocks.brief_message(brief, ephemeral=False, daily=True).payload()["blocks"]
    )


def test_report_lists_most_requested_and_not_found(bot: BotHarness) -> None:
    """/brief report counts what people asked for and what found nothing, escaped."""
    for query in ("distilation", "distillation", "zzqxv wqpk", "ZZQXV wqpk!", "zzqxv wqpk"):
        bot.command("/brief", query, user="U0BOB")
    for term in ("sae", "sae", "<!channel> qqzzx"):
        bot.command("/define", term, user="U0BOB")
    # Lookups are recorded just after each answer, on another thread.
    bot.slack.wait_for(
        lambda: (
            (found := bot.services.store.lookup_report(30)).brief_lookups == 5
            and found.define_lookups == 3
        )
    )
    sent = bot.command("/brief", "report 30", user=ADMIN)
    text = sent.ack_text
    title = bot.services.library.by_id[DISTILLATION].title
    assert "Lookups in the last 30 days" in text
    assert "5 /brief searches, 3 /define lookups" in text
    assert f"2 × {title}" in text.replace("\\", "")
    assert "3 × zzqxv wqpk" in text
    assert "2 × Sparse autoencoder" in text or "2 × Sparse autoencoders" in text
    assert "&lt;!channel&gt; qqzzx" in text and "<!channel>" not in text

    default = bot.command("/brief", "report", user=ADMIN)
    assert "last 7 days" in default.ack_text
    bad = bot.command("/brief", "report soon", user=ADMIN)
    assert "not a number of days" in bad.ack_text


def test_status_of_a_fresh_bot_says_nothing_posted_yet(bot: BotHarness) -> None:
    """With no deliveries yet, status says so instead of failing."""
    text = bot.command("/brief", "status", user=ADMIN).ack_text
    assert "no daily post has been made yet" in text
    assert "No failed or unknown deliveries" in text
    assert dt.datetime.now(dt.UTC).strftime("%Y-%m-%d") in text


def test_admin_messages_fit_slack_limits_however_much_went_wrong(bot: BotHarness) -> None:
    """Hundreds of long errors, huge queries and failures: every admin message fits Block Kit."""
    from bot.content.errors import ContentError
    from bot.content.live import ReloadResult
    from bot.localslack.block_limits import check_blocks
    from bot.slack import admin_blocks

    library = bot.services.library
    errors = tuple(
        ContentError(f"/c/briefs/b{n % 120}.yml", n, "title", "x" * 400 + " `<!channel>` ```")
        for n in range(600)
    )
    broken = ReloadResult(library, False, errors, at=bot.services.now())
    messages = [
        admin_blocks.content_errors_message(broken, "/c", replica="host (pid 1)"),
        admin_blocks.reload_reply(broken, "/c"),
    ]
    for message in messages:
        assert check_blocks(message.blocks_json()) == [], message.blocks_json()
        assert "<!channel>" not in json.dumps(message.blocks_json()) + message.text
        assert len(message.text) <= 3000
    assert "more error" in json.dumps(messages[0].blocks_json())

    store = bot.services.store
    long = "q" * 190 + " <!here>"
    for n in range(40):
        bot.command("/define", f"{long} {n}", user="U0BOB")
        store.claim(
            DeliveryKey.daily(f"C{n:04d}X", bot.services.today()),
            bot.services.today(),
            DISTILLATION,
            "v",
            "w",
        )
        store.mark_unknown(DeliveryKey.daily(f"C{n:04d}X", bot.services.today()), "e" * 2000)
    for text in ("report 30", "status"):
        sent = bot.command("/brief", text, user=ADMIN)
        assert check_blocks(sent.ack["blocks"]) == [], text
        assert "<!here>" not in sent.ack_text
