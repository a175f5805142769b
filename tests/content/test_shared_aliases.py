"""Acronyms with several meanings: an alias shared by several terms, each with a `context`.

/define, its buttons, "did you mean", the A-Z listing and the report run through the real
app against the local Slack; validation, the schema, export and `new term` through
`briefbot` itself (in-process CLI entry)."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import jsonschema
import pytest
import yaml

from bot.content.library import build_library
from bot.content.loader import load_library
from bot.content.parse import parse_glossary_file
from bot.content.schema import GLOSSARY_SCHEMA_FILE
from bot.search.glossary_index import define
from bot.slack import blocks
from bot.slack.limits import MESSAGE_BLOCKS_MAX, SECTION_TEXT_MAX
from bot.store import sqlite_url
from tests.content_files import brief_text, make_content
from tests.fakeslack import ScriptedSlack

if TYPE_CHECKING:
    from tests.support.bot import BotHarness

pytest_plugins = ("tests.support.bot",)

REPO = Path(__file__).resolve().parents[2]
ADMIN = "U0CAROL"  # the one admin the harness's settings name

RSP = """\
terms:
  - term: Responsible scaling policy
    context: AI lab safety
    definition: >-
      A lab's public commitment to match each jump in its models' capabilities with stronger
      safeguards. It names the tests that would trigger them.
    aliases: [RSP, responsible scaling]
  - term: Request for service proposal
    context: procurement
    definition: A buyer's call for bids to deliver a service. Suppliers answer with prices.
    aliases: [RSP]
"""


def blocks_text(message: dict) -> str:
    return message.get("text", "") + json.dumps(message.get("blocks", []), ensure_ascii=False)


@pytest.fixture
def rsp_bot(tmp_path: Path, content_dir: Path) -> Iterator[BotHarness]:
    """The shipped content plus a glossary file where `RSP` names two terms."""
    from tests.support.bot import make_harness  # the plugin module, imported once registered

    (content_dir / "glossary").mkdir(exist_ok=True)
    (content_dir / "glossary" / "rsp.yml").write_text(RSP, encoding="utf-8")
    with ScriptedSlack() as slack:
        harness = make_harness(slack, content_dir, sqlite_url(tmp_path / "bot.db"))
        yield harness
        harness.services.store.engine.dispose()


def summaries(message: dict) -> list[dict]:
    """The sections that carry a Full definition button."""
    return [
        block
        for block in message["blocks"]
        if block["type"] == "section"
        and block.get("accessory", {}).get("text", {}).get("text") == "Full definition"
    ]


def test_define_shared_alias_lists_every_meaning_with_context(rsp_bot: BotHarness) -> None:
    """/define RSP answers with both meanings, each with its context, first sentence and a
    Full definition button, instead of picking one."""
    sent = rsp_bot.command("/define", "rsp")
    found = summaries(sent.ack)
    assert [b["accessory"]["value"] for b in found] == [
        "Request for service proposal",
        "Responsible scaling policy",
    ]
    assert all(b["accessory"]["action_id"] == blocks.DEFINE_TERM for b in found)
    first, second = (b["text"]["text"] for b in found)
    assert "_(procurement)_" in first and "A buyer's call for bids" in first
    assert "Suppliers answer" not in first  # the first sentence only
    assert "_(AI lab safety)_" in second and "It names the tests" not in second
    assert "*RSP* has 2 meanings" in sent.ack_text
    assert "RSP has 2 meanings" in sent.ack["text"]


def test_full_definition_button_opens_one_meaning(rsp_bot: BotHarness) -> None:
    """The Full definition button of one meaning answers with that term in full."""
    sent = rsp_bot.command("/define", "RSP")
    value = summaries(sent.ack)[1]["accessory"]["value"]
    clicked = rsp_bot.click(blocks.DEFINE_TERM, value, ephemeral=True)
    (answer,) = rsp_bot.responses_to(clicked)
    text = blocks_text(answer)
    assert "It names the tests that would trigger them." in text
    assert "Request for service proposal" not in text
    assert "Full definition" not in text


def test_term_name_and_unshared_alias_still_answer_one_term(rsp_bot: BotHarness) -> None:
    """An exact term name, or an alias naming one term, answers with that term in full."""
    named = rsp_bot.command("/define", "request for service proposal")
    assert "Suppliers answer with prices." in named.ack_text
    assert "_(procurement)_" in named.ack_text
    alias = rsp_bot.command("/define", "responsible scaling")
    assert "another name for" in alias.ack_text and "It names the tests" in alias.ack_text


def test_near_misses_of_a_shared_alias_offer_every_meaning(rsp_bot: BotHarness) -> None:
    """A typo of the shipped `GPAI` (two meanings) lists both meanings, saying it was no
    exact match; a "did you mean" that reaches it offers both, labelled with their context."""
    typo = rsp_bot.command("/define", "gpais")
    assert "No exact match for “gpais”" in typo.ack_text
    assert [b["accessory"]["value"] for b in summaries(typo.ack)] == [
        "General-purpose AI",
        "Global Partnership on AI",
    ]
    wordy = rsp_bot.command("/define", "the gpai")
    labels = [
        element["text"]["text"]
        for block in wordy.ack["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] != "suggest"  # offering "the gpai" as a new term, after them
    ]
    assert "Did you mean" in wordy.ack_text
    assert labels == [
        "General-purpose AI (EU AI Act)",
        "Global Partnership on AI (international initiative)",
    ]


def test_glossary_listing_shows_each_term_with_its_context(rsp_bot: BotHarness) -> None:
    """/define alone (A to Z, paged) writes "Term (context)" for terms that have one."""
    pages = [rsp_bot.command("/define").ack]
    while '"Next →"' in json.dumps(pages[-1]["blocks"], ensure_ascii=False):
        page = len(pages) + 1
        clicked = rsp_bot.click("glossary_page:next", str(page), ephemeral=True)
        pages.append(rsp_bot.responses_to(clicked)[0])
    text = "".join(blocks_text(page) for page in pages)
    assert "*Responsible scaling policy* _(AI lab safety)_:" in text
    assert "Request for service proposal (procurement)" in text
    assert "*General-purpose AI* _(EU AI Act)_:" in text


def test_report_counts_a_shared_alias_once_as_found(rsp_bot: BotHarness) -> None:
    """/brief report counts lookups of a shared alias as one found line, "RSP (2 meanings)",
    neither split among its terms nor listed as not found."""
    for query in ("RSP", "rsp", "gpai"):
        rsp_bot.command("/define", query, user="U0BOB")
    # Lookups are counted just after answering: wait for the three.
    report = rsp_bot.slack.wait_for(
        lambda: (found := rsp_bot.services.store.lookup_report(1)).define_lookups == 3 and found
    )
    counted = {item.name: item.count for item in report.top_terms}
    assert counted == {"RSP (2 meanings)": 2, "GPAI (2 meanings)": 1}
    assert not report.missed_terms
    text = rsp_bot.command("/brief", "report 1", user=ADMIN).ack_text
    assert "2 × RSP (2 meanings)" in text


def test_many_meanings_fit_one_message() -> None:
    """An alias naming 60 terms: every meaning is named, within Slack's block limits."""
    entries = "".join(
        f"  - term: Meaning {n:02}\n    context: field {n:02}\n"
        f"    definition: Sense {n} of X. More.\n    aliases: [X]\n"
        for n in range(60)
    )
    parsed = parse_glossary_file("g.yml", ("terms:\n" + entries).encode())
    assert parsed.errors == ()
    library = build_library((), [entry.term for entry in parsed.terms if entry.term])
    found = define(library, "x")
    assert found.kind == "meanings" and len(found.meanings) == 60
    message = blocks.meanings_message(found.matched_name, found.meanings).payload()
    assert len(message["blocks"]) <= MESSAGE_BLOCKS_MAX
    assert all(
        len(b.get("text", {}).get("text", "")) <= SECTION_TEXT_MAX for b in message["blocks"]
    )
    text = blocks_text(message)
    assert all(f"Meaning {n:02}" in text for n in range(60))
    assert "And 40 more" in text


# -- validation, through `briefbot validate` ------------------------------------------


def test_validate_asks_for_context_where_an_alias_names_several_terms(tmp_path, cli) -> None:
    """A shared alias: each term without a context is an error at its entry, on the field
    `context`, naming the other term and where it is."""
    glossary = (
        "terms:\n"
        "  - term: Responsible scaling policy\n"
        "    definition: A lab's commitment.\n"
        "    aliases: [RSP]\n"
        "  - term: Request for service proposal\n"
        "    context: procurement\n"
        "    definition: A call for bids.\n"
        "    aliases: [rsp]\n"
    )
    make_content(tmp_path, {"a.yml": brief_text(terms="[]")}, glossary)
    result = cli("validate", "content", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "content/glossary.yml:2: alias 'RSP' also names 'Request for service "
        "proposal' (content/glossary.yml:5); add a 'context:' to 'Responsible scaling policy' "
        "(a few words, like 'export controls') so people can tell the meanings apart",
        "1 error in the content",
    ]


def test_validate_refuses_an_alias_equal_to_another_terms_name(tmp_path, cli) -> None:
    """An alias may be shared, but never be another term's name, whichever comes first."""
    glossary = (
        "terms:\n"
        "  - term: Compute\n"
        "    definition: Processing power.\n"
        "    aliases: [RSP]\n"
        "  - term: RSP\n"
        "    definition: A policy.\n"
    )
    make_content(tmp_path, {"a.yml": brief_text(terms="[]")}, glossary)
    result = cli("validate", "content", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "content/glossary.yml:4: aliases: alias 'RSP' is the name of another term: 'RSP' "
        "(content/glossary.yml:5); an alias may be shared by several terms but never be "
        "a term's name",
        "1 error in the content",
    ]


def test_validate_refuses_shared_alias_in_brief_terms_and_equal_contexts(tmp_path, cli) -> None:
    """A brief's `terms` naming a shared alias is ambiguous, and two meanings with the same
    context cannot be told apart: both are errors with file, line and field."""
    glossary = RSP.replace("context: procurement", "context: ai lab SAFETY")
    make_content(tmp_path, {"a.yml": brief_text(terms="[RSP]")}, glossary)
    result = cli("validate", "content", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[-1] == "2 errors in the content"
    assert (
        "content/glossary.yml:8: 'Request for service proposal' and 'Responsible "
        "scaling policy' (content/glossary.yml:2) share the alias 'RSP' and the context "
        "'ai lab SAFETY'; give each a context of its own"
    ) in lines
    assert (
        "content/briefs/a.yml:4: 'terms' names 'RSP', an alias that several terms "
        "share ('Responsible scaling policy', 'Request for service proposal'); name the term "
        "itself"
    ) in lines


def test_validate_limits_context_to_sixty_characters(tmp_path, cli) -> None:
    """`context` is short: 61 characters is an error naming the limit."""
    glossary = RSP.replace("context: procurement", "context: " + "p" * 61)
    make_content(tmp_path, {"a.yml": brief_text(terms="[]")}, glossary)
    result = cli("validate", "content", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "content/glossary.yml:9: 'context' is 61 characters long; the limit is 60 so that "
        "Slack can show it",
        "1 error in the content",
    ]


# -- schema, export, new term ---------------------------------------------------------


def test_glossary_schema_knows_context() -> None:
    """The shipped JSON Schema accepts a context of up to 60 characters and no longer."""
    schema = json.loads((REPO / "content" / "schemas" / GLOSSARY_SCHEMA_FILE).read_text())
    validator = jsonschema.Draft202012Validator(schema)
    entry = {"term": "RSP policy", "definition": "A policy.", "aliases": ["RSP"]}
    assert not list(validator.iter_errors({"terms": [{**entry, "context": "c" * 60}]}))
    assert list(validator.iter_errors({"terms": [{**entry, "context": "c" * 61}]}))
    assert list(validator.iter_errors({"terms": [{**entry, "context": ""}]}))


def test_shipped_glossary_holds_a_shared_alias() -> None:
    """The shipped glossary's `GPAI` names two terms, each with its context."""
    library = load_library(REPO / "content")
    assert [t.label for t in library.meanings("GPAI")] == [
        "General-purpose AI (EU AI Act)",
        "Global Partnership on AI (international initiative)",
    ]


def test_export_writes_context(tmp_path, cli) -> None:
    """JSON, CSV and Markdown exports carry each term's context."""
    content = make_content(tmp_path, {"a.yml": brief_text(terms="[]")}, RSP)
    out = tmp_path / "out"
    for fmt in ("json", "csv", "md"):
        result = cli("export", "--format", fmt, "--out", str(out), "--content", str(content))
        assert result.returncode == 0, result.stderr
    terms = json.loads((out / "glossary.json").read_text())["terms"]
    assert {t["term"]: t.get("context") for t in terms} == {
        "Request for service proposal": "procurement",
        "Responsible scaling policy": "AI lab safety",
    }
    rows = list(csv.DictReader(io.StringIO((out / "glossary.csv").read_text())))
    assert [row["context"] for row in rows] == ["procurement", "AI lab safety"]
    markdown = (out / "glossary.md").read_text()
    assert "## Request for service proposal (procurement)" in markdown


def test_new_term_writes_context(tmp_path, cli) -> None:
    """`new term --context` writes the context; without it, a commented `context:` line;
    the new file is valid for the schema."""
    shutil.copytree(REPO / "content", tmp_path / "content")
    added = cli(
        "new", "term", "Responsible scaling policy", "--context", "AI lab safety", cwd=tmp_path
    )
    assert added.returncode == 0, added.stderr
    glossary = (tmp_path / "content" / "glossary.yml").read_text()
    (entry,) = [
        t for t in yaml.safe_load(glossary)["terms"] if t["term"] == "Responsible scaling policy"
    ]
    assert entry["context"] == "AI lab safety"
    separate = cli("new", "term", "Red teaming", "--file", "content/glossary/red.yml", cwd=tmp_path)
    assert separate.returncode == 0, separate.stderr
    red = (tmp_path / "content" / "glossary" / "red.yml").read_text()
    assert "\n    # context: " in red
    assert "context" not in yaml.safe_load(red)["terms"][0]
    too_long = cli("new", "term", "Other", "--context", "x" * 61, cwd=tmp_path)
    assert too_long.returncode == 1 and "the limit is 60" in too_long.stderr


def test_define_on_the_command_line_lists_every_meaning(cli) -> None:
    """`briefbot define gpai` prints both meanings of the shipped shared alias, each with
    its context and definition, and exits 0."""
    result = cli("define", "gpai", cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("“GPAI” has 2 meanings:\n")
    assert "General-purpose AI (EU AI Act)\n" in result.stdout
    assert "Global Partnership on AI (international initiative)\n" in result.stdout
    assert "integrated partnership with the OECD" in result.stdout


def test_explain_terms_shows_each_meaning_of_a_shared_alias_as_define_does(
    rsp_bot: BotHarness,
) -> None:
    """Explain terms on a message naming RSP lists both meanings, each with its context,
    first sentence, the alias it was found by and a Full definition button."""
    from bot.slack.explain_blocks import EXPLAIN_TERMS

    sent = rsp_bot.shortcut(EXPLAIN_TERMS, text="Does the lab's RSP cover this?")
    (answer,) = rsp_bot.responses_to(sent)
    found = summaries(answer)
    assert [b["accessory"]["value"] for b in found] == [
        "Request for service proposal",
        "Responsible scaling policy",
    ]
    first, second = (b["text"]["text"] for b in found)
    assert first.startswith("*Request for service proposal* _(procurement)_ (found as “RSP”)\n")
    assert second.startswith("*Responsible scaling policy* _(AI lab safety)_ (found as “RSP”)\n")
    assert "It names the tests" not in second
