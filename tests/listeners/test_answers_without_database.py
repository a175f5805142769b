"""Recording a lookup is best effort: a database that refuses it, or is down, never costs
the person their answer. The real app and store, on SQLite and on PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import make_url

from bot.featured import pick_featured
from tests.fakeslack import ScriptedSlack
from tests.support.tcp import Proxy

if TYPE_CHECKING:
    from tests.support.bot import BotHarness

pytest_plugins = ("tests.support.bot", "tests.support.databases")

DISTILLATION = "ai-distillation-national-security"


@pytest.fixture
def harness(content_dir: Path, database_url: str) -> Iterator[BotHarness]:
    from tests.support.bot import make_harness

    with ScriptedSlack() as slack:
        bot = make_harness(slack, content_dir, database_url)
        yield bot
        bot.services.store.engine.dispose()


def test_a_nul_byte_in_a_query_still_gets_the_answer_and_is_counted(harness: BotHarness) -> None:
    """PostgreSQL refuses NUL in text: the query is answered in the ack and counted without it."""
    title = harness.services.library.by_id[DISTILLATION].title
    for _ in range(5):  # the lost answer was a race with Bolt's 10 ms poll: try it a few times
        sent = harness.command("/brief", "distillation\x00")
        assert sent.response.status == 200
        assert sent.ack["blocks"][0]["text"]["text"] == title
        defined = harness.command("/define", "sae\x00")
        assert "Sparse autoencoder" in defined.ack_text
    # Lookups are recorded after the answer, on another thread: wait for all five.
    report = harness.slack.wait_for(
        lambda: (
            (found := harness.services.store.lookup_report(30)).top_briefs
            and sum(c.count for c in found.top_briefs) >= 5
            and sum(c.count for c in found.top_terms) >= 5
            and found
        )
    )
    assert [(c.name, c.count) for c in report.top_briefs] == [(DISTILLATION, 5)]


@pytest.mark.postgres
def test_answers_go_out_while_postgresql_is_down(
    content_dir: Path, postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """With PostgreSQL gone mid-run, /brief <query>, /brief and /define still answer in the ack; the
    lookups they could not record are logged, not shown to anyone."""
    from tests.support.bot import make_harness

    url = make_url(postgres_url)
    proxy = Proxy(url.host or "127.0.0.1", url.port or 5432)
    through_proxy = url.set(host="127.0.0.1", port=proxy.port)
    with ScriptedSlack() as slack:
        bot = make_harness(slack, content_dir, through_proxy.render_as_string(hide_password=False))
        try:
            assert bot.command("/brief", "distillation").ack["blocks"]
            proxy.cut()
            title = bot.services.library.by_id[DISTILLATION].title
            with caplog.at_level(logging.WARNING, logger="briefbot.app"):
                for _ in range(5):
                    sent = bot.command("/brief", "distillation")
                    assert sent.response.status == 200
                    assert sent.ack["blocks"][0]["text"]["text"] == title
                    defined = bot.command("/define", "sae")
                    assert "Sparse autoencoder" in defined.ack_text
                # Today's brief: the pick the content alone gives, since none can be recorded.
                today = bot.command("/brief", "")
                expected = pick_featured(bot.services.library, bot.services.today(), {})
                assert expected is not None
                assert today.ack["blocks"][0]["text"]["text"] == expected.title
                slack.wait_for(
                    lambda: sum("could not record" in r.getMessage() for r in caplog.records) >= 10,
                    timeout=30,
                )
            assert slack.responses == []  # nobody was told "something went wrong"
        finally:
            bot.services.store.engine.dispose()
