"""Category 1 — rules for collection and use not made public (未公开收集使用规则)."""

from __future__ import annotations

from privaudit.evidence import EvidenceSet
from privaudit.model import Verdict
from privaudit.rules import as_evidence, finding, missing, packed_note, policy_quote, rule


@rule("M191-1.1")
def no_privacy_policy(ev: EvidenceSet):
    """1.1: no policy in the app, or a policy without collection rules.

    With the policy text: it must be a privacy policy and state collection rules (segments about
    collecting, with PI types named). From the APK alone: nothing bundled, no policy URL and no
    consent-dialog text is a risk (the policy may be served at run time, so a person confirms).
    """
    if "P" in ev.supplied():
        return _from_policy(ev)
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


def _from_policy(ev: EvidenceSet):
    pol = ev.policy
    collection = pol.segments_with("collection")
    typed = [m for m in pol.mentions if any(s.start <= m.start < s.end for s in collection)]
    if not pol.facts.get("looks_like_policy"):
        doc = pol.document
        return finding(
            "M191-1.1", Verdict.VIOLATION,
            "所提供的文档不是隐私政策：既未以隐私政策为题，也没有关于收集使用个人信息的内容。",
            "The document given is not a privacy policy: it is not titled as one and says nothing about "
            "collecting and using personal information.",
            evidence=[policy_quote(ev, 0, min(len(doc.text), 120), "policy_text", "document start")],
        )
    if not collection or not typed:
        return finding(
            "M191-1.1", Verdict.VIOLATION,
            "隐私政策中没有收集使用个人信息的规则：未找到说明收集哪些个人信息的段落。",
            "The privacy policy has no rules on collecting and using personal information: no segment says "
            "which personal information is collected.",
            evidence=[policy_quote(ev, s.start, s.end, "policy_segment") for s in collection[:3]],
        )
    return finding(
        "M191-1.1", Verdict.PASS,
        f"隐私政策包含收集使用规则：{len(collection)} 个段落说明收集使用个人信息，涉及 "
        f"{len({m.pi_type for m in typed})} 类个人信息。",
        f"The privacy policy states collection-and-use rules: {len(collection)} segment(s) about collecting "
        f"personal information, naming {len({m.pi_type for m in typed})} PI type(s).",
        evidence=[policy_quote(ev, s.start, s.end, "policy_segment") for s in collection[:3]],
    )


@rule("M191-1.4")
def hard_to_read(ev: EvidenceSet):
    """1.4, language part: a Simplified Chinese version must be provided.

    Text size, density and contrast need the rendered screen (UI evidence).
    """
    if "P" not in ev.supplied():
        return None
    doc = ev.policy.document
    if not doc.simplified_chinese:
        what_zh = "仅有繁体中文" if doc.traditional_only else "没有中文内容"
        what_en = "Traditional Chinese only" if doc.traditional_only else "no Chinese text"
        return finding(
            "M191-1.4", Verdict.VIOLATION,
            f"隐私政策未提供简体中文版（{what_zh}）。",
            f"The privacy policy has no Simplified Chinese version ({what_en}).",
            evidence=[policy_quote(ev, 0, min(len(doc.text), 120), "policy_text", f"language: {doc.language}")],
        )
    return finding(
        "M191-1.4", Verdict.UNDETERMINED,
        "隐私政策提供了简体中文版；文字大小、密度、颜色对比度需结合界面截图判断。",
        "The policy is available in Simplified Chinese; text size, density and contrast need the rendered "
        "screen.",
        evidence=[policy_quote(ev, 0, min(len(doc.text), 80), "policy_text", "Simplified Chinese present")],
        needs=missing(["U"]),
    )
