"""Category 6 — correction, deletion, cancellation and complaints (未按法律规定提供删除或更正个人信息功能 /
未公布投诉、举报方式等信息)."""

from __future__ import annotations

from privaudit.evidence import EvidenceSet
from privaudit.model import Verdict
from privaudit.rules import finding, missing, policy_quote, rule, statements

MAX_WORKING_DAYS = 15  # Method 6.3 / 6.5: promised time at most 15 working days


@rule("M191-6.1")
def no_correct_delete_cancel(ev: EvidenceSet):
    """6.1, policy part: correcting, deleting PI and cancelling the account are all described."""
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
    """6.2, policy part: conditions on cancellation or deletion that labs treat as unreasonable."""
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
