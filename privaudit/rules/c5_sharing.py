"""Category 5 — providing PI to others without consent (未经同意向他人提供个人信息)."""

from __future__ import annotations

from privaudit import catalog
from privaudit.evidence import EvidenceSet
from privaudit.model import Verdict
from privaudit.rules import (
    as_evidence,
    finding,
    flow_evidence,
    missing,
    packed_note,
    policy_quote,
    rule,
    statements,
)


@rule("M191-5.1")
def sdk_reads_pi(ev: EvidenceSet):
    """5.1 as risk from static evidence: which embedded SDK has code that reads which PI type.

    SDK code that reads PI is the channel through which the client hands PI to a third party;
    whether it does so before or without consent needs runtime or network evidence.
    """
    tl = ev.timeline
    if tl is not None and (tl.flows or tl.other_flows):
        return _from_network(ev, tl)
    if ev.static is None:
        return None
    st = ev.static
    by_sdk: dict[str, list] = {}
    for u in st.api_uses:
        if u.owner_kind == "sdk" and not u.reflective:
            by_sdk.setdefault(u.owner, []).append(u)
    pi_names = catalog.pi_types()
    if by_sdk:
        lines_zh = [f"{sdk}：" + "、".join(sorted({pi_names.get(t, {}).get("zh", t) for u in uses for t in u.pi_types}))
                    for sdk, uses in sorted(by_sdk.items())]
        lines_en = [f"{sdk}: " + ", ".join(sorted({t for u in uses for t in u.pi_types}))
                    for sdk, uses in sorted(by_sdk.items())]
        evidence = [as_evidence(u, "api_call", f"{u.owner}: {u.api} ← {u.caller_class}.{u.caller_method.split('(')[0]}",
                                sdk_id=u.sdk_id, pi_types=list(u.pi_types))
                    for uses in by_sdk.values() for u in uses]
        if "P" in ev.supplied():
            disclosed = {d.sdk_id for d in ev.policy.sdk_disclosures if d.sdk_id}
            silent = sorted({u.sdk_id for uses in by_sdk.values() for u in uses if u.sdk_id not in disclosed})
            if silent:
                lines_zh.append("其中未在隐私政策中披露：" + "、".join(silent))
                lines_en.append("not disclosed in the policy: " + ", ".join(silent))
        return finding(
            "M191-5.1", Verdict.RISK,
            f"{len(by_sdk)} 个第三方 SDK 的代码读取个人信息（{'；'.join(lines_zh)}），可能直接向第三方提供。"
            "是否在同意前或未经同意发送，需网络抓包或运行时轨迹确认。",
            f"Code of {len(by_sdk)} third-party SDK(s) reads PI ({'; '.join(lines_en)}) and may hand it to a "
            "third party. Whether it is sent before or without consent needs a network capture or runtime trace.",
            evidence=evidence, needs=missing(["N", "R"]),
        )
    packed = packed_note(ev)
    detail = packed or ("静态分析未发现第三方 SDK 读取个人信息的代码",
                        "static analysis found no SDK code reading PI")
    return finding(
        "M191-5.1", Verdict.UNDETERMINED,
        f"{detail[0]}；是否向第三方发送个人信息需网络抓包确认。",
        f"{detail[1]}; whether PI is sent to third parties needs a network capture.",
        evidence=[as_evidence(s, "sdk", f"SDK {s.name}", sdk_id=s.sdk_id) for s in st.sdks],
        needs=missing(["N", "R"]),
    )


@rule("M191-5.2")
def backend_sharing(ev: EvidenceSet):
    """5.2: back-end sharing is invisible to the client; the policy's sharing statements are gathered
    for the reviewer, who decides."""
    if "P" not in ev.supplied():
        return None
    found = statements(ev, "no_sharing_claim") + statements(ev, "sharing_consent")
    segs = ev.policy.segments_with("third_party_sharing")
    evidence = [policy_quote(ev, s.start, s.end, "policy_sentence") for s in found[:5]]
    evidence += [policy_quote(ev, s.start, s.end, "policy_segment") for s in segs[:3]]
    return finding(
        "M191-5.2", Verdict.MANUAL,
        f"后台向第三方提供个人信息无法从客户端观察；已收集隐私政策中的 {len(found) + len(segs)} 处共享说明供审核人员判定。",
        f"Back-end sharing cannot be observed from the client; {len(found) + len(segs)} sharing statement(s) from "
        "the policy are gathered for the reviewer.",
        evidence=evidence, needs=missing(["M"]),
    )


def _from_network(ev: EvidenceSet, tl):
    """5.1 from traffic: PI sent to third-party hosts before consent, or to vendors the policy does not name.
    Hashed identifiers still count: a hash of an IMEI is linkable, not anonymised."""
    flows = tl.flows + tl.other_flows
    third = [f for f in flows if f.hits and f.owner_kind == "third_party"]
    if not third:
        checked = sum(1 for f in flows if f.owner_kind == "third_party")
        return finding(
            "M191-5.1", Verdict.PASS,
            f"抓包中 {checked} 个第三方请求未发现个人信息（明文、哈希或编码形式）。",
            f"No PI (plain, hashed or encoded) found in the {checked} flow(s) to third parties in the capture.",
            evidence=[flow_evidence(ev, f) for f in flows if f.owner_kind == "third_party"][:5],
        )
    early = [f for f in third if f in tl.flows and tl.before_consent(f.t)]
    named = set()
    if "P" in ev.supplied():
        named = {d.sdk_id for d in ev.policy.sdk_disclosures if d.sdk_id}
    undisclosed = [f for f in third if "P" in ev.supplied() and f.sdk_id not in named]
    who = sorted({f.owner or f.host for f in third})
    if early or undisclosed:
        return finding(
            "M191-5.1", Verdict.VIOLATION,
            f"客户端向第三方发送个人信息：同意前 {len(early)} 个请求"
            + (f"，隐私政策未说明的接收方 {len(undisclosed)} 个请求" if undisclosed else "")
            + f"（接收方：{'、'.join(who[:8])}）。哈希后的标识符仍可关联，不属于匿名化。",
            f"PI sent directly to third parties: {len(early)} flow(s) before consent"
            + (f", {len(undisclosed)} to recipients the policy does not name" if undisclosed else "")
            + f" (recipients: {', '.join(who[:8])}). Hashed identifiers are still linkable, not anonymised.",
            evidence=[flow_evidence(ev, f, reason="before_consent") for f in early[:15]]
            + [flow_evidence(ev, f, reason="recipient_not_in_policy") for f in undisclosed[:15]],
        )
    return finding(
        "M191-5.1", Verdict.RISK,
        f"{len(third)} 个请求向第三方（{'、'.join(who[:8])}）发送个人信息，均在同意之后；"
        "需确认隐私政策已告知接收方、目的和个人信息类型并取得单独同意。",
        f"{len(third)} flow(s) send PI to third parties ({', '.join(who[:8])}), all after consent; confirm the policy "
        "names the recipients, purposes and PI types and that separate consent was obtained.",
        evidence=[flow_evidence(ev, f) for f in third[:15]], needs=missing(["P", "M"]),
    )
