"""camille Excel exports built here with openpyxl (.xlsx) and xlwt (.xls), in camille's two column layouts."""

from __future__ import annotations

import calendar

import pytest

from privaudit.errors import InputError, MalformedInput
from privaudit.evidence.runtime.camille import MESSAGE_APIS, read_camille
from privaudit.evidence.runtime.jsonl import api_by_id

openpyxl = pytest.importorskip("openpyxl", reason="openpyxl is in the dev and runtime extras")

OLD_HEADER = ["时间点", "操作行为", "行为描述", "传入参数", "调用堆栈"]  # camille.py with xlwt, 2021
NEW_HEADER = ["隐私政策状态", "时间点", "行为主体", "操作行为", "行为描述", "传入参数", "调用堆栈"]  # utlis.write_xlsx

IMEI_STACK = ("   android.telephony.TelephonyManager.getDeviceId(Native Method)\r\n"
              "   com.umeng.commonsdk.statistics.common.DeviceConfig.getImeiNew(DeviceConfig.java:10)\r\n"
              "   com.example.app.App.onCreate(App.java:5)\r\n")
AID_STACK = ("   android.provider.Settings$Secure.getString(Native Method)\r\n"
             "   com.example.app.Ids.get(Ids.java:12)\r\n")
PERM_STACK = ("   androidx.core.app.ActivityCompat.requestPermissions(Native Method)\r\n"
              "   com.example.app.MainActivity.onCreate(MainActivity.java:40)\r\n")
MCC_STACK = ("   android.telephony.TelephonyManager.getSimOperator(Native Method)\r\n"
             "   com.example.app.Net.op(Net.java:3)\r\n")


def at(y, mo, d, h, mi, s):
    return float(calendar.timegm((y, mo, d, h, mi, s, 0, 0, 0)))


def xlsx(tmp_path, header, rows, name="camille.xlsx"):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "App_privacy_compliance_testing"
    ws.append(header)
    for r in rows:
        ws.append(r)
    p = tmp_path / name
    wb.save(p)
    return str(p)


OLD_ROWS = [
    ["2021-11-23 10:57:3", "获取电话相关信息", "获取IMEI", "无参数", IMEI_STACK],
    ["2021-11-23 10:57:3", "获取系统信息", "获取安卓ID", '参数0：{}\r\n参数1："android_id"', AID_STACK],
    ["2021-11-23 10:57:4", "申请权限", '申请具体权限看"参数1"',
     '参数0：{}\r\n参数1：["android.permission.READ_PHONE_STATE","android.permission.ACCESS_FINE_LOCATION"]\r\n参数2：1',
     PERM_STACK],
    ["2021-11-23 10:57:5", "获取网络信息", "获取Mac地址", "无参数", ""],
    ["2021-11-23 10:57:6", "获取电话相关信息", "获取MCC/MNC", "无参数", MCC_STACK],
    ["2021-11-23 10:57:7", "获取电话相关信息", "获取电话号码标识符", '参数0："13812345678"', ""],
]


def test_old_layout_xlsx(tmp_path):
    trace = read_camille(xlsx(tmp_path, OLD_HEADER, OLD_ROWS), package="com.example.app")
    assert trace.format == "camille_xlsx" and trace.clock == "device_wallclock"
    e = trace.events
    assert [x.kind for x in e] == ["api_call", "api_call", "permission_request", "api_call", "api_call", "api_call"]
    imei, aid, perm, mac, mcc, phone = e
    assert imei.api_id == "telephony.getDeviceId" and imei.pi_types == ["imei"]
    assert imei.sdk_id == "umeng-common"  # first non-framework frame
    assert imei.stack[0].class_name == "android.telephony.TelephonyManager" and imei.stack[2].line == 5
    assert imei.t == at(2021, 11, 23, 10, 57, 3) and aid.t == imei.t + 0.001  # same second: export order kept
    assert aid.api_id == "settings_secure.getString.android_id" and aid.owner == "com.example.app"
    assert perm.permissions == ["android.permission.ACCESS_FINE_LOCATION", "android.permission.READ_PHONE_STATE"]
    assert perm.owner == "com.example.app"
    assert mac.api_id == "wifiinfo.getMacAddress" and mac.stack == []  # from the description
    assert mcc.api_id is None and mcc.api == "TelephonyManager.getSimOperator" and mcc.pi_types == []
    assert phone.api_id == "telephony.getLine1Number" and "13812345678" not in phone.args
    assert imei.detail == "获取电话相关信息 / 获取IMEI"
    assert imei.provenance.entry == "App_privacy_compliance_testing" and imei.provenance.locator == "row 2"


def test_new_layout_marks_the_consent_moment_from_the_status_column(tmp_path):
    rows = [
        ["同意隐私政策前", "2021-11-23 10:00:01", "友盟", "获取电话相关信息", "获取IMEI", "无参数", IMEI_STACK],
        ["同意隐私政策前", "2021-11-23 10:00:05", "APP本身", "获取系统信息", "获取安卓ID", '参数1："android_id"',
         AID_STACK],
        ["同意隐私政策后", "2021-11-23 10:00:05", "APP本身", "获取电话相关信息", "获取IMSI", "无参数", ""],
        ["同意隐私政策后", "2021-11-23 10:00:09", "APP本身", "获取电话相关信息", "获取IMEI", "无参数", IMEI_STACK],
    ]
    trace = read_camille(xlsx(tmp_path, NEW_HEADER, rows), package="com.example.app")
    kinds = [x.kind for x in trace.events]
    assert kinds == ["api_call", "api_call", "consent_accepted", "api_call", "api_call"]
    t_c = trace.consent_time()
    before = [x for x in trace.events if x.kind == "api_call" and x.t < t_c]
    assert [x.api_id for x in before] == ["telephony.getDeviceId", "settings_secure.getString.android_id"]
    assert at(2021, 11, 23, 10, 0, 5) < t_c < at(2021, 11, 23, 10, 0, 5) + 0.001
    assert "行为主体 友盟" in trace.events[0].detail
    assert "row 3" in trace.events[2].detail and "row 4" in trace.events[2].detail


def test_zero_based_months_are_detected(tmp_path):
    rows = [["2022-0-31 23:59:59", "获取电话相关信息", "获取IMEI", "无参数", IMEI_STACK]]
    trace = read_camille(xlsx(tmp_path, OLD_HEADER, rows))
    assert trace.events[0].t == at(2022, 1, 31, 23, 59, 59)
    assert any("0-based months" in n for n in trace.notes)


def test_xls_written_like_camille(tmp_path):
    xlwt = pytest.importorskip("xlwt", reason="xlwt is needed only to build the .xls test file")
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("App_privacy_compliance_testing")
    for j, name in enumerate(NEW_HEADER):
        ws.write(0, j, name)
    row = ["同意隐私政策前", "2021-11-23 10:00:01", "APP本身", "获取电话相关信息", "获取IMEI", "无参数", IMEI_STACK]
    for j, value in enumerate(row):
        ws.write(1, j, value)
    p = tmp_path / "camille.xlsx"  # camille names its xlwt output .xlsx; the content decides
    wb.save(str(p))
    trace = read_camille(str(p))
    assert trace.format == "camille_xls"
    (ev,) = trace.events
    assert ev.api_id == "telephony.getDeviceId" and ev.t == at(2021, 11, 23, 10, 0, 1) and ev.sdk_id == "umeng-common"


def test_refusals(tmp_path):
    text = tmp_path / "notes.xlsx"
    text.write_text("not a workbook", encoding="utf-8")
    with pytest.raises(InputError, match="not an Excel workbook"):
        read_camille(str(text))
    with pytest.raises(InputError, match="not a camille export"):
        read_camille(xlsx(tmp_path, ["name", "price"], [["apple", 3]], name="shop.xlsx"))
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    with pytest.raises(MalformedInput):
        read_camille(str(broken))


def test_description_table_names_catalogued_apis():
    assert all(api_by_id(api_id) is not None for api_id in MESSAGE_APIS.values())
