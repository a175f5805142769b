"""Turn the light Markdown admins write into Slack mrkdwn that cannot ping or mislead.

Content and user text is never trusted: `&`, `<` and `>` are escaped, so
`<!channel>` or `<http://evil|trusted>` written in a brief shows as text. Links
are only made from `[text](https://…)` whose URL is a plain http(s) URL.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
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
        if self.kind == "plain":
            return text
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

    Cutting happens on the visible text, at a word boundary, so it never splits a word,
    an escape like `&amp;` or a `<url|label>` link.
    """
    pieces = _pieces(markdown)
    rendered = [piece.render() for piece in pieces]
    whole = "".join(rendered)
    if limit is None or len(whole) <= limit:
        return whole
    out: list[str] = []
    budget = limit - len(ELLIPSIS)
    for piece, text in zip(pieces, rendered, strict=True):
        if len(text) <= budget:
            out.append(text)
            budget -= len(text)
            continue
        # Keep as many of this piece's words as fit once rendered; a piece whose
        # first word does not fit is left out, unless nothing came before it.
        prefix = _longest_prefix(piece, budget, whole_words_only=bool(out))
        if prefix:
            out.append(piece.render(prefix))
        break
    return _end_cut("".join(out)) + ELLIPSIS


def to_plain(markdown: str) -> str:
    """Light Markdown to plain text, for notification fallbacks and the console."""
    parts = []
    for piece in _pieces(markdown):
        parts.append(f"{piece.raw} ({piece.url})" if piece.kind == "link" else piece.raw)
    return "".join(parts)


def escape_within(text: str, limit: int) -> str:
    """Escaped text of at most `limit` characters once escaped, cut at a word with "…"."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    piece = _Piece(text, "text")
    return escape(_end_cut(_longest_prefix(piece, limit - len(ELLIPSIS)))) + ELLIPSIS


def escaped_list_within(items: Sequence[str], limit: int, separator: str = ", ") -> str:
    """Items escaped and joined, at most `limit` characters: whole items only, then "…".

    Only an item too long to fit on its own (the first) is cut, at a word.
    """
    whole = separator.join(escape(item) for item in items)
    if len(whole) <= limit:
        return whole
    shown: list[str] = []
    used = 0
    for item in items:
        text = escape(item)
        extra = len(text) + (len(separator) if shown else 0)
        if used + extra + len(separator) + len(ELLIPSIS) > limit:
            break
        shown.append(text)
        used += extra
    if not shown:
        return escape_within(items[0], limit)
    return separator.join([*shown, ELLIPSIS])


def _word_ends(text: str) -> list[int]:
    """Lengths of the prefixes of `text` that end a word: before a space, or at the end."""
    return [i for i in range(1, len(text) + 1) if i == len(text) or text[i].isspace()]


def _longest_prefix(piece: _Piece, budget: int, *, whole_words_only: bool = False) -> str:
    """The longest prefix of the piece's visible text whose rendering fits `budget`.

    It ends at a word boundary; only a first word longer than the budget is cut inside,
    and not even that with `whole_words_only`.
    """

    def fits(length: int) -> bool:
        return len(piece.render(piece.raw[:length])) <= budget

    ends = [i for i in _word_ends(piece.raw) if not piece.raw[:i].isspace()]
    lo, hi = 0, len(ends)  # ends[:lo] fit; rendering grows with the prefix, so bisect
    while lo < hi:
        mid = (lo + hi) // 2
        if fits(ends[mid]):
            lo = mid + 1
        else:
            hi = mid
    if lo:
        return piece.raw[: ends[lo - 1]].rstrip()
    if whole_words_only:
        return ""
    lo, hi = 0, len(piece.raw)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid - 1
    return piece.raw[:lo].rstrip()


_ENDS_WITH_ESCAPE_RE = re.compile(r"&[a-z]+;$")


def _end_cut(text: str) -> str:
    """A cut text without the spaces and list punctuation left dangling before "…".

    The `;` that ends an escape like `&amp;` is not punctuation, and stays.
    """
    text = text.rstrip()
    while text and text[-1] in ",;:·" and not _ENDS_WITH_ESCAPE_RE.search(text):
        text = text[:-1].rstrip()
    return text


def truncate(text: str, limit: int) -> str:
    """Plain text cut to `limit` characters at a word boundary, with "…" when it is longer."""
    if len(text) <= limit:
        return text
    return _end_cut(_longest_prefix(_Piece(text, "plain"), limit - len(ELLIPSIS))) + ELLIPSIS


_MARKUP_RE = re.compile(r"<[^<>]*>|&[a-z]+;")


def cut_mrkdwn(mrkdwn: str, limit: int) -> str:
    """Already-escaped mrkdwn cut to `limit` characters with "…", at a word boundary.

    The cut is never inside a `<url|label>` link, a mention or an `&amp;`-style escape:
    a link whose label has spaces stays whole or goes. Only text with no such boundary
    is cut inside a word, still between links and escapes.
    """
    if len(mrkdwn) <= limit:
        return mrkdwn
    budget = limit - len(ELLIPSIS)
    inside = [False] * (len(mrkdwn) + 1)
    for match in _MARKUP_RE.finditer(mrkdwn):
        for i in range(match.start() + 1, match.end()):
            inside[i] = True
    ends = [i for i in _word_ends(mrkdwn[: budget + 1]) if i <= budget and not inside[i]]
    ends = [i for i in ends if mrkdwn[:i].strip()]
    cut = ends[-1] if ends else max(i for i in range(budget + 1) if not inside[i])
    return _end_cut(mrkdwn[:cut]) + ELLIPSIS
