"""Posting one channel's brief of any kind, and finding it again, at the edge with Slack.

A post is claimed in the ledger before anything is sent, marked `posting` just before
the request goes out, and settled from Slack's answer: posted, failed, paused (the
channel is gone), or unknown (the request may have posted; looked up once, never sent
again). `send_post` makes exactly one `chat.postMessage` call (no retries of its own:
the sweep decides when, and whether, to try again) and sorts Slack's answer into an
`Outcome`:

- posted: Slack returned the message ts;
- ratelimited: 429, nothing posted; try again no earlier than `retry_after`;
- channel: the channel is gone or closed to the bot (pause the subscription);
- auth: the token no longer works (stop the sweep);
- uncertain: a timeout, a dropped connection or a 5xx after the request was sent:
  Slack may have posted it, so it is never sent again blindly;
- rejected: any other error; Slack refused the message, so nothing was posted.

Every post carries message metadata (`briefbot_daily`, the brief id and the local date;
for kinds other than daily also the kind and the ledger slot), which is how `find_post`
recognises it in `conversations.history`: the metadata names its `DeliveryKey`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError

from bot.daily.notices import Notices
from bot.daily.pacing import Pacer
from bot.daily.plan import Due
from bot.daily.report import Entry, Section, SweepReport
from bot.model import Brief
from bot.slack import blocks
from bot.slack.web_answers import (
    Found,
    Lookup,
    Outcome,
    Result,
    classify_api_error,
    classify_transport_error,
)
from bot.store import DeliveryKey, DeliveryKind, Person, Store, Subscription
from bot.store.engine import describe_database_error

log = logging.getLogger("briefbot.daily")

EVENT_TYPE = "briefbot_daily"
MAX_RATELIMITS = 10
"""429s for one post in one sweep before giving it back to the next sweep."""
MAX_HISTORY_PAGES = 10
PERSON_GONE = frozenset({"user_not_found", "user_disabled"})
"""Slack's answers meaning the person a DM goes to is no longer in the workspace."""


# Slack errors meaning this channel cannot take our posts until someone acts.
def post_metadata(key: DeliveryKey, brief_id: str, local_date: dt.date) -> dict[str, Any]:
    """The metadata naming the post of `key`; a daily post's carries no kind (as always)."""
    payload = {"brief_id": brief_id, "local_date": local_date.isoformat()}
    if key.kind is not DeliveryKind.DAILY:
        payload.update(kind=key.kind.value, slot=key.slot)
    return {"event_type": EVENT_TYPE, "event_payload": payload}


def metadata_key(channel: str, message: dict[str, Any]) -> DeliveryKey | None:
    """The `DeliveryKey` a message's metadata names, if it is one of the sweep's posts."""
    metadata = message.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    if metadata.get("event_type") != EVENT_TYPE:
        return None
    if "kind" not in payload:
        return DeliveryKey(channel, DeliveryKind.DAILY, str(payload.get("local_date")))
    try:
        return DeliveryKey(channel, DeliveryKind(payload["kind"]), str(payload.get("slot")))
    except ValueError:
        return None


def daily_message(brief: Brief) -> dict[str, Any]:
    """The daily post's text and blocks: the brief message of the Slack app, as posted."""
    return blocks.brief_message(brief, ephemeral=False, daily=True).payload()


# --- one send ------------------------------------------------------------------------


def send_post(
    client: WebClient, channel: str, payload: dict[str, Any], metadata: dict[str, Any]
) -> Outcome:
    """One chat.postMessage of any kind of post (no retries), classified."""
    try:
        answer = client.chat_postMessage(
            channel=channel,
            **payload,
            unfurl_links=False,
            unfurl_media=False,
            metadata=metadata,
        )
    except SlackApiError as error:
        return classify_api_error(error)
    except Exception as error:  # the request may or may not have reached Slack
        return classify_transport_error(error)
    return Outcome(Result.POSTED, ts=str(answer["ts"]))


def find_post(
    client: WebClient, key: DeliveryKey, since: dt.datetime, *, bot_id: str | None = None
) -> Found:
    """Look for the post of `key` in its channel's messages since `since`.

    Needs `channels:history` (and `groups:history` for private channels), which the
    default manifest leaves out; without it Slack answers `missing_scope` and the
    result is UNAVAILABLE.
    """
    cursor: str | None = None
    for _ in range(MAX_HISTORY_PAGES):
        try:
            page = client.conversations_history(
                channel=key.channel,
                oldest=f"{since.timestamp():.6f}",
                limit=200,
                include_all_metadata=True,
                cursor=cursor,
            )
        except SlackApiError as error:
            outcome = classify_api_error(error)
            later = outcome.result in (Result.RATELIMITED, Result.UNCERTAIN)
            return Found(Lookup.LATER if later else Lookup.UNAVAILABLE, error=outcome.error)
        except Exception as error:
            return Found(Lookup.LATER, error=classify_transport_error(error).error)
        for message in page.get("messages") or []:
            ours = bot_id is None or message.get("bot_id") == bot_id
            if ours and metadata_key(key.channel, message) == key:
                return Found(Lookup.FOUND, ts=str(message["ts"]))
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not page.get("has_more") or not cursor:
            return Found(Lookup.ABSENT)
    return Found(Lookup.UNAVAILABLE, error="too many messages to search")


# --- posting within a sweep ----------------------------------------------------------


@dataclass
class PostContext:
    """What posting needs of the sweep it is part of, shared by its posting threads."""

    client: WebClient
    pacer: Pacer
    store: Store
    notices: Notices
    report: SweepReport
    worker: str
    version: str
    """The content version claims record."""
    now: dt.datetime
    bot_id: Callable[[], str | None]
    """The bot's own bot id, to recognise its messages in a channel's history."""
    team_of: Callable[[Subscription], str] = lambda subscription: ""
    """The team (workspace) of a subscription's channel, which the pacer paces on its
    own; "" for a deployment serving one workspace."""
    people: Mapping[str, Person] = field(default_factory=dict)
    """The people whose DMs this sweep posts to, by DM id (see `bot.daily.plan_dm`)."""
    stop: threading.Event = field(default_factory=threading.Event)
    """Set to stop the whole sweep (shared by every team's context of one sweep)."""
    team: str | None = None
    """The one installed team this context posts to, when briefbot serves many: a token
    Slack refuses then stops that team's posts only, and the other teams carry on."""
    auth_error: str | None = None
    """Set when Slack refused the token: nothing more can be sent, notices neither."""
    _messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def daily_message(self, brief: Brief) -> dict[str, Any]:
        """The daily message for `brief`, built once per sweep rather than once per channel."""
        with self._lock:
            if brief.id not in self._messages:
                self._messages[brief.id] = daily_message(brief)
            return self._messages[brief.id]

    def find(self, key: DeliveryKey, claimed_at: dt.datetime | None) -> Found:
        """The post of `key` in Slack, searched from a little before its claim."""
        since = (claimed_at or self.now) - dt.timedelta(minutes=5)
        return find_post(self.client, key, since, bot_id=self.bot_id())

    def unknown(self, key: DeliveryKey, day: dt.date, brief_id: str, reason: str) -> None:
        log.error(
            "daily post to %s for %s may or may not have been posted: %s; it will not be "
            "posted again",
            key.channel,
            day.isoformat(),
            reason,
        )
        self.report.add(Section.UNKNOWN, Entry(key.channel, day, brief_id, detail=reason))
        self.notices.unknown(key.channel, day, reason)

    def database_failed(self, error: SQLAlchemyError) -> str:
        """Stop the sweep because the database failed; returns what went wrong, for people.

        Posts not sent yet are reported as not posted; their rows, if any, are taken
        up by a later sweep (a claim left in flight once it is stale).
        """
        reason = describe_database_error(error, self.store.engine.url)
        if self.report.database_failed(reason):
            log.error("the database failed during the daily sweep: %s", reason)
        self.halt(f"the database failed: {reason}")
        return reason

    def halt(self, reason: str) -> None:
        self.report.stop(reason)
        self.stop.set()

    def token_refused(self, error: str) -> None:
        with self._lock:
            first = self.auth_error is None
            self.auth_error = error
        if self.team is not None:
            if first:
                log.error(
                    "Slack refused the token of team %s (%s): nothing more is posted there "
                    "this sweep; the other teams carry on.",
                    self.team,
                    error,
                )
            return
        if self.report.stop(error):
            log.critical(
                "Slack refused briefbot's token (%s): the daily sweep has stopped and "
                "no daily brief will be posted until SLACK_BOT_TOKEN is fixed.",
                error,
            )
        self.stop.set()


class PostKind(Enum):
    """How a post comes to be sent, which decides how its ledger row is taken."""

    NEW = "new"
    """No row yet: claim one."""
    RETRY = "retry"
    """A failed row: take it back to claimed."""
    ADOPTED = "adopted"
    """A row this process took over from one that died: already ours."""
    CLAIMED = "claimed"
    """A row this process claimed before handing out the task: already ours."""


class PostTask:
    """Claim, send and record one channel's post; run again after a 429."""

    def __init__(
        self,
        context: PostContext,
        subscription: Subscription,
        due: Due,
        brief_id: str,
        payload: dict[str, Any],
        kind: PostKind,
    ) -> None:
        """`brief_id` names the brief posted (a weekly digest's first; "" for the flood
        guard's line)."""
        self.context = context
        self.subscription = subscription
        self.due = due
        self.key = due.key
        self.brief_id = brief_id
        self.payload = payload
        self.kind = kind
        self.channel = due.key.channel
        self.team = context.team_of(subscription)
        self.claimed = kind in (PostKind.ADOPTED, PostKind.CLAIMED)
        self.sent_once = False
        self.ratelimits = 0
        self.answer: Result | None = None
        """What Slack answered to this run's send, if it got that far."""
        self.answer_ts: str | None = None

    def run(self) -> bool:
        """Post (or try again later: True); any failure ends up in the sweep's report."""
        self.answer, self.answer_ts = None, None
        try:
            return self.post()
        except SQLAlchemyError as error:
            reason = self.context.database_failed(error)
            self.not_recorded(f"the database failed: {reason}")
        except Exception as error:
            log.exception("daily post to %s failed unexpectedly", self.channel)
            self.not_recorded(f"{type(error).__name__}: {error}")
        return False

    def not_recorded(self, reason: str) -> None:
        """Report a post whose outcome could not be recorded: not posted, or in doubt.

        Its ledger row, if any, stays in flight and a later sweep adopts it once stale:
        posted again if it was never sent, looked up in Slack's history if it may have been.
        """
        entry = Entry(self.channel, self.due.local_date, self.brief_id, self.answer_ts)
        if self.answer in (Result.POSTED, Result.UNCERTAIN):
            sent = "posted" if self.answer == Result.POSTED else "sent, Slack's answer unclear"
            detail = f"{sent} but not recorded: {reason}; a later sweep looks it up"
            self.context.report.add(Section.IN_DOUBT, dataclasses.replace(entry, detail=detail))
        else:
            detail = f"not posted: {reason}"
            self.context.report.add(Section.FAILED, dataclasses.replace(entry, detail=detail))

    def take(self) -> bool:
        """Make this post's ledger row ours and mark it `posting`; False if it is not ours."""
        context, store, key = self.context, self.context.store, self.key
        if not self.claimed:
            if self.kind is PostKind.NEW:
                # Claimed already `posting`, as the request goes out next: one write.
                self.claimed = store.claim(
                    key,
                    self.due.local_date,
                    self.brief_id,
                    context.version,
                    context.worker,
                    items=self.due.items,
                    sending=True,
                )
                return self.claimed  # False: another process has it
            if not store.retry_failed(key, context.worker):
                return False  # another process has it
            self.claimed = True
        day = self.due.local_date
        if not self.sent_once:
            if not store.mark_posting(key, worker=context.worker):
                log.warning("lost the claim on %s %s before posting", self.channel, day)
                return False
        elif not store.take_over(key, context.worker, from_worker=context.worker):
            # Adopted by another process while we waited out a 429: it is theirs now.
            log.warning("another process took over %s %s; not posting it", self.channel, day)
            return False
        return True

    def post(self) -> bool:
        context, store, key = self.context, self.context.store, self.key
        channel, day, worker = self.channel, self.due.local_date, context.worker
        if context.stop.is_set():
            self.abandon(f"sweep stopped: {context.report.stopped}")
            return False
        if context.auth_error is not None:
            self.abandon(f"Slack refused the team's token: {context.auth_error}")
            return False
        if not self.take():
            return False
        self.sent_once = True
        context.pacer.turn(self.team)
        metadata = post_metadata(key, self.brief_id, day)
        outcome = send_post(context.client, channel, self.payload, metadata)
        self.answer, self.answer_ts = outcome.result, outcome.ts
        context.pacer.sent(channel, outcome.answered_at, self.team)
        entry = Entry(channel, day, self.brief_id, outcome.ts, outcome.error)
        if outcome.result == Result.POSTED:
            assert outcome.ts is not None
            if store.mark_posted(key, outcome.ts, worker=worker):
                context.report.add(Section.POSTED, entry)
            else:
                log.error("posted %s %s (ts %s) but its ledger row moved", channel, day, outcome.ts)
            return False
        if outcome.result == Result.RATELIMITED:
            context.pacer.hold(channel, outcome.answered_at + outcome.retry_after, self.team)
            self.ratelimits += 1
            if self.ratelimits < MAX_RATELIMITS:
                return True
            store.mark_failed(key, f"rate limited {self.ratelimits} times", worker=worker)
            context.report.add(Section.FAILED, entry)
            return False
        if outcome.result == Result.UNCERTAIN:
            store.mark_unknown(key, outcome.error, worker=worker)
            self.reconcile(entry)
            return False
        store.mark_failed(key, outcome.error, worker=worker)
        person = context.people.get(channel)
        if person is not None and self.person_left(person, outcome):
            store.forget_person(person.user_id, f"{outcome.error}: they left the workspace")
            log.warning("%s left the workspace (%s): unsubscribed", person.user_id, outcome.error)
            context.report.add(
                Section.PAUSED,
                dataclasses.replace(entry, detail=f"{outcome.error}: left, unsubscribed"),
            )
            return False
        if outcome.result == Result.CHANNEL:
            store.pause(channel, f"{outcome.error} on {day.isoformat()}")
            log.warning("paused the daily brief of %s: Slack answered %s", channel, outcome.error)
            context.report.add(Section.PAUSED, entry)
            context.notices.channel_paused(self.subscription, outcome.error)
        elif outcome.result == Result.AUTH:
            context.report.add(Section.FAILED, entry)
            context.token_refused(outcome.error)
        else:
            log.error("Slack refused the daily post to %s: %s", channel, outcome.error)
            context.report.add(Section.FAILED, entry)
        return False

    def person_left(self, person: Person, outcome: Outcome) -> bool:
        """Whether a post to a person's DM failed because they left the workspace: Slack
        says the user is gone, or the DM is and `users.info` says they were deactivated."""
        if outcome.error in PERSON_GONE:
            return True
        if outcome.result != Result.CHANNEL:
            return False
        try:
            answer = self.context.client.users_info(user=person.user_id)
        except SlackApiError as error:
            return str(error.response.get("error") or "") in PERSON_GONE
        except Exception:
            return False  # Slack is unreachable: nothing is known, nothing is changed
        return bool((answer.get("user") or {}).get("deleted"))

    def reconcile(self, entry: Entry) -> None:
        """After an uncertain answer, look for the post once; else report it in doubt."""
        context, key, day = self.context, self.key, self.due.local_date
        row = context.store.delivery(key)
        found = context.find(key, row.claimed_at if row else None)
        recorded = found.lookup == Lookup.FOUND and found.ts is not None
        if recorded and context.store.mark_posted(key, str(found.ts), worker=context.worker):
            context.report.add(
                Section.RECONCILED, Entry(self.channel, day, self.brief_id, found.ts)
            )
            return
        detail = entry.detail
        if found.lookup != Lookup.FOUND:
            detail = f"{detail}; history: {found.lookup.value} {found.error}".strip()
        context.unknown(key, day, self.brief_id, detail)

    def abandon(self, reason: str) -> None:
        """Give the post back without sending it: reported as not posted, tried again later."""
        day = self.due.local_date
        self.context.report.add(
            Section.FAILED, Entry(self.channel, day, self.brief_id, detail=f"not posted: {reason}")
        )
        # If the database is what failed, the row stays in flight for a later sweep to adopt.
        if self.claimed:
            with contextlib.suppress(SQLAlchemyError):
                self.context.store.mark_failed(self.key, reason, worker=self.context.worker)
