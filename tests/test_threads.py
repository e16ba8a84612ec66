"""`threads.map_ordered`: two jobs at a time, results in the caller's order, first error wins."""

from __future__ import annotations

import threading
import time

import pytest

from ofsted_lists import threads


def test_results_come_back_in_the_callers_order_whatever_starts_first():
    started = []

    def job(n):
        started.append(n)
        return n * 10

    got = threads.map_ordered(job, [1, 5, 3, 5, 2], start_first=lambda n: n, workers=1)
    assert got == [10, 50, 30, 50, 20]
    assert started == [5, 5, 3, 2, 1]  # largest first; equal keys keep their order


def test_on_done_runs_in_the_calling_thread_once_per_job():
    seen = []
    threads.map_ordered(lambda n: n, range(6), on_done=lambda item, r: seen.append((item, r, threading.get_ident())))
    assert sorted((i, r) for i, r, _ in seen) == [(i, i) for i in range(6)]
    assert {t for _, _, t in seen} == {threading.get_ident()}


def test_the_first_error_is_raised_and_jobs_not_started_are_dropped():
    ran = []

    def job(n):
        ran.append(n)
        if n == 0:
            raise ValueError("bad file 0")
        time.sleep(0.02)
        return n

    with pytest.raises(ValueError, match="bad file 0"):
        threads.map_ordered(job, range(50))
    assert len(ran) < 50


def test_two_jobs_really_run_at_once():
    barrier = threading.Barrier(2, timeout=10)
    assert threads.map_ordered(lambda n: barrier.wait() is not None, [1, 2]) == [True, True]


def test_the_error_reported_is_the_first_failing_item_in_order_whatever_the_timing():
    # Item 3 fails at once; item 1 (started later, as it is smaller) fails slowly; item 0
    # is fine. A loop would meet item 1's error first, so that is the one raised.
    def job(n):
        if n == 3:
            raise ValueError("item 3")
        if n == 1:
            time.sleep(0.05)
            raise ValueError("item 1")
        return n

    for _ in range(5):
        with pytest.raises(ValueError, match="item 1"):
            threads.map_ordered(job, [0, 1, 2, 3], start_first=lambda n: n)
