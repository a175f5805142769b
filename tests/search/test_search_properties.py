"""Property tests: any query text gets a well-formed answer from search and define."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.content.library import build_library
from bot.model import Brief, Term
from bot.related import related_briefs
from bot.search.brief_index import brief_by_id, search_briefs
from bot.search.glossary_index import define

LIBRARY = build_library(
    (
        Brief(
            "ai-distillation",
            "AI distillation: a new frontier in national security",
            dt.date(2026, 11, 24),
            "Copying models through their answers could sidestep export controls.",
            points=("Labs may copy rivals.",),
            terms=("Distillation",),
            tags=("policy",),
        ),
        Brief(
            "whole-brain-emulation",
            "Brain emulation's future and its impact on AI safety",
            dt.date(2026, 11, 10),
            "Émulation du cerveau: decades away, costly, and not obviously safer.",
            terms=("WBE",),
            tags=("agi", "forecasting"),
        ),
    ),
    (
        Term("Distillation", "Training on another model's answers.", ("model distillation",)),
        Term("Whole brain emulation", "A brain copied onto a computer.", ("WBE",)),
    ),
)

QUERY = st.one_of(
    st.text(max_size=400),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=50),
    st.lists(
        st.sampled_from(["ai", "distilation", "brain", "émulation", "-", "the", "WBE", " "]),
        max_size=30,
    ).map(" ".join),
)
KINDS = {"exact", "alias", "fuzzy", "ambiguous", "none", "empty"}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(QUERY, st.integers(min_value=-3, max_value=20))
def test_search_answers_any_text(query, limit):
    """search_briefs never raises; hits are bounded, ordered and scored 0-100."""
    found = search_briefs(LIBRARY, query, limit=limit)
    assert len(found.hits) <= max(limit, 0)
    scores = [hit.score for hit in found.hits]
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= s <= 100 for s in scores)
    assert all(
        hit.matched_in in {"title", "id", "terms", "tags", "summary", "points"}
        for hit in found.hits
    )
    assert not (found.hits and found.suggestions)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(QUERY)
def test_define_answers_any_text(text):
    """define never raises; a term comes exactly with the kinds that carry one."""
    found = define(LIBRARY, text)
    assert found.kind in KINDS
    assert (found.term is not None) == (found.kind in {"exact", "alias", "fuzzy"})
    assert len(found.query) <= 200


@settings(max_examples=200, deadline=None)
@given(QUERY)
def test_id_lookups_answer_any_text(text):
    """brief_by_id and related_briefs never raise on any text."""
    found = brief_by_id(LIBRARY, text)
    assert found is None or found.id == text.strip().lower()
    assert all(b.id != text for b in related_briefs(LIBRARY, text))
