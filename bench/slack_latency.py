"""End-to-end latency of /brief and /define over HTTP mode, against a no-op Bolt app.

Both servers are real processes served by waitress with signature checks (briefbot's
own in bot/slack_requests.py, Bolt's WSGI adapter for the no-op app); requests are
signed like Slack's and sent over keep-alive HTTP from this process, interleaved so
that machine noise hits both alike. The briefbot server holds a synthetic library of
10,000 briefs and 2,000 terms.

Then the same burst again with Slack slow: every Web API method briefbot calls takes
1.5 s, and 40 App Home opens are in flight (each waiting on views.publish) when the
200 `/brief` commands are released. Each must be acked within Slack's 3 s and answered,
in the ack or through its response URL.

    python -m bench.slack_latency [--briefs 10000] [--rounds 300] [--concurrent 200]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from bench.generate import generate
from bot.localslack import inbound
from tests.fakeslack import ScriptedSlack

TOKEN = "xoxb-bench"
SLOW_S = 1.5
SLOW_METHODS = (
    "views.publish",
    "users.info",
    "chat.getPermalink",
    "chat.postMessage",
    "chat.postEphemeral",
)
HOME_OPENS = 40
SECRET = "bench-signing-secret"
ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _typo(rng: random.Random, text: str) -> str:
    i = rng.randrange(max(len(text) - 1, 1))
    return text[:i] + text[i + 1 :] if len(text) > 3 else text


class Client:
    """One keep-alive connection sending signed slash commands."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def command(
        self, command: str, text: str, response_url: str = "http://127.0.0.1:9/r"
    ) -> tuple[float, int, bytes]:
        fields = inbound.slash_command(command, text, response_url=response_url)
        return self.post(urlencode(fields), "application/x-www-form-urlencoded")

    def post(self, body: str, content_type: str) -> tuple[float, int, bytes]:
        headers = {"Content-Type": content_type, **inbound.signed_headers(body, SECRET)}
        start = time.perf_counter()
        self.connection.request("POST", "/slack/events", body=body, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        return time.perf_counter() - start, response.status, data


def _wait_up(port: int, process: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server on port {port} exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/healthz")
            response = connection.getresponse()
            response.read()
            # briefbot says 503 until its content is loaded and Slack accepted its token;
            # the no-op app has no /healthz, and any answer from it means it is up.
            if response.status != 503:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"server on port {port} did not start in {timeout} s")


def _burst(
    port: int, concurrent: int, queries: list[str], slack: ScriptedSlack | None = None
) -> tuple[list[float], list[int], list[tuple[str, bytes]]]:
    """`concurrent` /brief commands released at the same instant, each on its own connection.

    With `slack`, each carries a real response URL of it; returns (url, ack body) pairs too.
    """
    results: list[tuple[float, int, str, bytes]] = []
    barrier = threading.Barrier(concurrent)

    def one(i: int) -> None:
        client = Client(port)
        url = slack.new_response_url() if slack else "http://127.0.0.1:9/r"
        barrier.wait()
        elapsed, status, body = client.command("/brief", queries[i % len(queries)], url)
        results.append((elapsed, status, url, body))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(concurrent)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return (
        [elapsed for elapsed, _, _, _ in results],
        [status for _, status, _, _ in results],
        [(url, body) for _, _, url, body in results],
    )


def _slow_burst(port: int, slack: ScriptedSlack, concurrent: int, queries: list[str]) -> dict:
    """The burst with every Web API method at 1.5 s and 40 App Home opens in flight."""
    faults = [slack.fail(method, delay=SLOW_S, times=None) for method in SLOW_METHODS]
    people = ("U0ALICE", "U0BOB", "U0CAROL")

    def open_home(i: int) -> None:
        body = json.dumps(inbound.app_home_opened(people[i % len(people)]))
        Client(port).post(body, "application/json")

    openers = [threading.Thread(target=open_home, args=(i,)) for i in range(HOME_OPENS)]
    for opener in openers:
        opener.start()
    for opener in openers:
        opener.join()
    # Wait until the opens are really waiting on Slack, holding whatever they hold.
    slack.wait_for(lambda: len(faults[0].hits) >= min(HOME_OPENS, 5), timeout=30)
    time.sleep(0.5)  # let every thread that will take one pick up an open
    in_flight = len(faults[0].hits) - len(slack.calls_to("views.publish"))
    latencies, statuses, acks = _burst(port, concurrent, queries, slack)
    # Slack ignores an ack that comes after its 3 s (the person sees an error instead):
    # only acks in time count, with the answer in them or through the response URL.
    in_time = [
        (url, json.loads(body) if body else {})
        for elapsed, status, (url, body) in zip(latencies, statuses, acks, strict=True)
        if status == 200 and elapsed < 3.0
    ]
    in_ack = sum(1 for _, ack in in_time if ack.get("blocks"))
    late_urls = {url for url, ack in in_time if not ack.get("blocks")}

    def answered_later() -> set[str]:
        return {r["url"] for r in slack.responses if r.get("blocks")}

    with contextlib.suppress(TimeoutError):
        slack.wait_for(lambda: late_urls <= answered_later(), timeout=60)
    later = len(late_urls & answered_later())
    acked = len(in_time)
    slack.wait_for(lambda: len(slack.calls_to("views.publish")) >= HOME_OPENS, timeout=120)
    slack.clear_faults()
    return {
        "slow_in_flight": in_flight,
        "slow_acked_3s": acked,
        "slow_in_ack": in_ack,
        "slow_later": later,
        "slow_lost": concurrent - in_ack - later,
        "slow_max_s": max(latencies),
    }


def run(briefs: int, rounds: int, concurrent: int) -> dict[str, float]:
    tmp = Path(tempfile.mkdtemp(prefix="briefbot-bench-"))
    processes: list[subprocess.Popen] = []
    try:
        print(f"generating {briefs} briefs and 2000 terms ...", flush=True)
        generated = generate(tmp / "content", briefs=briefs, terms=2000)
        slack = ScriptedSlack(bot_tokens=[TOKEN]).start()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BRIEFBOT_"))}
        env |= {
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack.api_url,
            "BRIEFBOT_CONTENT_DIR": str(tmp / "content"),
            "DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}",
            "BRIEFBOT_LOG_LEVEL": "WARNING",
            "BRIEFBOT_CLOCK": "off",
            "BRIEFBOT_WATCH": "off",
        }
        bot_port, noop_port = _free_port(), _free_port()
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "bot",
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(bot_port),
                ],
                env=env,
                cwd=ROOT,
            )
        )
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "bench.noop_app",
                    "--port",
                    str(noop_port),
                    "--api-url",
                    slack.api_url,
                    "--secret",
                    SECRET,
                    "--token",
                    TOKEN,
                ],
                env=env,
                cwd=ROOT,
            )
        )
        _wait_up(bot_port, processes[0])
        _wait_up(noop_port, processes[1])

        rng = random.Random(7)
        queries = [_typo(rng, rng.choice(generated.titles)) for _ in range(rounds)]
        terms = [rng.choice(generated.terms) for _ in range(rounds)]
        bot, noop = Client(bot_port), Client(noop_port)
        for i in range(20):  # warm up both
            bot.command("/brief", queries[i])
            bot.command("/define", terms[i])
            noop.command("/brief", queries[i])
        times: dict[str, list[float]] = {"noop": [], "brief": [], "define": []}
        # Latency figures: each server's end-to-end time for one command at a time.
        for i in range(rounds):
            times["noop"].append(noop.command("/brief", queries[i])[0])
            times["brief"].append(bot.command("/brief", queries[i])[0])
            times["noop"].append(noop.command("/define", terms[i])[0])
            times["define"].append(bot.command("/define", terms[i])[0])
        medians = {name: statistics.median(values) * 1000 for name, values in times.items()}
        p95 = {
            name: statistics.quantiles(values, n=20)[-1] * 1000 for name, values in times.items()
        }

        burst = {
            name: _burst(port, concurrent, queries)
            for name, port in (("noop", noop_port), ("brief", bot_port))
        }
        slow = _slow_burst(bot_port, slack, concurrent, queries)
        slack.stop()
        return {
            "noop_median_ms": medians["noop"],
            "brief_median_ms": medians["brief"],
            "define_median_ms": medians["define"],
            "noop_p95_ms": p95["noop"],
            "brief_p95_ms": p95["brief"],
            "define_p95_ms": p95["define"],
            "brief_ratio": medians["brief"] / medians["noop"],
            "define_ratio": medians["define"] / medians["noop"],
            "concurrent": concurrent,
            "concurrent_ok": sum(1 for s in burst["brief"][1] if s == 200),
            "concurrent_within_3s": sum(1 for t in burst["brief"][0] if t < 3.0),
            "concurrent_max_s": max(burst["brief"][0]),
            "concurrent_noop_max_s": max(burst["noop"][0]),
            **slow,
        }
    finally:
        for process in processes:
            process.terminate()
            process.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)


def report(result: dict[str, float]) -> str:
    return "\n".join(
        [
            f"no-op Bolt command    median {result['noop_median_ms']:.2f} ms"
            f"  p95 {result['noop_p95_ms']:.2f} ms",
            f"/brief <query>        median {result['brief_median_ms']:.2f} ms"
            f"  p95 {result['brief_p95_ms']:.2f} ms  ratio {result['brief_ratio']:.2f}x"
            "  (target <= 1.1x)",
            f"/define <term>        median {result['define_median_ms']:.2f} ms"
            f"  p95 {result['define_p95_ms']:.2f} ms  ratio {result['define_ratio']:.2f}x"
            "  (target <= 1.1x)",
            f"{result['concurrent']} concurrent /brief: {result['concurrent_ok']} answered 200, "
            f"{result['concurrent_within_3s']} within 3 s, "
            f"slowest {result['concurrent_max_s']:.2f} s "
            f"(no-op app, same burst: slowest {result['concurrent_noop_max_s']:.2f} s)",
            f"Web API at {SLOW_S} s a call, {HOME_OPENS} App Home opens "
            f"({result['slow_in_flight']} views.publish in flight), {result['concurrent']} "
            f"concurrent /brief: {result['slow_acked_3s']} acked within 3 s "
            f"(slowest {result['slow_max_s']:.2f} s), {result['slow_in_ack']} answered in the "
            f"ack, {result['slow_later']} through the response URL, {result['slow_lost']} lost",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--briefs", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--concurrent", type=int, default=200)
    args = parser.parse_args()
    print(report(run(args.briefs, args.rounds, args.concurrent)))


if __name__ == "__main__":
    main()
