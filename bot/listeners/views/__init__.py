"""Modal submissions, one callback per callback_id: the Suggest modal, an admin's edit of
a suggestion, and the reason for declining one."""

from slack_bolt import App

from bot.listeners.views import suggestions
from bot.slack import suggest_blocks


def register(app: App) -> None:
    app.view(suggest_blocks.SUBMIT_VIEW)(suggestions.suggestion_submitted)
    app.view(suggest_blocks.EDIT_VIEW)(suggestions.edit_submitted)
    app.view(suggest_blocks.DECLINE_VIEW)(suggestions.decline_submitted)
