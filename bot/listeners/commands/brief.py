"""/brief: today's featured brief, a search, the latest briefs or one brief by id."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.content.library import Library
from bot.daily.picks import featured_brief
from bot.listeners.followups import FollowUps, after_ack
from bot.listeners.replies import Reply
from bot.search.brief_index import BriefSearch, brief_by_id, latest_briefs, search_briefs
from bot.services import Services
from bot.slack import blocks

HELP = """\
*/brief* — today's featured brief
*/brief* _words_ — find a brief; typos are fine, e.g. `/brief distilation`
*/brief latest* — the newest briefs
*/brief* _id_ — one brief by its id
*/brief help* — this help"""

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
    later: Callable[[Callable[[], None]], None]
    """Runs work after the ack, off the listener threads (Web API calls, slow work)."""
    follow_ups: FollowUps

    def record_lookup(self, query: str, found: bool, result: str | None) -> None:
        """Count the lookup for `/brief report`, after answering and best effort: a database
        that is down or refuses the text never costs the person their answer."""
        store = self.services.store
        self.follow_ups.best_effort(
            lambda: store.record_lookup("brief", query, found, result), "record a /brief lookup"
        )


Subcommand = Callable[[BriefRequest], None]
SUBCOMMANDS: dict[str, Subcommand] = {}
"""First word of /brief's text -> its handler; other modules add theirs."""

HELP_SECTIONS: list[str] = [HELP]
"""Help texts of /brief's subcommands, shown by `/brief help` and in App Home."""


def subcommand(name: str, help_text: str | None = None) -> Callable[[Subcommand], Subcommand]:
    def decorate(func: Subcommand) -> Subcommand:
        SUBCOMMANDS[name] = func
        if help_text:
            HELP_SECTIONS.append(help_text)
        return func

    return decorate


def usage() -> str:
    from bot.listeners.commands.define import HELP as DEFINE_HELP

    return "\n".join([*HELP_SECTIONS, DEFINE_HELP])


def brief_command(
    ack: Ack, body: dict, command: dict, context: BoltContext, client: WebClient, respond: Respond
) -> None:
    """Route /brief by its first word; anything that is not a subcommand is a search."""
    text = " ".join((command.get("text") or "").split())
    word, _, rest = text.partition(" ")
    request = BriefRequest(
        args=rest if word.lower() in SUBCOMMANDS else text,
        user_id=command.get("user_id", ""),
        channel_id=command.get("channel_id", ""),
        services=context["services"],
        library=context["library"],
        client=client,
        reply=context.get("reply") or Reply(ack, respond),
        respond=respond,
        later=lambda work: after_ack(context, body, work),
        follow_ups=context["follow_ups"],
    )
    handler = SUBCOMMANDS.get(word.lower(), search)
    handler(request)


@subcommand("help")
def show_help(request: BriefRequest) -> None:
    request.reply(blocks.markdown_notice(usage(), "How to use /brief and /define"))


@subcommand("latest")
def show_latest(request: BriefRequest) -> None:
    request.reply(blocks.brief_list_message("Latest briefs", latest_briefs(request.library, 5)))


def featured(request: BriefRequest) -> None:
    brief = featured_brief(request.services.store, request.library, request.services.today())
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
