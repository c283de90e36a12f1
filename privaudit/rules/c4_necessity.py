"""Category 4 — beyond necessity (违反必要原则，收集与其提供的服务无关的个人信息)."""

from __future__ import annotations

from privaudit import catalog
from privaudit.evidence import EvidenceSet
from privaudit.model import Evidence, Verdict
from privaudit.rules import (
    as_evidence,
    event_evidence,
    finding,
    missing,
    packed_note,
    policy_quote,
    rule,
    screen_evidence,
    statements,
)

RUNTIME_PERMISSIONS_SINCE = 23  # Android 6.0: dangerous permissions are granted at run time


@rule("M191-4.1")
def unrelated_pi(ev: EvidenceSet):
    """4.1: permissions the TC260 guide does not recommend for the app's type, special permissions,
    and PI types read by the code that are outside the type's necessary PI (risk: a person weighs
    whether another function needs them)."""
    if ev.static is None:
        return None
    st = ev.static
    if ev.app_type is None:
        return finding(
            "M191-4.1", Verdict.UNDETERMINED,
            "未指定应用类型：请用 --app-type 指定（39 类常见应用之一），以便对照必要个人信息范围和不建议申请的权限。",
            "App type not given: pass --app-type (one of the 39 common types) to check permissions and PI "
            "against that type's necessary PI and not-recommended permissions.",
            needs=missing(["M"], "指定应用类型 --app-type", "give the app type with --app-type"),
        )
    t = ev.app_type
    perms = catalog.permissions()
    pi_names = catalog.pi_types()
    not_rec = set(t.get("not_recommended_permissions", []))
    necessary = {p for item in t.get("necessary_pi", []) for p in item.get("pi_types", [])}
    evidence: list[Evidence] = []
    for p in st.permissions:
        info = perms.get(p.name, {})
        if p.name in not_rec:
            evidence.append(as_evidence(p, "permission", f"{p.name}（{info.get('zh', '')}）：{t['zh']}不建议申请",
                                        reason="not_recommended_for_type"))
        elif info.get("protection") == "special":
            evidence.append(as_evidence(p, "permission", f"{p.name}（{info.get('zh', '')}）：特殊权限，需有明确必要性",
                                        reason="special_permission"))
    code_pi: dict[str, object] = {}
    for u in st.api_uses:
        if u.reflective:
            continue
        for pi in u.pi_types:
            if pi not in necessary and pi not in code_pi:
                code_pi[pi] = u
    if t.get("no_pi_needed") or necessary:
        for pi, u in code_pi.items():
            evidence.append(as_evidence(u, "api_call",
                                        f"读取{pi_names.get(pi, {}).get('zh', pi)}（{u.api}，{u.owner}）："
                                        f"不属于{t['zh']}基本功能必要个人信息", pi_type=pi, reason="beyond_necessary_pi"))
    packed = packed_note(ev)
    if evidence:
        return finding(
            "M191-4.1", Verdict.RISK,
            f"对照{t['zh']}（基本功能：{t['basic_function_zh']}）：发现 {len(evidence)} 项可能与业务功能无关的权限或个人信息，"
            "需确认是否有对应的业务功能。",
            f"Against the type {t['en']} (basic function: {t['basic_function_en']}): {len(evidence)} permission(s) "
            "or PI type(s) that may be unrelated to the app's functions; confirm each has a function that needs it.",
            evidence=evidence, needs=missing(["M"]),
        )
    if packed:
        return finding("M191-4.1", Verdict.UNDETERMINED, f"权限检查未发现问题，但{packed[0]}",
                       f"No permission issue found, but {packed[1]}", needs=missing(["R"]))
    return finding(
        "M191-4.1", Verdict.PASS,
        f"声明的 {len(st.permissions)} 项权限和代码读取的个人信息均未超出{t['zh']}的建议范围。",
        f"The {len(st.permissions)} declared permission(s) and the PI read by the code stay within what is "
        f"recommended for {t['en']}.",
        evidence=[as_evidence(p, "permission", p.name) for p in st.permissions[:20]],
    )


@rule("M191-4.6")
def bundled_permissions(ev: EvidenceSet):
    """4.6: targetSdkVersion below 23 grants every dangerous permission at install, all at once; at run
    time, several dangerous permission groups requested in one burst the user did not trigger."""
    burst = _runtime_burst(ev)
    if burst is not None and (ev.static is None or (ev.static.identity.target_sdk or 23) >= RUNTIME_PERMISSIONS_SINCE):
        return burst
    if ev.static is None:
        return None
    st = ev.static
    perms = catalog.permissions()
    dangerous = [p for p in st.permissions if perms.get(p.name, {}).get("protection") == "dangerous"]
    target = st.identity.target_sdk or st.identity.min_sdk or 1
    manifest_ev = [as_evidence(p, "permission", p.name) for p in dangerous]
    if target < RUNTIME_PERMISSIONS_SINCE and dangerous:
        return finding(
            "M191-4.6", Verdict.VIOLATION,
            f"targetSdkVersion 为 {target}（低于 23）：安装时一次性授予全部 {len(dangerous)} 项危险权限，用户无法逐项拒绝。",
            f"targetSdkVersion is {target} (below 23): all {len(dangerous)} dangerous permission(s) are granted "
            "together at install time and cannot be refused one by one.",
            evidence=manifest_ev,
        )
    groups = {perms[p.name].get("group") for p in dangerous}
    if len(groups) <= 1:
        return finding(
            "M191-4.6", Verdict.PASS,
            f"targetSdkVersion 为 {target}，危险权限组不超过 1 个，不存在一次性申请多个权限的情形。",
            f"targetSdkVersion is {target} and at most one dangerous permission group is declared: several "
            "permissions cannot be requested at once.",
            evidence=manifest_ev,
        )
    return finding(
        "M191-4.6", Verdict.UNDETERMINED,
        f"targetSdkVersion 为 {target}（运行时授权），声明了 {len(groups)} 个危险权限组；"
        "是否在启动时一次性申请多个权限、拒绝后能否使用，需运行时轨迹或界面遍历确认。",
        f"targetSdkVersion is {target} (runtime permissions) with {len(groups)} dangerous permission groups "
        "declared; whether several are requested at once at launch, and the app stays usable if refused, needs "
        "a runtime trace or UI trace.",
        evidence=manifest_ev, needs=missing(["R", "U"]),
    )


@rule("M191-4.5")
def forced_consent_for_improvement(ev: EvidenceSet):
    """4.5, policy part: consent made mandatory for 'improving service / experience / targeted push /
    new products' alone. Whether refusing blocks use needs the UI."""
    if "P" not in ev.supplied():
        return None
    found = statements(ev, "forced_consent_reason")
    if found:
        return finding(
            "M191-4.5", Verdict.RISK,
            "隐私政策以改善服务质量、提升用户体验、定向推送或研发新产品为由要求用户同意收集个人信息；"
            "拒绝后是否无法使用需界面验证。",
            "The policy makes consent to collection a condition, citing only service improvement, user "
            "experience, targeted push or new products; whether refusing blocks use needs the UI.",
            evidence=[policy_quote(ev, s.start, s.end, "policy_sentence") for s in found[:3]],
            needs=missing(["U"]),
        )
    return None


BURST_WINDOW = 2.0  # seconds: requests this close together reach the user as one demand
EXIT_AFTER_DENIAL = 10.0  # seconds: the app stops this soon after a denial → unusable if refused


def _runtime_burst(ev: EvidenceSet):
    tl = ev.timeline
    if tl is None or not any(e.kind == "permission_request" for e in tl.events):
        return None
    from privaudit.rules.c3_consent import _user_initiated

    perms = catalog.permissions()
    requests = [e for e in tl.events if e.kind == "permission_request"]
    bursts = []
    i = 0
    while i < len(requests):
        group = [requests[i]]
        while i + 1 < len(requests) and requests[i + 1].t - group[0].t <= BURST_WINDOW:
            i += 1
            group.append(requests[i])
        groups = {perms.get(p, {}).get("group") for e in group for p in e.permissions
                  if perms.get(p, {}).get("protection") == "dangerous"}
        if len(groups - {None}) >= 2 and not _user_initiated(tl, group[0].t):
            bursts.append((group, groups - {None}))
        i += 1
    if not bursts:
        return finding(
            "M191-4.6", Verdict.PASS,
            f"本次运行中 {len(requests)} 次权限申请均未一次性索取多个危险权限组。",
            f"None of the {len(requests)} permission request(s) in this run asked for several dangerous groups at once.",
            evidence=[event_evidence(ev, e) for e in requests[:5]],
        )
    group, names = bursts[0]
    t_end = group[-1].t
    denied = [e for e in tl.events if e.kind == "permission_result" and e.granted is False and e.t >= t_end]
    stopped = [e for e in tl.events if e.kind == "lifecycle" and e.state == "stop" and denied
               and 0 <= e.t - denied[0].t <= EXIT_AFTER_DENIAL]
    evidence = [event_evidence(ev, e) for g, _ in bursts for e in g][:20] + [event_evidence(ev, e) for e in stopped[:1]]
    if stopped:
        return finding(
            "M191-4.6", Verdict.VIOLATION,
            f"一次性申请 {len(names)} 个危险权限组（{'、'.join(sorted(names))}），拒绝后 App 随即退出，无法使用。",
            f"{len(names)} dangerous permission groups ({', '.join(sorted(names))}) requested at once, and the app "
            "exits when one is refused.",
            evidence=evidence,
        )
    return finding(
        "M191-4.6", Verdict.RISK,
        f"非用户触发地一次性申请 {len(names)} 个危险权限组（{'、'.join(sorted(names))}）；拒绝后是否仍可使用需界面验证。",
        f"{len(names)} dangerous permission groups ({', '.join(sorted(names))}) requested at once without the user "
        "invoking a feature; whether the app stays usable after refusal needs the UI.",
        evidence=evidence, needs=missing(["U"]),
    )


IMMUTABLE = {"imei", "imsi", "iccid", "android_id", "serial_number", "mac_address", "advertising_id", "phone_number"}
USER_ACTION_ONLY = {"contacts", "call_log", "sms", "installed_apps", "calendar", "photos"}
LOCATION = {"precise_location", "coarse_location"}
MAX_IDENTIFIER_READS_PER_MIN = 5  # identifiers never change: read once, cache; repeated reads are 超频
MAX_LOCATION_READS_PER_MIN = 2  # once per 30 s for nearby services (draft 测评规范 Annex D)
MAX_CONTINUOUS_LOCATION_PER_MIN = 60  # 1 read per second for navigation and tracking


def _per_minute(times: list[float]) -> int:
    """The largest number of events in any 60-second window."""
    best, j = 0, 0
    for i, t in enumerate(times):
        while t - times[j] > 60:
            j += 1
        best = max(best, i - j + 1)
    return best


@rule("M191-4.4")
def excessive_frequency(ev: EvidenceSet):
    """4.4 from the run: identifiers re-read more than a few times a minute, location more often than the
    scene needs, contacts/SMS/app-list reads with no user action, and any read in the background."""
    tl = ev.timeline
    if tl is None or not tl.reads():
        return None
    from privaudit.rules.c3_consent import _user_initiated

    names = catalog.pi_types()
    continuous = bool((ev.app_type or {}).get("continuous_location"))  # navigation, tracking, delivery…
    loc_limit = MAX_CONTINUOUS_LOCATION_PER_MIN if continuous else MAX_LOCATION_READS_PER_MIN
    by_type: dict[str, list] = {}
    for e in tl.reads():
        for t in e.pi_types:
            by_type.setdefault(t, []).append(e)
    evidence, lines_zh, lines_en = [], [], []
    for pi, events in sorted(by_type.items()):
        rate = _per_minute([e.t for e in events])
        limit = MAX_IDENTIFIER_READS_PER_MIN if pi in IMMUTABLE else loc_limit if pi in LOCATION else None
        if limit is not None and rate > limit:
            lines_zh.append(f"{names.get(pi, {}).get('zh', pi)} 每分钟最多读取 {rate} 次（参考上限 {limit}）")
            lines_en.append(f"{pi}: up to {rate} reads per minute (reference limit {limit})")
            evidence += [event_evidence(ev, e, reason="frequency", per_minute=rate) for e in events[:5]]
        if pi in USER_ACTION_ONLY:
            unprompted = [e for e in events if not _user_initiated(tl, e.t)]
            if unprompted:
                lines_zh.append(f"{names.get(pi, {}).get('zh', pi)} 在无用户操作时读取 {len(unprompted)} 次")
                lines_en.append(f"{pi}: {len(unprompted)} read(s) without a user action")
                evidence += [event_evidence(ev, e, reason="no_user_action") for e in unprompted[:5]]
    state = "foreground"
    background = []
    for e in tl.events:
        if e.kind == "lifecycle" and e.state in ("foreground", "background", "stop", "start"):
            state = e.state
        elif e.kind == "api_call" and e.pi_types and state in ("background", "stop"):
            background.append(e)
    if background:
        lines_zh.append(f"后台或退出后读取个人信息 {len(background)} 次")
        lines_en.append(f"{len(background)} read(s) in the background or after exit")
        evidence += [event_evidence(ev, e, reason="background") for e in background[:10]]
    if evidence:
        return finding("M191-4.4", Verdict.RISK, "；".join(lines_zh) + "。需确认业务功能是否确需如此频度。",
                       "; ".join(lines_en) + ". Confirm whether a function really needs this frequency.",
                       evidence=evidence, needs=missing(["M"]))
    return finding(
        "M191-4.4", Verdict.PASS,
        f"本次运行中 {len(tl.reads())} 次个人信息读取的频度、时机均未超出参考范围，且无后台读取。",
        f"The {len(tl.reads())} PI read(s) in this run stay within the reference frequencies, none in the background.",
        evidence=[event_evidence(ev, e) for e in tl.reads()[:5]],
    )


# -- UI evidence: 4.2 (the app exits or loops when the user refuses) ----------------------------------------


@rule("M191-4.2")
def refusal_blocks_service(ev: EvidenceSet):
    """4.2 from the UI: after 不同意 on the consent prompt or 拒绝 in a permission dialog, the app exits (the
    launcher or another package is next) or the same prompt comes straight back. Labs differ on an exit after
    不同意 (testability "Practical test protocol" 2), so this is a risk for review, never an automatic violation."""
    if not ev.ui:
        return None
    from privaudit.evidence.ui.detect import after_refusal

    refusals = [r for run in ev.ui for r in after_refusal(run)]
    if not refusals:
        return finding(
            "M191-4.2", Verdict.UNDETERMINED,
            "界面记录中没有点击“不同意/拒绝”的操作，无法检验拒绝后应用是否仍提供服务。",
            "The UI run has no tap on 不同意 / 拒绝: what the app does after a refusal was not observed.",
            needs=missing(["U"], "记录先点击“不同意”并拒绝各项权限的运行", "record a run that refuses first"))
    blocked = [r for r in refusals if r.outcome in ("exit", "loop")]
    if blocked:
        evidence = []
        for r in blocked[:4]:
            evidence.append(screen_evidence(r.screen, r.widget, kind=f"refused_{r.kind}", outcome=r.outcome))
            if r.next is not None:
                evidence.append(screen_evidence(r.next, summary=f"{r.outcome}: {r.next.activity or r.next.id}",
                                                kind="after_refusal"))
        exits = sum(1 for r in blocked if r.outcome == "exit")
        loops = len(blocked) - exits
        return finding(
            "M191-4.2", Verdict.RISK,
            f"用户拒绝后应用退出 {exits} 次、拒绝后同一弹窗立即重现 {loops} 次；拒绝即退出的判定各检测机构做法不一，"
            "需人工复核（是否先二次说明、是否提供浏览/访客模式、被拒的是否为必要信息）。",
            f"After a refusal the app exited {exits} time(s) and showed the same prompt again {loops} time(s); labs "
            "differ on exit-after-refusal, so a reviewer should check (second explanation? browse/guest mode? was "
            "the refused item necessary?).",
            evidence=evidence, needs=missing(["M"]))
    return finding(
        "M191-4.2", Verdict.PASS,
        f"界面记录中 {len(refusals)} 次拒绝后，应用既未退出也未反复弹窗，继续运行；基本功能是否可用需人工确认。",
        f"After {len(refusals)} refusal(s) in the UI run the app neither exited nor looped; it carried on (whether "
        "basic functions stay usable is for a reviewer).",
        evidence=[screen_evidence(r.screen, r.widget, kind=f"refused_{r.kind}", outcome=r.outcome)
                  for r in refusals[:4]])
