"""app_types.json: the 39 app types of the 2021 necessary-PI rule, with TC260-PG-20204A annex D."""

from __future__ import annotations

import csv
import json
import re
from typing import Any

from conftest import shared

from privaudit import catalog

# TC260's table spells the voicemail permission with the android.permission prefix; Android names it so.
TC260_NAMES = {"android.permission.ADD_VOICEMAIL": "com.android.voicemail.permission.ADD_VOICEMAIL"}
# Annex-D columns with no clearly matching type among the 39 (儿童教育 is narrower than 学习教育类).
UNMAPPED_COLUMNS = {"儿童教育"}


def types() -> list[dict[str, Any]]:
    return catalog.load("app_types")["types"]


def reference() -> list[dict[str, Any]]:
    with open(shared("reference", "data", "necessary_pi_39_types.json"), encoding="utf-8") as fh:
        return json.load(fh)["types"]


def annex_d() -> list[dict[str, str]]:
    path = shared("reference", "data", "tc260_pg_20204a_annexD_not_recommended_permissions.csv")
    with open(path, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_header() -> None:
    data = catalog.load("app_types")
    assert data["version"] == 1
    assert "国信办秘字〔2021〕14号" in data["source"] and "TC260-PG-20204A" in data["source"]


def test_schema() -> None:
    fields = {"id", "no", "zh", "en", "aliases", "basic_function_zh", "basic_function_en", "necessary_pi",
              "no_pi_needed", "continuous_location", "tc260_column", "not_recommended_permissions"}  # fmt: skip
    for t in types():
        assert set(t) == fields, t.get("id")
        assert isinstance(t["continuous_location"], bool), t["id"]
        assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", t["id"]), t["id"]
        assert t["zh"].endswith("类") and t["en"], t["id"]
        assert t["basic_function_zh"] and t["basic_function_en"], t["id"]
        assert isinstance(t["no_pi_needed"], bool), t["id"]
        assert t["tc260_column"] is None or isinstance(t["tc260_column"], str), t["id"]
        for item in t["necessary_pi"]:
            assert set(item) == {"text_zh", "pi_types"} and item["text_zh"], t["id"]
            assert len(set(item["pi_types"])) == len(item["pi_types"]), t["id"]


def test_39_types_numbered_in_order() -> None:
    assert [t["no"] for t in types()] == list(range(1, 40))
    ids = [t["id"] for t in types()]
    assert len(ids) == len(set(ids))


def test_no_pi_needed_iff_no_necessary_pi() -> None:
    for t in types():
        assert t["no_pi_needed"] == (t["necessary_pi"] == []), t["id"]
    assert sum(t["no_pi_needed"] for t in types()) == 13  # Art. 5: 13 types need no PI


def test_aliases_resolve_to_one_type() -> None:
    owner: dict[str, str] = {}
    for t in types():
        assert t["aliases"], t["id"]
        assert t["zh"].removesuffix("类") in t["aliases"], t["id"]
        for alias in [t["id"], *t["aliases"]]:
            prev = owner.setdefault(alias.casefold(), t["id"])
            assert prev == t["id"], f"{alias!r} names both {prev} and {t['id']}"


def test_pi_types_and_permissions_known() -> None:
    pi = set(catalog.pi_types())
    perms = catalog.permissions()
    for t in types():
        assert {x for item in t["necessary_pi"] for x in item["pi_types"]} <= pi, t["id"]
        assert [p for p in t["not_recommended_permissions"] if p not in perms] == [], t["id"]
        assert len(set(t["not_recommended_permissions"])) == len(t["not_recommended_permissions"]), t["id"]


def test_registered_phone_number_maps_to_phone_number() -> None:
    for t in types():
        for item in t["necessary_pi"]:
            if item["text_zh"] == "注册用户移动电话号码":
                assert item["pi_types"] == ["phone_number"], t["id"]


def test_unmapped_types_have_no_permissions() -> None:
    for t in types():
        if t["tc260_column"] is None:
            assert t["not_recommended_permissions"] == [], t["id"]
    columns = [t["tc260_column"] for t in types() if t["tc260_column"] is not None]
    assert len(columns) == len(set(columns)), "two types share one annex-D column"


def test_matches_the_regulation() -> None:
    ref = reference()
    ours = types()
    assert len(ref) == 39
    assert [t["zh"] for t in ours] == [r["type_zh"] for r in ref]
    for t, r in zip(ours, ref, strict=True):
        assert t["no"] == r["no"], t["id"]
        assert t["no_pi_needed"] == r["no_pi_needed"], t["id"]
        assert t["basic_function_zh"] == r["basic_function_zh"], t["id"]
        assert [i["text_zh"] for i in t["necessary_pi"]] == r["necessary_pi_zh"], t["id"]


def test_matches_annex_d() -> None:
    rows = annex_d()
    columns = [c for c in rows[0] if c not in {"no", "permission", "name_zh", "group"}]
    mapped = {t["tc260_column"]: t for t in types() if t["tc260_column"] is not None}
    assert set(mapped) <= set(columns), "mapped to a column annex D does not have"
    assert set(columns) - set(mapped) == UNMAPPED_COLUMNS
    for column, t in mapped.items():
        marked = [r["permission"] for r in rows if r[column].strip() == "1"]
        expected = {TC260_NAMES.get(p, p) for p in marked}
        assert set(t["not_recommended_permissions"]) == expected, t["id"]


def test_spot_checks() -> None:
    by_id = {t["id"]: t for t in types()}
    nav = by_id["map_navigation"]
    assert nav["tc260_column"] == "地图导航"
    assert "android.permission.READ_CALENDAR" in nav["not_recommended_permissions"]
    assert "android.permission.ACCESS_FINE_LOCATION" not in nav["not_recommended_permissions"]
    assert "android.permission.ACCESS_BACKGROUND_LOCATION" not in nav["not_recommended_permissions"]
    shopping = by_id["online_shopping"]["not_recommended_permissions"]
    assert "android.permission.ACCESS_BACKGROUND_LOCATION" in shopping
    assert by_id["express_delivery"]["tc260_column"] == "快递物流"
    assert by_id["browser"]["tc260_column"] == "网页浏览器"
    assert by_id["womens_health"]["tc260_column"] is None and by_id["womens_health"]["no_pi_needed"]
    first = by_id["map_navigation"]["necessary_pi"][0]
    assert first["text_zh"] == "位置信息" and "precise_location" in first["pi_types"]


def test_continuous_location_only_where_the_function_tracks_position() -> None:
    """Types whose basic function follows the user's position (navigation, ride-hailing, delivery,
    fitness tracks, vehicle services) may read location continuously (M191-4.4 reference rates)."""
    continuous = {t["id"] for t in types() if t["continuous_location"]}
    assert continuous == {"map_navigation", "ride_hailing", "fitness", "express_delivery", "food_delivery",
                          "vehicle_services"}
    for t in types():
        if t["continuous_location"]:
            assert any(set(i["pi_types"]) & {"precise_location", "trajectory", "address"} for i in t["necessary_pi"]) \
                or t["id"] == "fitness", t["id"]
