"""What a person or an admin sends from a suggestion's modal.

Each is answered in the ack, within Slack's 3 seconds: errors by field keep the modal
open with what to change; otherwise it closes, and messages to Slack follow after it.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.listeners.acked import after_ack
from bot.listeners.context import deps
from bot.listeners.suggestions import (
    NOT_ADMIN,
    approve,
    decline,
    edited_proposal,
    errors_answer,
    metadata_of,
    plan,
    send_for_review,
    submit,
    tell,
    update_review,
)
from bot.services import Services
from bot.slack import suggest_blocks


def suggestion_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Check the suggestion; keep the modal open with each field's problem, or record it
    and send it to the admins."""
    needs = deps(context)
    user = str(body["user"]["id"])
    done = submit(needs.services, needs.library, user, view)
    ack(**done.answer)
    if done.to_review is not None:
        suggestion = done.to_review
        after_ack(context, body, lambda: send_for_review(needs.services, client, suggestion))


def _first_input(view: dict[str, Any]) -> str:
    for block in view.get("blocks") or []:
        if isinstance(block, dict) and block.get("type") == "input":
            return str(block.get("block_id", ""))
    return ""


def _admin_or_refused(ack: Ack, body: dict[str, Any], services: Services, field: str) -> str | None:
    """The id of the admin who submitted the modal; or None, having acked with NOT_ADMIN
    on `field` (the modal stays open), when they are not an admin (any more)."""
    user = str(body["user"]["id"])
    if services.is_admin(user):
        return user
    ack(**errors_answer({field: NOT_ADMIN}))
    return None


def edit_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """An admin's edit: checked like a suggestion, then approved as edited."""
    needs = deps(context)
    services = needs.services
    user = _admin_or_refused(ack, body, services, _first_input(view))
    if user is None:
        return
    suggestion_id, proposal, meta = edited_proposal(view)
    _, problems = plan(services, needs.library, proposal)
    if problems:
        ack(**errors_answer(problems))
        return
    ack()

    def work() -> None:
        said, decided = approve(
            services, client, suggestion_id, user, edited=proposal, edited_on=meta.get("hash")
        )
        if decided is not None:
            update_review(client, meta.get("channel", ""), meta.get("ts", ""), decided)
        tell(client, (user,), said)

    after_ack(context, body, work)


def decline_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Decline with the admin's reason, and tell whoever suggested it."""
    services = deps(context).services
    user = _admin_or_refused(ack, body, services, "reason")
    if user is None:
        return
    meta = metadata_of(view)
    reason = " ".join(suggest_blocks.submitted_values(view).get("reason", "").split())[:1000]
    ack()

    def work() -> None:
        said, decided = decline(services, client, meta.get("id", ""), user, reason)
        if decided is not None:
            update_review(client, meta.get("channel", ""), meta.get("ts", ""), decided)
        tell(client, (user,), said)

    after_ack(context, body, work)
