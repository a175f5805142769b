"""Listeners through the real Bolt app and a local Slack: what each command and button does."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from bot.localslack import BOT_USER_ID
from bot.slack import blocks
from tests.fakeslack import payloads

if TYPE_CHECKING:
    from tests.support.bot import BotHarness

pytest_plugins = ("tests.support.bot",)

DISTILLATION = "ai-distillation-national-security"


def blocks_text(message: dict) -> str:
    return message.get("text", "") + json.dumps(message.get("blocks", []), ensure_ascii=False)


def shared_post(bot: BotHarness, brief_id: str = DISTILLATION) -> dict:
    """Share a brief into #general and return the channel message."""
    bot.click(blocks.SHARE_BRIEF, brief_id, ephemeral=True)
    post = bot.slack.wait_for(lambda: bot.slack.messages("C0GENERAL"))[-1]
    # The share is recorded just after Slack has the message; wait for that too, as a
    # person replying in its thread always would.
    bot.slack.wait_for(lambda: bot.services.store.brief_for_message("C0GENERAL", post["ts"]))
    return post


def test_brief_without_text_answers_todays_featured_brief(bot: BotHarness) -> None:
    """/brief alone acks with the featured brief and records the day's pick once."""
    first = bot.command("/brief")
    second = bot.command("/brief")
    assert first.response.status == 200
    assert first.ack["response_type"] == "ephemeral"
    assert first.ack["blocks"][0]["type"] == "header"
    assert first.ack["blocks"] == second.ack["blocks"]
    pick = bot.services.store.featured_pick(bot.services.today())
    assert pick is not None and bot.services.library.by_id[pick.brief_id].title in first.ack_text


def test_brief_search_tolerates_typos(bot: BotHarness) -> None:
    """/brief distilation finds the distillation brief and records the lookup as found."""
    sent = bot.command("/brief", "distilation")
    title = bot.services.library.by_id[DISTILLATION].title
    assert sent.ack["blocks"][0]["text"]["text"] == title
    # Lookups are counted just after the answer goes out.
    bot.slack.wait_for(
        lambda: any(c.name == DISTILLATION for c in bot.services.store.lookup_report(30).top_briefs)
    )


def test_brief_by_id_latest_and_help(bot: BotHarness) -> None:
    """/brief ID shows that brief, /brief latest lists five, /brief help explains both commands."""
    library = bot.services.library
    by_id = bot.command("/brief", "whole-brain-emulation-ai-safety")
    assert (
        by_id.ack["blocks"][0]["text"]["text"]
        == library.by_id["whole-brain-emulation-ai-safety"].title
    )
    latest = bot.command("/brief", "latest")
    assert latest.ack_text.count('"show_brief') == 5
    assert library.briefs[0].title in latest.ack_text
    helped = bot.command("/brief", "help")
    assert "/define" in helped.ack_text and "/brief latest" in helped.ack_text


def test_brief_no_match_says_what_to_try(bot: BotHarness) -> None:
    """A query matching nothing gets a clear answer, and counts as a miss for the report."""
    sent = bot.command("/brief", "zzqxv wqpk")
    assert "No brief matches" in sent.ack_text and "/brief latest" in sent.ack_text
    missed = bot.slack.wait_for(lambda: bot.services.store.lookup_report(30).missed_queries)
    assert [c.name for c in missed] == ["zzqxv wqpk"]


def test_hostile_and_huge_queries_are_escaped_and_answered(bot: BotHarness) -> None:
    """Mentions in a query never come back as markup; a huge query still gets an answer."""
    hostile = bot.command("/brief", "<!channel> <@U0BOB> <http://evil|x> zzqq")
    assert hostile.response.status == 200
    assert "<!channel>" not in hostile.ack_text and "<@U0BOB>" not in hostile.ack_text
    echoed = bot.command("/define", "<!channel> <@U0BOB> qqzzx")
    assert "&lt;!channel&gt;" in echoed.ack_text
    assert "<!channel>" not in echoed.ack_text and "<@U0BOB>" not in echoed.ack_text
    huge = bot.command("/brief", "distillation " * 5000)
    assert huge.response.status == 200 and huge.ack["blocks"]
    empty_define = bot.command("/define", "   ")
    assert "Glossary" in empty_define.ack_text


def test_define_by_alias_and_typo(bot: BotHarness) -> None:
    """/define sae names the term it matched; a typo is answered with the closest term."""
    alias = bot.command("/define", "sae")
    assert "Sparse autoencoder" in alias.ack_text and "another name" in alias.ack_text
    typo = bot.command("/define", "distilation")
    assert "Distillation" in typo.ack_text and "No exact match" in typo.ack_text


def test_define_unknown_term_offers_did_you_mean_or_says_none(bot: BotHarness) -> None:
    """A term that is not in the glossary never gets silence."""
    sent = bot.command("/define", "qqqzzz")
    assert "No glossary term matches" in sent.ack_text


def test_did_you_mean_offers_only_real_candidates(bot: BotHarness) -> None:
    """/define nonexistentword and /brief some-brief-id offer nothing (they used to offer
    "Existential risk, Return on investment, Distillation" and `/brief ROI`); a near miss
    is still answered or offered."""
    define = bot.command("/define", "nonexistentword")
    assert "No glossary term matches" in define.ack_text
    assert "Did you mean" not in define.ack_text
    # Nothing to pick: the only button offers to suggest the word as a new term.
    offered = [e for b in define.ack["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [(e["action_id"], e["value"]) for e in offered] == [("suggest", "term|nonexistentword")]
    brief = bot.command("/brief", "some-brief-id")
    assert "No brief matches" in brief.ack_text
    assert "`/brief " not in brief.ack_text.split("No brief matches", 1)[1].replace(
        "`/brief latest`", ""
    )
    plural = bot.command("/define", "export control")
    assert "Export controls" in plural.ack_text
    missing = bot.command("/define", "emergent")
    assert "Emergent misalignment" in missing.ack_text


def test_glossary_pages_turn_in_place(bot: BotHarness) -> None:
    """/define alone shows page 1; Next replaces it with page 2."""
    first = bot.command("/define")
    assert "page 1 of" in first.ack_text
    nxt = bot.click("glossary_page:next", "2", ephemeral=True)
    (response,) = bot.responses_to(nxt)
    assert response["replace_original"] is True
    assert "page 2 of" in blocks_text(response)


def test_share_posts_for_everyone_and_names_the_sharer(bot: BotHarness) -> None:
    """Share in channel posts the brief with unfurls off, records it, removes the private copy."""
    sent = bot.click(blocks.SHARE_BRIEF, DISTILLATION, ephemeral=True)
    (response,) = bot.responses_to(sent)
    assert response["delete_original"] is True
    (post,) = bot.slack.messages("C0GENERAL")
    assert "Shared by <@U0ALICE>" in blocks_text(post)
    assert post["unfurl_links"] is False
    assert bot.services.store.brief_for_message("C0GENERAL", post["ts"]) == DISTILLATION


def test_share_where_the_bot_is_not_a_member_explains_how_to_invite(bot: BotHarness) -> None:
    """not_in_channel from Slack becomes an /invite hint for the clicker."""
    bot.slack.add_channel("C0PRIVATE", "secret", is_private=True, bot_is_member=False)
    sent = bot.click(blocks.SHARE_BRIEF, DISTILLATION, channel="C0PRIVATE", ephemeral=True)
    (response,) = bot.responses_to(sent)
    assert "/invite @briefbot" in blocks_text(response)
    assert bot.slack.messages("C0PRIVATE") == []


def test_related_on_a_private_answer_lists_privately(bot: BotHarness) -> None:
    """Related briefs on an ephemeral answer come back as an ephemeral list."""
    sent = bot.click(blocks.RELATED_BRIEFS, DISTILLATION, ephemeral=True)
    (response,) = bot.responses_to(sent)
    assert response["response_type"] == "ephemeral"
    assert "Related to" in blocks_text(response)
    assert bot.slack.messages("C0GENERAL") == []


def test_related_threads_once_under_a_channel_post(bot: BotHarness) -> None:
    """The first click threads one reply under the post; the second only points to it."""
    post = shared_post(bot)
    bot.click(blocks.RELATED_BRIEFS, DISTILLATION, message=post)
    bot.slack.wait_for(lambda: len(bot.slack.messages("C0GENERAL", post["ts"])) == 2)
    again = bot.click(blocks.RELATED_BRIEFS, DISTILLATION, message=post, user="U0BOB")
    (pointer,) = bot.responses_to(again)
    assert "already in" in blocks_text(pointer)
    thread = bot.slack.messages("C0GENERAL", post["ts"])
    assert len(thread) == 2 and thread[1]["thread_ts"] == post["ts"]
    assert "Related to" in blocks_text(thread[1])


def test_mention_related_in_a_brief_thread_threads_once(bot: BotHarness) -> None:
    """@briefbot related in a shared brief's thread posts the related briefs there, once."""
    post = shared_post(bot)
    bot.event(payloads.app_mention("related please", channel="C0GENERAL", thread_ts=post["ts"]))
    bot.slack.wait_for(lambda: len(bot.slack.messages("C0GENERAL", post["ts"])) == 2)
    bot.event(payloads.app_mention("more", channel="C0GENERAL", thread_ts=post["ts"]))
    bot.slack.wait_for(lambda: bot.slack.ephemeral(user="U0ALICE"))
    assert len(bot.slack.messages("C0GENERAL", post["ts"])) == 2


def test_mention_elsewhere_gets_a_private_hint(bot: BotHarness) -> None:
    """A mention outside a brief's thread gets a private hint, never a channel post."""
    bot.event(payloads.app_mention("hello", channel="C0GENERAL"))
    (hint,) = bot.slack.wait_for(lambda: bot.slack.ephemeral(user="U0ALICE"))
    assert "related" in hint["text"]
    assert [m for m in bot.slack.messages("C0GENERAL") if m.get("user") == BOT_USER_ID] == []


def test_show_and_define_buttons(bot: BotHarness) -> None:
    """Show opens a brief in place of a list; a term button answers its definition privately."""
    shown = bot.click(blocks.SHOW_BRIEF, DISTILLATION, ephemeral=True)
    (response,) = bot.responses_to(shown)
    assert response["replace_original"] is True
    assert bot.services.library.by_id[DISTILLATION].title in blocks_text(response)
    defined = bot.click("define_term:1", "Export controls", ephemeral=True)
    (definition,) = bot.responses_to(defined)
    assert definition["replace_original"] is False and "Export controls" in blocks_text(definition)


def test_a_deleted_brief_gets_a_clear_answer(bot: BotHarness) -> None:
    """A button for a brief no longer in the library explains, instead of failing."""
    sent = bot.click(blocks.SHOW_BRIEF, "no-such-brief", ephemeral=True)
    (response,) = bot.responses_to(sent)
    assert "no longer in the library" in blocks_text(response)


def test_app_home_shows_todays_brief_and_latest(bot: BotHarness) -> None:
    """Opening the Home tab publishes today's brief, the latest five and the glossary size."""
    bot.event(payloads.app_home_opened("U0BOB"))
    view = bot.slack.wait_for(lambda: bot.slack.views.get("U0BOB"))
    text = json.dumps(view, ensure_ascii=False)
    assert "Today's featured brief" in text and "Latest briefs" in text
    assert f"{len(bot.services.library.terms)} glossary terms" in text


def test_slack_failure_after_ack_reaches_the_user_kindly(bot: BotHarness) -> None:
    """A 500 from Slack while sharing gives the user a short message, not silence or a trace."""
    bot.slack.fail("chat.postMessage", status=500)
    sent = bot.click(blocks.SHARE_BRIEF, DISTILLATION, ephemeral=True)
    (response,) = bot.responses_to(sent)
    assert "something went wrong" in blocks_text(response)
    assert "Traceback" not in blocks_text(response)


def test_unsigned_or_forged_requests_run_nothing(bot: BotHarness) -> None:
    """Requests without a valid signature get 401 and no listener runs."""
    fields = payloads.slash_command("/brief", "distillation", response_url="")
    body = payloads.form_body(fields)
    unsigned = bot.dispatch(body, "application/x-www-form-urlencoded", signed=False)
    assert unsigned.status == 401
    headers = {
        "content-type": "application/x-www-form-urlencoded",
        **payloads.signed_headers(body, "not-the-secret"),
    }
    from slack_bolt.request import BoltRequest

    assert bot.app.dispatch(BoltRequest(body=body, headers=headers)).status == 401
    assert bot.services.store.lookup_report(30).top_briefs == ()


HOSTILE_BRIEF = """\
id: hostile
title: "<!channel> Big news <@U0BOB> & more"
date: 2026-11-26
summary: "{summary}"
points:
{points}
terms: [Distillation]
tags: ["<!here>", "ok"]
source:
  name: "<http://evil.example|Trusted source>"
  url: https://example.org/story?a=1&b=2
"""


def test_hostile_long_content_posts_without_pinging_or_slack_errors(bot: BotHarness) -> None:
    """A brief full of mentions and at Slack's length limits is shared cleanly, pinging no one."""
    summary = ("<!channel> ünïcödé 🤖 & " * 200)[:2900]
    points = "\n".join(f'  - "<!here> point {i} ' + "x" * 400 + '"' for i in range(20))
    path = bot.services.content.root / "briefs" / "hostile.yml"
    path.write_text(HOSTILE_BRIEF.format(summary=summary, points=points))
    assert bot.services.content.reload().ok
    post = shared_post(bot, "hostile")
    assert not [c for c in bot.slack.calls_to("chat.postMessage") if not c.ok]
    # Slack parses mentions in mrkdwn and in the fallback text; plain_text is shown as typed.
    parsed = post["text"] + json.dumps(
        [o for b in post["blocks"] for o in _mrkdwn_objects(b)], ensure_ascii=False
    )
    for raw in ("<!channel>", "<!here>", "<@U0BOB>", "<http://evil.example|"):
        assert raw not in parsed
    assert "&lt;!channel&gt;" in parsed


def _mrkdwn_objects(node: object) -> list[dict]:
    if isinstance(node, dict):
        found = [node] if node.get("type") == "mrkdwn" else []
        return found + [o for v in node.values() for o in _mrkdwn_objects(v)]
    if isinstance(node, list):
        return [o for v in node for o in _mrkdwn_objects(v)]
    return []


def test_rate_limited_share_waits_for_retry_after_and_posts_once(bot: BotHarness) -> None:
    """A 429 on chat.postMessage is retried after Retry-After, and the brief lands once."""
    bot.slack.fail("chat.postMessage", status=429, retry_after=1)
    bot.click(blocks.SHARE_BRIEF, DISTILLATION, ephemeral=True)
    bot.slack.wait_for(lambda: bot.slack.messages("C0GENERAL"), timeout=10)
    first, second = bot.slack.calls_to("chat.postMessage")
    assert first.status == 429 and second.ok
    assert second.at - first.at >= 1.0
    assert len(bot.slack.messages("C0GENERAL")) == 1


def test_show_from_app_home_arrives_as_a_direct_message(bot: BotHarness) -> None:
    """A Show click in the Home tab (no response URL) sends the brief to the app's DM."""
    from tests.fakeslack.payloads import block_action

    payload = block_action(blocks.SHOW_BRIEF, DISTILLATION, user_id="U0BOB", container_type="view")
    bot.dispatch(payloads.interactive_body(payload), "application/x-www-form-urlencoded")
    (call,) = bot.slack.wait_for(lambda: bot.slack.calls_to("chat.postMessage"))
    assert call.params["channel"] == "U0BOB" and call.ok
    assert "share_brief" not in json.dumps(call.params.get("blocks", ""))
