"""Turn the light Markdown admins write into Slack mrkdwn that cannot ping or mislead.

Content and user text is never trusted: `&`, `<` and `>` are escaped, so
`<!channel>` or `<http://evil|trusted>` written in a brief shows as text. Links
are only made from `[text](https://…)` whose URL is a plain http(s) URL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ELLIPSIS = "…"

_TOKEN_RE = re.compile(
    r"\*\*(?P<bold>[^*\n]+?)\*\*"
    r"|(?<![\w])_(?P<italic>[^_\n]+?)_(?![\w])"
    r"|\[(?P<label>[^\]\n]+)\]\((?P<url>https?://[^\s()<>|]+)\)"
)
_SAFE_URL_RE = re.compile(r"^https?://[^\s<>|\"]+$")


def escape(text: str) -> str:
    """Escape the three characters Slack treats as markup in any text we did not write."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Text Slack sent us, with its `&amp;`, `&lt;` and `&gt;` back to what the person typed.

    Only these three: Slack escapes nothing else, so `&quot;` in a message is what was typed.
    `&amp;` goes last, so a typed `&lt;` (sent as `&amp;lt;`) stays `&lt;`.
    """
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def link(url: str, label: str) -> str:
    """A mrkdwn link from structured fields; a URL that could break out is shown as text."""
    if not _SAFE_URL_RE.match(url):
        return escape(label)
    return f"<{url.replace('&', '&amp;')}|{escape(label)}>"


@dataclass(frozen=True, slots=True)
class _Piece:
    raw: str
    """The visible text, unescaped; what gets cut when a limit is hit."""
    kind: str
    url: str = ""

    def render(self, raw: str | None = None) -> str:
        text = self.raw if raw is None else raw
        if self.kind == "bold":
            return f"*{escape(text)}*"
        if self.kind == "italic":
            return f"_{escape(text)}_"
        if self.kind == "link":
            return link(self.url, text)
        return escape(text)


def _pieces(markdown: str) -> list[_Piece]:
    pieces: list[_Piece] = []
    pos = 0
    for match in _TOKEN_RE.finditer(markdown):
        if match.start() > pos:
            pieces.append(_Piece(markdown[pos : match.start()], "text"))
        if match["bold"] is not None:
            pieces.append(_Piece(match["bold"], "bold"))
        elif match["italic"] is not None:
            pieces.append(_Piece(match["italic"], "italic"))
        else:
            pieces.append(_Piece(match["label"], "link", match["url"]))
        pos = match.end()
    if pos < len(markdown):
        pieces.append(_Piece(markdown[pos:], "text"))
    return pieces


def to_mrkdwn(markdown: str, limit: int | None = None) -> str:
    """Light Markdown to escaped mrkdwn, at most `limit` characters, cut with "…".

    Cutting happens on the visible text, so it never splits an escape like `&amp;`
    or a `<url|label>` link.
    """
    rendered = [piece.render() for piece in _pieces(markdown)]
    whole = "".join(rendered)
    if limit is None or len(whole) <= limit:
        return whole
    out: list[str] = []
    budget = limit - len(ELLIPSIS)
    for piece, text in zip(_pieces(markdown), rendered, strict=True):
        if len(text) <= budget:
            out.append(text)
            budget -= len(text)
            continue
        # Keep as much of this piece's visible text as fits once rendered.
        prefix = _longest_prefix(piece, budget)
        if prefix:
            out.append(piece.render(prefix))
        break
    return "".join(out).rstrip() + ELLIPSIS


def to_plain(markdown: str) -> str:
    """Light Markdown to plain text, for notification fallbacks and the console."""
    parts = []
    for piece in _pieces(markdown):
        parts.append(f"{piece.raw} ({piece.url})" if piece.kind == "link" else piece.raw)
    return "".join(parts)


def escape_within(text: str, limit: int) -> str:
    """Escaped text of at most `limit` characters once escaped, cut with "…" if needed."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    return _Piece(text, "text").render(_longest_prefix(_Piece(text, "text"), limit - 1)) + ELLIPSIS


def _longest_prefix(piece: _Piece, budget: int) -> str:
    """The longest prefix of the piece's visible text whose rendering fits `budget`."""
    lo, hi = 0, len(piece.raw)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if len(piece.render(piece.raw[:mid])) <= budget:
            lo = mid
        else:
            hi = mid - 1
    return piece.raw[:lo].rstrip()


def truncate(text: str, limit: int) -> str:
    """Plain text cut to `limit` characters with "…" when it is longer."""
    if len(text) <= limit:
        return text
    return text[: max(limit - len(ELLIPSIS), 0)].rstrip() + ELLIPSIS
