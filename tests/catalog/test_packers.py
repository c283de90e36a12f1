"""packers.json: Android packers/protectors (加固) and the files and stub classes they leave behind."""

from __future__ import annotations

import json
import re
from typing import Any

from conftest import shared

from privaudit import catalog

KEYS = {"id", "name", "name_en", "vendor", "classes", "libs", "assets"}
MUST_HAVE = {"jiagu360", "legu", "bangcle", "ijiami", "baidu", "ali", "yidun", "naga", "dingxiang", "kiwisec",
             "tongfudun", "apkprotect", "dexprotector", "liapp", "appsealing"}  # fmt: skip
# Markers are matched by file basename anywhere in the APK, so names every app may ship must not be markers.
GENERIC_FILES = {"classes.dex", "classes.jar", "libc.so", "libz.so", "liblog.so", "libdl.so", "libmain.so",
                 "libapp.so", "libflutter.so", "libunity.so", "libil2cpp.so", "libc++_shared.so", "libmd.so",
                 "libsgmain.so", "libsgsecuritybody.so", "libsandhook.so"}  # fmt: skip
CLASS_RE = re.compile(r"^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)+\.?$")
KNOWN = {  # marker -> packer, from public write-ups and APKiD rules
    "com.stub.StubApp": "jiagu360", "libjiagu.so": "jiagu360", "com.tencent.StubShell.": "legu",
    "libshell-super.2019.so": "legu", "com.secneo.apkwrapper.": "bangcle", "libsecexe.so": "bangcle",
    "libDexHelper.so": "bangcle", "ijiami.dat": "ijiami", "libexec.so": "ijiami",
    "libbaiduprotect.so": "baidu", "libmobisec.so": "ali", "libnesec.so": "yidun",
    "com.netease.nis.wrapper.": "yidun", "libchaosvmp.so": "naga", "libddog.so": "naga",
    "libx3g.so": "dingxiang", "libkwscmm.so": "kiwisec", "libegis.so": "tongfudun", "dp.mp3": "dexprotector",
}  # fmt: skip


def packers() -> list[dict[str, Any]]:
    return catalog.load("packers")["packers"]


def markers(p: dict[str, Any]) -> list[str]:
    return p["classes"] + p["libs"] + p["assets"]


def test_version_and_keys() -> None:
    data = catalog.load("packers")
    assert data["version"] == 1 and set(data) == {"version", "packers"}
    for p in packers():
        assert set(p) == KEYS, (p.get("id"), set(p) ^ KEYS)
        for key in ("id", "name", "name_en", "vendor"):
            assert isinstance(p[key], str) and p[key] and p[key].strip() == p[key], (p["id"], key)
        for key in ("classes", "libs", "assets"):
            assert isinstance(p[key], list), (p["id"], key)


def test_ids_unique_and_enough_packers() -> None:
    ids = [p["id"] for p in packers()]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", i) for i in ids), ids
    assert len(ids) >= 10
    assert MUST_HAVE <= set(ids), MUST_HAVE - set(ids)


def test_every_marker_is_non_empty_and_well_formed() -> None:
    for p in packers():
        assert markers(p), f"{p['id']}: no marker at all"
        for m in markers(p):
            assert isinstance(m, str) and m and m.strip() == m, (p["id"], m)
        for c in p["classes"]:
            assert CLASS_RE.match(c), (p["id"], c)
        for f in p["libs"] + p["assets"]:
            base = f.rsplit("/", 1)[-1]
            assert base, (p["id"], f, "matched by basename: a directory would match every APK")
            assert f.lower() not in GENERIC_FILES, (p["id"], f, "too generic")
        for lib in p["libs"]:
            assert lib.endswith(".so") and "/" not in lib, (p["id"], lib)
        for name, values in (("classes", p["classes"]), ("libs", p["libs"]), ("assets", p["assets"])):
            assert len(values) == len(set(values)), (p["id"], name, "duplicate")


def test_no_marker_points_to_two_packers() -> None:
    owner: dict[str, str] = {}
    for p in packers():
        for m in set(markers(p)):
            assert m not in owner, f"{m!r} in both {owner[m]} and {p['id']}"
            owner[m] = p["id"]


def test_known_markers() -> None:
    owner = {m: p["id"] for p in packers() for m in markers(p)}
    got = {m: owner.get(m) for m in KNOWN}
    assert got == KNOWN


def test_agrees_with_appmanager_native_library_signatures() -> None:
    path = shared("data", "sdk", "appmanager_android_libraries", "libs.json")
    with open(path, encoding="utf-8") as fh:
        libs = {lib["id"]: lib for lib in json.load(fh)}
    pairs = {"360-security": "jiagu360", "bangcle": "bangcle", "tencent-le-gu": "legu"}
    by_id = {p["id"]: p for p in packers()}
    problems = []
    for lib_id, packer_id in pairs.items():
        solib = (libs.get(lib_id) or {}).get("signatures", {}).get("solib")
        if not solib:
            problems.append(f"{lib_id}: no solib signature")
            continue
        if not any(re.fullmatch(solib, f) for f in by_id[packer_id]["libs"]):
            problems.append(f"{lib_id} /{solib}/ matches none of {by_id[packer_id]['libs']}")
    assert not problems, problems
