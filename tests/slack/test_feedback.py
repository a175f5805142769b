"""The "Was this helpful?" row: every brief and definition message ends with 👍 / 👎,
however long the content, within Block Kit's limits, and its value names what it is
about (as many of a digest's briefs or an explanation's terms as fit)."""

from __future__ import annotations

import datetime as dt
import json

from bot.localslack.block_limits import check_blocks
from bot.model import Brief, ItemKind, Term
from bot.search.term_finder import TermMatch
from bot.slack import blocks, channel_posts, explain_blocks
from bot.slack.feedback import (
    FEEDBACK_BLOCK,
    VOTE_DOWN,
    VOTE_UP,
    feedback_row,
    parse_vote_value,
    vote_value,
)
from bot.slack.limits import BUTTON_VALUE_MAX, MESSAGE_BLOCKS_MAX

DAY = dt.date(2026, 12, 7)


def brief(index: int = 0, **overrides: object) -> Brief:
    fields: dict[str, object] = {
        "id": f"brief-{index:03d}-" + "x" * 50,
        "title": f"Brief {index}",
        "date": DAY,
        "summary": "A summary.",
    }
    fields.update(overrides)
    return Brief(**fields)  # type: ignore[arg-type]


def term(index: int = 0) -> Term:
    return Term(term=f"Term {index:02d} " + "y" * 60, definition="Means something. More.")


def row_of(message: blocks.Message) -> tuple[ItemKind, list[str]]:
    payload = message.blocks_json()
    assert check_blocks(payload) == [], check_blocks(payload)
    assert len(payload) <= MESSAGE_BLOCKS_MAX
    last = payload[-1]
    assert last["block_id"] == FEEDBACK_BLOCK
    assert [e["action_id"] for e in last["elements"]] == [VOTE_UP, VOTE_DOWN]
    assert [e["text"]["text"] for e in last["elements"]] == ["👍 Helpful", "👎 Not helpful"]
    values = {e["value"] for e in last["elements"]}
    assert len(values) == 1
    (value,) = values
    assert len(value) <= BUTTON_VALUE_MAX
    parsed = parse_vote_value(value)
    assert parsed is not None
    every_id = [e["action_id"] for b in payload if b["type"] == "actions" for e in b["elements"]]
    assert len(every_id) == len(set(every_id)), "action_ids repeat"
    return parsed


def test_every_brief_message_ends_with_the_row_even_when_cut() -> None:
    huge = brief(
        summary="word & " * 2000,
        points=tuple("p" * 400 for _ in range(20)),
        terms=tuple(f"term {i}" for i in range(50)),
    )
    for message in (
        blocks.brief_message(huge, ephemeral=True),
        blocks.brief_message(huge, ephemeral=False, shared_by="U1"),
        blocks.brief_message(huge, ephemeral=False, daily=True),
        channel_posts.new_brief_message(huge),
    ):
        assert row_of(message) == (ItemKind.BRIEF, [huge.id])


def test_a_definition_ends_with_the_row_for_its_term() -> None:
    entry = Term(term="SAE", definition="d " * 1000, see_also=tuple(f"t{i}" for i in range(40)))
    used_by = [brief(i) for i in range(10)]
    assert row_of(blocks.definition_message(entry, used_by=used_by)) == (ItemKind.TERM, ["SAE"])


def test_a_digest_votes_on_the_briefs_it_lists_as_many_as_fit() -> None:
    listed = [brief(i) for i in range(40)]
    kind, ids = row_of(channel_posts.weekly_digest_message(listed, DAY, more=3))
    assert kind == ItemKind.BRIEF
    assert 1 < len(ids) <= channel_posts.DIGEST_SHOWN_MAX
    assert ids == [b.id for b in listed[: len(ids)]]


def test_an_explanation_votes_on_the_terms_it_shows_within_every_limit() -> None:
    found = [TermMatch(term(i), term(i).term) for i in range(60)]
    for message in (
        explain_blocks.explanation_message(found, in_thread_value='{"c":"C1"}'),
        explain_blocks.explanation_message(found, requested_by="U1"),
        explain_blocks.explanation_message(found[:1]),
    ):
        kind, ids = row_of(message)
        assert kind == ItemKind.TERM and ids == [m.term.term for m in found[: len(ids)]]


def test_a_value_keeps_as_many_ids_as_fit_and_forged_values_are_refused() -> None:
    many = [f"{i:03d}" + "z" * 190 for i in range(30)]
    value = vote_value(ItemKind.TERM, many)
    assert len(value) <= BUTTON_VALUE_MAX
    parsed = parse_vote_value(value)
    assert parsed is not None and parsed[1] == many[: len(parsed[1])] and len(parsed[1]) > 1
    assert json.loads(feedback_row(ItemKind.BRIEF, "a").elements[0].value or "") == ["brief", "a"]
    for forged in ["", "brief", "[]", '["story", "a"]', '["brief"]', '["brief", 3]', "{", "null"]:
        assert parse_vote_value(forged) is None, forged
