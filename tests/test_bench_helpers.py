"""The benchmark's pure helpers (bench/stats.py). The benchmark itself is a script, not a test."""

from __future__ import annotations

import math
import os

import pytest

from bench.stats import (
    ScenarioResult,
    best_threshold_accuracy,
    combine_rounds,
    delivery_tally,
    format_result,
    merge_results,
    parse_report,
    percentile,
    queued_from_output,
    share_of_bare_check,
)

REPORT = (
    "Running 15s test @ http://127.0.0.1:8000\n"
    'BENCH_RESULT {"requests":3000,"seconds":10.000,"accepted":1490,"confirmed":0,'
    '"exhausted":0,"latency_us":{"p50":8000,"p95":20000,"p99":45000,"max":90000},'
    '"statuses":{"200":1500,"303":1490,"500":10},'
    '"errors":{"connect":0,"read":1,"write":0,"timeout":2}}\n'
)


def test_percentile_by_nearest_rank():
    values = [5, 1, 4, 2, 3, 6, 7, 8, 9, 10]
    assert percentile(values, 50) == 5
    assert percentile(values, 95) == 10
    assert percentile(values, 0) == 1
    assert percentile([42], 99) == 42
    assert math.isnan(percentile([], 50))
    with pytest.raises(ValueError):
        percentile(values, 101)


def test_parse_report_reads_the_generators_result_line():
    result = parse_report("sign", REPORT)
    assert result.requests == 3000
    assert result.rate == 300
    assert (result.p50_ms, result.p95_ms, result.p99_ms) == (8, 20, 45)
    assert result.accepted == 1490
    assert result.statuses == {200: 1500, 303: 1490, 500: 10}
    # 303 is what signing answers; the 500s and the socket errors are errors.
    assert result.errors == 13
    assert result.server_errors == 10


def test_parse_report_refuses_output_without_a_result():
    with pytest.raises(ValueError):
        parse_report("page", "unable to connect to 127.0.0.1:8000 Connection refused\n")


def test_a_redirect_is_an_error_where_a_page_was_expected():
    result = ScenarioResult("page", 10, 1.0, 1, 2, 3, statuses={200: 9, 303: 1})
    assert result.errors == 1


def test_merging_two_servers_adds_counts_and_keeps_the_worst_latency():
    a = ScenarioResult("sign", 100, 10.0, 5, 10, 20, statuses={303: 50, 200: 50}, accepted=50)
    b = ScenarioResult("sign", 300, 9.0, 7, 9, 30, statuses={303: 150, 200: 150}, accepted=150)
    merged = merge_results([a, b])
    assert (merged.requests, merged.seconds, merged.accepted) == (400, 10.0, 200)
    assert (merged.p50_ms, merged.p95_ms, merged.p99_ms) == (7, 10, 30)
    assert merged.statuses == {303: 200, 200: 200}


def test_rounds_add_up_and_keep_the_median_latency():
    rounds = [
        ScenarioResult("page", 1000, 2.0, 5, 10, 20, statuses={200: 1000}),
        ScenarioResult("page", 400, 2.0, 50, 100, 200, statuses={200: 400}),
        ScenarioResult("page", 1100, 2.0, 4, 9, 19, statuses={200: 1100}),
    ]
    combined = combine_rounds(rounds)
    assert combined.rate == 2500 / 6
    assert (combined.p50_ms, combined.p95_ms, combined.p99_ms) == (5, 10, 20)
    assert combined.statuses == {200: 2500}


def test_a_result_line_shows_the_ratio_to_bare():
    result = parse_report("sign", REPORT)
    line = format_result(result, bare_rate=1200)
    assert line.startswith("sign")
    assert "300 req/s" in line
    assert "25% of bare" in line
    assert "p99   45.0 ms" in line
    assert "errors 13" in line
    assert "signatures 149/s" in line


@pytest.mark.parametrize(
    ("database", "threads"), [("sqlite", 2), ("postgres", 4)], ids=["sqlite", "postgres"]
)
def test_the_servers_run_the_thread_count_chosen_for_their_database(monkeypatch, database, threads):
    from bench.runner import parse_args, server_settings

    monkeypatch.delenv("GUNICORN_THREADS", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://elsewhere")
    settings = server_settings(parse_args(["--db", database]))
    assert settings["worker_class"] == "gthread"
    assert settings["threads"] == threads
    # The runner's own environment is left as it was.
    assert os.environ["DATABASE_URL"] == "postgresql://elsewhere"
    assert server_settings(parse_args(["--db", database, "--threads", "3"]))["threads"] == 3


@pytest.mark.parametrize("overrides", [[], ["--workers", "3", "--threads", "5"]])
def test_granian_runs_as_many_processes_and_threads_as_gunicorn(monkeypatch, overrides):
    from bench.runner import Bench, parse_args, server_description

    monkeypatch.delenv("GUNICORN_THREADS", raising=False)
    with (
        Bench(parse_args(overrides)) as gunicorn,
        Bench(parse_args([*overrides, "--server", "granian"])) as granian,
    ):
        ours, theirs = gunicorn.server_command(8000), granian.server_command(8000)
        assert "gunicorn" in ours and "granian" in theirs
        assert theirs[theirs.index("--workers") + 1] == ours[ours.index("--workers") + 1]
        assert theirs[theirs.index("--blocking-threads") + 1] == ours[ours.index("--threads") + 1]
        assert server_description(granian.args).startswith("granian ")


def test_granian_has_no_worker_class_to_choose():
    from bench.runner import parse_args

    with pytest.raises(SystemExit):
        parse_args(["--server", "granian", "--worker-class", "sync"])


def test_best_threshold_accuracy_of_groups_apart_together_and_overlapping():
    assert best_threshold_accuracy([1, 2, 3], [4, 5, 6]) == (1.0, 3)
    # Whichever way round: the slower group may be either.
    assert best_threshold_accuracy([4, 5, 6], [1, 2, 3]) == (1.0, 3)
    # The same values: nothing to tell, whatever the threshold.
    assert best_threshold_accuracy([1, 2, 3, 4], [1, 2, 3, 4])[0] == 0.5
    # One value of each group on the wrong side: 6 of 8 right at best.
    assert best_threshold_accuracy([1, 2, 3, 7], [0, 5, 6, 8]) == (0.75, 3)
    assert math.isnan(best_threshold_accuracy([], [])[0])


def test_queued_count_is_read_from_the_send_commands_last_line():
    output = "en: 998 recipients\nfr: 2 recipients\nupdate 7: 1000 emails queued\n"
    assert queued_from_output(output) == 1000
    with pytest.raises(ValueError):
        queued_from_output("en: 998 recipients\nupdate 7 scheduled for 2030-01-01T00:00:00\n")


def test_delivery_tally_counts_missing_recipients_and_extra_copies():
    expected = ["a@x", "b@x", "c@x"]
    assert delivery_tally(expected, {"a@x": 1, "b@x": 1, "c@x": 1}) == (0, 0)
    assert delivery_tally(expected, {"a@x": 3, "c@x": 1}) == (1, 2)


def test_a_page_keeps_pace_with_bare_from_its_share_and_without_errors():
    bare = ScenarioResult("bare", 10_000, 10.0, 1.0, 2.0, 3.0, statuses={200: 10_000})
    wall = ScenarioResult("wall", 4_000, 10.0, 1.0, 2.0, 3.0, statuses={200: 4_000})
    ok, line = share_of_bare_check(wall, bare, 0.4)
    assert ok and line == (
        "PASS  wall page keeps pace: 400 req/s, 40% of bare (at least 40%), errors 0"
    )
    slow = ScenarioResult("wall", 3_900, 10.0, 1.0, 2.0, 3.0, statuses={200: 3_900})
    assert share_of_bare_check(slow, bare, 0.4)[0] is False
    failing = ScenarioResult("campaign", 9_000, 10.0, 1.0, 2.0, 3.0, statuses={200: 8_990, 500: 10})
    ok, line = share_of_bare_check(failing, bare, 0.4)
    assert not ok and line.startswith("FAIL  campaign page keeps pace")
