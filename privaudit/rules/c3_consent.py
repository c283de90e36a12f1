"""Category 3 — collecting or using PI without consent (未经用户同意收集使用个人信息)."""

from __future__ import annotations

from privaudit.evidence import EvidenceSet
from privaudit.model import Verdict
from privaudit.rules import as_evidence, finding, missing, packed_note, rule


@rule("M191-3.1")
def collection_before_consent(ev: EvidenceSet):
    """3.1 from static evidence: PI-reading calls reachable from code that runs at process start.

    The Application class and content providers run before any activity, so before a consent
    dialog can be shown. A read reachable from there (directly or through an SDK's init) is a
    risk; the runtime trace decides.
    """
    if ev.static is None or ev.traces or ev.network:
        return None
    st = ev.static
    early = [u for u in st.api_uses if u.startup_path]
    packed = packed_note(ev)
    if early:
        return finding(
            "M191-3.1", Verdict.RISK,
            f"进程启动即执行的代码（Application 或 ContentProvider 初始化）中有 {len(early)} 处读取个人信息，"
            "早于任何界面和同意弹窗，很可能在用户同意前收集。需运行时证据确认。",
            f"{len(early)} PI read(s) in code that runs at process start (Application or ContentProvider "
            "initialisation), before any screen or consent dialog: likely collection before consent. "
            "Runtime evidence confirms.",
            evidence=[as_evidence(u, "api_call", " → ".join(u.startup_path), pi_types=list(u.pi_types),
                                  owner=u.owner, call_path=list(u.startup_path)) for u in early],
            needs=missing(["R", "N"]),
        )
    why = packed or ("静态分析无法确定调用时机", "static analysis cannot tell when calls happen")
    return finding(
        "M191-3.1", Verdict.UNDETERMINED,
        f"需要运行时证据：{why[0]}。请提供带同意时刻的运行时轨迹（--trace）或网络抓包（--network）。",
        f"Needs runtime evidence: {why[1]}. Give a runtime trace with the consent moment (--trace) or a "
        "network capture (--network).",
        needs=missing(["R", "N", "U"]),
    )
