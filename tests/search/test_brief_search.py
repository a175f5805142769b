"""Searching briefs: typo tolerance, ranking, edge-case queries, latest and lookup by id."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from bot.content.library import Library, build_library
from bot.model import Brief, Term
from bot.search.brief_index import (
    MIN_SCORE,
    brief_by_id,
    latest_briefs,
    search_briefs,
)
from bot.search.words import MAX_QUERY_CHARS

TERMS = (
    Term("Distillation", "Training a model on another model's answers.", ("model distillation",)),
    Term("Export controls", "Rules on what may be sold abroad."),
    Term("Sparse autoencoder", "A network that splits activity into features.", ("SAE",)),
    Term("Moratorium", "A pause on development."),
    Term("Rocq", "A proof assistant."),
)


def brief(brief_id: str, title: str, day: int, summary: str = "", **fields: object) -> Brief:
    """A brief dated day `day` of November 2026 with a filler summary unless given one."""
    return Brief(
        id=brief_id,
        title=title,
        date=dt.date(2026, 11, day),
        summary=summary or f"A short paragraph about {title.lower()}.",
        **fields,  # type: ignore[arg-type]
    )


BRIEFS = (
    brief(
        "ai-distillation-national-security",
        "AI distillation: a new frontier in national security",
        24,
        "Washington argues over copying models through their answers.",
        terms=("Distillation", "Export controls"),
        tags=("national-security", "policy"),
        points=("Labs may sidestep export controls.",),
    ),
    brief(
        "emergent-misalignment-feature-geometry",
        "AI safety breakthrough: what drives emergent misalignment",
        21,
        "Fine-tuning can cause harmful behaviour; sparse autoencoders show why.",
        terms=("Sparse autoencoder",),
        tags=("interpretability", "alignment"),
    ),
    brief(
        "ai-workflow-governance-operator",
        "AI workflow governance breakthrough achieved",
        18,
        "A governance operator built with interaction trees in Rocq.",
        terms=("Rocq",),
        tags=("formal-methods",),
        points=("Over twelve thousand lines of proof across thirty-six modules.",),
    ),
    brief(
        "ai-moratoriums-social-rupture",
        "Why AI moratoriums might not work",
        13,
        "Social rupture events change society for good, so pauses may fail.",
        terms=("Moratorium",),
        tags=("policy", "essay"),
    ),
    brief(
        "chip-smuggling-report",
        "Report tracks chip smuggling routes",
        10,
        "Investigators describe how accelerators move through third countries, which "
        "critics link to distillation of frontier models.",
        tags=("hardware",),
    ),
)


@pytest.fixture(scope="module")
def library() -> Library:
    """The five briefs above with their glossary."""
    return build_library(BRIEFS, TERMS)


def ids(found) -> list[str]:
    return [hit.brief.id for hit in found.hits]


def test_typo_in_a_title_word_finds_the_brief(library):
    """A misspelt title word ("distilation") still finds the brief, first."""
    found = search_briefs(library, "distilation")
    assert ids(found)[0] == "ai-distillation-national-security"
    assert found.best is found.hits[0]
    assert found.best.matched_in == "title"


def test_two_typos_in_a_title_query(library):
    """A whole title typed with two typos finds that brief first."""
    found = search_briefs(library, "why AI moratorims might not wrok")
    assert ids(found)[0] == "ai-moratoriums-social-rupture"


def test_prefix_finds_longer_words(library):
    """The start of a word ("moratori") finds briefs using the whole word."""
    assert ids(search_briefs(library, "moratori"))[0] == "ai-moratoriums-social-rupture"


def test_title_match_ranks_above_summary_match(library):
    """A brief with the word in its title outranks one with it only in the summary."""
    found = search_briefs(library, "distillation")
    order = ids(found)
    assert order.index("ai-distillation-national-security") < order.index("chip-smuggling-report")
    summary_hit = next(h for h in found.hits if h.brief.id == "chip-smuggling-report")
    assert summary_hit.matched_in == "summary"
    assert found.hits[0].score > summary_hit.score


@pytest.mark.parametrize(
    ("query", "brief_id", "field"),
    [
        ("smuggling routes", "chip-smuggling-report", "title"),
        ("formal methods", "ai-workflow-governance-operator", "tags"),
        ("rocq", "ai-workflow-governance-operator", "terms"),
        ("thirty-six modules", "ai-workflow-governance-operator", "points"),
        ("social rupture", "ai-moratoriums-social-rupture", "id"),
        ("harmful behaviour", "emergent-misalignment-feature-geometry", "summary"),
    ],
)
def test_every_field_is_searched(library, query, brief_id, field):
    """Title, id, terms, tags, summary and points are all searched and named in matched_in."""
    found = search_briefs(library, query)
    assert found.hits, query
    assert found.hits[0].brief.id == brief_id
    assert found.hits[0].matched_in == field


def test_scores_are_ordered_and_bounded(library):
    """Hits come best first, scores stay within MIN_SCORE..100, and `limit` caps them."""
    found = search_briefs(library, "AI", limit=3)
    assert len(found.hits) == 3
    scores = [hit.score for hit in found.hits]
    assert scores == sorted(scores, reverse=True)
    assert all(MIN_SCORE <= s <= 100 for s in scores)
    assert search_briefs(library, "AI", limit=0).hits == ()


def test_ties_are_broken_by_date_then_id(library):
    """Equally good hits come newest first."""
    found = search_briefs(library, "breakthrough")
    assert ids(found)[:2] == [
        "emergent-misalignment-feature-geometry",
        "ai-workflow-governance-operator",
    ]
    assert found.hits[0].score == found.hits[1].score
    assert found.is_ambiguous


def test_a_clear_winner_is_not_ambiguous(library):
    """An exact title is answered with one brief, not a list."""
    found = search_briefs(library, "Report tracks chip smuggling routes")
    assert ids(found)[0] == "chip-smuggling-report"
    assert found.hits[0].score >= 95
    assert not found.is_ambiguous


def test_no_match_gives_suggestions(library):
    """Nothing close: no hits, and the nearest tags or terms as suggestions."""
    found = search_briefs(library, "polcy zzzqqq")
    assert found.hits == ()
    assert found.best is None
    assert not found.is_ambiguous
    assert "policy" in found.suggestions


@pytest.mark.parametrize(
    "query",
    ["", "   ", "\n\t", "!!!", "the of and", "🤖🤖", "ß" * 500, "a" * 100_000, "x y z " * 5000],
)
def test_odd_queries_do_not_crash(library, query):
    """Empty, punctuation-only, stopword-only, emoji and huge queries answer without error."""
    found = search_briefs(library, query)
    assert len(found.query) <= MAX_QUERY_CHARS
    assert all(0 <= hit.score <= 100 for hit in found.hits)


def test_accents_and_case_are_ignored(library):
    """ "ÉMERGENT Misalignment" finds the brief about emergent misalignment."""
    found = search_briefs(library, "ÉMERGENT Misalignment")
    assert ids(found)[0] == "emergent-misalignment-feature-geometry"


def test_latest_briefs_newest_first(library):
    """latest_briefs gives the n newest briefs, newest first."""
    assert [b.id for b in latest_briefs(library, 2)] == [
        "ai-distillation-national-security",
        "emergent-misalignment-feature-geometry",
    ]
    assert len(latest_briefs(library, 50)) == len(BRIEFS)
    assert latest_briefs(library, -1) == ()


def test_brief_by_id_is_exact_and_case_insensitive(library):
    """An id finds its brief whatever its case; a partial id finds nothing."""
    assert brief_by_id(library, " Rocq ") is None
    assert brief_by_id(library, "CHIP-Smuggling-Report ").id == "chip-smuggling-report"
    assert brief_by_id(library, "chip-smuggling") is None


def _copies(briefs: tuple[Brief, ...]) -> tuple[Brief, ...]:
    """Equal briefs that are new objects, so nothing of an earlier index is reused."""
    return tuple(dataclasses.replace(b) for b in briefs)


QUERIES = [
    "distilation",
    "AI safety",
    "breakthrough",
    "policy",
    "chip smuggling",
    "rocq proofs",
    "moratorium essay",
    "sparse autoencoders",
    "national security export controls",
]


def _answers(library: Library) -> list[list[tuple[str, int, str]]]:
    return [
        [(h.brief.id, h.score, h.matched_in) for h in search_briefs(library, q).hits]
        for q in QUERIES
    ]


def test_reloading_after_an_edit_gives_the_same_answers_as_a_fresh_load():
    """An index updated in place for one edited brief answers exactly like a full rebuild."""
    many = tuple(
        brief(f"filler-{n:03d}", f"Filler brief number {n} about policy", 1 + n % 9)
        for n in range(120)
    )
    before = build_library(_copies(BRIEFS) + many, TERMS)
    edited = dataclasses.replace(
        before.by_id["chip-smuggling-report"], title="Report maps chip smuggling and distillation"
    )
    kept = tuple(b for b in before.briefs if b.id != "chip-smuggling-report")
    added = brief("new-rocq-brief", "New Rocq proofs of safety", 25, tags=("policy",))
    after = build_library((*kept, edited, added), TERMS, before)
    assert len(after.corpus.segments) == 2  # reused, not rebuilt

    fresh = build_library(_copies((*kept, edited, added)), TERMS)
    assert len(fresh.corpus.segments) == 1
    assert _answers(after) == _answers(fresh)
    assert "new-rocq-brief" in ids(search_briefs(after, "rocq proofs"))
    old_title = search_briefs(after, "report tracks chip smuggling routes")
    assert all(h.brief.title != "Report tracks chip smuggling routes" for h in old_title.hits)
    # The snapshot built before the edit still answers with the content it was built from.
    assert ids(search_briefs(before, "tracks smuggling routes"))[0] == "chip-smuggling-report"
    assert "new-rocq-brief" not in ids(search_briefs(before, "rocq proofs"))


def test_deleted_brief_is_no_longer_found():
    """After a brief is removed, search never returns it, even though its index is reused."""
    first = build_library(_copies(BRIEFS), TERMS)
    filler = tuple(brief(f"other-{n:03d}", f"Other brief {n}", 1 + n % 9) for n in range(60))
    first = build_library(first.briefs + filler, TERMS, first)
    remaining = tuple(b for b in first.briefs if b.id != "ai-moratoriums-social-rupture")
    second = build_library(remaining, TERMS, first)
    assert second.corpus.dead >= 1
    assert "ai-moratoriums-social-rupture" not in ids(search_briefs(second, "moratoriums"))


def test_many_successive_edits_keep_answers_equal_to_a_fresh_load():
    """Twelve reloads of one edit each (folding small index segments) answer like fresh loads."""
    filler = tuple(
        brief(f"filler-{n:03d}", f"Filler {n} on rocq and policy", 1 + n % 9) for n in range(150)
    )
    library = build_library(_copies(BRIEFS) + filler, TERMS)
    steps = []
    for step in range(12):
        target = library.by_id[f"filler-{step * 7:03d}"]
        edited = dataclasses.replace(target, title=f"Edited distillation step {step}")
        kept = tuple(b for b in library.briefs if b.id != target.id)
        library = build_library((*kept, edited), TERMS, library)
        assert len(library.corpus.segments) <= 8
        steps.append((target.id, library))
    # Every step reused the index: 12 replaced briefs, plus those moved when folding.
    assert library.corpus.dead >= 12
    for step, (target_id, snapshot) in enumerate(steps):
        fresh = build_library(_copies(snapshot.briefs), TERMS)
        assert _answers(snapshot) == _answers(fresh), step
        assert ids(search_briefs(snapshot, f"edited distillation step {step}"))[0] == target_id
