"""The results store's tables: apps -> versions (one per APK SHA-256) -> runs -> findings (one per item) -> evidence;
runs -> sdks.

SQLAlchemy Core tables, the single source the Alembic migrations are checked against (tests/store).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

metadata = sa.MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
})

JSONDoc = sa.JSON().with_variant(JSONB(), "postgresql")
RUN_STATUSES = ("queued", "running", "ok", "error")

apps = sa.Table(
    "apps", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("package", sa.String(255), nullable=True, unique=True),  # NULL: a manifest without a package
    sa.Column("label", sa.Text),
    sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
)

versions = sa.Table(
    "versions", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("app_id", sa.Integer, sa.ForeignKey("apps.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("version_name", sa.Text),
    sa.Column("version_code", sa.Text),
    sa.Column("min_sdk", sa.Integer),
    sa.Column("target_sdk", sa.Integer),
    sa.Column("size", sa.BigInteger),
    sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
)

runs = sa.Table(
    "runs", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("version_id", sa.Integer, sa.ForeignKey("versions.id", ondelete="CASCADE"), index=True),
    sa.Column("sha256", sa.String(64)),  # of the app file, known even when the audit failed
    sa.Column("source", sa.Text, nullable=False),  # the app's path or upload name as given
    sa.Column("job", JSONDoc),  # the inputs: apk, policy, trace, network, ui, app_type
    sa.Column("inputs_key", sa.String(64), nullable=False),
    sa.Column("tool_version", sa.String(32), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("error", sa.Text),
    sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    sa.Column("started", sa.DateTime(timezone=True)),
    sa.Column("seconds", sa.Float),
    sa.Column("peak_rss_mb", sa.Float),
    sa.Column("report", JSONDoc),
    sa.CheckConstraint("status IN ('queued', 'running', 'ok', 'error')", name="status"),
    sa.Index("ix_runs_resume", "sha256", "inputs_key", "tool_version", "status"),
    sa.Index("ix_runs_status", "status"),
)

findings = sa.Table(
    "findings", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    sa.Column("item", sa.String(16), nullable=False),
    sa.Column("category", sa.Integer, nullable=False),  # 1..6: the Method's six categories
    sa.Column("verdict", sa.String(16), nullable=False),
    sa.Column("severity", sa.String(8), nullable=False),
    sa.Column("decided_by", sa.Text),
    sa.Column("summary_zh", sa.Text),
    sa.Column("summary_en", sa.Text),
    sa.Index("ix_findings_item_verdict", "item", "verdict"),
    sa.UniqueConstraint("run_id", "item"),  # one finding per item per run; evidence points at it by (run, item)
)

evidence = sa.Table(
    "evidence", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("run_id", sa.Integer, nullable=False),
    sa.Column("item", sa.String(16), nullable=False),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("summary", sa.Text),
    sa.Column("source", sa.String(32)),
    sa.Column("file", sa.Text),
    sa.Column("entry", sa.Text),
    sa.Column("offset", sa.BigInteger),
    sa.Column("locator", sa.Text),
    sa.ForeignKeyConstraint(["run_id", "item"], ["findings.run_id", "findings.item"], ondelete="CASCADE"),
    sa.Index("ix_evidence_run_id_item", "run_id", "item"),
)

sdks = sa.Table(
    "sdks", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("sdk_id", sa.String(128), nullable=False, index=True),
    sa.Column("name", sa.Text),
    sa.Column("vendor", sa.Text),
    sa.Column("kinds", sa.Text),  # comma-separated: push, analytics, ads, ...
)
