"""The App Home's buttons for briefs in your own DMs: Subscribe me (and the other kinds),
Stop, Snooze a week and Unsnooze. Each acks at once, does what `/brief subscribe`,
`/brief unsubscribe`, `/brief snooze` and `/brief unsnooze` would, answers in the
person's DM with briefbot and publishes the Home tab again."""

from __future__ import annotations

from bot.listeners.acked import Acked, acked_then
from bot.listeners.commands import brief_dm
from bot.listeners.events.app_home import publish_home
from bot.schedule import Kind


def _kind(acked: Acked) -> Kind | None:
    try:
        return Kind(str(acked.payload.get("value") or ""))
    except ValueError:
        return None  # a forged or stale value: nothing is changed


def _finish(acked: Acked, answer: brief_dm.Answer) -> None:
    user_id = acked.body["user"]["id"]
    acked.client.chat_postMessage(channel=user_id, **answer.message().payload(), unfurl_links=False)
    publish_home({"user": user_id}, acked.context, acked.client)


def _subscribe(acked: Acked) -> None:
    """Subscribe me: the kind the button names, with its defaults, in the person's zone."""
    kind = _kind(acked)
    if kind is None:
        return
    words = "" if kind is Kind.DAILY else kind.value
    services = acked.deps.services
    answer = brief_dm.subscribe_person(
        services, acked.deps.library, acked.client, acked.body["user"]["id"], words
    )
    _finish(acked, answer)


def _unsubscribe(acked: Acked) -> None:
    kind = _kind(acked)
    if kind is None:
        return
    _finish(acked, brief_dm.unsubscribe_person(acked.deps.services, acked.body["user"]["id"], kind))


def _snooze(acked: Acked) -> None:
    _finish(acked, brief_dm.snooze_person(acked.deps.services, acked.body["user"]["id"], "1w"))


def _unsnooze(acked: Acked) -> None:
    _finish(acked, brief_dm.unsnooze_person(acked.deps.services, acked.body["user"]["id"]))


subscribe_clicked = acked_then(_subscribe)
unsubscribe_clicked = acked_then(_unsubscribe)
snooze_clicked = acked_then(_snooze)
unsnooze_clicked = acked_then(_unsnooze)
