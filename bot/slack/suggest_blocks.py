"""Block Kit for suggesting a term or a fix: the Suggest button, the modals, and the
admins' review message with Approve, Edit and Decline.

Modals are plain dicts in Slack's view shape (`views.open`): every field is an input
block whose `block_id` names it, so `response_action: errors` can point at the field
that needs changing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    LinkButtonElement,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.slack.blocks import FALLBACK_MAX, Message
from bot.slack.limits import SECTION_TEXT_MAX
from bot.slack.mrkdwn import escape, escape_within, truncate
from bot.slack.suggest_button import SUGGEST, parse_suggest_value, suggest_button

APPROVE = "suggestion_approve"
EDIT = "suggestion_edit"
DECLINE = "suggestion_decline"
SUBMIT_VIEW = "suggest_submit"
"""callback_id of the Suggest modal a person sends."""
EDIT_VIEW = "suggest_edit"
"""callback_id of the same modal an admin edits a suggestion in."""
DECLINE_VIEW = "suggest_decline"
"""callback_id of the modal asking an admin why they decline."""
FIELD_ACTION = "value"
"""The action id of every input: the block id says which field it is."""

__all__ = ["SUGGEST", "parse_suggest_value", "suggest_button"]

_INPUT_MAX = 3000
"""Slack's limit on what a plain-text input holds, prefilled or typed."""


@dataclass(frozen=True, slots=True)
class Draft:
    """What a Suggest modal shows: the kind, what it fixes, and the fields prefilled."""

    kind: str
    """"term" (a new term), "fix" (a term's definition) or "brief" (a brief's summary)."""
    target: str = ""
    term: str = ""
    definition: str = ""
    aliases: str = ""
    context: str = ""
    source: str = ""
    summary: str = ""


def _input(
    block_id: str,
    label: str,
    initial: str,
    *,
    multiline: bool = False,
    optional: bool = False,
    hint: str = "",
    placeholder: str = "",
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": FIELD_ACTION,
        "multiline": multiline,
    }
    if initial:
        element["initial_value"] = initial[:_INPUT_MAX]
    if placeholder:
        element["placeholder"] = {"type": "plain_text", "text": placeholder[:150]}
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = {"type": "plain_text", "text": hint[:2000]}
    return block


def suggest_modal(draft: Draft, metadata: Mapping[str, str], *, editing: bool = False) -> dict:
    """The Suggest modal, prefilled from `draft`; `metadata` rides along to the submission.
    With `editing`, it is an admin's edit of a suggestion already sent."""
    blocks: list[dict[str, Any]] = []
    if draft.kind == "brief":
        intro = f"A better summary for the brief *{escape_within(draft.target, 200)}*."
        blocks.append(_mrkdwn_section(intro))
        blocks.append(
            _input(
                "summary",
                "Summary",
                draft.summary,
                multiline=True,
                hint="One paragraph saying what happened and why it matters.",
            )
        )
    else:
        if draft.kind == "fix":
            intro = f"A fix to *{escape_within(draft.target, 200)}*: change what is wrong."
        else:
            intro = "A term for the glossary. An admin reviews it before anyone sees it."
        blocks.append(_mrkdwn_section(intro))
        blocks.append(_input("term", "Term", draft.term, placeholder="e.g. Sparse autoencoder"))
        blocks.append(
            _input(
                "definition",
                "Definition",
                draft.definition,
                multiline=True,
                hint="What it means, in a few plain sentences. Light Markdown and "
                "[links](https://…) allowed.",
            )
        )
        blocks.append(
            _input(
                "aliases",
                "Aliases",
                draft.aliases,
                optional=True,
                hint="Other names or abbreviations /define should answer, separated by commas.",
            )
        )
        blocks.append(
            _input(
                "context",
                "Context",
                draft.context,
                optional=True,
                hint="A few words telling it apart where an alias names several terms "
                "(“export controls”).",
            )
        )
    blocks.append(
        _input(
            "source",
            "Source",
            draft.source,
            optional=True,
            hint="Where this comes from: an http(s) link, for the reviewer.",
        )
    )
    if editing:
        title, submit = "Edit the suggestion", "Save and approve"
    else:
        title = "Suggest a term" if draft.kind == "term" else "Suggest a fix"
        submit = "Send for review"
    return {
        "type": "modal",
        "callback_id": EDIT_VIEW if editing else SUBMIT_VIEW,
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": submit},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": json.dumps(dict(metadata))[:3000],
        "blocks": blocks,
    }


def decline_modal(suggestion_id: str, what: str) -> dict:
    """The modal asking an admin why they decline (optional), sent to the suggester."""
    return {
        "type": "modal",
        "callback_id": DECLINE_VIEW,
        "title": {"type": "plain_text", "text": "Decline"},
        "submit": {"type": "plain_text", "text": "Decline"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": json.dumps({"id": suggestion_id}),
        "blocks": [
            _mrkdwn_section(f"Decline {escape_within(what, 300)}?"),
            _input(
                "reason",
                "Why (optional)",
                "",
                multiline=True,
                optional=True,
                hint="Sent to whoever suggested it.",
            ),
        ],
    }


def submitted_values(view: Mapping[str, Any]) -> dict[str, str]:
    """What was typed in a submitted modal, by field (block id); "" for what was left empty."""
    values: dict[str, str] = {}
    state = (view.get("state") or {}).get("values") or {}
    for block_id, actions in state.items():
        if not isinstance(actions, dict):
            continue
        found: Any = actions.get(FIELD_ACTION) or next(iter(actions.values()), {})
        value = found.get("value") if isinstance(found, dict) else None
        values[str(block_id)] = value if isinstance(value, str) else ""
    return values


def _mrkdwn_section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}}


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text or " ", verbatim=True))


def review_message(
    suggestion_id: str,
    suggesters: Sequence[str],
    what: str,
    fields: Sequence[tuple[str, str]],
    *,
    decided: str = "",
    note: str = "",
) -> Message:
    """The admins' message about one suggestion: who, what, each field, and Approve, Edit
    and Decline; once `decided` (our own mrkdwn), the decision instead of the buttons."""
    who = ", ".join(f"<@{u}>" for u in suggesters)
    blocks: list[Block] = [_section(f"{who} suggests {escape_within(what, 300)}.")]
    for name, value in fields:
        if value:
            shown = escape_within(value, SECTION_TEXT_MAX - 40)
            blocks.append(_section(f"*{name}*\n{shown}"))
    if note:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=note, verbatim=True)]))
    if decided:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=decided, verbatim=True)]))
    else:
        buttons: list[ButtonElement | LinkButtonElement] = [
            ButtonElement(
                text=PlainTextObject(text="Approve"),
                action_id=APPROVE,
                value=suggestion_id,
                style="primary",
            ),
            ButtonElement(text=PlainTextObject(text="Edit"), action_id=EDIT, value=suggestion_id),
            ButtonElement(
                text=PlainTextObject(text="Decline"),
                action_id=DECLINE,
                value=suggestion_id,
                style="danger",
            ),
        ]
        blocks.append(ActionsBlock(elements=buttons))
    plain = f"Suggestion: {what}" + (" (decided)" if decided else "")
    return Message(text=escape(truncate(plain, FALLBACK_MAX)), blocks=blocks)
