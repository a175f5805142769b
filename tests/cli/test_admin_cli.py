"""`briefbot preview`, `report`, `export` and `new`, and the pre-commit hook.

`briefbot preview` runs as a real subprocess (its stdout must pipe as plain JSON), as does
the named pipe case (the process must never wait on it); the other cases call the same
entry point, `bot.cli.main`, in this process to keep the suite quick.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import pytest
import yaml

from bot.cli import main
from bot.content.loader import load_library
from bot.slack.blocks import brief_message
from bot.store import Store, make_engine, sqlite_url, upgrade
from tests.support.processes import briefbot

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "content"
DISTILLATION = "ai-distillation-national-security"


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def run_main(*args: str, capsys: pytest.CaptureFixture[str]) -> Ran:
    """`briefbot ARGS` through the console script's entry point, in this process."""
    capsys.readouterr()
    try:
        code = main(list(args))
    except SystemExit as exit:  # argparse refusing an argument
        code = int(exit.code or 0)
    out, err = capsys.readouterr()
    return Ran(code, out, err)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A content repository (./content is a copy of the shipped content), the working folder."""
    shutil.copytree(SHIPPED, tmp_path / "content")
    monkeypatch.chdir(tmp_path)
    for name in ("BRIEFBOT_CONTENT_DIR", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


@pytest.mark.slow
def test_preview_prints_the_daily_post_and_a_block_kit_builder_link(repo: Path) -> None:
    """stdout is exactly the daily post's JSON, nothing else (so it can be piped); the
    Block Kit Builder link on stderr opens those blocks."""
    result = briefbot("preview", DISTILLATION, cwd=repo)
    assert result.returncode == 0, result.stderr
    brief = load_library(repo / "content").by_id[DISTILLATION]
    expected = brief_message(brief, ephemeral=False, daily=True)
    assert json.loads(result.stdout) == {"text": expected.text, "blocks": expected.blocks_json()}
    (link,) = re.findall(r"https://app\.slack\.com/block-kit-builder/#\S+", result.stderr)
    fragment = link.split("#", 1)[1]
    assert " " not in fragment and '"' not in fragment
    assert json.loads(unquote(fragment)) == {"blocks": expected.blocks_json()}


def test_preview_without_an_id_previews_todays_pick(repo: Path, capsys) -> None:
    """`briefbot preview` with no id previews today's pick (a brief pinned to today beats
    newer ones), says which on stderr, and prints only its JSON on stdout."""
    today = dt.date.today()
    pinned = repo / "content" / "briefs" / "ai-moratoriums-social-rupture.yml"
    pinned.write_text(pinned.read_text() + f"featured_on: {today.isoformat()}\n")
    result = run_main("preview", capsys=capsys)
    assert result.returncode == 0, result.stderr
    brief = load_library(repo / "content").by_id["ai-moratoriums-social-rupture"]
    expected = brief_message(brief, ephemeral=False, daily=True)
    assert json.loads(result.stdout) == {"text": expected.text, "blocks": expected.blocks_json()}
    assert f"Today's pick ({today.isoformat()}): ai-moratoriums-social-rupture" in result.stderr
    assert "https://app.slack.com/block-kit-builder/#" in result.stderr


def test_preview_of_an_unknown_id_suggests_the_close_one(repo: Path, capsys) -> None:
    """A typo in the id: exit 1 and the id it probably meant."""
    result = run_main("preview", "ai-distilation-national-security", capsys=capsys)
    assert result.returncode == 1
    assert f"did you mean {DISTILLATION}" in result.stderr
    assert result.stdout == ""


def test_report_reads_the_store_at_database_url(
    repo: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`briefbot report` prints the lookups recorded in the bot's database."""
    url = sqlite_url(repo / "bot.db")
    engine = make_engine(url)
    upgrade(engine)
    store = Store(engine)
    store.record_lookup("brief", "distilation", True, DISTILLATION)
    store.record_lookup("brief", "zzqxv wqpk", False, None)
    store.record_lookup("define", "sae", True, "Sparse autoencoder")
    store.record_lookup("define", "prompt caching", False, None)
    store.record_lookup("define", "Prompt caching", False, None)
    expected = store.lookup_report(30).to_text().splitlines()[1:]  # after the dated line
    engine.dispose()

    monkeypatch.setenv("DATABASE_URL", url)
    result = run_main("report", "--days", "30", capsys=capsys)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].endswith("2 brief, 3 define.")
    assert lines[1 : len(expected) + 1] == expected
    assert "      2  prompt caching" in lines or "      2  Prompt caching" in lines


def test_report_without_a_database_says_where_it_looked(repo: Path, capsys) -> None:
    """No database yet: exit 1 with a clear message, and no empty database left behind."""
    result = run_main("report", "--database", sqlite_url(repo / "none.db"), capsys=capsys)
    assert result.returncode == 1
    assert "There is no database at" in result.stderr and "DATABASE_URL" in result.stderr
    assert not (repo / "none.db").exists()
    bad = run_main("report", "--days", "soon", capsys=capsys)
    assert bad.returncode == 2 and "not a number of days" in bad.stderr


@pytest.mark.parametrize("fmt", ["json", "csv", "md"])
def test_export_writes_briefs_and_glossary(repo: Path, fmt: str, capsys) -> None:
    """Each format writes briefs.<ext> and glossary.<ext> into --out."""
    result = run_main("export", "--format", fmt, "--out", "out/x", capsys=capsys)
    assert result.returncode == 0, result.stderr
    files = sorted(p.name for p in (repo / "out" / "x").iterdir())
    assert files == [f"briefs.{fmt}", f"glossary.{fmt}"]
    library = load_library(repo / "content")
    text = (repo / "out" / "x" / f"briefs.{fmt}").read_text(encoding="utf-8")
    assert all(brief.id in text for brief in library.briefs)
    assert f"wrote {Path('out/x') / f'briefs.{fmt}'}" in result.stdout


def test_export_of_broken_content_lists_errors_and_writes_nothing(repo: Path, capsys) -> None:
    """Invalid content is not exported; the errors are listed as validate lists them."""
    (repo / "content" / "glossary.yml").write_text("terms: [")
    result = run_main("export", "--format", "json", capsys=capsys)
    assert result.returncode == 1
    assert "glossary.yml:1" in result.stderr or "glossary.yml:2" in result.stderr
    assert not (repo / "export").exists()


def test_new_brief_and_term_then_validate(repo: Path, capsys) -> None:
    """`new brief` and `new term` write valid content; validate passes; repeats are refused."""
    made = run_main("new", "brief", "Chips: the new oil?", "--date", "2026-12-01", capsys=capsys)
    assert made.returncode == 0, made.stderr
    assert "wrote content/briefs/chips-the-new-oil.yml" in made.stdout
    path = repo / "content" / "briefs" / "chips-the-new-oil.yml"
    assert path.read_text().startswith(
        "# yaml-language-server: $schema=../schemas/brief.schema.json\n"
    )
    again = run_main("new", "brief", "Chips: the new oil?", capsys=capsys)
    assert again.returncode == 1 and "already exists" in again.stderr
    nameless = run_main("new", "brief", "人工智能", capsys=capsys)
    assert nameless.returncode == 1 and "--id" in nameless.stderr

    glossary = repo / "content" / "glossary.yml"
    before = glossary.read_text()
    added = run_main("new", "term", "Compute governance", capsys=capsys)
    assert added.returncode == 0, added.stderr
    assert glossary.read_text().startswith(before)
    known = run_main("new", "term", "SAE", capsys=capsys)
    assert known.returncode == 1 and "an alias of 'Sparse autoencoder'" in known.stderr

    separate = run_main(
        "new", "term", "Red teaming", "--file", "content/glossary/red.yml", capsys=capsys
    )
    assert separate.returncode == 0, separate.stderr
    red = (repo / "content" / "glossary" / "red.yml").read_text()
    assert red.startswith("# yaml-language-server: $schema=../schemas/glossary.schema.json\n")

    valid = run_main("validate", capsys=capsys)
    assert valid.returncode == 0, valid.stderr
    library = load_library(repo / "content")
    assert library.by_id["chips-the-new-oil"].date == dt.date(2026, 12, 1)
    assert library.resolve_term("compute governance") is not None
    assert library.resolve_term("red teaming") is not None


def test_pre_commit_hook_runs_validate_on_content_changes(repo: Path, capsys) -> None:
    """The hook runs `briefbot validate` once per commit, for YAML in content folders."""
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "briefbot-validate"
    assert hook["language"] == "python" and hook["pass_filenames"] is False
    files = re.compile(hook["files"])
    for path in ("content/briefs/a.yml", "briefs/a.yml", "content/glossary.yml", "glossary/x.yml"):
        assert files.search(path), path
    for path in ("README.md", "content/schemas/brief.schema.json", "content/briefs/a.yaml~"):
        assert not files.search(path), path

    command = shlex.split(hook["entry"])
    assert command[0] == "briefbot"
    good = run_main(*command[1:], capsys=capsys)
    assert good.returncode == 0 and good.stdout.startswith("content OK")
    brief = repo / "content" / "briefs" / f"{DISTILLATION}.yml"
    brief.write_text(brief.read_text().replace("title:", "titel:", 1))
    bad = run_main(*command[1:], capsys=capsys)
    assert bad.returncode == 1 and "unknown field 'titel'" in bad.stderr


def test_new_term_refuses_a_named_pipe_instead_of_waiting_on_it(repo: Path) -> None:
    """`briefbot new term --file` naming a named pipe says it is not a plain file and exits
    1; nothing ever waits on the pipe."""
    pipe = repo / "content" / "glossary" / "pipe.yml"
    pipe.parent.mkdir(exist_ok=True)
    os.mkfifo(pipe)
    result = briefbot(
        "new", "term", "Red teaming", "--file", "content/glossary/pipe.yml", cwd=repo, timeout=30
    )
    assert result.returncode == 1
    assert "Cannot add the term: content/glossary/pipe.yml is not a plain file" in result.stderr
