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
