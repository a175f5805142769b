"""Writing an approved change into the content folder, whole or not at all.

The new text goes to a temporary file in the same folder (hidden, so the loader and
the watcher's reload never read it), is flushed and fsynced, and replaces the file
with one `os.replace`, an atomic rename: a reader, a reload or a crash sees the old
file or the new one, never half of either. Just before the rename the file is read
again; if someone changed it meanwhile, nothing is replaced. With the folder in a git
work tree, `commit` records the file with a message naming who suggested and who
approved.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
from collections.abc import Callable

from bot.content.proposals import Change, ChangeError, read_text

GIT_TIMEOUT = 30


def save_change(change: Change, *, before_replace: Callable[[str], None] | None = None) -> None:
    """Write `change` atomically. Raises ChangeError, leaving the file as it was, when the
    file no longer holds the text the change was planned on.

    `before_replace(temporary_path)` runs after the new text is on disk and before the
    rename (the crash tests stop the process there).
    """
    folder = os.path.dirname(os.path.abspath(change.path)) or "."
    os.makedirs(folder, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{os.path.basename(change.path)}.", suffix=".tmp", dir=folder
    )
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(change.after)
            out.flush()
            os.fsync(out.fileno())
        if os.path.exists(change.path):
            os.chmod(temporary, os.stat(change.path).st_mode & 0o7777)
            now = read_text(change.path)
        else:
            os.chmod(temporary, 0o644)
            now = ""
        if now != change.before:
            raise ChangeError(
                f"{os.path.basename(change.path)} changed while this was being approved; "
                "nothing was written. Press Approve again to apply it to the new text."
            )
        if before_replace is not None:
            before_replace(temporary)
        os.replace(temporary, change.path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _fsync_folder(folder)


def _fsync_folder(folder: str) -> None:
    """Make the rename itself durable (where the platform lets a folder be opened)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def in_git_work_tree(folder: str) -> bool:
    """Whether `folder` lies in a git work tree (and git is installed)."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--is-inside-work-tree"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0 and done.stdout.strip() == "true"


def commit(path: str, message: str) -> str:
    """Commit the file at `path` alone (whatever else is staged stays staged) with
    `message`; the new commit's id. Raises ChangeError with git's words on failure."""
    folder = os.path.dirname(os.path.abspath(path))
    name = os.path.basename(path)
    identity: list[str] = []
    who = subprocess.run(
        ["git", "config", "user.email"], cwd=folder, capture_output=True, text=True
    )
    if who.returncode != 0 or not who.stdout.strip():
        # A server's checkout often has no identity: commit as briefbot rather than fail.
        identity = ["-c", "user.name=briefbot", "-c", "user.email=briefbot@localhost"]
    steps = [
        ["git", "add", "--", name],
        ["git", *identity, "commit", "--quiet", "-m", message, "--only", "--", name],
        ["git", "rev-parse", "HEAD"],
    ]
    output = ""
    for step in steps:
        try:
            done = subprocess.run(
                step, cwd=folder, capture_output=True, text=True, timeout=GIT_TIMEOUT
            )
        except (OSError, subprocess.SubprocessError) as error:
            raise ChangeError(f"git could not run: {error}") from None
        if done.returncode != 0:
            words = (done.stderr or done.stdout).strip().splitlines()
            raise ChangeError(
                f"git {step[-3] if len(step) > 3 else step[1]} failed: "
                f"{words[-1] if words else done.returncode}"
            )
        output = done.stdout.strip()
    return output
