"""Category 1 — rules for collection and use not made public (未公开收集使用规则)."""

from __future__ import annotations

from privaudit.evidence import EvidenceSet
from privaudit.model import Verdict
from privaudit.rules import as_evidence, finding, missing, packed_note, rule


@rule("M191-1.1")
def no_privacy_policy(ev: EvidenceSet):
    """1.1: no policy in the app, or a policy without collection rules.

    From the APK alone: nothing bundled, no policy URL and no consent-dialog text is a risk
    (the policy may still be fetched from a server at run time, so a person confirms). Whether a
    found policy contains collection rules needs the policy text itself.
    """
    if ev.static is None:
        return None
    refs = ev.static.policy_refs
    packed = packed_note(ev)
    if not refs and packed:
        return finding(
            "M191-1.1", Verdict.UNDETERMINED,
            f"APK 资源中未发现隐私政策，但{packed[0]}隐私政策链接可能在被加密的代码中。",
            f"No privacy policy found in the APK's resources, but {packed[1]} A policy URL may sit in the "
            "encrypted code.",
            needs=missing(["P", "U"]),
        )
    if not refs:
        return finding(
            "M191-1.1", Verdict.RISK,
            "APK 中未发现隐私政策：既无内置隐私政策文档，也无隐私政策链接或同意弹窗文案。"
            "若隐私政策仅由服务器下发，请提供隐私政策文本（--policy）或界面遍历记录（--ui）确认。",
            "No privacy policy found in the APK: no bundled document, no policy URL, no consent-dialog text. "
            "If the policy is served at run time, give it with --policy or a UI trace with --ui to confirm.",
            needs=missing(["P", "U"]),
        )
    evidence = [as_evidence(r, "policy_reference", f"{r.kind}: {r.value[:120]}") for r in refs[:10]]
    return finding(
        "M191-1.1", Verdict.UNDETERMINED,
        f"APK 中发现 {len(refs)} 处隐私政策线索（内置文档、链接或弹窗文案）；其是否包含收集使用规则需分析隐私政策文本。",
        f"{len(refs)} privacy-policy reference(s) found in the APK (bundled document, URL or dialog text); "
        "whether the policy contains collection-and-use rules needs the policy text.",
        evidence=evidence, needs=missing(["P"], "分析隐私政策是否包含收集使用规则",
                                         "check that the policy states collection-and-use rules"),
    )
