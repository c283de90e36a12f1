"""Category 2 — purpose, method and scope not stated (未明示收集使用个人信息的目的、方式和范围)."""

from __future__ import annotations

from privaudit import catalog
from privaudit.evidence import EvidenceSet
from privaudit.evidence.timeline import wall_time
from privaudit.model import Evidence, Verdict
from privaudit.rules import as_evidence, finding, missing, policy_quote, rule, statements


def declared_pi(ev: EvidenceSet) -> set[str]:
    """PI types the policy names anywhere (sentences, SDK lists)."""
    pol = ev.policy
    out = {m.pi_type for m in pol.mentions}
    for d in pol.sdk_disclosures:
        out.update(d.pi_types)
    return out


def declared_sdks(ev: EvidenceSet) -> set[str]:
    pol = ev.policy
    return {d.sdk_id for d in pol.sdk_disclosures if d.sdk_id} | {p.sdk_id for p in pol.practices if p.sdk_id}


@rule("M191-2.1")
def purposes_not_listed(ev: EvidenceSet):
    """2.1: every PI type read and every SDK embedded must be declared with purpose, method, scope.

    The APK (and later runtime/network evidence) gives the observed side; the policy the declared
    side. Undeclared SDKs are violations (the Method names embedded third-party code explicitly);
    undeclared PI types read by code are risks (code present may not run); open-ended lists
    (等/例如/包括但不限于) are flagged. Declared but never observed is information only.
    """
    has_policy = "P" in ev.supplied()
    tl = ev.timeline
    if ev.static is None and not has_policy:
        return None
    if not has_policy:
        if ev.static is None:
            return None
        return _inventory_only(ev)
    pol = ev.policy
    names = catalog.pi_types()
    evidence: list[Evidence] = []
    undeclared_sdks, undeclared_pi = [], []
    if ev.static is not None:
        sdks_ok = declared_sdks(ev)
        declared_names = {d.name for d in pol.sdk_disclosures}
        # A product family is declared by naming one of its SDKs (极光推送 covers JCore of the same vendor).
        vendors = {x["vendor"] for x in catalog.sdks() if x["id"] in sdks_ok and x.get("vendor")}
        for s in ev.static.sdks:
            if s.sdk_id not in sdks_ok and s.name not in declared_names and s.vendor not in vendors:
                undeclared_sdks.append(s)
                evidence.append(as_evidence(s, "sdk", f"未在隐私政策中说明的 SDK：{s.name}（{s.vendor}）",
                                            sdk_id=s.sdk_id, reason="sdk_not_declared"))
        pi_ok = declared_pi(ev)
        seen: set[str] = set()
        for u in ev.static.api_uses:
            if u.reflective:
                continue
            for t in u.pi_types:
                if t not in pi_ok and t not in seen:
                    seen.add(t)
                    undeclared_pi.append(t)
                    evidence.append(as_evidence(u, "api_call",
                                                f"未在隐私政策中说明的个人信息：{names.get(t, {}).get('zh', t)}"
                                                f"（{u.api}，{u.owner}）", pi_type=t, reason="pi_not_declared"))
    if tl is not None:
        pi_ok = declared_pi(ev)
        sdks_ok = declared_sdks(ev)
        vendors = {x["vendor"] for x in catalog.sdks() if x["id"] in sdks_ok and x.get("vendor")}
        by_id = {x["id"]: x for x in catalog.sdks()}
        seen_rt: set[str] = {e.data.get("pi_type") for e in evidence if e.data.get("pi_type")}
        from privaudit.rules import event_evidence, flow_evidence

        for e in tl.reads():
            for t in e.pi_types:
                if t not in pi_ok and t not in seen_rt:
                    seen_rt.add(t)
                    undeclared_pi.append(t)
                    evidence.append(event_evidence(ev, e, reason="pi_not_declared", pi_type=t))
        seen_sdk: set[str] = {s.sdk_id for s in undeclared_sdks}
        for f in tl.flows + tl.other_flows:
            sdk = by_id.get(f.sdk_id or "")
            if sdk and f.sdk_id not in sdks_ok and sdk.get("vendor") not in vendors and f.sdk_id not in seen_sdk:
                seen_sdk.add(f.sdk_id)
                undeclared_sdks.append(_FlowSdk(f.sdk_id, sdk["name"]))
                evidence.append(flow_evidence(ev, f, reason="sdk_not_declared", sdk_id=f.sdk_id))
    open_lists = [p for p in pol.practices if p.open_list and p.action == "collect" and not p.negated]
    no_purpose = [p for p in pol.practices if p.action == "collect" and not p.negated and p.pi_types
                  and not p.purpose]
    evidence += [policy_quote(ev, p.start, p.end, "policy_sentence", reason="open_list") for p in open_lists[:5]]
    evidence += [policy_quote(ev, p.start, p.end, "policy_sentence", reason="no_purpose") for p in no_purpose[:5]]
    observed_pi = [e for e in evidence if e.kind == "trace_event" and e.data.get("reason") == "pi_not_declared"]
    if observed_pi and not undeclared_sdks:
        return finding(
            "M191-2.1", Verdict.VIOLATION,
            "运行中实际收集、但隐私政策未说明的个人信息："
            + "、".join(names.get(e.data["pi_type"], {}).get("zh", e.data["pi_type"]) for e in observed_pi) + "。",
            "PI actually collected at run time but not declared in the policy: "
            + ", ".join(e.data["pi_type"] for e in observed_pi) + ".",
            evidence=evidence,
        )
    if undeclared_sdks:
        return finding(
            "M191-2.1", Verdict.VIOLATION,
            f"隐私政策未逐一列明嵌入的第三方 SDK：{len(undeclared_sdks)} 个 SDK 未说明（"
            + "、".join(s.name for s in undeclared_sdks[:8]) + "）"
            + (f"；另有 {len(undeclared_pi)} 类代码读取的个人信息未说明" if undeclared_pi else "") + "。",
            f"The policy does not list {len(undeclared_sdks)} embedded third-party SDK(s) ("
            + ", ".join(s.sdk_id for s in undeclared_sdks[:8]) + ")"
            + (f"; {len(undeclared_pi)} PI type(s) read by the code are not declared either" if undeclared_pi else "")
            + ".",
            evidence=evidence,
        )
    if undeclared_pi or open_lists or no_purpose:
        parts_zh, parts_en = [], []
        if undeclared_pi:
            parts_zh.append("代码读取但未说明的个人信息：" + "、".join(names.get(t, {}).get("zh", t) for t in undeclared_pi))
            parts_en.append("PI read by the code but not declared: " + ", ".join(undeclared_pi))
        if open_lists:
            parts_zh.append(f"{len(open_lists)} 处以“等、例如、包括但不限于”概括列举")
            parts_en.append(f"{len(open_lists)} open-ended list(s) (等/例如/including but not limited to)")
        if no_purpose:
            parts_zh.append(f"{len(no_purpose)} 处收集未说明目的")
            parts_en.append(f"{len(no_purpose)} collection statement(s) without a purpose")
        return finding("M191-2.1", Verdict.RISK, "；".join(parts_zh) + "。", "; ".join(parts_en) + ".",
                       evidence=evidence, needs=missing(["R", "N"]) if ev.static is not None else missing(["S"]))
    if ev.static is None and tl is None:
        return finding(
            "M191-2.1", Verdict.UNDETERMINED,
            "隐私政策未见概括列举或缺少目的的收集说明；是否逐一列明需与 App 实际收集行为对照。",
            "No open-ended lists or purpose-less collection statements found; completeness needs the app's "
            "actual behaviour.",
            needs=missing(["S", "R", "N"]),
        )
    n_pi = len({t for u in (ev.static.api_uses if ev.static else []) for t in u.pi_types}
               | {t for e in (tl.reads() if tl else []) for t in e.pi_types})
    n_sdk = len(ev.static.sdks) if ev.static else len({f.sdk_id for f in tl.flows if f.sdk_id})
    return finding(
        "M191-2.1", Verdict.PASS,
        f"观察到的 {n_pi} 类个人信息和 {n_sdk} 个第三方 SDK 均在隐私政策中说明，且未见概括列举。",
        "Every PI type the code reads and every embedded SDK is declared in the policy, without open-ended lists.",
        evidence=[policy_quote(ev, d.start, d.end, "sdk_disclosure", d.name) for d in pol.sdk_disclosures[:10]],
    )


class _FlowSdk:
    """An SDK seen only in traffic (for the undeclared list)."""

    def __init__(self, sdk_id: str, name: str) -> None:
        self.sdk_id, self.name = sdk_id, name


def _inventory_only(ev: EvidenceSet):
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


@rule("M191-2.2")
def change_not_notified(ev: EvidenceSet):
    """2.2, policy part: the policy must say how users are told of changes, by a proactive means."""
    if "P" not in ev.supplied():
        return None
    found = statements(ev, "change_notification")
    if not found:
        seg = ev.policy.segments_with("policy_change")
        return finding(
            "M191-2.2", Verdict.VIOLATION,
            "隐私政策未说明收集使用规则变更时如何通知用户。",
            "The policy does not say how users are notified when its rules change.",
            evidence=[policy_quote(ev, s.start, s.end, "policy_segment") for s in seg[:2]],
        )
    evidence = [policy_quote(ev, s.start, s.end, "policy_sentence", **s.value) for s in found[:3]]
    if not any(s.value.get("active") for s in found):  # only "published on this page": users are not reminded
        return finding(
            "M191-2.2", Verdict.RISK,
            "隐私政策仅以被动方式（如在页面发布更新）告知变更，未承诺以弹窗、推送等方式提醒用户阅读。",
            "The policy only announces changes passively (e.g. by posting the new version), without promising to "
            "remind users by a pop-up, push or similar.",
            evidence=evidence, needs=missing(["U"]),
        )
    return finding(
        "M191-2.2", Verdict.PASS,
        "隐私政策说明了变更时以主动方式（弹窗、推送、站内信等）通知用户；升级时是否实际提醒需两个版本的界面记录验证。",
        "The policy says users are notified of changes proactively (pop-up, push, in-app message…); whether an "
        "update really reminds them needs UI traces of two versions.",
        evidence=evidence,
    )


@rule("M191-2.3")
def purpose_for_sensitive_pi(ev: EvidenceSet):
    """2.3: sensitive PI must come with its purpose — in the policy, and on screen when a permission is asked
    (the app's own text on the dialog's screen or the app screen immediately before; generic purposes such as
    为保证App正常运行 do not count). A UI dialog without a purpose decides; the policy part adds to it."""
    pol = _policy_purpose(ev)
    if not ev.ui:
        return pol
    from privaudit.evidence.ui.detect import permission_dialogs
    from privaudit.rules import screen_evidence

    dialogs = [d for run in ev.ui for d in permission_dialogs(run)]
    if not dialogs:
        return pol
    bare = [d for d in dialogs if d.purpose is None]
    if bare:
        evidence = []
        for d in bare[:5]:
            evidence.append(screen_evidence(d.screen, d.message, kind="permission_dialog", permission=d.group))
            if d.previous is not None:
                evidence.append(screen_evidence(d.previous, summary=f"app screen before the dialog: "
                                                f"{d.previous.activity or d.previous.id}", kind="previous_screen"))
            evidence += [screen_evidence(sc, w, kind="generic_purpose", sentence=t[:200]) for sc, w, t in d.generic[:2]]
            # the purpose shown elsewhere in the run (e.g. after a relaunch) is cited, not counted: 2.3 asks for it
            # with the request
            evidence += [screen_evidence(sc, w, kind="purpose_elsewhere", sentence=t[:200],
                                         summary=f"purpose shown on another screen ({sc.activity or sc.id}, {wall_time(sc.t)}), "
                                         f"not with this dialog: {t[:120]}")
                         for sc, w, t in d.elsewhere[:2]]
        groups = sorted({d.group or "?" for d in bare})
        generic = sum(1 for d in bare if d.generic)
        return finding(
            "M191-2.3", Verdict.VIOLATION,
            f"{len(bare)} 个系统权限弹窗（{'、'.join(groups)}）出现时，同屏及紧邻的前一个应用界面均未说明申请目的"
            + (f"（其中 {generic} 个仅有“保证正常运行/提升体验”之类的笼统说明）" if generic else "") + "。",
            f"{len(bare)} system permission dialog(s) ({', '.join(groups)}) appeared with no app-provided purpose on the same "
            "screen or the app screen immediately before" + (f" ({generic} with a generic purpose only)" if generic
                                                             else "") + ".",
            evidence=evidence + (pol.evidence[:3] if pol is not None else []))
    shown = [screen_evidence(d.purpose[0], d.purpose[1], kind="purpose", sentence=d.purpose[2][:200],
                             permission=d.group) for d in dialogs[:5] if d.purpose is not None]
    if pol is not None and pol.verdict is Verdict.RISK:
        pol.evidence += shown
        return pol
    return finding(
        "M191-2.3", Verdict.PASS,
        f"界面记录中的 {len(dialogs)} 个系统权限弹窗出现时，应用均在同屏或前一界面说明了申请目的。",
        f"All {len(dialogs)} system permission dialog(s) in the UI run come with an app-provided purpose on the "
        "same or the previous screen.",
        evidence=shown)


def _policy_purpose(ev: EvidenceSet):
    if "P" not in ev.supplied():
        return None
    names = catalog.pi_types()
    bare = [p for p in ev.policy.practices if p.sensitive and not p.negated and not p.purpose]
    if bare:
        return finding(
            "M191-2.3", Verdict.RISK,
            f"隐私政策中有 {len(bare)} 处收集敏感个人信息未说明目的（"
            + "、".join(sorted({names.get(t, {}).get("zh", t) for p in bare for t in p.pi_types})) + "）。",
            f"{len(bare)} statement(s) collect sensitive PI without a purpose ("
            + ", ".join(sorted({t for p in bare for t in p.pi_types})) + ").",
            evidence=[policy_quote(ev, p.start, p.end, "policy_sentence", pi_types=p.pi_types) for p in bare[:5]],
            needs=missing(["U", "R"]),
        )
    return None


@rule("M191-2.4")
def obscure_rules(ev: EvidenceSet):
    """2.4: readability measured against our corpus statistics (a judgement item: risk, not violation)."""
    if "P" not in ev.supplied():
        return None
    r = ev.policy.facts.get("readability") or {}
    doc = ev.policy.document
    measures = {k: r.get(k) for k in ("characters", "sentences", "mean_sentence_length", "p90_sentence_length",
                                       "jargon_density", "headings")}
    ev_item = [Evidence("readability", ", ".join(f"{k}={v}" for k, v in measures.items() if v is not None),
                        doc.provenance(0, 0), {"metrics": r})]
    if r.get("hard_to_read"):
        reasons = "; ".join(r.get("reasons", []))
        return finding(
            "M191-2.4", Verdict.RISK,
            f"隐私政策可能晦涩难懂、冗长繁琐：{reasons}（与语料库对比）。需人工确认。",
            f"The policy may be obscure or long-winded: {reasons} (against our corpus). A reviewer confirms.",
            evidence=ev_item, needs=missing(["M"]),
        )
    return finding(
        "M191-2.4", Verdict.PASS,
        "隐私政策的长度、句长和术语密度均在语料库常见范围内。",
        "The policy's length, sentence length and jargon density are within the usual range of our corpus.",
        evidence=ev_item,
    )
