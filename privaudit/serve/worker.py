"""Background audits: threads in the server process that claim queued runs and audit each in a process of its own
(``run_forked``: forked by the thread's warm fork server, never from uvicorn's threads; time and memory limits),
then record it."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

from privaudit import __version__
from privaudit.batch.child import run_forked
from privaudit.batch.jobs import Job
from privaudit.model import renamed
from privaudit.store.db import Store

log = logging.getLogger("privaudit.serve")

IDLE_WAIT = 2.0  # seconds between looks at the queue when nothing wakes the workers


class AuditWorkers:
    """``count`` threads; ``start()`` requeues runs a previous server left running; ``stop()`` waits for them.

    A run whose child died (signal, crash) is tried once more before it is recorded as an error. Any other failure
    while auditing or recording a run (the server's own, not the app's) records it as an error too.
    """

    def __init__(self, store: Store, count: int, timeout: float, max_memory_mb: int | None) -> None:
        self.store, self.count, self.timeout, self.max_memory_mb = store, count, timeout, max_memory_mb
        self._stop = threading.Event()
        self._wake = threading.Condition()
        self._claim_lock = threading.Lock()  # SQLite has no SKIP LOCKED: one claim at a time in this process
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        if self.count and (n := self.store.requeue_running()):
            log.info("requeued %d run(s) left running by a previous server", n)
        for i in range(self.count):
            th = threading.Thread(target=self._loop, name=f"privaudit-audit-{i}", daemon=True)
            th.start()
            self._threads.append(th)

    def wake(self) -> None:
        """A run was queued: let an idle worker take it now."""
        with self._wake:
            self._wake.notify()

    def stop(self, grace: float = 10.0) -> None:
        """No new runs are claimed; a run in progress gets ``grace`` seconds to finish (else it stays
        ``running`` and is requeued at the next start)."""
        self._stop.set()
        with self._wake:
            self._wake.notify_all()
        for th in self._threads:
            th.join(grace)
        self._threads.clear()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                with self._claim_lock:
                    claimed = self.store.claim()
            except Exception:  # the database went away for a moment: try again later
                log.exception("cannot claim a queued run")
                claimed = None
            if claimed is None:
                with self._wake:
                    self._wake.wait(IDLE_WAIT)
                continue
            run_id, job_dict = claimed
            try:
                self.audit(run_id, job_dict)
            except Exception as exc:  # never leave the run ``running``: it becomes an error, the loop goes on
                log.exception("run %d failed inside the server", run_id)
                self.record_failure(run_id, job_dict, exc)

    def record_failure(self, run_id: int, job_dict: dict, exc: BaseException) -> None:
        """Record a run that could not be audited or recorded as an error with a one-line message; if even that
        fails, log it (the run stays ``running`` until the next start requeues it)."""
        try:
            try:
                names = shown_names(Job.from_dict(job_dict), job_dict.get("names") or {})
            except Exception:
                names = []
            message = public_error(f"internal error while auditing or recording this run ({type(exc).__name__}; "
                                   f"the server's log has the details): {exc}", names)
            self.store.record(error=message, sha256=job_dict.get("sha256"), source="", inputs_key="",
                              tool_version=__version__, run_id=run_id)
        except Exception:
            log.exception("run %d could not be recorded as an error either; it stays running until the next start",
                          run_id)

    def audit(self, run_id: int, job_dict: dict) -> None:
        """Audit one claimed run and record its outcome."""
        job = Job.from_dict(job_dict)
        started = datetime.now(UTC)
        outcome, seconds = run_forked(job, self.timeout, self.max_memory_mb)
        if outcome[0] == "died" and not self._stop.is_set():
            outcome, more = run_forked(job, self.timeout, self.max_memory_mb)
            seconds += more
        common = dict(sha256=job_dict.get("sha256"), source=job.apk, inputs_key=job.inputs_key(),
                      tool_version=__version__, started=started, seconds=seconds, run_id=run_id)
        names = shown_names(job, job_dict.get("names") or {})
        if outcome[0] == "ok":
            self.store.record(report=renamed(outcome[1], names), peak_rss_mb=outcome[2], **common)
        else:
            rss = outcome[2] if len(outcome) > 2 else None
            self.store.record(error=public_error(str(outcome[1]), names), peak_rss_mb=rss, **common)


def shown_names(job: Job, names: dict) -> list[tuple[str, str]]:
    """(server path, what to show instead): the uploaded files' display names, else what they are."""
    def given(key: str, i: int | None, default: str) -> str:
        v = names.get(key)
        v = v[i] if i is not None and isinstance(v, list) and i < len(v) else v if i is None else None
        return v if isinstance(v, str) and v else default

    pairs = [(job.apk, given("apk", None, "app")), (job.policy, given("policy", None, "policy")),
             *((p, given("trace", i, "trace")) for i, p in enumerate(job.traces)),
             *((p, given("network", i, "network")) for i, p in enumerate(job.network)),
             *((p, given("ui", i, "ui")) for i, p in enumerate(job.ui))]
    return [(path, name) for path, name in pairs if path]


def public_error(message: str, names: list[tuple[str, str]]) -> str:
    """The error as one line, the server's paths of the uploads replaced by their shown names."""
    return " ".join(renamed(message, names).split())[:500]
