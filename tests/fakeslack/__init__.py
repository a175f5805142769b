"""A fake Slack for tests: `LocalSlack` plus faults, a record of calls and Socket Mode
(`ScriptedSlack`, `FakeSlack`), and signed HTTP (`signed_http`).

Slack's payloads (slash commands, clicks, events) are built by `tests.fakeslack.payloads`,
their one home.
"""

from tests.fakeslack.faults import Fault
from tests.fakeslack.scripted import ScriptedSlack, wait_for
from tests.fakeslack.signed_http import (
    HttpReply,
    post_form,
    post_interactive,
    post_json,
    post_raw,
)
from tests.fakeslack.socket_mode import Delivery, FakeSlack

__all__ = [
    "Delivery",
    "FakeSlack",
    "Fault",
    "HttpReply",
    "ScriptedSlack",
    "post_form",
    "post_interactive",
    "post_json",
    "post_raw",
    "wait_for",
]
