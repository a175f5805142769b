"""What Slack sends to an app, for tests: the product's `bot.localslack.inbound` builders,
plus a button-click builder that takes the action id and value directly. Tests build
Slack's payloads from here only.

The same payloads go over both transports: as signed HTTP requests to `briefbot serve`
(form fields for slash commands, `payload=<json>` for button clicks and shortcuts, JSON
for events)
and inside Socket Mode envelopes to `briefbot run`.
"""

from __future__ import annotations

from typing import Any

from bot.localslack import inbound
from bot.localslack.inbound import (
    app_home_opened,
    app_home_opened_event,
    app_mention,
    app_mention_event,
    app_uninstalled_event,
    as_slack_sends,
    clicked_again,
    event_callback,
    form_body,
    interactive_body,
    interactive_fields,
    json_body,
    message_action,
    now_ts,
    retry_headers,
    rich_text,
    signature,
    signed_headers,
    slash_command,
    tokens_revoked_event,
    url_verification,
    user_change,
    user_change_event,
)

__all__ = [
    "app_home_opened",
    "app_home_opened_event",
    "app_mention",
    "app_mention_event",
    "app_uninstalled_event",
    "as_slack_sends",
    "block_action",
    "clicked_again",
    "event_callback",
    "form_body",
    "interactive_body",
    "interactive_fields",
    "json_body",
    "message_action",
    "now_ts",
    "retry_headers",
    "rich_text",
    "signature",
    "signed_headers",
    "slash_command",
    "tokens_revoked_event",
    "url_verification",
    "user_change",
    "user_change_event",
]


def block_action(
    action_id: str,
    value: str | None = None,
    *,
    user_id: str = "U0ALICE",
    channel_id: str = "C0GENERAL",
    message_ts: str | None = None,
    container_type: str = "message",
    response_url: str | None = None,
    message: dict[str, Any] | None = None,
    block_id: str = "actions",
    text: str = "Button",
    view: dict[str, Any] | None = None,
    trigger_id: str | None = None,
    team_id: str = inbound.TEAM_ID,
) -> dict[str, Any]:
    """The `block_actions` payload of a click on button `action_id` carrying `value`.

    `container_type`: "message" (a channel message: pass `message`, e.g. one from
    `fake.messages()`, or its `message_ts`), "ephemeral" (Slack then sends no
    `message`) or "view" (the App Home tab: no channel and no response URL).
    """
    if container_type not in ("message", "ephemeral", "view"):
        raise ValueError("container_type must be 'message', 'ephemeral' or 'view'")
    action: dict[str, Any] = {
        "action_id": action_id,
        "block_id": block_id,
        "text": {"type": "plain_text", "text": text, "emoji": True},
    }
    if value is not None:
        action["value"] = value
    if container_type == "view":
        view = view or {"id": "V00000001", "type": "home", "blocks": []}
    return inbound.block_action(
        action,
        user_id=user_id,
        channel_id=channel_id,
        response_url=response_url,
        message=message,
        message_ts=message_ts,
        ephemeral=container_type == "ephemeral",
        view=view if container_type == "view" else None,
        trigger_id=trigger_id,
        team_id=team_id,
    )
