"""Search over the content snapshot: briefs by typo-tolerant query, terms by name.

Pure functions of a content snapshot (`Snapshot`, which `bot.content.library.Library`
is); nothing here talks to Slack or keeps state between calls: the indexes are built
with each snapshot and held by it.
"""

from bot.search.brief_index import (
    BriefHit,
    BriefSearch,
    brief_by_id,
    latest_briefs,
    search_briefs,
)
from bot.search.glossary_index import (
    Definition,
    GlossaryPage,
    define,
    glossary_page,
)
from bot.search.snapshot import Snapshot
from bot.search.term_index import GlossaryIndex, build_glossary_index

__all__ = [
    "BriefHit",
    "BriefSearch",
    "Definition",
    "GlossaryIndex",
    "GlossaryPage",
    "Snapshot",
    "brief_by_id",
    "build_glossary_index",
    "define",
    "glossary_page",
    "latest_briefs",
    "search_briefs",
]
