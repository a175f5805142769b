"""Explain terms, the message shortcut: every glossary term in a message, privately, and
once in its thread for everyone; through the real Bolt app and store against the local
Slack, which sends `message_action` payloads as Slack does (typed text escaped).
tests/test_socket_mode.py and the `briefbot serve` test at the end drive the same over
Socket Mode and HTTP."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from bot.listeners.posted_once import once_key
from bot.localslack import BOT_USER_ID
from bot.model import Term
from bot.search.term_finder import build_term_finder, find_terms
from bot.slack import blocks
from bot.slack.blocks import first_sentence
from bot.slack.explain_blocks import EXPLAIN_IN_THREAD, EXPLAIN_TERMS
from bot.slack.message_text import message_prose, prose
from tests.conftest import SIGNING_SECRET
from tests.fakeslack import payloads
from tests.fakeslack.signed_http import post_interactive
from tests.support.explain import SCENARIOS, Said, found_terms

if TYPE_CHECKING:
    from tests.support.bot import BotHarness, Sent
    from tests.support.processes import ServedBot

pytest_plugins = ("tests.support.bot",)

ROOT = Path(__file__).resolve().parents[2]
DISTILLATION = "ai-distillation-national-security"
EXTRA_TERMS = """
  - term: Autoencoder
    definition: A network trained to copy its input through a narrow middle layer. Used widely.
  - term: R&D
    definition: Research and development.
"""


@pytest.fixture
def content_dir(content_dir: Path) -> Path:
    """The shipped content plus a term inside another ("Autoencoder" in "Sparse
    autoencoder") and one whose name Slack escapes ("R&D")."""
    glossary = content_dir / "glossary.yml"
    glossary.write_text(glossary.read_text() + EXTRA_TERMS)
    return content_dir


def answer_of(bot: BotHarness, sent: Sent) -> dict[str, Any]:
    (answer,) = bot.responses_to(sent)
    assert answer["response_type"] == "ephemeral"
    return answer


def term_sections(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """The answer's sections that carry a Full definition button, in order."""
    return [b for b in answer["blocks"] if b["type"] == "section" and "accessory" in b]


def terms_in(answer: dict[str, Any]) -> list[str]:
    return [s["accessory"]["value"] for s in term_sections(answer)]


def explain(bot: BotHarness, text: str, **kwargs: Any) -> dict[str, Any]:
    sent = bot.shortcut(EXPLAIN_TERMS, text=text, **kwargs)
    assert sent.response.status == 200 and sent.ack == {}
    return answer_of(bot, sent)


# --- the private answer ------------------------------------------------------------


def test_terms_are_listed_in_order_with_first_sentence_and_full_definition(
    bot: BotHarness,
) -> None:
    """Each term found, in order of first appearance and once, with its first sentence
    and a Full definition button that answers with the whole entry."""
    answer = explain(
        bot, "We trained a SPARSE AUTOENCODER, then tried Distillation; distillation again."
    )
    assert terms_in(answer) == ["Sparse autoencoder", "Distillation"]
    first = term_sections(answer)[0]
    assert first["accessory"]["text"]["text"] == "Full definition"
    assert first["accessory"]["action_id"] == blocks.DEFINE_TERM
    assert "A small network trained to rewrite" in first["text"]["text"]
    assert "standard tool" not in first["text"]["text"]  # the second sentence is left out
    full = bot.click(blocks.DEFINE_TERM, "Sparse autoencoder", ephemeral=True)
    assert "standard tool" in json.dumps(answer_of(bot, full)["blocks"])
    assert bot.slack.messages("C0GENERAL") == []  # nothing in the channel


def test_a_term_found_by_an_alias_says_which(bot: BotHarness) -> None:
    """A term found through an alias ("LLM", "SAEs") names the alias it was found by."""
    answer = explain(bot, "SAEs help us read an LLM.")
    assert terms_in(answer) == ["Sparse autoencoder", "Large language model"]
    texts = [s["text"]["text"] for s in term_sections(answer)]
    assert "found as “SAEs”" in texts[0] and "found as “LLM”" in texts[1]


def test_the_longest_of_overlapping_terms_wins(bot: BotHarness) -> None:
    """ "sparse autoencoder" is found, not "autoencoder" inside it; "autoencoder" alone is."""
    assert terms_in(explain(bot, "A sparse autoencoder.")) == ["Sparse autoencoder"]
    assert terms_in(explain(bot, "A plain autoencoder.")) == ["Autoencoder"]


def test_whole_words_any_case_and_punctuation(bot: BotHarness) -> None:
    """Names match as whole words, in any case, whatever the punctuation between them;
    a name inside a longer word is not a match."""
    answer = explain(bot, "sparse-Autoencoders! (EXPORT   controls) saeculum distillations")
    assert terms_in(answer) == ["Sparse autoencoder", "Export controls"]


def test_slacks_escaping_is_undone_before_matching(bot: BotHarness) -> None:
    """Slack sends a typed R&D as R&amp;D; the term R&D is still found."""
    assert terms_in(explain(bot, "Our R&D budget")) == ["R&D"]


def test_code_urls_and_mentions_are_skipped_but_link_labels_are_read(bot: BotHarness) -> None:
    """Terms in code spans and blocks, in a link's URL and in user, channel and special
    mentions are not found; a link's label is text and is."""
    text = (
        "Run `distillation --fast` then\n```export controls\nalignment```\n"
        "see <https://example.org/model-weights|the LLM paper> and <https://example.org/rocq>, "
        "ask <@U0BOB> in <#C0ALIGN|alignment> <!subteam^S1|@interpretability> <!here>"
    )
    answer = explain(bot, text, formatted=True)
    assert terms_in(answer) == ["Large language model"]


def test_nothing_found_says_so_and_offers_define(bot: BotHarness) -> None:
    """A message without glossary terms gets a private "none found" that offers /define."""
    answer = explain(bot, "Lunch at noon? <https://example.org/distillation>", formatted=True)
    assert "no glossary terms" in answer["text"].lower()
    assert "/define" in json.dumps(answer["blocks"])
    assert not term_sections(answer)


def test_explain_terms_works_on_a_brief_briefbot_posted(bot: BotHarness) -> None:
    """On a brief briefbot shared, the terms in its summary and points are found
    (its blocks are read, the text is only a fallback)."""
    bot.click(blocks.SHARE_BRIEF, DISTILLATION, ephemeral=True)
    post = bot.slack.wait_for(lambda: bot.slack.messages("C0GENERAL"))[-1]
    assert post["user"] == BOT_USER_ID
    answer = answer_of(bot, bot.shortcut(EXPLAIN_TERMS, message=post))
    found = terms_in(answer)
    assert {"Distillation", "Export controls", "National security"} <= set(found)


# --- Post in thread --------------------------------------------------------------------


def in_thread_button(answer: dict[str, Any]) -> dict[str, Any]:
    (button,) = [
        e
        for b in answer["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == EXPLAIN_IN_THREAD
    ]
    return button


def press(bot: BotHarness, button: dict[str, Any], user: str, channel: str = "C0GENERAL") -> Sent:
    return bot.click(
        button["action_id"], button["value"], user=user, channel=channel, ephemeral=True
    )


def test_post_in_thread_posts_once_and_a_second_press_points_to_it(bot: BotHarness) -> None:
    """Post in thread puts one reply, for everyone, in the message's thread; a second
    press, by someone else, posts nothing and points to the reply."""
    message = bot.slack.post_as("U0BOB", "C0GENERAL", payloads.as_slack_sends("An SAE & RLHF"))
    answer = answer_of(bot, bot.shortcut(EXPLAIN_TERMS, message=message))
    button = in_thread_button(answer)
    press(bot, button, "U0ALICE")
    thread = bot.slack.wait_for(
        lambda: (
            (found := bot.slack.messages("C0GENERAL", message["ts"])) and len(found) == 2 and found
        )
    )
    reply = thread[1]
    assert reply["thread_ts"] == message["ts"] and reply["user"] == BOT_USER_ID
    assert "Sparse autoencoder" in json.dumps(reply["blocks"])
    assert "<@U0ALICE> asked" in json.dumps(reply["blocks"])
    assert EXPLAIN_IN_THREAD not in json.dumps(reply["blocks"])  # no button in the reply
    key = once_key("explain", "C0GENERAL", message["ts"])
    bot.slack.wait_for(lambda: (claim := bot.services.store.once_claim(key)) and claim.reply_ts)
    again = press(bot, button, "U0CAROL")
    pointer = answer_of(bot, again)
    assert "already explained" in pointer["text"]
    assert "http" in json.dumps(pointer["blocks"])  # a link to the reply
    assert pointer.get("replace_original") is False
    bot.settle()
    assert len(bot.slack.messages("C0GENERAL", message["ts"])) == 2


def test_post_in_thread_where_briefbot_cannot_post_says_how_to_invite_it(
    bot: BotHarness,
) -> None:
    """In a channel briefbot is not in, Explain terms still answers privately, and Post in
    thread says how to invite it; after the invitation the same button posts."""
    bot.slack.add_channel("C0POLICY", "policy", bot_is_member=False)
    message = bot.slack.post_as("U0BOB", "C0POLICY", "Distillation, again")
    answer = answer_of(bot, bot.shortcut(EXPLAIN_TERMS, message=message, channel="C0POLICY"))
    assert terms_in(answer) == ["Distillation"]
    button = in_thread_button(answer)
    refused = answer_of(bot, press(bot, button, "U0ALICE", "C0POLICY"))
    assert "/invite @briefbot" in refused["text"]
    assert refused.get("replace_original") is False  # the private answer stays
    assert len(bot.slack.messages("C0POLICY")) == 1
    bot.slack.update_channel("C0POLICY", bot_is_member=True)
    press(bot, button, "U0ALICE", "C0POLICY")
    bot.slack.wait_for(lambda: len(bot.slack.messages("C0POLICY", message["ts"])) == 2)


def test_in_a_private_channel_briefbot_is_not_in_the_private_answer_still_works(
    bot: BotHarness,
) -> None:
    """In a private channel without briefbot (Slack answers channel_not_found), Explain
    terms answers privately and Post in thread says how to invite it."""
    bot.slack.add_channel("G0SECRET", "secret", is_private=True, bot_is_member=False)
    answer = explain(bot, "An LLM", channel="G0SECRET")
    assert terms_in(answer) == ["Large language model"]
    refused = answer_of(bot, press(bot, in_thread_button(answer), "U0ALICE", "G0SECRET"))
    assert "/invite @briefbot" in refused["text"]
    assert bot.slack.messages("G0SECRET") == []


def test_the_finder_is_built_once_per_glossary(bot: BotHarness) -> None:
    """A new snapshot with the same glossary keeps the finder; a glossary change builds one."""
    from bot.content.library import build_library

    library = bot.services.content.current
    same = build_library(library.briefs[1:], library.terms, previous=library)
    assert same.term_finder is library.term_finder
    other = build_library(library.briefs, library.terms[1:], previous=library)
    assert other.term_finder is not library.term_finder
    assert find_terms(other.term_finder, [library.terms[0].term]) == ()


# --- the finder itself ---------------------------------------------------------------------


def test_an_alias_naming_several_terms_finds_each_of_them() -> None:
    """An alias shared by several terms finds every one of them, each saying the alias."""
    policy = Term("Responsible scaling policy", "A lab's policy.", aliases=("RSP",))
    procurement = Term("Request for supplier proposals", "A procurement step.", aliases=("RSP",))
    finder = build_term_finder([policy, procurement])
    found = find_terms(finder, ["Is the RSP public?"])
    assert [(m.term.term, m.name, m.by_alias) for m in found] == [
        ("Responsible scaling policy", "RSP", True),
        ("Request for supplier proposals", "RSP", True),
    ]


def test_no_term_is_found_across_text_that_was_left_out() -> None:
    """A mention between two words breaks the phrase: "sparse <@U1> autoencoder" is no term."""
    finder = build_term_finder([Term("Sparse autoencoder", "x.")])
    assert find_terms(finder, prose("sparse <@U1> autoencoder")) == ()
    assert len(find_terms(finder, prose("sparse <https://a.org|autoencoder>"))) == 1


def test_block_texts_are_read_but_not_rich_text() -> None:
    """A message's section, context and header texts are read; rich text repeats `text`."""
    message = {
        "text": "fallback",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "head"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "body"}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "small"}]},
            {"type": "rich_text", "elements": [{"type": "text", "text": "again"}]},
        ],
    }
    assert message_prose(message) == ["fallback", "head", "body", "small"]


def test_first_sentence_stops_at_the_first_full_stop_before_a_new_sentence() -> None:
    """The first sentence ends at ". " before a capital, not inside "e.g. a"."""
    assert first_sentence("Rules, e.g. export ones. They change.") == "Rules, e.g. export ones."


# --- over HTTP, against `briefbot serve` ----------------------------------------------------


@pytest.mark.slow
def test_over_http_explain_terms_answers_privately_and_posts_in_thread_once(
    served_bot: ServedBot,
) -> None:
    """`briefbot serve`: the shortcut is acked at once and answered through its response
    URL; Post in thread, pressed twice, posts one reply."""
    slack, url = served_bot.slack, served_bot.events
    message = slack.post_as("U0BOB", "C0GENERAL", payloads.as_slack_sends("R&D on an LLM"))
    response_url = slack.new_response_url()
    payload = payloads.message_action(EXPLAIN_TERMS, message=message, response_url=response_url)
    assert post_interactive(url, payload, SIGNING_SECRET).status == 200
    (answer,) = slack.wait_for(lambda: [r for r in slack.responses if r["url"] == response_url])
    assert terms_in(answer) == ["Large language model"]
    button = in_thread_button(answer)
    for user in ("U0ALICE", "U0CAROL"):
        click = payloads.block_action(
            button["action_id"],
            button["value"],
            user_id=user,
            response_url=slack.new_response_url(),
            container_type="ephemeral",
        )
        assert post_interactive(url, click, SIGNING_SECRET).status == 200
    slack.wait_for(lambda: len(slack.messages("C0GENERAL", message["ts"])) == 2)
    slack.wait_for(lambda: any("already explained" in r.get("text", "") for r in slack.responses))
    assert len(slack.messages("C0GENERAL", message["ts"])) == 2


@pytest.mark.slow
@pytest.mark.parametrize(("case", "said", "expected"), SCENARIOS, ids=[c for c, _, _ in SCENARIOS])
def test_over_http_explain_terms_finds_what_it_should(
    served_bot: ServedBot, case: str, said: Said, expected: list[str]
) -> None:
    """`briefbot serve`, for each case of the shared table: the private answer lists exactly
    the expected terms (or says none were found)."""
    slack, url = served_bot.slack, served_bot.events
    message = slack.post_as("U0BOB", "C0GENERAL", **said)
    response_url = slack.new_response_url()
    payload = payloads.message_action(EXPLAIN_TERMS, message=message, response_url=response_url)
    assert post_interactive(url, payload, SIGNING_SECRET).status == 200
    (answer,) = slack.wait_for(lambda: [r for r in slack.responses if r["url"] == response_url])
    assert found_terms(answer) == expected, case
    if not expected:
        assert "/define" in json.dumps(answer["blocks"])


# --- what Slack shows besides `text` ---------------------------------------------------------


def test_an_apps_attachment_is_read_with_slacks_escaping_undone(bot: BotHarness) -> None:
    """Another app's legacy attachment, escaped as Slack sends it: "R&amp;D" in a field's
    value is the term R&D; its fallback, shown only where the rest cannot be, is not read."""
    message = bot.slack.post_as(
        "U0BOB",
        "C0GENERAL",
        "",
        attachments=[
            {
                "fallback": "Distillation",
                "title": "Budget",
                "fields": [{"title": "Line", "value": payloads.as_slack_sends("R&D, then RLHF")}],
            }
        ],
    )
    assert terms_in(answer_of(bot, bot.shortcut(EXPLAIN_TERMS, message=message))) == ["R&D"]


def test_the_console_says_as_the_slack_client_does_and_explains_it(tmp_path: Path) -> None:
    """`say` stores the message as the Slack client sends it, text and rich text (a typed
    URL a link); Explain terms on it reads each term once and no URL."""
    from bot.console.session import ConsoleSession

    shutil.copytree(ROOT / "content", tmp_path / "content")
    session = ConsoleSession(tmp_path / "content")
    try:
        session.say("An SAE & `distillation`, see https://example.org/alignment")
        (said,) = session.slack.messages("C0GENERAL")
        (block,) = said["blocks"]
        assert block["type"] == "rich_text"
        inline = block["elements"][0]["elements"]
        assert {"type": "link", "url": "https://example.org/alignment"} in inline
        assert {"type": "text", "text": "distillation", "style": {"code": True}} in inline
        answer = "\n".join(session.explain())
        assert "1 glossary term in this message" in answer
        assert "Sparse autoencoder" in answer and "Alignment" not in answer
    finally:
        session.close()
