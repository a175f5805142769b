"""Events: the App Home tab and mentions of the bot."""

from slack_bolt import App

from bot.listeners.events import app_home, mentions


def register(app: App) -> None:
    app.event("app_home_opened")(app_home.app_home_opened)
    app.event("app_mention")(mentions.app_mentioned)
