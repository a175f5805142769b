"""Block Kit limits: the one set that the bot's builders fit into and the local Slack checks.

Taken from slack_sdk's block models where it carries them; the few it does not carry
are Slack's documented limits, written here once
(https://api.slack.com/reference/block-kit/blocks, https://api.slack.com/methods/chat.postMessage).
"""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    ImageElement,
    InteractiveElement,
    Option,
    SectionBlock,
    StaticSelectElement,
)

BLOCK_ID_MAX: int = Block.block_id_max_length
ACTION_ID_MAX: int = InteractiveElement.action_id_max_length
HEADER_TEXT_MAX: int = HeaderBlock.text_max_length
SECTION_TEXT_MAX: int = SectionBlock.text_max_length
SECTION_FIELDS_MAX: int = SectionBlock.fields_max_length
CONTEXT_ELEMENTS_MAX: int = ContextBlock.elements_max_length
ACTIONS_ELEMENTS_MAX: int = ActionsBlock.elements_max_length
BUTTON_TEXT_MAX: int = ButtonElement.text_max_length
BUTTON_VALUE_MAX: int = ButtonElement.value_max_length
URL_MAX: int = ButtonElement.url_max_length
ALT_TEXT_MAX: int = ImageElement.alt_text_max_length
OPTION_TEXT_MAX: int = Option.label_max_length
OPTIONS_MAX: int = StaticSelectElement.options_max_length

# Slack's limits that slack_sdk's models do not carry.
MESSAGE_BLOCKS_MAX = 50
"""Blocks in one message."""
VIEW_BLOCKS_MAX = 100
"""Blocks in one view (App Home, modal)."""
SECTION_FIELD_TEXT_MAX = 2000
"""Characters in each of a section's `fields`."""
MESSAGE_TEXT_MAX = 40000
"""Characters in a message's top-level `text`; Slack truncates longer text."""
