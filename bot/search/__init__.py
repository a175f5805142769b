"""Search over the content snapshot: briefs by typo-tolerant query, terms by name.

Pure functions of a `Library`; nothing here talks to Slack or keeps state between
calls beyond the indexes built with each snapshot.
"""

from bot.search.brief_index import (
    BriefHit,
    BriefIndex,
    BriefSearch,
    brief_by_id,
    build_brief_index,
    latest_briefs,
    search_briefs,
)
from bot.search.glossary_index import (
    Definition,
    GlossaryIndex,
    GlossaryPage,
    build_glossary_index,
    define,
    glossary_page,
)

__all__ = [
    "BriefHit",
    "BriefIndex",
    "BriefSearch",
    "Definition",
    "GlossaryIndex",
    "GlossaryPage",
    "brief_by_id",
    "build_brief_index",
    "build_glossary_index",
    "define",
    "glossary_page",
    "latest_briefs",
    "search_briefs",
]
