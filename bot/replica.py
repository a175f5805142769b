"""Which briefbot process this is, in words admins of several replicas can tell apart."""

from __future__ import annotations

import os
import socket


def replica_name() -> str:
    """This process as admins of several replicas can tell it apart: `host (pid 123)`."""
    return f"{socket.gethostname()} (pid {os.getpid()})"
