"""Run the jobs: one worker process per app, with a time and a memory limit; the parent writes the store.

A ``concurrent.futures.ProcessPoolExecutor`` cannot kill the one task that overran its time without
breaking the whole pool, so each app gets its own ``multiprocessing.Process`` (the same isolation as
``max_tasks_per_child=1``), at most ``workers`` at a time. The parent kills a worker on timeout.
"""

from __future__ import annotations

import errno
import multiprocessing as mp
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import wait
from typing import Any, TextIO

from privaudit import __version__
from privaudit.batch.jobs import Job, apk_sha256
from privaudit.errors import InputError
from privaudit.model import renamed
from privaudit.store import DEFAULT_DB, Store


@dataclass(slots=True)
class BatchOptions:
    db: str = DEFAULT_DB  # a SQLite path or a database URL (postgresql://user@host/db)
    workers: int = 0  # 0: os.cpu_count()
    timeout: float = 300.0  # seconds per app
    max_memory: int | None = 4096  # MB of address space the audit may add to its worker's (RLIMIT_AS); None: none
    progress: TextIO | None = None  # where progress goes (stderr from the CLI); None: silent
    progress_every: float = 5.0  # seconds between plain progress lines when not a TTY
    retries: int = 1  # a worker that died (killed, crashed) is run again this many times, then recorded
    skip_failed: bool = False  # a rerun also skips apps whose last run with these inputs ended in an error row
    executor: str = "pool"  # "pool": forked processes on this machine; "dask": a Dask cluster (dask_executor.py)
    scheduler: str | None = None  # dask: tcp://host:port of a running scheduler; None: a local cluster of `workers`


@dataclass(slots=True)
class BatchResult:
    total: int = 0
    ok: int = 0
    errors: int = 0
    skipped: int = 0
    seconds: float = 0.0
    run_ids: list[int] = field(default_factory=list)  # the ok runs this batch covers (new and skipped)
    error_rows: list[dict[str, str]] = field(default_factory=list)  # {"apk", "error"}
    items: dict[str, dict[str, int]] = field(default_factory=dict)  # item -> {"violation": n, "risk": n}

    def to_dict(self) -> dict[str, Any]:
        return {"total": self.total, "ok": self.ok, "errors": self.errors, "skipped": self.skipped,
                "seconds": round(self.seconds, 2), "items": self.items, "error_rows": self.error_rows}


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def audit_job(job: Job, max_memory: int | None, tmp: str | None = None) -> tuple:
    """In a worker process: set the memory limit, audit; ("ok", report dict, peak RSS MiB) or ("error", message).

    ``tmp``: the folder for this app's temporary files (unpacked UI archives, inputs fetched by URL), made and
    removed by whoever started the worker, so a worker killed mid-app leaves nothing behind.

    Every failure becomes a one-line message: a hostile input must never cost the other apps. Inputs given by
    URL are fetched into a temporary folder first (fetch.py); the outcome names the URLs, not the copies.
    """
    names: dict[str, str] = {}  # local copy -> URL
    if tmp:
        import tempfile

        tempfile.tempdir = tmp
    try:
        if max_memory:
            import resource

            limit = _mapped_bytes() + max_memory * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        from privaudit.audit import AuditInputs, audit
        from privaudit.batch.fetch import fetched

        with fetched(job, names) as local:
            report = audit(AuditInputs(apk=local.apk, policy=local.policy, traces=local.traces,
                                       network=local.network, ui=local.ui, app_type=local.app_type))
            msg: tuple = ("ok", report.to_dict())
    except InputError as exc:
        msg = ("error", one_line(str(exc)))
    except MemoryError:
        msg = ("error", f"{job.apk}: out of memory (limit {max_memory} MB; MemoryError)" if max_memory
               else f"{job.apk}: out of memory (MemoryError)")
    except RecursionError:
        msg = ("error", f"{job.apk}: input too deeply nested (RecursionError)")
    except OSError as exc:
        if exc.errno == errno.ENOMEM:
            msg = ("error", f"{job.apk}: out of memory (limit {max_memory} MB; ENOMEM)")
        else:
            msg = ("error", one_line(f"{job.apk}: could not analyse the input (OSError: {exc})"))
    except Exception as exc:
        if max_memory and any(t in str(exc) for t in ("failed to map segment", "Cannot allocate memory")):
            # under RLIMIT_AS, loading a module or a library is where allocation fails first
            msg = ("error", f"{job.apk}: out of memory (limit {max_memory} MB; {type(exc).__name__})")
        else:
            msg = ("error", one_line(f"{job.apk}: could not analyse the input ({type(exc).__name__}: {exc})"))
    import resource

    if names:
        msg = renamed(msg, list(names.items()))
    return (*msg, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)  # KiB on Linux -> MiB


def _mapped_bytes() -> int:
    """The address space this process already maps. A forked worker inherits its parent's (a service or a test
    process with thread pools may map gigabytes it never touches), so the limit counts from here."""
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def die_with_parent(parent: int) -> None:
    """Linux: this process is killed when its parent dies (PR_SET_PDEATHSIG), so a batch killed by SIGTERM or
    SIGKILL leaves no worker behind, blocked on a stalled input with nobody to enforce its time limit."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)


def _worker(job: Job, conn: Any, max_memory: int | None, parent: int, tmp: str) -> None:
    """A forked worker: audit one app and send the outcome to the parent through the pipe."""
    die_with_parent(parent)
    msg = audit_job(job, max_memory, tmp)
    try:
        conn.send(msg)
    except MemoryError:
        conn.send(("error", f"{job.apk}: report too large to return (MemoryError)"))
    finally:
        conn.close()


class Progress:
    """``done/total, errors, skipped, ETA``: one line updated in place on a TTY, plain periodic lines otherwise."""

    def __init__(self, stream: TextIO | None, total: int, every: float) -> None:
        self.stream, self.total, self.every = stream, total, every
        self.tty = bool(stream is not None and hasattr(stream, "isatty") and stream.isatty())
        self.t0 = time.monotonic()
        self.last = self.t0

    def update(self, r: BatchResult, final: bool = False) -> None:
        if self.stream is None:
            return
        now = time.monotonic()
        if not (final or self.tty or now - self.last >= self.every):
            return
        self.last = now
        done = r.ok + r.errors + r.skipped
        ran = r.ok + r.errors
        left = self.total - done
        eta = "-" if not ran or not left else _duration((now - self.t0) / ran * left)
        line = f"privaudit batch: {done}/{self.total} done, {r.errors} errors, {r.skipped} skipped, ETA {eta}"
        if self.tty:
            self.stream.write("\r" + line + "\x1b[K" + ("\n" if final else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def _duration(s: float) -> str:
    s = int(s)
    return f"{s // 3600}h{s % 3600 // 60:02d}m" if s >= 3600 else f"{s // 60}m{s % 60:02d}s"


def _context() -> mp.context.BaseContext:
    # fork starts a worker in milliseconds with privaudit already imported; elsewhere, spawn.
    return mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")


def run_batch(jobs: list[Job], opts: BatchOptions) -> BatchResult:
    t0 = time.monotonic()
    if opts.executor not in ("pool", "dask"):
        raise InputError(f"unknown executor {opts.executor!r} (pool or dask)")
    cluster = None
    if opts.executor == "dask":  # connect (or start the local cluster) before hashing: an unreachable scheduler
        from privaudit.batch.dask_executor import DaskCluster  # is reported at once, not after every APK is read

        cluster = DaskCluster(opts)
    try:
        store = Store(opts.db)
    except BaseException:
        if cluster is not None:
            cluster.close()
        raise
    result = BatchResult(total=len(jobs))
    progress = Progress(opts.progress, len(jobs), opts.progress_every)
    try:
        pending: list[Task] = []
        seen: set[tuple[str, str]] = set()
        for job in jobs:
            key = job.inputs_key()
            try:
                sha = _sha256(job.apk)
            except InputError as exc:
                _record_error(store, result, job, None, key, str(exc), 0.0)
                continue
            done = store.done_run(sha, key, __version__)
            if done is None and opts.skip_failed and store.done_run(sha, key, __version__, ("error",)) is not None:
                result.skipped += 1  # failed before with the same inputs and tool: not tried again
                continue
            if done is not None or (sha, key) in seen:
                result.skipped += 1
                if done is not None:
                    result.run_ids.append(done)
                continue
            seen.add((sha, key))
            pending.append(Task(job, sha, key))
        progress.update(result)
        if cluster is not None:
            from privaudit.batch.dask_executor import run_dask

            run_dask(pending, opts, store, result, progress, cluster=cluster)
        elif pending:
            import ctypes  # noqa: F401  (imported once here; every forked worker arms PR_SET_PDEATHSIG with it)

            from privaudit.batch.child import warm_up

            warm_up()  # lexicons built once here, inherited by every forked worker (~0.3 s saved per policy)
            _run(pending, opts, store, result, progress)
        result.items = store.item_counts(result.run_ids)
    finally:
        if cluster is not None:
            cluster.close()
        store.close()
    result.seconds = time.monotonic() - t0
    progress.update(result, final=True)
    return result


def _sha256(apk: str) -> str:
    """The app's SHA-256, read by the parent: a local file, or a URL streamed through fsspec."""
    from privaudit.batch.fetch import is_url

    if is_url(apk):
        from privaudit.batch.fetch import url_sha256

        return url_sha256(apk)
    return apk_sha256(apk)


def _record_error(store: Store, result: BatchResult, job: Job, sha: str | None, key: str, error: str,
                  seconds: float, started: datetime | None = None, attempts: int = 1,
                  peak_rss_mb: float | None = None) -> None:
    from privaudit.batch.fetch import public_job

    error = one_line(error)
    source, stored_job = public_job(job)
    store.record(sha256=sha, source=source, job=stored_job, inputs_key=key, tool_version=__version__,
                 started=started or _now(), seconds=seconds, error=error, attempts=attempts, peak_rss_mb=peak_rss_mb)
    result.errors += 1
    result.error_rows.append({"apk": job.apk, "error": error})


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class Task:
    """One app in flight: what to run, and what its runs so far were."""

    job: Job
    sha: str | None
    key: str
    attempts: int = 0
    started: datetime | None = None


def finish(task: Task, msg: tuple, seconds: float, store: Store, result: BatchResult, progress: Progress) -> None:
    """Record an app's final outcome: ("ok", report, rss_mb) or ("error", message[, rss_mb])."""
    rss = msg[2] if len(msg) > 2 else None
    if msg[0] == "ok":
        from privaudit.batch.fetch import public_job

        source, job = public_job(task.job)
        run_id = store.record(sha256=task.sha, source=source, job=job, inputs_key=task.key,
                              tool_version=__version__, started=task.started, seconds=seconds, report=msg[1],
                              attempts=task.attempts, peak_rss_mb=rss)
        result.ok += 1
        result.run_ids.append(run_id)
    else:
        _record_error(store, result, task.job, task.sha, task.key, msg[1], seconds, task.started, task.attempts, rss)
    progress.update(result)


def _run(pending: list[Task], opts: BatchOptions, store: Store, result: BatchResult, progress: Progress) -> None:
    ctx = _context()
    workers = max(1, opts.workers or os.cpu_count() or 1)
    queue = list(reversed(pending))
    running: dict[Any, dict[str, Any]] = {}  # receiving end of the pipe -> the process and its task
    exiting: list[tuple[Any, str]] = []  # (worker, its temp folder): sent their outcome, exiting; reaped unwaited

    def spawn() -> None:
        while queue and len(running) < workers:
            task = queue.pop()
            task.attempts += 1
            task.started = _now()
            recv, send = ctx.Pipe(duplex=False)
            tmp = tempfile.mkdtemp(prefix="privaudit-app-")
            proc = ctx.Process(target=_worker, args=(task.job, send, opts.max_memory, os.getpid(), tmp), daemon=True)
            proc.start()
            send.close()
            running[recv] = {"task": task, "proc": proc, "t": time.monotonic(), "tmp": tmp}

    try:
        while queue or running:
            spawn()
            now = time.monotonic()
            next_deadline = min(r["t"] + opts.timeout for r in running.values())
            ready = wait(list(running) + [r["proc"].sentinel for r in running.values()],
                         timeout=max(0.0, min(next_deadline - now, 1.0)))
            ready_set = set(ready)
            done = []
            for recv, r in list(running.items()):
                proc, task = r["proc"], r["task"]
                elapsed = time.monotonic() - r["t"]
                if recv in ready_set or proc.sentinel in ready_set:
                    msg = _receive(recv, proc, task.job.apk)
                elif elapsed >= opts.timeout:
                    proc.kill()
                    proc.join()
                    msg = ("error", f"{task.job.apk}: timed out after {opts.timeout:g} s (worker killed)")
                else:
                    continue
                del running[recv]
                recv.close()
                exiting.append((proc, r["tmp"]))
                if msg[0] == "died" and task.attempts <= opts.retries:
                    queue.append(task)  # killed or crashed mid-app: run it once more before recording it
                    continue
                done.append((task, ("error", msg[1]) if msg[0] == "died" else msg, elapsed))
            spawn()  # fill the free slots first: the workers audit while the parent records
            for task, msg, elapsed in done:
                finish(task, msg, elapsed, store, result, progress)
            exiting = [(p, tmp) for p, tmp in exiting if p.exitcode is None or _removed(tmp)]  # exitcode: WNOHANG
    finally:
        for r in running.values():  # interrupted: leave no worker behind
            r["proc"].kill()
            r["proc"].join()
            _removed(r["tmp"])
        for p, tmp in exiting:
            p.join()
            _removed(tmp)


def _removed(tmp: str) -> bool:
    """Remove a worker's temporary folder (it has exited); False, so a filter drops the worker."""
    shutil.rmtree(tmp, ignore_errors=True)
    return False


def _receive(recv: Any, proc: Any, apk: str) -> tuple:
    """The worker's message; or, when it died without one, ("died", why)."""
    try:
        if recv.poll():
            return recv.recv()
    except (EOFError, OSError):
        pass
    proc.join()
    return ("died", died_message(apk, proc.exitcode))


def died_message(apk: str, code: int | None) -> str:
    if code is not None and code < 0:
        import signal

        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        return f"{apk}: worker died (signal {name})"
    return f"{apk}: worker died (exit code {code})"


def render_summary(result: BatchResult, fmt: str) -> str:
    if fmt == "json":
        import json

        return json.dumps(result.to_dict(), ensure_ascii=False, indent=2)
    lines = [f"apps: {result.total}  ok: {result.ok}  errors: {result.errors}  skipped: {result.skipped}  "
             f"time: {result.seconds:.1f} s"]
    if result.items:
        lines.append("")
        lines.append(f"{'item':<12} {'violation':>9} {'risk':>6}")
        lines += [f"{item:<12} {c['violation']:>9} {c['risk']:>6}" for item, c in result.items.items()]
    if result.error_rows:
        lines.append("")
        lines.append("errors:")
        lines += [f"  {row['error']}" for row in result.error_rows]
    return "\n".join(lines)


