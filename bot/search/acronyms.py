"""Words in a message that look like acronyms: where Explain terms offers to suggest a term."""

from __future__ import annotations

import re

_ACRONYM = re.compile(r"(?<![\w&-])([A-Z][A-Z0-9&]{1,9})s?(?![\w&-])")
# Capitals people write that are not terms a glossary would hold.
_COMMON = frozenset(
    {"OK", "AM", "PM", "FYI", "ASAP", "TBD", "TODO", "AKA", "ETA", "IMO", "BTW", "PS", "RE", "FW"}
)
MAX_OFFERED = 5


def acronyms(text: str, limit: int = MAX_OFFERED) -> list[str]:
    """Up to `limit` words of `text` written like acronyms (“GPAI”, “RLHF”, “EU”), each
    once, in order; a plural's “s” dropped (“LLMs” → “LLM”)."""
    found: list[str] = []
    for match in _ACRONYM.finditer(text):
        word = match[1]
        if sum(ch.isupper() for ch in word) < 2 or word in _COMMON or word in found:
            continue
        found.append(word)
        if len(found) >= limit:
            break
    return found
