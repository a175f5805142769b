"""Button clicks on briefbot's messages, one callback per action_id."""

import re

from slack_bolt import App

from bot.listeners.actions import briefs, dm, glossary, suggestions, votes
from bot.slack import blocks, feedback, suggest_blocks


def _action(action_id: str) -> re.Pattern[str]:
    # Buttons repeated in one message get ":1", ":2"… suffixes (see blocks._unique_ids).
    return re.compile(rf"^{re.escape(action_id)}(:.*)?$")


def register(app: App) -> None:
    app.action(_action(blocks.SHARE_BRIEF))(briefs.share_brief_clicked)
    app.action(_action(blocks.RELATED_BRIEFS))(briefs.related_briefs_clicked)
    app.action(_action(blocks.SHOW_BRIEF))(briefs.show_brief_clicked)
    app.action(_action(blocks.READ_STORY))(briefs.read_story_clicked)
    app.action(_action(blocks.DEFINE_TERM))(glossary.define_term_clicked)
    app.action(_action(blocks.GLOSSARY_PAGE))(glossary.glossary_page_clicked)
    for action_id in feedback.VOTE_ACTIONS:
        app.action(_action(action_id))(votes.vote_clicked)
    app.action(_action(suggest_blocks.SUGGEST))(suggestions.suggest_clicked)
    app.action(_action(suggest_blocks.APPROVE))(suggestions.approve_clicked)
    app.action(_action(suggest_blocks.EDIT))(suggestions.edit_clicked)
    app.action(_action(suggest_blocks.DECLINE))(suggestions.decline_clicked)
    app.action(_action(blocks.DM_SUBSCRIBE))(dm.subscribe_clicked)
    app.action(_action(blocks.DM_UNSUBSCRIBE))(dm.unsubscribe_clicked)
    app.action(_action(blocks.DM_SNOOZE))(dm.snooze_clicked)
    app.action(_action(blocks.DM_UNSNOOZE))(dm.unsnooze_clicked)
