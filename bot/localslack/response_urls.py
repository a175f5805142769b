"""What Slack does with a post to a response URL (from a slash command or a button click).

- `response_type: "in_channel"` posts a message everyone sees (threaded if `thread_ts`);
  anything else is an ephemeral message for the person who used the command or button.
- `replace_original: true` replaces the message holding the button (channel or
  ephemeral); `delete_original: true` removes it. Without them a new message is posted,
  so the product must say which it wants.
"""

from __future__ import annotations

import copy
import time
from typing import Any

from bot.localslack.block_limits import check_blocks
from bot.localslack.webapi import Event, bot_message
from bot.localslack.workspace import BOT_USER_ID, Workspace

SOURCE = "response_url"


def truthy(value: Any) -> bool:
    """JSON true, or "true"/"1" from a form."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("true", "1")


def problem_with(body: dict[str, Any]) -> dict[str, Any] | None:
    """The error answer Slack gives for an unusable post, or None if it is fine."""
    if truthy(body.get("delete_original")):
        return None
    given = body.get("text")
    text = given if isinstance(given, str) else ""
    if not text.strip() and not body.get("blocks") and not body.get("attachments"):
        return {"ok": False, "error": "no_text"}
    problems = check_blocks(body.get("blocks"))
    if problems:
        return {"ok": False, "error": "invalid_blocks", "errors": problems}
    return None


def apply_response(
    ws: Workspace, events: list[Event], context: dict[str, Any], body: dict[str, Any]
) -> dict[str, Any] | None:
    """Apply a post to the workspace; return `{"kind", "ts"}` naming what it became."""
    channel, user, original_ts = context["channel"], context["user"], context["message_ts"]
    response_type = body.get("response_type") or "ephemeral"
    replace = truthy(body.get("replace_original"))
    original = ws.find_message(channel, original_ts) if channel and original_ts else None
    original_ephemeral = next(
        (
            e
            for e in ws.ephemeral
            if original_ts and e["ts"] == original_ts and not e.get("deleted")
        ),
        None,
    )
    given = body.get("text")
    text = given if isinstance(given, str) else ""
    blocks, attachments = body.get("blocks"), body.get("attachments")

    if truthy(body.get("delete_original")):
        for target, kind in ((original, "message"), (original_ephemeral, "ephemeral")):
            if target is not None:
                target["deleted"] = True
                events.append(Event(f"{kind}_deleted", copy.deepcopy(target)))
                return {"kind": f"{kind}_deleted", "ts": target["ts"]}
        return None
    if replace and original is not None:
        original["text"] = text
        _set_or_drop(original, "blocks", blocks)
        _set_or_drop(original, "attachments", attachments)
        original["edited"] = {"user": BOT_USER_ID, "ts": ws.next_ts(time.time())}
        events.append(Event("message_changed", copy.deepcopy(original)))
        return {"kind": "message_changed", "ts": original["ts"]}
    if replace and original_ephemeral is not None and response_type != "in_channel":
        original_ephemeral["text"] = text
        _set_or_drop(original_ephemeral, "blocks", blocks)
        events.append(Event("ephemeral_changed", copy.deepcopy(original_ephemeral)))
        return {"kind": "ephemeral_changed", "ts": original_ephemeral["ts"]}
    if channel is None:
        return None
    if replace and original_ephemeral is not None:
        # Shared for everyone: the ephemeral it came from goes away.
        original_ephemeral["deleted"] = True
        events.append(Event("ephemeral_deleted", copy.deepcopy(original_ephemeral)))

    ts = ws.next_ts(time.time())
    thread_ts = str(body["thread_ts"]) if body.get("thread_ts") else None
    if response_type == "in_channel":
        message = bot_message(ts, text, blocks, attachments, None)
        message["channel"] = channel
        message["source"] = SOURCE
        if thread_ts:
            message["thread_ts"] = thread_ts
        ws.add_message(message)
        events.append(Event("message", copy.deepcopy(message)))
        return {"kind": "message", "ts": ts}
    record: dict[str, Any] = {
        "type": "message",
        "subtype": "ephemeral",
        "channel": channel,
        "user": user,
        "ts": ts,
        "text": text,
        "source": SOURCE,
    }
    _set_or_drop(record, "blocks", blocks)
    if thread_ts:
        record["thread_ts"] = thread_ts
    ws.ephemeral.append(record)
    events.append(Event("ephemeral", copy.deepcopy(record)))
    return {"kind": "ephemeral", "ts": ts}


def _set_or_drop(target: dict[str, Any], key: str, value: Any) -> None:
    if value:
        target[key] = value
    else:
        target.pop(key, None)
