"""The Suggest button, and the admins' Approve, Edit and Decline on a suggestion."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.content.proposals import Proposal
from bot.listeners.acked import Acked, acked_then, after_ack
from bot.listeners.context import deps
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


def suggest_clicked(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    respond: Respond,
) -> None:
    """Open the Suggest modal at once: a trigger id works for 3 seconds only."""
    ack()
    parsed = parse_suggest_value(str(action.get("value", "")))
    library = deps(context).library
    if parsed is None or not open_suggest_modal(
        client, str(body.get("trigger_id", "")), library, *parsed
    ):
        after_ack(
            context,
            body,
            lambda: respond(**ephemeral(notice(GONE_TARGET)), replace_original=False),
        )


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


def edit_clicked(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    respond: Respond,
) -> None:
    """Open the suggestion, prefilled, for an admin to edit and approve."""
    ack()
    _open_for_admin(body, action, context, client, respond, "edit")


def decline_clicked(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    respond: Respond,
) -> None:
    """Ask the admin why they decline (optional), in a modal."""
    ack()
    _open_for_admin(body, action, context, client, respond, "decline")


def _open_for_admin(
    body: dict[str, Any],
    action: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    respond: Respond,
    what: str,
) -> None:
    services = deps(context).services
    user = str(body["user"]["id"])

    def say(text: str) -> None:
        after_ack(context, body, lambda: respond(**ephemeral(notice(text)), replace_original=False))

    if not services.is_admin(user):
        say(NOT_ADMIN)
        return
    found = services.store.suggestion(str(action.get("value", "")))
    if found is None:
        say(GONE)
        return
    if found.state != "open":
        say(f"That suggestion was already {found.state}.")
        return
    channel, ts = _clicked_on(body)
    if what == "edit":
        proposal = Proposal.from_json(found.proposal)
        view = edit_modal(found, channel, ts, target_hash(services, proposal))
    else:
        view = suggest_blocks.decline_modal(found.id, Proposal.from_json(found.proposal).title)
        view["private_metadata"] = json.dumps({"id": found.id, "channel": channel, "ts": ts})
    client.views_open(trigger_id=str(body.get("trigger_id", "")), view=view)


approve_clicked = acked_then(_approve)
