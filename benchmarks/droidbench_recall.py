"""DroidBench 3.0: how often does static collection find the PI source API each case names?

For each of DroidBench's 190 APKs, the expected source APIs come from the ground-truth prose via
the mapping table in ``tests/evidence/apk/droidbench_truth.py`` (shared with the test). A case
is a *direct hit* when ``collect()`` reports one of those APIs called directly (not reflectively)
from app code; *reflective* detections (the API's name only as a string) are counted apart.
Misses are explained from the APK itself (native libraries, dynamically loaded DEX, run-time
built reflection names, a different source than the text says).

Usage: python benchmarks/droidbench_recall.py [--root DIR] [--out docs/accuracy-static.md] [--no-write]
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "evidence" / "apk"))

import droidbench_truth as truth  # noqa: E402

from privaudit import catalog  # noqa: E402
from privaudit.evidence.apk.collect import collect  # noqa: E402
from privaudit.evidence.apk.dex import Dex  # noqa: E402

DEFAULT_ROOT = REPO.parent / "shared" / "data" / "apks" / "droidbench"


def pct(a: int, b: int) -> str:
    return f"{100 * a / b:.1f}%" if b else "n/a"


# -- explaining misses from the APK --------------------------------------------------------


def _apis_by_id() -> dict[str, dict]:
    return {a["id"]: a for a in catalog.sensitive_apis()}


def diagnose(path: Path, case: truth.Case, uses: list) -> list[str]:
    """Evidence, read from the APK, for why the expected API was not found as a direct call."""
    apis = _apis_by_id()
    # A case whose text names no source (outside-DEX cases only): look for any catalogued API.
    wanted = [apis[i] for i in sorted(case.expected_apis) if i in apis] or list(apis.values())
    notes: list[str] = []
    refl = sorted({u.api_id for u in uses if u.reflective and u.api_id in case.expected_apis})
    if refl:
        notes.append("reflective only: the name of " + ", ".join(refl) + " appears as a string")
    other = sorted({u.api_id for u in uses if truth.is_app_code(u) and u.api_id not in case.expected_apis})
    if other:
        tail = " (a source the text does not name)" if case.evaluated else ""
        notes.append("app code calls " + ", ".join(other) + tail)
    with zipfile.ZipFile(path) as z:
        dex = Dex(z.read("classes.dex"), "classes.dex") if "classes.dex" in z.namelist() else None
        for name in z.namelist():
            if name.endswith(".so"):
                data = z.read(name)
                for a in wanted:
                    if a["class"][1:-1].encode() in data and a["member"].encode() in data:
                        notes.append(f"{name} refers to {a['class'][1:-1]}.{a['member']} (a JNI call from native code)")
            elif name.startswith("assets/") and name.endswith((".jar", ".apk", ".zip", ".dex")):
                raw = z.read(name)
                inner = []
                if raw[:4] == b"dex\n":
                    inner = [raw]
                else:
                    try:
                        with zipfile.ZipFile(io.BytesIO(raw)) as zz:
                            inner = [zz.read(n) for n in zz.namelist() if n.endswith(".dex")]
                    except zipfile.BadZipFile:
                        pass
                for d in inner:
                    dd = Dex(d, name)
                    for a in wanted:
                        finder = dd.find_methods if a["kind"] == "method" else dd.find_fields
                        if finder(a["class"], a["member"]):
                            notes.append(f"{name} (DEX loaded at run time) refers to {a['id']}")
                if inner and not any(name in n for n in notes):
                    notes.append(f"{name} holds DEX code loaded at run time")
        if dex is not None and not refl:
            for a in wanted:
                dotted = a["class"][1:-1].replace("/", ".")
                if dex.find_string(dotted) >= 0 and dex.find_string(a["member"]) < 0 and a["kind"] == "method":
                    notes.append(f"'{dotted}' appears as a string but '{a['member']}' does not "
                                 "(method name built at run time for reflection)")
                    break
    return notes


# -- run -----------------------------------------------------------------------------------


def run(root: Path) -> dict:
    cases = truth.load_cases(root)
    known = _apis_by_id()
    missing_ids = sorted({i for g in truth.SOURCE_GROUPS for i in g.api_ids} - set(known))
    if missing_ids:
        raise SystemExit(f"mapping table names ids absent from the catalogue: {missing_ids}")
    results = []
    times = []
    t_all = time.perf_counter()
    for case in cases:
        path = root / case.apk
        t = time.perf_counter()
        ev = collect(str(path))
        times.append(time.perf_counter() - t)
        out = truth.judge(case, ev.api_uses, ev.identity.package)
        diag = diagnose(path, case, ev.api_uses) if case.evaluated and not out.hit else []
        if case.outside_dex and not diag:
            diag = diagnose(path, case, ev.api_uses)
        results.append({"case": case, "out": out, "uses": ev.api_uses, "package": ev.identity.package,
                        "diag": diag})
    collect_total = time.perf_counter() - t_all
    return {"cases": cases, "results": results, "times": times, "collect_total": collect_total}


def summarise(data: dict) -> dict:
    res = data["results"]
    ev = [r for r in res if r["case"].evaluated]
    s = {
        "apks": len(res), "evaluated": len(ev), "excluded": len(res) - len(ev),
        "direct": sum(r["out"].hit for r in ev),
        "any": sum(r["out"].hit_any for r in ev),
        "reflective_only": sum(r["out"].hit_any and not r["out"].hit for r in ev),
        "reflective_only_class": sum(not r["out"].hit and r["out"].reflective_class is not None for r in ev),
        "right_exact": sum(r["out"].right_class == "exact" for r in ev),
        "right_package": sum(r["out"].right_class == "package" for r in ev),
        "all_groups": sum(r["out"].hit and set(r["out"].groups_found) == set(r["case"].groups) for r in ev),
        "multi_group": sum(len(r["case"].groups) > 1 for r in ev),
    }
    s["right"] = s["right_exact"] + s["right_package"]
    s["multi_all"] = sum(len(r["case"].groups) > 1 and set(r["out"].groups_found) == set(r["case"].groups)
                         for r in ev)
    s["must_hit"] = len(truth.must_hit(r["case"] for r in res))
    outside = [r for r in ev if r["case"].outside_dex]
    s["evaluated_inside"] = len(ev) - len(outside)
    s["direct_inside"] = sum(r["out"].hit for r in ev if not r["case"].outside_dex)
    cats: dict[str, Counter] = defaultdict(Counter)
    for r in res:
        c = cats[r["case"].category]
        c["apks"] += 1
        if r["case"].evaluated:
            c["evaluated"] += 1
            c["direct"] += r["out"].hit
            c["any"] += r["out"].hit_any
            c["right"] += r["out"].right_class is not None
    s["categories"] = dict(sorted(cats.items()))
    extra = Counter()
    extra_by_api: Counter = Counter()
    extra_app: list[tuple[str, str, str]] = []
    for r in ev:
        for u in r["out"].extra:
            kind = "reflective" if u.reflective else "app" if truth.is_app_code(u) else "library"
            extra[kind] += 1
            extra_by_api[(u.api_id, kind)] += 1
            if kind != "library":
                extra_app.append((r["case"].name, u.api_id, u.caller_class if not u.reflective else "(string only)"))
    s["extra"] = extra
    s["extra_by_api"] = extra_by_api
    s["extra_app"] = extra_app
    s["uses_evaluated"] = sum(len(r["uses"]) for r in ev)
    s["uses_excluded"] = sum(len(r["uses"]) for r in res if not r["case"].evaluated)
    s["excluded_app_found"] = [
        (r["case"], sorted({u.api_id for u in r["uses"] if truth.is_app_code(u)}))
        for r in res if not r["case"].evaluated
    ]
    s["wrong_owner"] = sorted({(r["case"].name, r["package"]) for r in res for u in r["uses"]
                               if truth.is_app_code(u) and u.owner_kind == "library"})
    return s


# -- report --------------------------------------------------------------------------------


def render(data: dict, s: dict, root: Path, wall: float) -> str:
    res = data["results"]
    gt = json.loads((root / "ground_truth_droidbench3.json").read_text(encoding="utf-8"))
    times = data["times"]
    L: list[str] = []
    w = L.append
    w("# Static accuracy: DroidBench 3.0 source-API recall")
    w("")
    w("Generated by `benchmarks/droidbench_recall.py`; the mapping table and the must-hit list live in "
      "`tests/evidence/apk/droidbench_truth.py`, which `tests/evidence/apk/test_droidbench.py` uses too.")
    w("")
    w("## Data")
    w("")
    w(f"- **DroidBench 3.0** ({gt.get('source', 'secure-software-engineering/DroidBench')}), the 190 APKs in "
      "`../shared/data/apks/droidbench/apk/`, the ground truth `ground_truth_droidbench3.json` (175 test "
      "cases extracted from the Eclipse projects' javadoc tags) and the suite's `README.md`.")
    w("- Licence: academic benchmark, no licence file. Nothing from it is copied into this repository; the "
      "benchmark and the test read it in place and skip when it is absent.")
    w("- DroidBench is a *taint* benchmark: it says whether a source reaches a sink. We only check the "
      "first half: is the PI-reading API the case is built around found, called from the app's code? "
      "Leak counts, sinks, reachability (unreachable-code and inactive-component cases) do not matter here.")
    w("")
    w("## Method")
    w("")
    w("- **One case per APK** (190). An APK is matched to its JSON test case by path; the two "
      "inter-app projects with no `apk` field are split per source file; 12 APKs have no JSON entry "
      "and are described by the README only.")
    w("- **Text.** The JSON `description`, `dataflow` and `challenges` of the case; if they name no "
      "source from the table below, the README bullet for the same app. The JSON wins when both name "
      "one (the README is wrong for Loop2: it says location, the JSON and the APK say IMEI).")
    w("- **Hit (direct).** `collect()` reports at least one expected catalogue id, `reflective=False`, "
      "called from app code: the caller is not in `android.*`, `androidx.*`, `java(x).*`, `dalvik.*`, "
      "`kotlin.*`, `com.android.*`, `com.google.android.*`, and is not attributed to a known SDK.")
    w("- **Reflective.** The expected API appears only as a string (`ApiUse.reflective=True`).")
    w("- **Right calling class.** The caller is the class of the ground-truth `source_files[].file` or "
      "one of its inner classes (*exact*), or another class of the same package (*package*: listeners, "
      "receivers, services, library classes of the app). For README-only cases the manifest package decides.")
    w("- **Excluded** (\"no named source API\"): the text names no PI source our catalogue covers. "
      "These are listed with the reason and do not count in recall.")
    w("- **Outside DEX.** Cases whose text puts the source in native, dynamically loaded or "
      "self-modifying code are expected misses for a DEX scan; they are flagged, and recall is also "
      "given without them.")
    w("")
    w("### Mapping table (keywords -> acceptable catalogue ids)")
    w("")
    w("| source | keywords (regex, case-insensitive) | catalogue ids | PI types implied |")
    w("|---|---|---|---|")
    for g in truth.SOURCE_GROUPS:
        ids = ", ".join(f"`{i}`" for i in g.api_ids)
        kws = ", ".join(f"`{p}`" for p in g.patterns).replace("|", "\\|")
        w(f"| {g.label} | {kws} | {ids} | {', '.join(g.pi_types)} |")
    w("")
    w("Not a PI-reading API, so never expected: password fields (`EditText.getText()`, UI input), data "
      "arriving in an Intent, emulator checks on battery, Bluetooth presence, `Build` properties, sensors "
      "count, installed Play Store, system files. `onLocationChanged` is a callback the app implements, "
      "not a call; it is found through `requestLocationUpdates` and `Location.getLatitude/getLongitude`.")
    w("")
    w("## Results")
    w("")
    ev_n = s["evaluated"]
    w(f"- APKs: **{s['apks']}**; evaluated (text names a covered source): **{ev_n}**; excluded: {s['excluded']}.")
    w(f"- **Direct recall: {s['direct']}/{ev_n} = {pct(s['direct'], ev_n)}**.")
    w(f"- Direct + reflective: {s['any']}/{ev_n} = {pct(s['any'], ev_n)} "
      f"({s['reflective_only']} cases found only as a reflective string; in {s['reflective_only_class']} of them the "
      "method that loads the API name is located, so the calling class is known).")
    w(f"- Direct recall without the outside-DEX cases: {s['direct_inside']}/{s['evaluated_inside']} = "
      f"{pct(s['direct_inside'], s['evaluated_inside'])}.")
    w(f"- With the right calling class: {s['right']}/{ev_n} = {pct(s['right'], ev_n)} "
      f"(exact class or inner class: {s['right_exact']}, other class of the same package: {s['right_package']}); "
      f"every direct hit has the right calling class: {'yes' if s['right'] == s['direct'] else 'no'}.")
    w(f"- Every named source found: {s['all_groups']}/{ev_n}. {s['multi_group']} cases name more than one "
      f"source (IMEI plus subscriber ID, voicemail number, IP address, or contacts and call log in the "
      f"emulator-detection apps); in {s['multi_all']} of them every named source is found.")
    w(f"- Must-hit cases in the test (evaluated, source a direct Java call in app code): {s['must_hit']}.")
    w(f"- Time: `collect()` over all 190 APKs {data['collect_total']:.2f} s "
      f"(median {1000 * statistics.median(times):.1f} ms, max {1000 * max(times):.1f} ms per APK); "
      f"whole benchmark {wall:.2f} s.")
    w("")
    w("### Per category")
    w("")
    w("| category | APKs | evaluated | direct hits | recall | direct + reflective | right class |")
    w("|---|---:|---:|---:|---:|---:|---:|")
    for cat, c in s["categories"].items():
        w(f"| {cat} | {c['apks']} | {c['evaluated']} | {c['direct']} | {pct(c['direct'], c['evaluated'])} | "
          f"{c['any']} | {c['right']} |")
    w("")
    w("### Misses")
    w("")
    w("| case | text names | why (documented) | evidence read from the APK |")
    w("|---|---|---|---|")
    for r in res:
        c, o = r["case"], r["out"]
        if c.evaluated and not o.hit:
            why = truth.KNOWN_NOT_DIRECT.get(c.apk, "**unexplained**")
            w(f"| {c.category}/{c.name} | {', '.join(c.groups)} | {why} | {'; '.join(r['diag']) or '-'} |")
    w("")
    w("None of the misses is caused by a gap in the catalogue: each expected API is catalogued, and the "
      "APKs that miss either never call it from DEX code (native, reflection with a computed name) or "
      "read something other than the text says.")
    w("")
    w("### Outside DEX (expected misses for a DEX scan)")
    w("")
    w("| case | evaluated? | where the source is | found by collect() | evidence |")
    w("|---|---|---|---|---|")
    for r in res:
        c = r["case"]
        if c.outside_dex:
            found = sorted({u.api_id for u in r["uses"] if truth.is_app_code(u)})
            w(f"| {c.category}/{c.name} | {'yes' if c.evaluated else 'no (text names no API)'} | {c.outside_dex} | "
              f"{', '.join(found) or '-'} | {'; '.join(r['diag']) or '-'} |")
    w("")
    w("BytecodeTamper2/3 still contain a direct `getDeviceId` call in `getSource()`: the DEX has the "
      "call, the native code only redirects which method runs, so a DEX scan sees it.")
    w("")
    w("### Excluded: no named source API")
    w("")
    reasons: dict[str, list] = defaultdict(list)
    for c, found in s["excluded_app_found"]:
        reasons[c.excluded].append((c, found))
    for why, items in reasons.items():
        w(f"- **{why}** ({len(items)}): " + ", ".join(f"{c.category}/{c.name}" for c, _ in items))
    n_found = sum(1 for _, f in s["excluded_app_found"] if f)
    w("")
    w(f"In {n_found} of the {s['excluded']} excluded APKs `collect()` still finds a catalogued API called "
      "from app code. These are not scored (the text does not say which source to expect), but they show "
      "the unnamed 'source' is almost always a device identifier:")
    w("")
    found_by: Counter = Counter()
    for _, f in s["excluded_app_found"]:
        for i in f:
            found_by[i] += 1
    w(", ".join(f"`{i}` ×{n}" for i, n in found_by.most_common()) or "-")
    w("")
    w("## Extra detections (not precision)")
    w("")
    w("DroidBench lists sources per case in prose only and says nothing about the rest of the APK, so "
      "there is no ground truth for false positives. As a proxy we count, in the evaluated cases, API uses "
      "whose PI types the case's text does not imply. Most are genuine reads the text just does not "
      "mention (the Android support library, Google Play services, emulator checks).")
    w("")
    ex = s["extra"]
    tot = sum(ex.values())
    w(f"- API uses reported in evaluated cases: {s['uses_evaluated']}; extra detections: **{tot}** "
      f"(from app code {ex['app']}, from library/platform code {ex['library']}, "
      f"reflective strings {ex['reflective']}). "
      f"Uses in excluded cases (not judged): {s['uses_excluded']}.")
    w("")
    w("| catalogue id | where | count |")
    w("|---|---|---:|")
    for (api, kind), n in sorted(s["extra_by_api"].items(), key=lambda kv: (-kv[1], kv[0])):
        w(f"| `{api}` | {kind} | {n} |")
    w("")
    w("Extra detections from app code or reflective strings:")
    w("")
    for name, api, caller in s["extra_app"]:
        w(f"- {name}: `{api}` — {caller}")
    w("")
    w("Checked by hand against the DEX:")
    w("")
    w("- MethodOverride1, Unregister1 `getDeviceId`: the APK's real source (the text says location; see Misses).")
    w("- PlayStore1 `queryIntentActivities`: the emulator check asks the package manager whether the Play "
      "Store is installed: a genuine installed-app query; the text mentions the check, not as a PI source.")
    w("- DeviceId_Broadcast1, DeviceId_Service1 `Settings.Secure.getString(…, \"android_id\")`: genuine; "
      "these apps read the Android ID next to the IMEI.")
    w("- PlayStore2 `hms.advertisingidclient.getAdvertisingIdInfo` (reflective): **false positive**. The "
      "bundled Google Play services define `com.google.android.gms.ads.identifier.AdvertisingIdClient."
      "getAdvertisingIdInfo`; the reflective heuristic in `collect._reflective` accepts the shared simple "
      "class name `AdvertisingIdClient` plus the method-name string, which exists because of Google's method.")
    w("- Sensors1 `sensormanager.registerListener` (reflective): **false positive**. The app refers to "
      "`SensorManager` (for `getDefaultSensor`), and the string `registerListener` exists because the support "
      "library's `Loader.registerListener` is referenced directly; nothing calls it on `SensorManager`.")
    w("- Library/platform extras are genuine calls in bundled code: the support library's "
      "`TwilightManager` (`getLastKnownLocation`, `getLatitude/getLongitude`) and `ActivityChooserModel` "
      "(`queryIntentActivities`), and Google Play services in PlayStore2.")
    w("")
    w("Both false positives share one cause: the member-name string is there because *another* class's "
      "method of that name is referenced. Skipping a reflective candidate whose name string is the name "
      "of any `method_id` in the DEX would remove both without touching the Reflection_ICC detections "
      "(there `getDeviceId` names no method_id).")
    w("")
    if s["wrong_owner"]:
        w("## Attribution note")
        w("")
        w("In these APKs the code's package differs from the manifest package, so `collect()` labels "
          "the app's own classes `owner_kind=\"library\"` (they still count as app code here, because "
          "they are not platform or SDK code): " +
          ", ".join(f"{n} (manifest `{p}`)" for n, p in s["wrong_owner"]) + ".")
        w("")
    w("## Catalogue")
    w("")
    w("No catalogue entry was added: every miss has another cause. The framework members DroidBench "
      "app code refers to that are not catalogued were checked: `Location.getTime/getAccuracy`, "
      "`LocationManager.getBestProvider/isProviderEnabled` (no new PI beyond the catalogued location "
      "calls), `TelephonyManager.getNetworkOperator/getNetworkType/getPhoneType` (carrier and radio "
      "type, only inside Play services), `Build.MODEL/BRAND/FINGERPRINT/…` (device model, read for "
      "emulator detection; not on the minimum list and very noisy), `BluetoothAdapter.getDefaultAdapter` "
      "and `NetworkInterface.getNetworkInterfaces` (handles, not data), `EditText.getText` (UI input).")
    w("")
    w("## Reproduce")
    w("")
    w("```")
    w(".venv/bin/python benchmarks/droidbench_recall.py          # rewrites this file")
    w(".venv/bin/pytest tests/evidence/apk/test_droidbench.py -q  # must-hit cases and the recall floor")
    w("```")
    w("")
    return "\n".join(L)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "accuracy-static.md")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    if not (args.root / "ground_truth_droidbench3.json").exists():
        print(f"DroidBench not found under {args.root}; nothing to do", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    data = run(args.root)
    s = summarise(data)
    wall = time.perf_counter() - t0
    ev = s["evaluated"]
    print(f"APKs {s['apks']}, evaluated {ev}, excluded {s['excluded']} (no named source API)")
    print(f"direct recall            {s['direct']}/{ev} = {pct(s['direct'], ev)}")
    print(f"direct + reflective      {s['any']}/{ev} = {pct(s['any'], ev)} "
          f"(reflective with calling class: {s['reflective_only_class']})")
    print(f"direct, inside DEX only  {s['direct_inside']}/{s['evaluated_inside']} = "
          f"{pct(s['direct_inside'], s['evaluated_inside'])}")
    print(f"right calling class      {s['right']}/{ev} (exact {s['right_exact']}, package {s['right_package']})")
    print("per category (evaluated, direct, direct+reflective):")
    for cat, c in s["categories"].items():
        print(f"  {cat:28} {c['evaluated']:3} {c['direct']:3} {c['any']:3}   of {c['apks']} APKs")
    print("misses:")
    for r in data["results"]:
        c, o = r["case"], r["out"]
        if c.evaluated and not o.hit:
            print(f"  {c.category}/{c.name}: {truth.KNOWN_NOT_DIRECT.get(c.apk, 'UNEXPLAINED')}")
            for d in r["diag"]:
                print(f"      evidence: {d}")
    ex = s["extra"]
    print(f"extra detections {sum(ex.values())} (app {ex['app']}, library {ex['library']}, "
          f"reflective {ex['reflective']}) of {s['uses_evaluated']} uses in evaluated cases")
    print(f"collect() total {data['collect_total']:.2f} s; benchmark {wall:.2f} s")
    if not args.no_write:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(render(data, s, args.root, wall), encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
