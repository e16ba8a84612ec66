"""Two jobs at a time, results in a fixed order.

calamine (Excel), pyarrow's CSV reader and pyarrow's compute kernels release the GIL,
so reading two files, typing two tables or building two lists at once keeps both cores
of a small server busy. Results always come back in the order the caller gave, and each
job collects its own findings, so nothing a user sees depends on which job ended first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

# More workers would add memory (each parse holds a whole sheet) but no speed on two cores.
WORKERS = 2


def map_ordered(
    fn: Callable[[T], R],
    items: Iterable[T],
    *,
    start_first: Callable[[T], float] | None = None,
    on_done: Callable[[T, R], None] | None = None,
    workers: int | None = None,
) -> list[R]:
    """`[fn(item) for item in items]`, WORKERS at a time.

    Jobs start largest `start_first` key first (the longest job should not start last);
    `on_done(item, result)` runs in the calling thread as each job ends. Errors are raised
    as a loop would meet them: when a job fails, jobs after it (in `items` order) that
    have not started are dropped, jobs before it still run, and the error of the first
    failing item is raised once nothing runs any more. So the error reported never
    depends on timing."""
    items = list(items)
    order = list(range(len(items)))
    if start_first:  # sorted() is stable: equal keys keep the caller's order
        order.sort(key=lambda n: start_first(items[n]), reverse=True)
    pool = ThreadPoolExecutor(workers or WORKERS, thread_name_prefix="ofsted-lists")
    futures: dict[Future, int] = {}
    failed: dict[int, BaseException] = {}
    try:
        futures = {pool.submit(fn, items[n]): n for n in order}
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                n = futures[fut]
                if fut.cancelled():
                    continue
                if (exc := fut.exception()) is not None:
                    failed[n] = exc
                    for other in pending:
                        if futures[other] > min(failed):
                            other.cancel()
                elif on_done and not failed:
                    on_done(items[n], fut.result())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    if failed:
        raise failed[min(failed)]
    results: list = [None] * len(items)
    for fut, n in futures.items():
        results[n] = fut.result()
    return results
