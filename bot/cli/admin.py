"""Admin commands: `briefbot preview`, `report`, `export` and `new brief|term`.

- `preview [ID]`: the Block Kit JSON of the daily post for a brief (without an id:
  today's pick), and on stderr a Block Kit Builder link that shows it;
- `report [--days N]`: what people looked for and did not find (the store at
  DATABASE_URL), as `/brief report` shows it;
- `export --format csv|json|md [--out DIR]`: the briefs and the glossary, so a team is
  never locked in;
- `new brief "Title"` and `new term "Term"`: a new, valid content file (or glossary
  entry) from the schema, ready to fill in.

Each exits 0 on success and 1 with a clear message (on stderr) otherwise.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from bot.cli import (
    Subparsers,
    add_command,
    add_content_option,
    date_argument,
    fail,
    number_argument,
    with_library,
)
from bot.content.errors import ContentInvalid, display_path
from bot.content.loader import Content

if TYPE_CHECKING:
    from bot.content.library import Library
    from bot.store import Store, VoteReport

BLOCK_KIT_BUILDER = "https://app.slack.com/block-kit-builder/#"
DEFAULT_EXPORT_DIR = "export"
DAYS = number_argument("a number of days", 1, 3660)
"""How far back `report` and `export --days` look: up to ten years."""


def register(subparsers: Subparsers) -> None:
    preview = add_command(subparsers, "preview", with_library(run_preview))
    preview.add_argument(
        "id", nargs="?", metavar="ID", help="the brief's id (default: today's pick)"
    )
    add_content_option(preview)

    report = add_command(subparsers, "report", run_report)
    report.add_argument(
        "--days",
        type=DAYS,
        default=7,
        metavar="N",
        help="how many days back (default 7)",
    )
    _add_database_options(report)

    export = add_command(subparsers, "export", with_library(run_export))
    export.add_argument("--format", choices=("csv", "json", "md"), required=True)
    export.add_argument(
        "--out",
        metavar="DIR",
        default=DEFAULT_EXPORT_DIR,
        help=f"folder to write to, created if needed (default: {DEFAULT_EXPORT_DIR})",
    )
    export.add_argument(
        "--days",
        type=DAYS,
        default=None,
        metavar="N",
        help="count only the votes of the last N days (default: every vote)",
    )
    _add_database_options(export)
    add_content_option(export)

    new = subparsers.add_parser(
        "new",
        help="start a new brief or glossary term from the schema",
        description="Write a new, valid brief file or glossary entry with TODOs to fill in.",
    )
    kinds = new.add_subparsers(dest="kind", metavar="brief|term", required=True)
    brief = add_command(kinds, "brief", run_new_brief)
    brief.add_argument("title", metavar="TITLE", help="the brief's headline")
    brief.add_argument("--id", help="the brief's id (default: made from the title)")
    brief.add_argument(
        "--date", type=date_argument, help="publication date, YYYY-MM-DD (default: today)"
    )
    add_content_option(brief)
    term = add_command(kinds, "term", run_new_term)
    term.add_argument("term", metavar="TERM", help="the term as it should be shown")
    term.add_argument(
        "--context",
        metavar="TEXT",
        default="",
        help="a few words telling the term apart from others sharing an alias, like "
        "'export controls' (up to 60 characters; without it, a commented 'context:' line)",
    )
    term.add_argument(
        "--file",
        metavar="FILE",
        help="glossary file to add to or create (default: content/glossary.yml if it exists)",
    )
    add_content_option(term)


def _write_atomically(path: Path, text: str) -> None:
    """Replace `path` in one step, so the bot's watcher never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        if path.exists():
            os.chmod(temp, path.stat().st_mode & 0o7777)
        else:
            os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


# -- preview ---------------------------------------------------------------------------


def block_kit_builder_url(blocks: list[dict[str, Any]]) -> str:
    """A link that opens `blocks` in Slack's Block Kit Builder."""
    payload = json.dumps({"blocks": blocks}, separators=(",", ":"), ensure_ascii=False)
    return BLOCK_KIT_BUILDER + quote(payload, safe="")


def run_preview(args: argparse.Namespace, library: Library) -> int:
    """print the daily post for a brief as Block Kit JSON, with a Block Kit Builder link

    Print exactly the message the daily post sends for brief ID (without ID: today's
    pick, as `briefbot featured` shows it) as Block Kit JSON on stdout, and a link that
    opens it in Slack's Block Kit Builder on stderr, so the JSON can be piped.
    """
    from bot.featured import pick_featured
    from bot.search.brief_index import brief_by_id
    from bot.slack.blocks import brief_message
    from bot.suggest import did_you_mean

    if args.id is None:
        day = dt.date.today()
        brief = pick_featured(library, day, {})
        if brief is None:  # pragma: no cover - valid content has at least one brief
            return fail("There are no briefs to preview.")
        print(f"Today's pick ({day.isoformat()}): {brief.id}", file=sys.stderr)
    else:
        brief = brief_by_id(library, args.id)
    if brief is None:
        names = did_you_mean(args.id, library.by_id)
        hint = f"; did you mean {', '.join(names)}?" if names else "; `briefbot search` finds ids"
        return fail(f"No brief has the id '{args.id}'{hint}")
    message = brief_message(brief, ephemeral=False, daily=True)
    blocks = message.blocks_json()
    print(json.dumps({"text": message.text, "blocks": blocks}, indent=2, ensure_ascii=False))
    # The link goes to stderr, so that `briefbot preview > post.json` keeps only the JSON.
    print("Open it in Block Kit Builder:", file=sys.stderr)
    print(block_kit_builder_url(blocks), file=sys.stderr)
    return 0


# -- report ----------------------------------------------------------------------------


def _database_url(args: argparse.Namespace) -> str:
    """--database, else DATABASE_URL, else the default SQLite file, as the bot reads it."""
    from bot.config import Settings

    raw = args.database or os.environ.get("DATABASE_URL", "")
    return Settings.from_env({"DATABASE_URL": raw} if raw else {}).database_url


def _open_store(url: str, team: str | None) -> Store | str:
    """The store of the bot's database at `url`, reading `team`'s rows (without a team:
    the one team the database holds); or why it cannot be read."""
    from sqlalchemy import make_url

    from bot.store import Store, StoreError, current_revision, head_revision, make_engine

    try:
        parsed = make_url(url)
    except Exception:
        return f"DATABASE_URL is not a database URL: {url!r}"
    sqlite_file = parsed.database if parsed.get_backend_name() == "sqlite" else None
    if sqlite_file and not Path(sqlite_file).exists():
        return (
            f"There is no database at {sqlite_file}: the bot creates it when it first "
            "starts. Set DATABASE_URL (or --database) to the bot's database."
        )
    try:
        engine = make_engine(url)
    except StoreError as error:
        return str(error)
    try:
        revision = current_revision(engine)
        if revision is None:
            engine.dispose()
            return (
                f"The database at {parsed.render_as_string(hide_password=True)} has no briefbot "
                "tables yet; point DATABASE_URL at the bot's database."
            )
        if revision != head_revision():
            print(
                f"note: the database is at revision {revision}, this briefbot expects "
                f"{head_revision()}; the report may be incomplete.",
                file=sys.stderr,
            )
        store = Store(engine)
        if team is not None:
            return store.for_team(team)
        teams = store.teams_seen()
    except Exception:
        engine.dispose()
        raise
    if len(teams) > 1:
        engine.dispose()
        return (
            f"The database holds the rows of several teams ({', '.join(teams)}); "
            "choose one with --team."
        )
    return store.for_team(teams[0]) if teams else store


def _add_database_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database",
        metavar="URL",
        help="database URL (default: $DATABASE_URL, else sqlite:///briefbot.db)",
    )
    parser.add_argument(
        "--team",
        metavar="ID",
        help="the team (workspace id, T…) to report on; needed when the database serves "
        "several (default: the one it holds)",
    )


def run_report(args: argparse.Namespace) -> int:
    """most requested briefs and terms, what people did not find, and what helped

    Print the most requested briefs and terms, the searches and terms that found
    nothing, and per brief and per term the votes and the share that found it helpful,
    least helpful first, from the store at DATABASE_URL (as /brief report shows them).
    """
    from sqlalchemy.exc import SQLAlchemyError

    from bot.config import ConfigError

    try:
        url = _database_url(args)
    except ConfigError as error:  # pragma: no cover - only DATABASE_URL is read here
        return fail("\n".join(error.problems))
    try:
        store = _open_store(url, args.team)
    except SQLAlchemyError as error:
        return fail(f"Could not read the database: {error}")
    if isinstance(store, str):
        return fail(store)
    try:
        report = store.lookup_report(args.days)
        try:
            votes: VoteReport | None = store.vote_report(args.days, report.until)
        except SQLAlchemyError as error:  # a database the bot has not upgraded yet
            print(f"note: the votes could not be read: {error}", file=sys.stderr)
            votes = None
    except SQLAlchemyError as error:
        return fail(f"Could not read the lookups: {error}")
    finally:
        store.engine.dispose()
    print(report.to_text())
    if votes is not None:
        print()
        print(votes.to_text())
    return 0


# -- export ----------------------------------------------------------------------------


def _vote_records(report: VoteReport, library: Library) -> list[dict[str, Any]]:
    titles = {brief.id: brief.title for brief in library.briefs}
    return [
        {
            "kind": tally.kind.value,
            "id": tally.name,
            "title": titles.get(tally.name, "") if tally.kind == "brief" else tally.name,
            "up": tally.up,
            "down": tally.down,
            "votes": tally.votes,
            "helpful": round(tally.helpful, 4),
        }
        for tally in (*report.briefs, *report.terms)
    ]


def _export_votes(args: argparse.Namespace, library: Library) -> dict[str, str] | str | None:
    """votes.<ext> from the bot's database; None (after a note) when there is no database
    and none was named; a message when the one named cannot be read."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.config import ConfigError
    from bot.content.export import votes_files

    named = bool(args.database or os.environ.get("DATABASE_URL"))
    try:
        url = _database_url(args)
        store = _open_store(url, args.team)
    except (ConfigError, SQLAlchemyError) as error:
        return f"Could not read the votes: {error}"
    if isinstance(store, str):
        if named:
            return store
        print(f"note: votes not exported: {store}", file=sys.stderr)
        return None
    try:
        report = store.vote_report(args.days)
    except SQLAlchemyError as error:
        return f"Could not read the votes: {error}"
    finally:
        store.engine.dispose()
    period = "ever cast" if args.days is None else f"of the last {args.days} days"
    return votes_files(_vote_records(report, library), args.format, period)


def run_export(args: argparse.Namespace, library: Library) -> int:
    """write the briefs and the glossary as CSV, JSON or Markdown

    Write briefs.<ext> and glossary.<ext> into DIR, and votes.<ext> (per brief and term,
    the votes and the share that found it helpful, least helpful first) from the bot's
    database when there is one. JSON keeps every field exactly; CSV has one brief or
    term a row (list fields one item a line); Markdown is for reading.
    """
    from bot.content.export import export_files

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        return fail(f"{out} is a file; --out needs a folder")
    files = export_files(library, args.format)
    votes = _export_votes(args, library)
    if isinstance(votes, str):
        return fail(votes)
    files.update(votes or {})
    try:
        for name, text in files.items():
            path = out / name
            _write_atomically(path, text)
            print(f"wrote {display_path(str(path))}")
    except OSError as error:
        return fail(f"Could not write the export: {error}")
    return 0


# -- new brief / new term --------------------------------------------------------------


def run_new_brief(args: argparse.Namespace) -> int:
    """a new file in briefs/

    Write content/briefs/<id>.yml with the title, a date and TODOs.
    """
    from bot.content.authoring import (
        AuthoringError,
        brief_yaml,
        default_brief_schema,
        slugify,
    )
    from bot.content.layout import BRIEFS_DIR

    content = args.content
    brief_id = args.id or slugify(args.title)
    if not brief_id:
        return fail(
            "Could not make an id from that title (no letters or digits left); pass one "
            "with --id, like --id chip-export-rules"
        )
    path = Path(content) / BRIEFS_DIR / f"{brief_id}.yml"
    if not (Path(content) / BRIEFS_DIR).is_dir():
        return fail(
            f"{display_path(str(Path(content) / BRIEFS_DIR))} is not a folder; pass the content "
            "folder with --content"
        )
    if path.exists():
        return fail(f"{display_path(str(path))} already exists; choose another --id")
    taken = _existing_brief(content, brief_id)
    if taken:
        return fail(f"A brief with the id '{brief_id}' already exists ({taken}); choose --id")
    date = args.date or dt.date.today()
    try:
        text = brief_yaml(args.title, date, brief_id, default_brief_schema(str(path), content))
    except AuthoringError as error:
        return fail(f"Cannot write the brief: {error}")
    _write_atomically(path, text)
    print(f"wrote {display_path(str(path))}: fill in the summary (and points, terms, tags),")
    print("then run `briefbot validate`.")
    return 0


def _loaded(content: str) -> Content | None:
    """The content as it loads now, or None when it has errors: broken content still gets
    its new file, and `briefbot validate` tells the rest."""
    from bot.content.loader import load_content

    try:
        return load_content(content)
    except ContentInvalid:
        return None


def _existing_brief(content: str, brief_id: str) -> str | None:
    """Where a brief with this id already is (a multi-brief file), if the content loads."""
    loaded = _loaded(content)
    for brief in loaded.briefs if loaded is not None else ():
        if brief.id == brief_id:
            return str(brief.origin)
    return None


def run_new_term(args: argparse.Namespace) -> int:
    """a new glossary entry

    Add an entry to the end of content/glossary.yml (its comments and layout stay as
    they are), or write content/glossary/<term>.yml when there is no glossary.yml or
    --file names a new file.
    """
    from bot.content.authoring import (
        AuthoringError,
        append_term,
        check_context,
        check_term,
        default_glossary_schema,
        glossary_yaml,
        slugify,
    )
    from bot.content.layout import GLOSSARY_DIR, GLOSSARY_FILE

    content = Path(args.content)
    term = " ".join(args.term.split())
    context = " ".join(args.context.split())
    try:
        check_term(term)
        check_context(context)
    except AuthoringError as error:
        return fail(f"Cannot add the term: {error}")
    known = _existing_term(str(content), term)
    if known:
        return fail(f"'{term}' is already in the glossary: {known}")
    if args.file:
        path = Path(args.file)
    elif (content / GLOSSARY_FILE).exists():
        path = content / GLOSSARY_FILE
    else:
        slug = slugify(term) or "term"
        path = content / GLOSSARY_DIR / f"{slug}.yml"
    if path.exists() and not path.is_file():
        # A named pipe would block the read below forever; a folder cannot be appended to.
        return fail(f"Cannot add the term: {path} is not a plain file")
    try:
        if path.exists():
            existing = path.read_text(encoding="utf-8")
            text = append_term(str(path), existing, term, context=context).text
            verb = "added"
        else:
            text = glossary_yaml(
                term, default_glossary_schema(str(path), str(content)), context=context
            )
            verb = "wrote"
    except AuthoringError as error:
        return fail(f"Cannot add the term: {error}")
    except (OSError, UnicodeDecodeError) as error:
        return fail(f"Cannot read {display_path(str(path))}: {error}")
    _write_atomically(path, text)
    where = f"'{term}' to {display_path(str(path))}" if verb == "added" else display_path(str(path))
    print(f"{verb} {where}: fill in the definition (and aliases, see_also),")
    print("then run `briefbot validate`.")
    return 0


def _existing_term(content: str, term: str) -> str | None:
    """How the glossary already knows `term` (as a term or an alias), if the content loads."""
    from bot.model import normalize_key

    loaded = _loaded(content)
    key = normalize_key(term)
    for known in loaded.terms if loaded is not None else ():
        if normalize_key(known.term) == key:
            return f"{known.origin}"
        for alias in known.aliases:
            if normalize_key(alias) == key:
                return f"an alias of '{known.term}' ({known.origin})"
    return None
