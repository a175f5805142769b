"""`content/schedule.yml`: channels whose posts the admins declare.

    # content/schedule.yml
    channels:
      - channel: C0123ABCD        # the channel's id
        kind: daily               # daily (default), new or weekly
        time: "09:00"             # local wall-clock time, 24-hour (not for new)
        zone: Europe/Helsinki     # IANA time zone
        days: weekdays            # weekdays (default), daily or mon,wed,fri
        tags: [governance]        # only briefs with one of these tags

A channel may have one entry of each kind.

The file is checked like the rest of the content, with the same machinery: its fields
are `FieldSpec`s (bot/content/schedule_fields.py, which also gives editors a JSON
Schema), it is opened as content files are (a named pipe or a link out of the folder is
refused, never waited on), read as safe YAML, every mistake comes back with its file,
line and field, "did you mean" is `bot.suggest`'s, and a bad file is never
half-applied. Declared channels are copied into the store (`Store.sync_declared`) and
cannot be changed from Slack. A missing file declares nothing.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.content.errors import ContentError, ContentInvalid
from bot.content.files import RefusedFile, read_with_stat
from bot.content.safe_yaml import (
    YamlError,
    YamlList,
    YamlMap,
    describe_value,
    read_yaml,
)
from bot.content.schedule_fields import (
    CHANNEL_ID_PATTERN,
    MAX_CHANNELS,
    REQUIRED_SCHEDULE_FIELDS,
    SCHEDULE_FIELD_NAMES,
    SCHEDULE_FILE,
)
from bot.schedule import (
    DEFAULT_DAYS,
    DEFAULT_TIME,
    DEFAULT_WEEKLY_DAY,
    WEEKDAY_NAMES,
    Kind,
    Schedule,
    ScheduleError,
    SubscriptionSpec,
    canonical_days,
    canonical_zone,
    parse_tags,
    parse_time,
    zone_suggestions,
)
from bot.suggest import did_you_mean

CHANNEL_ID_RE = re.compile(CHANNEL_ID_PATTERN)
FIELDS = SCHEDULE_FIELD_NAMES
REQUIRED = REQUIRED_SCHEDULE_FIELDS
FIELD_ALIASES = {"timezone": "zone", "tz": "zone", "channel_id": "channel", "id": "channel"}
"""Names people write for a field that the spelling alone would not suggest."""
Report = Callable[[int, str | None, str], None]
Declared = dict[tuple[str, Kind], SubscriptionSpec]
_SHAPE = "a 'channels:' list of entries (channel:, kind:, time:, zone:, days:, tags:)"


@dataclass(frozen=True, slots=True)
class DeclaredFile:
    """What schedule.yml declares: (channel id, kind) -> subscription, in file order."""

    path: str
    subscriptions: Mapping[tuple[str, Kind], SubscriptionSpec]
    exists: bool

    @property
    def schedules(self) -> dict[str, Schedule]:
        """The declared featured-brief (daily) posts: channel id -> schedule."""
        return {
            channel: spec.schedule
            for (channel, kind), spec in self.subscriptions.items()
            if kind is Kind.DAILY
        }


def schedule_path(content_dir: str | os.PathLike[str]) -> Path:
    return Path(content_dir) / SCHEDULE_FILE


def load_declared(content_dir: str | os.PathLike[str]) -> DeclaredFile:
    """Read and check `content_dir/schedule.yml`; raise ContentInvalid listing every error."""
    path = schedule_path(content_dir)
    try:
        data = _read(path, content_dir)
    except FileNotFoundError:
        return DeclaredFile(str(path), {}, exists=False)
    except RefusedFile as refused:
        raise ContentInvalid([ContentError(str(path), 0, None, refused.message)]) from None
    except OSError as error:
        reason = error.strerror or error.__class__.__name__
        raise ContentInvalid(
            [ContentError(str(path), 0, None, f"cannot read the file: {reason}")]
        ) from None
    subscriptions, errors = parse_declared(str(path), data)
    if errors:
        raise ContentInvalid(errors)
    return DeclaredFile(str(path), subscriptions, exists=True)


def declared_errors(content_dir: str | os.PathLike[str]) -> list[ContentError]:
    """Every mistake in `content_dir/schedule.yml` (none when it is fine or absent)."""
    try:
        load_declared(content_dir)
    except ContentInvalid as invalid:
        return list(invalid.errors)
    return []


def parse_declared(path: str, data: bytes) -> tuple[Declared, list[ContentError]]:
    """The subscriptions a schedule.yml declares, and the errors in it (file:line:field)."""
    errors: list[ContentError] = []

    def error(line: int, field: str | None, message: str) -> None:
        errors.append(ContentError(path, line, field, message))

    try:
        document = read_yaml(data)
    except YamlError as exc:
        return {}, [ContentError(path, exc.line, None, exc.message)]
    for problem in document.problems:
        error(problem.line, None, problem.message)
    root = document.value
    if root is None:
        return {}, errors  # an empty file declares nothing
    if root.__class__ is not YamlMap:
        error(getattr(root, "line", 1), None, f"expected {_SHAPE}, got {describe_value(root)}")
        return {}, errors
    for key in root:
        if key != "channels":
            error(root.line_of(key), key, f"unknown field '{key}' (the file has only 'channels:')")
    items = root.get("channels")
    if items is None:
        return {}, errors
    if items.__class__ is not YamlList:
        error(
            root.line_of("channels"),
            "channels",
            f"'channels' must be a list of entries, got {describe_value(items)}",
        )
        return {}, errors
    if len(items) > MAX_CHANNELS:
        error(items.line, "channels", f"{len(items)} channels; the limit is {MAX_CHANNELS:,}")
    subscriptions: Declared = {}
    first_line: dict[tuple[str, Kind], int] = {}
    for index, item in enumerate(items):
        line = items.line_of(index)
        where = f" (entry {index + 1} of 'channels')"
        if item.__class__ is not YamlMap:
            error(
                line,
                "channels",
                f"each item of 'channels' must be an entry (channel:, kind:, time:, zone:), "
                f"got {describe_value(item)}",
            )
            continue
        entry = _read_entry(item, where, error)
        if entry is None:
            continue
        channel, spec = entry
        key = (channel, spec.kind)
        if key in first_line:
            also = "" if spec.kind is Kind.DAILY else f" as {spec.kind.value}"
            error(
                item.line_of("channel"),
                "channel",
                f"channel {channel} is declared twice{also}{where}; it is first declared on "
                f"line {first_line[key]} (a channel may have one entry of each kind)",
            )
            continue
        first_line[key] = item.line_of("channel")
        subscriptions[key] = spec
    return (subscriptions if not errors else {}), errors


def _read_entry(item: YamlMap, where: str, error: Report) -> tuple[str, SubscriptionSpec] | None:
    ok = True
    for key in item:
        if key not in FIELDS:
            error(item.line_of(key), key, f"unknown field '{key}'{where}{_did_you_mean(key)}")
            ok = False
    kind = _kind(item, where, error)
    # New briefs go out as they are published: every other kind needs its time.
    required = REQUIRED if kind is Kind.NEW else (*REQUIRED, "time")
    for name in required:
        if name not in item:
            error(item.line, name, f"missing required field '{name}'{where}")
            ok = False
    if kind is Kind.NEW:
        for name in ("time", "days"):
            if name in item:
                error(
                    item.line_of(name),
                    name,
                    f"'{name}'{where}: new briefs are posted as they are published, so an "
                    f"entry of kind new takes no {name}; remove it",
                )
                ok = False
    channel = _channel(item, where, error) if "channel" in item else None
    post_time = _time(item, where, error) if "time" in item else DEFAULT_TIME
    zone = _zone(item, where, error) if "zone" in item else None
    days = _days(item, kind, where, error) if kind is not None else None
    tags = _tags(item, where, error)
    if (
        not ok
        or kind is None
        or channel is None
        or post_time is None
        or zone is None
        or days is None
        or tags is None
    ):
        return None
    return channel, SubscriptionSpec(kind, Schedule(post_time, zone, days), tags)


def _kind(item: YamlMap, where: str, error: Report) -> Kind | None:
    if "kind" not in item:
        return Kind.DAILY
    text = _text(item, "kind") or ""
    try:
        return Kind(text.lower())
    except ValueError:
        close = did_you_mean(text, [kind.value for kind in Kind], limit=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        error(
            item.line_of("kind"),
            "kind",
            f"'kind'{where} must be daily (the featured brief), new (new briefs as "
            f"published) or weekly (a digest), got '{text}'{hint}",
        )
        return None


def _text(item: YamlMap, field: str) -> str | None:
    """The field as written: text, or the spelling of a value YAML read as something else."""
    value = item[field]
    if isinstance(value, str):
        return value.strip()
    raw = item.raw.get(field)
    return raw.strip() if raw is not None else None


def _channel(item: YamlMap, where: str, error: Report) -> str | None:
    line = item.line_of("channel")
    text = _text(item, "channel")
    if not text:
        error(line, "channel", f"'channel'{where} must be a channel id like C0123ABCD")
        return None
    if text.startswith("#"):
        error(
            line,
            "channel",
            f"'channel'{where} must be the channel's id, not its name ({text}); in Slack, "
            "open the channel's details: the id (like C0123ABCD) is at the bottom",
        )
        return None
    if not CHANNEL_ID_RE.match(text):
        error(
            line,
            "channel",
            f"'channel'{where} must be a channel id like C0123ABCD (capital letters and "
            f"digits, starting with C or G), got '{text}'",
        )
        return None
    return text


def _time(item: YamlMap, where: str, error: Report) -> dt.time | None:
    line = item.line_of("time")
    # Unquoted 9:30 is a number to YAML 1.1; its spelling is kept, so accept it as text.
    text = _text(item, "time")
    if not text:
        error(line, "time", f"'time'{where} must be a time like \"09:00\"")
        return None
    try:
        return parse_time(text)
    except ScheduleError:
        error(
            line,
            "time",
            f"'time'{where} must be a time of day written HH:MM in 24-hour time, from 00:00 "
            f"to 23:59 (like \"09:30\"), got '{text}'",
        )
        return None


def _zone(item: YamlMap, where: str, error: Report) -> str | None:
    line = item.line_of("zone")
    text = _text(item, "zone")
    found = canonical_zone(text) if text else None
    if found is None:
        suggestions = zone_suggestions(text or "")
        hint = f" (did you mean {' or '.join(suggestions)}?)" if suggestions else ""
        error(
            line,
            "zone",
            f"'zone'{where}: unknown time zone '{text or ''}'{hint}; use an IANA name like "
            "Europe/Helsinki or America/New_York",
        )
        return None
    return found


def _words(item: YamlMap, field: str) -> str | None:
    """A field written as text ("mon,wed,fri") or as a list of words, as one text."""
    value = item[field]
    if value.__class__ is YamlList and value and all(isinstance(word, str) for word in value):
        return ",".join(value)
    return _text(item, field)


def _days(item: YamlMap, kind: Kind, where: str, error: Report) -> str | None:
    if "days" not in item:
        return DEFAULT_WEEKLY_DAY if kind is Kind.WEEKLY else DEFAULT_DAYS
    line = item.line_of("days")
    text = _words(item, "days")
    days = canonical_days(text) if text else None
    if days is None:
        shown = text if text is not None else describe_value(item["days"])
        error(
            line,
            "days",
            f"'days'{where} must be weekdays (Monday to Friday), daily, or days like "
            f"mon,wed,fri (or a list of them), got '{shown}'",
        )
        return None
    if kind is Kind.WEEKLY and days not in WEEKDAY_NAMES:
        error(
            line, "days", f"'days'{where}: a weekly digest posts on one day, like fri, got '{text}'"
        )
        return None
    return days


def _tags(item: YamlMap, where: str, error: Report) -> tuple[str, ...] | None:
    if "tags" not in item:
        return ()
    try:
        return parse_tags(_words(item, "tags") or "")
    except ScheduleError as problem:
        # The parser's message ends with how to type it in Slack; in the file, a list.
        reason = str(problem).split(" Type `/brief", 1)[0].rstrip(". ")
        error(
            item.line_of("tags"),
            "tags",
            f"'tags'{where}: {reason}; write a list like [governance, security]",
        )
        return None


def _did_you_mean(key: str) -> str:
    close = did_you_mean(key, FIELDS, limit=1)
    suggestion = close[0] if close else FIELD_ALIASES.get(key.lower())
    return f" (did you mean '{suggestion}'?)" if suggestion else f"; fields: {', '.join(FIELDS)}"


def _read(path: Path, content_dir: str | os.PathLike[str]) -> bytes:
    """The file's bytes, opened as content files are: never blocking, never outside the folder."""
    return read_with_stat(str(path), os.path.realpath(content_dir))[1]
