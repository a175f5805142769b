"""Slash commands: /brief and /define. app-manifest.yml must list exactly these (a test checks).

`BRIEF_SUBCOMMANDS` is the one table of /brief's subcommands: each module lists its own
(`SUBCOMMANDS`, with each command's help text beside its handler) and they are put
together here, in the order `/brief help` shows them.
"""

from collections.abc import Callable

from slack_bolt import App

from bot.listeners.commands import brief, brief_admin, brief_dm, brief_schedule, define

BRIEF_SUBCOMMANDS = brief.command_table(
    brief.SUBCOMMANDS,
    brief_schedule.SUBCOMMANDS,
    brief_dm.SUBCOMMANDS,
    brief_admin.SUBCOMMANDS,
)

COMMANDS: dict[str, Callable[..., None]] = {
    "/brief": brief.brief_command_for(BRIEF_SUBCOMMANDS),
    "/define": define.define_command,
}


def usage(*, admin: bool = False) -> str:
    """How to use /brief and /define (with the admin commands for an admin)."""
    return brief.usage(BRIEF_SUBCOMMANDS, admin=admin)


def register(app: App) -> None:
    for name, callback in COMMANDS.items():
        app.command(name)(callback)
