"""What Explain terms must find in a message, against the shipped glossary: one table that
the HTTP (`briefbot serve`) and Socket Mode (`briefbot run`) tests both run, so every case
crosses both transports as Slack sends it."""

from __future__ import annotations

from typing import Any

from tests.fakeslack import payloads

Said = dict[str, Any]
"""A message as the local Slack's `post_as(user, channel, **said)` stores it: its `text`,
and its `blocks` and legacy `attachments` if it has them."""

TYPED = "An SAE & a large language model"

# (what it pins, the message as Slack stores it, the terms the answer lists, in order)
SCENARIOS: list[tuple[str, Said, list[str]]] = [
    (
        "terms, an alias, typed & escaped",
        {"text": payloads.as_slack_sends(TYPED)},
        ["Sparse autoencoder", "Large language model"],
    ),
    (
        "the longest of overlapping names",
        {"text": "a feature (interpretability) view"},
        ["Feature (interpretability)"],
    ),
    (
        "code, URLs and mentions skipped, a link's label read",
        {
            "text": "Run `distillation` see <https://example.org/alignment|the LLM paper> "
            "<@U0BOB> <!here>"
        },
        ["Large language model"],
    ),
    ("nothing found", {"text": "Lunch at noon?"}, []),
    (
        "a shared alias: every meaning",
        {"text": "GPAI rules"},
        ["General-purpose AI", "Global Partnership on AI"],
    ),
    (
        "a person's message: text and the same as rich text, each term once",
        {"text": payloads.as_slack_sends(TYPED), "blocks": [payloads.rich_text(TYPED)]},
        ["Sparse autoencoder", "Large language model"],
    ),
    (
        "bare URLs, links and addresses as labels skipped, however written",
        {
            "text": "https://example.com/sae-paper, <https://example.org/distillation> "
            "www.example.org/compute <http://www.fine-tuning.org|www.fine-tuning.org> "
            "<https://example.org/x|the LLM paper> http://example.org/alignment"
        },
        ["Large language model"],
    ),
    (
        "legacy attachments: pretext, author, title, text, fields, footer; not fallback",
        {
            "text": "Interpretability news",
            "attachments": [
                {
                    "fallback": "Alignment digest",
                    "pretext": "New on distillation",
                    "author_name": "Compute desk",
                    "title": "Export controls update",
                    "title_link": "https://example.org/superposition",
                    "text": "What an LLM can do &amp; cannot https://example.org/rocq",
                    "fields": [
                        {"title": "Model weights", "value": "Sparse autoencoder", "short": True}
                    ],
                    "footer": "National security",
                }
            ],
        },
        [
            "Interpretability",
            "Distillation",
            "Compute",
            "Export controls",
            "Large language model",
            "Model weights",
            "Sparse autoencoder",
            "National security",
        ],
    ),
    (
        "an app's post: empty text, only attachments",
        {"text": "", "attachments": [{"fallback": "x", "text": "Fine-tuning, again"}]},
        ["Fine-tuning"],
    ),
    (
        "rich text only (empty text): code, links' addresses, mentions skipped",
        {
            "text": "",
            "blocks": [
                {
                    "type": "rich_text",
                    "block_id": "b1",
                    "elements": [
                        {
                            "type": "rich_text_section",
                            "elements": [
                                {"type": "text", "text": "Our "},
                                {"type": "text", "text": "SAE", "style": {"bold": True}},
                                {"type": "text", "text": " and "},
                                {"type": "text", "text": "distillation", "style": {"code": True}},
                                {"type": "user", "user_id": "U0BOB"},
                                {"type": "link", "url": "https://example.org/compute"},
                                {
                                    "type": "link",
                                    "url": "https://example.org/rocq",
                                    "text": "the alignment paper",
                                },
                            ],
                        },
                        {
                            "type": "rich_text_preformatted",
                            "elements": [{"type": "text", "text": "model weights"}],
                        },
                        {
                            "type": "rich_text_list",
                            "style": "bullet",
                            "elements": [
                                {
                                    "type": "rich_text_section",
                                    "elements": [{"type": "text", "text": "export controls"}],
                                }
                            ],
                        },
                    ],
                }
            ],
        },
        ["Sparse autoencoder", "Alignment", "Export controls"],
    ),
]


def found_terms(answer: dict[str, Any]) -> list[str]:
    """The terms an Explain terms answer lists: its Full definition buttons' values."""
    return [
        block["accessory"]["value"]
        for block in answer["blocks"]
        if block["type"] == "section" and "accessory" in block
    ]
