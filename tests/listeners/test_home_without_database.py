"""The Home tab and `/brief` with the database gone, over HTTP against `briefbot serve`:
both show the same featured brief, the pick the content alone gives, instead of failing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import make_url

from bot.slack import blocks
from tests.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.fakeslack import FakeSlack
from tests.fakeslack.payloads import app_home_opened_event, event_callback, slash_command
from tests.fakeslack.signed_http import post_form, post_json
from tests.support.processes import serve_briefbot
from tests.support.tcp import Proxy

pytest_plugins = ("tests.support.databases",)
pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def shown_brief_ids(message: dict[str, Any]) -> list[str]:
    """The brief ids a message's Show and Share buttons carry."""
    return [
        element["value"]
        for block in message["blocks"]
        for element in [block.get("accessory"), *block.get("elements", [])]
        if isinstance(element, dict)
        and element.get("action_id") in (blocks.SHOW_BRIEF, blocks.SHARE_BRIEF)
    ]


@pytest.fixture
def cut_off(tmp_path: Path, postgres_url: str) -> Iterator[tuple[FakeSlack, str, Path]]:
    """`briefbot serve` on PostgreSQL through a proxy that is cut once it has started."""
    url = make_url(postgres_url)
    proxy = Proxy(url.host or "127.0.0.1", url.port or 5432)
    through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    with (
        FakeSlack(bot_tokens=[BOT_TOKEN]) as slack,
        serve_briefbot(tmp_path, slack.api_url, DATABASE_URL=through) as base,
    ):
        proxy.cut()
        yield slack, f"{base}/slack/events", tmp_path / "serve.log"


def test_home_tab_and_brief_show_the_same_featured_brief_without_the_database(
    cut_off: tuple[FakeSlack, str, Path],
) -> None:
    """With PostgreSQL unreachable, opening the Home tab still publishes it, featuring the
    brief `/brief` answers with; the subscriptions it cannot read are said to be so."""
    slack, events, log = cut_off
    reply = post_json(events, event_callback(app_home_opened_event("U0BOB")), SIGNING_SECRET)
    assert reply.status == 200
    view = slack.wait_for(lambda: slack.views.get("U0BOB"), timeout=30)
    text = json.dumps(view, ensure_ascii=False)
    assert "Today's featured brief" in text
    assert "cannot be read right now" in text
    home_featured = shown_brief_ids(view)[0]

    command = slash_command("/brief", "", response_url=slack.new_response_url())
    answer = post_form(events, command, SIGNING_SECRET, timeout=30)
    assert answer.status == 200
    assert shown_brief_ids(answer.json())[0] == home_featured
    assert "could not read today's featured pick" in log.read_text()
