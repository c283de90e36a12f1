"""Category 1 — rules for collection and use not made public (未公开收集使用规则)."""

from __future__ import annotations

from privaudit.evidence import EvidenceSet
from privaudit.model import Verdict
from privaudit.rules import as_evidence, finding, missing, packed_note, policy_quote, rule, screen_evidence


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
    """1.4: a Simplified Chinese version must be provided (from the policy text; violation when absent), and the
    policy must not be too small, too dense or too faint (from the screen showing it).

    The visual part uses proxies with no official threshold (related.md §13): body text under ``MIN_SP`` sp or
    under ``SMALLER_THAN_APP`` × the app's median body text, or contrast under ``MIN_CONTRAST``:1 → risk, never
    violation. Pass needs both the language and the visual checks measured and fine.
    """
    has_p = "P" in ev.supplied()
    if not has_p and not ev.ui:
        return None
    visual = _visual_14(ev.ui or [])
    evidence = list(visual["evidence"])
    if has_p:
        doc = ev.policy.document
        if not doc.simplified_chinese:
            what_zh = "仅有繁体中文" if doc.traditional_only else "没有中文内容"
            what_en = "Traditional Chinese only" if doc.traditional_only else "no Chinese text"
            return finding(
                "M191-1.4", Verdict.VIOLATION,
                f"隐私政策未提供简体中文版（{what_zh}）。",
                f"The privacy policy has no Simplified Chinese version ({what_en}).",
                evidence=[policy_quote(ev, 0, min(len(doc.text), 120), "policy_text",
                                       f"language: {doc.language}")] + evidence,
            )
        evidence.insert(0, policy_quote(ev, 0, min(len(doc.text), 80), "policy_text", "Simplified Chinese present"))
    if visual["problems"]:
        zh = "；".join(p[0] for p in visual["problems"])
        en = "; ".join(p[1] for p in visual["problems"])
        return finding(
            "M191-1.4", Verdict.RISK,
            f"隐私政策页面可能难以阅读：{zh}（阈值为自动化代理指标，无官方数值标准，需人工确认）。",
            f"The privacy-policy screen may be hard to read: {en} (proxy thresholds, no official number; a reviewer "
            "confirms).",
            evidence=evidence, needs=missing(["U"], "人工查看隐私政策页面截图", "look at the policy screenshot"))
    if has_p and visual["fine"]:
        return finding(
            "M191-1.4", Verdict.PASS,
            f"隐私政策提供了简体中文版；政策页面文字大小与对比度在代理阈值之内（{visual['fine']}）。",
            f"The policy is available in Simplified Chinese, and the policy screen's text size and contrast are "
            f"within the proxy thresholds ({visual['fine']}).",
            evidence=evidence)
    lack_zh, lack_en = visual["missing"]
    if has_p:
        return finding(
            "M191-1.4", Verdict.UNDETERMINED,
            f"隐私政策提供了简体中文版；文字大小、密度、颜色对比度需结合隐私政策页面截图判断（{lack_zh}）。",
            "The policy is available in Simplified Chinese; text size, density and contrast need a screenshot of the "
            f"policy page ({lack_en}).",
            evidence=evidence, needs=missing(["U"], "隐私政策页面的截图", "a screenshot of the policy page"))
    if visual["fine"]:
        return finding(
            "M191-1.4", Verdict.UNDETERMINED,
            f"隐私政策页面文字大小与对比度在代理阈值之内（{visual['fine']}）；是否提供简体中文版需隐私政策文本。",
            f"The policy screen's text size and contrast are within the proxy thresholds ({visual['fine']}); "
            "whether a Simplified Chinese version exists needs the policy text.",
            evidence=evidence, needs=missing(["P"]))
    return finding(
        "M191-1.4", Verdict.UNDETERMINED,
        f"无法判断隐私政策是否易读：{lack_zh}；语言部分需隐私政策文本。",
        f"Readability of the privacy policy not assessed: {lack_en}; the language part needs the policy text.",
        evidence=evidence, needs=missing(["P", "U"]))


MIN_SP = 12.0
SMALLER_THAN_APP = 0.8  # "much smaller" than the app's median body text
MIN_CONTRAST = 4.5


def _visual_14(runs: list) -> dict:
    """Visual part of 1.4 over all UI runs: problems (zh, en), a summary when measured and fine, what is
    missing otherwise (zh, en), and the measurements as evidence."""
    from privaudit.evidence.ui.detect import policy_screen_readability

    problems: list[tuple[str, str]] = []
    evidence = []
    fine: list[str] = []
    notes: list[str] = []
    for run in runs:
        for m in policy_screen_readability(run):
            scr, rows = m["screen"], m["widgets"]
            notes += m["notes"]
            sps = sorted(r["sp"] for r in rows if r.get("sp"))
            ratios = sorted(r["contrast"] for r in rows if "contrast" in r)
            sp = sps[len(sps) // 2] if sps else None
            ratio = ratios[len(ratios) // 2] if ratios else None
            app = m["app_median_sp"]
            bad: list[tuple[str, str]] = []
            if sp is not None and sp < MIN_SP:
                bad.append((f"正文字号约 {sp} sp，小于 {MIN_SP:g} sp", f"body text ≈ {sp} sp, under {MIN_SP:g} sp"))
            if sp is not None and app and sp < SMALLER_THAN_APP * app:
                bad.append((f"正文字号约 {sp} sp，明显小于应用其他界面正文（中位数 {app} sp）",
                            f"body text ≈ {sp} sp, well under the app's median body text ({app} sp)"))
            if ratio is not None and ratio < MIN_CONTRAST:
                bad.append((f"文字与背景对比度约 {ratio}:1，低于 {MIN_CONTRAST}:1",
                            f"text/background contrast ≈ {ratio}:1, under {MIN_CONTRAST}:1"))
            problems += bad
            worst = sorted(rows, key=lambda r: (r.get("contrast", 99), r.get("sp") or 99))[:3]
            for r in worst:
                evidence.append(screen_evidence(
                    scr, r["widget"], kind="policy_readability", sp=r.get("sp"), size_px=r.get("size_px"),
                    height_px=r["height_px"], contrast=r.get("contrast"), app_median_sp=app,
                    chars_per_1000dp2=r.get("chars_per_1000dp2"), screenshot=m["screenshot"],
                    density=round(m["density"], 3) if m["density"] else None, density_note=m["density_note"]))
            if not bad and sp is not None and ratio is not None:
                fine.append(f"{scr.id[:12]}: ≈ {sp} sp, {ratio}:1")
            elif not bad and not rows:
                notes.append(f"no body-text widget with bounds on policy screen {scr.id[:12]}")
    if not runs:
        lack = ("未提供界面遍历记录", "no UI run given")
    elif not evidence and not notes:
        lack = ("界面遍历未到达隐私政策正文页面", "the UI run did not reach the policy text")
    else:
        lack = ("隐私政策页面未能完整测量：" + "；".join(dict.fromkeys(notes)),
                "the policy screen was not fully measured: " + "; ".join(dict.fromkeys(notes)))
    return {"problems": problems, "fine": "; ".join(fine) if not problems and fine and not notes else "",
            "missing": lack, "evidence": evidence}


# -- UI evidence: 1.2 (prompt on first launch) and 1.3 (policy reachable in ≤ 4 taps) ------------------------

_ORDER = {Verdict.VIOLATION: 0, Verdict.PASS: 1, Verdict.UNDETERMINED: 2}


def _worst(findings: list) -> object | None:
    """One finding from several UI runs: a violation in any run, else a pass, else undetermined."""
    return min(findings, key=lambda f: _ORDER.get(f.verdict, 3)) if findings else None


@rule("M191-1.2")
def no_prompt_on_first_launch(ev: EvidenceSet):
    """1.2, presence: on first launch a prompt naming the privacy policy (with agree / refuse controls) must come
    before any other app screen. Conspicuousness (colours, font size) stays with a reviewer."""
    if not ev.ui:
        return None
    return _worst([_prompt_finding(run) for run in ev.ui])


def _prompt_finding(run):
    from privaudit.evidence.ui.detect import first_launch_prompt, is_system, starts_at_launch

    prompt = first_launch_prompt(run)
    if prompt is not None:
        shown = [screen_evidence(prompt.screen, prompt.link, kind="prompt")]
        shown += [screen_evidence(prompt.screen, w, control=k) for w, k in prompt.controls[:4]]
        words = "、".join(f"“{w.label}”" for w, _ in prompt.controls[:4])
        if not prompt.before:
            blank = f"（此前仅有 {len(prompt.blank_before)} 个无文字的启动/加载画面）" if prompt.blank_before else ""
            blank_en = (f" (only {len(prompt.blank_before)} blank splash/loading screen(s) before it)"
                        if prompt.blank_before else "")
            return finding(
                "M191-1.2", Verdict.PASS,
                f"首次运行时，应用在其他界面之前以弹窗/页面提示隐私政策（{prompt.screen.activity or prompt.screen.id}，"
                f"控件 {words}）{blank}。提示是否醒目需人工确认。",
                f"On first launch the app shows a prompt naming the privacy policy before any other screen "
                f"({prompt.screen.activity or prompt.screen.id}; controls {words}){blank_en}. Whether it is "
                "conspicuous is for a reviewer.",
                evidence=shown)
        before = [screen_evidence(s, summary=f"shown before the prompt: {s.activity or s.id} — "
                                  f"{'、'.join(t[:20] for t in s.texts()[:3])}") for s in prompt.before[:3]]
        return finding(
            "M191-1.2", Verdict.VIOLATION,
            f"隐私政策提示出现之前，应用已展示 {len(prompt.before)} 个其他界面。",
            f"The app showed {len(prompt.before)} other screen(s) before the privacy-policy prompt.",
            evidence=before + shown)
    app_screens = [s for s in run.screens if not is_system(s) and (run.package is None or s.package == run.package)]
    if starts_at_launch(run) and app_screens:
        first = next((s for s in app_screens if s.texts()), app_screens[0])
        return finding(
            "M191-1.2", Verdict.VIOLATION,
            f"界面遍历从应用启动开始，在 {len(run.screens)} 个界面中未出现提示隐私政策的弹窗或页面"
            "（假定遍历始于全新安装后的首次运行）。",
            f"The run starts at the app's launch and none of its {len(run.screens)} screens shows a prompt naming "
            "the privacy policy (assuming the run began with a fresh install).",
            evidence=[screen_evidence(first, summary=f"first app screen: {first.activity or first.id}")])
    return finding(
        "M191-1.2", Verdict.UNDETERMINED,
        "界面遍历未覆盖首次启动，且未发现隐私政策提示：请提供全新安装后首次运行的界面记录。",
        "The UI run does not cover the first launch and shows no privacy-policy prompt: record a run from a "
        "fresh install.",
        needs=missing(["U"], "全新安装后首次运行", "first launch after a fresh install"))


@rule("M191-1.3")
def policy_hard_to_reach(ev: EvidenceSet):
    """1.3: from the main screen the policy text must be reachable in at most 4 taps (SA 1.3 a)."""
    if not ev.ui:
        return None
    return _worst([_reach_finding(run) for run in ev.ui])


def _reach_finding(run):
    from privaudit.evidence.ui.detect import taps_to_policy

    pp = taps_to_policy(run)
    if pp.start is None:
        return finding(
            "M191-1.3", Verdict.UNDETERMINED,
            "界面遍历中未找到应用主界面，无法计算到达隐私政策的步数。",
            "No main app screen in the UI run: the distance to the privacy policy cannot be computed.",
            needs=missing(["U"]))
    start = screen_evidence(pp.start, summary=f"main screen: {pp.start.activity or pp.start.id}")
    if pp.steps is None:
        return finding(
            "M191-1.3", Verdict.UNDETERMINED,
            f"从主界面出发，遍历记录中在 {pp.explored_screens} 个界面、{pp.explored_transitions} 次跳转内未到达"
            "隐私政策正文（未到达不等于无法到达）。",
            f"Privacy policy text not reached in {pp.explored_screens} screens / {pp.explored_transitions} "
            "transitions explored from the main screen (not reached is no proof that it is unreachable).",
            evidence=[start], needs=missing(["U"], "从主界面手动导航至隐私政策并记录",
                                            "navigate from the main screen to the policy and record it"))
    taps = [f"{t.action} “{(t.widget.label or t.widget.rid or t.widget.cls)[:30]}”" if t.widget else t.action
            for t in pp.path if t.action != "auto"]
    target = screen_evidence(pp.target, pp.heading, kind="policy_text", steps=pp.steps, path=taps)
    verdict = Verdict.PASS if pp.steps <= 4 else Verdict.VIOLATION
    return finding(
        "M191-1.3", verdict,
        f"从主界面到隐私政策正文最少需要 {pp.steps} 步操作（{'不超过' if verdict is Verdict.PASS else '超过'} 4 步）。",
        f"The privacy policy text is {pp.steps} step(s) from the main screen "
        f"({'at most' if verdict is Verdict.PASS else 'more than'} 4).",
        evidence=[start, target])
