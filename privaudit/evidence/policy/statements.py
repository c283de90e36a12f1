"""Item-oriented statements in a privacy policy, one sentence at a time.

``find_statements(text, sentences)`` returns ``Statement`` records for what the Method's
policy-side checks quote: who runs the app and how to reach them (1.1, 6.5), promised handling
times (6.3, 6.5), how changes are notified (2.2), how to withdraw consent (3.8), personalisation
and its switch (3.6), rights and account cancellation with their conditions (6.1, 6.2),
consent forced for generic reasons (4.5), sharing claims (5.x), minors, retention, cross-border
transfer, open-ended PI lists (2.1) and the policy date.

Precision comes before recall: each statement is evidence a finding will quote, so a kind is
only reported when the sentence carries both the topic and the concrete detail (a complaint
*and* a channel, a time *and* a handling verb, a change *and* a notification means). Patterns
are Chinese first, then English; all are compiled once at import. Offsets index ``text``
directly; matching runs on a same-length copy with full-width digits, letters and ＠．－ folded
to half-width. Measured precision and coverage: ``docs/accuracy-statements.md``.

``value`` by kind (no key is named ``kind``, ``start``, ``end`` or ``summary``):

- operator_identity ``{name}`` · contact_email ``{email, obfuscated?}`` · contact_phone ``{phone,
  digits, type: hotline_400|toll_free_800|landline|mobile|intl|short}`` · contact_address
  ``{address, postcode?}`` · contact_form ``{channels: [words]}``
- complaint_channel ``{channels: [email|phone|form|address|contact_section], email?, phone?, form?,
  address?, referenced?}`` (``referenced``: points at the policy's contact section)
- handling_time ``{days, unit: working_day|natural_day, applies_to: rights_request|complaint|
  cancellation|unspecified, surface, over_limit: bool|None, hours?, months?}``
- change_notification ``{channels: [popup|push|in_app_message|announcement|email|sms|red_dot|
  prominent_notice|website], active}`` (``active``: the user is reminded, not just a page updated)
- withdraw_consent ``{methods: [system_settings|in_app_settings|switch_off|contact|cancel_account|
  path], path?}``
- personalisation_opt_out ``{what: [recommendation|ads|push], path?}`` · personalisation_declared
  ``{what, switch_offered}``
- rights_correct / rights_delete / rights_cancel_account ``{ways: [settings|contact|self_service],
  path?}``
- cancellation_condition ``{conditions: [{condition, text, unreasonable, review?}], unreasonable,
  from_list?}``
- forced_consent_reason ``{reasons: [improve_service_quality|improve_user_experience|targeted_push|
  new_products|security], mandatory}``
- minors ``{age, guardian_consent}`` · retention_period ``{days, basis: [fixed|minimum_necessary|
  legal]}`` · cross_border ``{abroad, conditional_transfer, domestic_storage}``
- no_sharing_claim ``{actions, without_consent_only, exceptions, unconditional}`` · sharing_consent
  ``{consent, separate_consent, explicit_consent, anonymised, de_identified}``
- open_list ``{markers, pi_types}`` · policy_effective_date ``{date: YYYY-MM-DD, type:
  effective|updated|published}``
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

KINDS = (
    "operator_identity", "contact_email", "contact_phone", "contact_address", "contact_form",
    "complaint_channel", "handling_time", "change_notification", "withdraw_consent",
    "personalisation_opt_out", "personalisation_declared", "rights_correct", "rights_delete",
    "rights_cancel_account", "cancellation_condition", "forced_consent_reason", "minors",
    "retention_period", "cross_border", "no_sharing_claim", "sharing_consent", "open_list",
    "policy_effective_date",
)

# Method 191 6.3/6.5: a promised period may not exceed 15 working days.
LIMIT_WORKING_DAYS = 15


@dataclass(slots=True, eq=False)
class Statement:
    kind: str  # one of KINDS
    start: int  # the sentence (char offsets into text)
    end: int
    value: dict = field(default_factory=dict)  # structured detail; see each detector


# --------------------------------------------------------------------------- text helpers

# Full-width digits, letters and the symbols of e-mail addresses and phone numbers (＠ ． － ＋ ＿ ＃)
# to half-width, the ideographic space to a space: one char each, so offsets into the folded copy are
# offsets into the original. Chinese punctuation (，；：（）！？) is kept: patterns name it explicitly.
_FOLD = {c: c - 0xFEE0 for c in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B),
                                 0xFF20, 0xFF0E, 0xFF0D, 0xFF0B, 0xFF3F, 0xFF03]}
_FOLD[0x3000] = 0x20


def fold(s: str) -> str:
    """Same-length copy of ``s`` with full-width ASCII folded to half-width."""
    return s.translate(_FOLD)


_SENT_END = re.compile(r"[。！？!?]+[”’」』）)\]]*|\n+|(?<=[a-z0-9)\]\"'”])\.(?=\s+[A-Z\"“(])|;\s*\n")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans: split at 。！？!? (with closing quotes), line breaks and English full stops.

    Semicolons do not split: enumerations of conditions stay in one sentence.
    """
    spans: list[tuple[int, int]] = []
    pos = 0
    for m in _SENT_END.finditer(text):
        _add_span(text, pos, m.end(), spans)
        pos = m.end()
    _add_span(text, pos, len(text), spans)
    return spans


def _add_span(text: str, s: int, e: int, spans: list[tuple[int, int]]) -> None:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    if e > s:
        spans.append((s, e))


_CN_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}
_EN_NUM = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "forty-five": 45,
    "sixty": 60, "ninety": 90,
}


def parse_number(s: str) -> int | None:
    """'15', '十五', '二十', '一百八十', 'fifteen' -> int; None if not a number."""
    s = s.strip()
    if not s:
        return None
    if s.isdigit():
        return int(s)
    if s.lower() in _EN_NUM:
        return _EN_NUM[s.lower()]
    total, cur = 0, 0
    for ch in s:
        if ch in _CN_DIGIT:
            cur = _CN_DIGIT[ch]
        elif ch in _CN_UNIT:
            total += (cur or 1) * _CN_UNIT[ch]
            cur = 0
        else:
            return None
    return total + cur


# --------------------------------------------------------------------------- PI term matcher

@cache
def _pi_matcher() -> tuple[re.Pattern[str], dict[str, str]]:
    """One trie-shaped alternation over every PI synonym and surface -> type id.

    ASCII-only synonyms (IMEI, MAC address…) must stand alone as words; Chinese ones match anywhere.
    """
    from privaudit import catalog

    types = catalog.pi_types().values()
    surface: dict[str, str] = {}
    for t in types:
        for w in [t["zh"], *t.get("synonyms_zh", []), *t.get("synonyms_en", [])]:
            w = w.strip()
            # Bare 2-char words like "电话", "MAC" are too ambiguous on their own.
            if len(w) < 2 or w.lower() in _PI_STOP:
                continue
            surface.setdefault(w.lower(), t["id"])
    ascii_words = [w for w in surface if w.isascii()]
    other = [w for w in surface if not w.isascii()]
    parts = []
    if other:
        parts.append(trie_regex(other))
    if ascii_words:
        parts.append(r"(?<![a-z0-9])" + trie_regex(ascii_words) + r"(?![a-z0-9])")
    return re.compile("|".join(parts), re.I), surface


def trie_regex(words: list[str]) -> str:
    """A regex matching the longest of ``words`` at a position, shaped as a trie (fast in ``re``)."""
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        end = "" in node
        alts = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if end else body

    return "(?:" + build(trie) + ")"


_PI_STOP = {"电话", "mac", "位置", "信息", "照片", "相册", "账号", "帐号"}


def pi_terms(text: str) -> list[tuple[str, str, int, int]]:
    """(pi_type id, surface, start, end) for each PI synonym from catalog/pi_types.json in ``text``."""
    rx, surface = _pi_matcher()
    return [(surface[m.group(0).lower()], m.group(0), m.start(), m.end()) for m in rx.finditer(text)]


# --------------------------------------------------------------------------- patterns

_NUM = r"(?:\d{1,4}|[零〇一二两三四五六七八九十百]{1,5})"

# Chinese company names: a run of name characters ending in a company suffix.
_COMPANY = re.compile(
    r"(?P<name>[\u4e00-\u9fffA-Za-z0-9（）()·&]{2,40}?"
    r"(?:股份有限公司|有限责任公司|有限公司|集团公司|(?<!关联)(?<!合作)(?<!子)(?<!母)(?<!我们)(?<!本)(?<!该)公司|工作室))"
)
_COMPANY_EN = re.compile(
    r"(?P<name>(?:[A-Z][\w&'.-]*\s+){0,6}[A-Z][\w&'.-]*,?\s+"
    r"(?:Co\.,?\s*Ltd\.?|Company\s+Limited|Limited|Ltd\.?|Inc\.?|LLC|Corporation|Corp\.|GmbH|Pte\.?\s*Ltd\.?))"
)
_OPERATOR_CUE = re.compile(
    r"(?:以下简称|以下称|下称|简称|以下统称)[^。）)]{0,16}?(?:我们|我方|本公司|本平台)|运营(?:者|主体|方|商|单位)|"
    r"开发者(?:名称)?(?:为|是|：|:)|服务提供者(?:为|是|：|:)|个人信息处理者(?:为|是|：|:)|(?:运营者|开发者|我们的?)(?:公司|企业)?(?:全称|名称)\s*[：:]|"
    r"(?:本|该)(?:产品|应用|软件|App|APP|平台|服务|网站|客户端|政策|隐私政策)[^。]{0,24}?由[^。]{2,40}?(?:运营|开发|提供|负责)|"
    r"我们是|[“\"]我们[”\"](?:或[“\"][^”\"]{1,10}[”\"])?(?:是)?指|本公司是|"
    r"\boperated by\b|\(\s*[\"“](?:we|us|our)[\"”]|\bdata controller\b|\bwe are\b",
    re.I,
)
_STRONG_OPERATOR_CUE = re.compile(r"(?:以下简称|以下称|下称|简称|以下统称)[^。）)]{0,16}?(?:我们|我方|本公司|本平台)|运营(?:者|主体)|"
                                  r"\(\s*[\"“](?:we|us|our)[\"”]", re.I)
_THIRD_PARTY_CTX = re.compile(r"关联公司[:：]?\s*指|SDK|第三方|合作方|合作伙伴|API|接口|使用目的|收集(?:数据|信息)?类型|推送服务|统计|third[- ]part|partner", re.I)
_NAME_CUT_ALWAYS = re.compile(r".*(?:由|系|是指|即|：|:)")
_NAME_CUT = re.compile(r".*(?:是|为|与|和|及|向|被|的|指)")
_PROVINCE = re.compile(
    r"(?:北京|上海|天津|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南|四川|贵州|云南|陕西|甘肃|青海|"
    r"台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门|深圳|广州|杭州|成都|武汉|南京|厦门|苏州|西安|长沙|郑州|青岛|宁波|合肥|福州|济南|大连|沈阳|"
    r"无锡|东莞|佛山|珠海|昆明|南昌|贵阳|石家庄|太原|哈尔滨|长春|南宁|海口|兰州|乌鲁木齐|呼和浩特|拉萨|银川|西宁)"
)

_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_EMAIL_OBF = re.compile(
    r"(?<![A-Za-z0-9._-])(?P<user>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[at\]|\(at\)|（at）|\{at\}|#|\s+at\s+)\s*"
    r"(?P<dom>[A-Za-z0-9-]+(?:\s*(?:\.|\[dot\]|\(dot\))\s*[A-Za-z0-9-]+)+)", re.I,
)
_EMAIL_CUE = re.compile(r"邮箱|邮件|e-?mail|mail", re.I)

_PHONE = re.compile(
    r"(?<![0-9A-Za-z_.])(?:"
    r"(?P<hotline>[48]00[-\s]?\d{3}[-\s]?\d{4}|[48]00[-\s]?\d{4}[-\s]?\d{3})|"
    r"(?P<intl>\+\s?86[-\s]?(?:1[3-9]\d[-\s]?\d{4}[-\s]?\d{4}|0?\d{2,3}[-\s]?\d{7,8}))|"
    r"(?P<mobile>1[3-9]\d[-\s]?\d{4}[-\s]?\d{4})|"
    r"(?P<landline>[(（]?0\d{2,3}[)）]?[-\s]?\d{7,8})|"
    r"(?P<short>95\d{3,4}|96\d{3,4}|1010\d{4})"
    r")(?:\s*(?:转|-|ext\.?|x)\s*\d{1,6})?(?![0-9])",
    re.I,
)
_PHONE_CUE = re.compile(r"电话|热线|客服|致电|拨打|来电|联系方式|联系|手机号?[:：]|座机|tel\b|phone|call|hotline", re.I)
_PHONE_BAD = re.compile(r"(?:QQ|微信|wechat|备案|ICP|编号|证号|代码|传真|fax|邮编|邮政编码|群号?|账号|帐号|ID)\s*[:：号]?\s*$", re.I)

_ADDRESS = re.compile(
    r"(?P<cue>(?:注册|办公|联系|通讯|通信|邮寄|公司|经营|住所|营业|总部|寄送|收件)地址|(?:我们的|公司)?地址|寄(?:往|至|送至))"
    r"\s*(?:(?:为|是|位于)\s*[:：]?|[:：])\s*(?P<addr>[^。；;\n]{5,90})"
)
_ADDRESS_BAD_BEFORE = re.compile(r"(?:IP|MAC|邮箱|电子邮件|网页|网站|网络|收货|收件人|email|蓝牙|硬件|物理|Wi-?Fi|WLAN|设备|URL|链接)\s*$", re.I)
_ADDR_PARTS = re.compile(r"[省市区县路街道号楼室厦园镇乡村巷弄层座]")
_ADDR_STRONG = re.compile(r"[市区县路街号]")
_ADDRESS_EN = re.compile(
    r"(?:(?:registered|office|mailing|postal|our)\s+address(?:\s+is)?|write to us at|mail(?:ing)? to)\s*[:：]?\s*"
    r"(?P<addr>[^.;\n]*\d[^;\n]{4,120}?(?:Road|Street|St\.|Avenue|Ave\.|District|Building|Floor|Room|Suite|Tower|Plaza|"
    r"Park|Square|China|Singapore)[^;\n]{0,60}?)(?:\.\s|$|;)",
    re.I,
)

_FORM_TERMS = re.compile(
    r"在线客服|人工客服|智能客服|客服中心|联系客服|客服入口|客服页面|意见反馈|帮助与反馈|帮助和反馈|反馈与帮助|帮助与客服|用户反馈|问题反馈|"
    r"在线反馈|反馈入口|反馈页面|反馈功能|帮助中心|客服系统|投诉入口|投诉通道|举报入口|举报中心|留言板|在线留言|提交工单|工单|隐私反馈|"
    r"\bcontact form\b|\bweb form\b|\bonline form\b|\bfeedback (?:form|page|channel|function)\b|\bhelp cent(?:er|re)\b|"
    r"\bcustomer (?:service|support)\b|\bsupport page\b|\bin-app feedback\b|\blive chat\b",
    re.I,
)
_FORM_USE = re.compile(
    r"通过|在|进入|点击|使用|联系|向|路径|入口|页面|提交|发送|选择|找到|→|>|-|【|\bvia\b|\bthrough\b|\busing\b|"
    r"\bcontact\b|\bsubmit\b|\bvisit\b",
    re.I,
)

# The form must be offered as a way to reach the operator, not described as a feature that collects data.
_FORM_CONTACT = re.compile(
    r"与我们(?:取得)?联系|联系我们|取得联系|提出|咨询|投诉|举报|反馈(?:意见|问题)|要求|申请|撤回|注销|更正|删除|疑问|问题|"
    r"\bcontact us\b|\bget in touch\b|\breach us\b|\bsubmit\b|\brequest\b|\bquestions?\b|\bcomplain",
    re.I,
)
_FORM_COLLECT = re.compile(
    r"收集|需要您提供|可能需要(?:您|你)|获取(?:您|你)的|保存(?:您|你)的|披露|公布|公开|权限|SDK|^\s*当[^。]{0,40}时[,，]?\s*$|"
    r"\bwe (?:may |will )?collect\b|\bdisclos",
    re.I,
)
_COMPLAINT = re.compile(r"投诉|举报|申诉|\bcomplain(?:t|ts)?\b|\blodge\b|\bgrievance", re.I)
_EXTERNAL = re.compile(
    r"向(?:[^，。；,]{0,12})?(?:网信|监管|有关|相关|主管|个人信息保护|消费者协会|消协|工商|市场监督|公安|电信|通信管理|法院|人民法院|仲裁|政府)"
    r"[^，。；,]{0,20}(?:投诉|举报|起诉|申诉|反映)|(?:起诉|诉讼|仲裁)|supervisory authority|regulator|data protection authority",
    re.I,
)
_CONTENT_REPORT = re.compile(r"违规内容|违法内容|不良信息|侵权内容|违法信息|违规信息|作品|视频|评论|弹幕|直播|帖子|动态")
_PRIVACY_CUE = re.compile(r"个人信息|隐私|数据|本政策|本指引|personal (?:information|data)|privacy", re.I)
_REFERENCED = re.compile(
    r"(?:通过|按照|依据|根据|使用)(?:[^，。；]{0,30})(?:联系方式|联系我们|联系渠道)|(?:与我们|和我们)联系|联系我们|"
    r"\bcontact us\b|\bcontact details\b",
    re.I,
)
_CHANNEL_VERB = re.compile(r"通过|联系|发送|发邮件|拨打|致电|提交|渠道|方式|途径|[:：]|\bvia\b|\bthrough\b|\bcontact|\bemail|\bcall|\bwrite",
                           re.I)
_FOLLOWS = re.compile(r"(?:以下|如下|下列|下述)(?:[^，。；]{0,12})(?:方式|渠道|途径|联系)|[：:]\s*$|(?:the following|below)", re.I)

_HANDLING_ZH = re.compile(
    r"(?P<limit>不超过|不多于|不超出|最长不超过|最长|最多|至多|最迟)?\s*[【\[（(]?\s*(?P<num>" + _NUM + r")\s*[】\]）)]?"
    r"(?:\s*[（(]\s*\d{1,4}\s*[）)])?\s*(?:个)?\s*"
    r"(?P<unit>工作日|个工作日|自然日|日历日|工作天|天|日|小时|个月|月|周|星期)"
    r"\s*(?P<tail>内|之内|以内|为限|为期)?"
)
_HANDLING_EN = re.compile(
    r"(?P<limit>within|no (?:later|more) than|not exceeding|in)\s+(?:a\s+period\s+of\s+|the\s+)?"
    r"(?P<num>\d{1,3}|[a-z]+(?:-[a-z]+)?)\s*(?:\(\d{1,3}\)\s*)?"
    r"(?P<unit>business\s+days?|working\s+days?|calendar\s+days?|days?|hours?|months?|weeks?)",
    re.I,
)
_HANDLING_VERB_AFTER = re.compile(
    r"^.{0,24}?(?:回复|答复|反馈|处理|响应|核查|核实|受理|完成|办理|予以|审核|作出|做出|给予|给您|解决|删除|注销|更正|回应|告知|通知您|联系您|"
    r"\brespond|\breply|\bprocess|\bhandle|\bresolve|\bcomplete|\baddress|\bget back)",
    re.I | re.S,
)
_HANDLING_VERB_BEFORE = re.compile(
    r"(?:时限|期限|时间|回复|答复|处理|反馈|响应|核查|受理|办理|完成|审核|\brespond|\breply|\bprocess|\bhandle|\bresolve)"
    r"[^。；]{0,24}$",
    re.I,
)
_HANDLING_BAD = re.compile(
    r"生效|到账|冷静期|犹豫期|考虑期|保存|保留|存储|储存|留存|有效期|过期|失效|退款|发货|提现|未登录|未使用|不活跃|连续|试用|免费|"
    r"会员|自动续费|扣费|公示期|\btake effect|\bretain|\bstore|\bexpire|\brefund",
    re.I,
)
_INCIDENT = re.compile(r"安全事件|泄露事件|security incident|data breach|personal data breach", re.I)
_TARGETS = (
    ("cancellation", re.compile(r"注销|cancel(?:lation)? (?:of )?(?:your )?account|delete your account|account (?:deletion|closure)", re.I)),
    ("complaint", re.compile(r"投诉|举报|申诉|complain", re.I)),
    ("rights_request", re.compile(
        r"访问|查询|查阅|更正|修改|补充|删除|复制|撤回|转移|权利|请求|申请|要求|\baccess\b|\bcorrect|\bdelet|\brequest|\brights?\b",
        re.I)),
)

_POLICY_OBJ = r"(?:政策|指引|隐私声明|本声明|隐私协议|隐私条款|本协议|本条款|policy|privacy notice|privacy statement|this notice|this statement)"
_CHANGE_TOPIC = re.compile(
    _POLICY_OBJ + r"[^。]{0,25}?(?:变更|更新|修订|修改|调整|变化|change|update|revis|amend|modif)|"
    r"(?:变更|更新|修订|修改|调整|change|update|revis|amend|modif)[^。]{0,25}?" + _POLICY_OBJ,
    re.I,
)
_CHANGE_BAD = re.compile(r"新的权限|权限(?:[^。]{0,10})授权|游戏规则|安全事件|送达|法律文书|住所地", re.I)
_CHANGE_CHANNELS = (
    ("popup", re.compile(r"弹窗|弹框|弹出|弹屏|pop-?up|banner", re.I)),
    ("push", re.compile(r"推送|push notification", re.I)),
    ("in_app_message", re.compile(r"站内信|站内消息|系统消息|消息中心|私信|消息通知|in-app (?:message|notification|notice)", re.I)),
    ("announcement", re.compile(r"公告|公示|announcement", re.I)),
    ("email", re.compile(r"邮件|(?:向|至|到|通过)[^。，,]{0,8}邮箱|e-?mail", re.I)),
    ("sms", re.compile(r"短信|短消息|text message|\bSMS\b", re.I)),
    ("red_dot", re.compile(r"红点|red dot", re.I)),
    ("prominent_notice", re.compile(r"显著位置|显著方式|显著提示|显著标识|显眼|醒目|prominent", re.I)),
    ("website", re.compile(r"官网|官方网站|网站|本页面|该页面|页面上|\bpost(?:ing)?\b|\bthis page\b|\bwebsite\b", re.I)),
)
_CHANGE_ACTIVE = {"popup", "push", "in_app_message", "email", "sms", "red_dot"}

_WITHDRAW = re.compile(
    r"撤回|撤销|收回(?:您的|你的)?(?:同意|授权|许可)|取消(?:相关|相应|对应)?授权|改变(?:您|你)?(?:的)?(?:授权|同意)(?:的)?范围|"
    r"(?:关闭|取消)(?:相关|相应|对应|该|设备|系统|相机|位置|定位)?[^。，]{0,8}?(?:权限|授权)|停止授权|"
    r"\bwithdraw(?:al of)? (?:your |the )?consent|\bwithdraw\b|\brevoke (?:your |the )?(?:consent|permission|authori[sz]ation)",
    re.I,
)
_WITHDRAW_METHODS = (
    ("system_settings", re.compile(r"系统设置|设备(?:的)?设置|手机设置|操作系统|系统权限|system settings|device settings", re.I)),
    ("in_app_settings", re.compile(r"设置|隐私设置|权限管理|隐私管理|settings", re.I)),
    ("switch_off", re.compile(r"关闭|开关|turn off|switch off|toggle|disable", re.I)),
    ("contact", re.compile(r"联系我们|与我们联系|客服|发送邮件|联系方式|contact us|email us", re.I)),
    ("cancel_account", re.compile(
        r"通过注销|注销(?:您的|你的)?(?:账号|帐号|账户|帐户)?(?:的方式|来|以|方式)|by (?:deleting|closing|cancell?ing) your account", re.I)),
    ("path", re.compile(r"[】\]]\s*[-—>→/]\s*[【\[]|[^\s]\s*[>→]\s*[^\s]|路径|入口")),
)

_WITHDRAW_BAD = re.compile(r"不会响应|无法响应|无需(?:征得)?(?:您|你)的?(?:授权|同意)|不影响(?:此前|之前|撤回前)|will not affect", re.I)

_PERS = re.compile(
    r"个性化(?:的)?(?:推荐|推送|广告|展示|内容|信息|营销|服务)|定向推送|定向广告|程序化广告|精准(?:营销|推送|广告|推荐)|猜你喜欢|兴趣推荐|"
    r"personali[sz]ed (?:ads?|advertising|advertisements|recommendations?|content|experience|marketing)|targeted (?:ads?|advertising)|"
    r"interest-based (?:ads?|advertising)|behaviou?ral advertising",
    re.I,
)
_PERS_WHAT = (
    ("recommendation", re.compile(r"推荐|猜你喜欢|信息流|内容|recommend|content", re.I)),
    ("ads", re.compile(r"广告|营销|advertis|\bads?\b|marketing", re.I)),
    ("push", re.compile(r"推送|push", re.I)),
)
_PERS_SWITCH = re.compile(
    r"关闭|退出|取消|开关|不接收|拒绝(?:我们)?(?:向(?:您|你))?(?:推送|推荐|展示|接收)|停止(?:推送|推荐|展示)|设置中|设置页|[】\]]\s*[-—>→]|"
    r"\bopt[- ]out\b|\bturn (?:it )?off\b|\bswitch (?:it )?off\b|\bdisable\b|\bunsubscribe\b",
    re.I,
)
# "If you refuse X you cannot get personalised Y": a consequence, not a switch for personalisation.
_PERS_CONSEQUENCE = re.compile(r"(?:无法|不能|不会)(?:再)?(?:为(?:您|你))?(?:使用|享受|获得|提供|根据|基于|向)[^。，,]{0,16}$|\b(?:cannot|unable to)\b[^.]{0,20}$",
                               re.I)
_PERS_USE = re.compile(
    r"我们(?:会|将|可能|还会|也会|可能会)|为(?:您|你)(?:提供|推荐|展示|推送)|向(?:您|你)(?:推荐|展示|推送|提供|发送)|用于|基于|根据|"
    r"\bwe (?:may |will |also )?(?:use|show|provide|display|deliver|serve)\b|\bto (?:show|provide|deliver|serve)\b",
    re.I,
)
_PERS_NEG = re.compile(
    r"(?:不会|不|未|并未|不进行|不提供|不做|没有)(?:[^。，,]{0,10})?(?:个性化|定向|精准)|\bdo(?:es)? not (?:use|provide|show|serve)[^.]{0,40}"
    r"(?:personali|target)",
    re.I,
)

_YOU_CAN = re.compile(
    r"(?:您|你|用户)(?:[^。；]{0,6}?)(?:可以|可(?!否)|有权|能够|(?<![未不])能(?!力|否)|还可以|也可以|可随时|随时可以|可自行)|请求我们|要求我们|向我们(?:提出|申请)|"
    r"\byou (?:can|may|have the right|are entitled|could)\b|\bask us to\b|\brequest (?:that )?we\b",
    re.I,
)
_CORRECT = re.compile(r"更正|修改|补充|编辑|变更|更改|\bcorrect|\brectif|\bamend|\bupdate|\bedit\b", re.I)
_CORRECT_OBJ = re.compile(
    r"个人信息|个人资料|资料|账号信息|帐号信息|账户信息|昵称|头像|地址|简介|信息|\binformation\b|\bdata\b|\bprofile\b|\bdetails\b", re.I
)
_CORRECT_BAD = re.compile(r"(?:本|隐私)?(?:政策|协议|条款)(?:的)?(?:更正|修改|变更)|(?:更正|修改|变更)(?:本|隐私)(?:政策|协议)", re.I)
_DELETE = re.compile(r"删除|清除|\bdelet|\berase|\berasure", re.I)
_DELETE_OBJ = re.compile(
    r"个人信息|信息|资料|记录|内容|数据|历史|足迹|评论|动态|\binformation\b|\bdata\b|\bcontent\b|\bhistory\b", re.I
)
_CANCEL = re.compile(
    r"注销(?:您的|你的)?(?:[^。；]{0,6})?(?:账号|帐号|账户|帐户|用户|ID)|(?:账号|帐号|账户|帐户)(?:的)?注销|"
    r"\b(?:delete|close|cancel|deactivate|terminate)\s+(?:your\s+)?account\b|\baccount (?:deletion|closure|cancellation)\b",
    re.I,
)
_HOW = re.compile(
    r"设置|点击|进入|路径|入口|申请|提交|联系我们|与我们联系|客服|通过|页面|功能|操作|[】\]]\s*[-—>→/]|[^\s]\s*[>→]\s*[^\s]|"
    r"\bsettings\b|\bvia\b|\bthrough\b|\bby (?:going|visiting|contacting|clicking|tapping|emailing)\b|\btap\b|\bclick\b|\bcontact us\b",
    re.I,
)
_PATH = re.compile(r"(?:[【\[「“\"][^】\]」”\"\n]{1,16}[】\]」”\"]\s*[-—>→/]+\s*){1,8}[【\[「“\"][^】\]」”\"\n]{1,16}[】\]」”\"]|"
                   r"(?:[\u4e00-\u9fffA-Za-z]{1,10}\s*[>→]\s*){1,8}[\u4e00-\u9fffA-Za-z]{1,10}")

_CANCEL_TOPIC = re.compile(r"注销|\baccount (?:deletion|closure|cancellation)|\b(?:delete|close|cancel)\s+(?:your\s+)?account", re.I)
# The sentence must put a condition on cancellation, not describe its consequences.
_COND_FRAME = re.compile(
    r"注销[^。]{0,40}?(?:前|之前|时)[^。]{0,30}?(?:需|须|应|请|要|将(?:验证|核实|核验|确认)|必须)|"
    r"注销[^。]{0,20}?(?:需|须|应当|应|必须|需要)(?:您)?(?:满足|符合|具备|提供|上传|进行|完成|通过|确保|保证|先|不存在|没有|无|支付|缴纳|付费|卸载|绑定|验证|满)|"
    r"(?:满足|符合)[^。]{0,12}条件[^。]{0,20}?注销|(?:方可|才能|才可|才允许|才会)(?:为您)?(?:申请|办理|进行)?注销|"
    r"注销(?:账号|帐号|账户|帐户)?(?:的)?(?:条件|前提|要求)|(?:卸载|uninstall)[^。.]{0,10}(?:即|视为|等同|means|deemed)[^。.]{0,10}(?:注销|cancel|delet)|"
    r"(?:account|注销)[^.。]{0,50}(?:\bmust\b|\brequire|\bonly if\b|\bprovided that\b|\bconditions?\b)",
    re.I,
)
_COND_LEADIN = re.compile(r"(?:注销|account (?:deletion|closure|cancellation))[^。]{0,40}(?:条件|要求|前提|requirements|conditions)", re.I)
_CONDITIONS = (
    ("id_photo_in_hand", True, re.compile(r"手持(?:身份证|证件)|holding (?:your |an )?(?:ID|identity card)", re.I)),
    ("id_document", True, re.compile(
        r"身份证(?:照片|复印件|扫描件|正反面|原件)|上传(?:身份证|证件)|证件照片|(?:photo|copy|scan) of (?:your )?(?:ID|identity card|passport)",
        re.I)),
    ("id_number", False, re.compile(r"身份证(?:件)?号(?:码)?|证件号(?:码)?|ID number", re.I)),
    ("face_recognition", True, re.compile(r"人脸|刷脸|面部识别|面部验证|活体|face (?:recognition|verification|scan)", re.I)),
    ("uninstall", True, re.compile(r"卸载|uninstall", re.I)),
    ("fee", True, re.compile(r"手续费|收取[^。；]{0,6}费|付费|收费|(?:pay|charge)[^.;]{0,10}fee", re.I)),
    ("account_age", True, re.compile(r"注册(?:满|时间(?:超过|满|不少于))|使用满|账号(?:注册)?满\d|at least \d+ (?:days|months) old", re.I)),
    ("bank_card", True, re.compile(r"绑定银行卡|提供银行卡|银行卡(?:号|信息)|bank card", re.I)),
    ("no_pending_orders", False, re.compile(
        r"(?:无|没有|不存在|不得有|不能有|完成)(?:任何)?(?:未完成|进行中|未结束|待处理|未处理|尚未完成|未支付|未结算)?(?:的)?(?:订单|交易)|"
        r"(?:订单|交易)(?:均)?已(?:完成|结束)|outstanding (?:orders|transactions)|pending orders", re.I)),
    ("balance_settled", False, re.compile(
        r"余额|资产|虚拟(?:货币|财产|资产)|未结清|欠款|债务|未(?:使用|消耗)(?:完毕)?的?权益|积分|卡券|优惠券|balance|virtual (?:currency|assets)", re.I)),
    ("unbind_accounts", False, re.compile(r"解绑|解除(?:[^。；]{0,6})绑定|绑定关系|unbind|unlink", re.I)),
    ("security_state", False, re.compile(r"安全状态|未被盗|无被盗|被盗|异常状态|security state|compromised", re.I)),
    ("no_disputes", False, re.compile(r"纠纷|争议|诉讼|dispute", re.I)),
    ("identity_verification", False, re.compile(
        r"验证码|短信验证|身份验证|验证身份|验证(?:您|你)的(?:个人)?身份|核验身份|身份核验|身份核实|核实身份|verify your identity|verification code",
        re.I)),
    ("real_name", False, re.compile(r"(?:需|须|要求|完成|通过)(?:要)?(?:完成|通过|进行)?实名(?:认证|验证)|real-name verification", re.I)),
    ("no_violation", False, re.compile(
        r"(?:无|没有|不存在|未被|未因)(?:任何)?(?:[^。；，]{0,6})(?:违规|违法|封禁|处罚|冻结)|(?:处于|被)(?:冻结|封禁)状态|not (?:banned|suspended)",
        re.I)),
)
_REVIEW_CONDITIONS = {"id_number", "real_name"}
_ENUM_START = re.compile(r"^\s*(?:[（(]?\d{1,2}[)）.、]|[（(][一二三四五六七八九十]+[)）]|[①-⑩]|[a-z][).、]|[•·\-*])")

_FORCED_MANDATORY = re.compile(
    r"(?:必须|须|需|务必)(?:要)?(?:同意|授权|允许|接受)|(?:不同意|拒绝|不授权|不提供|不允许)[^。]{0,25}?(?:无法|不能|不得|将不能|将无法)"
    r"(?:继续)?(?:使用|注册|登录|安装|享受|访问|进入)|否则[^。]{0,12}?(?:无法|不能)(?:继续)?(?:使用|注册|登录)|"
    r"\byou must (?:agree|consent|accept)|\bif you do not (?:agree|consent)[^.]{0,60}(?:cannot|can't|will not be able to|unable to)",
    re.I,
)
_FORCED_REASONS = (
    ("improve_service_quality", re.compile(
        r"改善(?:我们的)?(?:服务|产品)(?:质量)?|改进(?:我们的)?(?:服务|产品)|提升(?:我们的)?服务(?:质量)?|提高服务质量|"
        r"improv(?:e|ing) (?:our |the )?(?:services?|products?)", re.I)),
    ("improve_user_experience", re.compile(
        r"(?:提升|提高|改善|优化|改进)(?:您的|用户的?|使用|产品|服务)?体验|更好的(?:服务|使用)?体验|"
        r"(?:improve|enhance|better) (?:your |the |user )?experience", re.I)),
    ("targeted_push", re.compile(r"定向推送|个性化(?:推荐|推送|广告)|精准(?:营销|推送)|targeted (?:ads?|advertising|push)|"
                                 r"personali[sz]ed (?:ads|recommendations)", re.I)),
    ("new_products", re.compile(r"(?:研发|开发)新(?:的)?(?:产品|功能|服务)|新产品(?:的)?(?:研发|开发)|develop(?:ing)? new (?:products|features|services)",
                                re.I)),
    ("security", re.compile(r"增强(?:安全|安全性)|提升安全(?:性)?|enhance security", re.I)),
)
_PURPOSE_BEFORE = re.compile(r"(?:为了|为|以便|用于|旨在|目的(?:是|为|在于)?|以|\bto\b|\bfor\b|\bin order to\b)\s*(?:[^，。,]{0,12})$", re.I)
_SPECIFIC_PURPOSE = re.compile(
    r"(?:实现|完成|使用|提供)[^。，]{1,12}功能|基本(?:业务)?功能|核心功能|(?:注册|登录|支付|下单|配送|实名|身份验证|定位|导航|订单)|"
    r"法律法规|\bin order to (?:register|log in|pay|deliver)|\bbasic function",
    re.I,
)

_MINORS = re.compile(
    r"未成年人?|儿童|不满(?P<a1>" + _NUM + r")周?岁|未满(?P<a2>" + _NUM + r")周?岁|(?P<a3>" + _NUM + r")周?岁以下|(?P<a4>" + _NUM + r")周岁|"
    r"\bminors?\b|\bchild(?:ren)?\b|\bunder (?:the age of )?(?P<a5>\d{1,2})\b|\bparental consent\b",
    re.I,
)
_GUARDIAN = re.compile(r"监护人|家长|父母|guardian|parent", re.I)
_CONSENT = re.compile(r"同意|授权|许可|consent|permission", re.I)

_RETAIN = re.compile(r"保存|保留|存储|储存|留存|retain|retention|store|keep", re.I)
_RETAIN_PERIOD = re.compile(
    r"(?P<legal>法律法规(?:另有)?(?:规定|要求|允许)(?:的)?(?:期限|时限|期间|时间)?|法定(?:期限|时限)|(?:as|where) required by (?:law|applicable law)|"
    r"legal(?:ly)? (?:required|retention) period)|"
    r"(?P<minimum>最短(?:期限|时间|期间)|(?:所)?(?:必需|必要)的(?:最短)?(?:期限|时间|期间)|必要期限|as long as (?:is )?necessary|"
    r"no longer than (?:is )?necessary|for the (?:minimum|shortest) period)|"
    r"(?P<fixed>(?:不少于|不低于|至少|为期|期限为|保存期为|for|at least)?\s*(?P<num>" + _NUM + r"|[a-z]+)\s*(?:个)?\s*"
    r"(?P<unit>年|个月|月|天|日|years?|months?|days?)(?![前后]))",
    re.I,
)
_RETAIN_BAD = re.compile(r"存储权限|存储空间|存储卡|storage permission|本地存储|缓存", re.I)

_XBORDER = re.compile(
    r"境外|(?:新加坡|美国|日本|韩国|欧盟|欧洲|德国|爱尔兰|英国|印度|香港|澳门|台湾)(?:的)?(?:服务器|数据中心|机房)|(?:位于)(?:新加坡|美国|日本|韩国|欧盟|欧洲|德国|爱尔兰|英国|印度|香港|澳门|台湾)|跨境|出境|境内|中国大陆以外|中华人民共和国以外|中国以外|outside (?:of )?(?:mainland )?china|outside the people's republic|"
    r"cross-border|within (?:the territory of )?(?:mainland )?(?:the people's republic of )?china",
    re.I,
)
_DOMESTIC = re.compile(
    r"(?:存储|存放|保存|储存|存储和处理|处理)(?:在|于)(?:[^。，]{0,6})?(?:中华人民共和国|中国|我国)(?:大陆)?(?:境内|大陆)|"
    r"境内(?:收集|产生)(?:[^。]{0,20})(?:存储|存放|保存)(?:在|于)(?:[^。]{0,10})境内|"
    r"(?:stored|store|processed|kept)[^.]{0,30}(?:in|within) (?:mainland )?(?:the people's republic of )?china",
    re.I,
)
_ABROAD = re.compile(
    r"(?:传输|转移|提供|存储|传送|发送|转送|调取|访问)(?:[^。，]{0,10})?(?:至|到|于|在|给)?(?:位于)?(?:[^。，]{0,6})?境外|跨境(?:传输|提供|转移)|出境|"
    r"向境外|境外(?:接收方|机构|主体|服务器|的服务器)|"
    r"(?:传输|转移|存储|存放|传送|发送)(?:至|到|于|在)(?:位于)?(?:新加坡|美国|日本|韩国|欧盟|欧洲|德国|爱尔兰|英国|印度|香港|澳门|台湾)|(?:transfer|transmit|store|process)[^.]{0,40}outside (?:of )?(?:mainland )?china|"
    r"cross-border transfer",
    re.I,
)
_NEG = re.compile(r"不会|不得|不|未|无|禁止|never|not|no\b", re.I)
_CONDITIONAL = re.compile(r"如需|如果|如|若|倘若|需要|可能|涉及|一旦|\bif\b|\bwhere\b|\bshould\b|\bmay\b", re.I)

_NO_SHARE = re.compile(
    r"(?:不会|绝不|决不|从不|不)(?:会)?(?:主动)?(?:与|向|同|和|给)(?:任何|其他)?(?:第三方|其他(?:公司|组织|个人|人|机构)|他人|任何(?:公司|组织|个人|人|机构)|外部)"
    r"(?:[^。]{0,16})?(?P<act>共享|分享|提供|出售|出租|转让|披露|透露|公开|交易)|"
    r"(?:不会|绝不|决不|从不|不)(?:会)?(?:主动)?(?P<act2>共享|分享|出售|出租|转让|披露|透露|提供|交易)(?:您的|你的|用户的)?(?:任何)?个人信息(?:给|予|于|与)?"
    r"(?:任何)?(?:第三方|他人|其他)|"
    r"\bwe (?:do not|don't|will not|won't|never|shall not)\s+(?P<act3>share|sell|rent|disclose|trade|transfer|provide)\b[^.]{0,60}"
    r"(?:third[- ]part|others|anyone|any (?:company|organi[sz]ation))",
    re.I,
)
_EXCEPTIONS = re.compile(r"除外|但是?|除非|以下情[形况]|例外|except|unless|other than|save for", re.I)
_SHARE_VERB = re.compile(
    r"共享|分享|转让|对外提供|提供给(?:第三方|合作|他人|关联|其他)|(?:向|给)(?:第三方|合作|他人|关联)[^。]{0,16}提供|披露|委托|\bshar|"
    r"\bdisclos|\btransfer|\bprovide[^.]{0,30}\bto\b", re.I)
_INBOUND = re.compile(r"(?:从|自|通过)[^。，]{0,12}第三方[^。]{0,16}(?:获取|收集|获得|接收)|\bfrom third[- ]part", re.I)
_SHARE_CONSENT = re.compile(
    r"(?:征得|取得|获得|经过?|事先征求|征求)(?:您|你|用户)?(?:的)?(?:单独|明示|明确|另行|书面)?(?:的)?(?:同意|授权)|"
    r"(?:separate|explicit|express|prior)? ?consent",
    re.I,
)
_ANON = re.compile(r"匿名化|anonymi[sz]", re.I)
_DEID = re.compile(r"去标识化|脱敏|de-?identif|pseudonymi[sz]", re.I)

_OPEN_MARK = re.compile(r"包括但不限于|包含但不限于|但不限于|例如|比如|诸如|such as|including but not limited to|e\.g\.|\betc\b\.?|等(?!待|级|同|于)",
                        re.I)

_DATE = (
    r"(?P<y>(?:19|20)\d{2})\s*[】\]]?\s*(?:年|[./-])\s*[【\[]?\s*(?P<m>\d{1,2})\s*[】\]]?\s*(?:月|[./-])\s*[【\[]?\s*(?P<d>\d{1,2})(?!\d)"
)
_DATE_ZH = re.compile(
    r"(?P<kind>生效|更新|发布|修订|版本|最近更新|最后更新|最新更新|修改|颁布|公布)(?:日期|时间|于)?\s*[:：为是]?\s*[【\[]?\s*" + _DATE
    + r"|本(?:政策|指引|协议|声明|版本)[^。]{0,6}?(?:自|于)\s*[【\[]?\s*" + _DATE.replace("?P<", "?P<b") + r"[^。]{0,6}?(?P<bkind>起?生效|起?施行|更新|发布)"
)
_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"],
    1)}
_DATE_EN = re.compile(
    r"(?P<kind>effective|last updated|updated|last revised|revised|last modified|published)(?:\s+(?:date|on|as of))?\s*[:：]?\s*"
    r"(?:(?P<mon>[A-Z][a-z]+)\s+(?P<day>\d{1,2}),?\s+(?P<yr>\d{4})|(?P<day2>\d{1,2})\s+(?P<mon2>[A-Z][a-z]+),?\s+(?P<yr2>\d{4})|"
    r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2}))",
    re.I,
)


# --------------------------------------------------------------------------- detectors
# Each takes the folded sentence and returns [(kind, value)].

def _operator(s: str) -> list[tuple[str, dict]]:
    if not _OPERATOR_CUE.search(s) or (_THIRD_PARTY_CTX.search(s) and not _STRONG_OPERATOR_CUE.search(s)):
        return []
    for m in _COMPANY.finditer(s):
        name = _trim_company(m.group("name"))
        if name:
            return [("operator_identity", {"name": name})]
    for m in _COMPANY_EN.finditer(s):
        name = m.group("name").strip()
        if not re.match(r"(?:The|This|Our|Any|Such)\b", name):
            return [("operator_identity", {"name": name})]
    return []


def _trim_company(name: str) -> str | None:
    suffix = re.search(r"(?:股份有限公司|有限责任公司|有限公司|集团公司|公司|工作室)$", name)
    assert suffix
    core = name[: suffix.start()]
    cut = _NAME_CUT_ALWAYS.match(core)
    if cut and len(core) - cut.end() >= 2:
        core = core[cut.end():]
    else:
        p = _PROVINCE.search(core)
        if p and p.start() > 0 and not re.search(r"[（(]$|集团|中国|公司", core[: p.start()]):
            core = core[p.start():]
        else:
            cut = _NAME_CUT.match(core)
            if cut and len(core) - cut.end() >= 4:
                core = core[cut.end():]
    core = core.lstrip("（）()·&")
    if len(re.sub(r"[（）()]", "", core)) < 2 or re.fullmatch(r"[（）()A-Za-z0-9]*(?:关联|合作|第三方|相关|其他|子|母)", core):
        return None
    if re.search(r"第三方|合作方|关联|本公司|我们|您|SDK|的|或|及其|运营者|旗下", core):
        return None
    return core + suffix.group(0)


def company_names(s: str) -> list[str]:
    """Chinese company names in ``s`` (``XX科技有限公司``), trimmed of the words before them."""
    out = []
    for m in _COMPANY.finditer(s):
        name = _trim_company(m.group("name"))
        if name and name not in out:
            out.append(name)
    return out


def _emails(s: str) -> list[tuple[str, dict]]:
    out = [("contact_email", {"email": m.group(0).rstrip(".")}) for m in _EMAIL.finditer(s)]
    if not out and _EMAIL_CUE.search(s):
        for m in _EMAIL_OBF.finditer(s):
            dom = re.sub(r"\s*(?:\[dot\]|\(dot\))\s*", ".", m.group("dom"), flags=re.I).replace(" ", "")
            if "." in dom and re.search(r"\.[A-Za-z]{2,}$", dom):
                out.append(("contact_email", {"email": f"{m.group('user')}@{dom}", "obfuscated": True}))
    return out


def _phones(s: str) -> list[tuple[str, dict]]:
    if not _PHONE_CUE.search(s):
        return []
    out = []
    for m in _PHONE.finditer(s):
        if _PHONE_BAD.search(s[max(0, m.start() - 12): m.start()]):
            continue
        kind = next(k for k in ("hotline", "intl", "mobile", "landline", "short") if m.group(k))
        if kind == "short" and not re.search(r"客服|热线|电话|hotline", s, re.I):
            continue
        raw = m.group(0).strip()
        digits = re.sub(r"[^\d+]", "", m.group(kind))
        typ = {"hotline": "toll_free_800" if digits.startswith("800") else "hotline_400"}.get(kind, kind)
        out.append(("contact_phone", {"phone": raw, "digits": digits, "type": typ}))
    return out


def _addresses(s: str) -> list[tuple[str, dict]]:
    out = []
    for m in _ADDRESS.finditer(s):
        if _ADDRESS_BAD_BEFORE.search(s[max(0, m.start() - 8): m.start()]):
            continue
        addr = _cut_address(m.group("addr"))
        if len(_ADDR_PARTS.findall(addr)) >= 2 and _ADDR_STRONG.search(addr) and not re.search(r"@|https?://|www\.", addr):
            post = re.search(r"(?:邮编|邮政编码)\s*[:：为]?\s*(\d{6})", s[m.start():])
            v = {"address": addr}
            if post:
                v["postcode"] = post.group(1)
            out.append(("contact_address", v))
    if not out:
        for m in _ADDRESS_EN.finditer(s):
            out.append(("contact_address", {"address": m.group("addr").strip(" ,")}))
    return out


def _cut_address(addr: str) -> str:
    """The address alone: stop at an unmatched closing bracket or where the sentence moves on."""
    depth = 0
    for i, ch in enumerate(addr):
        if ch in "(（":
            depth += 1
        elif ch in ")）":
            if depth == 0:
                addr = addr[:i]
                break
            depth -= 1
    addr = re.split(r"[，,]\s*(?:以下|简称|下称|邮编|邮政编码|电话|联系电话|邮箱|电子邮箱|收件人|联系人|联系方式|我们)|"
                    r"\s+(?:电话|联系电话|客服|邮箱|网址|邮编|[京沪粤浙苏津渝]ICP|\d{3,4}-\d{7,8}|\d{11})", addr)[0]
    return addr.strip(" ，,:：")


def _forms(s: str) -> list[tuple[str, dict]]:
    terms = [m.group(0) for m in _FORM_TERMS.finditer(s)]
    if not terms or not _FORM_USE.search(s) or not _FORM_CONTACT.search(_FORM_TERMS.sub(" ", s)) or _FORM_COLLECT.search(s):
        return []
    return [("contact_form", {"channels": sorted(set(terms), key=terms.index)})]


def _channels(s: str) -> dict:
    ch: dict[str, list[str]] = {}
    for _, v in _emails(s):
        ch.setdefault("email", []).append(v["email"])
    for _, v in _phones(s):
        ch.setdefault("phone", []).append(v["phone"])
    for m in _FORM_TERMS.finditer(s):
        ch.setdefault("form", []).append(m.group(0))
    for _, v in _addresses(s):
        ch.setdefault("address", []).append(v["address"])
    return ch


def _complaint(s: str, following: list[str]) -> tuple[dict, int] | None:
    """(value, number of following sentences used) when the sentence names a complaint channel."""
    if not _COMPLAINT.search(s):
        return None
    if _CONTENT_REPORT.search(s) and not _PRIVACY_CUE.search(s):
        return None
    internal = _EXTERNAL.sub(" ", s)
    if not _COMPLAINT.search(internal):
        return None  # the only complaint route named is a regulator or a court
    if not _CHANNEL_VERB.search(internal):
        return None  # a heading or a bare mention ("申诉、意见反馈")
    ch = _channels(internal)
    used = 0
    if not ch and _FOLLOWS.search(internal):
        for i, nxt in enumerate(following[:4]):
            c = _channels(nxt)
            for k, v in c.items():
                ch.setdefault(k, []).extend(v)
            if c:
                used = i + 1
    referenced = not ch and bool(_REFERENCED.search(internal))
    if not ch and not referenced:
        return None
    v: dict = {"channels": sorted(ch) or ["contact_section"]}
    v.update({k: list(dict.fromkeys(vals)) for k, vals in ch.items()})
    if referenced:
        v["referenced"] = True  # points at the policy's contact section rather than naming a channel
    return v, used


def _handling(s: str) -> list[tuple[str, dict]]:
    if _INCIDENT.search(s):
        return []  # breach notification deadlines are not request handling times
    out = []
    for rx in (_HANDLING_ZH, _HANDLING_EN):
        for m in rx.finditer(s):
            v = _handling_value(s, m, english=rx is _HANDLING_EN)
            if v:
                out.append(("handling_time", v))
    return out


def _handling_value(s: str, m: re.Match[str], english: bool) -> dict | None:
    unit = m.group("unit").lower()
    num = parse_number(m.group("num"))
    if num is None or num <= 0:
        return None
    before, after = s[max(0, m.start() - 30): m.start()], s[m.end(): m.end() + 30]
    if not english:
        if unit == "日" and re.search(r"[年月]\s*$", before):
            return None  # a date
        if not (m.group("tail") or m.group("limit") or re.search(r"(?:时限|期限|时间)(?:为|是|[:：])?\s*$", before)):
            return None
    window = s[max(0, m.start() - 12): m.end() + 14]
    if _HANDLING_BAD.search(window):
        return None
    if not (_HANDLING_VERB_AFTER.search(after) or _HANDLING_VERB_BEFORE.search(before)):
        return None
    if "工作" in unit or "business" in unit or "working" in unit:
        days, kind = num, "working_day"
    elif "小时" in unit or "hour" in unit:
        days, kind = max(1, -(-num // 24)), "natural_day"
    elif "月" in unit or "month" in unit:
        days, kind = num * 30, "natural_day"
    elif unit in ("周", "星期") or "week" in unit:
        days, kind = num * 7, "natural_day"
    else:
        days, kind = num, "natural_day"
    v: dict = {"days": days, "unit": kind, "applies_to": _target(s, m.start(), m.end()), "surface": m.group(0).strip()}
    if "小时" in unit or "hour" in unit:
        v["hours"] = num
    if "月" in unit or "month" in unit:
        v["months"] = num
    v["over_limit"] = over_limit(days, kind)
    return v


def over_limit(days: int, unit: str) -> bool | None:
    """Is a promised period longer than 15 working days? None when it depends on the calendar.

    Natural days: up to 15 can never exceed 15 working days; 30 or more always do (the longest
    holiday runs remove at most ~5 weekdays from a 30-day window, leaving more than 15); between
    16 and 29 the answer depends on the start date and the holiday calendar.
    """
    if unit == "working_day":
        return days > LIMIT_WORKING_DAYS
    if days <= LIMIT_WORKING_DAYS:
        return False
    if days >= 30:
        return True
    return None


def _target(s: str, a: int, b: int) -> str:
    """What a time applies to: the nearest target cue in the sentence, at either side of the time.

    Cancellation and complaint cues win over a generic rights cue up to 8 characters farther away
    ("注销申请…15个工作日内" is about cancellation, though 申请 is closer).
    """
    best, dist = "unspecified", 10**9
    for name, rx in _TARGETS:
        bonus = 8 if name in ("cancellation", "complaint") else 0
        for m in rx.finditer(s):
            d = a - m.end() if m.end() <= a else m.start() - b if m.start() >= b else 0
            d = max(d, 0) - bonus
            if d < dist:
                best, dist = name, d
    return best


def _change(s: str) -> list[tuple[str, dict]]:
    if not _CHANGE_TOPIC.search(s) or _CHANGE_BAD.search(s):
        return []
    chans = [name for name, rx in _CHANGE_CHANNELS if rx.search(s)]
    if not chans:
        return []
    if chans == ["website"] and not re.search(r"发布|公布|公示|张贴|post|publish", s, re.I):
        return []
    return [("change_notification", {"channels": chans, "active": any(c in _CHANGE_ACTIVE for c in chans)})]


def _withdraw(s: str) -> list[tuple[str, dict]]:
    m = _WITHDRAW.search(s)
    if not m or not _YOU_CAN.search(s) or _WITHDRAW_BAD.search(s):
        return []
    methods = [name for name, rx in _WITHDRAW_METHODS if rx.search(s)]
    if "system_settings" in methods and "in_app_settings" in methods and not re.search(r"(?<!系统)(?<!设备)(?<!手机)设置|隐私设置", s):
        methods.remove("in_app_settings")
    if not methods:
        return []
    if re.search(r"\bwithdraw\b", m.group(0), re.I) and not re.search(r"consent|permission|authori", s, re.I):
        return []
    v: dict = {"methods": methods}
    p = _PATH.search(s)
    if p:
        v["path"] = p.group(0)
    return [("withdraw_consent", v)]


def _personalisation(s: str) -> list[tuple[str, dict]]:
    ms = list(_PERS.finditer(s))
    if not ms:
        return []
    joined = " ".join(m.group(0) for m in ms)
    what = [name for name, rx in _PERS_WHAT if rx.search(joined)] or ["recommendation"]
    switch = False
    for m in ms:
        if _PERS_CONSEQUENCE.search(s[max(0, m.start() - 24): m.start()]):
            continue
        near = s[max(0, m.start() - 20): m.end() + 20]
        if _PERS_SWITCH.search(near):
            switch = True
    negated = bool(_PERS_NEG.search(s)) and not switch
    out: list[tuple[str, dict]] = []
    if switch:
        v: dict = {"what": what}
        p = _PATH.search(s)
        if p:
            v["path"] = p.group(0)
        out.append(("personalisation_opt_out", v))
    if not negated and (switch or _PERS_USE.search(s)):
        out.append(("personalisation_declared", {"what": what, "switch_offered": switch}))
    return out


def _rights(s: str) -> list[tuple[str, dict]]:
    out: list[tuple[str, dict]] = []
    you = _YOU_CAN.search(s)
    if you:
        tail = s[you.start():]
        if _verb_object(tail, _CORRECT, _CORRECT_OBJ) and not _CORRECT_BAD.search(s):
            out.append(("rights_correct", _how(s)))
        if _verb_object(tail, _DELETE, _DELETE_OBJ) and not re.search(r"(?:添加|增加)或?删除(?:好友|联系人|关注)", s):
            out.append(("rights_delete", _how(s)))
    if _CANCEL.search(s) and (you or re.search(r"申请注销|注销申请|注销流程|注销路径|注销入口", s)) and _HOW.search(s):
        if not re.fullmatch(r"[^。]*注销(?:账号|帐号|账户|帐户)?后[^。]*", s) or _PATH.search(s) or re.search(r"申请|设置|点击|进入", s):
            out.append(("rights_cancel_account", _how(s)))
    return out


def _verb_object(s: str, verb: re.Pattern[str], obj: re.Pattern[str]) -> bool:
    """A rights verb with its object close by (either order: 更正您的信息 / 对信息进行更正)."""
    for m in verb.finditer(s):
        if obj.search(s[m.end(): m.end() + 20]) or obj.search(s[max(0, m.start() - 20): m.start()]):
            return True
    return False


def _how(s: str) -> dict:
    v: dict = {}
    p = _PATH.search(s)
    if p:
        v["path"] = p.group(0)
    ways = []
    if re.search(r"设置|settings", s, re.I):
        ways.append("settings")
    if re.search(r"联系我们|与我们联系|客服|邮件|邮箱|电话|contact us|email", s, re.I):
        ways.append("contact")
    if re.search(r"在线|自行|页面|功能|点击|进入|入口|online|yourself|\bapp\b", s, re.I):
        ways.append("self_service")
    v["ways"] = ways
    return v


def _cancellation_conditions(s: str, in_list: bool) -> list[tuple[str, dict]]:
    if not in_list and not _COND_FRAME.search(s):
        return []
    conds = []
    for cid, unreasonable, rx in _CONDITIONS:
        m = rx.search(s)
        if m:
            if cid == "no_disputes" and not re.search(r"无|没有|不存在|不得|未|no\b", s[max(0, m.start() - 15): m.start()], re.I):
                continue
            c = {"condition": cid, "text": m.group(0), "unreasonable": unreasonable}
            if cid in _REVIEW_CONDITIONS:
                c["review"] = True  # unreasonable only if registration and use did not collect it
            conds.append(c)
    if any(c["condition"] == "id_photo_in_hand" for c in conds):
        conds = [c for c in conds if c["condition"] != "id_document"]
    if not conds:
        return []
    return [("cancellation_condition", {"conditions": conds, "unreasonable": any(c["unreasonable"] for c in conds)})]


def _forced(s: str) -> list[tuple[str, dict]]:
    m = _FORCED_MANDATORY.search(s)
    if not m or re.search(r"不影响|不会影响|will not affect|does not affect", s, re.I):
        return []
    reasons = []
    for name, rx in _FORCED_REASONS:
        for r in rx.finditer(s):
            if _PURPOSE_BEFORE.search(s[max(0, r.start() - 16): r.start()]):
                reasons.append(name)
                break
    if not reasons or _SPECIFIC_PURPOSE.search(s):
        return []
    return [("forced_consent_reason", {"reasons": reasons, "mandatory": m.group(0)})]


def _minors(s: str) -> list[tuple[str, dict]]:
    m = _MINORS.search(s)
    if not m:
        return []
    if re.search(r"儿童", m.group(0)) and re.search(r"儿童(?:手表|教育|读物|节|玩具)", s) and not _GUARDIAN.search(s):
        return []
    age = None
    for mm in _MINORS.finditer(s):
        for g in ("a1", "a2", "a3", "a4", "a5"):
            if mm.group(g):
                n = parse_number(mm.group(g))
                if n and 6 <= n <= 18:
                    age = n if age is None else min(age, n)
    if age is None and re.search(r"\bchild(?:ren)?\b|\bminors?\b", m.group(0), re.I) and not _GUARDIAN.search(s):
        return []  # English "child" alone is too loose
    v: dict = {"age": age, "guardian_consent": bool(_GUARDIAN.search(s) and _CONSENT.search(s))}
    return [("minors", v)]


def _retention(s: str) -> list[tuple[str, dict]]:
    r = _RETAIN.search(s)
    if not r or _RETAIN_BAD.search(s) and not re.search(r"期限|period", s, re.I):
        return []
    if not re.search(r"期限|时限|期间|时间|为止|届满|超出|以上|以内|不少于|至少|\bperiod\b|\blong\b|\buntil\b|\bfor\b", s, re.I):
        return []
    bases, days = [], None
    for m in _RETAIN_PERIOD.finditer(s):
        if m.group("legal"):
            bases.append("legal")
        elif m.group("minimum"):
            bases.append("minimum_necessary")
        elif m.group("fixed"):
            n = parse_number(m.group("num"))
            if n is None:
                continue
            u = m.group("unit").lower()
            d = n * 365 if u in ("年",) or u.startswith("year") else n * 30 if "月" in u or u.startswith("month") else n
            if u in ("天", "日") or u.startswith("day") or d >= 30:
                days = d if days is None else max(days, d)
                bases.append("fixed")
    if not bases:
        return []
    return [("retention_period", {"days": days, "basis": sorted(set(bases), key=bases.index)})]


def _xborder(s: str) -> list[tuple[str, dict]]:
    if not _XBORDER.search(s):
        return []
    domestic = bool(_DOMESTIC.search(s))
    abroad = conditional = False
    for m in _ABROAD.finditer(s):
        clause_start = max(s.rfind(c, 0, m.start()) for c in "，,；;。") + 1
        clause = s[clause_start: m.start()]
        if _NEG.search(clause[-14:]) and not re.search(r"不同意|未经|不满足", clause[-14:]):
            domestic = True
            continue
        if _CONDITIONAL.search(s[clause_start: m.end()]) or re.search(r"如需|若需|如果|如涉及|一旦", s[:m.start()]):
            conditional = True
        else:
            abroad = True
    if not (domestic or abroad or conditional):
        return []
    return [("cross_border", {"abroad": abroad, "conditional_transfer": conditional, "domestic_storage": domestic})]


def _no_sharing(s: str) -> list[tuple[str, dict]]:
    acts = []
    for m in _NO_SHARE.finditer(s):
        pre = s[max(0, m.start() - 12): m.start()]
        if re.search(r"未经|除非|未获得|未征得|没有|without|unless", pre, re.I):
            acts.append((m, True))
        else:
            acts.append((m, False))
    if not acts:
        return []
    actions = sorted({(m.group("act") or m.group("act2") or m.group("act3")).lower() for m, _ in acts})
    conditional = any(c for _, c in acts) or bool(re.search(r"未经(?:您|你|用户)?(?:的)?(?:同意|授权|许可)|除非|without your consent|unless",
                                                           s, re.I))
    exceptions = bool(_EXCEPTIONS.search(s))
    return [("no_sharing_claim", {"actions": actions, "without_consent_only": conditional, "exceptions": exceptions,
                                  "unconditional": not (conditional or exceptions)})]


def _sharing_consent(s: str) -> list[tuple[str, dict]]:
    if not _SHARE_VERB.search(s) or (_INBOUND.search(s) and not re.search(r"共享|分享|\bshar", s, re.I)):
        return []
    consent = _SHARE_CONSENT.search(s)
    anon = bool(_ANON.search(s))
    deid = bool(_DEID.search(s))
    if re.search(r"consent", consent.group(0) if consent else "", re.I) and not re.search(
            r"\b(?:with|obtain|get|ask for|seek)\b[^.]{0,20}consent|consent[^.]{0,10}\bbefore\b", s, re.I):
        consent = None
    if not (consent or anon):
        return []
    if consent and not re.search(r"(?:共享|分享|提供|转让|披露)(?:给|予|至)?(?:[^。]{0,12})?(?:第三方|合作|他人|其他)|第三方|third[- ]part|partner", s, re.I):
        return []
    v = {"consent": bool(consent), "separate_consent": bool(re.search(r"单独(?:的)?(?:同意|授权)|separate consent", s, re.I)),
         "explicit_consent": bool(re.search(r"明示|明确(?:的)?同意|explicit|express", s, re.I)), "anonymised": anon,
         "de_identified": deid}
    return [("sharing_consent", v)]


def _open_list(s: str) -> list[tuple[str, dict]]:
    if not _OPEN_MARK.search(s):
        return []
    terms = pi_terms(s)
    if len({t[0] for t in terms}) < 2:
        return []
    markers = []
    for m in _OPEN_MARK.finditer(s):
        mk = m.group(0)
        if mk == "等":
            # "A、B、C等" / "IMEI等信息": a PI term ends right before 等 (at most a 信息/号码-like word between).
            if any(0 <= m.start() - t[3] <= 3 for t in terms):
                markers.append(mk)
        elif mk.lower() in ("etc", "etc."):
            if any(0 <= m.start() - t[3] <= 3 for t in terms):
                markers.append("etc.")
        else:
            if any(0 <= t[2] - m.end() <= 12 for t in terms):
                markers.append(mk)
    if not markers:
        return []
    return [("open_list", {"markers": sorted(set(markers), key=markers.index), "pi_types": sorted({t[0] for t in terms})})]


def _dates(s: str) -> list[tuple[str, dict]]:
    out = []
    for m in _DATE_ZH.finditer(s):
        if m.group("kind"):
            y, mo, d, k = m.group("y"), m.group("m"), m.group("d"), m.group("kind")
        else:
            y, mo, d, k = m.group("by"), m.group("bm"), m.group("bd"), m.group("bkind")
        date = _iso(int(y), int(mo), int(d))
        if date:
            kind = "effective" if ("生效" in k or "施行" in k) else "published" if ("发布" in k or "颁布" in k or "公布" in k) else "updated"
            out.append(("policy_effective_date", {"date": date, "type": kind}))
    for m in _DATE_EN.finditer(s):
        if m.group("y"):
            date = _iso(int(m.group("y")), int(m.group("m")), int(m.group("d")))
        else:
            mon = (m.group("mon") or m.group("mon2") or "").lower()
            day = m.group("day") or m.group("day2")
            yr = m.group("yr") or m.group("yr2")
            date = _iso(int(yr), _MONTHS[mon], int(day)) if mon in _MONTHS else None
        if date:
            k = m.group("kind").lower()
            out.append(("policy_effective_date", {"date": date, "type": "effective" if k == "effective" else
                                                  "published" if k == "published" else "updated"}))
    return out


def _iso(y: int, m: int, d: int) -> str | None:
    if 1 <= m <= 12 and 1 <= d <= 31 and 1990 <= y <= 2100:
        return f"{y:04d}-{m:02d}-{d:02d}"
    return None


_SIMPLE = (_operator, _emails, _phones, _addresses, _forms, _handling, _change, _withdraw, _personalisation, _rights,
           _forced, _minors, _retention, _xborder, _no_sharing, _sharing_consent, _open_list, _dates)


# --------------------------------------------------------------------------- entry point

def find_statements(text: str, sentences: list[tuple[int, int]] | None = None) -> list[Statement]:
    """Statements found in ``text``, sentence by sentence, ordered by position then kind."""
    if sentences is None:
        sentences = split_sentences(text)
    folded = fold(text)
    sents = [folded[a:b] for a, b in sentences]
    out: list[Statement] = []
    cond_list = 0  # remaining enumerated sentences that belong to a "注销…以下条件：" lead-in
    for i, ((a, b), s) in enumerate(zip(sentences, sents, strict=True)):
        if not s.strip():
            continue
        for det in _SIMPLE:
            for kind, value in det(s):
                out.append(Statement(kind, a, b, value))
        comp = _complaint(s, sents[i + 1: i + 5])
        if comp:
            value, used = comp
            end = sentences[i + used][1] if used else b
            out.append(Statement("complaint_channel", a, end, value))
        in_list = cond_list > 0 and bool(_ENUM_START.match(s))
        for kind, value in _cancellation_conditions(s, in_list):
            if in_list and not _CANCEL_TOPIC.search(s):
                value["from_list"] = True
            out.append(Statement(kind, a, b, value))
        if _COND_LEADIN.search(s) and re.search(r"[：:]\s*$", s):
            cond_list = 12
        elif cond_list and not _ENUM_START.match(s):
            cond_list = 0
        elif cond_list:
            cond_list -= 1
    order = {k: i for i, k in enumerate(KINDS)}
    out.sort(key=lambda st: (st.start, order[st.kind]))
    return out


def statements_by_kind(statements: list[Statement]) -> dict[str, list[Statement]]:
    by: dict[str, list[Statement]] = {}
    for st in statements:
        by.setdefault(st.kind, []).append(st)
    return by
