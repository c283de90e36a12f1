"""Items decided from a run: traces and flows we build here, on one clock."""

from __future__ import annotations

from privaudit import catalog
from privaudit.evidence import EvidenceSet
from privaudit.evidence.runtime.model import Capture, Flow, PiHit, Trace, TraceEvent
from privaudit.evidence.timeline import build_timeline
from privaudit.model import Provenance, Verdict
from privaudit.rules import evaluate

APIS = {a["id"]: a for a in catalog.sensitive_apis()}


def ev_(t: float, kind: str, line: int = 0, **kw) -> TraceEvent:
    if "api_id" in kw and "pi_types" not in kw:
        kw["pi_types"] = list(APIS[kw["api_id"]]["pi_types"])
    return TraceEvent(t=t, kind=kind, provenance=Provenance("trace", "run.jsonl", None, line, f"line {line}"), **kw)


def judge(events: list[TraceEvent], item: str, flows: list[Flow] | None = None, app_type: dict | None = None):
    trace = Trace("run.jsonl", "jsonl", "com.example.app", events=events, clock="epoch")
    caps = [Capture("run.har", "har", flows=flows, clock="epoch")] if flows else []
    ev = EvidenceSet(traces=[trace], network=caps, app_type=app_type)
    ev.timeline = build_timeline(ev.traces, ev.network)
    (f,) = evaluate(ev, [item])
    return f


def test_3_1_reads_before_consent_are_violation():
    f = judge([ev_(0, "lifecycle", state="start"), ev_(0.5, "consent_shown"),
               ev_(1.2, "api_call", 3, api_id="telephony.getDeviceId", owner="友盟"),
               ev_(9.0, "consent_accepted", 4)], "M191-3.1")
    assert f.verdict is Verdict.VIOLATION
    read = next(e for e in f.evidence if e.data.get("api_id") == "telephony.getDeviceId")
    assert read.data["since_consent"] == -7.8 and read.provenance.offset == 3 and read.data["owner"] == "友盟"


def test_3_1_everything_after_consent_passes():
    f = judge([ev_(0, "lifecycle", state="start"), ev_(0.5, "consent_shown"), ev_(2, "consent_accepted"),
               ev_(3, "api_call", api_id="telephony.getDeviceId")], "M191-3.1")
    assert f.verdict is Verdict.PASS


def test_3_1_unanswered_prompt_means_before_consent():
    f = judge([ev_(0.5, "consent_shown"), ev_(1, "api_call", api_id="wifiinfo.getMacAddress")], "M191-3.1")
    assert f.verdict is Verdict.VIOLATION


def test_3_1_no_consent_moment_is_undetermined():
    f = judge([ev_(1, "api_call", api_id="telephony.getDeviceId")], "M191-3.1")
    assert f.verdict is Verdict.UNDETERMINED and f.evidence


def test_3_1_third_party_flow_before_consent():
    flow = Flow("har:0", 1.0, "ulogs.umeng.com", Provenance("network", "run.har", None, 0, "har:0"),
                owner_kind="third_party", owner="友盟", sdk_id="umeng-common",
                hits=[PiHit("imei", "body", "md5", "did")])
    f = judge([ev_(0.5, "consent_shown"), ev_(5, "consent_accepted")], "M191-3.1", flows=[flow])
    assert f.verdict is Verdict.VIOLATION and any(e.kind == "network_flow" for e in f.evidence)


def test_3_2_reask_within_48h_without_user_action():
    perm = "android.permission.READ_PHONE_STATE"
    base = [ev_(0, "consent_accepted"), ev_(10, "permission_request", permissions=[perm]),
            ev_(12, "permission_result", permissions=[perm], granted=False)]
    f = judge(base + [ev_(3600, "permission_request", permissions=[perm])], "M191-3.2")
    assert f.verdict is Verdict.VIOLATION
    # asked again because the user tapped the feature that needs it: not frequent
    tap = ev_(3595, "user_action", detail="tap 扫一扫")
    f = judge(base + [tap, ev_(3600, "permission_request", permissions=[perm])], "M191-3.2")
    assert f.verdict is Verdict.PASS
    # after 48 hours: allowed
    f = judge(base + [ev_(49 * 3600, "permission_request", permissions=[perm])], "M191-3.2")
    assert f.verdict is Verdict.PASS


def test_3_2_read_after_refusal():
    f = judge([ev_(1, "consent_refused"), ev_(2, "api_call", api_id="telephony.getDeviceId")], "M191-3.2")
    assert f.verdict is Verdict.VIOLATION


def test_3_3_read_after_permission_denied():
    perm = "android.permission.READ_PHONE_STATE"
    f = judge([ev_(0, "consent_accepted"), ev_(1, "permission_result", permissions=[perm], granted=False),
               ev_(2, "api_call", api_id="telephony.getDeviceId")], "M191-3.3")
    assert f.verdict is Verdict.VIOLATION


def test_3_5_permission_turned_on_without_user():
    perm = "android.permission.ACCESS_FINE_LOCATION"
    f = judge([ev_(0, "permission_state", permissions=[perm], granted=False),
               ev_(100, "lifecycle", state="start"),
               ev_(101, "permission_state", permissions=[perm], granted=True)], "M191-3.5")
    assert f.verdict is Verdict.VIOLATION


def test_4_4_identifier_polling_and_background_reads():
    reads = [ev_(i * 5.0, "api_call", api_id="telephony.getDeviceId") for i in range(12)]  # 12 per minute
    f = judge([ev_(0, "consent_accepted")] + reads, "M191-4.4")
    assert f.verdict is Verdict.RISK and any(e.data.get("reason") == "frequency" for e in f.evidence)
    f = judge([ev_(0, "consent_accepted"), ev_(1, "api_call", api_id="telephony.getDeviceId"),
               ev_(2, "lifecycle", state="background"), ev_(30, "api_call", api_id="wifiinfo.getMacAddress")],
              "M191-4.4")
    assert f.verdict is Verdict.RISK and any(e.data.get("reason") == "background" for e in f.evidence)
    f = judge([ev_(0, "consent_accepted"), ev_(1, "api_call", api_id="telephony.getDeviceId")], "M191-4.4")
    assert f.verdict is Verdict.PASS


def test_4_4_navigation_may_read_location_every_second():
    reads = [ev_(i, "api_call", api_id="locationmanager.getLastKnownLocation") for i in range(30)]
    nav = next(t for t in catalog.app_types() if t["id"] == "map_navigation")
    assert judge(reads, "M191-4.4", app_type=nav).verdict is Verdict.PASS
    news = next(t for t in catalog.app_types() if t["id"] == "news")
    assert judge(reads, "M191-4.4", app_type=news).verdict is Verdict.RISK


def test_4_6_burst_of_permission_groups_then_exit_on_refusal():
    req = ev_(1, "permission_request", permissions=["android.permission.READ_PHONE_STATE",
                                                   "android.permission.ACCESS_FINE_LOCATION",
                                                   "android.permission.CAMERA"])
    denied = ev_(3, "permission_result", permissions=["android.permission.CAMERA"], granted=False)
    assert judge([req], "M191-4.6").verdict is Verdict.RISK
    assert judge([req, denied, ev_(4, "lifecycle", state="stop")], "M191-4.6").verdict is Verdict.VIOLATION
    single = ev_(1, "permission_request", permissions=["android.permission.CAMERA"])
    assert judge([single], "M191-4.6").verdict is Verdict.PASS


def test_5_1_third_party_pi_after_consent_is_risk_and_none_is_pass():
    hit = Flow("har:1", 10.0, "api.branch.io", Provenance("network", "run.har", None, 1, "har:1"),
               owner_kind="third_party", owner="Branch", sdk_id="branch",
               hits=[PiHit("advertising_id", "body", "raw", "gaid")])
    clean = Flow("har:2", 11.0, "api.branch.io", Provenance("network", "run.har", None, 2, "har:2"),
                 owner_kind="third_party", owner="Branch", sdk_id="branch")
    assert judge([ev_(0, "consent_accepted")], "M191-5.1", flows=[hit]).verdict is Verdict.RISK
    assert judge([ev_(0, "consent_accepted")], "M191-5.1", flows=[clean]).verdict is Verdict.PASS


def test_2_1_runtime_reads_and_third_parties_checked_against_the_policy():
    from conftest import REPO

    from privaudit.evidence.policy.analyse import analyse
    from privaudit.evidence.policy.document import read_policy

    policy = analyse(read_policy(str(REPO / "tests" / "fixtures" / "policy" / "good_zh.html")))
    trace = Trace("run.jsonl", "jsonl", "com.example.app", clock="epoch",
                  events=[ev_(0, "consent_accepted"), ev_(1, "api_call", 7, api_id="telephony.getDeviceId")])
    flow = Flow("har:0", 2.0, "api2.branch.io", Provenance("network", "run.har", None, 0, "har:0"),
                owner_kind="third_party", owner="Branch", sdk_id="branch")
    ev = EvidenceSet(policy=policy, traces=[trace], network=[Capture("run.har", "har", flows=[flow], clock="epoch")])
    ev.timeline = build_timeline(ev.traces, ev.network)
    (f,) = evaluate(ev, ["M191-2.1"])
    assert f.verdict is Verdict.VIOLATION
    reasons = {(e.kind, e.data.get("reason")) for e in f.evidence}
    assert ("trace_event", "pi_not_declared") in reasons  # the policy never mentions the IMEI
    assert ("network_flow", "sdk_not_declared") in reasons  # nor Branch
