"""Bolt listeners, one package per Slack surface. Listeners only parse, call the core and reply."""

from slack_bolt import App

from bot.listeners import actions, commands, errors, events, shortcuts, views


def register(app: App) -> None:
    commands.register(app)
    actions.register(app)
    events.register(app)
    shortcuts.register(app)
    views.register(app)
    errors.register(app)
