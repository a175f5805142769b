"""Messages for briefbot's admins: content errors and recovery, reloads, status and reports.

Like `bot.slack.blocks`, every builder returns a `Message` with a plain-text fallback
that fits Block Kit's limits, and everything that comes from content, files or people
is escaped. Error lists go in code blocks so that field names such as `see_also`
are not read as formatting. Builders take plain data: the content's own records and
the frozen records the store hands out (`bot.records`), so Block Kit building never
reaches into the store.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.content.errors import ContentError
from bot.content.library import Library
from bot.content.live import ReloadResult
from bot.records import Counted, Delivery, LookupReport, Tally, VoteReport
from bot.schedule import Kind
from bot.slack.blocks import CONTEXT_MAX, FALLBACK_MAX, Message, chunk_lines, format_date
from bot.slack.limits import MESSAGE_BLOCKS_MAX, SECTION_TEXT_MAX
from bot.slack.mrkdwn import cut_mrkdwn, escape, escape_within, truncate

MAX_ERRORS_SHOWN = 30
"""More errors than this are summed up in one line; `briefbot validate` lists them all."""
MAX_ERRORS_PER_FILE = 5
MAX_DELIVERIES_SHOWN = 10


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text or " ", verbatim=True))


def _context(text: str) -> ContextBlock:
    return ContextBlock(
        elements=[MarkdownTextObject(text=cut_mrkdwn(text, CONTEXT_MAX) or " ", verbatim=True)]
    )


def plural(count: int, word: str) -> str:
    """`1 error`, `2 errors`, `5 /brief searches`: English plurals of the words we count."""
    if count == 1:
        return f"{count:,} {word}"
    ending = "es" if word.endswith(("s", "sh", "ch", "x", "z")) else "s"
    return f"{count:,} {word}{ending}"


def library_counts(library: Library) -> str:
    """`6 briefs, 40 terms`."""
    return f"{plural(len(library.briefs), 'brief')}, {plural(len(library.terms), 'term')}"


def error_lines(errors: Sequence[ContentError], root: str | os.PathLike[str] | None) -> list[str]:
    """Each error as `briefs/x.yml:4: message`, with paths relative to the content folder."""
    lines = []
    for error in errors:
        if root is not None and error.path:
            try:
                relative = os.path.relpath(error.path, root)
            except ValueError:  # another drive on Windows
                relative = error.path
            if not relative.startswith(os.pardir):
                error = replace(error, path=relative)
        lines.append(str(error))
    return lines


def _code_blocks(lines: Sequence[str]) -> list[SectionBlock]:
    """Lines in as few ``` sections as fit; backticks in them cannot end the block early."""
    budget = SECTION_TEXT_MAX - 10
    escaped = [escape_within(line.replace("`", "'"), budget) for line in lines]
    return [_section(f"```{chunk}```") for chunk in chunk_lines("", escaped, budget)]


def shown_error_lines(
    errors: Sequence[ContentError],
    root: str | os.PathLike[str] | None,
    *,
    limit: int = MAX_ERRORS_SHOWN,
) -> list[str]:
    """The errors to show, about `limit` lines at most, with every file that has errors.

    One broken file can make dozens of others fail (a glossary that does not parse
    leaves every brief's terms unresolved), so a long list shows the first few lines of
    each file, not all the lines of the first files; the cause is then in view too.
    """
    lines = error_lines(errors, root)
    if len(lines) <= limit:
        return lines
    by_file: dict[str, list[str]] = {}
    for error, line in zip(errors, lines, strict=True):
        by_file.setdefault(error.path, []).append(line)
    per_file = max(1, min(MAX_ERRORS_PER_FILE, limit // len(by_file)))
    shown: list[str] = []
    files = list(by_file.values())
    for index, file_lines in enumerate(files):
        if index >= limit:
            hidden = sum(len(rest) for rest in files[index:])
            shown.append(
                f"…and {plural(hidden, 'more error')} in {plural(len(files) - index, 'more file')}"
            )
            break
        shown.extend(file_lines[:per_file])
        if len(file_lines) > per_file:
            shown.append(f"  …and {plural(len(file_lines) - per_file, 'more error')} in this file")
    return shown


def errors_blocks(
    errors: Sequence[ContentError], root: str | os.PathLike[str] | None
) -> list[Block]:
    blocks: list[Block] = list(_code_blocks(shown_error_lines(errors, root)))
    if len(errors) > MAX_ERRORS_SHOWN:
        blocks.append(_context("`briefbot validate` lists every error."))
    return blocks


def content_errors_message(
    result: ReloadResult, root: str | os.PathLike[str] | None, *, replica: str = ""
) -> Message:
    """The DM admins get when an edit broke the content: every error, and what still serves."""
    count = plural(len(result.errors), "error")
    served = result.library
    head = (
        f":warning: *The content has {count}*, so briefbot did not load it. "
        f"It keeps serving the last good content (version `{served.version}`, "
        f"{library_counts(served)})."
    )
    blocks: list[Block] = [_section(head), *errors_blocks(result.errors, root)]
    blocks.append(
        _context(
            "Fix the files and save: briefbot reloads by itself and tells you when the content "
            "is good again. `briefbot validate` shows the same list."
            + (f" Seen by {escape(replica)}." if replica else "")
        )
    )
    fallback = f"The content has {count}; briefbot keeps serving version {served.version}. " + (
        "; ".join(error_lines(result.errors[:5], root))
    )
    return Message(
        text=escape(truncate(fallback, FALLBACK_MAX)), blocks=blocks[:MESSAGE_BLOCKS_MAX]
    )


def content_recovered_message(result: ReloadResult, *, replica: str = "") -> Message:
    """The DM admins get when the content loads cleanly again after errors."""
    library = result.library
    text = (
        f":white_check_mark: *The content is valid again.* briefbot now serves version "
        f"`{library.version}` ({library_counts(library)})."
    )
    blocks: list[Block] = [_section(text)]
    if replica:
        blocks.append(_context(f"Seen by {escape(replica)}."))
    fallback = f"The content is valid again: version {library.version} ({library_counts(library)})."
    return Message(text=fallback, blocks=blocks)


def reload_reply(result: ReloadResult, root: str | os.PathLike[str] | None) -> Message:
    """What `/brief reload` answers: the version now served, or every error."""
    if not result.ok:
        return content_errors_message(result, root)
    library = result.library
    if result.changed:
        what = (
            f"Reloaded: now serving version `{library.version}` (was `{result.previous_version}`)"
        )
    else:
        what = f"Reloaded: nothing changed, still version `{library.version}`"
    text = (
        f"{what}, {library_counts(library)}. Took {result.seconds * 1000:.0f} ms, "
        f"{plural(result.files_parsed, 'file')} read."
    )
    return Message(
        text=text.replace("`", ""), blocks=[_section(f":arrows_counterclockwise: {text}")]
    )


# -- /brief status -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Status:
    """Everything `/brief status` shows, gathered by the listener; rendering is pure."""

    bot_version: str
    replica: str
    now: dt.datetime
    started_at: dt.datetime
    library: Library
    content_dir: str
    watch_mode: str
    last_reload: ReloadResult
    last_good_at: dt.datetime
    reloads: int
    subscriptions: int
    """Channels with at least one subscription."""
    paused: int
    """Channels with a paused subscription."""
    last_posts: Sequence[Delivery]
    """The ledger rows of the newest date any daily post was made for."""
    problems: Sequence[Delivery]
    """Failed or unknown deliveries, newest first."""
    problems_total: int
    kinds: Mapping[str, int] = field(default_factory=dict)
    """Subscriptions by kind (daily, new, weekly)."""


def format_duration(seconds: float) -> str:
    """`3 d 4 h`, `2 h 5 min`, `4 min`, `12 s`."""
    seconds = max(0, int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min"
    return f"{secs} s"


def _when(at: dt.datetime | None, now: dt.datetime) -> str:
    if at is None:
        return "never"
    return f"{at:%Y-%m-%d %H:%M:%S} UTC ({format_duration((now - at).total_seconds())} ago)"


def _reload_line(result: ReloadResult, status: Status) -> str:
    via = {"start": "at start-up", "watch": "after a file change", "command": "by /brief reload"}
    how = via.get(result.trigger, f"by {escape(result.trigger)}" if result.trigger else "")
    if result.ok:
        outcome = (
            f"OK, version `{result.previous_version}` → `{result.library.version}`"
            if result.changed and result.previous_version
            else "OK, nothing changed"
            if result.trigger != "start"
            else f"OK, version `{result.library.version}`"
        )
    else:
        outcome = (
            f":warning: *{plural(len(result.errors), 'error')}*; still serving the content "
            f"last loaded cleanly {_when(status.last_good_at, status.now)}"
        )
    took = f" in {result.seconds * 1000:.0f} ms" if result.seconds else ""
    return f"*Last reload*: {_when(result.at, status.now)} {how}{took}: {outcome}"


def _delivery_line(delivery: Delivery) -> str:
    error = f": {escape_within(delivery.error, 300)}" if delivery.error else ""
    return (
        f"• <#{delivery.channel_id}> {delivery.local_date.isoformat()} *{delivery.state}* "
        f"(brief `{escape_within(delivery.brief_id, 80)}`, {plural(delivery.attempts, 'attempt')})"
        f"{error}"
    )


KIND_ORDER = tuple(kind.value for kind in Kind)


def status_message(status: Status) -> Message:
    """`/brief status`: content, last reload, daily posts, problems, uptime and version."""
    library = status.library
    uptime = format_duration((status.now - status.started_at).total_seconds())
    lines = [
        f"*briefbot {escape(status.bot_version)}* on {escape(status.replica)}, up {uptime}",
        f"*Content*: version `{library.version}`, {library_counts(library)} "
        f"from `{escape_within(status.content_dir.replace('`', ''), 300)}` "
        f"(watching: {escape(status.watch_mode)}; {plural(status.reloads, 'reload')} since start)",
        _reload_line(status.last_reload, status),
    ]
    subs = plural(status.subscriptions, "channel")
    kinds = ", ".join(f"{status.kinds[k]} {k}" for k in KIND_ORDER if status.kinds.get(k))
    paused = f", {status.paused} paused" if status.paused else ""
    detail = f" ({kinds}{paused})" if kinds else (f" ({status.paused} paused)" if paused else "")
    lines.append(f"*Channel posts*: {subs} subscribed{detail}")
    if status.last_posts:
        day = status.last_posts[0].local_date
        counts: dict[str, int] = {}
        for delivery in status.last_posts:
            counts[delivery.state] = counts.get(delivery.state, 0) + 1
        summary = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
        latest = max(d.updated_at for d in status.last_posts)
        lines.append(
            f"*Last daily sweep*: posts for {format_date(day)}: {summary} "
            f"(last change {_when(latest, status.now)})"
        )
    else:
        lines.append("*Last daily sweep*: no daily post has been made yet")
    blocks: list[Block] = [_section("\n".join(lines))]
    if status.problems:
        shown = [_delivery_line(d) for d in status.problems[:MAX_DELIVERIES_SHOWN]]
        more = status.problems_total - len(shown)
        title = f"*Failed or unknown deliveries* ({status.problems_total})"
        text = title + "\n" + "\n".join(shown)
        blocks.append(_section(cut_mrkdwn(text, SECTION_TEXT_MAX)))
        if more > 0:
            blocks.append(_context(f"…and {more} more."))
        blocks.append(
            _context(
                "_unknown_: Slack may or may not have posted it (a timeout after sending); "
                "_failed_: it was not posted. Check the channel before posting by hand."
            )
        )
    else:
        blocks.append(_context("No failed or unknown deliveries."))
    fallback = (
        f"briefbot {status.bot_version} on {status.replica}: content {library.version} "
        f"({library_counts(library)}), {subs} subscribed, "
        f"{status.problems_total} failed or unknown deliveries, up {uptime}."
    )
    return Message(text=escape(truncate(fallback, FALLBACK_MAX)), blocks=blocks)


# -- /brief report -----------------------------------------------------------------


def _counted_lines(items: Sequence[Counted], label: dict[str, str] | None = None) -> list[str]:
    lines = []
    for item in items:
        name = escape_within(item.name, 200)
        if label and item.name in label:
            name = f"{escape_within(label[item.name], 200)} (`{name}`)"
        lines.append(f"• {item.count:,} × {name}")
    return lines or ["• _none_"]


MAX_TALLIES_SHOWN = 10
"""Briefs and terms each listed by `/brief report`; `briefbot report` lists them all."""


def _tally_lines(items: Sequence[Tally], label: Mapping[str, str] | None = None) -> list[str]:
    lines = []
    for item in items[:MAX_TALLIES_SHOWN]:
        name = escape_within(item.name, 200)
        if label and item.name in label:
            name = f"{escape_within(label[item.name], 200)} (`{name}`)"
        lines.append(
            f"• *{item.helpful_percent}* helpful · 👍 {item.up:,} 👎 {item.down:,} · {name}"
        )
    if len(items) > MAX_TALLIES_SHOWN:
        lines.append(f"• …and {len(items) - MAX_TALLIES_SHOWN:,} more: `briefbot report` lists all")
    return lines or ["• _no votes_"]


def report_message(
    report: LookupReport, library: Library, votes: VoteReport | None = None
) -> Message:
    """`/brief report`: most requested briefs and terms, what people did not find, and
    (with `votes`) what they found helpful or not, least helpful first."""
    days = report.days
    span = f"{days:g} day{'' if days == 1 else 's'}"
    titles = {brief.id: brief.title for brief in library.briefs}
    head = (
        f"*Lookups in the last {span}*: {plural(report.brief_lookups, '/brief search')}, "
        f"{plural(report.define_lookups, '/define lookup')}."
    )
    sections = [
        ("Most requested briefs", _counted_lines(report.top_briefs, titles)),
        ("Most requested terms", _counted_lines(report.top_terms)),
        ("Searches that found no brief", _counted_lines(report.missed_queries)),
        (
            "Terms not in the glossary (the glossary's to-do list)",
            _counted_lines(report.missed_terms),
        ),
    ]
    if votes is not None:
        for what, tallies in (("Briefs", votes.briefs), ("Terms", votes.terms)):
            count = plural(sum(t.votes for t in tallies), "vote")
            sections.append(
                (
                    f"Was this helpful? {what}, least helpful first ({count} in the last {span})",
                    _tally_lines(tallies, titles if what == "Briefs" else None),
                )
            )
    blocks: list[Block] = [_section(head)]
    for title, lines in sections:
        blocks.append(_section(cut_mrkdwn(f"*{title}*\n" + "\n".join(lines), SECTION_TEXT_MAX)))
    text = report.to_text() + ("\n\n" + votes.to_text() if votes is not None else "")
    return Message(text=escape(truncate(text, FALLBACK_MAX)), blocks=blocks)
