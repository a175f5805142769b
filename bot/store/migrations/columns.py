"""The kinds of column briefbot's migrations create, by what they hold.

Frozen like the migrations themselves: a revision that has run must go on creating the
very same schema, so these never change. A new kind of column is a new function here,
and a table's later shape lives in `bot.store.tables`, not here.
"""

from __future__ import annotations

import sqlalchemy as sa

SLACK_ID = 64
"""Characters of an id as briefbot keeps it: a Slack id or ts, a brief's id, a content
version, a zone name."""


def ident(name: str, *, nullable: bool = False) -> sa.Column[str]:
    """An id of Slack's or briefbot's, or a zone name (SLACK_ID characters)."""
    return sa.Column(name, sa.String(SLACK_ID), nullable=nullable)


def moment(name: str, *, nullable: bool = False) -> sa.Column[object]:
    """A moment in time, with its zone."""
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def team() -> sa.Column[str]:
    """The team a row belongs to, first in its key: "" for rows from before teams."""
    return sa.Column("team_id", sa.String(SLACK_ID), nullable=False, server_default="")
