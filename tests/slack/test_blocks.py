"""Block Kit messages: they always fit Slack's limits, escape content and carry a fallback."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.model import Brief, Source, Term
from bot.slack import blocks
from bot.slack.mrkdwn import cut_mrkdwn, escape, escape_within, to_mrkdwn, truncate

HOSTILE = "<!channel> <!here> <@U123ABC> <http://evil.example|trusted> & <#C1>"


def brief(**overrides: object) -> Brief:
    fields: dict = {
        "id": "sample",
        "title": "Sample brief",
        "date": dt.date(2026, 11, 20),
        "summary": "A **bold** claim with [a link](https://example.org/a?b=1&c=2).",
        "points": ("One.", "Two."),
        "terms": ("Distillation", "Export controls"),
        "tags": ("policy",),
        "source": Source("CSET Georgetown", "https://cset.georgetown.edu/"),
    }
    fields.update(overrides)
    return Brief(**fields)


def dump(payload: object) -> str:
    return json.dumps(payload, ensure_ascii=False)


def mrkdwn_text(payload: object) -> str:
    """Every string Slack parses as mrkdwn: text objects of type mrkdwn.

    plain_text objects (headers, button labels) are shown as typed and never ping.
    """
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(payload)
    return "\n".join(found)


def all_text(message: blocks.Message) -> str:
    """The fallback text and every mrkdwn text of a message."""
    return message.text + "\n" + mrkdwn_text(message.blocks_json())


def assert_within_limits(message: blocks.Message, max_blocks: int = 50) -> None:
    """Serialising through slack_sdk's models validates every Block Kit limit."""
    payload = message.blocks_json()  # raises SlackObjectFormationError past a limit
    assert 0 < len(payload) <= max_blocks
    assert message.text.strip(), "every message needs a plain-text fallback"
    for block in payload:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
        if block["type"] == "actions":
            assert len(block["elements"]) <= 25
            ids = [e["action_id"] for e in block["elements"]]
            assert len(ids) == len(set(ids))
            for element in block["elements"]:
                assert len(element["text"]["text"]) <= 75


def test_brief_message_reads_like_the_seed_page() -> None:
    """Title header, summary, In brief bullets, terms, date/tags/source line, buttons."""
    message = blocks.brief_message(brief(), ephemeral=True)
    payload = message.blocks_json()
    assert payload[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Sample brief", "emoji": True},
    }
    text = dump(payload)
    assert "*In brief*\\n• One.\\n• Two." in text
    assert "*Terms in this brief*" in text
    assert "Read full story at <https://cset.georgetown.edu/|CSET Georgetown> →" in text
    assert "Nov 20, 2026" in text and "#policy" in text
    assert "*bold*" in text and "<https://example.org/a?b=1&amp;c=2|a link>" in text
    actions = [e for b in payload if b["type"] == "actions" for e in b["elements"]]
    assert [e["action_id"] for e in actions][-6:] == [
        "share_brief",
        "related_briefs",
        "read_story",
        "suggest",
        "vote_up",
        "vote_down",
    ]
    assert payload[-1]["block_id"] == "feedback"
    assert_within_limits(message)


def test_channel_post_has_no_share_button_and_names_sharer() -> None:
    """A shared post says who shared it and offers Related briefs, not Share."""
    message = blocks.brief_message(brief(), ephemeral=False, shared_by="U42")
    text = dump(message.blocks_json())
    assert "Shared by <@U42>" in text
    assert "share_brief" not in text and "related_briefs" in text


@pytest.mark.parametrize("field", ["title", "summary", "tags", "points", "terms", "source"])
def test_mentions_in_content_never_ping(field: str) -> None:
    """<!channel>, <@U…> and fake links in any content field show as text."""
    value: object = HOSTILE
    if field in {"tags", "points", "terms"}:
        value = (HOSTILE,)
    if field == "source":
        value = Source(HOSTILE, "https://ok.example/")
    message = blocks.brief_message(brief(**{field: value}), ephemeral=True)
    rendered = all_text(message)
    for raw in ("<!channel>", "<!here>", "<@U123ABC>", "<http://evil.example|trusted>", "<#C1>"):
        assert raw not in rendered
    assert_within_limits(message)


def test_links_only_from_structured_urls() -> None:
    """A Markdown link whose URL tries to break out of <…|…> is not turned into a link."""
    assert to_mrkdwn("[x](https://a.example/|<!channel>)") == escape(
        "[x](https://a.example/|<!channel>)"
    )
    assert to_mrkdwn("[x](javascript:alert(1))").startswith("[x](javascript")


def test_very_long_content_is_trimmed_never_rejected() -> None:
    """Huge titles, summaries, many bullets and terms still serialise within limits."""
    huge = brief(
        title="T" * 500,
        summary="word & " * 2000,
        points=tuple("p" * 2000 for _ in range(40)),
        terms=tuple(f"term {i} " + "x" * 100 for i in range(60)),
        tags=tuple(f"tag{i}" for i in range(100)),
    )
    for message in (
        blocks.brief_message(huge, ephemeral=True),
        blocks.brief_message(huge, ephemeral=False, daily=True),
    ):
        assert_within_limits(message)
        assert "…" in dump(message.blocks_json())


def test_lists_definitions_and_glossary_fit() -> None:
    """Lists, definitions, did-you-mean and glossary pages fit with odd, long content."""
    long_brief = brief(title="<@U1> " * 100, summary="s" * 3000)
    term = Term(
        "<!here>" * 20,
        "d&" * 3000,
        aliases=("a" * 200,) * 30,
        see_also=tuple(f"t{i}" for i in range(40)),
    )
    messages = [
        blocks.brief_list_message("Heading " * 100, [long_brief] * 30),
        blocks.related_message(long_brief, [long_brief] * 10),
        blocks.related_message(long_brief, []),
        blocks.definition_message(
            term, see_also=[term] * 40, used_by=[long_brief] * 20, fuzzy_query="<!channel>" * 50
        ),
        blocks.did_you_mean_message(
            "<!channel>" * 100, ["a" * 200] * 20, action_id=blocks.DEFINE_TERM, what="glossary term"
        ),
        blocks.glossary_page_message([term] * 20, 1, 3, 60),
        blocks.notice("<!channel> " * 1000, detail="<@U1> " * 1000),
    ]
    for message in messages:
        assert_within_limits(message)
        assert "<!channel>" not in all_text(message) and "<!here>" not in all_text(message)


def test_home_view_fits() -> None:
    """The App Home view serialises within the 100-block limit with long content."""
    long_brief = brief(title="x" * 400, summary="y" * 3000)
    view = blocks.home_view(
        featured=long_brief,
        latest=[long_brief] * 5,
        term_count=3,
        brief_count=9,
        usage="line\n" * 2000,
        schedules=["<#C0GENERAL> daily at 09:00 &lt;!channel&gt;"] * 200,
    )
    payload = view.to_dict()
    assert len(payload["blocks"]) <= 100
    assert "<!channel>" not in mrkdwn_text(payload)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=4000), st.text(max_size=400))
def test_any_text_renders_within_limits(summary: str, title: str) -> None:
    """Random unicode in any field never breaks a message or leaks raw markup."""
    message = blocks.brief_message(
        brief(title=title or "t", summary=summary or "s", points=(summary,), terms=(title or "t",)),
        ephemeral=True,
    )
    assert_within_limits(message)
    for block in message.blocks_json():
        if block["type"] == "section":
            assert "<!" not in block["text"]["text"]


WORDS = st.lists(
    st.sampled_from(["R&D", "a", "<b>", "time", "&", "**bold**", "[x](https://e.org/?a=1&b=2)"]),
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(WORDS, st.integers(min_value=2, max_value=120))
def test_cut_text_ends_on_a_word_and_never_inside_an_escape_or_link(
    words: list[str], limit: int
) -> None:
    """Shortened text fits its limit, ends where a word ends, and splits no escape or link."""
    text = " ".join(words)
    for cut in (
        escape_within(text, limit),
        to_mrkdwn(text, limit),
        cut_mrkdwn(escape(text), limit),
    ):
        assert len(cut) <= limit
        assert not re.search(r"&(?!amp;|lt;|gt;)", cut), cut
        assert cut.count("<") == cut.count(">"), cut
    plain = truncate(text, limit)
    assert len(plain) <= limit
    if plain != text and words and len(words[0]) < limit:
        kept = plain.removesuffix("…")
        assert text.startswith(kept) and text[len(kept)] in " ,;:", (kept, text)
