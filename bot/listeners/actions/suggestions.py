"""The Suggest button, and the admins' Approve, Edit and Decline on a suggestion."""

from __future__ import annotations

import json
from typing import Any

from bot.content.proposals import Proposal
from bot.listeners.acked import Acked, acked_now, acked_then
from bot.listeners.replies import ephemeral
from bot.listeners.suggestions import (
    GONE,
    NOT_ADMIN,
    approve,
    edit_modal,
    open_suggest_modal,
    target_hash,
    update_review,
)
from bot.slack import suggest_blocks
from bot.slack.blocks import notice
from bot.slack.suggest_button import parse_suggest_value

GONE_TARGET = "That term or brief is not in the content any more, so there is nothing to fix."


def _suggest(acked: Acked) -> None:
    """Open the Suggest modal at once: a trigger id works for 3 seconds only."""
    parsed = parse_suggest_value(str(acked.payload.get("value", "")))
    library = acked.deps.library
    if parsed is None or not open_suggest_modal(acked.client, acked.trigger_id, library, *parsed):
        _say_later(acked, GONE_TARGET)


def _say_later(acked: Acked, text: str) -> None:
    """Answer the person privately, after the ack: the listener thread only opens modals."""
    acked.later(lambda: acked.respond(**ephemeral(notice(text)), replace_original=False))


def _clicked_on(body: dict[str, Any]) -> tuple[str, str]:
    container = body.get("container") or {}
    return str(container.get("channel_id", "")), str(container.get("message_ts", ""))


def _approve(acked: Acked) -> None:
    services = acked.deps.services
    user = str(acked.body["user"]["id"])
    answer = acked.respond
    if not services.is_admin(user):
        answer(**ephemeral(notice(NOT_ADMIN)), replace_original=False)
        return
    said, decided = approve(services, acked.client, str(acked.payload.get("value", "")), user)
    if decided is not None:
        update_review(acked.client, *_clicked_on(acked.body), decided)
    answer(**ephemeral(said), replace_original=False)


def _edit(acked: Acked) -> None:
    """Open the suggestion, prefilled, for an admin to edit and approve."""
    _open_for_admin(acked, "edit")


def _decline(acked: Acked) -> None:
    """Ask the admin why they decline (optional), in a modal."""
    _open_for_admin(acked, "decline")


def _open_for_admin(acked: Acked, what: str) -> None:
    services = acked.deps.services
    user = str(acked.body["user"]["id"])
    if not services.is_admin(user):
        _say_later(acked, NOT_ADMIN)
        return
    found = services.store.suggestion(str(acked.payload.get("value", "")))
    if found is None:
        _say_later(acked, GONE)
        return
    if found.state != "open":
        _say_later(acked, f"That suggestion was already {found.state}.")
        return
    channel, ts = _clicked_on(acked.body)
    if what == "edit":
        proposal = Proposal.from_json(found.proposal)
        view = edit_modal(found, channel, ts, target_hash(services, proposal))
    else:
        view = suggest_blocks.decline_modal(found.id, Proposal.from_json(found.proposal).title)
        view["private_metadata"] = json.dumps({"id": found.id, "channel": channel, "ts": ts})
    acked.client.views_open(trigger_id=acked.trigger_id, view=view)


# Opening a modal cannot wait for a follow-up thread; approving has nothing to open.
suggest_clicked = acked_now(_suggest)
approve_clicked = acked_then(_approve)
edit_clicked = acked_now(_edit)
decline_clicked = acked_now(_decline)
