"""The "Was this helpful?" row under every brief and definition briefbot shows: 👍 and 👎.

One row a message, built here only (`feedback_row`), so every answer and post carries the
same buttons; `feedback_buttons` gives them alone, for a row that adds another button
beside them. Each button's value names what it is about, so a press on any message,
private or in a channel, needs nothing else: a brief's id, a term's name, or the several
briefs of a digest or terms of an explanation (a vote on each), as many as fit.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, PlainTextObject

from bot.model import ItemKind, Vote
from bot.slack.limits import BUTTON_VALUE_MAX

# action_ids: bot/listeners/actions/votes.py registers one callback for both.
VOTE_UP = "vote_up"
VOTE_DOWN = "vote_down"
VOTE_ACTIONS = {VOTE_UP: Vote.UP, VOTE_DOWN: Vote.DOWN}
FEEDBACK_BLOCK = "feedback"
LABELS = {Vote.UP: "👍 Helpful", Vote.DOWN: "👎 Not helpful"}
HELP = (
    "*👍 Helpful* / *👎 Not helpful* under a brief or definition — say whether it helped; "
    "the other button changes your vote, the same one again withdraws it"
)
"""The line `/brief help` and the Home tab give the row."""


def vote_value(kind: ItemKind, item_ids: Sequence[str]) -> str:
    """`["brief", "id"]`: what a 👍 or 👎 is about, with as many ids as fit a button."""
    ids = list(dict.fromkeys(item_ids))
    value = json.dumps([kind.value, *ids], ensure_ascii=False)
    while len(value) > BUTTON_VALUE_MAX and len(ids) > 1:
        ids.pop()
        value = json.dumps([kind.value, *ids], ensure_ascii=False)
    return value


def parse_vote_value(value: str) -> tuple[ItemKind, list[str]] | None:
    """The kind and ids a 👍 or 👎 button carries; None when it is not one of ours."""
    try:
        data = json.loads(value)
        kind = ItemKind(data[0])
        ids = [item for item in data[1:] if isinstance(item, str) and item]
    except (ValueError, TypeError, IndexError, KeyError):
        return None
    return (kind, ids) if ids and len(ids) == len(data) - 1 else None


def feedback_buttons(kind: ItemKind, *item_ids: str) -> list[ButtonElement]:
    """👍 and 👎 for one brief or term (or the several a message shows)."""
    value = vote_value(kind, item_ids)
    return [
        ButtonElement(
            text=PlainTextObject(text=LABELS[vote], emoji=True), action_id=action_id, value=value
        )
        for action_id, vote in VOTE_ACTIONS.items()
    ]


def feedback_row(kind: ItemKind, *item_ids: str) -> ActionsBlock:
    """The "Was this helpful?" row: one actions block with 👍 and 👎."""
    return ActionsBlock(block_id=FEEDBACK_BLOCK, elements=feedback_buttons(kind, *item_ids))
