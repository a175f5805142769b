"""What people type reaches briefbot as they typed it, though Slack sends it escaped.

The local Slack escapes typed `&`, `<` and `>` as Slack does (`&amp;`, `&lt;`, `&gt;`);
briefbot decodes them once as a request enters and escapes them once on the way out.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from bot.localslack import BOT_USER_ID
from bot.slack import blocks
from tests.fakeslack import payloads

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.bot import BotHarness

pytest_plugins = ("tests.support.bot",)

DISTILLATION = "ai-distillation-national-security"

AMPERSAND_TERMS = """
  - term: R&D
    definition: Research and development, the work a lab spends on new models & methods.
    aliases: [research and development]
  - term: Time & materials
    definition: A contract paid by the hours worked and the costs incurred.
"""


def add_ampersand_terms(bot: BotHarness, content_dir: Path) -> None:
    glossary = content_dir / "glossary.yml"
    glossary.write_text(glossary.read_text().rstrip("\n") + "\n" + AMPERSAND_TERMS)
    assert bot.services.content.reload().ok


def test_typed_text_arrives_escaped_as_slack_sends_it() -> None:
    """The local Slack escapes typed & < > in commands and mentions, but not real markup."""
    command = payloads.slash_command("/define", "R&D <b>")
    assert command["text"] == "R&amp;D &lt;b&gt;"
    mention = payloads.app_mention_event("related & <more>")
    assert mention["text"] == f"<@{BOT_USER_ID}> related &amp; &lt;more&gt;"
    typed = payloads.as_slack_sends("R&D")
    picked = payloads.slash_command("/define", f"<@U0BOB> {typed}", formatted=True)
    assert picked["text"] == "<@U0BOB> R&amp;D"


def test_define_a_term_with_an_ampersand_is_an_exact_hit(
    bot: BotHarness, content_dir: Path
) -> None:
    """/define R&D and /define time & materials find their terms exactly, shown escaped once."""
    add_ampersand_terms(bot, content_dir)
    rnd = bot.command("/define", "R&D")
    assert "*R&amp;D*" in rnd.ack_text
    assert "No exact match" not in rnd.ack_text and "&amp;amp;" not in rnd.ack_text
    assert rnd.ack["text"].startswith("R&amp;D: Research and development")
    materials = bot.command("/define", "time & materials")
    assert "*Time &amp; materials*" in materials.ack_text
    assert "No exact match" not in materials.ack_text
    assert "another name" not in materials.ack_text
    store = bot.services.store
    bot.slack.wait_for(lambda: store.lookup_report(1).define_lookups == 2)
    assert not store.lookup_report(1).missed_terms


def test_brief_echoes_a_typed_mention_as_typed(bot: BotHarness) -> None:
    """/brief <!channel> shows the person “<!channel>” (escaped once), pinging nobody."""
    sent = bot.command("/brief", "<!channel>")
    text = sent.ack_text
    assert "“&lt;!channel&gt;”" in text
    assert "&amp;" not in text and "<!channel>" not in text


def test_mentions_picked_in_slack_are_still_only_text(bot: BotHarness) -> None:
    """A real mention or link Slack formatted in a query comes back as text, never markup."""
    sent = bot.command("/define", "<!channel> <@U0BOB> <http://evil|x> qqzzx", formatted=True)
    text = sent.ack_text
    assert "&lt;!channel&gt; &lt;@U0BOB&gt; &lt;http://evil|x&gt; qqzzx" in text
    assert "<!channel>" not in text and "<@U0BOB>" not in text and "&amp;" not in text


def test_mention_with_an_ampersand_threads_related_briefs(bot: BotHarness) -> None:
    """@briefbot related & more, as Slack sends it, threads the related briefs once."""
    bot.click(blocks.SHARE_BRIEF, DISTILLATION, ephemeral=True)
    post = bot.slack.wait_for(lambda: bot.slack.messages("C0GENERAL"))[-1]
    bot.slack.wait_for(lambda: bot.services.store.brief_for_message("C0GENERAL", post["ts"]))
    bot.event(payloads.app_mention("R&D <related> & more", thread_ts=post["ts"]))
    thread = bot.slack.wait_for(
        lambda: (found := bot.slack.messages("C0GENERAL", post["ts"])) and len(found) == 2 and found
    )
    assert "Related to" in thread[1]["text"] + json.dumps(thread[1]["blocks"])
