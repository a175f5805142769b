"""Text cut for Block Kit's limits: at a word or item boundary with "…", and escaped whole.

Cutting escaped text can end inside `&amp;` or a `<url|label>` link; cutting plain text
anywhere can end mid-word. Through the real app and a local Slack, every shortened text
here ends on a whole word, entity and link.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

import pytest

from bot.listeners.related_thread import related_key
from bot.slack import blocks

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.bot import BotHarness

pytest_plugins = ("tests.support.bot",)

DISTILLATION = "ai-distillation-national-security"
ENTITY = re.compile(r"&(?!amp;|lt;|gt;)")

CROWDED_BRIEF = """\
id: crowded
title: A brief with a very long source link and many tags
date: 2026-11-26
summary: Tags and a link that together are longer than one context line.
tags: [{tags}]
source:
  name: R&D Weekly & Co
  url: "https://example.org/story?{query}"
"""


def assert_whole_markup(text: str) -> None:
    """No entity is cut short and every link or mention is closed."""
    assert not ENTITY.search(text), text[-80:]
    assert text.count("<") == text.count(">"), text[-80:]


def visible(mrkdwn: str) -> str:
    return mrkdwn.replace("*", "").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def assert_cut_at_a_word(shown: str, source: str) -> None:
    """`shown` (ending in "…") is `source` cut where a word ends."""
    assert shown.endswith("…"), shown
    kept = shown.removesuffix("…")
    assert source.startswith(kept), (kept, source)
    rest = source[len(kept) :]
    assert rest[:1].isspace() or rest[:1] in {",", ";", ":"}, (kept, rest[:20])


def context_texts(message: dict) -> list[str]:
    return [e["text"] for b in message["blocks"] if b["type"] == "context" for e in b["elements"]]


@pytest.mark.parametrize("long_tags", [False, True])
def test_context_line_with_a_long_link_and_many_tags_is_cut_on_whole_items(
    bot: BotHarness, content_dir: Path, long_tags: bool
) -> None:
    """A brief's date/tags/source line too long for Slack keeps whole tags, entities and links.

    The link goes first when it is what does not fit (the Read full story button keeps
    it); tags that do not fit are left out whole, with "…".
    """
    padding = "&" * 30 if long_tags else ""
    tags = ", ".join(f'"R&D&{i}{padding}"' for i in range(20))
    pairs = 10 if long_tags else 280  # about 1,900 characters of URL
    query = "&".join(f"k{i}=v" for i in range(pairs))
    (content_dir / "briefs" / "crowded.yml").write_text(
        CROWDED_BRIEF.format(tags=tags, query=query)
    )
    assert bot.services.content.reload().ok
    sent = bot.command("/brief", "crowded")
    (line,) = [t for t in context_texts(sent.ack) if t.startswith("Nov 26, 2026")]
    assert len(line) <= blocks.CONTEXT_MAX
    assert_whole_markup(line)
    if long_tags:
        assert "#R&amp;D&amp;0" in line and " … · Read full story at <https://" in line
        assert "|R&amp;D Weekly &amp; Co> →" in line
    else:
        assert line.endswith(" #R&amp;D&amp;19") and "Read full story" not in line


def test_also_called_line_cuts_between_whole_aliases(bot: BotHarness, content_dir: Path) -> None:
    """Fifty long aliases full of & are listed whole, escaped, then "…", never cut inside."""
    aliases = [f"alias {i} " + "R&D " * 16 for i in range(50)]
    glossary = content_dir / "glossary.yml"
    glossary.write_text(
        glossary.read_text().rstrip("\n")
        + "\n  - term: Crowded term\n    definition: A term with many names.\n"
        + "    aliases: ["
        + ", ".join(f'"{a.strip()}"' for a in aliases)
        + "]\n"
    )
    assert bot.services.content.reload().ok
    sent = bot.command("/define", "Crowded term")
    (also,) = [t for t in context_texts(sent.ack) if t.startswith("Also called: ")]
    assert len(also) <= blocks.CONTEXT_MAX
    assert_whole_markup(also)
    assert also.endswith(", …")
    shown = visible(also.removeprefix("Also called: ").removesuffix(", …")).split(", ")
    assert shown == [a.strip() for a in aliases[: len(shown)]]


def test_glossary_and_latest_previews_end_on_a_whole_word(bot: BotHarness) -> None:
    """Definitions on a glossary page and summaries in /brief latest are cut where a word ends."""
    library = bot.services.library
    page = bot.command("/define").ack
    definitions = {t.term: t.definition for t in library.terms}
    cut = 0
    for block in page["blocks"][1:]:
        for line in block.get("text", {}).get("text", "").split("\n"):
            name, sep, shown = line.partition(": ")
            if sep and name.strip("*") in definitions and shown.endswith("…"):
                assert_cut_at_a_word(visible(shown), definitions[name.strip("*")])
                cut += 1
    assert cut >= 3
    summaries = {b.id: b.summary for b in library.briefs}
    latest = bot.command("/brief", "latest").ack
    previews = [b for b in latest["blocks"] if b.get("accessory")]
    for block in previews:
        shown = visible(block["text"]["text"]).split(" · ", 1)[1]
        summary = summaries[block["accessory"]["value"]]
        if shown.endswith("…"):
            assert_cut_at_a_word(shown, summary)
    assert any(visible(b["text"]["text"]).endswith("…") for b in previews)


def test_thread_permalink_link_escapes_its_ampersand(bot: BotHarness) -> None:
    """The "already in this message's thread" link escapes & in Slack's permalink."""
    bot.click(blocks.SHARE_BRIEF, DISTILLATION, ephemeral=True)
    post = bot.slack.wait_for(lambda: bot.slack.messages("C0GENERAL"))[-1]
    bot.click(blocks.RELATED_BRIEFS, DISTILLATION, message=post)
    bot.slack.wait_for(lambda: len(bot.slack.messages("C0GENERAL", post["ts"])) == 2)
    # The reply is recorded just after Slack has it; a person's second click comes later.
    key = related_key("C0GENERAL", post["ts"])
    bot.slack.wait_for(lambda: (claim := bot.services.store.once_claim(key)) and claim.reply_ts)
    again = bot.click(blocks.RELATED_BRIEFS, DISTILLATION, message=post, user="U0BOB")
    (pointer,) = bot.responses_to(again)
    text = json.dumps(pointer["blocks"])
    assert "&amp;cid=C0GENERAL|this message's thread>" in text
    assert_whole_markup(pointer["blocks"][0]["text"]["text"])
