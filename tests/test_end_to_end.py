"""Whole audits on real evidence: the fused report a user gets."""

from __future__ import annotations

from conftest import shared

from privaudit.audit import AuditInputs, audit
from privaudit.model import Verdict


def test_qqmusic_reads_identifiers_before_consent():
    """QQ音乐's logcat shows getDeviceId/getSubscriberId before StartUpPrivacyPolicyActivity and any agree tap."""
    run = shared("data", "dynamic", "droidbot_qqmusic", "run1_2021-11-23")
    report = audit(AuditInputs(ui=[str(run)], package="com.tencent.qqmusic"))
    f = report.finding("M191-3.1")
    assert f.verdict is Verdict.VIOLATION
    reads = [e for e in f.evidence if e.data.get("api_id") in ("telephony.getDeviceId", "telephony.getSubscriberId")]
    assert reads and all(e.data["since_consent"] < 0 for e in reads)
    first = min(reads, key=lambda e: e.data["t"])
    assert first.provenance.file.endswith("logcat.txt") and first.provenance.locator.startswith("line ")
    assert "10:57:32.909" in first.summary  # the first IMEI attempt, device wall clock
    # the consent prompt is part of the evidence, so a reader sees both sides of the order
    assert any(e.data.get("kind") in ("consent_shown", "consent_accepted") for e in f.evidence)
    assert "调用方未知" in f.summary_zh  # logcat identifier lines carry no stack: said, not guessed


DUMP = """<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>
<hierarchy rotation="0"><node index="0" text="" resource-id="" class="android.widget.FrameLayout"
 package="com.example.app" content-desc="" checkable="false" checked="false" clickable="false"
 bounds="[0,0][1080,2340]"><node index="0" text="欢迎使用！请阅读《隐私政策》" resource-id=""
 class="android.widget.TextView" package="com.example.app" content-desc="" checkable="false" checked="false"
 clickable="false" bounds="[60,900][1020,1100]" />
<node index="1" text="同意" resource-id="" class="android.widget.Button" package="com.example.app" content-desc=""
 checkable="false" checked="false" clickable="true" bounds="[560,1300][1020,1420]" />
<node index="2" text="不同意" resource-id="" class="android.widget.Button" package="com.example.app" content-desc=""
 checkable="false" checked="false" clickable="true" bounds="[60,1300][520,1420]" /></node></hierarchy>"""


def test_ui_dump_folder_alone_is_audited(tmp_path):
    """A folder of uiautomator dumps is UI evidence only: no trace is expected from it."""
    (tmp_path / "001.xml").write_text(DUMP, encoding="utf-8")
    report = audit(AuditInputs(ui=[str(tmp_path)], package="com.example.app"))
    assert [i.kind for i in report.inputs] == ["ui"]
    assert report.finding("M191-1.2").verdict is Verdict.PASS
    assert report.finding("M191-3.4").verdict is Verdict.PASS


def test_report_carries_the_ui_graph_with_labels_escaped(tmp_path):
    hostile = DUMP.replace("欢迎使用！请阅读《隐私政策》", "&lt;script&gt;alert(1)&lt;/script&gt;《隐私政策》")
    (tmp_path / "001.xml").write_text(hostile, encoding="utf-8")
    report = audit(AuditInputs(ui=[str(tmp_path)], package="com.example.app"))
    ui = report.facts["ui"][0]
    assert ui["screens"] == 1 and ui["transitions"] == 0
    assert ui["graph_svg"].startswith("<svg") and "<script" not in ui["graph_svg"]


def test_qqmusic_storage_purpose_text_is_found_and_placed_in_time():
    """The storage purpose text exists in the run (10:57:39), but not with the first storage dialog (09:44:51)."""
    run = shared("data", "dynamic", "droidbot_qqmusic", "run1_2021-11-23")
    f = audit(AuditInputs(ui=[str(run)], package="com.tencent.qqmusic")).finding("M191-2.3")
    assert f.verdict is Verdict.VIOLATION
    elsewhere = [e for e in f.evidence if e.data.get("kind") == "purpose_elsewhere"]
    assert elsewhere and "存储空间权限用于保存下载歌曲" in elsewhere[0].data["sentence"]
    assert "10:57:39" in elsewhere[0].summary
    dialog = next(e for e in f.evidence
                  if e.data.get("kind") == "permission_dialog" and e.data.get("permission") == "storage")
    assert "094451" in dialog.provenance.entry


def test_html_report_draws_the_ui_graph_inline(tmp_path):
    from privaudit.report import render

    hostile = DUMP.replace("欢迎使用！请阅读《隐私政策》", "&lt;script&gt;alert(1)&lt;/script&gt;《隐私政策》")
    (tmp_path / "001.xml").write_text(hostile, encoding="utf-8")
    page = render(audit(AuditInputs(ui=[str(tmp_path)], package="com.example.app")), "html", "en")
    assert '<div class="graph"><svg' in page and "UI transition graph" in page
    assert "<script" not in page.lower()
