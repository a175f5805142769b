"""Settings, read once from the environment and validated in one place.

Every mistake is reported at start-up with the variable's name and what to do,
all of them at once, instead of failing later in the middle of a request.
"""

from __future__ import annotations

import os
import re
import zoneinfo
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

SLACK_API_DEFAULT = "https://slack.com/api/"
USER_ID_RE = re.compile(r"^[UW][A-Z0-9]{2,}$")
DURATION_RE = re.compile(r"^\s*([0-9]{1,9})\s*([a-z]*)\s*$")
_UNITS = {"m": 60, "h": 3600, "d": 86400}
DURATION_FORMS = "a whole number and a unit: m (minutes), h (hours) or d (days), e.g. 90m or 3h"

ENV_HELP = {
    "SLACK_BOT_TOKEN": "bot token (xoxb-…), from OAuth & Permissions after installing the app",
    "SLACK_APP_TOKEN": "app-level token (xapp-…) with connections:write, for Socket Mode",
    "SLACK_SIGNING_SECRET": "signing secret from Basic Information, for HTTP mode",
    "SLACK_CLIENT_ID": "client id from Basic Information → App Credentials, for many workspaces",
    "SLACK_CLIENT_SECRET": "client secret from Basic Information → App Credentials",
    "SLACK_REDIRECT_URI": "public https URL of /slack/oauth_redirect, as in the manifest's "
    "redirect_urls (optional: Slack uses the app's only redirect URL without it)",
    "SLACK_API_URL": f"base URL of Slack's Web API (default {SLACK_API_DEFAULT})",
    "BRIEFBOT_CONTENT_DIR": "folder with briefs/ and glossary.yml (default ./content)",
    "BRIEFBOT_ADMINS": "Slack user ids allowed to run admin commands, comma-separated",
    "BRIEFBOT_TIMEZONE": "IANA time zone for defaults, e.g. Europe/Helsinki (default UTC)",
    "BRIEFBOT_CATCHUP": "how late a missed daily post may still go out: 90m, 3h, 1d (default 3h)",
    "DATABASE_URL": "SQLAlchemy URL (default sqlite:///briefbot.db; postgresql+psycopg://…)",
    "BRIEFBOT_LOG_LEVEL": "DEBUG, INFO, WARNING or ERROR (default INFO)",
    "BRIEFBOT_LOG_FORMAT": "text (default, for people) or json (one object a line, for collectors)",
    "BRIEFBOT_WATCH": "how to notice content edits: events, poll or off (default events)",
    "BRIEFBOT_CLOCK": "on (default) or off: off when a `briefbot clock` process posts daily briefs",
    "BRIEFBOT_REVIEW_CHANNEL": "channel id (C…) where suggested terms and fixes go for review "
    "(default: a direct message to each of BRIEFBOT_ADMINS)",
    "BRIEFBOT_CONTENT_COMMIT": "1 to commit each approved suggestion in the content folder's "
    "git work tree (default 0)",
}
CLOCK_VALUES = {"on": True, "true": True, "yes": True, "1": True}
CLOCK_VALUES |= {"off": False, "false": False, "no": False, "0": False}

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
WATCH_MODES = ("events", "poll", "off")
LOG_FORMATS = ("text", "json")


class ConfigError(Exception):
    """One or more settings are wrong; `problems` lists each in words a deployer can act on."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True, slots=True)
class Settings:
    bot_token: str | None = None
    app_token: str | None = None
    signing_secret: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    redirect_uri: str | None = None
    """Where Slack sends an installer back (SLACK_REDIRECT_URI); None lets Slack choose."""
    api_url: str = SLACK_API_DEFAULT
    content_dir: Path = Path("content")
    admins: frozenset[str] = field(default_factory=frozenset)
    timezone: str = "UTC"
    catch_up: timedelta = timedelta(hours=3)
    database_url: str = "sqlite:///briefbot.db"
    log_level: str = "INFO"
    log_format: str = "text"
    """How log lines are written: "text" for people, "json" for log collectors."""
    watch: str = "events"
    """How the content folder is watched for edits: "events", "poll" or "off"."""
    clock: bool = True
    """Whether `briefbot run`/`serve` sweep for daily posts themselves (BRIEFBOT_CLOCK)."""
    review_channel: str | None = None
    """Where suggestions go for review (BRIEFBOT_REVIEW_CHANNEL); None: the admins' DMs."""
    content_commit: bool = False
    """Whether an approved suggestion is committed in content/'s git work tree."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read and validate every setting; raise ConfigError naming each bad one."""
        env = os.environ if env is None else env
        problems: list[str] = []

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        def one_of(
            name: str,
            default: str,
            words: Collection[str],
            problem: str,
            case: Callable[[str], str] = str.lower,
        ) -> str:
            """NAME's value (`default` when unset) in the case `words` are written in (lower,
            unless `case` says otherwise); when it is none of `words`, `problem` joins the
            problems, the value standing in it for {value!r}."""
            value = case(get(name) or default)
            if value not in words:
                problems.append(problem.format(value=value))
            return value

        bot_token = get("SLACK_BOT_TOKEN")
        if bot_token and not bot_token.startswith("xoxb-"):
            problems.append("SLACK_BOT_TOKEN must be a bot token starting with 'xoxb-'.")
        app_token = get("SLACK_APP_TOKEN")
        if app_token and not app_token.startswith("xapp-"):
            problems.append("SLACK_APP_TOKEN must be an app-level token starting with 'xapp-'.")

        client_id, client_secret = get("SLACK_CLIENT_ID"), get("SLACK_CLIENT_SECRET")
        problems += _many_workspaces_problems(
            client_id, client_secret, bot_token, get("SLACK_REDIRECT_URI")
        )

        api_url = get("SLACK_API_URL") or SLACK_API_DEFAULT
        if not re.match(r"^https?://[^\s/]+", api_url):
            problems.append(f"SLACK_API_URL must be an http(s) URL, not {api_url!r}.")
        api_url = api_url.rstrip("/") + "/"

        admins: set[str] = set()
        for raw in re.split(r"[,\s]+", get("BRIEFBOT_ADMINS") or ""):
            if not raw:
                continue
            if USER_ID_RE.match(raw):
                admins.add(raw)
            else:
                problems.append(
                    f"BRIEFBOT_ADMINS: {raw!r} is not a Slack user id (like U012AB3CD); "
                    "find it in a profile under ⋮ → Copy member ID."
                )

        timezone = get("BRIEFBOT_TIMEZONE") or "UTC"
        try:
            zoneinfo.ZoneInfo(timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            problems.append(
                f"BRIEFBOT_TIMEZONE: unknown time zone {timezone!r}; use an IANA name "
                "such as Europe/Helsinki or America/New_York."
            )

        catch_up = timedelta(hours=3)
        raw_catch_up = get("BRIEFBOT_CATCHUP")
        if raw_catch_up:
            parsed, problem = parse_duration(raw_catch_up)
            if parsed is None:
                problems.append(f"BRIEFBOT_CATCHUP: {problem}")
            else:
                catch_up = parsed

        log_level = one_of(
            "BRIEFBOT_LOG_LEVEL",
            "INFO",
            LOG_LEVELS,
            "BRIEFBOT_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR.",
            case=str.upper,
        )
        log_format = one_of(
            "BRIEFBOT_LOG_FORMAT",
            "text",
            LOG_FORMATS,
            "BRIEFBOT_LOG_FORMAT must be text (readable lines) or json (one JSON object "
            "a line, for log collectors), not {value!r}.",
        )

        watch = one_of(
            "BRIEFBOT_WATCH",
            "events",
            WATCH_MODES,
            "BRIEFBOT_WATCH: {value!r} is not a watch mode; use events (file system "
            "events), poll (for network file systems and some containers) or off.",
        )

        database_url = get("DATABASE_URL") or "sqlite:///briefbot.db"
        if database_url.startswith("postgres://"):
            # Heroku-style URLs name a driver SQLAlchemy does not ship with.
            database_url = "postgresql+psycopg://" + database_url.removeprefix("postgres://")
        elif database_url.startswith("postgresql://"):
            database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")

        raw_clock = one_of(
            "BRIEFBOT_CLOCK",
            "on",
            CLOCK_VALUES,
            "BRIEFBOT_CLOCK must be on or off, not {value!r} (off when a separate "
            "`briefbot clock` process posts the daily briefs).",
        )

        review_channel = get("BRIEFBOT_REVIEW_CHANNEL")
        if review_channel is not None and not re.match(r"^[CG][A-Z0-9]{2,}$", review_channel):
            problems.append(
                f"BRIEFBOT_REVIEW_CHANNEL must be a channel id like C0123ABCD (channel name → "
                f"About, at the bottom), not {review_channel!r}."
            )
        raw_commit = one_of(
            "BRIEFBOT_CONTENT_COMMIT",
            "0",
            CLOCK_VALUES,
            "BRIEFBOT_CONTENT_COMMIT must be 1 (commit approved suggestions) or 0, not {value!r}.",
        )

        if problems:
            raise ConfigError(problems)
        return cls(
            bot_token=bot_token,
            app_token=app_token,
            signing_secret=get("SLACK_SIGNING_SECRET"),
            client_id=client_id,
            client_secret=client_secret,
            redirect_uri=get("SLACK_REDIRECT_URI"),
            api_url=api_url,
            content_dir=Path(get("BRIEFBOT_CONTENT_DIR") or "content"),
            admins=frozenset(admins),
            timezone=timezone,
            catch_up=catch_up,
            database_url=database_url,
            log_level=log_level,
            log_format=log_format,
            watch=watch,
            clock=CLOCK_VALUES[raw_clock],
            review_channel=review_channel,
            content_commit=CLOCK_VALUES.get(raw_commit, False),
        )

    @property
    def many_workspaces(self) -> bool:
        """Whether teams install briefbot over OAuth (SLACK_CLIENT_ID and SECRET set), each
        answered with its own token, instead of one workspace's SLACK_BOT_TOKEN."""
        return bool(self.client_id and self.client_secret)

    @property
    def authorize_url(self) -> str:
        """Slack's "Add to Slack" page, beside the Web API: https://slack.com/oauth/v2/authorize."""
        return self.api_url.removesuffix("api/") + "oauth/v2/authorize"

    def missing_for(self, mode: str) -> list[str]:
        """The variables `mode` ("socket" or "http") needs and does not have."""
        if self.many_workspaces:
            needed = ["SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_SIGNING_SECRET"]
        else:
            needed = ["SLACK_BOT_TOKEN"]
            needed.append("SLACK_APP_TOKEN" if mode == "socket" else "SLACK_SIGNING_SECRET")
        values = {
            "SLACK_BOT_TOKEN": self.bot_token,
            "SLACK_APP_TOKEN": self.app_token,
            "SLACK_SIGNING_SECRET": self.signing_secret,
            "SLACK_CLIENT_ID": self.client_id,
            "SLACK_CLIENT_SECRET": self.client_secret,
        }
        return [name for name in needed if not values[name]]


REDIRECT_PATH = "/slack/oauth_redirect"
"""Where `briefbot serve` finishes an installation (Slack sends the installer back here)."""


def _many_workspaces_problems(
    client_id: str | None, client_secret: str | None, bot_token: str | None, redirect: str | None
) -> list[str]:
    """What is missing or at odds among the settings of installing over OAuth."""
    problems: list[str] = []
    if client_id and not client_secret:
        problems.append(
            "SLACK_CLIENT_ID is set but SLACK_CLIENT_SECRET is not: set both (Basic Information "
            "→ App Credentials) to let many workspaces install briefbot, or neither for one."
        )
    elif client_secret and not client_id:
        problems.append(
            "SLACK_CLIENT_SECRET is set but SLACK_CLIENT_ID is not: set both (Basic Information "
            "→ App Credentials) to let many workspaces install briefbot, or neither for one."
        )
    elif client_id and client_secret and bot_token:
        problems.append(
            "SLACK_BOT_TOKEN and SLACK_CLIENT_ID/SLACK_CLIENT_SECRET are all set: with the "
            "client credentials each workspace gets its own token when it installs briefbot, "
            "so unset SLACK_BOT_TOKEN; or, for one workspace, unset the client credentials."
        )
    if redirect is not None:
        if not (client_id or client_secret):
            problems.append(
                "SLACK_REDIRECT_URI is set without SLACK_CLIENT_ID and SLACK_CLIENT_SECRET: it "
                "only matters when workspaces install briefbot over OAuth; unset it or set both."
            )
        elif not re.match(r"^https?://[^\s/]+" + re.escape(REDIRECT_PATH) + "$", redirect):
            problems.append(
                f"SLACK_REDIRECT_URI must be this server's URL ending in {REDIRECT_PATH}, "
                f"e.g. https://briefbot.example.com{REDIRECT_PATH}, not {redirect!r}; use the "
                "same URL as the manifest's oauth_config.redirect_urls."
            )
    return problems


def missing_tokens_message(missing: list[str], mode: str) -> str:
    """What to tell a deployer who started the bot without the tokens it needs."""
    lines = [f"briefbot cannot start in {mode} mode: missing " + ", ".join(missing) + "."]
    lines += [f"  {name}: {ENV_HELP[name]}" for name in missing]
    lines += [
        "",
        "To get them, create the app from the manifest:",
        "  1. https://api.slack.com/apps → Create New App → From an app manifest",
        "  2. pick your workspace and paste app-manifest.yml from this repository",
        "  3. Install to Workspace, then copy the tokens above into the environment.",
        "To try briefbot without Slack, run `briefbot console`.",
    ]
    return "\n".join(lines)


def parse_duration(raw: str) -> tuple[timedelta | None, str]:
    """A positive duration written with its unit ("90m", "3h", "1d"), or None and why not.

    A bare number is refused rather than guessed: "3" could mean minutes or hours.
    """
    match = DURATION_RE.match(raw.lower())
    if match is None or match[2] not in _UNITS:
        reason = "has no unit" if match is not None and not match[2] else "is not a duration"
        return None, f"{raw!r} {reason}; write {DURATION_FORMS}."
    value = timedelta(seconds=int(match[1]) * _UNITS[match[2]])
    if value <= timedelta(0):
        return None, f"{raw!r} would skip every missed post; write at least 1m ({DURATION_FORMS})."
    return value, ""
