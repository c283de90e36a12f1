"""Plain data passed forward through the pipeline: evidence -> findings -> report.

Evidence records carry their provenance from the moment they are created; rules cite them,
reports only render them. Nothing here parses input or decides a verdict.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any

SCHEMA_VERSION = "1.0"


class Verdict(str, Enum):
    """The outcome of one Method item for one app."""

    VIOLATION = "violation"  # the evidence shows the behaviour
    RISK = "risk"  # likely; a person should confirm
    PASS = "pass"  # positive evidence that the behaviour is absent
    UNDETERMINED = "undetermined"  # the evidence needed to decide is missing
    NOT_APPLICABLE = "not_applicable"  # the item cannot arise for this app
    MANUAL = "manual"  # only a human reviewer can decide

    def __str__(self) -> str:
        return self.value


class Severity(str, Enum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    def __str__(self) -> str:
        return self.value


@dataclass(slots=True, eq=False)
class Provenance:
    """Where a piece of evidence was read: enough for a reviewer to find it again.

    ``source`` is the evidence kind (apk, policy, trace, network, ui, requests, review);
    ``file`` the input given by the user; ``entry`` a member inside it (``classes2.dex``);
    ``offset`` a byte offset in the entry (or character offset in a text);
    ``locator`` the domain address: ``Lcom/a/B;->m()V``, a sentence id, an event id, a flow id.
    """

    source: str
    file: str
    entry: str | None = None
    offset: int | None = None
    locator: str | None = None

    def short(self) -> str:
        if self.source == "policy":  # the quote itself is the evidence's summary
            return f"{self.entry or self.file}:{self.offset}" if self.offset is not None else (self.entry or self.file)
        parts = [self.entry or self.file]
        if self.offset is not None:
            parts.append(f"@0x{self.offset:x}")
        if self.locator:
            parts.append(self.locator)
        return " ".join(parts)


@dataclass(slots=True, eq=False)
class Evidence:
    """One observation a finding rests on, rendered the same way by every report format."""

    kind: str  # permission, api_call, sdk, url, policy_document, packer, manifest, ...
    summary: str
    provenance: Provenance
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True, eq=False)
class Missing:
    """Evidence that would decide an item, and how to supply it."""

    kind: str  # evidence code: S P R N U L M
    reason_zh: str
    reason_en: str


@dataclass(slots=True)
class Finding:
    item: str
    verdict: Verdict
    severity: Severity
    summary_zh: str
    summary_en: str
    evidence: list[Evidence] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)
    remediation_zh: str = ""
    remediation_en: str = ""
    decided_by: str = "machine"  # "machine", or a reviewer's name once review answers are merged
    machine_verdict: Verdict | None = None  # the rule's verdict, kept when a reviewer's answer replaced it


@dataclass(slots=True, eq=False)
class Certificate:
    sha256: str
    sha1: str
    subject: str
    issuer: str
    scheme: str  # "v1" (JAR signature); v2/v3 blocks are reported when present


@dataclass(slots=True)
class AppIdentity:
    package: str | None
    version_name: str | None
    version_code: str | None
    min_sdk: int | None
    target_sdk: int | None
    sha256: str
    size: int
    label: str | None = None
    certificates: list[Certificate] = field(default_factory=list)
    signature_schemes: list[str] = field(default_factory=list)


@dataclass(slots=True, eq=False)
class InputRecord:
    kind: str  # apk, policy, trace, network, ui, requests, review
    path: str
    sha256: str | None = None


@dataclass(slots=True)
class Report:
    tool_version: str
    generated_at: str
    app: AppIdentity | None
    inputs: list[InputRecord]
    app_type: str | None
    findings: list[Finding]
    facts: dict[str, Any] = field(default_factory=dict)  # inventories: permissions, sdks, call sites
    timings: dict[str, float] = field(default_factory=dict)
    schema_version: str = SCHEMA_VERSION

    def finding(self, item: str) -> Finding:
        for f in self.findings:
            if f.item == item:
                return f
        raise KeyError(item)

    def counts(self) -> dict[str, int]:
        out = {v.value: 0 for v in Verdict}
        for f in self.findings:
            out[f.verdict.value] += 1
        return out

    def to_dict(self) -> dict[str, Any]:
        return _plain(asdict(self))


def _plain(value: Any) -> Any:
    """Turn enums into their values so the structure serialises as JSON."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def report_from_dict(data: dict[str, Any]) -> Report:
    """Rebuild a Report from its JSON form (``Report.to_dict`` or a stored report), so every format can render it."""
    def prov(p: dict[str, Any]) -> Provenance:
        return Provenance(source=p["source"], file=p["file"], entry=p.get("entry"), offset=p.get("offset"),
                          locator=p.get("locator"))

    def finding(f: dict[str, Any]) -> Finding:
        mv = f.get("machine_verdict")
        return Finding(
            item=f["item"], verdict=Verdict(f["verdict"]), severity=Severity(f["severity"]),
            summary_zh=f.get("summary_zh", ""), summary_en=f.get("summary_en", ""),
            evidence=[Evidence(kind=e["kind"], summary=e["summary"], provenance=prov(e["provenance"]),
                               data=e.get("data") or {}) for e in f.get("evidence", [])],
            missing=[Missing(kind=m["kind"], reason_zh=m["reason_zh"], reason_en=m["reason_en"])
                     for m in f.get("missing", [])],
            remediation_zh=f.get("remediation_zh", ""), remediation_en=f.get("remediation_en", ""),
            decided_by=f.get("decided_by", "machine"), machine_verdict=Verdict(mv) if mv else None)

    app = data.get("app")
    identity = None
    if app:
        identity = AppIdentity(
            package=app.get("package"), version_name=app.get("version_name"), version_code=app.get("version_code"),
            min_sdk=app.get("min_sdk"), target_sdk=app.get("target_sdk"), sha256=app["sha256"],
            size=app.get("size", 0), label=app.get("label"),
            certificates=[Certificate(**c) for c in app.get("certificates", [])],
            signature_schemes=list(app.get("signature_schemes", [])))
    return Report(
        tool_version=data["tool_version"], generated_at=data["generated_at"], app=identity,
        inputs=[InputRecord(kind=i["kind"], path=i["path"], sha256=i.get("sha256")) for i in data.get("inputs", [])],
        app_type=data.get("app_type"), findings=[finding(f) for f in data.get("findings", [])],
        facts=data.get("facts") or {}, timings=data.get("timings") or {},
        schema_version=data.get("schema_version", SCHEMA_VERSION))


def renamed(value: Any, pairs: list[tuple[str, str]], _seen: set[int] | None = None) -> Any:
    """``value`` with every ``old`` string in it replaced by its ``new`` one, in order: in strings, lists, tuples,
    dict keys and values, and dataclass fields (set in place). How a report comes to name an input as the user
    gave it (``run.zip!…``, an upload's name, a URL) instead of a temporary or server path."""
    if not pairs:
        return value
    if isinstance(value, str):
        for old, new in pairs:
            if old in value:
                value = value.replace(old, new)
        return value
    seen = set() if _seen is None else _seen
    if isinstance(value, list):
        return [renamed(v, pairs, seen) for v in value]
    if isinstance(value, tuple):
        return tuple(renamed(v, pairs, seen) for v in value)
    if isinstance(value, dict):
        return {renamed(k, pairs, seen): renamed(v, pairs, seen) for k, v in value.items()}
    if hasattr(value, "__dataclass_fields__") and not isinstance(value, type) and id(value) not in seen:
        seen.add(id(value))
        for name in value.__dataclass_fields__:
            try:
                setattr(value, name, renamed(getattr(value, name), pairs, seen))
            except AttributeError:  # frozen
                pass
    return value
