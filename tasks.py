#!/usr/bin/env python3
"""Developer tasks that need nothing but Python 3.11+.

    python3 tasks.py run [ARGS...]    run briefbot (the local console when no Slack tokens are set)
    python3 tasks.py test [ARGS...]   run the whole test suite (extra ARGS go to pytest)
    python3 tasks.py bench            run the benchmarks in bench/

Each task creates `.venv` and installs the project into it the first time, and again
whenever pyproject.toml changes, so a fresh clone needs no other setup.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".briefbot-installed"


def _python() -> Path:
    return BIN / ("python.exe" if os.name == "nt" else "python")


def ensure_venv() -> None:
    """Create .venv and install briefbot with its dev tools, unless already current."""
    if sys.version_info < (3, 11):  # noqa: UP036 -- tasks.py itself may run on an older Python
        sys.exit(f"briefbot needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text().strip() == wanted and _python().exists():
        return
    if not _python().exists():
        print("Creating .venv ...", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("Installing briefbot and its dev tools into .venv ...", file=sys.stderr)
    subprocess.run(
        [
            str(_python()),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-e",
            f"{ROOT}[dev]",
        ],
        check=True,
    )
    STAMP.write_text(wanted)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test", "bench"}:
        print(__doc__)
        return 0 if argv[:1] in ([], ["-h"], ["--help"]) else 2
    task, rest = argv[0], argv[1:]
    ensure_venv()
    os.chdir(ROOT)
    if task == "run":
        cmd = [str(_python()), "-m", "bot", *rest]
    elif task == "test":
        # Spread the suite over every core unless the caller chose (-n, -p no:xdist).
        parallel = [] if any(a.startswith(("-n", "-p")) for a in rest) else ["-n", "auto"]
        cmd = [str(_python()), "-m", "pytest", *parallel, *rest]
    else:
        cmd = [str(_python()), "-m", "bench", *rest]
    return _call(cmd)


def _call(cmd: list[str]) -> int:
    """Run `cmd` and return its exit code; Ctrl-C is the child's to handle, quietly.

    The terminal sends Ctrl-C to the child too, and briefbot stops on it by itself, so
    this process only waits for it instead of printing a traceback of its own.
    """
    child = subprocess.Popen(cmd)
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        code = child.wait()
    finally:
        signal.signal(signal.SIGINT, previous)
    # A child killed by a signal reports -N; a shell would say 128 + N.
    return 128 - code if code < 0 else code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
