"""Whether this process is ready to serve Slack, and what `GET /healthz` says about it.

A process is ready once its content is loaded, its database reachable and Slack has
accepted its token. Until then, and whenever the database stops answering, health
says why not, so a load balancer keeps Slack's requests away and an operator can see
what the process waits for.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot import __version__
from bot.services import Services
from bot.store import StoreError, check_connection


@dataclass
class Readiness:
    """What a starting process still waits for, then the services it serves with."""

    reason: str = "starting"
    services: Services | None = None
    in_flight: Callable[[], int] | None = None
    """How many requests' listeners and work after the ack are queued or running."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def waiting(self, reason: str) -> None:
        """Not ready (yet, or any more): `reason` says for what, in a few words."""
        with self._lock:
            self.reason = reason

    def ready(self, services: Services, in_flight: Callable[[], int] | None = None) -> None:
        with self._lock:
            self.services, self.reason, self.in_flight = services, "", in_flight

    @property
    def is_ready(self) -> bool:
        return self.services is not None and not self.reason

    def report(self, *, verbose: bool = False) -> tuple[bool, dict[str, Any]]:
        """(healthy, body) for `/healthz`; the database is checked on each call."""
        with self._lock:
            services, reason, in_flight = self.services, self.reason, self.in_flight
        body: dict[str, Any] = {"ok": False, "version": __version__}
        if services is None or reason:
            body["reason"] = reason or "starting"
            return False, body
        try:
            check_connection(services.store.engine)
        except StoreError as error:
            body["reason"] = f"database unreachable: {error}"
            return False, body
        library = services.library
        body |= {"ok": True, "content_version": library.version}
        if verbose:
            body |= _details(services)
            if in_flight is not None:
                body["in_flight"] = in_flight()
        return True, body


def _details(services: Services) -> dict[str, Any]:
    """What an operator's dashboard shows: content, the last reload and the last sweep."""
    library, last = services.library, services.content.last_reload
    return {
        "briefs": len(library.briefs),
        "terms": len(library.terms),
        "started_at": _iso(services.started_at),
        "last_reload": {
            "at": _iso(last.at),
            "ok": last.ok,
            "trigger": last.trigger,
            "errors": len(last.errors),
            "version": last.library.version,
        },
        "last_sweep": services.last_sweep,
    }


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None
