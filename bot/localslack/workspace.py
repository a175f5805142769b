"""The pretend workspace behind the local Slack: channels, people and what was posted.

Nothing here is thread-safe on its own; `LocalSlack` holds one lock around every use.
Messages are kept as the dicts Slack returns from `conversations.history`, plus a few
keys (see `INTERNAL_KEYS`) that only tests and the console see.
"""

from __future__ import annotations

import copy
import datetime as dt
import time
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from bot.basics import DIGITS

BOT_USER_ID = "U0BRIEFBOT"
BOT_ID = "B0BRIEFBOT"
APP_ID = "A0BRIEFBOT"
TEAM_ID = "T0LOCAL"
TEAM_DOMAIN = "localslack"
TEAM_NAME = "Local Workspace"
DEFAULT_TZ = "America/Los_Angeles"

# Keys kept on stored messages for tests and the console, never sent in API answers.
INTERNAL_KEYS = frozenset({"channel", "unfurl_links", "unfurl_media", "deleted", "source"})


@dataclass(slots=True)
class Channel:
    """A conversation the bot may post in. IMs have `is_im` and the other person's `user`."""

    id: str
    name: str
    is_private: bool = False
    is_archived: bool = False
    bot_is_member: bool = True
    is_im: bool = False
    user: str | None = None
    created: int = field(default_factory=lambda: int(time.time()))

    def to_api(self) -> dict[str, Any]:
        """The channel as `conversations.info` describes it."""
        if self.is_im:
            return {
                "id": self.id,
                "created": self.created,
                "is_im": True,
                "is_org_shared": False,
                "user": self.user,
                "is_user_deleted": False,
                "priority": 0,
            }
        return {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": not self.is_private,
            "is_group": self.is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": self.is_private,
            "is_archived": self.is_archived,
            "is_general": self.name == "general",
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "is_member": self.bot_is_member,
            "created": self.created,
            "creator": "U0ALICE",
            "unlinked": 0,
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
            "previous_names": [],
        }


@dataclass(frozen=True, slots=True)
class User:
    """A person (or bot) in the workspace. `tz` None means Slack knows no time zone."""

    id: str
    name: str
    real_name: str = ""
    tz: str | None = DEFAULT_TZ
    is_bot: bool = False
    is_admin: bool = False
    deleted: bool = False

    def to_api(self, now: float, team_id: str = TEAM_ID) -> dict[str, Any]:
        """The user as `users.info` (and the `user_change` event) describes it, with the
        offset in force at `now`."""
        real_name = self.real_name or self.name
        user: dict[str, Any] = {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "deleted": self.deleted,
            "real_name": real_name,
            "is_admin": self.is_admin,
            "is_owner": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "updated": int(now),
            "profile": {
                "real_name": real_name,
                "display_name": self.name,
                "real_name_normalized": real_name,
                "display_name_normalized": self.name,
                "team": team_id,
            },
        }
        if self.is_bot:
            user["profile"]["bot_id"] = BOT_ID
            user["profile"]["api_app_id"] = APP_ID
        if self.tz is not None:
            zone = zoneinfo.ZoneInfo(self.tz)
            local = dt.datetime.fromtimestamp(now, zone)
            offset = local.utcoffset() or dt.timedelta(0)
            user["tz"] = self.tz
            user["tz_label"] = local.tzname() or self.tz
            user["tz_offset"] = int(offset.total_seconds())
        return user


def default_users() -> list[User]:
    """A few people in different time zones and the bot itself, for the console."""
    return [
        User("U0ALICE", "alice", "Alice Adams", tz="America/New_York", is_admin=True),
        User("U0BOB", "bob", "Bob Berg", tz="Europe/Helsinki"),
        User("U0CAROL", "carol", "Carol Chandra", tz="Asia/Kolkata"),
        User(BOT_USER_ID, "briefbot", "briefbot", tz=DEFAULT_TZ, is_bot=True),
    ]


def default_channels() -> list[Channel]:
    """#general, which the bot is in, so the console works out of the box."""
    return [Channel("C0GENERAL", "general")]


def format_ts(micros: int) -> str:
    """Slack's message timestamp: seconds, a dot, and six digits."""
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


def parse_ts(value: Any) -> int | None:
    """A Slack timestamp ("1700000000.000100", or a number) in microseconds; None if unreadable.

    Integers avoid float rounding, which at six decimals can make equal stamps differ.
    """
    if value is None or value == "":
        return None
    text = str(value).strip()
    whole, _, fraction = text.partition(".")
    if not DIGITS.fullmatch(whole) or (fraction and not DIGITS.fullmatch(fraction)):
        return None
    return int(whole) * 1_000_000 + int((fraction + "000000")[:6])


class Workspace:
    """Channels, users and messages. The owner serialises access with its lock."""

    def __init__(self) -> None:
        self.channels: dict[str, Channel] = {}
        self.users: dict[str, User] = {}
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.ephemeral: list[dict[str, Any]] = []
        self.views: dict[str, dict[str, Any]] = {}
        self.modals: dict[str, dict[str, Any]] = {}
        """Modals opened with views.open, by view id (closed ones keep `closed`)."""
        self.triggers: dict[str, str] = {}
        """Trigger ids handed out with interactions -> the person who interacted."""
        self.exchanged_triggers: set[str] = set()
        self._last_micros = 0

    # --- registry ---------------------------------------------------------

    def find_channel(self, ref: str) -> Channel | None:
        """A channel by id, by `#name` or name, or an IM for a user id (opened on demand)."""
        if ref in self.channels:
            return self.channels[ref]
        name = ref.removeprefix("#")
        for channel in self.channels.values():
            if not channel.is_im and channel.name == name:
                return channel
        if ref in self.users:
            return self.open_im(ref)
        return None

    def open_im(self, user_id: str) -> Channel:
        """The direct-message conversation between the bot and `user_id`."""
        for channel in self.channels.values():
            if channel.is_im and channel.user == user_id:
                return channel
        channel = Channel(f"D{user_id[1:]}", user_id, is_private=True, is_im=True, user=user_id)
        self.channels[channel.id] = channel
        return channel

    # --- messages ---------------------------------------------------------

    def next_ts(self, now: float) -> str:
        """A message timestamp after every earlier one, close to `now`."""
        micros = max(int(now * 1_000_000), self._last_micros + 1)
        self._last_micros = micros
        return format_ts(micros)

    def channel_messages(self, channel_id: str) -> list[dict[str, Any]]:
        """The live list of a channel's messages (top level and replies), oldest first."""
        return self.messages.setdefault(channel_id, [])

    def find_message(self, channel_id: str, ts: str) -> dict[str, Any] | None:
        """The stored message `ts` in `channel_id`, or None."""
        for message in reversed(self.messages.get(channel_id, [])):
            if message["ts"] == ts and not message.get("deleted"):
                return message
        return None

    def add_message(self, message: dict[str, Any]) -> dict[str, Any]:
        """Store a message and keep its thread parent's reply counters current."""
        channel_id = message["channel"]
        thread_ts = message.get("thread_ts")
        if thread_ts and thread_ts != message["ts"]:
            parent = self.find_message(channel_id, thread_ts)
            if parent is not None:
                if parent.get("thread_ts") and parent["thread_ts"] != parent["ts"]:
                    # A reply to a reply belongs to the parent's thread, as in Slack.
                    message["thread_ts"] = parent["thread_ts"]
                    parent = self.find_message(channel_id, parent["thread_ts"]) or parent
                parent["thread_ts"] = parent["ts"]
                parent["reply_count"] = parent.get("reply_count", 0) + 1
                users = parent.setdefault("reply_users", [])
                if message.get("user") and message["user"] not in users:
                    users.append(message["user"])
                parent["reply_users_count"] = len(users)
                parent["latest_reply"] = message["ts"]
        self.channel_messages(channel_id).append(message)
        return message

    def thread(self, channel_id: str, thread_ts: str) -> list[dict[str, Any]]:
        """Parent and replies of a thread, oldest first (empty if the parent is unknown)."""
        return [
            m
            for m in self.messages.get(channel_id, [])
            if not m.get("deleted") and (m["ts"] == thread_ts or m.get("thread_ts") == thread_ts)
        ]

    def history(self, channel_id: str) -> list[dict[str, Any]]:
        """What `conversations.history` lists: top-level messages and broadcast replies."""
        return [
            m
            for m in self.messages.get(channel_id, [])
            if not m.get("deleted")
            and (
                not m.get("thread_ts")
                or m["thread_ts"] == m["ts"]
                or m.get("subtype") == "thread_broadcast"
            )
        ]


def for_api(message: dict[str, Any], *, include_metadata: bool = True) -> dict[str, Any]:
    """A copy of a stored message as Slack sends it back (internal keys removed)."""
    out = {k: copy.deepcopy(v) for k, v in message.items() if k not in INTERNAL_KEYS}
    if not include_metadata:
        out.pop("metadata", None)
    return out
