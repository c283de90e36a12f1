"""The results store: one SQLite file, written by the batch parent only (one writer, one transaction per app)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from privaudit.errors import InputError

SCHEMA = """
CREATE TABLE IF NOT EXISTS apps (
    sha256 TEXT PRIMARY KEY, package TEXT, version_name TEXT, version_code TEXT);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, app_sha256 TEXT, apk TEXT, inputs_key TEXT, tool_version TEXT,
    started TEXT, seconds REAL, status TEXT CHECK (status IN ('ok', 'error')), error TEXT, report_json TEXT);
CREATE INDEX IF NOT EXISTS runs_resume ON runs (app_sha256, inputs_key, tool_version, status);
CREATE TABLE IF NOT EXISTS findings (run_id INTEGER REFERENCES runs(id), item TEXT, verdict TEXT, severity TEXT);
CREATE INDEX IF NOT EXISTS findings_run ON findings (run_id);
CREATE TABLE IF NOT EXISTS sdks (run_id INTEGER REFERENCES runs(id), sdk_id TEXT, name TEXT);
CREATE INDEX IF NOT EXISTS sdks_run ON sdks (run_id);
"""


class Store:
    def __init__(self, path: str) -> None:
        try:
            self.conn = sqlite3.connect(path, isolation_level=None)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise InputError(f"cannot use as a results store ({exc})", path) from None

    def close(self) -> None:
        self.conn.close()

    def done_run(self, sha256: str, inputs_key: str, tool_version: str) -> int | None:
        row = self.conn.execute(
            "SELECT id FROM runs WHERE app_sha256=? AND inputs_key=? AND tool_version=? AND status='ok' "
            "ORDER BY id DESC LIMIT 1", (sha256, inputs_key, tool_version)).fetchone()
        return row[0] if row else None

    def record(self, *, sha256: str | None, apk: str, inputs_key: str, tool_version: str, started: str,
               seconds: float, report: dict[str, Any] | None = None, error: str | None = None) -> int:
        """Write one app's run (and its findings and SDKs) in one transaction; the run's id."""
        c = self.conn
        c.execute("BEGIN IMMEDIATE")
        try:
            if report is not None:
                app = report.get("app") or {}
                sha256 = app.get("sha256") or sha256
                c.execute("INSERT INTO apps (sha256, package, version_name, version_code) VALUES (?,?,?,?) "
                          "ON CONFLICT(sha256) DO UPDATE SET package=excluded.package, "
                          "version_name=excluded.version_name, version_code=excluded.version_code",
                          (sha256, app.get("package"), app.get("version_name"), app.get("version_code")))
            cur = c.execute(
                "INSERT INTO runs (app_sha256, apk, inputs_key, tool_version, started, seconds, status, error, "
                "report_json) VALUES (?,?,?,?,?,?,?,?,?)",
                (sha256, apk, inputs_key, tool_version, started, round(seconds, 3),
                 "ok" if report is not None else "error", error,
                 json.dumps(report, ensure_ascii=False) if report is not None else None))
            run_id = cur.lastrowid
            if report is not None:
                c.executemany("INSERT INTO findings (run_id, item, verdict, severity) VALUES (?,?,?,?)",
                              [(run_id, f["item"], f["verdict"], f["severity"]) for f in report.get("findings", [])])
                c.executemany("INSERT INTO sdks (run_id, sdk_id, name) VALUES (?,?,?)",
                              [(run_id, s.get("id"), s.get("name")) for s in report.get("facts", {}).get("sdks", [])])
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise
        return run_id

    def item_counts(self, run_ids: list[int]) -> dict[str, dict[str, int]]:
        """Per item, how many of these runs found a violation and how many a risk."""
        out: dict[str, dict[str, int]] = {}
        for i in range(0, len(run_ids), 500):
            chunk = run_ids[i:i + 500]
            marks = ",".join("?" * len(chunk))
            for item, verdict, n in self.conn.execute(
                    f"SELECT item, verdict, COUNT(*) FROM findings WHERE run_id IN ({marks}) GROUP BY item, verdict",
                    chunk):
                counts = out.setdefault(item, {"violation": 0, "risk": 0})
                if verdict in counts:
                    counts[verdict] += n
        return dict(sorted(out.items()))
