"""Rules decided from static evidence, one test per rule, on apps we build ourselves."""

from __future__ import annotations

from conftest import REPO

from privaudit.audit import resolve_app_type
from privaudit.evidence import EvidenceSet
from privaudit.evidence.apk.collect import collect
from privaudit.model import Verdict
from privaudit.rules import RULES, evaluate

FIX = REPO / "tests" / "fixtures" / "apk"
DEMO = str(REPO / "examples" / "demo-app" / "demo.apk")


def one(path: str, item: str, app_type: str | None = None, **static_overrides):
    st = collect(path)
    for k, v in static_overrides.items():
        setattr(st, k, v)
    ev = EvidenceSet(static=st, app_type=resolve_app_type(app_type) if app_type else None)
    (f,) = evaluate(ev, [item])
    return f


def test_every_item_has_a_finding_and_rules_are_catalogued():
    findings = evaluate(EvidenceSet(static=collect(DEMO)))
    assert len(findings) == 31
    assert set(RULES) <= {f.item for f in findings}


def test_1_1_no_policy_anywhere_is_risk():
    f = one(str(FIX / "legacy_target22.apk"), "M191-1.1")
    assert f.verdict is Verdict.RISK and {m.kind for m in f.missing} == {"P", "U"}


def test_1_1_bundled_policy_needs_its_text():
    f = one(DEMO, "M191-1.1")
    assert f.verdict is Verdict.UNDETERMINED
    assert any(e.provenance.entry == "assets/privacy_policy.html" for e in f.evidence)


def test_1_1_packed_app_is_not_called_policy_less():
    f = one(str(FIX / "packed_jiagu.apk"), "M191-1.1")
    assert f.verdict is Verdict.UNDETERMINED and "360" in f.summary_zh


def test_2_1_lists_what_the_policy_must_declare():
    f = one(DEMO, "M191-2.1")
    assert f.verdict is Verdict.UNDETERMINED
    kinds = {e.kind for e in f.evidence}
    assert kinds == {"sdk", "api_call"}


def test_3_1_sdk_init_called_at_process_start_is_risk():
    """The demo's Application.onCreate calls UMConfigure.init, which reads the IMSI and MAC."""
    f = one(DEMO, "M191-3.1")
    assert f.verdict is Verdict.RISK
    paths = [e.data["call_path"] for e in f.evidence]
    assert ["com.example.privdemo.DemoApplication.onCreate", "com.umeng.commonsdk.UMConfigure.init",
            "android.telephony.TelephonyManager.getSubscriberId"] in paths
    assert all(e.data["owner"] == "友盟基础组件库 SDK" for e in f.evidence)
    # MainActivity's own IMEI read happens in an activity, not at process start
    assert not any("MainActivity" in " ".join(p) for p in paths)


def test_3_1_without_startup_reads_needs_runtime_evidence():
    f = one(str(FIX / "multidex.apk"), "M191-3.1")
    assert f.verdict is Verdict.UNDETERMINED and {m.kind for m in f.missing} >= {"R", "N"}


def test_4_1_needs_app_type():
    assert one(DEMO, "M191-4.1").verdict is Verdict.UNDETERMINED


def test_4_1_map_app_reading_contacts_and_identifiers_is_risk():
    f = one(DEMO, "M191-4.1", "地图导航类")
    assert f.verdict is Verdict.RISK
    reasons = {(e.data.get("reason"), e.data.get("pi_type")) for e in f.evidence}
    assert ("not_recommended_for_type", None) in reasons  # READ_CONTACTS for a map app
    assert ("beyond_necessary_pi", "imei") in reasons
    assert all(pi not in ("precise_location", "coarse_location") for _, pi in reasons)  # necessary for maps


def test_4_1_clean_app_passes():
    f = one(str(FIX / "clean_app.apk"), "M191-4.1", "map_navigation")
    assert f.verdict is Verdict.PASS and f.evidence


def test_4_6_target_below_23_is_violation():
    f = one(str(FIX / "legacy_target22.apk"), "M191-4.6")
    assert f.verdict is Verdict.VIOLATION
    assert {e.summary for e in f.evidence} >= {"android.permission.READ_PHONE_STATE", "android.permission.CAMERA"}


def test_4_6_runtime_permissions_need_a_trace():
    assert one(DEMO, "M191-4.6").verdict is Verdict.UNDETERMINED
    assert one(str(FIX / "clean_app.apk"), "M191-4.6").verdict is Verdict.PASS


def test_5_1_names_which_sdk_reads_which_pi():
    f = one(DEMO, "M191-5.1")
    assert f.verdict is Verdict.RISK
    owners = {e.data["sdk_id"] for e in f.evidence}
    assert owners == {"umeng-common", "jiguang-jpush"}
    assert "MAC" in f.summary_zh and "Android ID" in f.summary_zh


def test_5_1_packed_app_undetermined():
    f = one(str(FIX / "packed_jiagu.apk"), "M191-5.1")
    assert f.verdict is Verdict.UNDETERMINED and "加固" in f.summary_zh


def test_manual_items_ask_a_reviewer():
    f = one(DEMO, "M191-5.2")
    assert f.verdict is Verdict.MANUAL and [m.kind for m in f.missing] == ["M"]
