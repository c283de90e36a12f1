"""Item-oriented policy statements: every kind in Chinese and English, and the negatives that keep precision."""

from __future__ import annotations

import glob
import html
import re

import pytest
from conftest import shared

from privaudit.evidence.policy.statements import (
    KINDS,
    Statement,
    find_statements,
    over_limit,
    parse_number,
    pi_terms,
    split_sentences,
)


def found(text: str, kind: str) -> list[dict]:
    return [st.value for st in find_statements(text) if st.kind == kind]


def one(text: str, kind: str) -> dict:
    vals = found(text, kind)
    assert len(vals) == 1, (kind, text, [(s.kind, s.value) for s in find_statements(text)])
    return vals[0]


def test_statement_record_and_offsets():
    text = "前言。\n如有疑问，请发送邮件至 privacy@example.com 与我们联系。第三句。"
    sts = find_statements(text)
    st = next(s for s in sts if s.kind == "contact_email")
    assert isinstance(st, Statement)
    assert text[st.start:st.end] == "如有疑问，请发送邮件至 privacy@example.com 与我们联系。"
    assert st.value == {"email": "privacy@example.com"}
    assert all(s.kind in KINDS for s in sts)


def test_caller_sentences_are_used():
    text = "邮箱：a@b.com 电话：010-12345678"
    cut = text.index(" ")
    sts = find_statements(text, [(0, cut), (cut + 1, len(text))])
    assert {(s.kind, s.start, s.end) for s in sts} == {("contact_email", 0, cut), ("contact_phone", cut + 1, len(text))}


def test_split_sentences():
    text = "第一句。第二句！\nThird one. Fourth? 第五句"
    spans = split_sentences(text)
    assert [text[a:b] for a, b in spans] == ["第一句。", "第二句！", "Third one.", "Fourth?", "第五句"]


@pytest.mark.parametrize("s,n", [("15", 15), ("十五", 15), ("二十", 20), ("三十", 30), ("十", 10), ("一百八十", 180),
                                 ("两", 2), ("fifteen", 15), ("x", None)])
def test_parse_number(s, n):
    assert parse_number(s) == n


# ----------------------------------------------------------------------------- operator identity

def test_operator_identity_zh():
    assert one("北京字节跳动科技有限公司（以下简称“我们”）深知个人信息对您的重要性。", "operator_identity") == {
        "name": "北京字节跳动科技有限公司"}
    assert one("本应用由上海某某网络科技有限公司运营。", "operator_identity")["name"] == "上海某某网络科技有限公司"
    assert one("小爱同学是由小米公司及其关联公司（以下简称“小米”或“我们”）提供的产品。", "operator_identity")["name"] == "小米公司"
    assert one("华为技术有限公司（以下简称“我们”）非常重视您的隐私。", "operator_identity")["name"] == "华为技术有限公司"


def test_operator_identity_en():
    assert one("This app is operated by Example Tech Co., Ltd. in Shenzhen.", "operator_identity")["name"] == \
        "Example Tech Co., Ltd."


def test_operator_identity_negatives():
    # An SDK vendor is a third party, not the operator.
    assert not found("极光推送SDK由深圳市和讯华谷信息技术有限公司提供，用于推送消息。", "operator_identity")
    # A company name without any operator cue.
    assert not found("我们可能与北京某某科技有限公司合作开展活动。", "operator_identity")


# ----------------------------------------------------------------------------- contacts

def test_contact_email():
    assert one("如对本政策有任何疑问，请发送邮件至privacy@example.com。", "contact_email") == {"email": "privacy@example.com"}
    assert one("个人信息保护邮箱：privacy＠example.com", "contact_email")["email"] == "privacy@example.com"
    assert one("邮箱：kefu#example.com（请将#替换为@）", "contact_email") == {"email": "kefu@example.com", "obfuscated": True}
    assert one("You can email us at dpo@example.org.", "contact_email") == {"email": "dpo@example.org"}
    assert not found("请访问 https://www.example.com 了解详情。", "contact_email")


@pytest.mark.parametrize("text,digits,typ", [
    ("客服电话：400-123-4567", "4001234567", "hotline_400"),
    ("客服热线 4006900000（工作日9:00-18:00）", "4006900000", "hotline_400"),
    ("免费热线：800-820-8820", "8008208820", "toll_free_800"),
    ("联系电话：010-64478667", "01064478667", "landline"),
    ("联系电话：（0755）36528864", "075536528864", "landline"),
    ("客服手机：13760115161", "13760115161", "mobile"),
    ("Call us on +86 10 12345678.", "+861012345678", "intl"),
    ("客服电话：95511", "95511", "short"),
])
def test_contact_phone(text, digits, typ):
    v = one(text, "contact_phone")
    assert v["digits"] == digits and v["type"] == typ


def test_contact_phone_negatives():
    assert not found("京ICP备14018732号", "contact_phone")
    assert not found("我们的QQ：3382672204", "contact_phone")
    assert not found("统一社会信用代码：91110108MA01234567", "contact_phone")
    # Digits with no phone cue in the sentence are not reported.
    assert not found("订单号 13760115161 已完成。", "contact_phone")


def test_contact_address():
    v = one("注册地址：北京市海淀区知春路7号致真大厦3层，邮编：100080。", "contact_address")
    assert v == {"address": "北京市海淀区知春路7号致真大厦3层", "postcode": "100080"}
    v = one("上海生腾数据科技有限公司（注册地址：上海市静安区万荣路1256号1101室，以下简称“我们”）系运营者。", "contact_address")
    assert v["address"] == "上海市静安区万荣路1256号1101室"
    v = one("Our registered address is 8 Example Road, Haidian District, Beijing, China.", "contact_address")
    assert "Example Road" in v["address"]
    assert not found("我们会收集您的IP地址：用于安全风控。", "contact_address")
    assert not found("请填写收货地址：省市区及详细地址。", "contact_address")


def test_contact_form():
    v = one("您可以通过【我的】-【设置】-【意见反馈】与我们联系。", "contact_form")
    assert v["channels"] == ["意见反馈"]
    assert one("如有疑问请咨询在线客服。", "contact_form")["channels"] == ["在线客服"]
    assert one("Questions? Submit a request through our help center.", "contact_form")
    # A feedback feature described as collecting data is not a contact channel.
    assert not found("当您使用意见反馈功能时，我们会收集您的联系方式和问题描述。", "contact_form")
    assert not found("您在留言板公布的个人信息可能被他人收集。", "contact_form")


# ----------------------------------------------------------------------------- complaints

def test_complaint_channel_with_channel():
    v = one("如您对个人信息保护有投诉或举报，可发送邮件至complaint@example.com。", "complaint_channel")
    assert v["channels"] == ["email"] and v["email"] == ["complaint@example.com"]
    v = one("个人信息安全投诉、举报渠道：客服电话400-123-4567或在线客服。", "complaint_channel")
    assert set(v["channels"]) == {"phone", "form"}
    v = one("您可按照我们公示的联系方式进行投诉或举报。", "complaint_channel")
    assert v == {"channels": ["contact_section"], "referenced": True}
    assert one("If you wish to make a complaint, email privacy@example.com.", "complaint_channel")["channels"] == ["email"]


def test_complaint_channel_following_lines():
    text = "如您有任何投诉或举报，可通过以下方式联系我们：\n电子邮箱：dpo@example.com\n电话：010-12345678\n其他说明。"
    sts = [s for s in find_statements(text) if s.kind == "complaint_channel"]
    assert len(sts) == 1
    assert set(sts[0].value["channels"]) == {"email", "phone"}
    assert text[sts[0].start:sts[0].end].endswith("010-12345678")


def test_complaint_channel_negatives():
    # Mentions a complaint but gives no channel.
    assert not found("我们核查后会在十五个工作日内反馈您的投诉与举报。", "complaint_channel")
    assert not found("我们重视您的投诉。", "complaint_channel")
    # Only an external route (regulator, court).
    assert not found("如您对我们的回复不满意，您还可以向网信、电信、公安及工商等监管部门进行投诉或举报。", "complaint_channel")
    # Reporting illegal content is not a personal-information complaint channel.
    assert not found("您可以通过举报入口举报违规视频和评论。", "complaint_channel")


# ----------------------------------------------------------------------------- handling time

def test_handling_time_chinese_numeral_working_days():
    v = one("我们核查后会在十五个工作日内反馈您的投诉与举报。", "handling_time")
    assert v["days"] == 15 and v["unit"] == "working_day" and v["applies_to"] == "complaint" and v["over_limit"] is False


def test_handling_time_natural_days():
    v = one("我们将在15日内回复您的访问请求。", "handling_time")
    assert (v["days"], v["unit"], v["applies_to"], v["over_limit"]) == (15, "natural_day", "rights_request", False)
    v = one("我们将在30天内回复您的更正请求。", "handling_time")
    assert (v["days"], v["unit"], v["over_limit"]) == (30, "natural_day", True)


def test_handling_time_over_limit_by_value():
    v = one("我们将在20个工作日内完成注销账号的处理。", "handling_time")
    assert (v["days"], v["unit"], v["applies_to"], v["over_limit"]) == (20, "working_day", "cancellation", True)
    v = one("一般情况下，我们将在【15】个工作日内予以答复。", "handling_time")
    assert (v["days"], v["unit"], v["applies_to"], v["over_limit"]) == (15, "working_day", "unspecified", False)


def test_handling_time_forms():
    assert one("我们将在十五（15）个工作日内处理您的请求。", "handling_time")["days"] == 15
    assert one("处理时限不超过10个工作日，我们会尽快回复。", "handling_time")["days"] == 10
    v = one("我们会在一个月内答复您的删除请求。", "handling_time")
    assert (v["days"], v["months"], v["unit"]) == (30, 1, "natural_day")
    v = one("客服将在48小时内响应您的投诉。", "handling_time")
    assert (v["days"], v["hours"], v["applies_to"]) == (2, 48, "complaint")
    v = one("We will respond to your request within 15 business days.", "handling_time")
    assert (v["days"], v["unit"], v["applies_to"]) == (15, "working_day", "rights_request")
    v = one("We will reply to complaints within thirty (30) days.", "handling_time")
    assert (v["days"], v["unit"], v["applies_to"], v["over_limit"]) == (30, "natural_day", "complaint", True)


def test_handling_time_negatives():
    assert not found("提现后5天内到账。", "handling_time")
    assert not found("修订后的政策自发布之日起7日内生效。", "handling_time")
    assert not found("本政策更新于2021年2月25日。", "handling_time")
    assert not found("注销冷静期为15天，冷静期内您可以撤销申请。", "handling_time")
    assert not found("在发生个人信息安全事件后，我们将在30个自然日内告知您。", "handling_time")
    assert not found("如您连续180天未登录，我们将清理缓存。", "handling_time")
    assert not found("我们将保存日志6个月。", "handling_time")


def test_over_limit_calendar():
    assert over_limit(15, "working_day") is False
    assert over_limit(16, "working_day") is True
    assert over_limit(15, "natural_day") is False
    assert over_limit(20, "natural_day") is None  # depends on the start date and holidays
    assert over_limit(30, "natural_day") is True


# ----------------------------------------------------------------------------- change notification

def test_change_notification():
    v = one("本政策更新后，我们会通过弹窗、站内信或推送通知的方式提醒您阅读更新后的内容。", "change_notification")
    assert v["channels"][:3] == ["popup", "push", "in_app_message"] and v["active"] is True
    v = one("我们会在本页面上发布对本政策所做的任何变更。", "change_notification")
    assert v == {"channels": ["website"], "active": False}
    v = one("对于重大变更，我们还会通过短信、电子邮件或红点提示的方式通知您隐私政策的变更。", "change_notification")
    assert {"sms", "email", "red_dot"} <= set(v["channels"])
    v = one("If we make material changes to this policy, we will notify you by email or an in-app notification.",
            "change_notification")
    assert {"email", "in_app_message"} <= set(v["channels"])


def test_change_notification_negatives():
    assert not found("我们可能会不时更新本政策。", "change_notification")  # no means of notification
    assert not found("我们会通过推送通知向您发送活动消息。", "change_notification")  # not about policy changes
    assert not found("安全事件发生后，我们会以推送通知、邮件等形式告知您。", "change_notification")


# ----------------------------------------------------------------------------- withdraw consent

def test_withdraw_consent():
    v = one("您可以在手机系统设置中关闭相应权限，撤回您的授权。", "withdraw_consent")
    assert "system_settings" in v["methods"] and "switch_off" in v["methods"]
    v = one("您可以通过【我的】-【设置】-【隐私设置】撤回对通讯录权限的授权。", "withdraw_consent")
    assert "in_app_settings" in v["methods"] and v["path"] == "【我的】-【设置】-【隐私设置】"
    v = one("您也可以通过注销账户的方式，撤回我们继续收集您个人信息的全部授权。", "withdraw_consent")
    assert v["methods"] == ["cancel_account"]
    v = one("You can withdraw your consent at any time in Settings > Privacy.", "withdraw_consent")
    assert "in_app_settings" in v["methods"]


def test_withdraw_consent_negatives():
    assert not found("您撤回同意后，我们将不再处理相应的个人信息。", "withdraw_consent")  # effect, not a way
    assert not found("您关闭权限的决定不会影响此前基于您的授权所进行的信息处理。", "withdraw_consent")
    assert not found("我们非常重视您撤回同意授权、注销账号的相关权利。", "withdraw_consent")


# ----------------------------------------------------------------------------- personalisation

def test_personalisation_opt_out_and_declared():
    text = "如果您不希望接收个性化推荐，您可以在【我的】-【设置】-【隐私设置】中关闭【个性化推荐】开关。"
    assert one(text, "personalisation_opt_out")["what"] == ["recommendation"]
    assert one(text, "personalisation_declared") == {"what": ["recommendation"], "switch_offered": True}
    v = one("您可以拒绝我们向您推送程序化广告，但不影响您使用其他服务。", "personalisation_opt_out")
    assert v["what"] == ["ads"]
    assert one("You can opt out of personalised advertising in the app settings.", "personalisation_opt_out")


def test_personalisation_declared_without_switch():
    v = one("我们会根据您的浏览记录向您推荐个性化内容。", "personalisation_declared")
    assert v["switch_offered"] is False
    assert not found("我们会根据您的浏览记录向您推荐个性化内容。", "personalisation_opt_out")
    assert one("We use your activity to show you personalised recommendations.", "personalisation_declared")


def test_personalisation_negatives():
    # Refusing a permission only loses personalised results: that is no switch for personalisation.
    assert not found("拒绝提供位置信息只会导致您无法使用个性化推荐服务，但不影响其他功能。", "personalisation_opt_out")
    assert not found("我们不会基于您的个人信息进行个性化推荐。", "personalisation_declared")


# ----------------------------------------------------------------------------- rights

def test_rights_correct_delete_cancel():
    assert one("您可以通过【我的】-【编辑资料】更正您的个人资料。", "rights_correct")["path"] == "【我的】-【编辑资料】"
    assert found("您有权要求我们删除您的个人信息。", "rights_delete")
    v = one("您可以在【我的】-【设置】-【账号与安全】-【注销账号】中申请注销您的账号。", "rights_cancel_account")
    assert v["path"].startswith("【我的】") and "settings" in v["ways"]
    assert found("You can correct your profile information in Settings.", "rights_correct")
    assert found("You may ask us to delete your personal data.", "rights_delete")
    assert found("You can delete your account in Settings > Account.", "rights_cancel_account")


def test_rights_negatives():
    assert not found("我们可能会修改本政策的条款。", "rights_correct")
    assert not found("我们会在保存期限届满后删除您的个人信息。", "rights_delete")
    assert not found("您可以在通讯录中添加或删除好友。", "rights_delete")
    assert not found("注销账号后，我们将删除您的个人信息。", "rights_cancel_account")


# ----------------------------------------------------------------------------- cancellation conditions

def test_cancellation_condition_unreasonable():
    v = one("申请注销账号需上传手持身份证照片并通过人脸识别验证。", "cancellation_condition")
    ids = {c["condition"] for c in v["conditions"]}
    assert ids == {"id_photo_in_hand", "face_recognition"} and v["unreasonable"] is True
    v = one("注销账号需支付10元手续费。", "cancellation_condition")
    assert v["conditions"][0]["condition"] == "fee" and v["unreasonable"] is True
    v = one("卸载本应用即视为注销账号。", "cancellation_condition")
    assert v["conditions"][0]["condition"] == "uninstall" and v["unreasonable"] is True
    v = one("账号注册满30天方可申请注销。", "cancellation_condition")
    assert v["conditions"][0]["condition"] == "account_age"


def test_cancellation_condition_reasonable():
    v = one("在您注销账号前，我们将验证您的个人身份、安全状态、设备信息等。", "cancellation_condition")
    assert {c["condition"] for c in v["conditions"]} == {"identity_verification", "security_state"}
    assert v["unreasonable"] is False
    v = one("您申请注销的账号应当不存在未完成的订单，且没有余额等资产。", "cancellation_condition")
    assert {c["condition"] for c in v["conditions"]} == {"no_pending_orders", "balance_settled"}


def test_cancellation_condition_english():
    v = one("To delete your account, you must upload a photo of your ID card and pass face verification.",
            "cancellation_condition")
    assert {c["condition"] for c in v["conditions"]} == {"id_document", "face_recognition"} and v["unreasonable"]
    v = one("Account deletion requires that there are no outstanding orders.", "cancellation_condition")
    assert v["conditions"][0]["condition"] == "no_pending_orders" and v["unreasonable"] is False


def test_cancellation_condition_list_after_lead_in():
    text = "注销账号需满足以下条件：\n（1）账号处于安全状态；\n（2）账号内无未结清的余额；\n（3）需提供手持身份证照片。\n其他说明。"
    vals = found(text, "cancellation_condition")
    conds = [c["condition"] for v in vals for c in v["conditions"]]
    assert conds == ["security_state", "balance_settled", "id_photo_in_hand"]
    assert vals[-1]["unreasonable"] is True and vals[-1]["from_list"] is True


def test_cancellation_condition_negatives():
    # Consequences of cancellation are not conditions on it.
    assert not found("注销账号后，您账号内未使用的余额和权益将被清除。", "cancellation_condition")
    assert not found("如您不同意本政策，您应停止使用服务、注销账户并卸载软件。", "cancellation_condition")


# ----------------------------------------------------------------------------- forced consent (4.5)

def test_forced_consent_reason():
    v = one("为了提升用户体验，您必须同意我们收集您的位置信息，否则将无法使用本应用。", "forced_consent_reason")
    assert v["reasons"] == ["improve_user_experience"]
    v = one("为改善服务质量和研发新产品，如您不同意收集设备信息，将无法继续使用本应用。", "forced_consent_reason")
    assert set(v["reasons"]) == {"improve_service_quality", "new_products"}
    assert one("To improve our services, you must agree to the collection of your contacts.", "forced_consent_reason")


def test_forced_consent_negatives():
    # A concrete function is named: not "only" a generic reason.
    assert not found("为了实现登录功能并提升用户体验，您必须同意我们收集手机号码。", "forced_consent_reason")
    # Refusal explicitly does not block use.
    assert not found("为了提升用户体验，我们会收集日志；拒绝提供不会影响您使用其他功能。", "forced_consent_reason")
    # Generic reason but nothing mandatory.
    assert not found("我们收集日志信息用于改善服务质量。", "forced_consent_reason")


# ----------------------------------------------------------------------------- minors, retention, cross-border

def test_minors():
    v = one("若您是不满十四周岁的儿童，请在监护人同意后使用本服务。", "minors")
    assert v == {"age": 14, "guardian_consent": True}
    assert one("我们非常重视对未成年人个人信息的保护。", "minors") == {"age": None, "guardian_consent": False}
    assert one("Our services are not directed to children under the age of 13.", "minors")["age"] == 13
    assert not found("We may use child safety filters.", "minors")  # a loose English "child" alone is not reported


def test_retention_period():
    assert one("我们仅在实现目的所必需的最短期限内保存您的个人信息。", "retention_period")["basis"] == ["minimum_necessary"]
    v = one("依据网络安全法，您的网络日志将保存不少于六个月。", "retention_period")
    assert v == {"days": 180, "basis": ["fixed"]}
    v = one("超出法律法规规定的保存期限后，我们将删除您的个人信息。", "retention_period")
    assert v["basis"] == ["legal"]
    assert one("We retain your data for as long as necessary to provide the service.", "retention_period")
    assert not found("我们需要获取您的存储权限以缓存视频。", "retention_period")


def test_cross_border():
    v = one("我们在中华人民共和国境内收集和产生的个人信息将存储在中华人民共和国境内。", "cross_border")
    assert v["abroad"] is False and v["domestic_storage"] is True
    v = one("为提供翻译服务，您的部分个人信息将被传输至境外服务器。", "cross_border")
    assert v["abroad"] is True
    v = one("如需跨境传输，我们将会单独征得您的授权同意。", "cross_border")
    assert v["abroad"] is False and v["conditional_transfer"] is True
    assert one("我们不会将您的个人信息传输至境外。", "cross_border")["abroad"] is False
    assert one("Your data may be transferred outside mainland China.", "cross_border")["conditional_transfer"] is True


# ----------------------------------------------------------------------------- sharing

def test_no_sharing_claim():
    v = one("我们不会与任何第三方共享您的个人信息。", "no_sharing_claim")
    assert v["unconditional"] is True and v["actions"] == ["共享"]
    v = one("我们不会与任何公司、组织和个人共享您的个人信息，但以下情况除外：", "no_sharing_claim")
    assert v["exceptions"] is True and v["unconditional"] is False
    assert one("We do not sell your personal information to third parties.", "no_sharing_claim")["actions"] == ["sell"]
    assert not found("棋游不对第三方交易的行为负责。", "no_sharing_claim")


def test_sharing_consent():
    v = one("在向第三方共享您的个人信息前，我们会征得您的单独同意。", "sharing_consent")
    assert v["separate_consent"] is True and v["consent"] is True
    v = one("我们可能会与广告合作伙伴共享匿名化处理后的统计信息。", "sharing_consent")
    assert v["anonymised"] is True and v["consent"] is False
    assert one("We will obtain your consent before sharing your data with third parties.", "sharing_consent")["consent"]
    # Anonymisation after cancellation is not sharing.
    assert not found("注销账号后，我们将对您的个人信息进行匿名化处理。", "sharing_consent")


# ----------------------------------------------------------------------------- open list, date

def test_open_list():
    v = one("我们会收集您的设备信息，包括但不限于IMEI、MAC地址、Android ID。", "open_list")
    assert v["markers"] == ["包括但不限于"] and {"imei", "mac_address", "android_id"} <= set(v["pi_types"])
    v = one("我们会收集您的手机号码、IMEI等信息。", "open_list")
    assert v["markers"] == ["等"]
    assert one("We collect device identifiers such as IMEI and IDFA.", "open_list")["markers"] == ["such as"]
    # 等 after non-PI items, or a closed list, is not an open PI list.
    assert not found("您可以更换头像、发表评论、分享等功能。", "open_list")
    assert not found("我们会收集您的手机号码和IMEI。", "open_list")


def test_pi_terms():
    terms = pi_terms("我们会收集IMEI、MAC地址和手机号码")
    assert [t[0] for t in terms] == ["imei", "mac_address", "phone_number"]
    assert not pi_terms("macro 和 imeix")


def test_policy_effective_date():
    assert one("生效日期：2021年2月25日", "policy_effective_date") == {"date": "2021-02-25", "type": "effective"}
    assert one("更新时间：2021年【10】月【8】日", "policy_effective_date") == {"date": "2021-10-08", "type": "updated"}
    assert one("本政策自2020年6月17日起生效。", "policy_effective_date") == {"date": "2020-06-17", "type": "effective"}
    assert one("Last updated: March 1, 2021", "policy_effective_date") == {"date": "2021-03-01", "type": "updated"}
    assert one("Effective date: 2022-01-15", "policy_effective_date") == {"date": "2022-01-15", "type": "effective"}
    assert not found("生效日期：2021年13月45日", "policy_effective_date")


# ----------------------------------------------------------------------------- real policies

def _ca4p_texts(limit: int) -> list[str]:
    folder = shared("data", "policies", "zh", "ca4p483", "raw_data")
    out = []
    for p in sorted(glob.glob(str(folder / "*.html")))[:limit]:
        raw = open(p, encoding="utf-8").read()
        m = re.search(r"<pre[^>]*>(.*?)</pre>", raw, re.S)
        text = html.unescape(m.group(1)) if m else ""
        out.append("\n".join(ln.replace("**", "").lstrip("#* ").strip() for ln in text.split("\n")
                             if ln.strip() and not ln.startswith("Apkid:") and not set(ln.strip()) <= {"="}))
    return out


def test_real_policies_yield_core_statements():
    texts = _ca4p_texts(60)
    per_kind: dict[str, int] = {}
    for t in texts:
        sts = find_statements(t)
        for st in sts:
            assert 0 <= st.start < st.end <= len(t)
        for k in {s.kind for s in sts}:
            per_kind[k] = per_kind.get(k, 0) + 1
    # Most real policies publish a contact e-mail and say how changes are notified.
    assert per_kind.get("contact_email", 0) >= len(texts) // 2
    assert per_kind.get("change_notification", 0) >= len(texts) // 2
    assert per_kind.get("handling_time", 0) >= len(texts) // 3
