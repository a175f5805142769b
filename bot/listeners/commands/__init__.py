"""Slash commands: /brief and /define."""

from slack_bolt import App

from bot.listeners.commands import brief, define


def register(app: App) -> None:
    app.command("/brief")(brief.brief_command)
    app.command("/define")(define.define_command)
