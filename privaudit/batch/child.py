"""One app audited in a fresh Python process: ``python -m privaudit.batch.child`` reads a job (JSON) on stdin and
writes its outcome (JSON) on stdout.

For callers that cannot fork a worker safely: a Dask worker (a daemon process with threads) or the web service's
background worker (uvicorn's threads). ``run_in_subprocess`` applies the same time and memory limits as the
batch's forked workers and turns every way the child can end into an outcome tuple. Inputs given by URL are
fetched inside the child (``audit_job``, fetch.py), so they work with every executor.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

from privaudit.batch.jobs import Job


def run_in_subprocess(job: Job, timeout: float, max_memory: int | None) -> tuple[tuple, float]:
    """(outcome, seconds): outcome is ("ok", report, rss_mb), ("error", message[, rss_mb]) or ("died", message)."""
    cmd = [sys.executable, "-m", "privaudit.batch.child"]
    if max_memory:
        cmd += ["--max-memory", str(int(max_memory))]
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    try:
        out, _ = proc.communicate(json.dumps(job.to_dict()).encode(), timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return ("error", f"{job.apk}: timed out after {timeout:g} s (worker killed)"), time.monotonic() - t0
    seconds = time.monotonic() - t0
    if proc.returncode != 0 or not out:
        from privaudit.batch.runner import died_message

        return ("died", died_message(job.apk, proc.returncode)), seconds
    try:
        return tuple(json.loads(out)), seconds
    except (ValueError, TypeError):
        return ("died", f"{job.apk}: worker wrote an unreadable outcome"), seconds


def _exit_with_parent() -> None:
    """End this process when its parent does: a Dask worker killed mid-app must not leave its audit running
    (blocked on a stalled input, nobody left to enforce the time limit)."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(3)

    threading.Thread(target=watch, name="privaudit-parent-watch", daemon=True).start()


def main() -> int:
    from privaudit.batch.runner import audit_job

    _exit_with_parent()
    max_memory = int(sys.argv[sys.argv.index("--max-memory") + 1]) if "--max-memory" in sys.argv else None
    job = Job.from_dict(json.loads(sys.stdin.buffer.read()))
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # anything the audit prints goes to stderr, never into the outcome
    msg = audit_job(job, max_memory)
    try:
        out.write(json.dumps(msg, ensure_ascii=False))
    except MemoryError:
        out.write(json.dumps(("error", f"{job.apk}: report too large to return (MemoryError)")))
    out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
