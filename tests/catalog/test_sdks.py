"""sdks.json: our third-party SDK catalogue (schema, coverage, and a cross-check against public lists)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from conftest import shared

from privaudit import catalog

KINDS = ["ads", "analytics", "push", "map", "location", "payment", "login_share", "crash", "risk_control",
         "face_ocr", "im", "rtc", "cloud", "webview", "oaid", "speech", "update", "attribution",
         "customer_service", "other"]  # fmt: skip
PI_IDS = {
    "imei", "imsi", "iccid", "phone_number", "mac_address", "android_id", "serial_number", "advertising_id",
    "device_info", "installed_apps", "running_apps", "ip_address", "precise_location", "coarse_location",
    "trajectory", "wifi_info", "cell_info", "bluetooth_info", "contacts", "call_log", "sms", "calendar",
    "photos", "camera", "audio", "clipboard", "sensors", "body_sensors", "accounts", "name", "id_number",
    "biometrics", "bank_account", "payment_info", "transaction_records", "address", "email", "user_account",
    "browsing_history", "health", "education_work",
}  # fmt: skip
KEYS = {"id", "name", "name_en", "vendor", "vendor_en", "country", "kinds", "packages", "domains",
        "manifest_keys", "pi_types", "policy_url"}  # fmt: skip
# A prefix this short would claim code that has nothing to do with one SDK.
TOO_GENERIC = {
    "com.google", "com.tencent", "com.alibaba", "com.baidu", "com.huawei", "android", "androidx", "java",
    "javax", "kotlin", "kotlinx", "com.android", "com.google.android", "com.google.android.gms",
    "com.facebook", "com.taobao", "com.alipay", "com.xiaomi", "com.bytedance", "com.ss.android", "com.qq",
    "com.sina", "com.netease", "com.amazon", "com.amazonaws", "com.microsoft", "com.samsung", "com.squareup",
    "com.github", "org.apache", "org.json", "okhttp3", "io.reactivex", "com.tencent.mm",
    "com.tencent.android", "com.huawei.hms", "com.huawei.android", "com.baidu.android",
    "com.alibaba.sdk.android", "com.unity3d",
}  # fmt: skip
# Prefixes the catalogue must cover: the families named in the issue, Chinese ones first.
MUST_COVER = [
    "com.umeng", "cn.jpush.android", "cn.jiguang", "com.igexin", "com.baidu.location", "com.baidu.mapapi",
    "com.baidu.mobstat", "com.baidu.mobads", "com.baidu.android.pushservice", "com.amap.api",
    "com.tencent.bugly", "com.tencent.beacon", "com.tencent.stat", "com.qq.e", "com.tencent.mm.opensdk",
    "com.tencent.tauth", "com.tencent.smtt", "com.tencent.android.tpush", "com.tencent.imsdk",
    "com.tencent.map.geolocation", "com.tencent.cos", "com.tencent.trtc", "com.bytedance.sdk.openadsdk",
    "com.bytedance.pangle", "com.bytedance.applog", "com.kwad", "com.alipay.sdk", "com.taobao.accs",
    "com.ta.utdid2", "com.ut.device", "com.alibaba.sdk.android.oss", "com.xiaomi.mipush", "com.huawei.hms",
    "com.heytap.msp", "com.coloros.mcssdk", "com.vivo.push", "com.meizu.cloud.pushsdk", "com.hihonor.push",
    "com.bun.miitmdid", "com.bun.supplier", "com.sina.weibo.sdk", "cn.sharesdk", "com.mob.pushsdk",
    "cn.smssdk", "com.mob", "com.sensorsdata.analytics", "com.growingio", "com.tendcloud", "com.ishumei",
    "cn.tongdun", "com.geetest", "com.netease.nis", "com.netease.nimlib", "com.qiyukf", "com.iflytek",
    "io.rong", "com.hyphenate", "io.agora", "com.zhuge", "com.unionpay", "com.kepler.jd", "com.megvii",
    "com.sensetime", "io.dcloud", "com.qiniu", "cn.leancloud", "com.taobao.weex", "com.google.firebase",
    "com.google.firebase.messaging", "com.google.firebase.crashlytics", "com.google.firebase.auth",
    "com.google.android.gms.ads", "com.google.android.gms.location", "com.google.android.gms.analytics",
    "com.facebook", "com.facebook.ads", "com.facebook.login", "com.appsflyer", "com.adjust.sdk", "io.branch",
    "com.crashlytics", "com.bugsnag", "io.sentry", "com.unity3d.ads", "com.applovin", "com.ironsource",
    "com.vungle", "com.chartboost", "com.inmobi", "com.mbridge.msdk", "com.flurry", "com.amplitude",
    "com.mixpanel", "com.segment", "com.onesignal", "com.appboy", "com.leanplum", "com.newrelic",
    "com.microsoft.appcenter", "com.twitter.sdk", "com.mopub", "com.kochava", "com.singular", "com.tapjoy",
    "com.yandex.metrica", "io.huq", "com.foursquare", "com.mapbox", "com.here", "com.stripe", "com.paypal",
    "com.braintreepayments",
]  # fmt: skip
# Hosts of a whole company or cloud: owning one would attribute unrelated traffic to one SDK.
TOO_BROAD_DOMAINS = {"google.com", "googleapis.com", "qq.com", "baidu.com", "taobao.com", "aliyuncs.com",
                     "amazonaws.com", "facebook.net", "163.com", "jd.com"}  # fmt: skip
NOT_SDK_CLASSES = ("com.tencent.mmkv.MMKV", "com.facebook.react.ReactActivity", "com.mobile.app.Main",
                   "com.google.gson.Gson", "com.bytedance.sdk.openadsdkx.Foo")  # fmt: skip
PACKAGE_RE = re.compile(r"^[a-z_][a-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$")
DOMAIN_RE = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$")
ID_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def sdks() -> list[dict[str, Any]]:
    return catalog.load("sdks")["sdks"]


def overlaps(a: str, b: str) -> bool:
    """Prefixes overlap at a dot boundary: ``com.mob`` covers ``com.mob.tools``, not ``com.mobile``."""
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def code_signatures(tracker: dict[str, Any]) -> list[str]:
    """Exodus ``code_signature`` is ``|``-separated; keep the ones that are package prefixes."""
    out = []
    for sig in (tracker.get("code_signature") or "").split("|"):
        sig = sig.strip()
        if sig and not sig.startswith(".") and re.fullmatch(r"[A-Za-z0-9_.]+", sig):
            out.append(sig.rstrip("."))
    return out


def network_hosts(tracker: dict[str, Any]) -> list[str]:
    """Exodus ``network_signature`` is a ``|``-separated regex of hosts with escaped dots."""
    out = []
    for sig in (tracker.get("network_signature") or "").split("|"):
        host = sig.replace("\\", "").strip().lower()
        if re.fullmatch(r"[a-z0-9.-]+\.[a-z]{2,}", host):
            out.append(host)
    return out


def owner_of_host(host: str, entries: list[dict[str, Any]]) -> str | None:
    """The SDK whose most specific domain covers ``host``."""
    best: tuple[int, str] | None = None
    for e in entries:
        for d in e["domains"]:
            if host == d or host.endswith("." + d):
                if best is None or len(d) > best[0]:
                    best = (len(d), e["id"])
    return best[1] if best else None


# -- schema ------------------------------------------------------------------------------


def test_version_and_kinds_vocabulary() -> None:
    data = catalog.load("sdks")
    assert data["version"] == 1
    assert data["kinds"] == KINDS
    assert set(data) == {"version", "kinds", "sdks"}


def test_every_entry_has_exactly_the_schema_keys() -> None:
    for e in sdks():
        assert set(e) == KEYS, (e.get("id"), set(e) ^ KEYS)
        for key in ("id", "name", "name_en", "vendor", "vendor_en", "country"):
            assert isinstance(e[key], str) and e[key].strip() == e[key] and e[key], (e["id"], key)
        for key in ("kinds", "packages", "domains", "manifest_keys", "pi_types"):
            assert isinstance(e[key], list), (e["id"], key)
            assert all(isinstance(x, str) and x for x in e[key]), (e["id"], key)
            assert len(e[key]) == len(set(e[key])), (e["id"], key, "duplicate")
        assert e["policy_url"] is None or re.match(r"^https?://\S+$", e["policy_url"]), e["id"]


def test_ids_are_unique_kebab_case() -> None:
    ids = [e["id"] for e in sdks()]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    bad = [i for i in ids if not ID_RE.match(i)]
    assert not bad, bad


def test_kinds_and_pi_types_come_from_the_vocabularies() -> None:
    for e in sdks():
        assert e["kinds"], e["id"]
        assert set(e["kinds"]) <= set(KINDS), (e["id"], set(e["kinds"]) - set(KINDS))
        assert set(e["pi_types"]) <= PI_IDS, (e["id"], set(e["pi_types"]) - PI_IDS)


def test_pi_vocabulary_matches_pi_types_catalogue() -> None:
    assert {t["id"] for t in catalog.load("pi_types")["types"]} == PI_IDS


def test_country_is_iso_alpha2() -> None:
    for e in sdks():
        assert re.fullmatch(r"[A-Z]{2}", e["country"]), (e["id"], e["country"])


def test_packages_are_specific_java_package_prefixes() -> None:
    for e in sdks():
        assert e["packages"], f"{e['id']}: no package prefix"
        for p in e["packages"]:
            assert PACKAGE_RE.match(p), (e["id"], p)
            assert len(p.split(".")) >= 2, (e["id"], p)
            assert p not in TOO_GENERIC, (e["id"], p, "too generic")


def test_no_package_domain_or_manifest_key_is_claimed_twice() -> None:
    """The attribution index keeps the first owner of each key, so a shared key would misattribute."""
    for field in ("packages", "domains", "manifest_keys"):
        seen: dict[str, str] = {}
        for e in sdks():
            for value in e[field]:
                assert value not in seen, f"{field} {value!r} in both {seen[value]} and {e['id']}"
                seen[value] = e["id"]


def test_domains_are_bare_lowercase_hosts() -> None:
    for e in sdks():
        for d in e["domains"]:
            assert DOMAIN_RE.match(d), (e["id"], d)
            assert d not in TOO_BROAD_DOMAINS, (e["id"], d, "too broad")


def test_manifest_keys_look_like_meta_data_names() -> None:
    for e in sdks():
        for k in e["manifest_keys"]:
            assert re.fullmatch(r"[A-Za-z0-9_.\-]+", k), (e["id"], k)


# -- coverage ----------------------------------------------------------------------------


def test_size_and_chinese_share() -> None:
    entries = sdks()
    cn = [e for e in entries if e["country"] == "CN"]
    assert len(entries) >= 170, len(entries)
    assert len(cn) >= 90, len(cn)


def test_named_families_are_covered() -> None:
    packages = [p for e in sdks() for p in e["packages"]]
    missing = [m for m in MUST_COVER if not any(overlaps(m, p) for p in packages)]
    assert not missing, missing


def test_longest_prefix_attribution_of_known_classes() -> None:
    """The matcher every evidence source uses resolves real SDK class names to the right entry."""
    from privaudit.evidence.attribution import sdk_index

    idx = sdk_index()
    cases = {
        "com.umeng.analytics.MobclickAgent": "umeng-analytics",
        "com.umeng.commonsdk.UMConfigure": "umeng-common",
        "cn.jpush.android.api.JPushInterface": "jiguang-jpush",
        "cn.jiguang.verifysdk.api.JVerificationInterface": "jiguang-jverification",
        "com.igexin.sdk.PushManager": "getui-push",
        "com.baidu.location.LocationClient": "baidu-location",
        "com.amap.api.location.AMapLocationClient": "amap-location",
        "com.loc.x": "amap-location",
        "com.localytics.android.Localytics": "localytics",
        "com.tencent.bugly.crashreport.CrashReport": "tencent-bugly",
        "com.qq.e.comm.managers.GDTAdSdk": "tencent-gdt",
        "com.qq.gdt.action.GDTAction": "tencent-gdt-action",
        "com.tencent.mm.opensdk.openapi.WXAPIFactory": "wechat-opensdk",
        "com.tencent.smtt.sdk.QbSdk": "tencent-tbs-x5",
        "com.bytedance.sdk.openadsdk.TTAdSdk": "pangle",
        "com.kwad.sdk.api.KsAdSDK": "kuaishou-ads",
        "com.alipay.sdk.app.PayTask": "alipay-sdk",
        "com.xiaomi.mipush.sdk.MiPushClient": "xiaomi-push",
        "com.huawei.hms.push.HmsMessageService": "huawei-push",
        "com.huawei.hms.ads.identifier.AdvertisingIdClient": "huawei-oaid",
        "com.bun.miitmdid.core.MdidSdkHelper": "msa-oaid",
        "com.google.android.gms.ads.MobileAds": "google-admob",
        "com.google.android.gms.ads.identifier.AdvertisingIdClient": "google-ads-identifier",
        "com.google.firebase.analytics.FirebaseAnalytics": "firebase-analytics",
        "com.facebook.appevents.AppEventsLogger": "facebook-core",
        "com.facebook.ads.AudienceNetworkAds": "facebook-audience-network",
        "com.appsflyer.AppsFlyerLib": "appsflyer",
    }
    got = {cls: (idx.sdk_for_class(cls) or ({"id": None}, ""))[0]["id"] for cls in cases}
    assert got == cases
    # Not SDK code: neither a bare vendor namespace nor a look-alike package.
    for cls in NOT_SDK_CLASSES:
        assert idx.sdk_for_class(cls) is None, cls


def test_host_attribution_prefers_the_most_specific_domain() -> None:
    from privaudit.evidence.attribution import sdk_index

    idx = sdk_index()
    cases = {
        "alog.umeng.com": "umeng-common",
        "apilocate.amap.com": "amap-location",
        "restapi.amap.com": "amap-search",
        "webrd01.is.autonavi.com": "amap-map",
        "api.appsflyer.com": "appsflyer",
        "firebase-settings.crashlytics.com": "firebase-crashlytics",
        "settings.crashlytics.com": "fabric-crashlytics",
        "fp-it.fengkongcloud.com": "shumei",
    }
    got = {h: (idx.sdk_for_host(h) or {"id": None})["id"] for h in cases}
    assert got == cases


# -- cross-checks against shared public lists (skipped when the shared data is absent) -----


# Exodus tracker name -> the entry that should agree with it on package (and host, when Exodus has one).
EXODUS_AGREE = {
    "AppsFlyer": ("appsflyer", True), "Adjust": ("adjust", True), "Branch": ("branch", True),
    "Bugsnag": ("bugsnag", False), "Umeng Analytics": ("umeng-analytics", False),
    "Bugly": ("tencent-bugly", True),
    "Baidu Location": ("baidu-location", False), "Baidu Mobile Ads": ("baidu-mobads", False),
    "Baidu Mobile Stat": ("baidu-mobstat", False), "Tencent MTA": ("tencent-mta", False),
    "Google CrashLytics": ("fabric-crashlytics", True), "Google AdMob": ("google-admob", True),
    "Google Firebase Analytics": ("firebase-analytics", False), "Facebook Login": ("facebook-login", False),
    "Facebook Ads": ("facebook-audience-network", False), "Unity3d Ads": ("unity-ads", True),
    "AppLovin": ("applovin", True), "ironSource": ("ironsource", True), "Mintegral": ("mintegral", True),
    "Sensors Analytics": ("sensorsdata", False), "TalkingData": ("talkingdata", True),
    "OneSignal": ("onesignal", True), "Flurry": ("flurry", True), "Inmobi": ("inmobi", True),
    "Vungle": ("vungle", True), "ChartBoost": ("chartboost", True), "Tapjoy": ("tapjoy", True),
    "MixPanel": ("mixpanel", True), "Amplitude": ("amplitude", True), "Yandex Ad": ("yandex-ads", False),
    "AppMetrica": ("yandex-appmetrica", True), "Braze (formerly Appboy)": ("braze", True),
}  # fmt: skip


@pytest.fixture(scope="module")
def exodus() -> list[dict[str, Any]]:
    path = shared("data", "sdk", "exodus_trackers_hidedroid", "trackers.json")
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    assert isinstance(data, list) and data and {"name", "code_signature", "network_signature"} <= set(data[0])
    return data


def test_overlap_with_exodus_is_plausible(exodus: list[dict[str, Any]]) -> None:
    """Most global SDK prefixes are Exodus trackers too; few Chinese ones are (Exodus barely has them)."""
    sigs = [s for t in exodus for s in code_signatures(t)]
    ratio = {}
    for label, cn in (("CN", True), ("global", False)):
        pkgs = [p for e in sdks() if (e["country"] == "CN") == cn for p in e["packages"]]
        hit = [p for p in pkgs if any(overlaps(p, s) for s in sigs)]
        ratio[label] = len(hit) / len(pkgs)
    allp = [p for e in sdks() for p in e["packages"]]
    covered = [t["name"] for t in exodus if any(overlaps(p, s) for s in code_signatures(t) for p in allp)]
    print(f"\nExodus overlap: {ratio}; Exodus trackers covered: {len(covered)}/{len(exodus)}")
    assert 0.35 <= ratio["global"] <= 0.95, ratio
    assert 0.02 <= ratio["CN"] <= 0.6, ratio
    assert len(covered) >= 60, len(covered)


def test_agrees_with_exodus_on_well_known_trackers(exodus: list[dict[str, Any]]) -> None:
    by_name = {t["name"]: t for t in exodus}
    entries = sdks()
    by_id = {e["id"]: e for e in entries}
    problems = []
    for name, (sdk_id, check_host) in EXODUS_AGREE.items():
        tracker = by_name.get(name)
        if tracker is None:
            problems.append(f"{name}: not in Exodus list")
            continue
        ours = by_id[sdk_id]["packages"]
        if not any(overlaps(p, s) for p in ours for s in code_signatures(tracker)):
            problems.append(f"{name}: {code_signatures(tracker)} vs {sdk_id} {ours}")
        if check_host:
            owners = {owner_of_host(h, entries) for h in network_hosts(tracker)}
            if sdk_id not in owners:
                problems.append(f"{name}: hosts {network_hosts(tracker)[:4]} owned by {owners}, not {sdk_id}")
    assert not problems, problems


# dcloud's own disclosure of the SDKs uni-app bundles: real Chinese SDKs, their packages and PI.
DCLOUD_NOT_CATALOGUED = {"推啊"}  # ad network listed by a tracking host, no package prefix we could verify
DCLOUD_PI_WORDS = {"IMEI": {"imei"}, "位置信息": {"precise_location", "coarse_location"},
                   "应用已安装列表": {"installed_apps"}}  # fmt: skip


def test_covers_sdks_disclosed_by_dcloud() -> None:
    path = shared("data", "sdk", "dcloud_uniapp_sdk_disclosures", "uniapp_android_sdk_disclosures.json")
    with open(path, encoding="utf-8") as fh:
        entries = json.load(fh)["entries"]
    ours = sdks()
    problems = []
    for d in entries:
        if d["section"] == "uni-app默认集成功能模块" and d["sdk_name"] != "移动安全联盟 OAID":
            continue  # image loaders, JSON parser: libraries, not SDKs that collect PI
        if not d["packages"] or d["sdk_name"] in DCLOUD_NOT_CATALOGUED:
            continue
        covering = [e for e in ours if any(overlaps(p, q) for p in e["packages"] for q in d["packages"])]
        ours_pkgs = [p for e in covering for p in e["packages"]]
        uncovered = [q for q in d["packages"] if not any(overlaps(p, q) for p in ours_pkgs)]
        if uncovered:
            problems.append(f"{d['sdk_name']}: {uncovered} not catalogued")
            continue
        pi = {t for e in covering for t in e["pi_types"]}
        for word, wanted in DCLOUD_PI_WORDS.items():
            if word in d["personal_info"] and not pi & wanted:
                problems.append(f"{d['sdk_name']}: discloses {word}, ours lack {sorted(wanted)}")
    assert not problems, problems


def test_agrees_with_appmanager_libraries_on_code_signatures() -> None:
    path = shared("data", "sdk", "appmanager_android_libraries", "libs.json")
    with open(path, encoding="utf-8") as fh:
        libs = {lib["id"]: lib for lib in json.load(fh)}
    pairs = {"umeng-analytics": "umeng-analytics", "umeng-push-sdk": "umeng-push",
             "baidu-location": "baidu-location", "baidu-mobile-stat": "baidu-mobstat",
             "jiguang-aurora-mobile-jpush": "jiguang-jpush", "igexin": "getui-push"}  # fmt: skip
    by_id = {e["id"]: e for e in sdks()}
    problems = []
    for lib_id, sdk_id in pairs.items():
        lib = libs.get(lib_id)
        if lib is None:
            problems.append(f"{lib_id}: absent from libs.json")
            continue
        sigs = [s.strip("/").replace("/", ".") for s in lib["signatures"].get("code", "").split("|") if s]
        if not any(overlaps(p, s) for p in by_id[sdk_id]["packages"] for s in sigs):
            problems.append(f"{lib_id} {sigs} vs {sdk_id} {by_id[sdk_id]['packages']}")
    assert not problems, problems
