"""camille's Excel export (github.com/zhengjim/camille, a Frida privacy-hook tool) to a ``Trace``.

camille writes one sheet ``App_privacy_compliance_testing`` with xlwt (``.xls``, even when the file
is called ``.xlsx``; forks write real ``.xlsx``). Columns, found by their header names in the first
rows: 时间点 (time), 操作行为 (action, e.g. 获取电话相关信息, 申请权限), 行为描述 (description, e.g.
获取IMEI), 传入参数 (``参数0：… 参数1：…``), 调用堆栈 (``StackTraceElement.toString()`` lines, the
hooked method first); newer versions add 隐私政策状态 (``同意隐私政策前`` / ``同意隐私政策后``) and
行为主体 (``APP本身`` or an SDK name).

Each row becomes an ``api_call`` (or ``permission_request`` for 申请权限, with the permissions named in
the arguments). The API comes from the first stack frame that is a catalogued PI-reading API (class
and method, plus the ``android_id`` argument for ``Settings$Secure.getString``), else from the
description (获取IMEI → ``telephony.getDeviceId`` …); the owner from the first non-framework frame
(``class_owner``); camille's own 行为主体 is kept in ``detail``. Arguments are redacted.

Times: camille's hook script formats ``Date()`` in the app process, so times are the device's wall
clock (read as UTC, seconds). They have 1 s resolution, so rows within one second get 1 ms steps
in export order. Its script writes ``getMonth()`` (0-based) unpadded: a month 0, or a day that only
fits the month after, switches the whole file to 0-based months (noted). Where 隐私政策状态 turns
from 前 to 后, ``consent_accepted`` is placed just before the first 后 row: camille records that the
tester agreed by then, not the tap itself (noted in the event).

``.xlsx`` needs openpyxl, ``.xls`` xlrd (the ``runtime`` extra); both are imported only here, when
needed. Workbooks over 256 MiB, xlsx archives that inflate beyond 512 MiB or hold over 10,000
members, and more than 1,000,000 rows are refused or cut.
"""

from __future__ import annotations

import calendar
import datetime
import os
import re
import stat
import zipfile
from typing import Any

from privaudit.errors import InputError, MalformedInput, UnsafeInput
from privaudit.evidence.runtime.jsonl import api_by_id, api_for_frame, attribute, parse_stack, redact
from privaudit.evidence.runtime.model import Trace, TraceEvent
from privaudit.model import Provenance

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_INFLATED = 512 * 1024 * 1024
MAX_MEMBERS = 10_000
MAX_ROWS = 1_000_000
HEADER_SCAN_ROWS = 10

COLUMNS = {
    "status": ("隐私政策状态", "privacy policy status", "privacy_policy_status"),
    "time": ("时间点", "时间", "time", "alert_time"),
    "subject": ("行为主体", "subject", "subject_type"),
    "action": ("操作行为", "action"),
    "message": ("行为描述", "description", "messages"),
    "args": ("传入参数", "arguments", "args", "arg"),
    "stack": ("调用堆栈", "stack", "stacks", "call stack"),
}

# 行为描述 written by camille's script.js -> catalogue api id (used when no stack frame names the API)
MESSAGE_APIS = {
    "获取imei": "telephony.getDeviceId", "获取meid": "telephony.getMeid", "获取imsi": "telephony.getSubscriberId",
    "获取imsi/iccid": "telephony.getSimSerialNumber", "获取电话号码标识符": "telephony.getLine1Number",
    "获取安卓id": "settings_secure.getString.android_id", "获取设备序列号": "build.getSerial",
    "获取mac地址": "wifiinfo.getMacAddress", "读取剪切板信息": "clipboard.getPrimaryClip",
    "获取手机通信录内容": "contentresolver.query.com_android_contacts",
    "获取日历内容": "contentresolver.query.calendar",
    "获取相册内容": "mediastore.Images.EXTERNAL_CONTENT_URI",
    "app获取了其他app信息": "packagemanager.getInstalledPackages",
    "获取了正在运行的app": "activitymanager.getRunningAppProcesses",
    "获取位置信息": "locationmanager.getLastKnownLocation",
    "获取电话当前位置信息": "telephony.getCellLocation", "获取基站信息": "telephony.requestCellInfoUpdate",
    "获取基站cid信息": "gsmcelllocation.getCid", "获取基站lac信息": "gsmcelllocation.getLac",
    "获取wifi ssid": "wifiinfo.getSSID", "获取wifi bssid": "wifiinfo.getBSSID",
    "获取wifi信息": "wifimanager.getConnectionInfo",
    "获取ip地址": "wifiinfo.getIpAddress", "获取蓝牙设备名称": "bluetoothdevice.getName",
    "获取蓝牙设备mac": "bluetoothdevice.getAddress", "调用摄像头": "camera.open",
    "调用摄像头拍照": "camerax.imagecapture.takePicture",
}
# descriptions that name PI without a catalogue API (queries about single other apps)
MESSAGE_PI = (("getapplicationinfo", "installed_apps"), ("getpackageinfoasuser", "installed_apps"),
              ("getinstallerpackagename", "installed_apps"))

_TIME = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})[ T]+(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,6}))?")
_PERMISSION = re.compile(r"android\.permission\.[A-Z_]+|com\.[\w.]+\.permission\.[A-Z_]+")


def read_camille(path: str, package: str | None = None) -> Trace:
    """Read camille's .xls / .xlsx export; ``package`` lets stack frames of the app be attributed to it."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise InputError(f"cannot read camille export: {exc.strerror or exc}", path) from None
    if not stat.S_ISREG(st.st_mode):
        raise InputError("not a regular file", path)
    if st.st_size > MAX_FILE_BYTES:
        raise UnsafeInput(f"workbook of {st.st_size} bytes is over the {MAX_FILE_BYTES} byte limit", path)
    with open(path, "rb") as fh:
        magic = fh.read(8)
    if magic.startswith(XLSX_MAGIC):
        fmt, sheet, rows = "camille_xlsx", *_xlsx_rows(path)
    elif magic == XLS_MAGIC:
        fmt, sheet, rows = "camille_xls", *_xls_rows(path)
    else:
        raise InputError("not an Excel workbook (.xls or .xlsx)", path)
    return _build(path, fmt, sheet, rows, package)


# ---------------------------------------------------------------- workbook readers


def _xlsx_rows(path: str) -> tuple[str, list[tuple[Any, ...]]]:
    try:
        import openpyxl
    except ImportError:
        raise InputError("reading .xlsx needs openpyxl (a privaudit dependency): pip install openpyxl", path) from None
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise MalformedInput(f"broken .xlsx (zip): {exc}", path) from None
    if len(infos) > MAX_MEMBERS:
        raise UnsafeInput(f".xlsx holds {len(infos)} members (limit {MAX_MEMBERS})", path)
    inflated = sum(i.file_size for i in infos)
    if inflated > MAX_INFLATED:
        raise UnsafeInput(f".xlsx would inflate to {inflated} bytes (limit {MAX_INFLATED})", path)
    with open(path, "rb") as fh:  # a file object: openpyxl then does not insist on the .xlsx name
        try:
            wb = openpyxl.load_workbook(fh, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for broken files
            raise MalformedInput(f"unreadable .xlsx: {type(exc).__name__}: {str(exc)[:120]}", path) from None
        try:
            name = "App_privacy_compliance_testing"
            ws = wb[name] if name in wb.sheetnames else wb.active
            if ws is None:
                raise MalformedInput("workbook has no sheet", path)
            rows = []
            for row in ws.iter_rows(values_only=True):
                rows.append(tuple(row))
                if len(rows) > MAX_ROWS:
                    break
            return ws.title, rows
        except MalformedInput:
            raise
        except Exception as exc:
            raise MalformedInput(f"unreadable .xlsx: {type(exc).__name__}: {str(exc)[:120]}", path) from None
        finally:
            wb.close()


def _xls_rows(path: str) -> tuple[str, list[tuple[Any, ...]]]:
    try:
        import xlrd
    except ImportError:
        raise InputError("reading .xls needs xlrd (a privaudit dependency): pip install xlrd", path) from None
    try:
        book = xlrd.open_workbook(path, on_demand=True)
    except Exception as exc:  # xlrd raises XLRDError, struct.error, IndexError … on broken files
        raise MalformedInput(f"unreadable .xls: {type(exc).__name__}: {str(exc)[:120]}", path) from None
    try:
        names = book.sheet_names()
        if not names:
            raise MalformedInput("workbook has no sheet", path)
        sheet = book.sheet_by_name("App_privacy_compliance_testing") if "App_privacy_compliance_testing" in names \
            else book.sheet_by_index(0)
        rows = []
        for r in range(min(sheet.nrows, MAX_ROWS + 1)):
            values = []
            for cell in sheet.row(r):
                if cell.ctype == xlrd.XL_CELL_DATE:
                    try:
                        values.append(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode))
                        continue
                    except (ValueError, OverflowError):
                        pass
                values.append(cell.value)
            rows.append(tuple(values))
        return sheet.name, rows
    finally:
        book.release_resources()


# ---------------------------------------------------------------- rows to events


def _build(path: str, fmt: str, sheet: str, rows: list[tuple[Any, ...]], package: str | None) -> Trace:
    header_at, cols = _header(rows)
    if header_at is None or "time" not in cols or not ({"action", "message"} & cols.keys()):
        raise InputError("not a camille export: no header row with 时间点 and 操作行为/行为描述", path)
    trace = Trace(path=path, format=fmt, package=package, clock="device_wallclock")
    if len(rows) > MAX_ROWS:
        trace.notes.append(f"only the first {MAX_ROWS} rows read")
        rows = rows[:MAX_ROWS]
    body = [(i + 1, r) for i, r in enumerate(rows) if i > header_at and any(c not in (None, "") for c in r)]
    stamps = [_stamp(_cell(r, cols, "time")) for _, r in body]
    zero_based = any(s is not None and (s[1] == 0 or not _valid(s)) for s in stamps)
    if zero_based:
        trace.notes.append("times use 0-based months (camille's script.js writes Date.getMonth()); shifted by one")
    seen: dict[int, int] = {}
    status_before: int | None = None
    bad = 0
    for (rownum, row), stamp in zip(body, stamps, strict=True):
        t0 = _seconds(stamp, zero_based) if stamp is not None else None
        if t0 is None:
            bad += 1
            continue
        k = seen.get(int(t0), 0)
        seen[int(t0)] = k + 1
        t = t0 + k / 1000.0
        prov = Provenance("trace", path, entry=sheet, locator=f"row {rownum}")
        status = str(_cell(row, cols, "status") or "")
        if "前" in status:
            status_before = rownum
        elif "后" in status and status_before is not None:
            trace.events.append(TraceEvent(
                t=t - 0.0005, kind="consent_accepted", provenance=prov,
                detail=f"camille's 隐私政策状态 turns from 同意隐私政策前 (row {status_before}) to 同意隐私政策后 "
                       f"(row {rownum}): the tester had agreed by then; the tap itself was not timed"))
            status_before = None
        trace.events.append(_row_event(t, prov, row, cols, package))
    if bad:
        trace.notes.append(f"{bad} row(s) without a readable 时间点 skipped")
    statuses = {str(_cell(r, cols, "status") or "") for _, r in body} if "status" in cols else set()
    if statuses and all("后" in s for s in statuses if s):
        trace.notes.append("every row is 同意隐私政策后: camille ran with -npp or the agreement came before the first "
                           "hook; the consent moment is not in this export")
    trace.events.sort(key=lambda e: e.t)
    return trace


def _header(rows: list[tuple[Any, ...]]) -> tuple[int | None, dict[str, int]]:
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        cols: dict[str, int] = {}
        for j, cell in enumerate(row):
            name = str(cell or "").strip().lower()
            for key, names in COLUMNS.items():
                if name in names and key not in cols:
                    cols[key] = j
        if "time" in cols and len(cols) >= 2:
            return i, cols
    return None, {}


def _cell(row: tuple[Any, ...], cols: dict[str, int], key: str) -> Any:
    j = cols.get(key)
    return row[j] if j is not None and j < len(row) else None


def _stamp(value: Any) -> tuple[int, int, int, int, int, int, int] | None:
    if isinstance(value, datetime.datetime):
        return (value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond)
    if value is None:
        return None
    m = _TIME.search(str(value))
    if m is None:
        return None
    frac = m.group(7) or "0"
    return (*(int(g) for g in m.groups()[:6]), int(frac.ljust(6, "0")))  # type: ignore[return-value]


def _valid(s: tuple[int, ...]) -> bool:
    try:
        datetime.datetime(*s)
    except ValueError:
        return False
    return True


def _seconds(s: tuple[int, ...], zero_based: bool) -> float | None:
    year, month, day, hour, minute, second, micro = s
    if zero_based:
        month += 1
    try:
        dt = datetime.datetime(year, month, day, hour, minute, second, micro)
    except ValueError:
        return None
    return calendar.timegm(dt.timetuple()) + micro / 1e6


def _row_event(t: float, prov: Provenance, row: tuple[Any, ...], cols: dict[str, int],
               package: str | None) -> TraceEvent:
    action = str(_cell(row, cols, "action") or "").strip()
    message = str(_cell(row, cols, "message") or "").strip()
    args = str(_cell(row, cols, "args") or "").strip()
    subject = str(_cell(row, cols, "subject") or "").strip()
    stack = parse_stack(str(_cell(row, cols, "stack") or ""))
    detail = " / ".join(x for x in (action, message) if x) or None
    if subject:
        detail = f"{detail}; 行为主体 {subject}" if detail else f"行为主体 {subject}"
    args_out = redact(args.replace("\r\n", "; ").replace("\n", "; ")) if args and args != "无参数" else None
    if action == "申请权限" or "requestPermissions" in {f.method for f in stack[:2]}:
        perms = sorted(set(_PERMISSION.findall(args)))
        return TraceEvent(t=t, kind="permission_request", provenance=prov, permissions=perms, detail=detail,
                          args=args_out, stack=stack, **_owner(stack, package))
    api = None
    api_name = None
    for frame in stack[:8]:
        api = api_for_frame(frame.class_name, frame.method, args)
        if api is not None:
            break
    if api is None:
        key = message.lower().split("：")[0].split(":")[0].strip()
        api_id = MESSAGE_APIS.get(key)
        api = api_by_id(api_id) if api_id else None
    if api is not None:
        api_name = f"{api['class'][1:-1].rsplit('/', 1)[-1]}.{api['member']}"
        pi_types = list(api["pi_types"])
    else:
        top = stack[0] if stack else None
        api_name = f"{top.class_name.rsplit('.', 1)[-1]}.{top.method}" if top else (message or action or None)
        low = message.lower()
        pi_types = sorted({pi for word, pi in MESSAGE_PI if word in low})
    return TraceEvent(t=t, kind="api_call", provenance=prov, api_id=api["id"] if api else None, api=api_name,
                      pi_types=pi_types, detail=detail, args=args_out, stack=stack, **_owner(stack, package))


def _owner(stack: list[Any], package: str | None) -> dict[str, Any]:
    probe = TraceEvent(t=0.0, kind="api_call", provenance=Provenance("trace", ""), stack=stack)
    attribute(probe, (package,) if package else ())
    return {"owner": probe.owner, "sdk_id": probe.sdk_id}
