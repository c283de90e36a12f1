"""Items decided from the privacy policy, on policies we wrote, alone and against the demo APK."""

from __future__ import annotations

import pytest
from conftest import REPO

from privaudit.audit import AuditInputs, audit
from privaudit.model import Verdict

POL = REPO / "tests" / "fixtures" / "policy"
DEMO = str(REPO / "examples" / "demo-app" / "demo.apk")


def verdicts(policy: str, apk: str | None = None) -> dict:
    report = audit(AuditInputs(apk=apk, policy=str(POL / policy) if policy else None))
    return {f.item: f for f in report.findings}


@pytest.fixture(scope="module")
def good():
    return verdicts("good_zh.html")


@pytest.fixture(scope="module")
def bad():
    return verdicts("deficient_zh.txt")


def test_complete_policy_passes_the_policy_checks(good):
    for item in ("M191-1.1", "M191-2.2", "M191-3.6", "M191-3.8", "M191-6.1", "M191-6.5"):
        assert good[item].verdict is Verdict.PASS, (item, good[item].summary_en)
    assert good["M191-6.3"].verdict is Verdict.UNDETERMINED  # promise within 15 working days; log decides
    assert [m.kind for m in good["M191-6.3"].missing] == ["L"]
    # every pass quotes the policy sentence it rests on
    for item in ("M191-2.2", "M191-3.8", "M191-6.5"):
        ev = good[item].evidence
        assert ev and all(e.provenance.source == "policy" and e.provenance.offset is not None for e in ev)


def test_deficient_policy_violations(bad):
    assert bad["M191-2.2"].verdict is Verdict.RISK  # only "published on this page"
    assert bad["M191-3.6"].verdict is Verdict.VIOLATION  # personalised push, no opt-out
    assert bad["M191-3.8"].verdict is Verdict.VIOLATION  # no way to withdraw consent
    assert bad["M191-4.5"].verdict is Verdict.RISK  # consent forced "to improve experience"
    assert bad["M191-6.1"].verdict is Verdict.VIOLATION  # no correction/deletion described
    assert bad["M191-6.2"].verdict is Verdict.VIOLATION  # hand-held ID photo and face recognition
    assert bad["M191-6.3"].verdict is Verdict.VIOLATION  # 30 days
    assert bad["M191-6.5"].verdict is Verdict.VIOLATION  # no complaint channel


def test_traditional_only_policy_is_1_4_violation():
    f = verdicts("traditional_zh.txt")["M191-1.4"]
    assert f.verdict is Verdict.VIOLATION and "繁体" in f.summary_zh


def test_page_that_is_not_a_policy_is_1_1_violation():
    f = verdicts("not_a_policy.html")["M191-1.1"]
    assert f.verdict is Verdict.VIOLATION


def test_policy_alone_leaves_code_items_undetermined(good):
    assert good["M191-3.1"].verdict is Verdict.UNDETERMINED
    assert good["M191-4.6"].verdict is Verdict.UNDETERMINED


def test_bundled_policy_is_used_and_checked_against_the_code():
    """The demo bundles a policy that omits Android ID, serial, MAC and the app list read by its SDKs."""
    report = audit(AuditInputs(apk=DEMO))
    assert [i.kind for i in report.inputs] == ["apk", "policy"]
    assert report.inputs[1].path.endswith("!assets/privacy_policy.html")
    f = report.finding("M191-2.1")
    assert f.verdict in (Verdict.VIOLATION, Verdict.RISK)
    undeclared = {e.data.get("pi_type") for e in f.evidence if e.data.get("reason") == "pi_not_declared"}
    assert {"android_id", "serial_number", "mac_address", "installed_apps"} <= undeclared
    # both sides are evidence: the call site in the APK
    assert all(e.provenance.source == "apk" for e in f.evidence if e.data.get("reason") == "pi_not_declared")


def test_given_policy_overrides_bundled_one():
    report = audit(AuditInputs(apk=DEMO, policy=str(POL / "good_zh.html")))
    assert report.inputs[1].path.endswith("good_zh.html")
    f = report.finding("M191-2.1")
    assert f.verdict is Verdict.VIOLATION  # jpush/jcore code is embedded but the policy lists only Umeng
    assert any(e.data.get("reason") == "sdk_not_declared" and e.data.get("sdk_id") == "jiguang-jpush"
               for e in f.evidence)
