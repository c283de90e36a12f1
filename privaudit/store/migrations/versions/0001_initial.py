"""The first schema: apps, versions, runs, findings (one per item and run), evidence, SDKs.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "apps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("package", sa.String(length=255), nullable=True),
        sa.Column("label", sa.Text(), nullable=True),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_apps")),
        sa.UniqueConstraint("package", name=op.f("uq_apps_package")),
    )
    op.create_table(
        "versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("version_name", sa.Text(), nullable=True),
        sa.Column("version_code", sa.Text(), nullable=True),
        sa.Column("min_sdk", sa.Integer(), nullable=True),
        sa.Column("target_sdk", sa.Integer(), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["app_id"], ["apps.id"], name=op.f("fk_versions_app_id_apps"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_versions")),
        sa.UniqueConstraint("sha256", name=op.f("uq_versions_sha256")),
    )
    op.create_index(op.f("ix_versions_app_id"), "versions", ["app_id"], unique=False)
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("job", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=True),
        sa.Column("inputs_key", sa.String(length=64), nullable=False),
        sa.Column("tool_version", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started", sa.DateTime(timezone=True), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("peak_rss_mb", sa.Float(), nullable=True),
        sa.Column("report", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=True),
        sa.CheckConstraint("status IN ('queued', 'running', 'ok', 'error')", name=op.f("ck_runs_status")),
        sa.ForeignKeyConstraint(
            ["version_id"], ["versions.id"], name=op.f("fk_runs_version_id_versions"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runs")),
    )
    op.create_index("ix_runs_resume", "runs", ["sha256", "inputs_key", "tool_version", "status"], unique=False)
    op.create_index("ix_runs_status", "runs", ["status"], unique=False)
    op.create_index(op.f("ix_runs_version_id"), "runs", ["version_id"], unique=False)
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=16), nullable=False),
        sa.Column("category", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("decided_by", sa.Text(), nullable=True),
        sa.Column("summary_zh", sa.Text(), nullable=True),
        sa.Column("summary_en", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_findings_run_id_runs"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_findings")),
        sa.UniqueConstraint("run_id", "item", name=op.f("uq_findings_run_id_item")),
    )
    op.create_index("ix_findings_item_verdict", "findings", ["item", "verdict"], unique=False)
    op.create_table(
        "sdks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("sdk_id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("vendor", sa.Text(), nullable=True),
        sa.Column("kinds", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_sdks_run_id_runs"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sdks")),
    )
    op.create_index(op.f("ix_sdks_run_id"), "sdks", ["run_id"], unique=False)
    op.create_index(op.f("ix_sdks_sdk_id"), "sdks", ["sdk_id"], unique=False)
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=32), nullable=True),
        sa.Column("file", sa.Text(), nullable=True),
        sa.Column("entry", sa.Text(), nullable=True),
        sa.Column("offset", sa.BigInteger(), nullable=True),
        sa.Column("locator", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id", "item"],
            ["findings.run_id", "findings.item"],
            name=op.f("fk_evidence_run_id_findings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence")),
    )
    op.create_index("ix_evidence_run_id_item", "evidence", ["run_id", "item"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_evidence_run_id_item", table_name="evidence")
    op.drop_table("evidence")
    op.drop_index(op.f("ix_sdks_sdk_id"), table_name="sdks")
    op.drop_index(op.f("ix_sdks_run_id"), table_name="sdks")
    op.drop_table("sdks")
    op.drop_index("ix_findings_item_verdict", table_name="findings")
    op.drop_table("findings")
    op.drop_index(op.f("ix_runs_version_id"), table_name="runs")
    op.drop_index("ix_runs_status", table_name="runs")
    op.drop_index("ix_runs_resume", table_name="runs")
    op.drop_table("runs")
    op.drop_index(op.f("ix_versions_app_id"), table_name="versions")
    op.drop_table("versions")
    op.drop_table("apps")
