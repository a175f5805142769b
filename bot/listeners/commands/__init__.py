"""Slash commands: /brief and /define. app-manifest.yml must list exactly these (a test checks)."""

from collections.abc import Callable

from slack_bolt import App

from bot.listeners.commands import brief, define
from bot.listeners.commands import brief_admin as brief_admin  # registers /brief's admin words
from bot.listeners.commands import brief_schedule as brief_schedule  # daily-post words

COMMANDS: dict[str, Callable[..., None]] = {
    "/brief": brief.brief_command,
    "/define": define.define_command,
}


def register(app: App) -> None:
    for name, callback in COMMANDS.items():
        app.command(name)(callback)
