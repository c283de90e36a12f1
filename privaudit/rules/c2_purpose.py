"""Category 2 — purpose, method and scope not stated (未明示收集使用个人信息的目的、方式和范围)."""

from __future__ import annotations

from privaudit import catalog
from privaudit.evidence import EvidenceSet
from privaudit.model import Verdict
from privaudit.rules import as_evidence, finding, missing, rule


@rule("M191-2.1")
def purposes_not_listed(ev: EvidenceSet):
    """2.1: every PI type read and every SDK embedded must be declared with purpose, method, scope.

    The APK gives the observed side (what must be declared); the policy gives the declared side.
    Without the policy the finding lists what the policy will have to cover.
    """
    if ev.static is None or ev.policy is not None:
        return None
    st = ev.static
    pi = sorted({t for u in st.api_uses if not u.reflective for t in u.pi_types})
    names = catalog.pi_types()
    evidence = [as_evidence(s, "sdk", f"SDK {s.name} ({s.vendor})", sdk_id=s.sdk_id) for s in st.sdks]
    evidence += [as_evidence(u, "api_call", f"{u.api} ← {u.caller_class}.{u.caller_method.split('(')[0]}",
                             pi_types=list(u.pi_types), owner=u.owner) for u in st.api_uses[:30]]
    pi_zh = "、".join(names[t]["zh"] for t in pi if t in names) or "无"
    return finding(
        "M191-2.1", Verdict.UNDETERMINED,
        f"隐私政策须逐一说明的内容：代码读取的个人信息类型 {len(pi)} 种（{pi_zh}），嵌入的第三方 SDK {len(st.sdks)} 个。"
        "需提供隐私政策以核对是否逐一列明目的、方式和范围。",
        f"What the policy must cover: {len(pi)} PI type(s) read by the code ({', '.join(pi) or 'none'}) and "
        f"{len(st.sdks)} embedded third-party SDK(s). Give the policy to check each is declared with purpose, "
        "method and scope.",
        evidence=evidence, needs=missing(["P"]),
    )
