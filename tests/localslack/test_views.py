"""The local Slack's modals, as Slack's reference describes them: views.open exchanges a
trigger id once and within 3 seconds, views.update replaces an open modal, and a
submission's answer (response_action errors, update, or none) is applied as Slack does."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.localslack import DEFAULT_BOT_TOKEN, LocalSlack

FORM = {
    "type": "modal",
    "callback_id": "form",
    "title": {"type": "plain_text", "text": "A form"},
    "submit": {"type": "plain_text", "text": "Send"},
    "private_metadata": '{"k": 1}',
    "blocks": [
        {
            "type": "input",
            "block_id": "name",
            "label": {"type": "plain_text", "text": "Name"},
            "element": {"type": "plain_text_input", "action_id": "value", "initial_value": "x"},
        },
        {
            "type": "input",
            "block_id": "note",
            "optional": True,
            "label": {"type": "plain_text", "text": "Note"},
            "element": {"type": "plain_text_input", "action_id": "value"},
        },
    ],
}


@pytest.fixture
def slack() -> Iterator[LocalSlack]:
    with LocalSlack() as local:
        yield local


def client(slack: LocalSlack) -> WebClient:
    return WebClient(DEFAULT_BOT_TOKEN, base_url=slack.api_url)


def error_of(call: object) -> str:
    with pytest.raises(SlackApiError) as raised:
        call()  # type: ignore[operator]
    return str(raised.value.response["error"])


def test_a_trigger_opens_one_modal_once(slack: LocalSlack) -> None:
    web = client(slack)
    trigger = slack.issue_trigger("U0BOB")
    opened = web.views_open(trigger_id=trigger, view=FORM)["view"]
    assert opened["id"].startswith("V") and opened["type"] == "modal"
    assert opened["private_metadata"] == '{"k": 1}' and "user" not in opened
    (shown,) = slack.modals("U0BOB")
    assert shown["id"] == opened["id"] and shown["callback_id"] == "form"
    assert error_of(lambda: web.views_open(trigger_id=trigger, view=FORM)) == (
        "exchanged_trigger_id"
    )
    old = f"{int(time.time()) - 10}.12345.abcdef"
    assert error_of(lambda: web.views_open(trigger_id=old, view=FORM)) == "expired_trigger_id"
    assert error_of(lambda: web.views_open(trigger_id="nonsense", view=FORM)) == (
        "invalid_trigger_id"
    )
    no_submit = {k: v for k, v in FORM.items() if k != "submit"}
    fresh = slack.issue_trigger("U0BOB")
    assert error_of(lambda: web.views_open(trigger_id=fresh, view=no_submit)) == "invalid_blocks"
    assert len(slack.modals("U0BOB")) == 1


def test_views_update_replaces_an_open_modal_and_checks_its_hash(slack: LocalSlack) -> None:
    web = client(slack)
    opened = web.views_open(trigger_id=slack.issue_trigger("U0BOB"), view=FORM)["view"]
    changed = {**FORM, "title": {"type": "plain_text", "text": "Changed"}}
    updated = web.views_update(view_id=opened["id"], view=changed, hash=opened["hash"])["view"]
    assert updated["title"]["text"] == "Changed" and updated["hash"] != opened["hash"]
    stale = lambda: web.views_update(view_id=opened["id"], view=FORM, hash=opened["hash"])  # noqa: E731
    assert error_of(stale) == "hash_conflict"
    assert error_of(lambda: web.views_update(view_id="V0NOPE", view=FORM)) == "not_found"


def test_a_submission_carries_what_was_typed_and_the_answer_is_applied(slack: LocalSlack) -> None:
    web = client(slack)
    opened = web.views_open(trigger_id=slack.issue_trigger("U0BOB"), view=FORM)["view"]
    payload = slack.submission(opened["id"], {"note": "hello"})
    assert payload["type"] == "view_submission" and payload["user"]["id"] == "U0BOB"
    values = payload["view"]["state"]["values"]
    assert values["name"]["value"] == {"type": "plain_text_input", "value": "x"}  # prefilled
    assert values["note"]["value"]["value"] == "hello"
    assert payload["view"]["private_metadata"] == '{"k": 1}'
    answer = {"response_action": "errors", "errors": {"name": "Too short"}}
    assert slack.submitted(opened["id"], answer) == "errors"
    assert slack.modals("U0BOB")[0]["errors"] == {"name": "Too short"}
    assert slack.submitted(opened["id"], {}) == "closed"
    assert slack.modals("U0BOB") == []
