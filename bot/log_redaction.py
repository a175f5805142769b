"""Secrets never reach the log: a filter on briefbot's log handlers that redacts them.

- The Socket Mode URL carries a ticket that lets anyone holding it open the app's
  connection; slack_sdk logs the `apps.connections.open` answer (with the URL) at DEBUG.
- Bolt logs a request that fails the signature check with its whole body; briefbot's
  HTTP endpoint refuses such requests before Bolt sees them, and this is the backstop.
"""

from __future__ import annotations

import logging
import re

_TICKET = re.compile(r"(ticket=)[^&\s\"'\\]+")
_BOLT_REFUSED = "Invalid request signature detected"


def redact(message: str) -> str:
    """`message` with every Socket Mode ticket and refused request's details taken out."""
    if message.startswith(_BOLT_REFUSED):
        return _BOLT_REFUSED + " (the request is not logged)"
    return _TICKET.sub(r"\1(redacted)", message)


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def install(logger: logging.Logger | None = None) -> None:
    """Put the filter on every handler of `logger` (the root logger by default): a filter
    on a handler sees records from every logger, a filter on a logger only its own."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, RedactSecrets) for f in handler.filters):
            handler.addFilter(RedactSecrets())
