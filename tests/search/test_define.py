"""/define: exact terms, aliases, typos, "did you mean", the answer's extras and A-Z pages."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.content.library import Library, build_library
from bot.model import Brief, Term
from bot.search.glossary_index import define, glossary_page

TERMS = (
    Term(
        "Sparse autoencoder",
        "A network that splits a model's activity into a few active features.",
        aliases=("SAE", "sparse autoencoders"),
        see_also=("Superposition", "features"),
    ),
    Term("Superposition", "Many features sharing the same neurons.", see_also=("SAE",)),
    Term("Feature", "A direction in activation space that stands for a concept.", ("features",)),
    Term("Risk management", "Finding, weighing and reducing risks."),
    Term("Existential risk", "A risk that could end humanity's future.", ("x-risk",)),
    Term("Emergent misalignment", "Harmful behaviour appearing after narrow fine-tuning."),
    Term("Interaction trees", "A way to model programs with effects.", ("ITrees",)),
    Term("Whole brain emulation", "Running a copy of a brain on a computer.", ("WBE",)),
)


def brief(brief_id: str, day: int, terms: tuple[str, ...]) -> Brief:
    return Brief(
        id=brief_id,
        title=f"Brief {brief_id}",
        date=dt.date(2026, 11, day),
        summary="A paragraph.",
        terms=terms,
    )


BRIEFS = (
    brief("older", 3, ("Sparse autoencoder", "Existential risk")),
    brief("newer", 20, ("SAE",)),
    brief("unrelated", 25, ("Whole brain emulation",)),
)


@pytest.fixture(scope="module")
def library() -> Library:
    """Eight terms, three briefs using some of them."""
    return build_library(BRIEFS, TERMS)


@pytest.mark.parametrize("text", ["Superposition", "superposition", "  SUPERPOSITION!  "])
def test_exact_term_ignores_case_and_punctuation(library, text):
    """The term itself, in any case and with stray punctuation, is an exact match."""
    found = define(library, text)
    assert found.kind == "exact"
    assert found.term.term == "Superposition"
    assert found.matched_name == "Superposition"


@pytest.mark.parametrize(
    ("text", "term", "alias"),
    [
        ("sae", "Sparse autoencoder", "SAE"),
        ("Sparse-Autoencoders", "Sparse autoencoder", "sparse autoencoders"),
        ("x risk", "Existential risk", "x-risk"),
        ("itrees", "Interaction trees", "ITrees"),
    ],
)
def test_alias_names_its_term(library, text, term, alias):
    """An alias answers with its term and says which alias matched, as the glossary writes it."""
    found = define(library, text)
    assert found.kind == "alias"
    assert found.term.term == term
    assert found.matched_name == alias


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("superpositon", "Superposition"),
        ("emergent", "Emergent misalignment"),
        ("emergnt misalignmnet", "Emergent misalignment"),
        ("whole brain", "Whole brain emulation"),
        ("interaction tree", "Interaction trees"),
    ],
)
def test_clear_fuzzy_winner_is_answered(library, text, term):
    """A typo or a partial name with one clear winner is answered, naming the matched term."""
    found = define(library, text)
    assert found.kind == "fuzzy"
    assert found.term.term == term
    assert found.matched_name == term
    assert found.candidates == ()


def test_fuzzy_match_through_an_alias_names_the_alias(library):
    """A typo of an alias ("sparse autoencodrs") answers with the term and names the alias."""
    found = define(library, "sparse autoencodrs")
    assert found.kind == "fuzzy"
    assert found.term.term == "Sparse autoencoder"
    assert found.matched_name in {"Sparse autoencoder", "sparse autoencoders"}


def test_several_close_terms_are_ambiguous(library):
    """ "risk" is in two terms: no answer, both offered as candidates."""
    found = define(library, "risk")
    assert found.kind == "ambiguous"
    assert found.term is None
    assert {t.term for t in found.candidates} == {"Risk management", "Existential risk"}


def test_nothing_close_is_none(library):
    """A word unlike any term gives kind "none" and no term."""
    found = define(library, "blockchain")
    assert found.kind == "none"
    assert found.term is None
    assert len(found.candidates) <= 3


@pytest.mark.parametrize("text", ["", "   ", "?!", "\t\n"])
def test_empty_text(library, text):
    """Nothing but spaces or punctuation is "empty", not a search."""
    assert define(library, text).kind == "empty"


def test_answer_lists_briefs_using_the_term_newest_first(library):
    """used_by holds every brief listing the term (also through an alias), newest first."""
    found = define(library, "sparse autoencoder")
    assert [b.id for b in found.used_by] == ["newer", "older"]
    assert define(library, "superposition").used_by == ()


def test_see_also_is_resolved_to_terms(library):
    """see_also entries written as aliases come back as their terms, each once."""
    found = define(library, "SAE")
    assert [t.term for t in found.see_also] == ["Superposition", "Feature"]
    assert [t.term for t in define(library, "superposition").see_also] == ["Sparse autoencoder"]


@pytest.mark.parametrize("text", ["a" * 10_000, "🧠" * 300, "risk " * 400, "\x00\x01"])
def test_odd_text_does_not_crash(library, text):
    """Huge, emoji or control-character text gets an answer of a known kind."""
    found = define(library, text)
    assert found.kind in {"exact", "alias", "fuzzy", "ambiguous", "none", "empty"}
    assert len(found.query) <= 200


def test_glossary_pages_a_to_z(library):
    """Pages hold per_page terms A to Z; the last page holds the rest."""
    first = glossary_page(library, 1, per_page=3)
    assert (first.page, first.pages, first.total) == (1, 3, 8)
    assert [t.term for t in first.terms] == ["Emergent misalignment", "Existential risk", "Feature"]
    last = glossary_page(library, 3, per_page=3)
    assert [t.term for t in last.terms] == ["Superposition", "Whole brain emulation"]


@pytest.mark.parametrize(("asked", "given"), [(0, 1), (-5, 1), (99, 3)])
def test_glossary_page_out_of_range_is_clamped(library, asked, given):
    """A page before the first or after the last shows the first or the last."""
    assert glossary_page(library, asked, per_page=3).page == given


def test_empty_glossary_has_one_empty_page():
    """With no terms there is still a page 1 of 1, empty."""
    page = glossary_page(build_library(BRIEFS[:1], ()), 1)
    assert (page.terms, page.page, page.pages, page.total) == ((), 1, 1, 0)
