"""The posts a subscribed channel gets besides the featured brief: a new brief as it is
published, the line that stands for the rest when many arrive at once, and the weekly
digest. Every one fits Block Kit's limits however many briefs a week brings."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.model import Brief, ItemKind
from bot.slack.blocks import (
    FALLBACK_MAX,
    SHOW_BRIEF,
    Message,
    brief_message,
    first_sentence,
    format_date,
    markdown_notice,
)
from bot.slack.feedback import feedback_row
from bot.slack.limits import (
    BUTTON_VALUE_MAX,
    HEADER_TEXT_MAX,
    SECTION_TEXT_MAX,
)
from bot.slack.mrkdwn import escape, escape_within, to_mrkdwn, to_plain, truncate

LATEST_COMMAND = "/brief latest"
DIGEST_SHOWN_MAX = 25
"""Briefs a weekly digest lists before "and N more": a week's worth to read in a channel,
and with the heading and the closing line well inside Slack's 50 blocks."""
DIGEST_SENTENCE_MAX = 300
"""A brief's first sentence in the digest is cut here, at a word, with "…"."""


def new_brief_message(brief: Brief) -> Message:
    """One new brief announced in a channel subscribed to new briefs."""
    return brief_message(brief, ephemeral=False, banner=":new: *New brief*", intro="New brief: ")


def new_briefs_overflow_message(count: int) -> Message:
    """The one line standing for the new briefs the flood guard held back today."""
    noun = "brief" if count == 1 else "briefs"
    return markdown_notice(
        f"…and {count:,} more new {noun}: `{LATEST_COMMAND}`",
        f"…and {count:,} more new {noun}: {LATEST_COMMAND}",
    )


def weekly_digest_message(briefs: Sequence[Brief], week_start: dt.date, more: int = 0) -> Message:
    """The week's new briefs: title, date and first sentence, a Show button each.

    At most `DIGEST_SHOWN_MAX` are listed; the rest, with `more` (briefs the caller left
    out already), are counted in one closing line. The 👍 / 👎 row under it is a vote on
    each brief listed.
    """
    shown = list(briefs[:DIGEST_SHOWN_MAX])
    left = len(briefs) - len(shown) + max(more, 0)
    heading = f"Weekly digest: the week of {format_date(week_start)}"
    count = len(briefs) + max(more, 0)
    summary = f":calendar: {count:,} new {'brief' if count == 1 else 'briefs'} this week"
    blocks = _digest_blocks(heading, summary, shown, left)
    blocks.append(feedback_row(ItemKind.BRIEF, *(brief.id for brief in shown)))
    return Message(text=f"{escape(heading)}: {_fallback_titles(shown, left)}", blocks=blocks)


def _digest_blocks(heading: str, summary: str, shown: Sequence[Brief], left: int) -> list[Block]:
    """A digest's blocks: its heading, the `summary` line under it (mrkdwn), an entry for
    each brief `shown`, and one line counting the `left` briefs not listed (if any)."""
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=truncate(heading, HEADER_TEXT_MAX), emoji=True)),
        ContextBlock(elements=[MarkdownTextObject(text=summary, verbatim=True)]),
    ]
    blocks.extend(_digest_entry(brief) for brief in shown)
    if left:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"…and {left:,} more: `{LATEST_COMMAND}`", verbatim=True
                )
            )
        )
    return blocks


def _fallback_titles(shown: Sequence[Brief], left: int) -> str:
    """The titles listed, escaped, and how many more there are: a digest's notification text."""
    # Escaping can make titles five times longer (&amp;), so they get a fifth of the budget.
    titles = truncate("; ".join(brief.title for brief in shown), FALLBACK_MAX // 5)
    tail = f"; and {left:,} more" if left else ""
    return escape(titles) + tail


def _digest_entry(brief: Brief) -> SectionBlock:
    title = f"*{escape_within(brief.title, 300)}*"
    sentence = to_mrkdwn(first_sentence(to_plain(brief.summary)), DIGEST_SENTENCE_MAX)
    return SectionBlock(
        text=MarkdownTextObject(
            text=truncate(f"{title}\n{format_date(brief.date)} · {sentence}", SECTION_TEXT_MAX),
            verbatim=True,
        ),
        accessory=ButtonElement(
            text=PlainTextObject(text="Show", emoji=True),
            action_id=SHOW_BRIEF,
            value=brief.id[:BUTTON_VALUE_MAX],
        ),
    )


def catch_up_message(
    briefs: Sequence[Brief], since: dt.datetime, until: dt.datetime, zone: str
) -> Message:
    """The one digest a person gets when their snooze ends: what it held back, newest
    first, at most `DIGEST_SHOWN_MAX` listed and the rest counted in one line."""
    tz = zoneinfo.ZoneInfo(zone)
    start, end = since.astimezone(tz).date(), until.astimezone(tz).date()
    shown = list(briefs[:DIGEST_SHOWN_MAX])
    left = len(briefs) - len(shown)
    heading = "While you were snoozed"
    span = format_date(start) if start == end else f"{format_date(start)} to {format_date(end)}"
    count = len(briefs)
    summary = f":zzz: {count:,} {'brief' if count == 1 else 'briefs'} you missed, {span}"
    blocks = _digest_blocks(heading, summary, shown, left)
    return Message(text=f"{heading} ({span}): {_fallback_titles(shown, left)}", blocks=blocks)
