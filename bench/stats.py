"""Pure helpers of the benchmark: percentiles, reading the load generator's report, printing."""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

RESULT_MARK = "BENCH_RESULT "

# What each scenario's requests may answer; anything else is an error.
EXPECTED_STATUSES = {
    "bare": {200},
    "page": {200},
    "counter": {200},
    "sign": {200, 303},
    "confirm": {200},
    "viral": {200, 303},
}


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100) by the nearest-rank method; NaN for no values."""
    if not values:
        return math.nan
    if not 0 <= p <= 100:
        raise ValueError("p must be between 0 and 100")
    ordered = sorted(values)
    rank = max(math.ceil(p / 100 * len(ordered)), 1)
    return ordered[rank - 1]


@dataclass
class ScenarioResult:
    """One scenario's figures, from the load generator's report."""

    name: str
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    statuses: dict[int, int] = field(default_factory=dict)
    socket_errors: int = 0
    accepted: int = 0  # sign forms answered with the "check your email" page
    confirmed: int = 0  # confirmation POSTs answered with the "your signature counts" page
    generator_cpu: float = 0.0  # CPU seconds the load generator used
    server_cpu: float = 0.0  # CPU seconds the app servers used
    # Share of the time some task on the machine waited for a CPU (Linux PSI): a shared machine
    # lowers every figure, and this says how much it was shared.
    cpu_pressure: float = 0.0

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        expected = EXPECTED_STATUSES.get(self.name, {200})
        unexpected = sum(n for status, n in self.statuses.items() if status not in expected)
        return unexpected + self.socket_errors

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)


def parse_report(name: str, output: str) -> ScenarioResult:
    """Read the JSON line our wrk script prints when it is done."""
    for line in output.splitlines():
        if line.startswith(RESULT_MARK):
            data = json.loads(line[len(RESULT_MARK) :])
            break
    else:
        raise ValueError(f"no {RESULT_MARK.strip()} line in the load generator's output")
    errors = data.get("errors", {})
    return ScenarioResult(
        name=name,
        requests=int(data["requests"]),
        seconds=float(data["seconds"]),
        p50_ms=data["latency_us"]["p50"] / 1000,
        p95_ms=data["latency_us"]["p95"] / 1000,
        p99_ms=data["latency_us"]["p99"] / 1000,
        statuses={int(k): int(v) for k, v in data.get("statuses", {}).items()},
        socket_errors=sum(int(v) for v in errors.values()),
        accepted=int(data.get("accepted", 0)),
        confirmed=int(data.get("confirmed", 0)),
    )


def merge_results(results: Sequence[ScenarioResult]) -> ScenarioResult:
    """One scenario run against several servers at once, as one result.

    Percentiles cannot be merged exactly; the worst server's are kept.
    """
    if len(results) == 1:
        return results[0]
    statuses: dict[int, int] = {}
    for result in results:
        for status, n in result.statuses.items():
            statuses[status] = statuses.get(status, 0) + n
    return ScenarioResult(
        name=results[0].name,
        requests=sum(r.requests for r in results),
        seconds=max(r.seconds for r in results),
        p50_ms=max(r.p50_ms for r in results),
        p95_ms=max(r.p95_ms for r in results),
        p99_ms=max(r.p99_ms for r in results),
        statuses=statuses,
        socket_errors=sum(r.socket_errors for r in results),
        accepted=sum(r.accepted for r in results),
        confirmed=sum(r.confirmed for r in results),
    )


def combine_rounds(rounds: Sequence[ScenarioResult]) -> ScenarioResult:
    """Several rounds of one scenario as one result: counts and times add up, and each latency
    percentile is the median of the rounds' (a round hit by a neighbour's burst does not
    decide)."""
    if len(rounds) == 1:
        return rounds[0]
    total = merge_results(rounds)
    total.seconds = sum(r.seconds for r in rounds)
    total.p50_ms = statistics.median(r.p50_ms for r in rounds)
    total.p95_ms = statistics.median(r.p95_ms for r in rounds)
    total.p99_ms = statistics.median(r.p99_ms for r in rounds)
    total.generator_cpu = sum(r.generator_cpu for r in rounds)
    total.server_cpu = sum(r.server_cpu for r in rounds)
    total.cpu_pressure = statistics.mean(r.cpu_pressure for r in rounds)
    return total


def format_result(result: ScenarioResult, bare_rate: float | None) -> str:
    """One line per scenario: rate, latency percentiles, errors, and the ratio to bare."""
    ratio = f"{result.rate / bare_rate:6.0%} of bare" if bare_rate else " " * 14
    line = (
        f"{result.name:<10} {result.rate:8.0f} req/s  {ratio}  p50 {result.p50_ms:6.1f} ms"
        f"  p95 {result.p95_ms:6.1f} ms  p99 {result.p99_ms:6.1f} ms  errors {result.errors}"
    )
    if result.accepted:
        line += f"  signatures {result.accepted / result.seconds:.0f}/s"
    if result.confirmed:
        line += f"  confirmations {result.confirmed / result.seconds:.0f}/s"
    if result.seconds:
        line += (
            f"  [cpu: servers {result.server_cpu / result.seconds:.0%},"
            f" generator {result.generator_cpu / result.seconds:.0%} of a core;"
            f" cpu pressure {result.cpu_pressure:.0%}]"
        )
    return line


def check_line(name: str, ok: bool, detail: str) -> str:
    return f"{'PASS' if ok else 'FAIL'}  {name}: {detail}"


def share_of_bare_check(
    result: ScenarioResult, bare: ScenarioResult, minimum: float
) -> tuple[bool, str]:
    """A page's rate against the bare endpoint's in the same run: at least `minimum` of it,
    and without errors."""
    share = result.rate / bare.rate if bare.rate else 0.0
    ok = share >= minimum and not result.errors
    detail = (
        f"{result.rate:.0f} req/s, {share:.0%} of bare (at least {minimum:.0%}), "
        f"errors {result.errors}"
    )
    return ok, check_line(f"{result.name} page keeps pace", ok, detail)


def best_threshold_accuracy(first: Sequence[float], second: Sequence[float]) -> tuple[float, float]:
    """(accuracy, threshold) of the best guess one threshold makes between two groups of
    values: "at most the threshold: one group, above it: the other", whichever way round is
    better, over every threshold. 0.5 with equal groups is chance; 1.0 tells them apart."""
    total = len(first) + len(second)
    if not total:
        return math.nan, math.nan
    points = sorted([(value, 0) for value in first] + [(value, 1) for value in second])
    best, threshold = max(len(first), len(second)) / total, -math.inf
    seen = [0, 0]
    for i, (value, group) in enumerate(points):
        seen[group] += 1
        if i + 1 < total and points[i + 1][0] == value:
            continue  # a threshold falls between different values only
        right = seen[0] + len(second) - seen[1]  # first at or below, second above
        accuracy = max(right, total - right) / total
        if accuracy > best:
            best, threshold = accuracy, value
    return best, threshold


def queued_from_output(output: str) -> int:
    """The emails `campaign updates send` says it queued ("update 7: 1000 emails queued")."""
    for line in reversed(output.splitlines()):
        head, colon, tail = line.partition(": ")
        words = tail.split()
        if colon and head.startswith("update ") and words[1:] == ["emails", "queued"]:
            return int(words[0])
    raise ValueError("no 'update N: M emails queued' line in the output")


def delivery_tally(expected: Iterable[str], received: Mapping[str, int]) -> tuple[int, int]:
    """(recipients who got nothing, extra copies beyond one each) of an update's delivery."""
    missing = sum(1 for address in expected if received.get(address, 0) < 1)
    twice = sum(n - 1 for n in received.values() if n > 1)
    return missing, twice
