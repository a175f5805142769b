"""Log lines for people (text, the default) or for log collectors (one JSON object a line).

With BRIEFBOT_LOG_FORMAT=json each line carries the time, level, logger and message,
and, for a line logged while handling a Slack request, what the request was about:
the command, action or event, the team and the channel. Never tokens, and never the
text of a message: the secrets filter (bot/log_redaction.py) runs before formatting.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from slack_bolt import BoltContext

request_context: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "briefbot_request_context", default=None
)
"""What the Slack request being handled in this context is about (see `log_context`)."""

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, context."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line |= request_context.get() or {}
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False, default=str)


def handler(log_format: str) -> logging.Handler:
    """A stderr handler writing `log_format` ("text" or "json")."""
    stream = logging.StreamHandler()
    stream.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    return stream


def log_context(context: BoltContext, body: dict[str, Any], next: Callable[[], None]) -> None:
    """Bolt middleware: what this request is about, for every line logged while handling it."""
    about = {
        "command": body.get("command"),
        "action": _action(body),
        "event": (body.get("event") or {}).get("type") if isinstance(body, dict) else None,
        "team": context.team_id,
        "channel": context.channel_id,
    }
    # Bolt runs its middleware one after another, not nested, and the listener after the
    # last; so the context stays set in this thread until the next request replaces it
    # (HTTP mode runs each request in a context of its own: bot/gate.py).
    request_context.set({k: str(v) for k, v in about.items() if v})
    next()


def _action(body: dict[str, Any]) -> str | None:
    actions = body.get("actions") if isinstance(body, dict) else None
    if isinstance(actions, list) and actions and isinstance(actions[0], dict):
        return actions[0].get("action_id")
    return None


class ContextThreadPool(ThreadPoolExecutor):
    """A thread pool whose tasks run in a copy of the submitter's context, so lines a
    listener logs after the ack still say which request they belong to."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        return super().submit(contextvars.copy_context().run, fn, *args, **kwargs)
