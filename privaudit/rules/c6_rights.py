"""Category 6 — correction, deletion, cancellation and complaints (未按法律规定提供删除或更正个人信息功能 /
未公布投诉、举报方式等信息)."""

from __future__ import annotations

from privaudit.evidence import EvidenceSet
from privaudit.model import Finding, Verdict
from privaudit.rules import finding, missing, policy_quote, rule, screen_evidence, statements

MAX_WORKING_DAYS = 15  # Method 6.3 / 6.5: promised time at most 15 working days


MAX_STEPS = 4  # T/TAF 068-2020: a rights entry at most 4 taps from the main screen


def _ui_paths(ev: EvidenceSet) -> list:
    if not ev.ui:
        return []
    from privaudit.evidence.ui.detect import account_paths

    return [account_paths(run) for run in ev.ui]


def _entry_evidence(e, kind: str):
    return screen_evidence(e.screen, e.widget, kind=kind, steps=e.steps)


@rule("M191-6.1")
def no_correct_delete_cancel(ev: EvidenceSet):
    """6.1: correcting, deleting PI and cancelling the account are all described (policy), and the app offers a
    cancellation entry (UI: 注销账号 / 删除账号 …, with its tap distance from the main screen). A UI run that did
    not reach such an entry proves nothing alone (coverage-limited)."""
    pol = _policy_rights(ev)
    paths = _ui_paths(ev)
    if not paths:
        return pol
    entries = [e for p in paths for e in p.cancel]
    if not entries:
        if pol is not None:
            return pol
        return finding(
            "M191-6.1", Verdict.UNDETERMINED,
            "界面遍历中未发现注销账号入口（未找到不等于没有）：请人工从“我的/设置/账号与安全”查找。",
            "No account-cancellation entry in the screens explored (not found is no proof of absence): a reviewer "
            "should look under 我的 / 设置 / 账号与安全.",
            needs=missing(["U", "M"]))
    shown = [_entry_evidence(e, "cancel_entry") for e in entries[:3]]
    steps = [e.steps for e in entries if e.steps is not None]
    if pol is not None and pol.verdict is Verdict.VIOLATION:
        pol.evidence += shown
        return pol
    if steps and min(steps) > MAX_STEPS:
        return finding(
            "M191-6.1", Verdict.RISK,
            f"应用提供了注销账号入口，但从主界面最少需要 {min(steps)} 步操作才能到达（超过 {MAX_STEPS} 步，入口隐蔽）。",
            f"The app has an account-cancellation entry, but it is {min(steps)} steps from the main screen "
            f"(more than {MAX_STEPS}: hard to find).",
            evidence=shown + (pol.evidence if pol is not None else []))
    where = f"（距主界面 {min(steps)} 步）" if steps else ""
    return finding(
        "M191-6.1", Verdict.PASS,
        f"应用界面提供了注销账号入口{where}；注销是否实际完成需人工验证。",
        "The app offers an account-cancellation entry" + (f" ({min(steps)} step(s) from the main screen)" if steps
                                                          else "") + "; whether cancellation completes needs checking.",
        evidence=shown + (pol.evidence if pol is not None else []))


def _policy_rights(ev: EvidenceSet):
    if "P" not in ev.supplied():
        return None
    kinds = {"rights_correct": ("更正", "correction"), "rights_delete": ("删除", "deletion"),
             "rights_cancel_account": ("注销账号", "account cancellation")}
    found = {k: statements(ev, k) for k in kinds}
    absent = [k for k, v in found.items() if not v]
    evidence = [policy_quote(ev, s.start, s.end, "policy_sentence", statement=k) for k, v in found.items() for s in v[:2]]
    if absent:
        return finding(
            "M191-6.1", Verdict.VIOLATION,
            "隐私政策未说明" + "、".join(kinds[k][0] for k in absent) + "的功能或方式。",
            "The policy does not describe " + ", ".join(kinds[k][1] for k in absent) + ".",
            evidence=evidence, needs=missing(["U"]),
        )
    return finding(
        "M191-6.1", Verdict.PASS,
        "隐私政策说明了更正、删除个人信息和注销账号的方式；界面入口是否有效需界面遍历验证。",
        "The policy describes correction, deletion and account cancellation; whether the in-app entries work "
        "needs the UI.",
        evidence=evidence,
    )


@rule("M191-6.2")
def unreasonable_conditions(ev: EvidenceSet):
    """6.2: conditions on cancellation or deletion that labs treat as unreasonable, stated by the policy or by
    the app's cancellation screen (手持身份证, 人脸识别, 绑定银行卡 …)."""
    pol = _policy_conditions(ev)
    conds = [c for p in _ui_paths(ev) for c in p.conditions]
    if not conds:
        return pol
    bad = [c for c in conds if c.unreasonable]
    shown = [screen_evidence(c.screen, c.widget, kind="cancel_condition", condition=c.condition, text_match=c.text,
                             unreasonable=c.unreasonable) for c in (bad or conds)[:5]]
    if bad:
        if pol is not None and pol.verdict is Verdict.VIOLATION:
            pol.evidence += shown
            return pol
        names = "、".join(dict.fromkeys(c.text for c in bad))
        return finding(
            "M191-6.2", Verdict.VIOLATION,
            f"应用的注销账号界面设置了不合理条件（{names}），要求多于注册和使用时收集的个人信息。",
            f"The app's account-cancellation screen sets unreasonable conditions ({names}), asking for more PI than "
            "registration and use collected.",
            evidence=shown + (pol.evidence[:3] if pol is not None else []))
    if pol is not None:
        pol.evidence += shown
        return pol
    return finding(
        "M191-6.2", Verdict.RISK,
        "应用的注销账号界面设置了条件（" + "、".join(dict.fromkeys(c.text for c in conds)) + "），需人工判断是否必要、合理。",
        "The app's account-cancellation screen sets conditions (" + ", ".join(dict.fromkeys(c.condition for c in conds))
        + "); a reviewer judges whether they are necessary.",
        evidence=shown, needs=missing(["M"]))


def _policy_conditions(ev: EvidenceSet):
    if "P" not in ev.supplied():
        return None
    conds = statements(ev, "cancellation_condition")
    bad = [s for s in conds if s.value.get("unreasonable")]
    if bad:
        return finding(
            "M191-6.2", Verdict.VIOLATION,
            "隐私政策为注销账号或删除个人信息设置了不合理条件（" + "、".join(
                str(c) for s in bad for c in s.value.get("conditions", [])) + "）。",
            "The policy sets unreasonable conditions on cancellation or deletion ("
            + ", ".join(str(c) for s in bad for c in s.value.get("conditions", [])) + ").",
            evidence=[policy_quote(ev, s.start, s.end, "policy_sentence", **s.value) for s in bad[:5]],
        )
    if conds:
        return finding(
            "M191-6.2", Verdict.RISK,
            "隐私政策对注销账号设置了条件，需人工判断是否必要、合理。",
            "The policy sets conditions on account cancellation; a reviewer judges whether they are necessary.",
            evidence=[policy_quote(ev, s.start, s.end, "policy_sentence", **s.value) for s in conds[:5]],
            needs=missing(["M", "U"]),
        )
    return None


def _promises(ev: EvidenceSet, applies: tuple[str, ...]) -> list:
    return [s for s in statements(ev, "handling_time") if s.value.get("applies_to", "unspecified") in applies]


def _too_long(s) -> bool:
    days, unit = s.value.get("days"), s.value.get("unit")
    if days is None:
        return False
    # Natural days: 15 working days span at least 19 calendar days (three weekends), so more than 21
    # natural days certainly exceeds 15 working days; between 15 and 21 depends on the calendar.
    return days > MAX_WORKING_DAYS if unit == "working_day" else days > 21


@rule("M191-6.3")
def late_handling(ev: EvidenceSet):
    """6.3: the request log (handled within the promise / 15 working days), combined with the policy's promise."""
    return _combine(_late_handling_policy(ev), _from_log(ev, "M191-6.3", ("correction", "deletion", "cancellation")))


def _late_handling_policy(ev: EvidenceSet):
    """6.3, policy part: a promised handling time longer than 15 working days is itself a violation.
    Whether requests are handled in time needs the request log."""
    if "P" not in ev.supplied():
        return None
    promises = _promises(ev, ("rights_request", "cancellation", "unspecified"))
    late = [s for s in promises if _too_long(s)]
    if late:
        return finding(
            "M191-6.3", Verdict.VIOLATION,
            f"隐私政策承诺的处理时限超过 {MAX_WORKING_DAYS} 个工作日。",
            f"The policy promises a handling time beyond {MAX_WORKING_DAYS} working days.",
            evidence=[policy_quote(ev, s.start, s.end, "policy_sentence", **s.value) for s in late[:3]],
        )
    if promises:
        return finding(
            "M191-6.3", Verdict.UNDETERMINED,
            f"隐私政策承诺的处理时限不超过 {MAX_WORKING_DAYS} 个工作日；是否按时完成需请求处理记录。",
            f"The promised handling time is within {MAX_WORKING_DAYS} working days; whether requests are handled "
            "in time needs the request log.",
            evidence=[policy_quote(ev, s.start, s.end, "policy_sentence", **s.value) for s in promises[:3]],
            needs=missing(["L"]),
        )
    return None


@rule("M191-6.5")
def no_complaint_channel(ev: EvidenceSet):
    """6.5: a published channel (policy) and complaints handled in time (request log); the worse verdict wins.
    In-app entries (客服 / 投诉 / 举报 / 联系我们 / 意见反馈, from the UI) complement the policy."""
    return _with_ui_complaints(ev, _combine(_complaint_policy(ev), _from_log(ev, "M191-6.5", ("complaint",))))


def _with_ui_complaints(ev: EvidenceSet, pol: Finding | None) -> Finding | None:
    entries = [e for p in _ui_paths(ev) for e in p.complaint]
    if not entries:
        return pol
    shown = [_entry_evidence(e, "complaint_entry") for e in entries[:3]]
    words = "、".join(dict.fromkeys(e.widget.label or "" for e in entries[:3]))
    if pol is None:
        return finding(
            "M191-6.5", Verdict.PASS,
            f"应用界面提供了投诉/反馈入口（{words}）；受理是否及时需请求处理记录。",
            "The app offers a complaint / feedback entry; whether complaints are handled in time needs the request "
            "log.", evidence=shown)
    no_channel = not (statements(ev, "complaint_channel") or statements(ev, "contact_email")
                      or statements(ev, "contact_phone") or statements(ev, "contact_form"))
    if pol.verdict is Verdict.VIOLATION and no_channel and not _promises(ev, ("complaint",)) and "L" not in ev.supplied():
        return finding(
            "M191-6.5", Verdict.RISK,
            f"隐私政策未公布投诉、举报渠道，但应用界面提供了入口（{words}）；需人工确认该入口可受理个人信息投诉。",
            "The policy publishes no complaint channel, but the app offers an entry; a reviewer should confirm it "
            "takes personal-information complaints.", evidence=shown)
    pol.evidence += shown
    return pol


def _complaint_policy(ev: EvidenceSet):
    """6.5, policy part: a published complaint/report channel, and a promised time within 15 working days."""
    if "P" not in ev.supplied():
        return None
    channels = statements(ev, "complaint_channel")
    contacts = statements(ev, "contact_email") + statements(ev, "contact_phone") + statements(ev, "contact_form")
    late = [s for s in _promises(ev, ("complaint",)) if _too_long(s)]
    if late:
        return finding(
            "M191-6.5", Verdict.VIOLATION,
            f"隐私政策承诺的投诉举报处理时限超过 {MAX_WORKING_DAYS} 个工作日。",
            f"The promised time for handling complaints exceeds {MAX_WORKING_DAYS} working days.",
            evidence=[policy_quote(ev, s.start, s.end, "policy_sentence", **s.value) for s in late[:3]],
        )
    if not channels and not contacts:
        return finding(
            "M191-6.5", Verdict.VIOLATION,
            "隐私政策未公布个人信息安全投诉、举报渠道（邮箱、电话、地址或在线表单）。",
            "The policy publishes no channel for personal-information complaints or reports (e-mail, phone, "
            "address or online form).",
            needs=missing(["U"]),
        )
    evidence = [policy_quote(ev, s.start, s.end, "policy_sentence", **s.value) for s in (channels + contacts)[:5]]
    if not channels:
        return finding(
            "M191-6.5", Verdict.RISK,
            "隐私政策给出了联系方式，但未明确其可用于个人信息安全投诉、举报。",
            "The policy gives contact details but does not say they take personal-information complaints.",
            evidence=evidence,
        )
    return finding(
        "M191-6.5", Verdict.PASS,
        "隐私政策公布了投诉、举报渠道；受理是否及时需请求处理记录。",
        "The policy publishes a complaint/report channel; whether complaints are handled in time needs the "
        "request log.",
        evidence=evidence,
    )


_RANK = {Verdict.VIOLATION: 0, Verdict.RISK: 1, Verdict.UNDETERMINED: 2, Verdict.MANUAL: 3, Verdict.PASS: 4,
         Verdict.NOT_APPLICABLE: 5}


def _combine(policy: Finding | None, log: Finding | None) -> Finding | None:
    """The worse of the policy and request-log findings, carrying the other's evidence."""
    if policy is None or log is None:
        return policy or log
    # The policy's "undetermined: needs the request log" is answered by the log.
    policy_rank = _RANK[Verdict.PASS] if policy.verdict is Verdict.UNDETERMINED else _RANK[policy.verdict]
    worse, other = (log, policy) if _RANK[log.verdict] <= policy_rank else (policy, log)
    worse.evidence = worse.evidence + other.evidence
    if worse.verdict is Verdict.PASS and other.verdict is Verdict.PASS:  # both pass: say both, minus "needs the log"
        worse.summary_zh = other.summary_zh.split("；")[0] + "；" + worse.summary_zh
        worse.summary_en = other.summary_en.split(";")[0] + "; " + worse.summary_en
    worse.missing = [m for m in worse.missing if m.kind != "L"]
    return worse


def _from_log(ev: EvidenceSet, item: str, kinds: tuple[str, ...]) -> Finding | None:
    """Requests of ``kinds`` measured against the promise (at most 15 Chinese working days)."""
    from datetime import date

    from privaudit.evidence.requests import measure, outcome_evidence

    log = ev.requests
    if log is None:
        return None
    reqs = [r for r in log.requests if r.kind in kinds]
    if not reqs:
        return None
    outcomes = [measure(r, log.as_of or date.today()) for r in reqs]
    bad = [o for o in outcomes if o.violation]
    unknown = [o for o in outcomes if o.status in ("open_pending", "calendar_unknown")]
    ordered = bad + unknown + [o for o in outcomes if o not in bad and o not in unknown]
    evidence = [outcome_evidence(log, o) for o in ordered[:10]]
    what_zh = "投诉举报" if kinds == ("complaint",) else "更正、删除、注销请求"
    what_en = "complaints" if kinds == ("complaint",) else "correction/deletion/cancellation requests"
    if bad:
        return finding(
            item, Verdict.VIOLATION,
            f"请求处理记录显示 {len(bad)}/{len(outcomes)} 项{what_zh}未在承诺时限内（最长 {MAX_WORKING_DAYS} 个工作日，按国务院节假日安排计算）完成处理：" + "、".join(o.request.id for o in bad[:10]) + "。",
            f"The request log shows {len(bad)} of {len(outcomes)} {what_en} not handled within the promised time "
            f"(at most {MAX_WORKING_DAYS} Chinese working days): " + ", ".join(o.request.id for o in bad[:10]) + ".",
            evidence=evidence,
        )
    if unknown:
        cal = [o for o in unknown if o.status == "calendar_unknown"]
        return finding(
            item, Verdict.UNDETERMINED,
            f"{len(unknown)} 项{what_zh}尚未到期或超出节假日日历已知年份（" + "、".join(o.request.id for o in unknown[:10]) + "），其余均按时处理。"
            + ("节假日日历缺少相应年份的数据，无法计算工作日。" if cal else ""),
            f"{len(unknown)} {what_en} are still open and not yet due, or fall outside the holiday calendar's known "
            "years (" + ", ".join(o.request.id for o in unknown[:10]) + "); the others were handled in time.",
            evidence=evidence, needs=missing(["L"], "待请求完成后更新记录", "update the log once the requests are done"),
        )
    return finding(
        item, Verdict.PASS,
        f"请求处理记录中的 {len(outcomes)} 项{what_zh}均在承诺时限内（最长 {MAX_WORKING_DAYS} 个工作日）完成处理。",
        f"All {len(outcomes)} {what_en} in the request log were handled within the promised time (at most "
        f"{MAX_WORKING_DAYS} working days).",
        evidence=evidence,
    )
