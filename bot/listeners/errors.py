"""The one global error handler: log with context, tell the user briefly, never a trace."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_sdk.errors import SlackApiError

from bot.listeners.context import has_deps
from bot.listeners.replies import ephemeral
from bot.slack import blocks

# Slack errors a user can fix themselves, in words that say how.
FRIENDLY: dict[str, str] = {
    "not_in_channel": "I'm not in this channel yet. Invite me with `/invite @briefbot`, "
    "then try again.",
    "channel_not_found": "I can't post in this conversation. In a private channel, invite me "
    "with `/invite @briefbot`; in a direct message, use the briefbot app's Messages tab.",
    "is_archived": "This channel is archived, so I can't post in it.",
    "restricted_action": "This workspace doesn't let apps post in this channel.",
    "ratelimited": "Slack asked me to slow down. Please try again in a minute.",
}
GENERIC = "Sorry, something went wrong on my side and nothing was posted. Please try again."


def user_message_for(error: Exception) -> str:
    if isinstance(error, SlackApiError):
        return FRIENDLY.get(str(error.response.get("error", "")), GENERIC)
    return GENERIC


def _get(value: Any, key: str) -> Any:
    return value.get(key, "") if isinstance(value, dict) else ""


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def register(app: App) -> None:
    app.error(handle_listener_error)


def handle_listener_error(
    error: Exception,
    body: dict[str, Any],
    context: BoltContext,
    logger: logging.Logger,
    response: BoltResponse | None,
) -> BoltResponse | None:
    """Log the failure with what was asked; answer the user in the fastest way left.

    Work after the ack (`bot/listeners/followups.py`) reports here too, with no response:
    the ack has gone, so the person hears of it through the response URL.
    """
    if not has_deps(context):
        # briefbot's own middleware runs only after Bolt has checked the signature, so
        # this request failed before anyone knew it came from Slack (a timestamp that
        # is not a number, say): nothing it says is logged, and no one is answered.
        logger.warning("refused a request before it was verified: %s", type(error).__name__)
        return BoltResponse(status=401, body="") if response is not None else None
    # %r keeps a newline or a control character in a field from forging a log line.
    logger.error(
        "listener failed: %r (type=%r command=%r action=%r user=%r team=%r channel=%r)",
        error,
        body.get("type") or _get(body.get("event"), "type"),
        body.get("command"),
        ",".join(str(_get(a, "action_id")) for a in _list(body.get("actions"))),
        context.user_id,
        context.team_id,
        context.channel_id,
        exc_info=error if not isinstance(error, SlackApiError) else None,
    )
    note = blocks.notice(user_message_for(error))
    if response is not None and body.get("command"):
        # Not acknowledged yet: the answer can still ride on the ack.
        return BoltResponse(
            status=200,
            body=json.dumps(ephemeral(note)),
            headers={"content-type": "application/json"},
        )
    respond = context.get("respond")
    if respond is not None and (
        body.get("type") in ("block_actions", "message_action") or body.get("command")
    ):
        try:
            respond(**ephemeral(note), replace_original=False)
        except Exception:  # the user can't be told; the log above already says why
            logger.warning("could not tell the user about the failure", exc_info=True)
    # Acknowledge anyway: Slack would only retry or show a warning for the same failure.
    return BoltResponse(status=200, body="") if response is not None else None
