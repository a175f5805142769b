"""Opening content files: only regular files inside the content folder, never blocking.

A content folder is somebody's repository checkout, so what sits in it is not always a
plain file. A named pipe called `briefs/x.yml` would block any reader forever (until
something writes to it), a device may do anything when opened, and a symbolic link could
make the bot read, and show in error messages, files elsewhere on the server. So a file
is looked at with `lstat` before it is opened, a link is followed only when its target
lies inside the content folder, and the file is opened with O_NONBLOCK and checked again
on the open descriptor, so a file swapped for a pipe in between cannot block either.
"""

from __future__ import annotations

import os
import stat

from bot.content.safe_yaml import MAX_FILE_BYTES

_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_BINARY = getattr(os, "O_BINARY", 0)


class RefusedFile(Exception):
    """A content path that is not a regular file inside the content folder; the message
    says what it is and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def kind_of(mode: int) -> str:
    """What a file of `mode` is, as a person would name it."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"  # pragma: no cover - doors, whiteouts and the like


def _not_regular(mode: int) -> RefusedFile:
    return RefusedFile(
        f"this is {kind_of(mode)}, not a file; content files must be plain files: "
        "rename or remove it"
    )


def is_inside(path: str, folder: str) -> bool:
    """Whether the resolved `path` is `folder` itself or lies below it (both real paths)."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def target_inside(path: str, fence: str) -> str:
    """The real path of the content file `path`: itself, or the target of a link.

    Raises RefusedFile when `path` is a link whose target is missing or lies outside
    `fence` (the real path of the content folder), or is not a regular file; OSError
    when it cannot be looked at.
    """
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode):
        target = os.path.realpath(path)
        if not os.path.exists(target):
            raise RefusedFile(
                f"this is a symbolic link to '{os.readlink(path)}', which does not exist: "
                "fix or remove the link"
            )
        if not is_inside(target, fence):
            raise RefusedFile(
                "this is a symbolic link to a file outside the content folder, and briefbot "
                "reads only files inside it: copy the file into the content folder instead"
            )
        st = os.stat(target)
        path = target
    if not stat.S_ISREG(st.st_mode):
        raise _not_regular(st.st_mode)
    return path


def open_content_file(path: str, fence: str) -> int:
    """A read-only descriptor of the regular file `path` (or the link target inside
    `fence` it names); the caller closes it. Never blocks, whatever `path` is."""
    real = target_inside(path, fence)
    # O_NOFOLLOW: a file swapped for a link since the lstat above is refused, not followed.
    fd = os.open(real, os.O_RDONLY | _NONBLOCK | _NOFOLLOW | _BINARY)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):  # swapped for a pipe or device since the lstat
            raise _not_regular(mode)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_with_stat(path: str, fence: str) -> tuple[os.stat_result, bytes]:
    """The stat and the bytes (up to one past the size cap) of one file.

    Only a regular file, or a link to one inside `fence` (the content folder's real
    path), is opened, and never in a way that could block (bot/content/files.py);
    anything else raises RefusedFile. Plain os calls rather than open(): one open,
    fstat and read per file adds up to a measurable share of loading 10,000 files.
    """
    fd = open_content_file(path, fence)
    try:
        st = os.fstat(fd)
        chunks = []
        remaining = MAX_FILE_BYTES + 1
        while remaining > 0:
            chunk = os.read(fd, remaining)
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        return st, b"".join(chunks) if len(chunks) != 1 else chunks[0]
    finally:
        os.close(fd)
