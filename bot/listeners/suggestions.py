"""Suggest a term, or a fix: from the Suggest button to the admins' decision.

A person's suggestion is checked with the content files' own rules before it is sent
(the modal says what to change, field by field), recorded in the store, and sent to the
admins as one message with Approve, Edit and Decline. Approving writes the change into
content/ atomically (bot/content/saving.py), reloads the content so it is served at
once, commits it when BRIEFBOT_CONTENT_COMMIT is set, and tells whoever suggested it.
Nothing a person suggests reaches the content until an admin approves it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot.content.errors import ContentError
from bot.content.library import Library
from bot.content.proposals import (
    Change,
    ChangeError,
    Proposal,
    brief_hash,
    clean,
    current_hash,
    field_of,
    field_problems,
    glossary_path,
    plan_change,
    read_text,
    split_aliases,
    term_hash,
)
from bot.content.saving import commit, in_git_work_tree, save_change
from bot.model import Term, normalize_key
from bot.services import Services
from bot.slack import suggest_blocks
from bot.slack.blocks import Message, markdown_notice, notice
from bot.slack.mrkdwn import escape_within
from bot.store import Added, Suggestion
from bot.store.suggestions import OPEN_LIMIT

log = logging.getLogger("briefbot.suggestions")

NOT_ADMIN = "Only briefbot's admins can approve, edit or decline suggestions."
GONE = "That suggestion is not there any more."


def find_term(library: Library, name: str) -> Term | None:
    """The term whose own name is `name` (ignoring case and punctuation)."""
    key = normalize_key(name)
    return next((t for t in library.terms if t.key == key), None)


def draft_for(library: Library, kind: str, target: str) -> tuple[suggest_blocks.Draft, str] | None:
    """What the Suggest modal shows for the button's kind and target, and the hash of the
    text it fixes ("" for a new term); None when the term or brief is gone."""
    if kind == "term":
        return suggest_blocks.Draft("term", term=" ".join(target.split())[:200]), ""
    if kind == "fix":
        term = find_term(library, target)
        if term is None:
            return None
        draft = suggest_blocks.Draft(
            "fix",
            target=term.term,
            term=term.term,
            definition=term.definition,
            aliases=", ".join(term.aliases),
            context=term.context,
        )
        return draft, term_hash(term)
    brief = library.by_id.get(target)
    if brief is None:
        return None
    return suggest_blocks.Draft("brief", target=brief.id, summary=brief.summary), brief_hash(brief)


def open_suggest_modal(
    client: WebClient, trigger_id: str, library: Library, kind: str, target: str
) -> bool:
    """Open the Suggest modal for a button press; False when what it fixes is gone."""
    found = draft_for(library, kind, target)
    if found is None:
        return False
    draft, base = found
    metadata = {"kind": draft.kind, "target": draft.target, "hash": base}
    client.views_open(trigger_id=trigger_id, view=suggest_blocks.suggest_modal(draft, metadata))
    return True


def proposal_from(values: dict[str, str], kind: str, target: str) -> Proposal:
    """The proposal a submitted Suggest modal holds."""
    if kind == "brief":
        return clean(
            Proposal(
                "brief", target, summary=values.get("summary", ""), source=values.get("source", "")
            )
        )
    return clean(
        Proposal(
            "fix" if kind == "fix" else "term",
            target if kind == "fix" else "",
            term=values.get("term", ""),
            definition=values.get("definition", ""),
            aliases=split_aliases(values.get("aliases", "")),
            context=values.get("context", ""),
            source=values.get("source", ""),
        )
    )


def _target_path(services: Services, library: Library, proposal: Proposal) -> str | None:
    if proposal.kind == "term":
        return glossary_path(str(services.settings.content_dir))
    if proposal.kind == "fix":
        term = find_term(library, proposal.target)
        return term.origin.path if term is not None else None
    brief = library.by_id.get(proposal.target)
    return brief.origin.path if brief is not None else None


def _main_field(proposal: Proposal) -> str:
    return "summary" if proposal.kind == "brief" else "definition"


def plan(
    services: Services, library: Library, proposal: Proposal
) -> tuple[Change | None, dict[str, str]]:
    """The change `proposal` makes to the content as it is on disk now, or what is wrong
    with it, by modal field: the content files' rules on the entry, then every check
    `briefbot validate` makes, on the content with the planned file in it."""
    problems = field_problems(proposal, library.terms)
    if problems:
        return None, problems
    path = _target_path(services, library, proposal)
    if path is None:
        what = "term" if proposal.kind == "fix" else "brief"
        return None, {_main_field(proposal): f"That {what} is no longer in the content."}
    try:
        try:
            text = read_text(path)
        except FileNotFoundError:
            text = ""
        change = plan_change(proposal, path, text)
    except (ChangeError, OSError) as error:
        return None, {_main_field(proposal): str(error)}
    errors = services.content.errors_with(path, change.after)
    if errors:
        return None, _by_field(errors, proposal)
    return change, {}


def _by_field(errors: tuple[ContentError, ...], proposal: Proposal) -> dict[str, str]:
    out: dict[str, str] = {}
    for error in errors:
        name = field_of(error, proposal.kind)
        message = error.message
        out[name] = f"{out[name]} {message}" if name in out else message
    return {k: v[:1900] for k, v in out.items()}


def _fields(proposal: Proposal) -> list[tuple[str, str]]:
    if proposal.kind == "brief":
        return [("Summary", proposal.summary), ("Source", proposal.source)]
    return [
        ("Term", proposal.term),
        ("Context", proposal.context),
        ("Definition", proposal.definition),
        ("Aliases", ", ".join(proposal.aliases)),
        ("Source", proposal.source),
    ]


def review_message(suggestion: Suggestion, *, decided: str = "", note: str = "") -> Message:
    proposal = Proposal.from_json(suggestion.proposal)
    return suggest_blocks.review_message(
        suggestion.id,
        suggestion.suggesters,
        proposal.title,
        _fields(proposal),
        decided=decided,
        note=note,
    )


@dataclass(frozen=True, slots=True)
class Submitted:
    """What became of a submitted Suggest modal: the answer to the modal, and the
    suggestion to send to the admins (None when nothing new is to be sent)."""

    answer: dict[str, Any]
    to_review: Suggestion | None = None


def _closing(text: str) -> dict[str, Any]:
    """A modal answer replacing the form with a short note (our own words)."""
    return {
        "response_action": "update",
        "view": {
            "type": "modal",
            "title": {"type": "plain_text", "text": "Thank you"},
            "close": {"type": "plain_text", "text": "Close"},
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
        },
    }


def _errors(problems: dict[str, str]) -> dict[str, Any]:
    return {"response_action": "errors", "errors": problems}


def submit(services: Services, library: Library, user: str, view: dict[str, Any]) -> Submitted:
    """Check and record a person's submitted Suggest modal (before the ack)."""
    meta = _metadata(view)
    kind, target, base = meta.get("kind", "term"), meta.get("target", ""), meta.get("hash", "")
    proposal = proposal_from(suggest_blocks.submitted_values(view), kind, target)
    change, problems = plan(services, library, proposal)
    if problems:
        return Submitted(_errors(problems))
    assert change is not None
    try:
        added, suggestion = services.store.add_suggestion(
            user, proposal.kind, proposal.target, base, proposal.to_json(), proposal.key()
        )
    except SQLAlchemyError as error:
        log.warning("could not record a suggestion: %s", error)
        return Submitted(
            _errors(
                {
                    _first_field(proposal): "briefbot could not save this just now (its "
                    "database did not answer). Press Send for review again in a minute."
                }
            )
        )
    if added is Added.FLOOD:
        return Submitted(
            _errors(
                {
                    _first_field(proposal): f"You have {OPEN_LIMIT} suggestions waiting for "
                    "review already; send this one once an admin has decided on some of them."
                }
            )
        )
    if added is Added.MERGED:
        return Submitted(
            _closing(
                "Someone suggested the same already: you are added to that suggestion, "
                "and you will hear when an admin decides."
            )
        )
    return Submitted(
        _closing("Sent to the admins for review. You will get a message when they decide."),
        suggestion,
    )


def _first_field(proposal: Proposal) -> str:
    return "summary" if proposal.kind == "brief" else "term"


def _metadata(view: dict[str, Any]) -> dict[str, str]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except json.JSONDecodeError:
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def send_for_review(services: Services, client: WebClient, suggestion: Suggestion) -> None:
    """Post the suggestion to the review channel, or to each admin in a direct message."""
    message = review_message(suggestion).payload()
    channel = services.settings.review_channel
    targets = [channel] if channel else sorted(_admins_of_team(services))
    if not targets:
        log.warning(
            "suggestion %s has nowhere to go: set BRIEFBOT_ADMINS or BRIEFBOT_REVIEW_CHANNEL",
            suggestion.id,
        )
        return
    for target in targets:
        posted = client.chat_postMessage(channel=target, **message)
        services.store.add_review_message(
            suggestion.id, str(posted.get("channel", target)), str(posted.get("ts", ""))
        )


def _admins_of_team(services: Services) -> set[str]:
    """BRIEFBOT_ADMINS, and whoever installed briefbot in the request's team."""
    admins = set(services.settings.admins)
    if services.installations is not None:
        installed = services.installations.find(services.store.team, services.store.enterprise)
        if installed is not None and installed.user_id:
            admins.add(installed.user_id)
    return admins


def target_hash(services: Services, proposal: Proposal) -> str | None:
    """The hash of what a fix targets as the content file says it now (None: it is gone);
    "" for a new term."""
    if proposal.kind == "term":
        return ""
    path = _target_path(services, services.content.current, proposal)
    try:
        return current_hash(proposal, path, read_text(path)) if path else None
    except OSError:
        return None


def tell(client: WebClient, users: tuple[str, ...], message: Message) -> None:
    """A direct message to each of `users`, best effort (one refusal stops no one else)."""
    for user in users:
        try:
            client.chat_postMessage(channel=user, **message.payload())
        except Exception:  # the decision stands; the log says who was not told
            log.warning("could not tell %s about their suggestion", user, exc_info=True)


def _what(proposal: Proposal) -> str:
    return escape_within(proposal.title, 300)


def approve(
    services: Services,
    client: WebClient,
    suggestion_id: str,
    admin: str,
    *,
    edited: Proposal | None = None,
    edited_on: str | None = None,
) -> tuple[Message, Suggestion | None]:
    """Apply an open suggestion to the content for `admin`; what to tell the admin, and
    the suggestion as decided (None when nothing was decided). An admin's `edited`
    proposal applies to the text as it was when they opened it (`edited_on`, its hash)."""
    store = services.store
    found = store.suggestion(suggestion_id)
    if found is None:
        return notice(GONE), None
    if found.state != "open":
        return _already(found), None
    proposal = edited or Proposal.from_json(found.proposal)
    library = services.content.current
    if proposal.kind != "term":
        base = edited_on if edited is not None and edited_on is not None else found.base_hash
        if target_hash(services, proposal) != base:
            note = (
                f"{proposal.title} was not applied: it changed since this was suggested "
                "(by hand or by another suggestion), and nothing was overwritten. Press Edit "
                "to apply it to the new text, or Decline."
            )
            store.note_outcome(found.id, "changed since suggested")
            return notice(note), None
    change, problems = plan(services, library, proposal)
    if change is None:
        text = " ".join(problems.values())
        return notice(
            f"{proposal.title} cannot be approved as it is: {text} Press Edit to fix it."
        ), None
    if edited is not None:
        store.edit_suggestion(found.id, edited.to_json(), edited.key(), admin)
    if not store.decide_suggestion(found.id, "approved", admin, outcome=change.what):
        latest = store.suggestion(found.id)
        return (_already(latest) if latest else notice(GONE)), None
    try:
        save_change(change)
    except (ChangeError, OSError) as error:
        store.reopen_suggestion(found.id, f"not written: {error}")
        return notice(f"Nothing was written: {error}"), None
    services.content.reload([change.path], trigger="suggestion", requested_by=admin)
    committed = ""
    if services.settings.content_commit:
        committed = _commit(services, change, found, admin)
    decided = store.suggestion(found.id) or found
    shown = proposal.term or proposal.target
    how = (
        f"`/define {shown}` shows it now."
        if proposal.kind != "brief"
        else f"`/brief {shown}` shows it now."
    )
    tell(
        client,
        decided.suggesters,
        markdown_notice(
            f"Your suggestion, {_what(proposal)}, was approved by <@{admin}>. {how}",
            f"Your suggestion, {proposal.title}, was approved. {how}",
        ),
    )
    return notice(f"Approved: {proposal.title} is in the content now.{committed}"), decided


def _commit(services: Services, change: Change, suggestion: Suggestion, admin: str) -> str:
    folder = str(services.settings.content_dir)
    if not in_git_work_tree(folder):
        log.warning("BRIEFBOT_CONTENT_COMMIT is set but %s is not in a git work tree", folder)
        return " (not committed: the content folder is not a git work tree)"
    who = ", ".join(suggestion.suggesters)
    message = (
        f"Content: {change.what}\n\nSuggested by {who} in Slack; approved by {admin}.\n\n"
        f"Suggested-by: {who}\nApproved-by: {admin}\n"
    )
    try:
        commit(change.path, message)
    except ChangeError as error:
        log.warning("could not commit the approved suggestion %s: %s", suggestion.id, error)
        return f" (not committed: {error})"
    return " It is committed."


def decline(
    services: Services, client: WebClient, suggestion_id: str, admin: str, reason: str
) -> tuple[Message, Suggestion | None]:
    """Decline an open suggestion and tell whoever suggested it why (if a reason is given)."""
    store = services.store
    found = store.suggestion(suggestion_id)
    if found is None:
        return notice(GONE), None
    if not store.decide_suggestion(found.id, "declined", admin, reason=reason or None):
        latest = store.suggestion(found.id)
        return (_already(latest) if latest else notice(GONE)), None
    proposal = Proposal.from_json(found.proposal)
    why = f" Their note: {reason}" if reason else ""
    tell(
        client,
        found.suggesters,
        notice(f"Your suggestion, {proposal.title}, was declined.{why}"),
    )
    return notice(f"Declined: {proposal.title}."), store.suggestion(found.id)


def _already(suggestion: Suggestion) -> Message:
    proposal = Proposal.from_json(suggestion.proposal)
    by = f" by <@{suggestion.decided_by}>" if suggestion.decided_by else ""
    return markdown_notice(
        f"{_what(proposal)} was already {suggestion.state}{by}.",
        f"{proposal.title} was already {suggestion.state}.",
    )


def decided_note(suggestion: Suggestion) -> str:
    """The review message's line once decided (our own mrkdwn)."""
    by = f"<@{suggestion.decided_by}>" if suggestion.decided_by else "an admin"
    line = (
        f":white_check_mark: Approved by {by}"
        if suggestion.state == "approved"
        else f":x: Declined by {by}"
    )
    if suggestion.reason:
        line += f": {escape_within(suggestion.reason, 500)}"
    return line


def update_review(client: WebClient, channel: str, ts: str, suggestion: Suggestion) -> None:
    """Show the decision, in place of the buttons, on every admins' message about the
    suggestion and on the one pressed (`channel`, `ts`), best effort."""
    message = review_message(suggestion, decided=decided_note(suggestion)).payload()
    places = list(dict.fromkeys([*suggestion.review_messages, (channel, ts)]))
    for where, when in places:
        if not where or not when:
            continue
        try:
            client.chat_update(channel=where, ts=when, **message)
        except Exception:  # the decision stands; an old button says it was decided
            log.warning("could not update a review message of %s", suggestion.id, exc_info=True)


def edit_modal(
    suggestion: Suggestion, channel: str, ts: str, current: str | None
) -> dict[str, Any]:
    """The Suggest modal prefilled with a suggestion, for an admin to edit and approve;
    `current` is the hash of what it fixes as it is now, which the edit applies to."""
    p = Proposal.from_json(suggestion.proposal)
    draft = suggest_blocks.Draft(
        p.kind,
        target=p.target,
        term=p.term,
        definition=p.definition,
        aliases=", ".join(p.aliases),
        context=p.context,
        source=p.source,
        summary=p.summary,
    )
    meta = {"id": suggestion.id, "kind": p.kind, "target": p.target, "channel": channel, "ts": ts}
    meta["hash"] = current or ""
    return suggest_blocks.suggest_modal(draft, meta, editing=True)


def edited_proposal(view: dict[str, Any]) -> tuple[str, Proposal, dict[str, str]]:
    """The suggestion id, the edited proposal and the metadata of a submitted Edit modal."""
    meta = _metadata(view)
    proposal = proposal_from(
        suggest_blocks.submitted_values(view), meta.get("kind", "term"), meta.get("target", "")
    )
    return meta.get("id", ""), proposal, meta


def metadata_of(view: dict[str, Any]) -> dict[str, str]:
    return _metadata(view)


def errors_answer(problems: dict[str, str]) -> dict[str, Any]:
    return _errors(problems)
