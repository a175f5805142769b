"""The global error handler trusts nothing Slack did not sign, and logs fields escaped."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pytest
from slack_bolt.request import BoltRequest

from bot.slack import blocks
from tests.fakeslack import payloads

if TYPE_CHECKING:
    from tests.support.bot import BotHarness

pytest_plugins = ("tests.support.bot",)

DISTILLATION = "ai-distillation-national-security"
FORGED_LINE = "C0NOWHERE\n2026-01-01 00:00:00,000 CRITICAL briefbot: forged-line"


@pytest.mark.parametrize("timestamp", ["abc", "", "1e9"])
def test_an_unreadable_timestamp_reaching_bolt_gets_401_and_no_answer(
    bot: BotHarness, caplog: pytest.LogCaptureFixture, timestamp: str
) -> None:
    """Handed straight to Bolt (as any WSGI wrapper might), a request whose timestamp is
    not a number fails inside the signature check: the error handler answers 401, posts
    nothing to its response URL and logs none of its fields."""
    url = bot.slack.new_response_url()
    payload = payloads.block_action(
        blocks.SHARE_BRIEF,
        DISTILLATION,
        user_id="U0EVE",
        channel_id=FORGED_LINE,
        response_url=url,
        container_type="ephemeral",
    )
    body = payloads.interactive_body(payload)
    headers = {"content-type": "application/x-www-form-urlencoded"}
    headers |= payloads.signed_headers(body, bot.secret)
    headers["X-Slack-Request-Timestamp"] = timestamp
    calls = len(bot.slack.calls)
    with caplog.at_level(logging.DEBUG):
        response = bot.app.dispatch(BoltRequest(body=body, headers=headers))
    assert response.status == 401
    assert bot.slack.calls[calls:] == []
    assert not [r for r in bot.slack.responses if r["url"] == url]
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "forged-line" not in logged and "U0EVE" not in logged


def test_failures_are_logged_with_each_field_on_one_line(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """A signed click whose channel id carries a newline fails at Slack; the error log line
    shows the newline escaped, so it cannot pass for a line of its own."""
    with caplog.at_level(logging.ERROR):
        sent = bot.click(blocks.SHARE_BRIEF, DISTILLATION, channel=FORGED_LINE, ephemeral=True)
        bot.responses_to(sent)
    (failed,) = [r for r in caplog.records if r.getMessage().startswith("listener failed")]
    assert "\n" not in failed.getMessage()
    assert "forged-line" in failed.getMessage()


def test_bolt_never_logs_a_refused_request_body(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """Handed straight to Bolt, a request with a wrong signature is refused, and the log
    handlers briefbot sets up show the refusal without the request's body."""
    from bot.log_redaction import RedactSecrets

    body = payloads.form_body(payloads.slash_command("/brief", "secret-marker-in-body"))
    headers = {"content-type": "application/x-www-form-urlencoded"}
    headers |= payloads.signed_headers(body, "not-the-secret")
    redact = RedactSecrets()
    caplog.handler.addFilter(redact)
    try:
        with caplog.at_level(logging.DEBUG):
            response = bot.app.dispatch(BoltRequest(body=body, headers=headers))
    finally:
        caplog.handler.removeFilter(redact)
    assert response.status == 401
    assert "Invalid request signature detected" in caplog.text
    assert "secret-marker-in-body" not in caplog.text
