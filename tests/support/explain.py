"""What Explain terms must find in a message, against the shipped glossary: one table that
the HTTP (`briefbot serve`) and Socket Mode (`briefbot run`) tests both run, so every case
crosses both transports as Slack sends it."""

from __future__ import annotations

from typing import Any

from tests.fakeslack import payloads

# (what it pins, the message as Slack stores it, the terms the answer lists, in order)
SCENARIOS: list[tuple[str, str, list[str]]] = [
    (
        "terms, an alias, typed & escaped",
        payloads.as_slack_sends("An SAE & a large language model"),
        ["Sparse autoencoder", "Large language model"],
    ),
    (
        "the longest of overlapping names",
        "a feature (interpretability) view",
        ["Feature (interpretability)"],
    ),
    (
        "code, URLs and mentions skipped, a link's label read",
        "Run `distillation` see <https://example.org/alignment|the LLM paper> <@U0BOB> <!here>",
        ["Large language model"],
    ),
    ("nothing found", "Lunch at noon?", []),
    (
        "a shared alias: every meaning",
        "GPAI rules",
        ["General-purpose AI", "Global Partnership on AI"],
    ),
]


def found_terms(answer: dict[str, Any]) -> list[str]:
    """The terms an Explain terms answer lists: its Full definition buttons' values."""
    return [
        block["accessory"]["value"]
        for block in answer["blocks"]
        if block["type"] == "section" and "accessory" in block
    ]
