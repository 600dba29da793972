"""catalog: versions, items, comments, assessments; providing units, credentials, item grants

Revision ID: 0003_catalog
Revises: 0002_ledger
"""

import sqlalchemy as sa
from alembic import op

import xinyong.store.base

revision = "0003_catalog"
down_revision = "0002_ledger"
branch_labels = None
depends_on = None


def _utc(name: str, nullable: bool) -> sa.Column:
    return sa.Column(name, xinyong.store.base.UTCDateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"),
                                   ondelete=ondelete)


def _index(table: str, *columns: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def _drop_index(table: str, *columns: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))


def upgrade() -> None:
    op.create_table(
        "catalog_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction", sa.String(length=64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title_zh", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("proposer", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("significant_impact", sa.Boolean(), nullable=False),
        sa.Column("based_on_id", sa.Integer(), nullable=True),
        sa.Column("comment_opened_on", sa.Date(), nullable=True),
        sa.Column("comment_closes_on", sa.Date(), nullable=True),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("approved_by", sa.String(length=200), nullable=True),
        sa.Column("approval_document", sa.String(length=200), nullable=True),
        sa.Column("in_force_from", sa.Date(), nullable=True),
        sa.Column("superseded_from", sa.Date(), nullable=True),
        sa.Column("withdrawn_on", sa.Date(), nullable=True),
        _utc("created_at", False),
        _utc("updated_at", False),
        sa.CheckConstraint("state IN ('draft', 'public_comment', 'expert_assessment', 'approved', "
                           "'in_force', 'superseded', 'withdrawn')", name=op.f("ck_catalog_versions_state")),
        sa.CheckConstraint("superseded_from IS NULL OR in_force_from IS NOT NULL",
                           name=op.f("ck_catalog_versions_superseded_after_force")),
        sa.CheckConstraint("superseded_from IS NULL OR superseded_from > in_force_from",
                           name=op.f("ck_catalog_versions_period_order")),
        _fk("catalog_versions", "based_on_id", "catalog_versions", "RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_versions")),
        sa.UniqueConstraint("jurisdiction", "number", name=op.f("uq_catalog_versions_jurisdiction_number")),
    )
    _index("catalog_versions", "jurisdiction")

    op.create_table(
        "providing_units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        _utc("created_at", False),
        sa.CheckConstraint("kind IN ('administrative_organ', 'judicial_organ', 'public_enterprise', "
                           "'public_institution', 'mass_organisation', 'market_unit')",
                           name=op.f("ck_providing_units_kind")),
        sa.CheckConstraint("origin IN ('public', 'market')", name=op.f("ck_providing_units_origin")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_providing_units")),
        sa.UniqueConstraint("code", name=op.f("uq_providing_units_code")),
    )

    op.create_table(
        "catalog_assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("grounds", sa.JSON(), nullable=False),
        sa.Column("experts", sa.JSON(), nullable=False),
        sa.Column("groups_heard", sa.JSON(), nullable=False),
        sa.Column("conclusion", sa.Text(), nullable=False),
        _utc("created_at", False),
        _fk("catalog_assessments", "version_id", "catalog_versions", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_assessments")),
    )
    _index("catalog_assessments", "version_id")

    op.create_table(
        "catalog_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("commenter_kind", sa.String(length=32), nullable=False),
        sa.Column("commenter", sa.String(length=200), nullable=False),
        sa.Column("item_code", sa.String(length=64), nullable=True),
        sa.Column("stance", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        _utc("created_at", False),
        sa.CheckConstraint("stance IN ('support', 'oppose', 'amend', 'neutral')",
                           name=op.f("ck_catalog_comments_stance")),
        _fk("catalog_comments", "version_id", "catalog_versions", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_comments")),
    )
    _index("catalog_comments", "version_id")

    op.create_table(
        "catalog_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("subject_kinds", sa.JSON(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("legal_document_required", sa.Boolean(), nullable=False),
        sa.Column("disclosure_class", sa.String(length=16), nullable=False),
        sa.Column("display_rule", sa.String(length=100), nullable=True),
        sa.Column("counts_from_field", sa.String(length=64), nullable=True),
        sa.Column("sharing_category", sa.String(length=100), nullable=False),
        sa.Column("usage_authorization", sa.String(length=200), nullable=False),
        sa.Column("data_format", sa.String(length=200), nullable=False),
        sa.Column("update_period", sa.String(length=100), nullable=False),
        sa.Column("allowed_by", sa.String(length=200), nullable=False),
        sa.Column("positive", sa.Boolean(), nullable=False),
        sa.Column("consent_categories", sa.JSON(), nullable=False),
        sa.Column("penalty_item", sa.Boolean(), nullable=False),
        _utc("created_at", False),
        sa.CheckConstraint("category <> 'untrustworthiness' OR legal_document_required",
                           name=op.f("ck_catalog_items_legal_document")),
        sa.CheckConstraint("category IN ('basic', 'untrustworthiness', 'other')",
                           name=op.f("ck_catalog_items_category")),
        sa.CheckConstraint("disclosure_class IN ('public', 'shared', 'authorized')",
                           name=op.f("ck_catalog_items_disclosure_class")),
        sa.CheckConstraint("origin IN ('public', 'market')", name=op.f("ck_catalog_items_origin")),
        _fk("catalog_items", "version_id", "catalog_versions", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_items")),
        sa.UniqueConstraint("version_id", "code", name=op.f("uq_catalog_items_version_id_code")),
    )
    _index("catalog_items", "code", "version_id")

    op.create_table(
        "unit_credentials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("hint", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        _utc("created_at", False),
        _utc("expires_at", True),
        _utc("revoked_at", True),
        _utc("last_used_at", True),
        _fk("unit_credentials", "unit_id", "providing_units", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_credentials")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_unit_credentials_token_sha256")),
    )
    _index("unit_credentials", "unit_id")

    op.create_table(
        "unit_item_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("item_code", sa.String(length=64), nullable=False),
        _utc("granted_at", False),
        _utc("revoked_at", True),
        _fk("unit_item_grants", "unit_id", "providing_units", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_item_grants")),
        sa.UniqueConstraint("unit_id", "item_code", name=op.f("uq_unit_item_grants_unit_id_item_code")),
    )
    _index("unit_item_grants", "item_code", "unit_id")


def downgrade() -> None:
    _drop_index("unit_item_grants", "unit_id", "item_code")
    op.drop_table("unit_item_grants")
    _drop_index("unit_credentials", "unit_id")
    op.drop_table("unit_credentials")
    _drop_index("catalog_items", "version_id", "code")
    op.drop_table("catalog_items")
    _drop_index("catalog_comments", "version_id")
    op.drop_table("catalog_comments")
    _drop_index("catalog_assessments", "version_id")
    op.drop_table("catalog_assessments")
    op.drop_table("providing_units")
    _drop_index("catalog_versions", "jurisdiction")
    op.drop_table("catalog_versions")
