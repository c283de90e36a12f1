"""Category 4 — beyond necessity (违反必要原则，收集与其提供的服务无关的个人信息)."""

from __future__ import annotations

from privaudit import catalog
from privaudit.evidence import EvidenceSet
from privaudit.model import Evidence, Verdict
from privaudit.rules import as_evidence, finding, missing, packed_note, rule

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
    """4.6: targetSdkVersion below 23 grants every dangerous permission at install, all at once."""
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
