"""/brief: today's featured brief, a search, the latest briefs or one brief by id.

/brief's first word picks a subcommand from one table, `Subcommand` entries with their
help text, built in `bot.listeners.commands` from the `SUBCOMMANDS` each module
exposes; any other text is a search. `/brief help` lists that table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.content.library import Library
from bot.listeners.acked import after_ack
from bot.listeners.context import deps
from bot.listeners.followups import FollowUps
from bot.listeners.replies import Reply
from bot.search.brief_index import BriefSearch, brief_by_id, latest_briefs, search_briefs
from bot.services import Services
from bot.slack import blocks

SEARCH_HELP = """\
*/brief* — today's featured brief
*/brief* _words_ — find a brief; typos are fine, e.g. `/brief distilation`
*/brief* _id_ — one brief by its id"""
"""What /brief does with text that is no subcommand (see `search`)."""

ADMIN_HEADING = "*Admin commands* (only you and the other admins see these)"

MAX_QUERY = 200


@dataclass(frozen=True)
class BriefRequest:
    """One /brief invocation, parsed, with what a subcommand needs to answer it."""

    args: str
    user_id: str
    channel_id: str
    services: Services
    library: Library
    client: WebClient
    reply: Reply
    respond: Respond
    later: Callable[[Callable[[], object]], None]
    """Runs work after the ack, off the listener threads (Web API calls, slow work)."""
    follow_ups: FollowUps
    commands: CommandTable
    """Every /brief subcommand, for `/brief help`."""

    def record_lookup(self, query: str, found: bool, result: str | None) -> None:
        """Count the lookup for `/brief report`, after answering and best effort: a database
        that is down or refuses the text never costs the person their answer."""
        store = self.services.store
        self.follow_ups.best_effort(
            lambda: store.record_lookup("brief", query, found, result), "record a /brief lookup"
        )


Handler = Callable[[BriefRequest], None]


@dataclass(frozen=True, slots=True)
class Subcommand:
    """One /brief subcommand: its first word, its handler, the lines `/brief help` shows
    for it, and whether only admins (BRIEFBOT_ADMINS) may run it and see it in help."""

    name: str
    handler: Handler
    help: str
    admin_only: bool = False


CommandTable = Mapping[str, Subcommand]
"""First word of /brief's text (lower case) -> its subcommand."""


def command_table(*groups: Iterable[Subcommand]) -> dict[str, Subcommand]:
    """One table from every module's subcommands, in order; a name given twice is a bug."""
    table: dict[str, Subcommand] = {}
    for group in groups:
        for command in group:
            if command.name in table:
                raise ValueError(f"/brief {command.name} is defined twice")
            table[command.name] = command
    return table


def usage(commands: CommandTable, *, admin: bool = False) -> str:
    """The help text: /brief's searches and subcommands, /define, and for admins their own."""
    from bot.listeners.commands.define import HELP as DEFINE_HELP
    from bot.slack.feedback import HELP as FEEDBACK_HELP

    everyone = [SEARCH_HELP, *(c.help for c in commands.values() if not c.admin_only)]
    admins = [c.help for c in commands.values() if c.admin_only]
    text = "\n".join([*everyone, DEFINE_HELP, FEEDBACK_HELP])
    if admin and admins:
        text = "\n\n".join([text, "\n".join([ADMIN_HEADING, *admins])])
    return text


def refuse(request: BriefRequest, name: str) -> None:
    """Refuse, politely and without running anything, anyone not in BRIEFBOT_ADMINS."""
    request.reply(
        blocks.notice(
            f"Sorry, /brief {name} is only for briefbot's admins. If you need it, "
            "ask the person who runs briefbot to add you to its admins."
        )
    )


def brief_command_for(commands: CommandTable) -> Callable[..., None]:
    """The /brief listener for one command table."""

    def brief_command(
        ack: Ack,
        body: dict,
        command: dict,
        context: BoltContext,
        client: WebClient,
        respond: Respond,
    ) -> None:
        """Route /brief by its first word; anything that is not a subcommand is a search."""
        text = " ".join((command.get("text") or "").split())
        word, _, rest = text.partition(" ")
        chosen = commands.get(word.lower())
        needs = deps(context)
        request = BriefRequest(
            args=rest if chosen is not None else text,
            user_id=command.get("user_id", ""),
            channel_id=command.get("channel_id", ""),
            services=needs.services,
            library=needs.library,
            client=client,
            reply=context.get("reply") or Reply(ack, respond),
            respond=respond,
            later=lambda work: after_ack(context, body, work),
            follow_ups=needs.follow_ups,
            commands=commands,
        )
        if chosen is None:
            search(request)
        elif chosen.admin_only and not request.services.is_admin(request.user_id):
            refuse(request, chosen.name)
        else:
            chosen.handler(request)

    return brief_command


def show_help(request: BriefRequest) -> None:
    """`/brief help`: every subcommand in the table, the admin ones to admins only."""
    text = usage(request.commands, admin=request.services.is_admin(request.user_id))
    request.reply(blocks.markdown_notice(text, "How to use /brief and /define"))


def show_latest(request: BriefRequest) -> None:
    request.reply(blocks.brief_list_message("Latest briefs", latest_briefs(request.library, 5)))


def featured(request: BriefRequest) -> None:
    brief = request.services.featured_today(request.library)
    if brief is None:
        request.reply(blocks.notice("There are no briefs yet. Ask an admin to add some."))
    else:
        request.reply(blocks.brief_message(brief, ephemeral=True))


def search(request: BriefRequest) -> None:
    """No subcommand: today's brief for an empty text, else an id or a fuzzy search."""
    query = request.args[:MAX_QUERY]
    if not query:
        featured(request)
        return
    library = request.library
    exact = brief_by_id(library, query)
    if exact is not None:
        request.reply(blocks.brief_message(exact, ephemeral=True))
        request.record_lookup(query, True, exact.id)
        return
    found = search_briefs(library, query)
    answer_search(request, query, found)
    request.record_lookup(query, bool(found.hits), found.best.brief.id if found.best else None)


def answer_search(request: BriefRequest, query: str, found: BriefSearch) -> None:
    """One brief when the search is sure, a short list when it is not, else what to try."""
    if not found.hits:
        tips = ", ".join(f"`/brief {s}`" for s in found.suggestions[:3])
        request.reply(
            blocks.notice(
                f"No brief matches “{query}”.",
                detail=("Try " + tips if tips else "Try other words") + ", or `/brief latest`.",
            )
        )
    elif found.is_ambiguous:
        request.reply(
            blocks.brief_list_message(
                f"Briefs matching “{query}”", [hit.brief for hit in found.hits[:5]]
            )
        )
    else:
        request.reply(blocks.brief_message(found.hits[0].brief, ephemeral=True))


SUBCOMMANDS = (
    Subcommand("latest", show_latest, "*/brief latest* — the newest briefs"),
    Subcommand("help", show_help, "*/brief help* — this help"),
)
