"""Teams that installed briefbot over OAuth, and a fresh bot token for each of them.

With SLACK_CLIENT_ID and SLACK_CLIENT_SECRET set, every team (or Enterprise Grid org)
that installs briefbot is stored by slack_sdk's SQLAlchemy installation store, in
briefbot's own database (tables from migration 0006). Requests are answered by Bolt's
`authorize`, which finds the team's bot token there and refreshes it when Slack rotates
tokens; `client_for_team` does the same for work outside a request (the daily sweep,
content notices). `forget_team` is what an uninstall or a revoked token does.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy import Engine

from bot.config import Settings
from bot.store.installation_tables import BOTS, INSTALLATIONS, OAUTH_STATES

if TYPE_CHECKING:
    from bot.store import Store

log = logging.getLogger("briefbot.installations")

BOT_SCOPES = ("commands", "chat:write", "app_mentions:read", "users:read")
"""What an installation asks for: the bot scopes of app-manifest.yml, no user scopes."""

REFRESH_MINUTES_BEFORE_EXPIRY = 120
"""A rotating token is refreshed once it has less than this left (Slack's last 12 hours),
so no call is made with a token that expires on the way."""

STATE_LIFETIME_S = 10 * 60
"""How long an "Add to Slack" page's state stays good: enough to read Slack's consent page."""


class NotInstalled(LookupError):
    """The team has no installation (never installed, or uninstalled): nothing may be sent."""

    def __init__(self, team_id: str | None, enterprise_id: str | None) -> None:
        where = team_id or enterprise_id or "an unknown team"
        super().__init__(
            f"briefbot is not installed in {where}: it is added back from /slack/install"
        )
        self.team_id, self.enterprise_id = team_id, enterprise_id


@dataclass(frozen=True)
class Installations:
    """The installation and OAuth-state stores, and the client that talks to Slack's OAuth."""

    client_id: str
    client_secret: str
    installation_store: SQLAlchemyInstallationStore
    state_store: SQLAlchemyOAuthStateStore
    client: WebClient
    """Without a token: for oauth.v2.access and auth.test with a token named per call."""

    @classmethod
    def open(cls, settings: Settings, engine: Engine) -> Installations:
        """The stores on briefbot's database (already migrated); settings must have the
        client credentials."""
        if not (settings.client_id and settings.client_secret):
            raise ValueError("installations need SLACK_CLIENT_ID and SLACK_CLIENT_SECRET")
        installation_store = SQLAlchemyInstallationStore(
            client_id=settings.client_id,
            engine=engine,
            bots_table_name=BOTS,
            installations_table_name=INSTALLATIONS,
            logger=log,
        )
        state_store = SQLAlchemyOAuthStateStore(
            expiration_seconds=STATE_LIFETIME_S, engine=engine, table_name=OAUTH_STATES, logger=log
        )
        return cls(
            settings.client_id,
            settings.client_secret,
            installation_store,
            state_store,
            slack_client(settings, token=None),
        )

    def authorize(self) -> InstallationStoreAuthorize:
        """Bolt's authorize: each request gets its team's (or org's) bot token, refreshed
        through this API URL when it is near its expiry."""
        return InstallationStoreAuthorize(
            logger=log,
            installation_store=self.installation_store,
            client_id=self.client_id,
            client_secret=self.client_secret,
            token_rotation_expiration_minutes=REFRESH_MINUTES_BEFORE_EXPIRY,
            client=self.client,
        )

    def find(self, team_id: str | None, enterprise_id: str | None = None) -> Installation | None:
        """The team's latest installation, or its org's when briefbot was installed org-wide."""
        store = self.installation_store
        found = None
        if team_id is not None:
            found = store.find_installation(enterprise_id=enterprise_id, team_id=team_id)
        if found is None and enterprise_id is not None:
            found = store.find_installation(
                enterprise_id=enterprise_id, team_id=None, is_enterprise_install=True
            )
        return found if found is not None and found.bot_token else None

    def client_for_team(self, team_id: str | None, enterprise_id: str | None = None) -> WebClient:
        """A Web API client carrying the team's bot token, refreshed (and the new one saved)
        when it expires within REFRESH_MINUTES_BEFORE_EXPIRY; raise NotInstalled when the
        team has no installation. For work outside a request, which Bolt does not authorize.
        """
        installation = self.find(team_id, enterprise_id)
        if installation is None:
            raise NotInstalled(team_id, enterprise_id)
        rotator = TokenRotator(
            client_id=self.client_id, client_secret=self.client_secret, client=self.client
        )
        rotated = rotator.perform_token_rotation(
            installation=installation, minutes_before_expiration=REFRESH_MINUTES_BEFORE_EXPIRY
        )
        if rotated is not None:
            self.installation_store.save(rotated)
            installation = rotated
            log.info("refreshed the bot token of %s", team_id or enterprise_id)
        client = WebClient(
            token=installation.bot_token,
            base_url=self.client.base_url,
            timeout=self.client.timeout,
            retry_handlers=list(self.client.retry_handlers),
        )
        return client


def slack_client(settings: Settings, token: str | None) -> WebClient:
    """A Web API client that waits out rate limits as Slack's Retry-After says.

    Only 429s are retried: a 5xx or a dropped connection may come after Slack
    already posted, and retrying those blindly could post twice.
    """
    return WebClient(
        token=token,
        base_url=settings.api_url,
        timeout=10,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=3)],
    )


def forget_team(
    installations: Installations | None,
    store: Store,
    team_id: str | None,
    enterprise_id: str | None = None,
) -> None:
    """Everything briefbot keeps for a team that uninstalled it or revoked its tokens.

    The team's installations and bot tokens go, so nothing more is sent with them, and
    a team that installs again starts clean. (Subscriptions, ledger rows, post-once
    claims and lookups carry no team id yet; they are the channel's and stay.)
    `installations` is None for a single-workspace deployment, which keeps nothing more.
    """
    del store  # keeps nothing keyed by team yet; see the docstring
    if installations is None:
        log.warning(
            "briefbot was uninstalled from %s: SLACK_BOT_TOKEN no longer works there",
            team_id or enterprise_id,
        )
        return
    installations.installation_store.delete_all(enterprise_id=enterprise_id, team_id=team_id)
    log.info("forgot the installation of %s", team_id or enterprise_id)
