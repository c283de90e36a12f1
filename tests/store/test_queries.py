"""privaudit query: corpus questions over a store filled by real audits, checked against the reports themselves.

Every expected value is counted in Python from the report dicts the store was filled with, never read back
through the queries, and every test runs on SQLite and (with PRIVAUDIT_TEST_PG_URL) PostgreSQL.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import json
import os
import sys
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from conftest import REPO

from privaudit import catalog
from privaudit.audit import AuditInputs, audit
from privaudit.cli import main
from privaudit.errors import InputError
from privaudit.store import Store, export, queries
from privaudit.store.export import display_width

DEMO = REPO / "examples" / "demo-app" / "demo.apk"
FIXTURES = sorted((REPO / "tests" / "fixtures" / "apk").glob("*.apk"))
ITEMS = [it["id"] for it in catalog.items()]
ORDER = ("violation", "risk", "undetermined", "manual", "pass", "not_applicable")  # worst first


@pytest.fixture(scope="module")
def reports() -> dict[str, dict]:
    """The real reports of the fixture apps and the demo app, by package."""
    out = {}
    for apk in [*FIXTURES, DEMO]:
        d = audit(AuditInputs(apk=str(apk))).to_dict()
        out[d["app"]["package"]] = d
    assert "com.example.privdemo" in out and len(out) == len(FIXTURES) + 1
    return out


def _demo_v2(demo: dict) -> tuple[dict, list[str], str]:
    """A second version of the demo app built from its real report: four risks become violations (worse),
    one undetermined item a pass (better). Returns the report and the items changed."""
    v2 = copy.deepcopy(demo)
    v2["app"].update(sha256=hashlib.sha256(b"privdemo 1.1").hexdigest(), version_name="1.1", version_code="2")
    worse = [f for f in v2["findings"] if f["verdict"] == "risk"][:4]
    better = next(f for f in v2["findings"] if f["verdict"] == "undetermined")
    for f in worse:
        f["verdict"] = "violation"
    better["verdict"] = "pass"
    assert len(worse) == 4
    return v2, [f["item"] for f in worse], better["item"]


class Corpus:
    def __init__(self, target: str, latest: list[dict], worse: list[str], better: str) -> None:
        self.target, self.latest, self.worse, self.better = target, latest, worse, better


@pytest.fixture
def corpus(store_target, reports) -> Corpus:
    """Six apps, seven app files (the demo app twice), plus runs the statistics must ignore: an older run of
    the clean app that says every item is a violation, a failed run and a queued one."""
    clean = reports["com.example.clean"]
    stale = copy.deepcopy(clean)
    for f in stale["findings"]:
        f["verdict"] = "violation"
    v2, worse, better = _demo_v2(reports["com.example.privdemo"])
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    order = [stale, *reports.values(), v2]
    with Store(store_target) as store:
        for n, rep in enumerate(order):
            store.record(sha256=rep["app"]["sha256"], source=f"{rep['app']['package']}.apk", inputs_key="k",
                         tool_version=rep["tool_version"], report=rep, started=t0 + timedelta(minutes=n))
        store.record(sha256="ab" * 32, source="broken.apk", inputs_key="k", tool_version="t",
                     error="not a zip file", started=t0)
        store.queue(sha256="cd" * 32, source="waiting.apk", inputs_key="k", tool_version="t")
    return Corpus(store_target, [*reports.values(), v2], worse, better)


def _verdicts(rep: dict) -> dict[str, str]:
    return {f["item"]: f["verdict"] for f in rep["findings"]}


def _sdk_ids(rep: dict) -> set[str]:
    return {s["id"] for s in rep["facts"].get("sdks", [])}


def _ask(target: str, fn, *args, **kw):
    with Store(target) as store:
        return fn(store, *args, **kw)


# -- the queries -----------------------------------------------------------------------------------------------


def test_summary_counts_apps_files_and_runs_by_status(corpus):
    [row] = _ask(corpus.target, queries.corpus_summary)
    ok = len(corpus.latest) + 1  # and the stale run
    assert row == {"apps": 6, "versions": 7, "runs": ok + 2, "runs_ok": ok, "runs_error": 1, "runs_queued": 1,
                   "runs_running": 0}
    assert list(row) == list(queries.COLUMNS["corpus_summary"])


def test_rates_by_item_count_each_file_once_by_its_latest_run(corpus):
    rows = _ask(corpus.target, queries.rates_by_item)
    assert [r["item"] for r in rows] == ITEMS
    for r in rows:
        seen = Counter(_verdicts(rep)[r["item"]] for rep in corpus.latest)
        assert r["apps"] == len(corpus.latest)
        assert {v: r[v] for v in queries.VERDICT_COLUMNS} == {v: seen.get(v, 0) for v in queries.VERDICT_COLUMNS}
        assert r["violation_rate"] == round(seen["violation"] / 7, 4)
        assert r["violation_or_risk_rate"] == round((seen["violation"] + seen["risk"]) / 7, 4)
        assert r["title_zh"] == catalog.item(r["item"])["title_zh"] and r["title_en"]
    # the stale run (all violations) would have put the clean app on every item
    assert sum(r["violation"] for r in rows) == sum(Counter(_verdicts(rep).values())["violation"]
                                                    for rep in corpus.latest) < len(ITEMS)


def test_rates_by_item_on_an_empty_store_lists_every_item_without_rates(store_target):
    Store(store_target).close()
    rows = _ask(store_target, queries.rates_by_item)
    assert len(rows) == 31 and all(r["apps"] == 0 and r["violation_rate"] is None for r in rows)


def test_rates_by_category_an_app_violates_a_category_when_any_item_does(corpus):
    rows = _ask(corpus.target, queries.rates_by_category)
    assert [r["category"] for r in rows] == [1, 2, 3, 4, 5, 6]
    assert [r["name_zh"] for r in rows] == [c["zh"] for c in catalog.categories()]
    for r in rows:
        mine = [[v for item, v in _verdicts(rep).items() if item.startswith(f"M191-{r['category']}.")]
                for rep in corpus.latest]
        assert r["violation"] == sum("violation" in vs for vs in mine)
        assert r["violation"] + r["risk"] == sum(bool({"violation", "risk"} & set(vs)) for vs in mine)
        worst = Counter(min(vs, key=ORDER.index) for vs in mine)
        assert {v: r[v] for v in ORDER} == {v: worst.get(v, 0) for v in ORDER}
        assert r["apps"] == 7 and r["violation_rate"] == round(r["violation"] / 7, 4)
    assert sum(r["violation"] for r in rows) > 0  # the fixtures do violate something


def test_apps_violating_an_item(corpus):
    violated = sorted({i for rep in corpus.latest for i, v in _verdicts(rep).items() if v == "violation"})
    assert set(corpus.worse) <= set(violated)
    for item in violated:
        want = {(rep["app"]["package"], rep["app"]["version_name"]) for rep in corpus.latest
                if _verdicts(rep)[item] == "violation"}
        rows = _ask(corpus.target, queries.apps_violating, item)
        assert {(r["package"], r["version_name"]) for r in rows} == want
        assert all(r["item"] == item and r["verdict"] == "violation" and r["summary_zh"] for r in rows)
    short = corpus.worse[0].removeprefix("M191-")
    with_risk = _ask(corpus.target, queries.apps_violating, short, ("violation", "risk"))
    want = Counter(_verdicts(rep)[corpus.worse[0]] for rep in corpus.latest)
    assert Counter(r["verdict"] for r in with_risk) == {v: n for v, n in want.items() if v in ("violation", "risk")}
    assert [r["verdict"] for r in with_risk] == sorted((r["verdict"] for r in with_risk), key=ORDER.index)


@pytest.mark.parametrize("bad", ["M191-7.1", "9.9", "3", "", "M191-3.10"])
def test_an_unknown_item_says_what_item_ids_look_like(corpus, bad):
    with pytest.raises(InputError, match=r"M191-1\.1…M191-6\.5"):
        _ask(corpus.target, queries.apps_violating, bad)


def test_apps_with_sdk_by_id_name_or_vendor(corpus):
    def expect(match) -> set[tuple]:
        return {(rep["app"]["package"], rep["app"]["version_name"], s["id"]) for rep in corpus.latest
                for s in rep["facts"].get("sdks", []) if match(s)}

    def got(sdk: str) -> set[tuple]:
        rows = _ask(corpus.target, queries.apps_with_sdk, sdk)
        assert len(rows) == len({(r["sha256"], r["sdk_id"]) for r in rows})
        return {(r["package"], r["version_name"], r["sdk_id"]) for r in rows}

    umeng = got("UMeng")
    assert umeng == expect(lambda s: "umeng" in s["id"]) and {v for _, v, _ in umeng} == {"1.0", "1.1"}
    assert got("极光") == expect(lambda s: "极光" in s["name"]) and len(got("极光")) == 4
    assert got("jiguang-jpush") == expect(lambda s: s["id"] == "jiguang-jpush")
    vendor = next(s["vendor"] for s in corpus.latest[-1]["facts"]["sdks"] if s["id"] == "umeng-common")
    assert got(vendor[2:8]) == expect(lambda s: vendor[2:8] in s["vendor"])
    assert got("no-such-sdk") == set()
    assert got("%") == set() and got("_") == set()  # LIKE wildcards are matched literally


def test_rates_by_sdk_and_top_sdks(corpus):
    embedding = defaultdict(list)
    for rep in corpus.latest:
        for sdk in _sdk_ids(rep):
            embedding[sdk].append(rep)
    rows = _ask(corpus.target, queries.rates_by_sdk)
    assert {r["sdk_id"] for r in rows} == set(embedding)
    for r in rows:
        reps = embedding[r["sdk_id"]]
        bad = [rep for rep in reps if "violation" in _verdicts(rep).values()]
        items = Counter(i for rep in bad for i, v in _verdicts(rep).items() if v == "violation")
        assert (r["apps"], r["apps_violating"], r["violation_rate"]) == (len(reps), len(bad),
                                                                        round(len(bad) / len(reps), 4))
        top = sorted(items.items(), key=lambda x: (-x[1], ITEMS.index(x[0])))[:3]
        assert r["top_items"] == ", ".join(f"{i} ({n})" for i, n in top)
    assert any(r["apps_violating"] for r in rows)  # demo 1.1 violates four items
    assert all(r["top_items"].count("(") == 3 for r in rows if r["apps_violating"])
    assert _ask(corpus.target, queries.rates_by_sdk, min_apps=3) == []
    top = _ask(corpus.target, queries.top_sdks, limit=2)
    assert len(top) == 2 and all(r["apps"] == len(embedding[r["sdk_id"]]) for r in top)
    assert [r["sdk_id"] for r in top] == sorted(embedding, key=lambda s: (-len(embedding[s]), s))[:2]


def test_apps_by_risk_scores_three_per_violation_one_per_risk(corpus):
    rows = _ask(corpus.target, queries.apps_by_risk)
    want = {}
    for rep in corpus.latest:
        c = Counter(_verdicts(rep).values())
        want[rep["app"]["sha256"]] = (c["violation"], c["risk"], 3 * c["violation"] + c["risk"])
    assert {r["sha256"]: (r["violations"], r["risks"], r["score"]) for r in rows} == want
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    assert len(_ask(corpus.target, queries.apps_by_risk, limit=3)) == 3


def test_compare_versions_defaults_to_the_two_newest_files(corpus):
    rows = _ask(corpus.target, queries.compare_versions, "com.example.privdemo")
    assert [r["item"] for r in rows] == ITEMS
    changed = {r["item"]: r["change"] for r in rows if r["change"] != "same"}
    assert changed == {**{i: "worse" for i in corpus.worse}, corpus.better: "better"}
    old, new = _verdicts(corpus.latest[-2]), _verdicts(corpus.latest[-1])
    assert all((r["old_verdict"], r["new_verdict"]) == (old[r["item"]], new[r["item"]]) for r in rows)
    assert {(r["old_version"], r["new_version"]) for r in rows} == {("1.0", "1.1")}


def test_compare_versions_picks_by_version_name_or_sha_prefix(corpus):
    v1_sha = corpus.latest[-2]["app"]["sha256"]
    rows = _ask(corpus.target, queries.compare_versions, "com.example.privdemo", old="1.1", new=v1_sha[:10])
    changed = {r["item"]: r["change"] for r in rows if r["change"] != "same"}
    assert changed == {**{i: "better" for i in corpus.worse}, corpus.better: "worse"}
    with pytest.raises(InputError, match="no audited version '9.9'"):
        _ask(corpus.target, queries.compare_versions, "com.example.privdemo", new="9.9")
    with pytest.raises(InputError, match="only one audited version"):
        _ask(corpus.target, queries.compare_versions, "com.example.clean")
    with pytest.raises(InputError, match="no audited app"):
        _ask(corpus.target, queries.compare_versions, "com.example.nothing")


# -- the command -----------------------------------------------------------------------------------------------


def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["query", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_json_matches_the_query_in_the_chosen_language(corpus, capsys):
    code, out, _ = _cli(capsys, "rates", "--by", "category", "--db", corpus.target, "--format", "json",
                        "--lang", "en")
    assert code == 0
    rows = json.loads(out)
    direct = _ask(corpus.target, queries.rates_by_category)
    assert [r["name"] for r in rows] == [r["name_en"] for r in direct]
    assert [r["violation"] for r in rows] == [r["violation"] for r in direct]
    assert "name_zh" not in rows[0] and list(rows[0])[:3] == ["category", "name", "apps"]
    # options before the question's name work too
    code, out, _ = _cli(capsys, "--db", corpus.target, "--format", "json", "summary")
    assert code == 0 and json.loads(out)[0]["versions"] == 7


def test_cli_table_aligns_chinese_by_display_width(corpus, capsys):
    code, out, _ = _cli(capsys, "apps", "--db", corpus.target)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["package", "label", "version_name", "sha256", "run_id", "violations", "risks",
                                "score"]
    data = lines[2:]
    assert len(data) == 7 and any("隐私演示" in line for line in data)
    starts = set()
    for line in data:
        sha = next(rep["app"]["sha256"][:12] for rep in corpus.latest if rep["app"]["sha256"][:12] in line)
        starts.add(display_width(line[:line.index(sha)]))
    assert len(starts) == 1, out  # the column after the Chinese labels starts at the same screen column


def test_cli_csv_export_round_trips(corpus, capsys, tmp_path):
    path = tmp_path / "sdk.csv"
    code, out, err = _cli(capsys, "sdk", "极光", "--db", corpus.target, "--export", str(path))
    assert code == 0 and out == "" and "4 rows" in err
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # a BOM, so Excel reads the Chinese as UTF-8
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    direct = _ask(corpus.target, queries.apps_with_sdk, "极光")
    assert rows == [{k: str(v) for k, v in r.items()} for r in direct]
    assert [p for p in os.listdir(tmp_path) if p.endswith(".tmp")] == []


def test_cli_parquet_export_round_trips(corpus, capsys, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "rates.parquet"
    code, _, _ = _cli(capsys, "rates", "--db", corpus.target, "--export", str(path), "--lang", "en")
    assert code == 0
    table = pq.read_table(path)
    direct = _ask(corpus.target, queries.rates_by_item)
    assert table.column_names == ["item", "category", "title", *queries.RATE_COLUMNS]
    assert table.to_pylist() == [{("title" if k == "title_en" else k): v for k, v in r.items() if k != "title_zh"}
                                 for r in direct]
    assert str(table.schema.field("violation").type) == "int64"
    empty = tmp_path / "none.parquet"
    assert _cli(capsys, "item", "M191-1.2", "--db", corpus.target, "--export", str(empty))[0] == 0
    t = pq.read_table(empty)
    assert t.num_rows == 0 and t.column_names[:2] == ["package", "label"]


def test_a_failed_export_leaves_the_old_file_and_no_temporary(corpus, capsys, tmp_path, monkeypatch):
    (tmp_path / "out").mkdir()
    path = tmp_path / "out" / "out.csv"
    path.write_text("old\n", encoding="utf-8")

    def broken(fh, columns, rows):
        fh.write("package,label\n")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export, "_write_csv", broken)
    code, _, err = _cli(capsys, "apps", "--db", corpus.target, "--export", str(path))
    assert code == 2 and "No space left" in err and len(err.strip().splitlines()) == 1
    assert path.read_text(encoding="utf-8") == "old\n" and os.listdir(path.parent) == ["out.csv"]


@pytest.mark.parametrize("argv, message", [
    (["item", "M191-9.1"], "M191-1.1…M191-6.5"),
    (["versions", "com.example.clean"], "only one audited version"),
    (["sdk", "umeng", "--export", "out.xlsx"], ".csv or .parquet"),
    (["rates"], None),
])
def test_cli_errors_are_one_line_and_exit_2(corpus, capsys, tmp_path, monkeypatch, argv, message):
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    if message is None:  # Parquet without pyarrow
        monkeypatch.setitem(sys.modules, "pyarrow", None)
        argv, message = ["rates", "--export", "x.parquet"], "pip install 'privaudit[parquet]'"
    code, out, err = _cli(capsys, *argv, "--db", corpus.target)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err and "Traceback" not in err
    assert os.listdir(tmp_path / "cwd") == []  # nothing exported, not even half


def test_cli_never_creates_a_store(capsys, tmp_path):
    missing = tmp_path / "nothing.sqlite"
    for db in (str(missing), f"sqlite:///{missing}"):
        code, out, err = _cli(capsys, "summary", "--db", db)
        assert code == 2 and "no results store here" in err and len(err.strip().splitlines()) == 1
    assert not missing.exists()
    code, _, err = _cli(capsys, "--db", str(tmp_path))  # no question
    assert code == 2 and "say what to ask" in err


def test_a_store_filled_by_privaudit_batch(store_target, capsys, reports):
    from privaudit.batch import BatchOptions, Job, run_batch

    result = run_batch([Job(apk=str(p)) for p in [*FIXTURES, DEMO]], BatchOptions(db=store_target, workers=2))
    assert result.ok == len(FIXTURES) + 1
    code, out, _ = _cli(capsys, "item", "--include-risk", "M191-1.1", "--db", store_target, "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(out.splitlines()))
    want = {p for p, rep in reports.items() if _verdicts(rep)["M191-1.1"] in ("violation", "risk")}
    assert {r["package"] for r in rows} == want and want
    assert rows[0]["summary"] == next(f["summary_zh"] for f in reports[rows[0]["package"]]["findings"]
                                      if f["item"] == "M191-1.1")


def test_a_query_never_writes_the_store(tmp_path, capsys):
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    assert main(["query", "summary", "--db", str(empty)]) == 2
    assert empty.read_bytes() == b""  # not turned into a database
    assert "not a privaudit results store" in capsys.readouterr().err
    assert main(["query", "apps", "--limit", "0", "--db", str(empty)]) == 2
    assert "--limit must be at least 1" in capsys.readouterr().err
