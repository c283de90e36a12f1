"""The REST API's response bodies, declared so ``/openapi.json`` describes them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

REPORT_FORMATS = ("json", "md", "html", "sarif", "xlsx", "pdf", "text")


class Problem(BaseModel):
    detail: str


class Invalid(BaseModel):
    detail: str | list[dict[str, Any]] = Field(description="what is wrong: one line, or the fields' errors")


class RunLinks(BaseModel):
    page: str = Field(description="the run's HTML page")
    api: str = Field(description="the run as JSON")
    report: dict[str, str] = Field(description="report downloads by format")


class UploadAccepted(BaseModel):
    run_id: int
    status: str = Field(description="queued")
    links: RunLinks


class RunOut(BaseModel):
    id: int
    status: str = Field(description="queued, running, ok or error")
    error: str | None = Field(description="one line, when the audit failed")
    source: str = Field(description="the uploaded file's name as the client gave it, sanitised")
    sha256: str | None
    created: str | None
    started: str | None
    seconds: float | None
    attempts: int
    tool_version: str
    peak_rss_mb: float | None
    app_id: int | None
    package: str | None
    label: str | None
    version_id: int | None
    version_name: str | None
    version_code: str | None
    links: RunLinks


class RunBrief(BaseModel):
    id: int
    status: str
    error: str | None
    source: str
    created: str | None
    seconds: float | None


class VersionOut(BaseModel):
    id: int
    sha256: str
    version_name: str | None
    version_code: str | None
    min_sdk: int | None
    target_sdk: int | None
    size: int | None
    first_seen: str | None
    runs: list[RunBrief]


class AppSummary(BaseModel):
    id: int
    package: str | None
    label: str | None
    first_seen: str | None
    versions: int
    runs: int
    latest_run_id: int | None


class AppList(BaseModel):
    total: int
    apps: list[AppSummary]


class AppDetail(BaseModel):
    id: int
    package: str | None
    label: str | None
    first_seen: str | None
    versions: list[VersionOut]


class CorpusSummary(BaseModel):
    apps: int
    versions: int
    runs: int
    runs_ok: int
    runs_error: int
    runs_queued: int
    runs_running: int


class VerdictCounts(BaseModel):
    apps: int
    violation: int
    risk: int
    pass_: int = Field(alias="pass")
    undetermined: int
    manual: int
    not_applicable: int
    violation_rate: float | None
    violation_or_risk_rate: float | None


class ItemRate(VerdictCounts):
    item: str
    category: int
    title_zh: str
    title_en: str


class CategoryRate(VerdictCounts):
    category: int
    name_zh: str
    name_en: str


class SdkCount(BaseModel):
    sdk_id: str
    name: str | None
    vendor: str | None
    kinds: str | None
    apps: int


class AppRisk(BaseModel):
    package: str | None
    label: str | None
    version_name: str | None
    sha256: str
    run_id: int
    violations: int
    risks: int
    score: int


class Stats(BaseModel):
    summary: CorpusSummary
    by_item: list[ItemRate]
    by_category: list[CategoryRate]
    top_sdks: list[SdkCount]
    apps_by_risk: list[AppRisk]


class Health(BaseModel):
    status: str
    version: str
    workers: int
