"""`briefbot validate` and `briefbot schema`.

One command runs as a real subprocess, as does the named pipe case (it pins that the process
never waits); the others call the same entry point, `bot.cli.main`, in this process."""

from __future__ import annotations

import os
from pathlib import Path

from bot.content.schema import BRIEF_SCHEMA_FILE, GLOSSARY_SCHEMA_FILE
from bot.content.schema_files import schema_files
from tests.content_files import brief_text, make_content
from tests.support.processes import briefbot

REPO = Path(__file__).resolve().parents[2]


def test_valid_content_exits_zero_with_summary(tmp_path):
    """Valid content: exit 0 and one summary line with counts and version."""
    make_content(tmp_path, {"a.yml": brief_text(), "b.yml": brief_text()})
    result = briefbot("validate", "content", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("content OK: 2 briefs, 3 terms, version ")
    assert len(lines[0].rsplit(" ", 1)[1]) == 12
    assert result.stderr == ""


def test_shipped_content_validates(cli):
    """The repository's own content passes `briefbot validate content`."""
    result = cli("validate", "content", cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("content OK: ")


def test_invalid_content_exits_one_with_every_error(tmp_path, cli):
    """Bad content: exit 1, each error on its own stderr line, then a count line."""
    make_content(
        tmp_path,
        {
            "x.yml": "date: 2024-05-01\nsummary: s\ntags: [a]\ntitel: Chips\n",
            "y.yml": brief_text(title="NO"),
        },
    )
    result = cli("validate", "content", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "content/briefs/x.yml:1: missing required field 'title'",
        "content/briefs/x.yml:4: unknown field 'titel' (did you mean 'title'?)",
        "content/briefs/y.yml:1: wrong type for 'title': expected text, got a yes/no value "
        '(NO); put it in quotes: "NO"',
        "3 errors in the content",
    ]


def test_default_folder_comes_from_environment(tmp_path, cli):
    """Without DIR, validate reads $BRIEFBOT_CONTENT_DIR."""
    content = make_content(tmp_path / "elsewhere", {"a.yml": brief_text(date="x")})
    result = cli("validate", cwd=tmp_path, env={"BRIEFBOT_CONTENT_DIR": str(content)})
    assert result.returncode == 1
    assert "'date' must be a date written YYYY-MM-DD" in result.stderr


def test_default_folder_is_content_in_current_folder(tmp_path, cli):
    """Without DIR or environment, validate reads ./content."""
    make_content(tmp_path)
    result = cli("validate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("content OK: 1 brief, 3 terms")


def test_missing_folder_is_a_clear_error(tmp_path, cli):
    """A folder that does not exist: exit 1 and a message, not a traceback."""
    result = cli("validate", "no-such-dir", cwd=tmp_path)
    assert result.returncode == 1
    assert "no-such-dir: the content folder does not exist" in result.stderr
    assert "Traceback" not in result.stderr


def test_schema_command_writes_files(tmp_path, cli):
    """`briefbot schema --out DIR` writes both schema files, as generated."""
    result = cli("schema", "--out", "schemas", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for name, text in schema_files().items():
        assert (tmp_path / "schemas" / name).read_text(encoding="utf-8") == text
    assert f"schemas/{BRIEF_SCHEMA_FILE}" in result.stdout


def test_schema_check_reports_stale_files(tmp_path, cli):
    """`briefbot schema --check` exits 1 for an outdated file and 0 when current."""
    cli("schema", "--out", "schemas", cwd=tmp_path)
    (tmp_path / "schemas" / GLOSSARY_SCHEMA_FILE).write_text("{}", encoding="utf-8")
    stale = cli("schema", "--out", "schemas", "--check", cwd=tmp_path)
    assert stale.returncode == 1
    assert GLOSSARY_SCHEMA_FILE in stale.stderr
    cli("schema", "--out", "schemas", cwd=tmp_path)
    assert cli("schema", "--out", "schemas", "--check", cwd=tmp_path).returncode == 0


def test_named_pipe_is_refused_without_blocking(tmp_path):
    """A named pipe called briefs/x.yml is reported as a file-level error; validate never
    waits on it (it used to hang forever)."""
    content = make_content(tmp_path, {"a.yml": brief_text()})
    os.mkfifo(content / "briefs" / "x.yml")
    result = briefbot("validate", "content", cwd=tmp_path, timeout=30)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "content/briefs/x.yml: this is a named pipe, not a file; content files must be plain "
        "files: rename or remove it",
        "1 error in the content",
    ]


def test_links_outside_the_content_folder_and_dangling_links_are_refused(tmp_path, cli):
    """A link to a file outside the content folder is refused (its text never shown), so is
    a link to nothing and a glossary folder that leads outside; a link inside is fine."""
    content = make_content(tmp_path, {"a.yml": brief_text()})
    secret = tmp_path / "secret.yml"
    secret.write_text(brief_text(title="SECRET-TITLE"))
    (content / "briefs" / "leak.yml").symlink_to(secret)
    (content / "briefs" / "gone.yml").symlink_to("nowhere.yml")
    outside = tmp_path / "more-terms"
    outside.mkdir()
    (content / "glossary").symlink_to(outside)
    (content / "briefs" / "b.yml").write_text(brief_text(id="b"))
    (content / "briefs" / "c.yml").symlink_to("b.yml")  # inside: read like any file
    result = cli("validate", "content", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "content/glossary: this folder is a symbolic link to a folder outside the content "
        "folder, and briefbot reads only files inside it: put the files in the content "
        "folder instead",
        "1 error in the content",
    ]
    (content / "glossary").unlink()
    result = cli("validate", "content", cwd=tmp_path)
    assert result.stderr.splitlines() == [
        "content/briefs/c.yml:1: duplicate brief id 'b': also used at content/briefs/b.yml:1",
        "content/briefs/gone.yml: this is a symbolic link to 'nowhere.yml', which does not "
        "exist: fix or remove the link",
        "content/briefs/leak.yml: this is a symbolic link to a file outside the content "
        "folder, and briefbot reads only files inside it: copy the file into the content "
        "folder instead",
        "3 errors in the content",
    ]
    assert "SECRET" not in result.stderr


def _brief_with_points(count: int) -> str:
    lines = ['title: "Chips"', "date: 2024-05-01", "summary: A paragraph.", "points:"]
    lines += [f"  - Point {n}" for n in range(1, count + 1)]
    return "\n".join(lines) + "\n"


def test_yaml_syntax_error_is_reported_where_the_unclosed_quote_starts(tmp_path, cli):
    """An unclosed quote on line 18 of a 32-line file is reported at line 18, whether the
    file ends inside it or a later quote closes it."""
    lines = _brief_with_points(28).splitlines()
    assert len(lines) == 32
    lines[17] = '  - "Point fourteen, never closed'
    also = list(lines)
    also[23] = '  - "Point twenty, quoted"'
    make_content(
        tmp_path,
        {"a.yml": "\n".join(lines) + "\n", "b.yml": "\n".join(also) + "\n", "c.yml": brief_text()},
    )
    result = cli("validate", "content", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "content/briefs/a.yml:18: YAML syntax error: the quoted text that starts on this line "
        "is never closed; add its closing quote",
        "content/briefs/b.yml:18: YAML syntax error: the quoted text that starts on this line "
        "runs on to line 24, where the file stops making sense; add its closing quote",
        "2 errors in the content",
    ]


def test_a_file_that_does_not_parse_is_reported_once_without_follow_on_errors(tmp_path, cli):
    """x.yml and glossary.yml do not parse: each says so once; the ids and terms other briefs
    name from them are not reported as missing, while a name no file holds still is."""
    make_content(
        tmp_path,
        {
            "x.yml": brief_text(title='"Unclosed'),
            "y.yml": brief_text(related="[x, nonexistent-brief]", terms="[Distillation]"),
        },
        glossary="terms:\n  - term: Distillation\n    definition: [unclosed\n",
    )
    result = cli("validate", "content", cwd=tmp_path)
    assert result.returncode == 1
    errors = result.stderr.splitlines()
    assert errors[0].startswith("content/briefs/x.yml:1: YAML syntax error: the quoted text")
    assert errors[1].startswith("content/briefs/y.yml:4: 'related' names 'nonexistent-brief'")
    assert errors[2].startswith("content/glossary.yml:3: YAML syntax error: the '[' on this")
    assert errors[3:] == ["3 errors in the content"]
