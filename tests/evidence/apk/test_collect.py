"""Static evidence from whole apps: our fixtures, the demo app, and real APKs from ../shared."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout

import pytest
from conftest import REPO, shared

from privaudit.cli import main
from privaudit.evidence.apk.collect import collect

FIX = REPO / "tests" / "fixtures" / "apk"
DEMO = REPO / "examples" / "demo-app" / "demo.apk"


def test_demo_app_evidence():
    ev = collect(str(DEMO))
    assert ev.identity.package == "com.example.privdemo" and ev.identity.target_sdk == 30
    assert {"android.permission.READ_PHONE_STATE", "android.permission.ACCESS_FINE_LOCATION"} <= ev.permission_names()
    assert {s.sdk_id for s in ev.sdks} >= {"umeng-common", "jiguang-jpush"}
    via = {s.sdk_id: s.via for s in ev.sdks}
    assert via["jiguang-jcore"] == ("manifest",)  # only its JPUSH_APPKEY meta-data is present
    assert "manifest" in via["umeng-common"] and "code" in via["umeng-common"]
    uses = {(u.api_id, u.caller_class, u.owner_kind) for u in ev.api_uses}
    assert ("telephony.getDeviceId", "com.example.privdemo.MainActivity", "app") in uses
    assert ("telephony.getSubscriberId", "com.umeng.commonsdk.UMConfigure", "sdk") in uses
    # Settings.Secure.getString counts as an Android ID read only with the "android_id" constant
    android_id = [u for u in ev.api_uses if "android_id" in u.pi_types]
    assert {u.caller_class for u in android_id} == {"com.example.privdemo.MainActivity",
                                                     "cn.jpush.android.api.JPushInterface"}
    for u in ev.api_uses:  # provenance points at the instruction inside the DEX
        assert u.provenance.entry == "classes.dex" and u.provenance.offset > 0x70
    assert any(r.kind == "bundled_document" and r.value == "assets/privacy_policy.html" for r in ev.policy_refs)
    assert any(r.kind == "url" and "privacy" in r.value for r in ev.policy_refs)
    assert "ulogs.umeng.com" in {u.host for u in ev.urls}
    assert not ev.packed


def test_multidex_reads_every_dex():
    ev = collect(str(FIX / "multidex.apk"))
    assert ev.dex_entries == ["classes.dex", "classes2.dex"]
    use = next(u for u in ev.api_uses if u.api_id == "telephony.getDeviceId")
    assert use.caller_class == "com.example.multi.Second" and use.provenance.entry == "classes2.dex"


def test_uses_permission_sdk23_and_max_sdk():
    ev = collect(str(FIX / "sdk23perm.apk"))
    perms = {p.name: p for p in ev.permissions}
    assert perms["android.permission.CAMERA"].sdk23_only
    assert perms["android.permission.WRITE_EXTERNAL_STORAGE"].max_sdk == 28


def test_packer_detected():
    ev = collect(str(FIX / "packed_jiagu.apk"))
    assert [p.packer_id for p in ev.packers] == ["jiagu360"]
    assert any("libjiagu.so" in m for m in ev.packers[0].markers)


@pytest.mark.parametrize("name", ["split_set.apks", "xapk_set.xapk"])
def test_split_sets_read_as_one_app(name):
    ev = collect(str(FIX / name))
    assert ev.form == "split_set" and ev.identity.package == "com.example.clean"
    assert ev.dex_entries and ev.dex_entries[0].startswith("base.apk!")


def test_bundle_manifest_is_protobuf():
    ev = collect(str(FIX / "bundle.aab"))
    assert ev.form == "bundle" and ev.identity.package == "com.example.bundle"
    assert ev.dex_entries == ["base/dex/classes.dex"]
    assert "android.permission.ACCESS_COARSE_LOCATION" in ev.permission_names()
    assert [(u.api_id, u.caller_class, u.provenance.entry) for u in ev.api_uses] == [
        ("locationmanager.getLastKnownLocation", "com.example.bundle.MainActivity", "base/dex/classes.dex")]
    assert any(s.sdk_id.startswith("umeng") for s in ev.sdks)


def test_exodus_core_apps_sdks():
    """The two real apps exodus-core tests with: Facebook, Crashlytics and Google ads SDKs."""
    apks = shared("data", "apks", "exodus_core", "apks")
    found = {apk.name: {s.sdk_id for s in collect(str(apk)).sdks} for apk in sorted(apks.glob("*.apk"))}
    assert {"facebook-core", "facebook-login", "fabric-crashlytics"} <= found["instapaper.apk"]
    assert "google-admob" in found["blooddonation.apk"]


def _cli(path: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        rc = main(["scan", str(path), "--format", "json"])
    return rc, err.getvalue()


def test_androguard_odd_files_give_result_or_one_line_error():
    """Every parser torture case: a report (exit 0) or a deliberate one-line error (exit 2)."""
    root = shared("data", "apks", "androguard")
    outcomes = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rc, err = _cli(str(path))
        assert rc in (0, 2), (path, rc, err)
        if rc == 2:
            assert err.count("\n") == 1 and "PRIVAUDIT_DEBUG" not in err, (path, err)
        outcomes[path.name] = rc
    # real, valid apps are read
    for name in ("com.politedroid_4.apk", "com.teleca.jamendo_35.apk", "a2dp.Vol_137.apk", "TestActivity.apk",
                 "TC-debug.apk", "Test-debug-unaligned.apk", "urzip-πÇÇπÇÇ现代汉语通用字-български-عربي1234.apk"):
        assert outcomes[name] == 0, name
    # binary manifests alone are not apps
    assert outcomes["AndroidManifest-Chinese.xml"] == 2


def test_jni_reads_in_native_libraries_are_reported():
    """DroidBench Native/SourceInNativeCode reads the IMEI from C through JNI: the DEX never calls it."""
    apk = shared("data", "apks", "droidbench", "apk", "Native", "SourceInNativeCode.apk")
    ev = collect(str(apk))
    native = [u for u in ev.api_uses if u.owner_kind == "native"]
    assert [(u.api_id, u.provenance.entry) for u in native] == [("telephony.getDeviceId", "lib/armeabi/libndkmod.so")]
    assert native[0].reflective and native[0].provenance.offset > 0
    assert not any(u.api_id == "telephony.getDeviceId" and not u.reflective for u in ev.api_uses)
