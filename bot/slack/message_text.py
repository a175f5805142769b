"""The prose of a Slack message: what "Explain terms" looks for glossary terms in.

What Slack shows is read: the message's `text`; the text of its blocks (briefbot's own
briefs, other apps' posts, where `text` is only a fallback); when `text` is empty, its
rich text (a person's message, which otherwise only repeats `text`); and its legacy
attachments (pretext, author, title, text, fields' titles and values, footer, and their
blocks), as bots post them.

Code spans and code blocks, URLs however they are written (`<https://…>`, a bare
`https://…` or `www.…`, a link whose label is only its address), and user, channel and
special mentions are left out (a link's label is prose and stays); each leaves a break,
so no term is found across one. Slack's `&amp;`, `&lt;` and `&gt;` are already undone
when this runs (the app's middleware decodes every request as it arrives).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import islice
from typing import Any

from bot.slack.mrkdwn import unescape

_BARE_URL = r"(?:\b[A-Za-z][A-Za-z0-9+.-]*://|\bwww\.)[^\s<>]+"
_LEFT_OUT = re.compile(
    r"```.*?```"  # a code block
    r"|`[^`\n]+`"  # a code span
    r"|<[@#!][^<>]*>"  # <@U123>, <#C123|general>, <!here>, <!subteam^S1>, <!date^…|…>
    # A link Slack made: <https://…>, <mailto:…|label>. Only its label is prose.
    r"|<(?P<url>[A-Za-z][A-Za-z0-9+.-]*:[^<>|\s]*)(?:\|(?P<label>[^<>]*))?>"
    r"|" + _BARE_URL,  # a URL as bots post it, not made a link
    re.DOTALL,
)
_ONLY_URL = re.compile(rf"\s*{_BARE_URL}\s*")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:(?://)?")

MAX_TEXTS = 200
"""Texts read from one message at most (blocks' text objects, attachments' fields…):
more than any message Slack shows (50 blocks, 20 attachments)."""

ATTACHMENT_TEXTS = ("pretext", "author_name", "title", "text")
"""A legacy attachment's texts, in the order Slack shows them; its fields (title, then
value) follow, then its blocks, then `footer`. `fallback` is left out: it only shows
where the rest cannot."""


def prose(text: str) -> list[str]:
    """`text` as stretches of prose, with code, URLs and mentions left out between them."""
    stretches: list[str] = []
    current: list[str] = []
    at = 0
    for found in _LEFT_OUT.finditer(text):
        current.append(text[at : found.start()])
        at = found.end()
        label = found.group("label")
        if label and not _is_address(label, found.group("url")):
            current.append(label)  # a labelled link reads as its label, in its sentence
        else:
            stretches.append(" ".join(current))
            current = []
    current.append(text[at:])
    stretches.append(" ".join(current))
    return [stretch for stretch in stretches if stretch.strip()]


def message_prose(message: dict[str, Any]) -> list[str]:
    """The prose of a message (a `message` from a shortcut's payload), in the order Slack
    shows it: its text (else its rich text), its blocks' text, its attachments."""
    text = str(message.get("text") or "")
    stretches = prose(text)
    for piece in islice(_shown_texts(message, rich_text=not text.strip()), MAX_TEXTS):
        stretches.extend(piece)
    return stretches


def decode_message(message: dict[str, Any]) -> None:
    """Undo Slack's escaping in a message's text, in its blocks' text objects and in its
    attachments' texts, in place. Rich text carries text as it was typed, unescaped."""
    if isinstance(message.get("text"), str):
        message["text"] = unescape(message["text"])
    for text_object in _text_objects(message.get("blocks")):
        text_object["text"] = unescape(text_object["text"])
    for attachment in _list(message.get("attachments"))[:MAX_TEXTS]:
        if not isinstance(attachment, dict):
            continue
        for holder, key in _attachment_strings(attachment):
            holder[key] = unescape(holder[key])
        for text_object in _text_objects(attachment.get("blocks")):
            text_object["text"] = unescape(text_object["text"])


def _shown_texts(message: dict[str, Any], *, rich_text: bool) -> Iterator[list[str]]:
    """Each text Slack shows besides `text`, as stretches of prose."""
    yield from _blocks_prose(message.get("blocks"), rich_text=rich_text)
    for attachment in _list(message.get("attachments")):
        if isinstance(attachment, dict):
            for key in ATTACHMENT_TEXTS:
                if isinstance(attachment.get(key), str):
                    yield prose(attachment[key])
            for field in _list(attachment.get("fields")):
                if isinstance(field, dict):
                    yield [*_prose_of(field, "title"), *_prose_of(field, "value")]
            yield from _blocks_prose(attachment.get("blocks"), rich_text=True)
            yield _prose_of(attachment, "footer")


def _prose_of(holder: dict[str, Any], key: str) -> list[str]:
    value = holder.get(key)
    return prose(value) if isinstance(value, str) else []


def _attachment_strings(attachment: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """Where an attachment's shown texts are: its own keys and its fields' keys."""
    places = [(attachment, key) for key in (*ATTACHMENT_TEXTS, "footer")]
    for field in _list(attachment.get("fields"))[:MAX_TEXTS]:
        if isinstance(field, dict):
            places.extend((field, key) for key in ("title", "value"))
    return [(holder, key) for holder, key in places if isinstance(holder.get(key), str)]


def _blocks_prose(blocks: Any, *, rich_text: bool) -> Iterator[list[str]]:
    for block in _list(blocks):
        if not isinstance(block, dict):
            continue
        if block.get("type") == "rich_text":
            if rich_text:
                yield _rich_text_prose(block)
            continue
        for text_object in _text_objects([block]):
            yield prose(text_object["text"])


def _rich_text_prose(block: dict[str, Any]) -> list[str]:
    """A rich text block's prose: its text and links' labels; code, links' addresses,
    mentions and emoji are left out, and each paragraph, list item or quote stands apart."""
    stretches: list[str] = []
    current: list[str] = []

    def stop() -> None:
        stretches.extend(prose("".join(current)))
        current.clear()

    def walk(elements: Any, depth: int) -> None:
        for element in _list(elements):
            if not isinstance(element, dict) or depth > 4:
                continue
            kind = element.get("type")
            if kind in ("rich_text_section", "rich_text_quote", "rich_text_list"):
                walk(element.get("elements"), depth + 1)
                stop()
            elif kind == "text" and isinstance(element.get("text"), str):
                if (element.get("style") or {}).get("code"):
                    stop()
                else:
                    current.append(element["text"])
            elif kind == "link":
                label = element.get("text")
                url = element.get("url")
                if isinstance(label, str) and label and not _is_address(label, url):
                    current.append(label)
                else:
                    stop()
            else:  # a code block, a mention, an emoji, a date…
                stop()

    walk(block.get("elements"), 0)
    stop()
    return stretches


def _is_address(label: str, url: Any) -> bool:
    """Whether a link's label is only an address: a URL, or its own URL's address or
    host as Slack shows an address it made a link (`<http://sae.org|sae.org>`)."""
    if _ONLY_URL.fullmatch(label):
        return True
    if not isinstance(url, str):
        return False
    bare = _SCHEME.sub("", url).rstrip("/").casefold()
    shown = label.strip().rstrip("/").casefold()
    return shown in (url.casefold(), bare, bare.split("/", 1)[0])


def _text_objects(blocks: Any) -> Iterator[dict[str, Any]]:
    """The text objects (mrkdwn, plain_text) of a message's blocks other than rich text."""
    count = 0
    for block in _list(blocks):
        if not isinstance(block, dict) or block.get("type") == "rich_text":
            continue
        context = block.get("elements") if block.get("type") == "context" else None
        for value in (block.get("text"), *_list(block.get("fields")), *_list(context)):
            if (
                isinstance(value, dict)
                and value.get("type") in ("mrkdwn", "plain_text")
                and isinstance(value.get("text"), str)
            ):
                if count >= MAX_TEXTS:
                    return
                count += 1
                yield value


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
