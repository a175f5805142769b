"""Suggested changes as YAML text: only the changed fields' lines are rewritten, the
result reads back as exactly the proposal, and a layout that cannot be edited safely is
left alone."""

from __future__ import annotations

import pytest

from bot.content.parse import parse_brief_file, parse_glossary_file
from bot.content.proposals import (
    ChangeError,
    Proposal,
    current_hash,
    field_problems,
    plan_change,
    split_aliases,
    term_hash,
)
from bot.model import Term

GLOSSARY = """\
# yaml-language-server: $schema=schemas/glossary.schema.json
# The team's glossary.
terms:
  - term: Alpha
    # Why alpha is here.
    definition: >-
      The first letter.
    aliases: [a, first]

  # Beta's notes stay.
  - term: Beta
    definition: The second letter.
"""


def terms_of(text: str) -> list[Term]:
    result = parse_glossary_file("g.yml", text.encode())
    assert not result.errors, result.errors
    return [e.term for e in result.terms if e.term is not None]


def fix(**changes: object) -> Proposal:
    fields = {"term": "Alpha", "definition": "The first letter.", "aliases": ("a", "first")}
    return Proposal("fix", "Alpha", **{**fields, **changes})  # type: ignore[arg-type]


def test_a_fix_rewrites_only_the_fields_that_changed() -> None:
    after = plan_change(
        fix(definition="The first letter of the Greek alphabet."), "g.yml", GLOSSARY
    ).after
    assert after.replace('definition: "The first letter of the Greek alphabet."', "X") == (
        GLOSSARY.replace("definition: >-\n      The first letter.", "X")
    )
    assert terms_of(after)[0].definition == "The first letter of the Greek alphabet."


def test_fields_are_added_and_removed_and_comments_stay() -> None:
    after = plan_change(fix(aliases=(), context="letters"), "g.yml", GLOSSARY).after
    alpha, beta = terms_of(after)
    assert (alpha.aliases, alpha.context) == ((), "letters")
    assert beta == terms_of(GLOSSARY)[1]
    assert "# Why alpha is here." in after and "# Beta's notes stay." in after
    assert "aliases" not in after.split("# Beta")[0]


def test_the_last_entry_a_missing_final_newline_and_crlf_are_kept() -> None:
    beta = Proposal("fix", "Beta", term="Beta", definition="Second, after alpha.", aliases=("b",))
    bare = GLOSSARY.rstrip("\n")
    after = plan_change(beta, "g.yml", bare).after
    assert terms_of(after)[1].aliases == ("b",)
    crlf = GLOSSARY.replace("\n", "\r\n")
    after = plan_change(beta, "g.yml", crlf).after
    assert "\r\n" in after and "\n" not in after.replace("\r\n", "")
    assert terms_of(after)[1].definition == "Second, after alpha."


def test_a_new_term_is_appended_in_the_files_layout() -> None:
    new = Proposal(
        "term", term="Gamma: the third", definition='Says "three" and # hash.', aliases=("g",)
    )
    after = plan_change(new, "g.yml", GLOSSARY).after
    assert after.startswith(GLOSSARY + "\n  - term:")  # blank line between entries, as here
    assert terms_of(after)[-1] == Term("Gamma: the third", 'Says "three" and # hash.', ("g",))


def test_a_layout_it_cannot_edit_is_refused() -> None:
    flow = "terms:\n  - {term: Alpha, definition: The first letter.}\n"
    with pytest.raises(ChangeError):
        plan_change(fix(definition="Changed."), "g.yml", flow)
    with pytest.raises(ChangeError):
        plan_change(fix(), "g.yml", "terms: []\n".replace("Alpha", ""))


def test_a_brief_in_a_briefs_list_gets_its_summary_fixed() -> None:
    text = """\
briefs:
  - id: one
    title: One
    date: 2026-01-01
    summary: First.
  - id: two
    title: Two
    date: 2026-01-02
    summary: Second.
"""
    after = plan_change(Proposal("brief", "two", summary="The second one."), "b.yml", text).after
    briefs = [e.brief for e in parse_brief_file("b.yml", after.encode()).briefs]
    assert [b.summary for b in briefs if b] == ["First.", "The second one."]


def test_hash_of_the_term_as_the_file_says_it() -> None:
    alpha = terms_of(GLOSSARY)[0]
    assert current_hash(fix(), "g.yml", GLOSSARY) == term_hash(alpha)
    edited = GLOSSARY.replace("The first letter.", "The letter A.")
    assert current_hash(fix(), "g.yml", edited) != term_hash(alpha)
    assert current_hash(Proposal("fix", "Omega"), "g.yml", GLOSSARY) is None


def test_field_problems_follow_the_content_rules() -> None:
    terms = tuple(terms_of(GLOSSARY))
    assert field_problems(Proposal("term", term="Gamma", definition="Third."), terms) == {}
    problems = field_problems(
        Proposal("term", term="Beta", definition="[x](javascript:alert(1))", aliases=("Alpha",)),
        terms,
    )
    assert set(problems) == {"term", "definition", "aliases"}
    shared = field_problems(Proposal("term", term="Gamma", definition="G.", aliases=("a",)), terms)
    assert "context" in shared
    assert field_problems(fix(definition="Changed."), terms) == {}  # its own name is fine
    assert split_aliases("a, b,\nA ,, c") == ("a", "b", "c")
