"""pi_types.json: our PI taxonomy, aligned with GB/T 35273-2020 annexes A and B."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import shared

from privaudit import catalog

IDS = """
    imei imsi iccid phone_number mac_address android_id serial_number advertising_id device_info
    installed_apps running_apps ip_address precise_location coarse_location trajectory wifi_info cell_info
    bluetooth_info contacts call_log sms calendar photos camera audio clipboard sensors body_sensors accounts
    name id_number biometrics bank_account payment_info transaction_records address email user_account
    browsing_history health education_work
""".split()
GROUPS = set("device location communication media identity financial health behaviour account other".split())
# GB/T 35273-2020 annex B lists these (通信内容, 通讯录, 行踪轨迹, 网页浏览记录, 精准定位信息, …).
_SENSITIVE = """
    precise_location trajectory contacts call_log sms id_number biometrics bank_account payment_info
    transaction_records health body_sensors browsing_history
"""
SENSITIVE = set(_SENSITIVE.split())
# Annex A: device identifiers are PI, but annex B does not make them sensitive.
_NOT_SENSITIVE = """
    imei imsi iccid mac_address android_id serial_number advertising_id device_info installed_apps ip_address
    coarse_location
"""
NOT_SENSITIVE = set(_NOT_SENSITIVE.split())
# Catalogues that refer to PI ids; sdks.json is written separately and checked when it exists.
REFERRING = ["sensitive_apis", "permissions", "app_types", "sdks"]


def types() -> list[dict[str, Any]]:
    return catalog.load("pi_types")["types"]


def pi_type_refs(node: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """Every (location, id) held in a ``pi_types`` list anywhere in a parsed catalogue."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pi_types" and isinstance(value, list):
                for ref in value:
                    yield f"{where}.{key}", ref
            else:
                yield from pi_type_refs(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            label = value.get("id") or value.get("name") if isinstance(value, dict) else None
            yield from pi_type_refs(value, f"{where}[{label or i}]")


def test_version_and_exact_ids() -> None:
    assert catalog.load("pi_types")["version"] == 1
    ids = [t["id"] for t in types()]
    assert len(ids) == len(set(ids)), "duplicate ids"
    assert sorted(ids) == sorted(IDS)


def test_schema() -> None:
    keys = {"id", "zh", "en", "gbt35273_category", "sensitive", "group", "synonyms_zh", "synonyms_en"}
    for t in types():
        assert set(t) == keys, t["id"]
        assert t["zh"].strip() and t["en"].strip(), t["id"]
        assert isinstance(t["sensitive"], bool), t["id"]
        assert t["group"] in GROUPS, t["id"]
        for lang in ("synonyms_zh", "synonyms_en"):
            syns = t[lang]
            assert syns and all(isinstance(s, str) and s.strip() == s and s for s in syns), (t["id"], lang)
            assert len({s.casefold() for s in syns}) == len(syns), f"{t['id']}: repeated {lang}"


def test_chinese_synonyms_are_rich() -> None:
    for t in types():
        assert len(t["synonyms_zh"]) >= 5, t["id"]
        assert any(any("\u4e00" <= ch <= "\u9fff" for ch in s) for s in t["synonyms_zh"]), t["id"]


@pytest.mark.parametrize("lang", ["synonyms_zh", "synonyms_en"])
def test_a_synonym_names_one_type_only(lang: str) -> None:
    """The policy analyser maps a phrase to one PI id; a shared synonym would make that ambiguous."""
    owner: dict[str, str] = {}
    clashes = []
    for t in types():
        for s in t[lang]:
            prev = owner.setdefault(s.casefold(), t["id"])
            if prev != t["id"]:
                clashes.append((s, prev, t["id"]))
    assert not clashes


def test_examples_from_the_brief_are_synonyms() -> None:
    zh = {t["id"]: set(t["synonyms_zh"]) for t in types()}
    assert {"精确位置", "精准定位", "经纬度", "GPS位置", "地理位置"} <= zh["precise_location"]
    assert {"软件安装列表", "应用列表", "已安装应用", "安装的应用信息"} <= zh["installed_apps"]
    assert {"IMEI", "MEID", "设备识别码"} <= zh["imei"]


def test_sensitive_flags_follow_annex_b() -> None:
    by_id = {t["id"]: t for t in types()}
    assert {i for i in SENSITIVE if not by_id[i]["sensitive"]} == set()
    assert {i for i in NOT_SENSITIVE if by_id[i]["sensitive"]} == set()


def test_annex_b_categories_are_sensitive() -> None:
    """Everything filed under a category that annex B lists whole is sensitive PI."""
    whole = {"个人财产信息", "个人健康生理信息", "个人生物识别信息", "个人身份信息"}
    for t in types():
        if t["gbt35273_category"] in whole:
            assert t["sensitive"], t["id"]


def annex(letter: str) -> list[dict[str, str]]:
    name = f"gbt35273_2020_annex{letter}_{'personal' if letter == 'A' else 'sensitive'}_info.csv"
    with open(shared("reference", "data", name), encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_categories_are_annex_a_categories() -> None:
    known = {row["category_zh"] for row in annex("A")}
    used = {t["gbt35273_category"] for t in types()}
    assert used - known == set()
    assert known - used == set(), "every annex-A category should have at least one of our types"


def test_annex_b_wholly_sensitive_categories_agree_with_reference() -> None:
    """Cross-check the hard-coded list above: annex B's categories other than 其他信息."""
    listed = {row["category_zh"] for row in annex("B")} - {"其他信息"}
    assert listed == {"个人财产信息", "个人健康生理信息", "个人生物识别信息", "个人身份信息"}


@pytest.mark.parametrize("name", REFERRING)
def test_every_pi_types_reference_resolves(name: str) -> None:
    path = Path(catalog.HERE) / f"{name}.json"
    if not path.exists():
        pytest.skip(f"{path.name} not written yet")
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    known = set(IDS)
    refs = list(pi_type_refs(data))
    assert refs, f"{name}.json has no pi_types lists"
    assert [(where, ref) for where, ref in refs if ref not in known] == []
