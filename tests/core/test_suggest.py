"""The one "did you mean" policy (bot/suggest.py) every suggestion goes through."""

from __future__ import annotations

import pytest

from bot.suggest import did_you_mean

NAMES = [
    "Existential risk",
    "Return on investment",
    "Distillation",
    "Export controls",
    "Sparse autoencoder",
    "ROI",
]
IDS = ["ai-distillation-national-security", "frontier-ai-risk-management-gaps"]


@pytest.mark.parametrize(
    ("query", "meant", "names"),
    [
        ("distilation", "Distillation", NAMES),  # one letter dropped
        ("sparse autoencoders", "Sparse autoencoder", NAMES),  # a plural
        ("export", "Export controls", NAMES),  # a word left out
        ("Expotr-Controls", "Export controls", NAMES),  # two letters swapped, any case
        ("ai-distilation", "ai-distillation-national-security", IDS),  # the start of an id
        ("frontier-risk-management-gaps", "frontier-ai-risk-management-gaps", IDS),
    ],
)
def test_near_misses_are_offered_first(query, meant, names):
    """A typo, a plural, a missing word or the start of an id offers the name meant, first."""
    assert did_you_mean(query, names)[0] == meant


@pytest.mark.parametrize("query", ["nonexistentword", "some-brief-id", "banana", "pizza recipe"])
def test_unrelated_words_are_offered_nothing(query):
    """Words unlike every name get no suggestion at all, not the three least unlike."""
    assert did_you_mean(query, [*NAMES, *IDS]) == []


def test_the_name_typed_is_not_offered_back_and_the_limit_holds():
    """An exact name (ignoring case) is not a miss; at most `limit` names come back."""
    assert did_you_mean("distillation", NAMES) == []
    assert len(did_you_mean("risk", [f"risk {n}" for n in "abcdefgh"], limit=2)) == 2
