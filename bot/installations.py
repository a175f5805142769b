"""Teams that installed briefbot over OAuth, and a fresh bot token for each of them.

With SLACK_CLIENT_ID and SLACK_CLIENT_SECRET set, every team (or Enterprise Grid org)
that installs briefbot is stored by slack_sdk's SQLAlchemy installation store, in
briefbot's own database (tables from migration 0006). Requests are answered by Bolt's
`authorize`, which finds the team's bot token there and refreshes it when Slack rotates
tokens; `client_for_team` does the same for work outside a request (the daily sweep,
content notices). `forget_team` is what an uninstall or a revoked token does.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy import Engine, select, text

from bot.config import Settings
from bot.store.installation_tables import BOTS, INSTALLATIONS, OAUTH_STATES

if TYPE_CHECKING:
    from bot.store import Store

log = logging.getLogger("briefbot.installations")

BOT_SCOPES = ("commands", "chat:write", "app_mentions:read", "users:read", "im:write")
"""What an installation asks for: the bot scopes of app-manifest.yml, no user scopes."""

REFRESH_MINUTES_BEFORE_EXPIRY = 120
"""A rotating token (Slack's live 12 hours) is refreshed once it has less than this left,
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


class RefreshLocks:
    """One refresh of a team's token at a time in this process (a lock per team)."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}

    def of(self, key: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())


@dataclass(frozen=True)
class Installations:
    """The installation and OAuth-state stores, and the client that talks to Slack's OAuth."""

    client_id: str
    client_secret: str
    installation_store: SQLAlchemyInstallationStore
    state_store: SQLAlchemyOAuthStateStore
    client: WebClient
    """Without a token: for oauth.v2.access and auth.test with a token named per call."""
    locks: RefreshLocks = field(default_factory=RefreshLocks)

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
        through this API URL, one refresh at a time, when it is near its expiry."""
        return _Authorize(self)

    def refreshed(self, installation: Installation) -> Installation | None:
        """The installation with a fresh bot token when its own is near expiry (refreshed
        and saved here, or by another thread or replica meanwhile); None when it is not.

        A refresh token works once, so two refreshes of one team at once would leave one
        of them with a token Slack refuses: they take turns (a lock per team here, and a
        PostgreSQL advisory lock across replicas), and each re-reads the installation
        when its turn comes.
        """
        if not _near_expiry(installation):
            return None
        team_id = None if installation.is_enterprise_install else installation.team_id
        enterprise_id = installation.enterprise_id
        with self._one_refresh_at_a_time(f"{enterprise_id}/{team_id}"):
            current = self.installation_store.find_installation(
                enterprise_id=enterprise_id,
                team_id=team_id,
                is_enterprise_install=installation.is_enterprise_install,
            )
            if current is None:
                return None
            if not _near_expiry(current):
                return current  # refreshed while this one waited its turn
            rotator = TokenRotator(
                client_id=self.client_id, client_secret=self.client_secret, client=self.client
            )
            rotated = rotator.perform_token_rotation(
                installation=current, minutes_before_expiration=REFRESH_MINUTES_BEFORE_EXPIRY
            )
            if rotated is not None:
                self.installation_store.save(rotated)
                log.info("refreshed the bot token of %s", team_id or enterprise_id)
            return rotated

    @contextmanager
    def _one_refresh_at_a_time(self, key: str) -> Iterator[None]:
        engine = self.installation_store.engine
        with self.locks.of(key):
            if engine.dialect.name != "postgresql":
                yield
                return
            digest = hashlib.sha256(b"briefbot token refresh " + key.encode()).digest()
            with engine.connect() as connection, connection.begin():
                # Held until this transaction ends, after the new token is saved.
                lock = int.from_bytes(digest[:8], "big", signed=True)
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock})
                yield

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

    def team_installed_by(self, user_id: str) -> tuple[str | None, str | None] | None:
        """The (team, org) `user_id` last installed briefbot in, or None: a deployment
        admin is reached there (their user id means nothing in the other teams)."""
        table = self.installation_store.installations
        query = (
            select(table.c.team_id, table.c.enterprise_id, table.c.is_enterprise_install)
            .where(table.c.client_id == self.client_id, table.c.user_id == user_id)
            .order_by(table.c.installed_at.desc())
            .limit(1)
        )
        with self.installation_store.engine.connect() as connection:
            row = connection.execute(query).first()
        if row is None:
            return None
        return (None if row.is_enterprise_install else row.team_id), row.enterprise_id

    def client_for_team(self, team_id: str | None, enterprise_id: str | None = None) -> WebClient:
        """A Web API client carrying the team's bot token, refreshed (and the new one saved)
        when it expires within REFRESH_MINUTES_BEFORE_EXPIRY; raise NotInstalled when the
        team has no installation. For work outside a request, which Bolt does not authorize.
        """
        installation = self.find(team_id, enterprise_id)
        if installation is None:
            raise NotInstalled(team_id, enterprise_id)
        installation = self.refreshed(installation) or installation
        client = WebClient(
            token=installation.bot_token,
            base_url=self.client.base_url,
            timeout=self.client.timeout,
            retry_handlers=list(self.client.retry_handlers),
        )
        return client


class _Authorize(InstallationStoreAuthorize):
    """Bolt's authorize, refreshing tokens through `Installations.refreshed`."""

    def __init__(self, installations: Installations) -> None:
        super().__init__(
            logger=log,
            installation_store=installations.installation_store,
            client_id=installations.client_id,
            client_secret=installations.client_secret,
            token_rotation_expiration_minutes=REFRESH_MINUTES_BEFORE_EXPIRY,
            client=installations.client,
        )
        self._installations = installations

    def _rotate_and_save_tokens_if_necessary(
        self, installation: Installation | None
    ) -> Installation | None:
        # Bolt's own would refresh without taking turns (see Installations.refreshed).
        if installation is None or installation.bot_refresh_token is None:
            return None
        return self._installations.refreshed(installation)


def _near_expiry(installation: Installation) -> bool:
    expires_at = installation.bot_token_expires_at
    if installation.bot_refresh_token is None or expires_at is None:
        return False
    return bool(expires_at <= time.time() + REFRESH_MINUTES_BEFORE_EXPIRY * 60)


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

    The team's installations and bot tokens go, so nothing more is sent with them; its
    subscriptions, posted messages, post-once claims and lookups go, and its ledger
    rows not yet sent are closed (skipped), so a team that installs again starts clean
    and the other teams carry on. For an org-wide install, `team_id` is None and the
    org's rows go. `installations` is None for a single-workspace deployment, which
    keeps its rows: its one token may be put back.
    """
    if installations is None:
        log.warning(
            "briefbot was uninstalled from %s: SLACK_BOT_TOKEN no longer works there",
            team_id or enterprise_id,
        )
        return
    installations.installation_store.delete_all(enterprise_id=enterprise_id, team_id=team_id)
    tenant = team_id or enterprise_id or ""
    store.for_team(tenant, enterprise_id).forget_rows("briefbot was uninstalled from the team")
    log.info("forgot the installation and the rows of %s", tenant)
