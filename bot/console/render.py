"""Block Kit as readable terminal text, with every button numbered so it can be pressed.

The console shows what Slack would show: mrkdwn markup is turned back into plain
words, people and channels read as `@alice` and `#general`, emoji codes as emoji,
code blocks as indented text, links become "label (url)", and escapes like `&lt;`
read as `<` again.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

WIDTH = 88
CODE_INDENT = "    "

_CODE_BLOCK = re.compile(r"```(.*?)```", re.DOTALL)
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)\|([^>]*)>")
_BARE_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)>")
_USER = re.compile(r"<@([A-Z0-9]+)(?:\|([^>]*))?>")
_CHANNEL = re.compile(r"<#([A-Z0-9]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!(here|channel|everyone)(?:\|[^>]*)?>")
_LABELLED_SPECIAL = re.compile(r"<![^|>]*\|([^>]*)>")
_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w])_([^_\n]+)_(?![\w])")
_EMOJI = re.compile(r":([a-z0-9_+-]+):")

# The codes briefbot's own messages use, and the ones people put in text most often.
# Slack shows a code it does not know as the code itself, and so does the console.
EMOJI: dict[str, str] = {
    "arrows_counterclockwise": "🔄",
    "newspaper": "📰",
    "new": "🆕",
    "warning": "⚠️",
    "white_check_mark": "✅",
    "heavy_check_mark": "✔️",
    "x": "❌",
    "no_entry": "⛔",
    "no_entry_sign": "🚫",
    "information_source": "ℹ️",
    "question": "❓",
    "exclamation": "❗",
    "bulb": "💡",
    "memo": "📝",
    "books": "📚",
    "book": "📖",
    "calendar": "📅",
    "date": "📅",
    "alarm_clock": "⏰",
    "hourglass": "⌛",
    "hourglass_flowing_sand": "⏳",
    "bell": "🔔",
    "mag": "🔍",
    "link": "🔗",
    "pushpin": "📌",
    "star": "⭐",
    "sparkles": "✨",
    "fire": "🔥",
    "rocket": "🚀",
    "tada": "🎉",
    "eyes": "👀",
    "wave": "👋",
    "point_right": "👉",
    "+1": "👍",
    "thumbsup": "👍",
    "-1": "👎",
    "thumbsdown": "👎",
    "pray": "🙏",
    "smile": "😄",
    "slightly_smiling_face": "🙂",
    "thinking_face": "🤔",
    "robot_face": "🤖",
    "lock": "🔒",
    "globe_with_meridians": "🌐",
    "chart_with_upwards_trend": "📈",
    "construction": "🚧",
    "scales": "⚖️",
    "brain": "🧠",
}


@dataclass(frozen=True)
class Names:
    """What ids read as on screen: people and channels by name (unknown ids stay ids)."""

    users: Mapping[str, str] = field(default_factory=dict)
    channels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Button:
    """A button as shown in the console, with what pressing it must send."""

    label: str
    action_id: str
    value: str
    url: str
    block_id: str


def emojize(text: str) -> str:
    """`:warning:` as ⚠️, for the codes in `EMOJI`; others stay as typed."""
    return _EMOJI.sub(lambda m: EMOJI.get(m[1], m[0]), text)


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def unmrkdwn(text: str, names: Names | None = None) -> str:
    """mrkdwn as a terminal shows it: markers dropped, links and mentions spelled out."""
    names = names or Names()
    text = _LINK.sub(lambda m: f"{m[2]} ({m[1]})", text)
    text = _BARE_LINK.sub(lambda m: m[1], text)
    text = _USER.sub(lambda m: f"@{names.users.get(m[1]) or m[2] or m[1]}", text)
    text = _CHANNEL.sub(lambda m: f"#{names.channels.get(m[1]) or m[2] or m[1]}", text)
    text = _SPECIAL.sub(lambda m: f"@{m[1]}", text)
    text = _LABELLED_SPECIAL.sub(lambda m: m[1], text)
    text = _BOLD.sub(r"\1", text)
    text = _ITALIC.sub(r"\1", text)
    return unescape(emojize(text))


def _wrap(text: str, indent: str) -> list[str]:
    lines: list[str] = []
    for raw in text.split("\n"):
        lines.extend(textwrap.wrap(raw, WIDTH - len(indent), subsequent_indent="  ") or [""])
    return [indent + line for line in lines]


def text_lines(text: str, indent: str = "", names: Names | None = None) -> list[str]:
    """mrkdwn text as wrapped lines; code blocks indented, unwrapped and left as written."""
    parts = _CODE_BLOCK.split(text)
    if len(parts) == 1:
        return _wrap(unmrkdwn(text, names), indent)
    lines: list[str] = []
    for index, part in enumerate(parts):
        if index % 2:
            code = unescape(part).strip("\n")
            lines += [indent + CODE_INDENT + line for line in code.split("\n")]
        elif part.strip("\n"):
            lines += _wrap(unmrkdwn(part.strip("\n"), names), indent)
    return lines


def render_blocks(
    blocks: list[dict[str, Any]],
    text: str,
    buttons: list[Button],
    indent: str = "",
    names: Names | None = None,
) -> list[str]:
    """Lines for one message; buttons found are appended to `buttons` and numbered."""
    if not blocks:
        return text_lines(text, indent, names)
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            title = emojize(block["text"]["text"])
            lines += [indent + title.upper(), indent + "─" * min(len(title), WIDTH)]
        elif kind == "section":
            lines += text_lines(block.get("text", {}).get("text", ""), indent, names)
            if "accessory" in block:
                lines.append(indent + "  " + _buttons([block["accessory"]], buttons, block))
        elif kind == "context":
            words = " ".join(unmrkdwn(e.get("text", ""), names) for e in block.get("elements", []))
            lines += _wrap(words, indent + "  ")
        elif kind == "divider":
            lines.append(indent + "·" * 40)
        elif kind == "actions":
            lines.append(indent + _buttons(block.get("elements", []), buttons, block))
    return lines


def _buttons(elements: list[dict[str, Any]], buttons: list[Button], block: dict[str, Any]) -> str:
    shown = []
    for element in elements:
        if element.get("type") != "button":
            continue
        label = emojize(element["text"]["text"])
        buttons.append(
            Button(
                label=element["text"]["text"],
                action_id=element.get("action_id", ""),
                value=element.get("value", ""),
                url=element.get("url", ""),
                block_id=block.get("block_id", ""),
            )
        )
        shown.append(f"[{len(buttons)}] {label}")
    return "  ".join(shown)
