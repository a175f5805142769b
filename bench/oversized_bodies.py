"""Memory of `briefbot serve` while unsigned 10 MiB bodies arrive at once.

A real server process (the shipped content, SQLite, a local Slack); its resident memory
is sampled every 20 ms from just before the bodies are sent until all are answered.
The baseline is the same process's memory just before, measured in the same run.

    python -m bench.oversized_bodies [--bodies 4] [--mib 10]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from bot.localslack import LocalSlack

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "xoxb-bench"
SECRET = "bench-signing-secret"


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _send(port: int, size: int, answers: list[str]) -> None:
    head = (
        "POST /slack/events HTTP/1.1\r\nHost: bench\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {size}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(head)
        # The server may answer and close before the whole body is sent.
        with contextlib.suppress(OSError):
            sock.sendall(b"payload=" + b"a" * (size - 8))
        answers.append(sock.recv(200).split(b"\r\n", 1)[0].decode())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bodies", type=int, default=4)
    parser.add_argument("--mib", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, LocalSlack(bot_tokens=[TOKEN]) as slack:
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BRIEFBOT_"))}
        env |= {
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack.api_url,
            "BRIEFBOT_CONTENT_DIR": str(ROOT / "content"),
            "BRIEFBOT_WATCH": "off",
            "BRIEFBOT_CLOCK": "off",
            "DATABASE_URL": f"sqlite:///{Path(tmp) / 'bench.db'}",
        }
        command = [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1"]
        process = subprocess.Popen(
            [*command, "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                        break
                except OSError:
                    if time.monotonic() > deadline or process.poll() is not None:
                        raise RuntimeError("briefbot serve did not start") from None
                    time.sleep(0.1)
            time.sleep(1)
            before = _rss_mb(process.pid)
            peak = [before]
            done = threading.Event()

            def sample() -> None:
                while not done.is_set():
                    peak[0] = max(peak[0], _rss_mb(process.pid))
                    time.sleep(0.02)

            sampler = threading.Thread(target=sample)
            sampler.start()
            answers: list[str] = []
            size = args.mib * 1024 * 1024
            senders = [
                threading.Thread(target=_send, args=(port, size, answers))
                for _ in range(args.bodies)
            ]
            for sender in senders:
                sender.start()
            for sender in senders:
                sender.join()
            time.sleep(0.5)
            done.set()
            sampler.join()
        finally:
            process.terminate()
            process.wait(30)
    print(f"{args.bodies} unsigned bodies of {args.mib} MiB at once: {sorted(set(answers))}")
    print(f"RSS before {before:.0f} MB (baseline), peak {peak[0]:.0f} MB", end=" ")
    print(f"= {peak[0] / before:.2f}x")
    return 0 if peak[0] / before <= 1.1 else 1


if __name__ == "__main__":
    raise SystemExit(main())
