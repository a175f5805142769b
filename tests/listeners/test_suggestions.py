"""Suggest a term, or a fix: over the real app and the local Slack, from the Suggest
button to an admin's decision, the content file it writes and the reload that serves it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from bot.content.loader import load_library
from bot.slack import suggest_blocks
from bot.slack.suggest_button import SUGGEST
from tests.support.processes import ROOT

if TYPE_CHECKING:
    from tests.fakeslack import ScriptedSlack
    from tests.support.bot import BotHarness

pytest_plugins = ("tests.support.bot",)

ADMIN = "U0CAROL"  # the harness's one admin (tests.support.bot.ADMIN)
BOB = "U0BOB"
ALICE = "U0ALICE"
NEW_TERM = {
    "term": "Compute threshold",
    "definition": "A limit on the computing power used to train a model, above which "
    "rules such as reporting duties apply.",
    "aliases": "training compute threshold, FLOP threshold",
    "source": "https://example.org/compute",
}


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        element
        for block in message.get("blocks") or []
        if block.get("type") == "actions"
        for element in block["elements"]
    ]


def suggest_values(message: dict[str, Any]) -> list[str]:
    return [b["value"] for b in buttons(message) if b["action_id"].split(":")[0] == SUGGEST]


def open_modal(bot: BotHarness, value: str, user: str = BOB) -> dict[str, Any]:
    """Press a Suggest button carrying `value` as `user`; the modal it opened."""
    before = {m["id"] for m in bot.slack.modals(user)}
    bot.click(SUGGEST, value, user=user, ephemeral=True)
    bot.settle()
    opened = [m for m in bot.slack.modals(user) if m["id"] not in before]
    assert len(opened) == 1, bot.slack.modals(user)
    return opened[0]


def initial(modal: dict[str, Any]) -> dict[str, str]:
    return {
        b["block_id"]: b["element"].get("initial_value", "")
        for b in modal["blocks"]
        if b["type"] == "input"
    }


def dm(bot: BotHarness, user: str) -> list[dict[str, Any]]:
    return bot.slack.messages(f"D{user[1:]}")


def suggest_new_term(bot: BotHarness, user: str = BOB, **typed: str) -> dict[str, Any]:
    modal = open_modal(bot, "term|" + typed.get("term", NEW_TERM["term"]), user)
    answer = bot.submit(modal["id"], {**NEW_TERM, **typed})
    bot.settle()
    return answer


def review_message(bot: BotHarness) -> dict[str, Any]:
    messages = [
        m
        for m in dm(bot, ADMIN)
        if any(b["action_id"] == suggest_blocks.APPROVE for b in buttons(m))
    ]
    assert messages, dm(bot, ADMIN)
    return messages[-1]


def press(bot: BotHarness, message: dict[str, Any], action_id: str, user: str = ADMIN) -> None:
    value = next(b["value"] for b in buttons(message) if b["action_id"] == action_id)
    bot.click(action_id, value, user=user, channel=message["channel"], message=message)
    bot.settle()


def ephemeral_text(bot: BotHarness, user: str) -> str:
    return json.dumps(
        [r["body"] for r in bot.slack.responses if r["user"] == user], ensure_ascii=False
    )


def validate(content: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "validate", str(content)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_define_that_finds_nothing_offers_a_new_term_prefilled(bot: BotHarness) -> None:
    """/define of an unknown word offers Suggest; it opens a modal with the word as the name."""
    sent = bot.command("/define", "qqqzzz", user=BOB)
    assert suggest_values(sent.ack) == ["term|qqqzzz"]
    modal = open_modal(bot, "term|qqqzzz")
    assert modal["callback_id"] == suggest_blocks.SUBMIT_VIEW
    assert initial(modal)["term"] == "qqqzzz"
    assert initial(modal)["definition"] == ""


def test_definitions_and_briefs_offer_a_fix_with_the_current_text(bot: BotHarness) -> None:
    """Every definition and brief carries Suggest a fix; its modal holds the text as it is."""
    term = bot.services.library.resolve_term("distillation")
    assert term is not None
    sent = bot.command("/define", "distillation", user=BOB)
    assert suggest_values(sent.ack) == ["fix|Distillation"]
    fields = initial(open_modal(bot, "fix|Distillation"))
    assert fields["definition"] == term.definition
    assert fields["aliases"] == ", ".join(term.aliases)
    brief = bot.services.library.briefs[0]
    shown = bot.command("/brief", brief.id, user=BOB)
    assert f"brief|{brief.id}" in suggest_values(shown.ack)
    assert initial(open_modal(bot, f"brief|{brief.id}"))["summary"] == brief.summary


def test_explain_terms_offers_acronyms_not_in_the_glossary(bot: BotHarness) -> None:
    """Explain terms offers Suggest for words written like acronyms that the glossary lacks."""
    bot.shortcut("explain_terms", text="Our SAE work follows the QXRT rules, OK?", user=BOB)
    bot.settle()
    answer = [r for r in bot.slack.responses if r["user"] == BOB][-1]["body"]
    assert suggest_values(answer) == ["term|QXRT"]


def test_modal_says_what_to_change_and_sends_nothing(bot: BotHarness) -> None:
    """Each field's problem comes back in the modal, by the content's rules; nothing is sent."""
    modal = open_modal(bot, "term|Compute threshold")
    answer = bot.submit(
        modal["id"],
        {
            "term": "Compute threshold",
            "definition": "x" * 3000,
            "aliases": "Distillation",
            "source": "ftp://example.org/file",
        },
    )
    assert answer["response_action"] == "errors"
    errors = answer["errors"]
    assert "limit is 2,900" in errors["definition"]
    assert "another term" in errors["aliases"]
    assert "http" in errors["source"]
    assert bot.slack.modals(BOB)[-1]["errors"] == errors  # still open, showing them
    # A shared alias needs a context; a name that is another term's alias is refused.
    shared = bot.submit(modal["id"], {**NEW_TERM, "aliases": "GPAI"})
    assert "context" in shared["errors"]
    clash = bot.submit(modal["id"], {**NEW_TERM, "term": "GPAI"})
    assert "alias" in clash["errors"]["term"]
    bot.settle()
    assert dm(bot, ADMIN) == []
    assert bot.services.store.suggestions_made() == []


def test_approved_new_term_is_served_validated_and_the_suggester_told(
    bot: BotHarness, content_dir: Path
) -> None:
    """A non-admin's Approve is refused; the admin's writes the term, reload serves it,
    `briefbot validate` passes and the suggester hears of it."""
    glossary = content_dir / "glossary.yml"
    before = glossary.read_text()
    answer = suggest_new_term(bot)
    assert answer["response_action"] == "update"  # the form closes with a thank-you
    review = review_message(bot)
    assert "Compute threshold" in json.dumps(review["blocks"])

    press(bot, review, suggest_blocks.APPROVE, user=BOB)
    assert "Only briefbot's admins" in ephemeral_text(bot, BOB)
    assert glossary.read_text() == before
    assert bot.services.store.suggestions_made()[0].state == "open"

    press(bot, review, suggest_blocks.APPROVE)
    after = glossary.read_text()
    assert after.startswith(before)  # appended: every comment and entry kept as it was
    assert '- term: "Compute threshold"' in after
    assert validate(content_dir).returncode == 0, validate(content_dir).stderr
    served = bot.command("/define", "flop threshold", user=BOB)
    assert "A limit on the computing power" in served.ack_text
    row = bot.services.store.suggestions_made()[0]
    assert (row.state, row.decided_by, row.user_id) == ("approved", ADMIN, BOB)
    assert "approved" in json.dumps(dm(bot, BOB)[-1])
    updated = bot.slack.messages(review["channel"])[-1]
    assert not buttons(updated) and "Approved by" in json.dumps(updated["blocks"])
    # The same button again: once decided, it says so and writes nothing.
    press(bot, review, suggest_blocks.APPROVE)
    assert "already approved" in ephemeral_text(bot, ADMIN)
    assert glossary.read_text() == after


def test_approved_fix_keeps_comments_and_order(bot: BotHarness, content_dir: Path) -> None:
    """A fix rewrites only the fields that changed: comments and order stay."""
    glossary = content_dir / "glossary.yml"
    text = glossary.read_text().replace(
        "  - term: Export controls", "  # Keep this one short.\n  - term: Export controls"
    )
    glossary.write_text(text)
    bot.services.content.reload(trigger="test")
    modal = open_modal(bot, "fix|Distillation")
    fixed = "Training a small model to copy a larger one's answers; also teacher-student training."
    bot.submit(modal["id"], {"definition": fixed})
    bot.settle()
    press(bot, review_message(bot), suggest_blocks.APPROVE)
    after = glossary.read_text()
    assert "  # Keep this one short.\n  - term: Export controls" in after
    assert after.splitlines()[:3] == text.splitlines()[:3]
    assert (
        after.split("see_also: [Model weights, Export controls")[1]
        == text.split("see_also: [Model weights, Export controls")[1]
    )
    assert validate(content_dir).returncode == 0
    assert fixed in bot.command("/define", "distillation").ack_text


def test_fix_to_a_term_changed_meanwhile_is_not_written(bot: BotHarness, content_dir: Path) -> None:
    """A hand edit after the suggestion: approving says so and overwrites nothing."""
    modal = open_modal(bot, "fix|Distillation")
    bot.submit(modal["id"], {"definition": "A suggested definition of distillation."})
    bot.settle()
    glossary = content_dir / "glossary.yml"
    edited = glossary.read_text().replace(
        "Training a small model, the student", "Teaching a small model, the student"
    )
    glossary.write_text(edited)
    press(bot, review_message(bot), suggest_blocks.APPROVE)
    assert "changed since this was suggested" in ephemeral_text(bot, ADMIN)
    assert glossary.read_text() == edited
    assert bot.services.store.suggestions_made()[0].state == "open"


def test_admin_edits_then_approves(bot: BotHarness, content_dir: Path) -> None:
    """Edit opens the suggestion prefilled for the admin; saving approves what they wrote."""
    suggest_new_term(bot)
    review = review_message(bot)
    bobs = len(bot.slack.modals(BOB))
    press(bot, review, suggest_blocks.EDIT, user=BOB)
    assert len(bot.slack.modals(BOB)) == bobs  # not for others
    assert "Only briefbot's admins" in ephemeral_text(bot, BOB)
    press(bot, review, suggest_blocks.EDIT)
    (modal,) = bot.slack.modals(ADMIN)
    assert initial(modal)["term"] == "Compute threshold"
    bot.submit(modal["id"], {"definition": "A cap on training compute that triggers duties."})
    bot.settle()
    assert "A cap on training compute" in (content_dir / "glossary.yml").read_text()
    assert bot.services.store.suggestions_made()[0].edited_by == ADMIN


def test_decline_asks_for_a_reason_and_tells_the_suggester(bot: BotHarness) -> None:
    suggest_new_term(bot)
    press(bot, review_message(bot), suggest_blocks.DECLINE)
    (modal,) = bot.slack.modals(ADMIN)
    assert modal["callback_id"] == suggest_blocks.DECLINE_VIEW
    bot.submit(modal["id"], {"reason": "We cover this under Frontier AI."})
    bot.settle()
    row = bot.services.store.suggestions_made()[0]
    assert (row.state, row.reason) == ("declined", "We cover this under Frontier AI.")
    assert "We cover this under Frontier AI." in json.dumps(dm(bot, BOB)[-1])


def test_at_most_ten_open_suggestions_a_person(bot: BotHarness) -> None:
    for n in range(10):
        answer = suggest_new_term(bot, term=f"Term number {n}")
        assert answer["response_action"] == "update"
    answer = suggest_new_term(bot, term="Term number 11")
    assert answer["response_action"] == "errors"
    assert "10 suggestions waiting" in answer["errors"]["term"]
    assert len(bot.services.store.open_suggestions(BOB)) == 10


def test_a_duplicate_is_merged_and_both_are_told(bot: BotHarness) -> None:
    suggest_new_term(bot, BOB)
    answer = suggest_new_term(bot, ALICE, term="compute  threshold")
    assert "suggested the same" in json.dumps(answer)
    (row,) = bot.services.store.suggestions_made()
    assert row.suggesters == (BOB, ALICE)
    assert len([m for m in dm(bot, ADMIN) if buttons(m)]) == 1
    press(bot, review_message(bot), suggest_blocks.APPROVE)
    assert "approved" in json.dumps(dm(bot, BOB)[-1])
    assert "approved" in json.dumps(dm(bot, ALICE)[-1])


def test_another_teams_suggestion_cannot_be_decided(bot: BotHarness) -> None:
    """An id that is another team's (or forged) finds nothing and changes nothing."""
    other = bot.services.store.for_team("T0OTHER")
    _, theirs = other.add_suggestion(BOB, "term", "", "", '{"kind": "term", "term": "X"}', "k")
    assert theirs is not None
    bot.click(suggest_blocks.APPROVE, theirs.id, user=ADMIN, ephemeral=True)
    bot.settle()
    assert "not there any more" in ephemeral_text(bot, ADMIN)
    assert other.suggestion(theirs.id).state == "open"  # type: ignore[union-attr]


def test_crash_between_writing_and_renaming_leaves_the_old_file(content_dir: Path) -> None:
    """A process killed after the new text is on disk and before the rename: the old file
    is whole, and the content still validates."""
    glossary = content_dir / "glossary.yml"
    before = glossary.read_bytes()
    script = textwrap.dedent(
        """
        import os, signal, sys
        from bot.content.proposals import Proposal, plan_change, read_text
        from bot.content.saving import save_change
        path = sys.argv[1]
        change = plan_change(Proposal("term", term="Crash term", definition="Never written."),
                             path, read_text(path))
        save_change(change, before_replace=lambda tmp: os.kill(os.getpid(), signal.SIGKILL))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(glossary)], cwd=ROOT, capture_output=True, timeout=60
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert glossary.read_bytes() == before
    leftovers = [p.name for p in content_dir.iterdir() if p.name.endswith(".tmp")]
    assert leftovers and all(name.startswith(".") for name in leftovers)  # hidden: never loaded
    assert "Crash term" not in {t.term for t in load_library(content_dir).terms}
    assert validate(content_dir).returncode == 0


def test_approval_commits_in_a_git_work_tree(
    tmp_path: Path, content_dir: Path, local_slack: ScriptedSlack
) -> None:
    """With BRIEFBOT_CONTENT_COMMIT, the approved file is committed naming both people."""
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run(["git", "init", "-q"], cwd=content_dir, check=True)
    subprocess.run([*git, "add", "-A"], cwd=content_dir, check=True)
    subprocess.run([*git, "commit", "-qm", "start"], cwd=content_dir, check=True)
    from tests.support.bot import make_harness  # the plugin module, imported once registered

    bot = make_harness(
        local_slack, content_dir, f"sqlite:///{tmp_path / 'git.db'}", content_commit=True
    )
    try:
        suggest_new_term(bot)
        press(bot, review_message(bot), suggest_blocks.APPROVE)
    finally:
        bot.close()
    log = subprocess.run(
        ["git", "log", "-1", "--format=%B", "--name-only"],
        cwd=content_dir,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert BOB in log and ADMIN in log and "glossary.yml" in log
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=content_dir, capture_output=True, text=True
    ).stdout
    assert status == ""
    assert os.path.exists(content_dir / ".git")


def test_an_admins_edit_applies_a_stale_fix_to_the_new_text(
    bot: BotHarness, content_dir: Path
) -> None:
    """After a refusal for a term changed meanwhile, Edit (opened on the new text) applies."""
    modal = open_modal(bot, "fix|Distillation")
    bot.submit(modal["id"], {"aliases": "knowledge distillation, model distillation, KD"})
    bot.settle()
    glossary = content_dir / "glossary.yml"
    glossary.write_text(glossary.read_text().replace("the student, to imitate", "to imitate"))
    review = review_message(bot)
    press(bot, review, suggest_blocks.APPROVE)
    assert "changed since this was suggested" in ephemeral_text(bot, ADMIN)
    press(bot, review, suggest_blocks.EDIT)
    (edit,) = bot.slack.modals(ADMIN)
    bot.submit(edit["id"], {"definition": "Training a small model to imitate a big one."})
    bot.settle()
    text = glossary.read_text()
    assert 'definition: "Training a small model to imitate a big one."' in text
    assert 'aliases: ["knowledge distillation", "model distillation", "KD"]' in text
    assert validate(content_dir).returncode == 0


def test_a_double_click_on_approve_writes_once(bot: BotHarness, content_dir: Path) -> None:
    suggest_new_term(bot)
    review = review_message(bot)
    value = next(b["value"] for b in buttons(review) if b["action_id"] == suggest_blocks.APPROVE)
    for _ in range(2):
        bot.click(
            suggest_blocks.APPROVE, value, user=ADMIN, channel=review["channel"], message=review
        )
    bot.settle()
    assert (content_dir / "glossary.yml").read_text().count("Compute threshold") == 1
    said = [r["text"] for r in bot.slack.responses if r["user"] == ADMIN]
    assert len([t for t in said if "is in the content now" in t]) == 1
    assert len([t for t in said if "already approved" in t]) == 1
    assert len([m for m in dm(bot, BOB) if "approved" in json.dumps(m)]) == 1


def test_an_approved_fix_to_a_brief_is_served(bot: BotHarness, content_dir: Path) -> None:
    brief = bot.services.library.briefs[0]
    modal = open_modal(bot, f"brief|{brief.id}")
    summary = "A clearer summary of what happened, and why it matters to the people reading."
    bot.submit(modal["id"], {"summary": summary})
    bot.settle()
    press(bot, review_message(bot), suggest_blocks.APPROVE)
    assert summary in bot.command("/brief", brief.id).ack_text
    assert validate(content_dir).returncode == 0


def test_suggestions_go_to_the_review_channel_when_set(
    tmp_path: Path, content_dir: Path, local_slack: ScriptedSlack
) -> None:
    from tests.support.bot import make_harness  # the plugin module, imported once registered

    local_slack.add_channel("C0REVIEW", "review")
    bot = make_harness(
        local_slack, content_dir, f"sqlite:///{tmp_path / 'r.db'}", review_channel="C0REVIEW"
    )
    try:
        suggest_new_term(bot)
        (posted,) = bot.slack.messages("C0REVIEW")
        assert [b["action_id"] for b in buttons(posted)] == [
            suggest_blocks.APPROVE,
            suggest_blocks.EDIT,
            suggest_blocks.DECLINE,
        ]
        assert dm(bot, ADMIN) == []
        row = bot.services.store.suggestions_made()[0]
        assert row.review_messages == (("C0REVIEW", posted["ts"]),)
    finally:
        bot.close()


def test_review_settings_are_read_and_checked() -> None:
    from bot.config import ConfigError, Settings

    read = Settings.from_env(
        {"BRIEFBOT_REVIEW_CHANNEL": "C0REVIEW", "BRIEFBOT_CONTENT_COMMIT": "1"}
    )
    assert (read.review_channel, read.content_commit) == ("C0REVIEW", True)
    default = Settings.from_env({})
    assert (default.review_channel, default.content_commit) == (None, False)
    with pytest.raises(ConfigError) as wrong:
        Settings.from_env(
            {"BRIEFBOT_REVIEW_CHANNEL": "#review", "BRIEFBOT_CONTENT_COMMIT": "yes please"}
        )
    assert "channel id like C0123ABCD" in str(wrong.value)
    assert "BRIEFBOT_CONTENT_COMMIT must be 1" in str(wrong.value)


def test_every_admins_message_shows_the_decision(bot: BotHarness) -> None:
    """With two admins, each gets the message; once one decides, neither has buttons."""
    import dataclasses

    settings = bot.services.settings
    bot.services.settings = dataclasses.replace(settings, admins=frozenset({ADMIN, ALICE}))
    suggest_new_term(bot)
    assert buttons(dm(bot, ALICE)[-1]) and buttons(review_message(bot))
    press(bot, dm(bot, ALICE)[-1], suggest_blocks.DECLINE, user=ALICE)
    (modal,) = bot.slack.modals(ALICE)
    bot.submit(modal["id"], {})
    bot.settle()
    for admin in (ADMIN, ALICE):
        shown = [m for m in dm(bot, admin) if "suggests" in json.dumps(m)]
        assert len(shown) == 1 and not buttons(shown[0])
        assert "Declined by" in json.dumps(shown[0]["blocks"])
    assert bot.services.store.suggestions_made()[0].reason is None  # no reason given
