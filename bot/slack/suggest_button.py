"""The **Suggest** button, one small function so any answer can carry it in its row."""

from __future__ import annotations

from slack_sdk.models.blocks import ButtonElement, PlainTextObject

from bot.slack.limits import BUTTON_TEXT_MAX, BUTTON_VALUE_MAX
from bot.slack.mrkdwn import truncate

SUGGEST = "suggest"
"""The Suggest button's action id; its value is `kind|target`."""


def suggest_button(kind: str, target: str = "", label: str = "") -> ButtonElement:
    """The **Suggest** button: a new term (`kind` "term", `target` the name typed), a fix
    to a term ("fix", its name) or to a brief ("brief", its id). Put it in any actions
    row, beside the other buttons of an answer."""
    if not label:
        label = "Suggest a term" if kind == "term" else "Suggest a fix"
    return ButtonElement(
        text=PlainTextObject(text=truncate(label, BUTTON_TEXT_MAX), emoji=True),
        action_id=SUGGEST,
        value=f"{kind}|{target}"[:BUTTON_VALUE_MAX],
    )


def parse_suggest_value(value: str) -> tuple[str, str] | None:
    """The kind and target a Suggest button carries; None for a value it never made."""
    kind, bar, target = value.partition("|")
    if not bar or kind not in ("term", "fix", "brief"):
        return None
    return kind, target
