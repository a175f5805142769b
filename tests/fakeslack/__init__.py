"""A fake Slack for tests: `LocalSlack` plus faults, a record of calls, Socket Mode,
payload builders and signed HTTP."""

from tests.fakeslack.faults import Fault
from tests.fakeslack.payloads import (
    app_home_opened_event,
    app_mention_event,
    block_action,
    event_callback,
    form_body,
    interactive_body,
    interactive_fields,
    json_body,
    signature,
    signed_headers,
    slash_command,
    url_verification,
)
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
    "app_home_opened_event",
    "app_mention_event",
    "block_action",
    "event_callback",
    "form_body",
    "interactive_body",
    "interactive_fields",
    "json_body",
    "post_form",
    "post_interactive",
    "post_json",
    "post_raw",
    "signature",
    "signed_headers",
    "slash_command",
    "url_verification",
    "wait_for",
]
