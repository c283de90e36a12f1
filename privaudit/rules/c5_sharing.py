"""Category 5 — providing PI to others without consent (未经同意向他人提供个人信息)."""

from __future__ import annotations

from privaudit import catalog
from privaudit.evidence import EvidenceSet
from privaudit.model import Verdict
from privaudit.rules import as_evidence, finding, missing, packed_note, rule


@rule("M191-5.1")
def sdk_reads_pi(ev: EvidenceSet):
    """5.1 as risk from static evidence: which embedded SDK has code that reads which PI type.

    SDK code that reads PI is the channel through which the client hands PI to a third party;
    whether it does so before or without consent needs runtime or network evidence.
    """
    if ev.static is None or ev.network or ev.traces:
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
