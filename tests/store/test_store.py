"""The results store: Alembic migrations give exactly the tables in schema.py, on SQLite and PostgreSQL;
runs are written whole; stored reports render again; unusable stores are refused in one line."""

from __future__ import annotations

import json
import sqlite3

import pytest
import sqlalchemy as sa
from conftest import REPO

from privaudit.audit import AuditInputs, audit
from privaudit.errors import InputError
from privaudit.model import report_from_dict
from privaudit.report import render
from privaudit.store import Store
from privaudit.store.schema import metadata

DEMO = REPO / "examples" / "demo-app" / "demo.apk"


@pytest.fixture(scope="module")
def demo_report() -> dict:
    return audit(AuditInputs(apk=str(DEMO))).to_dict()


def test_migrations_produce_the_declared_schema(store_target):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from privaudit.store.migrations import HEAD

    store = Store(store_target)
    with store.engine.connect() as c:
        diff = compare_metadata(MigrationContext.configure(c), metadata)
        assert diff == [], diff
        assert c.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == HEAD
    # reopening an up-to-date store runs no migration and changes nothing
    Store(store_target).close()


def test_head_names_the_newest_revision_file():
    from alembic.script import ScriptDirectory

    from privaudit.store.migrate import config
    from privaudit.store.migrations import HEAD

    assert ScriptDirectory.from_config(config()).get_current_head() == HEAD


def test_a_run_is_written_whole_and_renders_again(store_target, demo_report):
    store = Store(store_target)
    sha = demo_report["app"]["sha256"]
    first = store.record(sha256=sha, source="demo.apk", inputs_key="k", tool_version="t", seconds=0.5,
                         report=demo_report, peak_rss_mb=51.2)
    second = store.record(sha256=sha, source="demo.apk", inputs_key="k", tool_version="t", seconds=0.4,
                          report=demo_report)
    assert store.done_run(sha, "k", "t") == second
    assert store.done_run(sha, "other-inputs", "t") is None
    with store.engine.connect() as c:
        count = lambda t: c.execute(sa.text(f"SELECT COUNT(*) FROM {t}")).scalar()  # noqa: E731
        assert (count("apps"), count("versions"), count("runs")) == (1, 1, 2)
        assert count("findings") == 2 * len(demo_report["findings"]) == 62
        n_evidence = sum(len(f["evidence"]) for f in demo_report["findings"])
        assert count("evidence") == 2 * n_evidence
        cats = dict(c.execute(sa.text("SELECT item, category FROM findings WHERE run_id=:r"), {"r": first}).all())
        assert cats["M191-1.1"] == 1 and cats["M191-3.4"] == 3 and cats["M191-6.5"] == 6
    run = store.run(first)
    assert (run["package"], run["version_name"], run["status"], run["peak_rss_mb"]) == (
        "com.example.privdemo", "1.0", "ok", 51.2)
    stored = store.report(first)
    assert stored == json.loads(json.dumps(demo_report, ensure_ascii=False))
    # a stored report renders in any format as the live one does
    rebuilt = report_from_dict(stored)
    assert rebuilt.to_dict() == demo_report
    assert render(rebuilt, "md") == render(report_from_dict(demo_report), "md")
    risky = {f["item"] for f in demo_report["findings"] if f["verdict"] == "risk"}
    assert {i for i, c in store.item_counts([first, second]).items() if c["risk"] == 2} == risky


def test_queue_claim_and_complete(store_target, demo_report):
    store = Store(store_target)
    a = store.queue(sha256="a" * 64, source="a.apk", inputs_key="k", tool_version="t", job={"apk": "/x/a.apk"})
    b = store.queue(sha256="b" * 64, source="b.apk", inputs_key="k", tool_version="t", job={"apk": "/x/b.apk"})
    assert store.claim() == (a, {"apk": "/x/a.apk"})
    assert store.run(a)["status"] == "running" and store.run(a)["attempts"] == 1
    assert store.requeue_running() == 1  # a restart puts the interrupted run back in the queue
    assert store.claim()[0] == a
    assert store.claim()[0] == b
    assert store.claim() is None
    store.record(sha256="a" * 64, source="ignored", inputs_key="k", tool_version="t", run_id=a, report=demo_report,
                 seconds=1.0)
    store.record(sha256="b" * 64, source="ignored", inputs_key="k", tool_version="t", run_id=b,
                 error="b.apk: truncated")
    ra, rb = store.run(a), store.run(b)
    assert (ra["status"], ra["source"], ra["package"], ra["attempts"]) == ("ok", "a.apk", "com.example.privdemo", 2)
    assert (rb["status"], rb["error"], rb["package"]) == ("error", "b.apk: truncated", None)


def test_unusable_stores_are_refused_in_one_line(tmp_path):
    not_db = tmp_path / "notes.sqlite"
    not_db.write_bytes(b"this is not a database" * 100)
    with pytest.raises(InputError, match="cannot use as a results store") as e:
        Store(str(not_db))
    assert "\n" not in str(e.value)
    legacy = tmp_path / "old.sqlite"
    con = sqlite3.connect(legacy)
    con.execute("CREATE TABLE runs (id INTEGER PRIMARY KEY, apk TEXT)")
    con.close()
    with pytest.raises(InputError, match="no migrations"):
        Store(str(legacy))
    other = tmp_path / "someone-elses.sqlite"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE contacts (name TEXT)")
    con.close()
    with pytest.raises(InputError, match="other tables .contacts…., not a privaudit store"):
        Store(str(other))
    assert [r[0] for r in sqlite3.connect(other).execute("SELECT name FROM sqlite_master")] == ["contacts"]
    with pytest.raises(InputError) as e:
        Store("postgresql://someone:s3cret@127.0.0.1:1/nothing")
    assert "s3cret" not in str(e.value) and "cannot use as a results store" in str(e.value)
    with pytest.raises(InputError, match="no database driver"):
        Store("mysql://u:p@127.0.0.1/x")


def test_a_store_path_with_url_characters_is_a_plain_path(tmp_path, demo_report, capsys):
    """'#', '?', '%', spaces and Chinese are file-name characters in a --db path, for writers and for the
    read-only opening of ``privaudit query`` alike; no other file is opened or created."""
    from privaudit.cli import main

    folder = tmp_path / "结果 #1"
    folder.mkdir()
    path = folder / "r?1%20.sqlite"
    with Store(str(path)) as store:
        store.record(sha256=demo_report["app"]["sha256"], source="demo.apk", inputs_key="k", tool_version="t",
                     report=demo_report)
    assert main(["query", "summary", "--db", str(path), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["runs_ok"] == 1
    assert sorted(p.name for p in folder.iterdir() if not p.name.endswith(("-wal", "-shm"))) == ["r?1%20.sqlite"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["结果 #1"]
