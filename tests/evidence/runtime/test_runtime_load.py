"""load_trace picks the importer by content, and turns anything else into a one-line InputError."""

from __future__ import annotations

import json
import os

import pytest
from conftest import shared
from test_runtime_droidbot import make_run

from privaudit.errors import InputError, MalformedInput
from privaudit.evidence.runtime.jsonl import write_trace
from privaudit.evidence.runtime.load import load_trace
from privaudit.evidence.runtime.model import Trace, TraceEvent
from privaudit.model import Provenance

LOGCAT_LINE = ("11-23 16:49:58.500   916  1221 W TelephonyPermissions: "
               "reportAccessDeniedToReadIdentifiers:com.example.app:getDeviceId:1\n")


def test_jsonl(tmp_path):
    p = tmp_path / "trace.log"  # the name says nothing; the header does
    write_trace(Trace(path="m", format="jsonl", package="com.example.app", clock="epoch",
                      events=[TraceEvent(t=1.0, kind="screen", provenance=Provenance("trace", "m"),
                                         activity="com.example.app/.Main")]), str(p))
    trace = load_trace(str(p))
    assert trace.format == "jsonl" and trace.events[0].activity == "com.example.app/.Main"
    with pytest.raises(InputError, match="not com.other"):
        load_trace(str(p), package="com.other")
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"format": "privaudit-trace", "version": 1, "clock": "epoch"}\n{"t": 1, "kind": "nope"}\n',
                      encoding="utf-8")
    with pytest.raises(MalformedInput, match="line 2"):
        load_trace(str(broken))


def test_logcat_with_a_preamble(tmp_path):
    p = tmp_path / "capture.dat"
    p.write_text("adb logcat -v threadtime\nsome banner line\n" + LOGCAT_LINE, encoding="utf-8")
    trace = load_trace(str(p), package="com.example.app")
    assert trace.format == "logcat" and [e.api_id for e in trace.events] == ["telephony.getDeviceId"]


def test_camille_workbook(tmp_path):
    openpyxl = pytest.importorskip("openpyxl", reason="openpyxl is in the dev and runtime extras")
    wb = openpyxl.Workbook()
    wb.active.append(["时间点", "操作行为", "行为描述", "传入参数", "调用堆栈"])
    wb.active.append(["2021-11-23 10:57:3", "获取电话相关信息", "获取IMEI", "无参数", ""])
    p = tmp_path / "export.bin"
    wb.save(p)
    trace = load_trace(str(p))
    assert trace.format == "camille_xlsx" and trace.events[0].api_id == "telephony.getDeviceId"


def test_droidbot_folder(tmp_path):
    trace = load_trace(str(make_run(tmp_path)))
    assert trace.format == "droidbot" and trace.package == "com.example.app"


def test_real_droidbot_run():
    trace = load_trace(str(shared("data", "dynamic", "droidbot_qqmusic", "run1_2021-11-23")))
    assert trace.format == "droidbot" and trace.package == "com.tencent.qqmusic"


@pytest.mark.parametrize("content", [
    b"", b"   \n\n", os.urandom(2048) + b"\x00", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
    b"just some notes\nnothing else\n", json.dumps({"hello": "world"}).encode(),
    b"\xff\xfe" + "日志".encode("utf-16-le") * 40,
])
def test_garbage_is_an_input_error(tmp_path, content):
    p = tmp_path / "thing"
    p.write_bytes(content)
    with pytest.raises(InputError) as info:
        load_trace(str(p))
    assert "\n" not in str(info.value)


def test_directories_and_missing_paths(tmp_path):
    with pytest.raises(InputError, match="unknown trace format: a directory without DroidBot"):
        load_trace(str(tmp_path))
    with pytest.raises(InputError, match="cannot read trace"):
        load_trace(str(tmp_path / "absent.txt"))
