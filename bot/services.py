"""What every listener needs, gathered once at start-up and handed to Bolt's context."""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.basics import utc_now
from bot.config import Settings
from bot.content.library import Library
from bot.content.live import LiveContent
from bot.featured import featured_brief, pick_featured
from bot.installations import Installations
from bot.model import Brief
from bot.store import Store

log = logging.getLogger("briefbot.app")


@dataclass
class Services:
    settings: Settings
    content: LiveContent
    store: Store
    now: Callable[[], dt.datetime] = utc_now
    started_at: dt.datetime = field(default_factory=utc_now)
    installations: Installations | None = None
    """The teams that installed briefbot over OAuth; None when it serves one workspace."""
    last_sweep: dict[str, Any] | None = None
    """What this process's last daily sweep did (for `/healthz?verbose=1`), once one ran."""

    @property
    def library(self) -> Library:
        return self.content.current

    def today(self) -> dt.date:
        """Today's date in the team's time zone (BRIEFBOT_TIMEZONE)."""
        return self.now().astimezone(zoneinfo.ZoneInfo(self.settings.timezone)).date()

    def featured_today(self, library: Library) -> Brief | None:
        """Today's featured brief for someone who asks (/brief, the Home tab): the pick
        recorded for everyone, or, while the database cannot be read, the pick the content
        alone gives (what the record holds on most days) rather than no answer."""
        today = self.today()
        try:
            return featured_brief(self.store, library, today)
        except SQLAlchemyError as error:
            log.warning(
                "could not read today's featured pick, answering from the content: %s", error
            )
            return pick_featured(library, today, {})

    def for_team(self, team: str, enterprise: str | None = None) -> Services:
        """These services, with a store that reads and writes only `team`'s rows (for an
        org-wide install, `team` is the org's id)."""
        return replace(self, store=self.store.for_team(team, enterprise))

    def is_admin(self, user_id: str) -> bool:
        """BRIEFBOT_ADMINS (for every team), or whoever installed briefbot in this store's team."""
        if user_id in self.settings.admins:
            return True
        if self.installations is None:
            return False
        team = self.store.team
        installed = self.installations.find(team, self.store.enterprise)
        return installed is not None and installed.user_id == user_id
