"""The one library call every front end uses: ``audit(inputs) -> Report``.

Collect evidence from each input given, evaluate every item's rule, and assemble the report.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from privaudit import __version__, catalog
from privaudit.errors import InputError
from privaudit.evidence import EvidenceSet
from privaudit.model import InputRecord, Report


@dataclass(slots=True)
class AuditInputs:
    """What the user gives for one app. Only ``apk`` exists today; other sources plug in here."""

    apk: str | None = None
    app_type: str | None = None
    only: list[str] = field(default_factory=list)  # item ids to evaluate (all when empty)


def resolve_app_type(name: str) -> dict[str, Any]:
    """The catalogue entry for an app type given by id, number, Chinese or English name, or alias."""
    key = name.strip().lower()
    for t in catalog.app_types():
        names = {t["id"], str(t["no"]), t["zh"], t["zh"].removesuffix("类"), t["en"], *t.get("aliases", [])}
        if key in {n.lower() for n in names}:
            return t
    valid = ", ".join(t["id"] for t in catalog.app_types())
    raise InputError(f"unknown app type {name!r}; use one of: {valid}")


def audit(inputs: AuditInputs) -> Report:
    t0 = time.perf_counter()
    ev = EvidenceSet()
    records: list[InputRecord] = []
    timings: dict[str, float] = {}
    if inputs.app_type:
        ev.app_type = resolve_app_type(inputs.app_type)
    known = {i["id"] for i in catalog.items()}
    for item in inputs.only:
        if item not in known:
            raise InputError(f"unknown item {item!r}; items are M191-1.1 … M191-6.5 (see `privaudit rules`)")
    if inputs.apk:
        from privaudit.evidence.apk.collect import collect

        t = time.perf_counter()
        ev.static = collect(inputs.apk)
        timings["static"] = round(time.perf_counter() - t, 4)
        records.append(InputRecord("apk", inputs.apk, ev.static.identity.sha256))
    if not records:
        raise InputError("nothing to audit: give an APK (or other evidence)")

    from privaudit.rules import evaluate

    t = time.perf_counter()
    findings = evaluate(ev, inputs.only or None)
    timings["rules"] = round(time.perf_counter() - t, 4)
    timings["total"] = round(time.perf_counter() - t0, 4)
    return Report(
        tool_version=__version__,
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        app=ev.static.identity if ev.static else None,
        inputs=records,
        app_type=ev.app_type["id"] if ev.app_type else None,
        findings=findings,
        facts=_facts(ev),
        timings=timings,
    )


def _facts(ev: EvidenceSet) -> dict[str, Any]:
    """Inventories a reader wants beside the verdicts: permissions, SDKs, PI-reading calls, hosts."""
    st = ev.static
    if st is None:
        return {}
    perms = catalog.permissions()
    return {
        "form": st.form,
        "dex": st.dex_entries,
        "class_count": st.class_count,
        "application_class": st.application_class,
        "permissions": [
            {"name": p.name, "zh": perms.get(p.name, {}).get("zh"),
             "protection": perms.get(p.name, {}).get("protection", "unknown"),
             "group": perms.get(p.name, {}).get("group"), "max_sdk": p.max_sdk, "sdk23_only": p.sdk23_only}
            for p in st.permissions
        ],
        "sdks": [
            {"id": s.sdk_id, "name": s.name, "vendor": s.vendor, "kinds": list(s.kinds), "packages": list(s.packages),
             "classes": s.class_count, "via": list(s.via)}
            for s in st.sdks
        ],
        "api_uses": [
            {"api": u.api, "api_id": u.api_id, "pi_types": list(u.pi_types),
             "caller": f"{u.caller_class}.{u.caller_method}", "startup_path": list(u.startup_path),
             "owner_kind": u.owner_kind, "owner": u.owner, "sdk_id": u.sdk_id, "entry": u.provenance.entry,
             "offset": u.provenance.offset, "reflective": u.reflective}
            for u in st.api_uses
        ],
        "hosts": sorted({u.host for u in st.urls if u.host}),
        "policy_refs": [{"kind": r.kind, "value": r.value, "entry": r.provenance.entry} for r in st.policy_refs],
        "packers": [{"id": p.packer_id, "name": p.name, "markers": list(p.markers)} for p in st.packers],
        "meta_data_keys": sorted(st.meta_data),
        "notes": st.notes,
        "static_timings": st.timings,
    }
