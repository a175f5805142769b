"""Small timing helpers and the report table every benchmark prints into."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field


def timed(func: Callable[[], object]) -> float:
    """Seconds one call of `func` takes."""
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def cpu_timed(func: Callable[[], object]) -> float:
    """The CPU time this process spent in `func()`: on a shared machine, unlike the wall
    clock, it does not count the time other work held the core."""
    start = time.process_time()
    func()
    return time.process_time() - start


def best_of(func: Callable[[], object], repeat: int) -> float:
    """The fastest of `repeat` timed calls: the least disturbed by other work on the machine."""
    return min(timed(func) for _ in range(repeat))


def latencies(func: Callable[[object], object], inputs: Iterable[object]) -> list[float]:
    """Seconds per call of `func` for each input."""
    out = []
    for item in inputs:
        start = time.perf_counter()
        func(item)
        out.append(time.perf_counter() - start)
    return out


def median(values: list[float]) -> float:
    return statistics.median(values)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms" if seconds < 1 else f"{seconds:.2f} s"


@dataclass
class Report:
    """Rows of (what, measured, target, verdict) printed as a table at the end."""

    rows: list[tuple[str, str, str, str]] = field(default_factory=list)

    def add(self, what: str, measured: str, target: str = "", ok: bool | None = None) -> None:
        verdict = "" if ok is None else ("ok" if ok else "MISSED")
        self.rows.append((what, measured, target, verdict))
        print(f"  {what}: {measured}" + (f"  (target {target}: {verdict})" if target else ""))

    def table(self) -> str:
        header = ("measure", "result", "target", "")
        widths = [max(len(r[i]) for r in [header, *self.rows]) for i in range(4)]
        lines = [" | ".join(c.ljust(w) for c, w in zip(header, widths, strict=True))]
        lines.append("-+-".join("-" * w for w in widths))
        for row in self.rows:
            lines.append(" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
        return "\n".join(line.rstrip() for line in lines)
