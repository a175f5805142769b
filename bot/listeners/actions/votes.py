"""👍 and 👎 under briefs and definitions: "Was this helpful?", one vote per person per
brief or term. The store decides what a press does (bot/store/votes.py); the person is
told privately what their vote now is, once per press that counted."""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError

from bot.content.library import Library
from bot.listeners.acked import Acked, acked_then
from bot.listeners.actions.briefs import private_answer
from bot.model import ItemKind
from bot.slack import blocks
from bot.slack.feedback import VOTE_ACTIONS, parse_vote_value

log = logging.getLogger("briefbot.app")

NOT_RECORDED = (
    "I could not record your vote just now (briefbot's database is not answering), so it "
    "was not counted. Please press it again in a minute."
)
NOT_OURS = "That button is not one of briefbot's. Try `/brief` or `/define` again."
GONE = {
    ItemKind.BRIEF: "That brief is no longer in the library, so it takes no votes. "
    "Try `/brief latest`.",
    ItemKind.TERM: "That term is no longer in the glossary, so it takes no votes. Try `/define`.",
}


def _known(library: Library, kind: ItemKind, ids: list[str]) -> list[str]:
    """The ids that name a brief or term the library has now; forged or removed ones go."""
    if kind == ItemKind.BRIEF:
        return [item for item in ids if item in library.by_id]
    return [item for item in ids if any(t.term == item for t in library.meanings(item))]


def _what(library: Library, kind: ItemKind, ids: list[str]) -> str:
    if len(ids) > 1:
        return f"these {len(ids)} {'briefs' if kind == ItemKind.BRIEF else 'terms'}"
    return library.by_id[ids[0]].title if kind == ItemKind.BRIEF else ids[0]


def _vote(acked: Acked) -> None:
    """Count the press, and say what the person's vote now is."""
    body, action = acked.body, acked.payload
    answer = private_answer(body, acked.client, acked.respond)
    pressed = VOTE_ACTIONS.get(str(action.get("action_id", "")).partition(":")[0])
    parsed = parse_vote_value(str(action.get("value", "")))
    if pressed is None or parsed is None:
        answer(blocks.notice(NOT_OURS))
        return
    kind, ids = parsed
    library = acked.deps.library
    known = _known(library, kind, ids)
    if not known:
        answer(blocks.notice(GONE[kind]))
        return
    try:
        outcome = acked.deps.store.cast_vote(
            str(body["user"]["id"]), kind, known, pressed, str(action.get("action_ts", ""))
        )
    except SQLAlchemyError as error:
        # Nothing was written (the transaction is whole or not at all): pressing again works.
        log.warning("could not record a vote: %s", error)
        answer(blocks.notice(NOT_RECORDED))
        return
    if outcome.counted:  # a press delivered again, or a double click's second, says nothing
        answer(blocks.vote_reply(outcome.vote, outcome.previous, _what(library, kind, known)))


vote_clicked = acked_then(_vote)
