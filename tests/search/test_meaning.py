"""Search by meaning: plain questions find the brief or term they mean, in Slack and the CLI.

The model is the real packaged one (bot/search/meaning.py), loaded once for this module;
the served bot loads its own, as it does in production.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bot.content.loader import ContentLoader, load_library
from bot.related import MEANING_FLOOR, related_briefs
from bot.search.brief_index import search_briefs
from bot.search.glossary_index import define
from bot.search.meaning import MeaningModel, load_model
from bot.slack import blocks

if TYPE_CHECKING:
    from tests.support.bot import BotHarness
    from tests.support.cli import RunCli

pytest_plugins = ("tests.support.bot",)

SHIPPED_CONTENT = Path(__file__).resolve().parents[2] / "content"

MORATORIUMS = "ai-moratoriums-social-rupture"
GOVERNANCE = "ai-workflow-governance-operator"
RISK = "frontier-ai-risk-management-gaps"
EMULATION = "whole-brain-emulation-ai-safety"


@pytest.fixture(scope="module")
def model() -> MeaningModel:
    return load_model()


def _write_brief(folder: Path, brief_id: str, title: str, summary: str, terms: str) -> Path:
    path = folder / "briefs" / f"{brief_id}.yml"
    path.write_text(
        f"id: {brief_id}\ntitle: {title}\ndate: 2026-11-01\nsummary: >-\n  {summary}\n"
        f"points:\n  - {summary}\nterms:\n{terms}\ntags:\n  - campaigns\n"
    )
    return path


def test_plain_questions_find_the_brief_they_mean_and_words_alone_do_not(model):
    with_meaning, words_only = load_library(SHIPPED_CONTENT, model), load_library(SHIPPED_CONTENT)
    for question, wanted in (
        ("proving an agent can only do what it is allowed", GOVERNANCE),
        ("why nobody agrees on how to manage the dangers", RISK),
        ("running a human mind on a computer", EMULATION),
    ):
        found = search_briefs(with_meaning, question)
        assert found.best is not None and found.best.brief.id == wanted, question
    assert not search_briefs(words_only, "proving an agent can only do what it is allowed").hits


def test_typod_title_still_comes_first_and_unrelated_finds_nothing(model):
    library = load_library(SHIPPED_CONTENT, model)
    found = search_briefs(library, "why ai moratorums migth not work")
    assert found.best is not None and found.best.brief.id == MORATORIUMS
    assert found.best.score >= 90 and found.best.matched_in == "title"
    for question in ("banana bread recipe", "how do i bake sourdough bread", "pizza delivery"):
        nothing = search_briefs(library, question)
        assert not nothing.hits and not nothing.suggestions, question
        answer = define(library, question)
        assert answer.term is None and not answer.candidates, question


def test_define_by_meaning_when_no_name_matches(model):
    library = load_library(SHIPPED_CONTENT, model)
    answer = define(library, "uploading a person's mind to a computer")
    assert answer.kind == "meaning" and answer.term is not None
    assert answer.term.term == "Whole brain emulation"
    for question in (
        "teaching a student network to imitate a teacher",
        "copying a model by learning from its outputs",
    ):
        found = define(library, question)
        assert found.kind == "meaning" and found.term is not None
        assert found.term.term == "Distillation"
    # A clear name match still answers directly, by name.
    assert define(library, "distillation").kind == "exact"
    assert define(library, "superpositon").kind == "fuzzy"


PAUSING = "pausing-frontier-training"


def _write_pausing_brief(folder: Path) -> Path:
    """A brief on the moratorium's subject in other words, with no term or tag in common."""
    return _write_brief(
        folder,
        "pausing-frontier-training",
        "Calls to halt the training of larger systems",
        "Campaigners want laboratories to stop developing more powerful models for six "
        "months, until safeguards catch up. Sceptics answer that a world-changing invention "
        "cannot be frozen once under way, people and economies push on regardless, as they "
        "did with earlier breakthroughs, so a halt would never last.",
        "  - General-purpose AI",
    )


def test_related_by_meaning_with_nothing_else_shared(tmp_path, model):
    folder = tmp_path / "content"
    shutil.copytree(SHIPPED_CONTENT, folder)
    _write_pausing_brief(folder)
    library = load_library(folder, model)
    assert related_briefs(library, "pausing-frontier-training")[0].id == MORATORIUMS
    meaning = library.meaning
    rows = [meaning.row_of[i] for i in ("pausing-frontier-training", MORATORIUMS)]
    closeness = float(meaning.matrix[rows[0]] @ meaning.matrix[rows[1]])
    assert closeness > MEANING_FLOOR  # so meaning adds to what the words found


def test_reload_that_changes_a_briefs_meaning_re_embeds_only_that_brief(tmp_path, model):
    folder = tmp_path / "content"
    shutil.copytree(SHIPPED_CONTENT, folder)
    loader = ContentLoader(folder, model)
    before = loader.load()
    question = "running a human mind on a computer"
    assert search_briefs(before, question).best.brief.id == EMULATION  # type: ignore[union-attr]
    path = folder / "briefs" / f"{MORATORIUMS}.yml"
    text = path.read_text()
    start, end = text.index("summary: >-"), text.index("points:")
    path.write_text(
        text[:start]
        + "summary: >-\n  How copying a human brain into software, neuron by neuron, could "
        "let a mind run on a computer, and what that uploading would cost.\n" + text[end:]
    )
    after = loader.load(changed=[path])
    assert after.meaning.embedded == 1
    unchanged = after.meaning.row_of[EMULATION]
    assert (
        after.meaning.matrix[unchanged] == before.meaning.matrix[before.meaning.row_of[EMULATION]]
    ).all()

    def score(library):
        return next(
            h.score for h in search_briefs(library, question).hits if h.brief.id == MORATORIUMS
        )

    assert score(after) > score(before) + 10


# -- the Slack app and the CLI ----------------------------------------------------------


def test_slack_brief_plain_question_answers_with_show_buttons(bot: BotHarness) -> None:
    """A question in plain words answers with the brief it means: shown, or listed first
    among the best few, each with its Show button."""
    sent = bot.command("/brief", "why nobody agrees on how to manage the dangers")
    assert sent.ack["response_type"] == "ephemeral"
    title = bot.services.library.by_id[RISK].title
    first = sent.ack["blocks"][0]["text"]["text"]
    if first != title:
        assert "show_brief" in sent.ack_text and RISK in sent.ack_text
        assert sent.ack_text.index(RISK) < min(
            sent.ack_text.index(b.id)
            for b in bot.services.library.briefs
            if b.id != RISK and b.id in sent.ack_text
        )


def test_slack_typo_unrelated_and_define_by_meaning(bot: BotHarness) -> None:
    title = bot.services.library.by_id[MORATORIUMS].title
    typo = bot.command("/brief", "why ai moratorums migth not work")
    assert typo.ack["blocks"][0]["text"]["text"] == title
    unrelated = bot.command("/brief", "banana bread recipe")
    assert "No brief matches" in unrelated.ack_text and "Did you mean" not in unrelated.ack_text
    defined = bot.command("/define", "uploading a person's mind to a computer")
    assert "Whole brain emulation" in defined.ack_text
    assert "No exact match" in defined.ack_text


def test_slack_reload_that_changes_a_briefs_meaning(bot: BotHarness, content_dir: Path) -> None:
    question = "copying a human brain into software neuron by neuron"
    path = content_dir / "briefs" / f"{MORATORIUMS}.yml"
    text = path.read_text()
    path.write_text(
        text.replace(
            'title: "Why AI moratoriums might not work"',
            'title: "Copying a human brain neuron by neuron into software"',
        )
    )
    result = bot.services.content.reload(trigger="test")
    assert result.ok and result.changed
    sent = bot.command("/brief", question)
    assert bot.services.library.by_id[MORATORIUMS].title in sent.ack_text


def test_cli_search_and_define_by_meaning(cli: RunCli) -> None:
    found = cli(
        "search",
        "proving",
        "an",
        "agent",
        "can",
        "only",
        "do",
        "what",
        "it",
        "is",
        "allowed",
        "--content",
        str(SHIPPED_CONTENT),
    )
    assert found.returncode == 0, found.stderr
    assert GOVERNANCE in found.stdout and "matched in meaning" in found.stdout
    typo = cli("search", "why ai moratorums migth not work", "--content", str(SHIPPED_CONTENT))
    assert typo.returncode == 0 and typo.stdout.splitlines()[0].endswith(
        "Why AI moratoriums might not work"
    )
    unrelated = cli("search", "banana bread recipe", "--content", str(SHIPPED_CONTENT))
    assert unrelated.returncode == 1 and "No brief matches" in unrelated.stderr
    defined = cli(
        "define", "uploading a person's mind to a computer", "--content", str(SHIPPED_CONTENT)
    )
    assert defined.returncode == 0 and "Whole brain emulation" in defined.stdout
    related = cli("related", MORATORIUMS, "--content", str(SHIPPED_CONTENT))
    assert related.returncode == 0


def test_console_answers_a_plain_question_with_show_buttons() -> None:
    """The console runs the same app: a question in plain words lists the brief it means."""
    from bot.console import run

    out: list[str] = []
    code = run(
        SHIPPED_CONTENT,
        lines=[
            "/brief why nobody agrees on how to manage the dangers",
            "/brief banana bread recipe",
            "quit",
        ],
        write=out.append,
    )
    text = "\n".join(out)
    assert code == 0
    title = "AI safety challenges highlighted in new research"
    assert title.upper() in text or title in text
    assert "No brief matches “banana bread recipe”" in text or "No brief matches" in text


def test_slack_related_briefs_by_meaning(bot: BotHarness, content_dir: Path) -> None:
    """Related briefs on a brief that shares no term or tag with the moratorium brief list
    the moratorium brief first: they are about the same thing."""
    _write_pausing_brief(content_dir)
    assert bot.services.content.reload(trigger="test").ok
    sent = bot.click(blocks.RELATED_BRIEFS, PAUSING, ephemeral=True)
    (response,) = bot.responses_to(sent)
    text = json.dumps(response.get("blocks", []), ensure_ascii=False)
    titles = [b.title for b in bot.services.library.briefs if b.id != PAUSING]
    first = min(titles, key=lambda t: text.find(t) if t in text else len(text))
    assert first == bot.services.library.by_id[MORATORIUMS].title


def test_cli_related_by_meaning(tmp_path, cli: RunCli) -> None:
    folder = tmp_path / "content"
    shutil.copytree(SHIPPED_CONTENT, folder)
    _write_pausing_brief(folder)
    related = cli("related", PAUSING, "--content", str(folder))
    assert related.returncode == 0, related.stderr
    assert related.stdout.splitlines()[1].startswith("1. Why AI moratoriums might not work")
