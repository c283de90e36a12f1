"""Words shared by the human-readable formats, in Chinese and English."""

from __future__ import annotations

from privaudit import catalog
from privaudit.model import Finding, Report

VERDICT = {
    "zh": {"violation": "违规", "risk": "风险", "pass": "通过", "undetermined": "待定",
           "not_applicable": "不适用", "manual": "需人工"},
    "en": {"violation": "violation", "risk": "risk", "pass": "pass", "undetermined": "undetermined",
           "not_applicable": "not applicable", "manual": "manual"},
}
WORDS = {
    "zh": {"title": "App 个人信息收集使用合规检测报告", "package": "包名", "version": "版本", "sha256": "SHA-256",
           "cert": "签名证书", "target": "targetSdk", "app_type": "应用类型", "summary": "结论汇总",
           "item": "检测项", "verdict": "结论", "why": "说明", "evidence": "证据", "missing": "缺少的证据",
           "fix": "整改建议", "sdks": "第三方 SDK", "apis": "个人信息读取调用", "perms": "权限", "none": "无",
           "packed": "加固", "inputs": "输入", "decided_by": "判定方"},
    "en": {"title": "Method 191 personal-information compliance report", "package": "Package", "version": "Version",
           "sha256": "SHA-256", "cert": "Signing certificate", "target": "targetSdk", "app_type": "App type",
           "summary": "Summary", "item": "Item", "verdict": "Verdict", "why": "Why", "evidence": "Evidence",
           "missing": "Missing evidence", "fix": "Remediation", "sdks": "Third-party SDKs",
           "apis": "PI-reading calls", "perms": "Permissions", "none": "none", "packed": "Packer",
           "inputs": "Inputs", "decided_by": "Decided by"},
}


def app_type_name(type_id: str, lang: str) -> str:
    """``地图导航类 (map_navigation)`` in Chinese, ``Map and navigation (map_navigation)`` in English."""
    from privaudit import catalog

    for t in catalog.app_types():
        if t["id"] == type_id:
            return f"{t['zh'] if lang == 'zh' else t['en']} ({type_id})"
    return type_id


def title(item_id: str, lang: str) -> str:
    item = catalog.item(item_id)
    return item.get(f"title_{lang}") or item[lang]


def summary(f: Finding, lang: str) -> str:
    return f.summary_zh if lang == "zh" else f.summary_en


def fix(f: Finding, lang: str) -> str:
    return f.remediation_zh if lang == "zh" else f.remediation_en


def needs(f: Finding, lang: str) -> list[str]:
    return [m.reason_zh if lang == "zh" else m.reason_en for m in f.missing]


def counts_line(report: Report, lang: str) -> str:
    c = report.counts()
    return "  ".join(f"{VERDICT[lang][k]} {v}" for k, v in c.items() if v)
