"""Block Kit limits, checked the way Slack checks them before it accepts a message or view.

Slack answers `invalid_blocks` with one line per problem, each ending in a JSON pointer to
the offending field. The local Slack does the same, so a message that would be rejected
in a real workspace is rejected here too. Only the rules Slack documents for the blocks
and elements briefbot uses are checked; unknown block types pass untouched. The limits
are the ones the bot's builders fit into (`bot/slack/limits.py`).
"""

from __future__ import annotations

from typing import Any

from bot.slack.limits import (
    ACTION_ID_MAX,
    ACTIONS_ELEMENTS_MAX,
    ALT_TEXT_MAX,
    BLOCK_ID_MAX,
    BUTTON_TEXT_MAX,
    BUTTON_VALUE_MAX,
    CONTEXT_ELEMENTS_MAX,
    HEADER_TEXT_MAX,
    MESSAGE_BLOCKS_MAX,
    OPTION_TEXT_MAX,
    OPTIONS_MAX,
    SECTION_FIELD_TEXT_MAX,
    SECTION_FIELDS_MAX,
    SECTION_TEXT_MAX,
    URL_MAX,
)

_TEXT_TYPES = {"plain_text", "mrkdwn"}


def check_blocks(blocks: Any, *, limit: int = MESSAGE_BLOCKS_MAX) -> list[str]:
    """Return Slack-style problems with `blocks` ("" list when Slack would accept them)."""
    if blocks is None:
        return []
    if not isinstance(blocks, list):
        return ["must be an array [json-pointer:/blocks]"]
    problems: list[str] = []
    if len(blocks) > limit:
        problems.append(f"must provide no more than {limit} items [json-pointer:/blocks]")
    seen_ids: set[str] = set()
    for index, block in enumerate(blocks):
        where = f"/blocks/{index}"
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            problems.append(f"missing required field: type [json-pointer:{where}]")
            continue
        block_id = block.get("block_id")
        if block_id is not None:
            _check_string(problems, block_id, f"{where}/block_id", BLOCK_ID_MAX)
            if block_id in seen_ids:
                problems.append(f"duplicate block_id [json-pointer:{where}/block_id]")
            seen_ids.add(block_id)
        checker = _BLOCK_CHECKS.get(block["type"])
        if checker is not None:
            checker(problems, block, where)
    return problems


def _check_string(problems: list[str], value: Any, where: str, limit: int) -> None:
    if not isinstance(value, str):
        problems.append(f"must be a string [json-pointer:{where}]")
    elif len(value) > limit:
        problems.append(f"must be less than {limit + 1} characters [json-pointer:{where}]")


def _check_text(
    problems: list[str],
    text: Any,
    where: str,
    limit: int,
    *,
    plain_only: bool = False,
) -> None:
    if not isinstance(text, dict):
        problems.append(f"must be a text object [json-pointer:{where}]")
        return
    kind = text.get("type")
    if kind not in _TEXT_TYPES or (plain_only and kind != "plain_text"):
        wanted = "plain_text" if plain_only else "plain_text or mrkdwn"
        problems.append(f"must be {wanted} [json-pointer:{where}/type]")
    value = text.get("text")
    if not isinstance(value, str):
        problems.append(f"missing required field: text [json-pointer:{where}/text]")
    elif not value:
        problems.append(f"must be more than 0 characters [json-pointer:{where}/text]")
    elif len(value) > limit:
        problems.append(f"must be less than {limit + 1} characters [json-pointer:{where}/text]")


def _check_header(problems: list[str], block: dict[str, Any], where: str) -> None:
    _check_text(problems, block.get("text"), f"{where}/text", HEADER_TEXT_MAX, plain_only=True)


def _check_section(problems: list[str], block: dict[str, Any], where: str) -> None:
    text, fields = block.get("text"), block.get("fields")
    if text is None and not fields:
        problems.append(f"must provide either text or fields [json-pointer:{where}]")
    if text is not None:
        _check_text(problems, text, f"{where}/text", SECTION_TEXT_MAX)
    if fields is not None:
        if not isinstance(fields, list) or len(fields) > SECTION_FIELDS_MAX:
            limit = SECTION_FIELDS_MAX
            problems.append(
                f"must provide no more than {limit} items [json-pointer:{where}/fields]"
            )
        else:
            for i, item in enumerate(fields):
                _check_text(problems, item, f"{where}/fields/{i}", SECTION_FIELD_TEXT_MAX)
    accessory = block.get("accessory")
    if accessory is not None:
        _check_element(problems, accessory, f"{where}/accessory")


def _elements(
    problems: list[str], block: dict[str, Any], where: str, most: int
) -> list[Any] | None:
    """The block's `elements`, checked for count; None when there are none to check."""
    elements = block.get("elements")
    if not isinstance(elements, list) or not elements:
        problems.append(f"must provide at least 1 item [json-pointer:{where}/elements]")
        return None
    if len(elements) > most:
        problems.append(f"must provide no more than {most} items [json-pointer:{where}/elements]")
    return elements


def _check_context(problems: list[str], block: dict[str, Any], where: str) -> None:
    elements = _elements(problems, block, where, CONTEXT_ELEMENTS_MAX)
    if elements is None:
        return
    for i, element in enumerate(elements):
        path = f"{where}/elements/{i}"
        if isinstance(element, dict) and element.get("type") == "image":
            _check_image(problems, element, path)
        else:
            _check_text(problems, element, path, SECTION_TEXT_MAX)


def _check_actions(problems: list[str], block: dict[str, Any], where: str) -> None:
    elements = _elements(problems, block, where, ACTIONS_ELEMENTS_MAX)
    if elements is None:
        return
    action_ids: set[str] = set()
    for i, element in enumerate(elements):
        path = f"{where}/elements/{i}"
        _check_element(problems, element, path)
        action_id = element.get("action_id") if isinstance(element, dict) else None
        if action_id is not None:
            if action_id in action_ids:
                problems.append(f"duplicate action_id [json-pointer:{path}/action_id]")
            action_ids.add(action_id)


def _check_image(problems: list[str], element: dict[str, Any], where: str) -> None:
    if "image_url" not in element and "slack_file" not in element:
        problems.append(f"missing required field: image_url [json-pointer:{where}]")
    elif "image_url" in element:
        _check_string(problems, element["image_url"], f"{where}/image_url", URL_MAX)
    _check_string(problems, element.get("alt_text"), f"{where}/alt_text", ALT_TEXT_MAX)


def _check_element(problems: list[str], element: Any, where: str) -> None:
    if not isinstance(element, dict) or not isinstance(element.get("type"), str):
        problems.append(f"missing required field: type [json-pointer:{where}]")
        return
    if "action_id" in element:
        _check_string(problems, element["action_id"], f"{where}/action_id", ACTION_ID_MAX)
    kind = element["type"]
    if kind == "button":
        _check_text(
            problems, element.get("text"), f"{where}/text", BUTTON_TEXT_MAX, plain_only=True
        )
        if "value" in element:
            _check_string(problems, element["value"], f"{where}/value", BUTTON_VALUE_MAX)
        if "url" in element:
            _check_string(problems, element["url"], f"{where}/url", URL_MAX)
        if element.get("style") not in (None, "primary", "danger"):
            problems.append(f"must be primary or danger [json-pointer:{where}/style]")
    elif kind == "image":
        _check_image(problems, element, where)
    elif kind in ("static_select", "overflow", "radio_buttons", "checkboxes"):
        options = element.get("options")
        if options is None and kind == "static_select" and "option_groups" in element:
            return
        if not isinstance(options, list) or not options:
            problems.append(f"must provide at least 1 item [json-pointer:{where}/options]")
            return
        if len(options) > OPTIONS_MAX:
            problems.append(
                f"must provide no more than {OPTIONS_MAX} items [json-pointer:{where}/options]"
            )
        for i, option in enumerate(options):
            text = option.get("text") if isinstance(option, dict) else None
            _check_text(problems, text, f"{where}/options/{i}/text", OPTION_TEXT_MAX)


def _check_image_block(problems: list[str], block: dict[str, Any], where: str) -> None:
    _check_image(problems, block, where)


_BLOCK_CHECKS = {
    "header": _check_header,
    "section": _check_section,
    "context": _check_context,
    "actions": _check_actions,
    "image": _check_image_block,
}
