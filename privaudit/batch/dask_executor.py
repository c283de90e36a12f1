"""``privaudit batch --executor dask``: the batch's apps audited on a Dask cluster; the parent still writes the store.

One Dask task per app. On the worker the task audits the app in a process of its own, forked by a warm fork
server of that worker thread (``child.run_forked``: a Dask worker is a daemon process with threads, which must
not fork a multiprocessing child itself), with the batch's time and memory limits, and returns the outcome
tuple. The parent gathers the tasks as they complete and records each with ``runner.finish``: one writer,
whatever the cluster.

At most ``IN_FLIGHT_PER_THREAD`` tasks per worker thread are submitted at a time, so a million-app list never
sits in the scheduler at once. An app whose worker died — the audit's process killed or crashed ("died"), or the
Dask worker itself lost (``KilledWorker``) — is submitted again ``opts.retries`` times, then recorded as an error
row. A cluster we start ourselves gives up on a lost worker's task at once (``allowed-failures`` 0), so that
``retries`` means what it means for the process pool; a running scheduler keeps its own setting (Dask's default
reschedules a task 3 times before ``KilledWorker``), then ``retries`` applies on top.

dask is imported only here, when this executor is chosen.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections import deque
from typing import TYPE_CHECKING, Any

from privaudit.batch.jobs import Job
from privaudit.batch.runner import BatchOptions, BatchResult, Progress, Task, _now, finish, one_line
from privaudit.errors import InputError

if TYPE_CHECKING:
    from privaudit.store.db import Store

CONNECT_TIMEOUT = 5.0  # seconds to reach a scheduler given by --scheduler
IN_FLIGHT_PER_THREAD = 4  # tasks submitted ahead per worker thread: keeps every thread busy, the scheduler small
REFRESH_EVERY = 30.0  # seconds between looks at the cluster's size (workers may join or leave)


class DaskCluster:
    """A client of the scheduler at ``opts.scheduler``; without one, of a local cluster of ``opts.workers``
    single-threaded worker processes started here. ``close`` closes the client and the cluster we started."""

    def __init__(self, opts: BatchOptions) -> None:
        try:
            import dask
            from distributed import Client, LocalCluster
        except ImportError:
            raise InputError("the dask executor needs dask.distributed: pip install 'privaudit[dask]'") from None
        self.local: Any = None
        self.fallback_threads = max(1, opts.workers or os.cpu_count() or 1)
        if opts.scheduler:
            import re

            if not re.fullmatch(r"(tcp|tls|ws|wss|ucx)://(\[[0-9A-Fa-f:.]+\]|[\w.-]+):\d{1,5}", opts.scheduler):
                raise InputError("not a scheduler address: give tcp://HOST:PORT", opts.scheduler)
            try:
                self.client = Client(opts.scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
            except Exception as exc:  # OSError (refused, timed out), ValueError (a malformed address), …
                raise InputError(f"cannot reach the Dask scheduler ({one_line(str(exc))})", opts.scheduler) from None
            return
        with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
            self.local = LocalCluster(n_workers=self.fallback_threads, threads_per_worker=1, processes=True,
                                      dashboard_address=None, silence_logs=logging.ERROR)
        try:
            self.client = Client(self.local, set_as_default=False)
        except BaseException:
            self.local.close()
            raise

    def threads(self) -> int:
        """Worker threads in the cluster now (the fallback while no worker has joined yet)."""
        try:
            return sum(self.client.nthreads().values()) or self.fallback_threads
        except Exception:
            return self.fallback_threads

    def close(self) -> None:
        try:
            self.client.close()
        finally:
            if self.local is not None:
                self.local.close()


def audit_on_worker(job: dict[str, Any], timeout: float, max_memory: int | None) -> tuple[list[Any], float]:
    """The Dask task (runs on a worker): one app in a fresh process; (outcome, seconds)."""
    from privaudit.batch.child import run_forked

    outcome, seconds = run_forked(Job.from_dict(job), timeout, max_memory)
    return list(outcome), seconds


def run_dask(pending: list[Task], opts: BatchOptions, store: Store, result: BatchResult, progress: Progress,
             cluster: DaskCluster | None = None) -> None:
    """Audit ``pending`` on the cluster (``cluster``, or one opened from ``opts`` and closed here); record each."""
    if not pending:
        return
    own = cluster is None
    cluster = cluster or DaskCluster(opts)
    try:
        _gather(pending, opts, cluster, store, result, progress)
    finally:
        if own:
            cluster.close()


def _gather(pending: list[Task], opts: BatchOptions, cluster: DaskCluster, store: Store, result: BatchResult,
            progress: Progress) -> None:
    from distributed import as_completed
    from distributed.client import FutureCancelledError
    from distributed.scheduler import KilledWorker

    client = cluster.client
    queue = deque(pending)
    in_flight: dict[Any, tuple[Task, float]] = {}  # future -> its task, when it was submitted
    completed = as_completed(loop=client.loop)
    limit, looked = IN_FLIGHT_PER_THREAD * cluster.threads(), time.monotonic()

    def submit() -> None:
        nonlocal limit, looked
        if time.monotonic() - looked > REFRESH_EVERY:
            limit, looked = IN_FLIGHT_PER_THREAD * cluster.threads(), time.monotonic()
        while queue and len(in_flight) < limit:
            task = queue.popleft()
            task.attempts += 1
            task.started = _now()
            future = client.submit(audit_on_worker, task.job.to_dict(), opts.timeout, opts.max_memory,
                                   key=f"privaudit-audit-{uuid.uuid4().hex}", pure=False)
            in_flight[future] = (task, time.monotonic())
            completed.add(future)

    try:
        submit()
        for future in completed:
            task, t0 = in_flight.pop(future)
            try:
                outcome, seconds = future.result()
                msg = tuple(outcome)
            except (KilledWorker, FutureCancelledError) as exc:
                msg, seconds = ("died", f"{task.job.apk}: Dask worker lost ({type(exc).__name__})"), 0.0
            except Exception as exc:  # the task itself failed on the worker (e.g. privaudit not installed there)
                msg = ("error", one_line(f"{task.job.apk}: Dask task failed ({type(exc).__name__}: {exc})"))
                seconds = 0.0
            future.release()
            seconds = seconds or time.monotonic() - t0
            if msg[0] == "died" and task.attempts <= opts.retries:
                queue.appendleft(task)  # its worker died mid-app: run it once more before recording it
            else:
                finish(task, ("error", msg[1]) if msg[0] == "died" else msg, seconds, store, result, progress)
            submit()
    finally:
        if in_flight:  # interrupted: withdraw what is still queued or running
            client.cancel(list(in_flight), force=True)
