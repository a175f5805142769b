"""Related briefs: hand-picked first, then shared terms, tags and words; never the brief itself."""

from __future__ import annotations

import dataclasses
import datetime as dt

from bot.content.library import build_library
from bot.model import Brief, Term
from bot.related import related_briefs

TERMS = (
    Term("Distillation", "Copying a model through its answers.", ("model distillation",)),
    Term("Export controls", "Rules on what may be sold abroad."),
    Term("AI safety", "Making AI systems safe."),
    Term("Rocq", "A proof assistant."),
)


def brief(brief_id: str, day: int, summary: str = "", **fields: object) -> Brief:
    """A brief whose title and summary share no word with another brief's unless given."""
    return Brief(
        id=brief_id,
        title=fields.pop("title", brief_id.replace("-", " ")),  # type: ignore[arg-type]
        date=dt.date(2026, 11, day),
        summary=summary or f"About {brief_id}.",
        **fields,  # type: ignore[arg-type]
    )


def ids(briefs) -> list[str]:
    return [b.id for b in briefs]


def test_hand_picked_come_first_in_their_order():
    """`related` ids lead the list in the order written, before any similar brief."""
    library = build_library(
        (
            brief("main", 10, terms=("Distillation",), related=("far-b", "far-a")),
            brief("twin", 11, terms=("Distillation",)),
            brief("far-a", 1),
            brief("far-b", 2),
        ),
        TERMS,
    )
    assert ids(related_briefs(library, "main")) == ["far-b", "far-a", "twin"]


def test_never_the_brief_itself():
    """A brief is never related to itself, even when it lists itself or shares everything."""
    library = build_library(
        (
            brief("self", 10, terms=("Distillation",), tags=("policy",), related=("self",)),
            brief("other", 9, terms=("Distillation",), tags=("policy",)),
        ),
        TERMS,
    )
    assert ids(related_briefs(library, "self")) == ["other"]


def test_shared_rare_term_beats_shared_common_tag():
    """Sharing a term few briefs use counts for more than a tag most briefs carry."""
    common = tuple(brief(f"common-{n}", 1 + n, tags=("policy",)) for n in range(8))
    library = build_library(
        (
            brief("main", 20, terms=("Rocq",), tags=("policy",)),
            brief("same-term", 2, terms=("Rocq",)),
            *common,
        ),
        TERMS,
    )
    found = ids(related_briefs(library, "main", limit=3))
    assert found[0] == "same-term"
    assert set(found[1:]) <= {b.id for b in common}


def test_terms_match_through_aliases():
    """A brief listing a term by its alias counts as sharing that term."""
    library = build_library(
        (
            brief("main", 10, terms=("Distillation",)),
            brief("by-alias", 3, terms=("model distillation",)),
            brief("nothing-shared", 12),
        ),
        TERMS,
    )
    assert ids(related_briefs(library, "main")) == ["by-alias"]


def test_text_similarity_finds_briefs_without_shared_terms():
    """Briefs that share rare words of the title and summary are related."""
    library = build_library(
        (
            brief("main", 10, "Smugglers move accelerators through transit hubs.", title="Chips"),
            brief("echo", 3, "Accelerators reach buyers via transit hubs and smugglers."),
            brief("other", 12, "A treaty on ocean fishing quotas."),
        ),
        TERMS,
    )
    assert ids(related_briefs(library, "main")) == ["echo"]


def test_ties_newest_first_then_id():
    """Equally related briefs come newest first, then by id."""
    library = build_library(
        (
            brief("main", 10, tags=("hardware",)),
            brief("b-old", 1, tags=("hardware",)),
            brief("a-new", 5, tags=("hardware",)),
            brief("c-new", 5, tags=("hardware",)),
        ),
        TERMS,
    )
    assert ids(related_briefs(library, "main")) == ["a-new", "c-new", "b-old"]


def test_limit_and_unknown_ids():
    """`limit` caps the list; an unknown id or a limit of 0 gives nothing."""
    many = tuple(brief(f"peer-{n}", 1 + n, tags=("policy",)) for n in range(9))
    library = build_library((brief("main", 20, tags=("policy",)), *many), TERMS)
    assert len(related_briefs(library, "main", limit=3)) == 3
    assert len(related_briefs(library, "main", limit=50)) == 9
    assert related_briefs(library, "main", limit=0) == ()
    assert related_briefs(library, "no-such-brief") == ()
    assert related_briefs(library, "") == ()


def test_id_lookup_ignores_case():
    """`related_briefs` accepts the id in any case."""
    library = build_library((brief("main", 2, tags=("x",)), brief("peer", 1, tags=("x",))), TERMS)
    assert ids(related_briefs(library, " MAIN ")) == ["peer"]


def test_reused_index_gives_the_same_related_briefs_as_a_fresh_one():
    """After an edit that reuses the index, related briefs equal those of a full rebuild."""
    topics = ("policy", "hardware", "safety", "law")
    base = tuple(
        brief(
            f"brief-{n:03d}",
            1 + n % 28,
            f"Text about {topics[n % 4]} number {n % 7} with words like w{n % 11}.",
            tags=(topics[n % 4],),
            terms=(("Distillation",), ("Rocq",), ("AI safety",), ())[n % 4],
        )
        for n in range(80)
    )
    before = build_library(base, TERMS)
    edited = dataclasses.replace(before.by_id["brief-007"], tags=("policy", "hardware"))
    changed = tuple(edited if b.id == "brief-007" else b for b in before.briefs)
    after = build_library(changed, TERMS, before)
    assert len(after.corpus.segments) == 2
    fresh = build_library(tuple(dataclasses.replace(b) for b in changed), TERMS)
    assert len(fresh.corpus.segments) == 1
    for b in changed:
        assert ids(related_briefs(after, b.id, 8)) == ids(related_briefs(fresh, b.id, 8)), b.id
