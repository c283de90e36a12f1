"""``privaudit batch``: audit many apps on one machine, each in its own process, resumably.

See docs/batch.md. The parent collects the jobs, hashes each APK, skips the ones already done,
runs the rest in worker processes (time and memory limits) and is the only writer to the store.
"""

from privaudit.batch.jobs import Job, collect_jobs
from privaudit.batch.runner import BatchOptions, BatchResult, run_batch

__all__ = ["BatchOptions", "BatchResult", "Job", "collect_jobs", "run_batch"]
