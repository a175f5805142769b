"""Button clicks on briefbot's messages, one callback per action_id."""

import re
from collections.abc import Callable

from slack_bolt import App

from bot.listeners.actions import briefs, dm, glossary, suggestions, votes
from bot.slack import blocks, feedback, suggest_blocks

LISTENERS: tuple[tuple[str, Callable[..., None]], ...] = (
    (blocks.SHARE_BRIEF, briefs.share_brief_clicked),
    (blocks.RELATED_BRIEFS, briefs.related_briefs_clicked),
    (blocks.SHOW_BRIEF, briefs.show_brief_clicked),
    (blocks.READ_STORY, briefs.read_story_clicked),
    (blocks.DEFINE_TERM, glossary.define_term_clicked),
    (blocks.GLOSSARY_PAGE, glossary.glossary_page_clicked),
    *((action_id, votes.vote_clicked) for action_id in feedback.VOTE_ACTIONS),
    (suggest_blocks.SUGGEST, suggestions.suggest_clicked),
    (suggest_blocks.APPROVE, suggestions.approve_clicked),
    (suggest_blocks.EDIT, suggestions.edit_clicked),
    (suggest_blocks.DECLINE, suggestions.decline_clicked),
    (blocks.DM_SUBSCRIBE, dm.subscribe_clicked),
    (blocks.DM_UNSUBSCRIBE, dm.unsubscribe_clicked),
    (blocks.DM_SNOOZE, dm.snooze_clicked),
    (blocks.DM_UNSNOOZE, dm.unsnooze_clicked),
)
"""Each button's action_id and the listener for its clicks (every vote button has one)."""


def _action(action_id: str) -> re.Pattern[str]:
    # Buttons repeated in one message get ":1", ":2"… suffixes (see blocks._unique_ids).
    return re.compile(rf"^{re.escape(action_id)}(:.*)?$")


def register(app: App) -> None:
    for action_id, listener in LISTENERS:
        app.action(_action(action_id))(listener)
