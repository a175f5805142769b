"""A fresh clone stands alone: its tests pass and `tasks.py` works with nothing beside it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.processes import ROOT

pytestmark = pytest.mark.slow


def _clone(into: Path) -> Path:
    """A copy of the repository's tracked files, in a folder with nothing else beside it."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    clone = into / "briefbot"
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, clone / name)
    return clone


def _pytest(clone: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in {"CI", "PYTEST_ADDOPTS"}}
    environment |= {"PYTHONPATH": str(clone), **env}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:randomly", "-p", "no:xdist", "-q", *args],
        cwd=clone,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_manifest_tests_pass_in_a_clone_without_slacks_schema(tmp_path: Path) -> None:
    """Without ../shared, only the official-schema checks skip, saying why; the rest run."""
    clone = _clone(tmp_path)
    done = _pytest(clone, "-rs", "tests/test_manifest.py")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Slack's app-manifest JSON Schema is not at" in done.stdout
    assert "CI runs this check" in done.stdout
    assert "2 skipped" in done.stdout and " failed" not in done.stdout


def test_manifest_schema_check_is_required_in_ci(tmp_path: Path) -> None:
    """In CI (CI=true) a missing schema fails the check instead of skipping it."""
    clone = _clone(tmp_path)
    done = _pytest(clone, "tests/test_manifest.py", "-k", "slacks_schema", CI="true")
    assert done.returncode == 1 and "CI lays it beside the clone" in done.stdout


def test_manifest_schema_check_runs_where_the_schema_is_beside_the_clone(tmp_path: Path) -> None:
    """With shared/slack/manifest.schema.1.0.0.json beside the clone, the schema checks run."""
    schema = ROOT.parent / "shared" / "slack" / "manifest.schema.1.0.0.json"
    if not schema.exists():
        where = f"Slack's app-manifest JSON Schema is not at {schema}"
        if os.environ.get("CI"):
            pytest.fail(f"{where}; CI lays it beside the clone, so this check must run there")
        pytest.skip(
            f"{where} (a clone with nothing beside it), so there is none to copy; CI runs this"
        )
    clone = _clone(tmp_path)
    (tmp_path / "shared" / "slack").mkdir(parents=True)
    shutil.copy(schema, tmp_path / "shared" / "slack" / schema.name)
    done = _pytest(clone, "tests/test_manifest.py")
    assert done.returncode == 0, done.stdout
    assert "skipped" not in done.stdout


def _tasks(*args: str, **popen: object) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BRIEFBOT_"))}
    return subprocess.Popen(
        [sys.executable, str(ROOT / "tasks.py"), *args],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **popen,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["validate"], "briefs"),
        (["search", "distilation"], "ai-distillation-national-security"),
        (["define", "sae"], "Sparse autoencoder"),
        (["--version"], "briefbot "),
    ],
)
def test_tasks_run_runs_any_subcommand(args: list[str], says: str) -> None:
    """`python3 tasks.py run SUBCOMMAND ...` runs that briefbot subcommand."""
    process = _tasks("run", *args)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert says in out


def test_ctrl_c_under_tasks_run_exits_quietly() -> None:
    """Ctrl-C (SIGINT to the terminal's process group) stops `tasks.py run` with no traceback."""
    process = _tasks("run", "console", stdin=subprocess.PIPE, start_new_session=True)
    assert process.stdout is not None
    # The console prints its banner once it is waiting for input.
    deadline = time.monotonic() + 60
    while "Loaded" not in process.stdout.readline() and time.monotonic() < deadline:
        pass
    os.killpg(process.pid, signal.SIGINT)
    _out, err = process.communicate(timeout=60)
    assert "Traceback" not in err, err
    # tasks.py passes on briefbot's own exit code: 0 from the console, 130 from serve/run.
    assert process.returncode in (0, 130)
