"""Block Kit as readable terminal text, with every button numbered so it can be pressed.

The console shows what Slack would show: mrkdwn markup is turned back into plain
words, links become "label (url)", and escapes like `&lt;` read as `<` again.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from typing import Any

WIDTH = 88

_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]*)>")
_USER = re.compile(r"<@([A-Z0-9]+)>")
_CHANNEL = re.compile(r"<#([A-Z0-9]+)(?:\|([^>]*))?>")
_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w])_([^_\n]+)_(?![\w])")


@dataclass(frozen=True)
class Button:
    """A button as shown in the console, with what pressing it must send."""

    label: str
    action_id: str
    value: str
    url: str
    block_id: str


def unmrkdwn(text: str) -> str:
    """mrkdwn as a terminal shows it: markers dropped, links and mentions spelled out."""
    text = _LINK.sub(lambda m: f"{m[2]} ({m[1]})", text)
    text = _USER.sub(lambda m: f"@{m[1]}", text)
    text = _CHANNEL.sub(lambda m: f"#{m[2] or m[1]}", text)
    text = _BOLD.sub(r"\1", text)
    text = _ITALIC.sub(r"\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _wrap(text: str, indent: str) -> list[str]:
    lines: list[str] = []
    for raw in text.split("\n"):
        lines.extend(textwrap.wrap(raw, WIDTH - len(indent), subsequent_indent="  ") or [""])
    return [indent + line for line in lines]


def render_blocks(
    blocks: list[dict[str, Any]], text: str, buttons: list[Button], indent: str = ""
) -> list[str]:
    """Lines for one message; buttons found are appended to `buttons` and numbered."""
    if not blocks:
        return _wrap(unmrkdwn(text), indent)
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            title = block["text"]["text"]
            lines += [indent + title.upper(), indent + "─" * min(len(title), WIDTH)]
        elif kind == "section":
            lines += _wrap(unmrkdwn(block.get("text", {}).get("text", "")), indent)
            if "accessory" in block:
                lines.append(indent + "  " + _buttons([block["accessory"]], buttons, block))
        elif kind == "context":
            words = " ".join(unmrkdwn(e.get("text", "")) for e in block.get("elements", []))
            lines += _wrap(words, indent + "  ")
        elif kind == "divider":
            lines.append(indent + "·" * 40)
        elif kind == "actions":
            lines.append(indent + _buttons(block.get("elements", []), buttons, block))
    return lines


def _buttons(elements: list[dict[str, Any]], buttons: list[Button], block: dict) -> str:
    shown = []
    for element in elements:
        if element.get("type") != "button":
            continue
        buttons.append(
            Button(
                label=element["text"]["text"],
                action_id=element.get("action_id", ""),
                value=element.get("value", ""),
                url=element.get("url", ""),
                block_id=block.get("block_id", ""),
            )
        )
        shown.append(f"[{len(buttons)}] {element['text']['text']}")
    return "  ".join(shown)
