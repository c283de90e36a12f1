"""Category 3 — collecting or using PI without consent (未经用户同意收集使用个人信息)."""

from __future__ import annotations

from privaudit import catalog
from privaudit.evidence import EvidenceSet
from privaudit.model import Verdict
from privaudit.rules import (
    as_evidence,
    event_evidence,
    finding,
    flow_evidence,
    missing,
    packed_note,
    policy_quote,
    rule,
    screen_evidence,
    statements,
)


@rule("M191-3.1")
def collection_before_consent(ev: EvidenceSet):
    """3.1 from static evidence: PI-reading calls reachable from code that runs at process start.

    The Application class and content providers run before any activity, so before a consent
    dialog can be shown. A read reachable from there (directly or through an SDK's init) is a
    risk; the runtime trace decides.
    """
    tl = ev.timeline
    runtime = _runtime_before_consent(ev, tl) if tl is not None and (tl.events or tl.flows) else None
    if runtime is not None and runtime.verdict is not Verdict.UNDETERMINED:
        return runtime
    if ev.static is None:
        return runtime
    st = ev.static
    early = [u for u in st.api_uses if u.startup_path]
    packed = packed_note(ev)
    if early:
        static = finding(
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
        if runtime is not None:  # the run could not place its reads against consent: keep both sides
            static.evidence += runtime.evidence
            static.missing = runtime.missing
        return static
    if runtime is not None:
        return runtime
    why = packed or ("静态分析无法确定调用时机", "static analysis cannot tell when calls happen")
    return finding(
        "M191-3.1", Verdict.UNDETERMINED,
        f"需要运行时证据：{why[0]}。请提供带同意时刻的运行时轨迹（--trace）或网络抓包（--network）。",
        f"Needs runtime evidence: {why[1]}. Give a runtime trace with the consent moment (--trace) or a "
        "network capture (--network).",
        needs=missing(["R", "N", "U"]),
    )


@rule("M191-3.6")
def targeted_push_without_opt_out(ev: EvidenceSet):
    """3.6: personalised recommendation or ads need a way to turn them off. A switch next to 个性化推荐 /
    个性化广告 on an app screen is a pass; personalisation named on screen without a switch is not a violation
    from the UI alone (the run may not have reached the settings) unless the policy declares it with no opt-out."""
    pol = _policy_personalisation(ev)
    if not ev.ui:
        return pol
    from privaudit.evidence.ui.detect import personalisation_switch

    seen = [p for run in ev.ui for p in personalisation_switch(run)]
    switches = [p for p in seen if p.switch is not None]
    if switches:
        shown = [screen_evidence(p.screen, p.switch, kind="personalisation_switch", label=p.label.label,
                                 checked=p.switch.checked) for p in switches[:4]]
        note = ""
        note_en = ""
        if pol is not None and pol.verdict is Verdict.VIOLATION:
            note, note_en = "（但隐私政策未说明关闭方式）", " (the policy does not describe it, though)"
        return finding(
            "M191-3.6", Verdict.PASS,
            f"应用界面提供了个性化推荐/广告开关（{'、'.join(p.label.label or '' for p in switches[:3])}）{note}；"
            "关闭后是否生效需人工验证。",
            f"The app offers a switch for personalised recommendation/ads{note_en}; whether turning it off "
            "works needs checking.",
            evidence=shown + (pol.evidence[:2] if pol is not None else []))
    if not seen:
        return pol
    marked = [screen_evidence(p.screen, p.label, kind="personalisation_marked") for p in seen[:3]]
    if pol is not None and pol.verdict is Verdict.VIOLATION:
        pol.evidence += marked
        return pol
    return finding(
        "M191-3.6", Verdict.UNDETERMINED,
        "界面中出现个性化推荐/广告内容，但遍历到的界面中未找到关闭开关（未找到不等于没有）：请人工进入设置页确认。",
        "Personalised content appears in the UI but no switch was found on the screens explored (not found is no "
        "proof of absence): a reviewer should check the settings.",
        evidence=marked + (pol.evidence[:2] if pol is not None else []),
        needs=missing(["U"], "进入设置/隐私设置页查找个性化推荐开关", "open the settings and look for the switch"))


def _policy_personalisation(ev: EvidenceSet):
    if "P" not in ev.supplied():
        return None
    declared = statements(ev, "personalisation_declared")
    opt_out = statements(ev, "personalisation_opt_out")
    if opt_out:
        return finding(
            "M191-3.6", Verdict.PASS,
            "隐私政策说明了关闭个性化推荐/定向推送的方式；开关是否实际生效需界面验证。",
            "The policy says how to turn personalised recommendation or targeted push off; whether the switch "
            "works needs the UI.",
            evidence=[policy_quote(ev, s.start, s.end, "policy_sentence") for s in opt_out[:3]],
        )
    if declared:
        return finding(
            "M191-3.6", Verdict.VIOLATION,
            "隐私政策声明利用个人信息进行个性化推荐或定向推送，但未提供非定向推送的选项或关闭方式。",
            "The policy declares personalised recommendation or targeted push based on PI but offers no "
            "non-personalised option or way to turn it off.",
            evidence=[policy_quote(ev, s.start, s.end, "policy_sentence") for s in declared[:3]],
        )
    return None


@rule("M191-3.8")
def no_withdrawal(ev: EvidenceSet):
    """3.8, policy part: the policy must say how to withdraw consent."""
    if "P" not in ev.supplied():
        return None
    found = statements(ev, "withdraw_consent")
    if not found:
        return finding(
            "M191-3.8", Verdict.VIOLATION,
            "隐私政策未说明撤回同意的途径和方式。",
            "The policy does not say how to withdraw consent.",
            evidence=[policy_quote(ev, s.start, s.end, "policy_segment")
                      for s in ev.policy.segments_with("user_rights")[:2]],
            needs=missing(["U"]),
        )
    return finding(
        "M191-3.8", Verdict.PASS,
        "隐私政策说明了撤回同意的途径；界面中是否可实际撤回需界面遍历验证。",
        "The policy says how to withdraw consent; whether the app really offers it needs the UI.",
        evidence=[policy_quote(ev, s.start, s.end, "policy_sentence") for s in found[:3]],
    )


@rule("M191-3.9")
def against_own_rules(ev: EvidenceSet):
    """3.9: behaviour that contradicts what the policy declares (statically: code that reads PI the
    policy says it never collects; SDKs reading PI while the policy says nothing is shared)."""
    if "P" not in ev.supplied() or ev.static is None:
        return None
    names = catalog.pi_types()
    denied = {t: p for p in ev.policy.practices if p.negated and p.action in ("collect", "use") for t in p.pi_types}
    evidence = []
    for u in ev.static.api_uses:
        if not u.reflective:
            for t in u.pi_types:
                if t in denied:
                    p = denied[t]
                    evidence.append(policy_quote(ev, p.start, p.end, "policy_sentence",
                                                 f"声明不收集{names.get(t, {}).get('zh', t)}", pi_type=t))
                    evidence.append(as_evidence(u, "api_call", f"{u.api} ← {u.caller_class}", pi_type=t, owner=u.owner))
    no_share = statements(ev, "no_sharing_claim")
    sdk_readers = {u.owner for u in ev.static.api_uses if u.owner_kind == "sdk" and not u.reflective}
    if no_share and sdk_readers:
        s = no_share[0]
        evidence.append(policy_quote(ev, s.start, s.end, "policy_sentence", "声明不向第三方共享"))
        evidence += [as_evidence(u, "api_call", f"{u.owner}: {u.api}", owner=u.owner)
                     for u in ev.static.api_uses if u.owner_kind == "sdk" and not u.reflective][:5]
    if evidence:
        return finding(
            "M191-3.9", Verdict.RISK,
            "App 代码与隐私政策的声明相矛盾（声明不收集或不共享的个人信息，代码中有读取或由第三方 SDK 读取）。"
            "需运行时或网络证据确认实际发生。",
            "The app's code contradicts the policy (PI the policy says is not collected or shared is read by the "
            "app or by third-party SDKs). Runtime or network evidence confirms it happens.",
            evidence=evidence, needs=missing(["R", "N"]),
        )
    return None


def _runtime_before_consent(ev: EvidenceSet, tl):
    """3.1 from the run: PI reads, permission requests or PI sent over the network before t_c."""
    reads = tl.reads()
    pi_flows = [f for f in tl.flows if f.hits]
    if tl.consent is None and tl.consent_shown is None:
        if not reads and not pi_flows:
            return None
        return finding(
            "M191-3.1", Verdict.UNDETERMINED,
            f"运行记录中有 {len(reads)} 次个人信息读取和 {len(pi_flows)} 个含个人信息的网络请求，但没有同意时刻："
            "无法判断是否发生在同意之前。请在记录中标记同意时刻（--consent-time）或提供界面遍历记录。",
            f"The run shows {len(reads)} PI read(s) and {len(pi_flows)} flow(s) carrying PI but no consent moment, "
            "so their order against consent is unknown. Mark the consent moment (--consent-time) or add the UI trace.",
            evidence=[event_evidence(ev, e) for e in reads[:5]] + [flow_evidence(ev, f) for f in pi_flows[:5]],
            needs=missing(["U"], "同意时刻", "the consent moment"),
        )
    early = [e for e in reads if tl.before_consent(e.t)]
    early_perm = [e for e in tl.events if e.kind == "permission_request" and tl.before_consent(e.t)]
    early_flows = [f for f in pi_flows if tl.before_consent(f.t)]
    if early or early_perm or early_flows:
        owners: dict[str, int] = {}
        for e in early:
            who_ = e.owner or "调用方未知（日志无调用栈）"
            owners[who_] = owners.get(who_, 0) + 1
        who = "、".join(f"{k} {v} 次" for k, v in owners.items())
        moment_zh = "用户点击同意之前" if tl.consent is not None else "隐私政策弹窗出现后、用户同意之前（本次运行未同意）"
        moment_en = "before the user agreed" if tl.consent is not None else "while the privacy prompt was unanswered"
        pi = sorted({t for e in early for t in e.pi_types} | {h.pi_type for f in early_flows for h in f.hits})
        return finding(
            "M191-3.1", Verdict.VIOLATION,
            f"{moment_zh}：读取个人信息 {len(early)} 次（{who or '无'}），申请权限 {len(early_perm)} 次，"
            f"发送含个人信息的网络请求 {len(early_flows)} 个；涉及 {', '.join(pi) or '—'}。",
            f"{moment_en}: {len(early)} PI read(s), {len(early_perm)} permission request(s), {len(early_flows)} "
            f"flow(s) carrying PI; PI types {', '.join(pi) or '—'}.",
            evidence=[event_evidence(ev, e) for e in (early + early_perm)[:30]]
            + [flow_evidence(ev, f) for f in early_flows[:20]]
            + [event_evidence(ev, e) for e in tl.events if e.kind in ("consent_shown", "consent_accepted")][:2],
        )
    before = [e for e in tl.events if tl.consent is not None and e.t < tl.consent]
    if tl.consent is not None and not before:
        return finding(
            "M191-3.1", Verdict.UNDETERMINED,
            "运行记录从同意之后才开始，无法观察同意前的行为；请从全新安装、冷启动开始记录。",
            "The run starts after consent, so nothing before consent was observed; record from a fresh install "
            "and cold start.",
            needs=missing(["R"]),
        )
    return finding(
        "M191-3.1", Verdict.PASS,
        f"本次运行中，同意前未观察到个人信息读取、权限申请或含个人信息的网络请求（同意后读取 {len(reads)} 次）。",
        f"In this run nothing was read, requested or sent before consent ({len(reads)} read(s) after consent).",
        evidence=[event_evidence(ev, e) for e in tl.events if e.kind in ("consent_shown", "consent_accepted")][:2]
        + [event_evidence(ev, e) for e in reads[:5]],
    )


REASK_WINDOW = 48 * 3600  # GB/T 35273 C.4 b; TC260-PG-20203A 2.4.2 d: at most one request per 48 h after refusal
USER_TRIGGER = 10.0  # seconds: a request right after the user invoked a feature is user-initiated


def _user_initiated(tl, t: float) -> bool:
    return any(e.kind == "user_action" and 0 <= t - e.t <= USER_TRIGGER for e in tl.events)


@rule("M191-3.2")
def collection_after_refusal(ev: EvidenceSet):
    """3.2 from the run: PI read after the user refused; a refused permission asked again within 48 hours
    without the user invoking the feature that needs it. From the UI: a consent prompt or permission dialog that
    comes straight back after 不同意 / 拒绝 with no user input (a refusal loop) is a violation."""
    rt = _runtime_after_refusal(ev)
    if not ev.ui:
        return rt
    from privaudit.evidence.ui.detect import after_refusal

    loops = [r for run in ev.ui for r in after_refusal(run) if r.outcome == "loop"]
    if not loops:
        return rt
    shown = []
    for r in loops[:4]:
        shown.append(screen_evidence(r.screen, r.widget, kind=f"refused_{r.kind}"))
        if r.next is not None:
            shown.append(screen_evidence(r.next, summary=f"shown again without input: {r.next.activity or r.next.id}",
                                         kind="prompt_again"))
    if rt is not None and rt.verdict is Verdict.VIOLATION:
        rt.evidence += shown
        return rt
    kinds = "、".join(sorted({"隐私政策弹窗" if r.kind == "consent" else "权限弹窗" for r in loops}))
    return finding(
        "M191-3.2", Verdict.VIOLATION,
        f"用户点击拒绝后，{kinds}在无用户操作的情况下立即再次弹出（{len(loops)} 次），反复征求同意。",
        f"After the user refused, the {'consent prompt' if loops[0].kind == 'consent' else 'permission dialog'} "
        f"came straight back with no user input ({len(loops)} time(s)): consent is asked again in a loop.",
        evidence=shown)


def _runtime_after_refusal(ev: EvidenceSet):
    tl = ev.timeline
    if tl is None or not tl.events:
        return None
    evidence = []
    if tl.refusal is not None:
        end = tl.consent if tl.consent is not None and tl.consent > tl.refusal else float("inf")
        after = [e for e in tl.reads() if tl.refusal < e.t < end]
        evidence += [event_evidence(ev, e, reason="read_after_refusal") for e in after[:20]]
    denied: dict[str, float] = {}
    reasks = []
    for e in tl.events:
        if e.kind == "permission_result" and e.granted is False:
            for p in e.permissions:
                denied[p] = e.t
        elif e.kind == "permission_request":
            again = [p for p in e.permissions if p in denied and e.t - denied[p] < REASK_WINDOW]
            if again and not _user_initiated(tl, e.t):
                reasks.append(e)
    evidence += [event_evidence(ev, e, reason="asked_again_within_48h") for e in reasks[:20]]
    if evidence:
        return finding(
            "M191-3.2", Verdict.VIOLATION,
            "用户明确拒绝后仍收集个人信息，或在 48 小时内非用户主动触发地再次申请已被拒绝的权限"
            f"（拒绝后读取 {sum(1 for x in evidence if x.data.get('reason') == 'read_after_refusal')} 次，"
            f"重复申请 {len(reasks)} 次）。",
            "PI was collected after an explicit refusal, or a refused permission was asked for again within 48 hours "
            f"without the user invoking the feature ({len(reasks)} repeated request(s)).",
            evidence=evidence,
        )
    if tl.refusal is None and not denied:
        return finding(
            "M191-3.2", Verdict.UNDETERMINED,
            "本次运行中用户未拒绝隐私政策或权限，无法检验拒绝后的行为；请先点击“不同意”并拒绝权限后再记录。",
            "The user refused neither the policy nor any permission in this run, so behaviour after refusal "
            "was not observed; record a run that refuses first.",
            needs=missing(["R", "U"], "包含拒绝操作的运行记录", "a run that refuses"),
        )
    return finding(
        "M191-3.2", Verdict.PASS,
        "用户拒绝后，本次运行中未观察到个人信息读取或 48 小时内的重复权限申请。",
        "After the refusal, no PI read and no repeated permission request within 48 hours were observed in this run.",
        evidence=[event_evidence(ev, e) for e in tl.events
                  if e.kind == "consent_refused" or (e.kind == "permission_result" and e.granted is False)][:5],
    )


@rule("M191-3.3")
def beyond_authorisation(ev: EvidenceSet):
    """3.3 from the run: PI read through an API whose permissions the user had denied (a cached or
    alternative path), i.e. beyond what the user authorised."""
    tl = ev.timeline
    if tl is None or not tl.events:
        return None
    apis = {a["id"]: a for a in catalog.sensitive_apis()}
    state: dict[str, bool] = {}
    over = []
    saw_denial = False
    for e in tl.events:
        if e.kind in ("permission_result", "permission_state") and e.granted is not None:
            for p in e.permissions:
                state[p] = e.granted
                saw_denial = saw_denial or not e.granted
        elif e.kind == "api_call" and e.api_id in apis:
            perms = apis[e.api_id].get("permissions") or []
            if perms and all(state.get(p) is False for p in perms):
                over.append(e)
    if over:
        return finding(
            "M191-3.3", Verdict.VIOLATION,
            f"用户拒绝相关权限后，仍读取对应的个人信息 {len(over)} 次，超出用户授权范围。",
            f"{len(over)} PI read(s) after the user denied the permissions they need: beyond what the user authorised.",
            evidence=[event_evidence(ev, e, reason="read_with_permission_denied") for e in over[:20]],
        )
    if not saw_denial:
        return None
    return finding(
        "M191-3.3", Verdict.PASS,
        "权限被拒绝后，本次运行中未观察到读取对应个人信息。",
        "After permissions were denied, no read of the PI they protect was observed in this run.",
        evidence=[event_evidence(ev, e) for e in tl.events if e.kind == "permission_result" and e.granted is False][:5],
    )


@rule("M191-3.5")
def permission_changed_silently(ev: EvidenceSet):
    """3.5 from the run: a permission turned on again with no request and no user action in between."""
    tl = ev.timeline
    if tl is None or not any(e.kind == "permission_state" for e in tl.events):
        return None
    state: dict[str, bool] = {}
    changed = []
    for e in tl.events:
        if e.kind in ("permission_request", "user_action"):
            state.clear()  # the user or a visible request may have changed anything
        elif e.kind in ("permission_state", "permission_result") and e.granted is not None:
            for p in e.permissions:
                if state.get(p) is False and e.granted and e.kind == "permission_state":
                    changed.append(e)
                state[p] = e.granted
    if changed:
        return finding(
            "M191-3.5", Verdict.VIOLATION,
            f"{len(changed)} 项权限在用户无操作的情况下由关闭变为开启。",
            f"{len(changed)} permission(s) went from denied to granted with no request and no user action.",
            evidence=[event_evidence(ev, e, reason="silently_granted") for e in changed[:10]],
        )
    return finding(
        "M191-3.5", Verdict.PASS,
        "本次运行中观察到的权限状态未在无用户操作时改变。",
        "No permission state changed without a user action in this run.",
        evidence=[event_evidence(ev, e) for e in tl.events if e.kind == "permission_state"][:5],
    )


# -- UI evidence: 3.4 (consent sought by default or implied) --------------------------------------------------

@rule("M191-3.4")
def non_explicit_consent(ev: EvidenceSet):
    """3.4: consent must be explicit. Violation for a consent box ticked before any tap, a "logging in means you
    agree" text without a box, or a privacy prompt whose only controls acknowledge (确定, 我知道了 …; testability
    3.4, 078.6 §3.7–3.8). Pass when an explicit agree control (or an unticked 同意… box) is seen and none of these."""
    if not ev.ui:
        return None
    from privaudit.evidence.ui.detect import agree_controls, first_launch_prompt, prechecked_consent

    issues, agreed, ack_only = [], [], []
    for run in ev.ui:
        issues += prechecked_consent(run)
        agreed += agree_controls(run)
        prompt = first_launch_prompt(run)
        if prompt is not None and prompt.controls and all(k == "acknowledge" for _, k in prompt.controls):
            ack_only.append(prompt)
    pre = [i for i in issues if i.kind == "prechecked"]
    implied = [i for i in issues if i.kind == "implied"]
    if pre or implied:
        parts_zh, parts_en = [], []
        if pre:
            parts_zh.append(f"{len(pre)} 处同意隐私政策的勾选框在用户操作前已默认勾选")
            parts_en.append(f"{len(pre)} consent checkbox(es) naming the policy are ticked before any tap")
        if implied:
            parts_zh.append(f"{len(implied)} 处以“登录/注册即表示同意”方式默认同意且无勾选框")
            parts_en.append(f"{len(implied)} text(s) imply consent by logging in/registering, with no checkbox")
        return finding(
            "M191-3.4", Verdict.VIOLATION, "以非明示方式征求同意：" + "；".join(parts_zh) + "。",
            "Consent sought by non-explicit means: " + "; ".join(parts_en) + ".",
            evidence=[screen_evidence(i.screen, i.widget, issue=i.kind, label=i.label[:200]) for i in issues[:6]])
    if ack_only:
        p = ack_only[0]
        words = "、".join(f"“{w.label}”" for w, _ in p.controls)
        return finding(
            "M191-3.4", Verdict.VIOLATION,
            f"隐私政策提示弹窗仅提供确认类按钮（{words}），没有“同意”与“不同意”的明示选择。",
            f"The privacy-policy prompt offers only acknowledgement controls ({words}), no explicit agree / "
            "refuse choice.",
            evidence=[screen_evidence(p.screen, p.link, kind="prompt")]
            + [screen_evidence(p.screen, w, control=k) for w, k in p.controls[:4]])
    if agreed:
        return finding(
            "M191-3.4", Verdict.PASS,
            f"发现 {len(agreed)} 处明示同意控件（同意按钮或未默认勾选的同意框），未发现默认勾选或默示同意。",
            f"{len(agreed)} explicit agreement control(s) seen (agree button or an unticked 同意… box); no "
            "pre-ticked box or implied consent.",
            evidence=[screen_evidence(s, w, label=label[:200]) for s, w, label in agreed[:4]])
    return finding(
        "M191-3.4", Verdict.UNDETERMINED,
        "界面记录中未发现同意隐私政策的控件，无法判断是否以明示方式征求同意。",
        "No control asking consent to the privacy policy in the UI run: cannot tell whether consent is explicit.",
        needs=missing(["U"], "记录隐私政策同意弹窗/页面", "record the consent prompt"))
