"""`briefbot validate [DIR]` and `briefbot schema [--out DIR]`.

`validate` is meant for admins' CI and pre-commit hooks: exit 0 with a one-line
summary when the content is good, exit 1 with every error (one per line, on stderr)
when it is not.
"""

from __future__ import annotations

import argparse
import os
import sys

from bot.cli import Subparsers, add_command, add_content_option, print_invalid
from bot.content.errors import ContentInvalid, display_path
from bot.content.loader import load_library
from bot.content.schema_files import stale_schemas, write_schemas
from bot.daily.declared import declared_errors

DEFAULT_SCHEMA_DIR = os.path.join("content", "schemas")


def register(subparsers: Subparsers) -> None:
    validate = add_command(subparsers, "validate", run_validate)
    validate.add_argument(
        "dir",
        nargs="?",
        metavar="DIR",
        help="content folder (default: --content, $BRIEFBOT_CONTENT_DIR, else ./content)",
    )
    add_content_option(validate)

    schema = add_command(subparsers, "schema", run_schema)
    schema.add_argument(
        "--out",
        metavar="DIR",
        default=DEFAULT_SCHEMA_DIR,
        help=f"folder to write to (default: {DEFAULT_SCHEMA_DIR})",
    )
    schema.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if the files in DIR are missing or out of date",
    )


def run_validate(args: argparse.Namespace) -> int:
    """check the content folder and list every error

    Load and check the content folder. Exit 0 with a summary when it is valid; exit 1
    and print every error (file:line: message) otherwise.
    """
    root = args.dir or args.content
    schedule_errors = declared_errors(root)  # content/schedule.yml, checked beside the rest
    try:
        library = load_library(root)
        if schedule_errors:
            raise ContentInvalid(schedule_errors)
    except ContentInvalid as invalid:
        print_invalid(ContentInvalid([*invalid.errors, *schedule_errors]))
        return 1
    briefs, terms = len(library.briefs), len(library.terms)
    print(
        f"content OK: {briefs} brief{'' if briefs == 1 else 's'}, "
        f"{terms} term{'' if terms == 1 else 's'}, version {library.version}"
    )
    return 0


def run_schema(args: argparse.Namespace) -> int:
    """write the JSON Schema files for brief, glossary and schedule files

    Write brief.schema.json, glossary.schema.json and schedule.schema.json, which editors
    use to check and autocomplete content files as they are typed.
    """
    if args.check:
        stale = stale_schemas(args.out)
        for path in stale:
            print(f"{display_path(str(path))}: missing or out of date", file=sys.stderr)
        if stale:
            print("run `briefbot schema` to update", file=sys.stderr)
            return 1
        print("schema files are up to date")
        return 0
    for path in write_schemas(args.out):
        print(f"wrote {display_path(str(path))}")
    return 0
