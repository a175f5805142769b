"""Admin subcommands of /brief: reload, status, preview and report.

Only the Slack user ids in BRIEFBOT_ADMINS (the environment, never content) may run
them: their table entries say `admin_only`, so everyone else gets a polite refusal and
nothing runs, and `/brief help` shows these commands to admins only.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter

from bot import __version__
from bot.basics import whole_number
from bot.featured import featured_brief
from bot.listeners.commands.brief import BriefRequest, Subcommand
from bot.replica import replica_name
from bot.search.brief_index import brief_by_id
from bot.slack import admin_blocks, blocks
from bot.store import DeliveryState
from bot.suggest import did_you_mean

DEFAULT_REPORT_DAYS = 7
MAX_REPORT_DAYS = 3660
PROBLEM_STATES = (DeliveryState.FAILED.value, DeliveryState.UNKNOWN.value)


def reload_content(request: BriefRequest) -> None:
    """Reload now; answer with the version and counts, or with every error."""
    request.reply.ack()  # loading may take longer than Slack waits for an ack
    live = request.services.content

    def reload_and_answer() -> None:
        result = live.reload(trigger="command", requested_by=request.user_id)
        request.reply(admin_blocks.reload_reply(result, live.root))

    request.later(reload_and_answer)


def show_status(request: BriefRequest) -> None:
    services = request.services
    store = services.store
    live = services.content
    subscriptions = store.subscriptions()
    recent = store.deliveries(since=services.today() - dt.timedelta(days=14))
    posted_days = [d.local_date for d in recent if d.state != DeliveryState.SKIPPED]
    last_day = max(posted_days, default=None)
    problems = sorted(
        store.deliveries(state=PROBLEM_STATES),
        key=lambda d: (d.local_date, d.updated_at),
        reverse=True,
    )
    status = admin_blocks.Status(
        bot_version=__version__,
        replica=replica_name(),
        now=services.now(),
        started_at=services.started_at,
        library=live.current,
        content_dir=os.path.abspath(live.root),
        watch_mode=services.settings.watch,
        last_reload=live.last_reload,
        last_good_at=live.last_good_at,
        reloads=live.reloads,
        subscriptions=len({s.channel_id for s in subscriptions}),
        paused=len({s.channel_id for s in subscriptions if s.paused}),
        kinds=Counter(s.kind for s in subscriptions),
        last_posts=[d for d in recent if d.local_date == last_day],
        problems=problems,
        problems_total=len(problems),
    )
    request.reply(admin_blocks.status_message(status))


def preview(request: BriefRequest) -> None:
    """Exactly the message the daily post sends, for one brief (today's pick without an id)."""
    library = request.library
    wanted = request.args.strip()
    if not wanted:
        brief = featured_brief(request.services.store, library, request.services.today())
        if brief is None:
            request.reply(blocks.notice("There are no briefs to preview."))
            return
    else:
        brief = brief_by_id(library, wanted)
        if brief is None:
            hint = ", ".join(
                f"`/brief preview {name}`" for name in did_you_mean(wanted, library.by_id)
            )
            request.reply(
                blocks.notice(
                    f"No brief has the id “{wanted}”.",
                    detail=f"Did you mean {hint}?" if hint else "`/brief latest` lists ids.",
                )
            )
            return
    request.reply(blocks.brief_message(brief, ephemeral=False, daily=True))


def report(request: BriefRequest) -> None:
    """What people looked for over the last days, what they did not find, and what they
    found helpful or not (least helpful first)."""
    text = request.args.strip().lower().removesuffix("days").removesuffix("d").strip()
    days = whole_number(text, 1, MAX_REPORT_DAYS) if text else DEFAULT_REPORT_DAYS
    if days is None:
        request.reply(
            blocks.notice(
                f"“{request.args.strip()}” is not a number of days "
                f"(a whole number from 1 to {MAX_REPORT_DAYS}).",
                detail=f"Try /brief report 30 (default {DEFAULT_REPORT_DAYS} days).",
            )
        )
        return
    store = request.services.store
    now = request.services.now()
    found, votes = store.lookup_report(days, now), store.vote_report(days, now)
    request.reply(admin_blocks.report_message(found, request.library, votes))


SUBCOMMANDS = (
    Subcommand(
        "reload",
        reload_content,
        "*/brief reload* — load the content again now and say what changed, or what is wrong",
        admin_only=True,
    ),
    Subcommand(
        "status",
        show_status,
        "*/brief status* — content version, last reload, daily posts, failed deliveries, uptime",
        admin_only=True,
    ),
    Subcommand(
        "preview",
        preview,
        "*/brief preview* _id_ — exactly the daily post for that brief, shown only to you",
        admin_only=True,
    ),
    Subcommand(
        "report",
        report,
        "*/brief report* _[days]_ — most requested briefs and terms, what people did not find, "
        "and what they found helpful, least helpful first",
        admin_only=True,
    ),
)
