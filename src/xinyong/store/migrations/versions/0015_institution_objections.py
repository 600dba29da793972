"""a credit service institution's own objections, and corrections passed on to the recipients of copies

- ``objections``: the route CHECK gains ``institution`` (an objection to information a credit service
  institution holds, labelled and decided by that institution within its own limits); two columns name
  the institution (``institution_code``, its USCC) and its own reference of the report or record objected
  to (``institution_reference``). The list is only widened: every row stored before satisfies it. The
  CHECK is changed by ``xinyong.store.migrations.checks`` (on SQLite the stored CREATE statement is
  edited: a rebuild of ``objections`` would cascade to its records and evidence).
- ``correction_notices``: a correction passed on, on the subject's request, to an organisation the
  inquiry log shows receiving the record; read and acknowledged by that organisation through the API.

The downgrade refuses while an institution's objection or a correction notice is stored.

Revision ID: 0015_institution_objections
Revises: 0014_publication
"""

import sqlalchemy as sa
from alembic import op

import xinyong.store.base
from xinyong.store.migrations.checks import CheckChange, in_list, replace_checks

revision = "0015_institution_objections"
down_revision = "0014_publication"
branch_labels = None
depends_on = None

TS = xinyong.store.base.UTCDateTime(timezone=True)
_OLD = ("center", "provider")
_NEW = (*_OLD, "institution")


def _route(values: tuple[str, ...]) -> str:
    return f"route IS NULL OR {in_list('route', values)}"


def upgrade() -> None:
    replace_checks("0015", [CheckChange("objections", "ck_objections_route", _route(_OLD), _route(_NEW))])
    op.add_column("objections", sa.Column("institution_code", sa.String(length=64), nullable=True))
    op.add_column("objections", sa.Column("institution_reference", sa.String(length=200), nullable=True))
    op.create_table(
        "correction_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("objection_id", sa.Integer(), nullable=False),
        sa.Column("organisation", sa.String(length=64), nullable=False),
        sa.Column("records", sa.JSON(), nullable=False),
        sa.Column("cite", sa.String(length=200), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("issued_at", TS, nullable=False),
        sa.Column("delivered_at", TS, nullable=True),
        sa.Column("acknowledged_at", TS, nullable=True),
        sa.ForeignKeyConstraint(["objection_id"], ["objections.id"], ondelete="RESTRICT",
                                name=op.f("fk_correction_notices_objection_id_objections")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_correction_notices")),
        sa.UniqueConstraint("objection_id", "organisation", name=op.f("uq_correction_notices_objection_id_organisation")),
    )
    op.create_index(op.f("ix_correction_notices_organisation"), "correction_notices", ["organisation"])


def downgrade() -> None:
    bind = op.get_bind()
    route = sa.table("objections", sa.column("route")).c.route
    n = bind.execute(sa.select(sa.func.count()).where(route == "institution")).scalar_one()
    m = bind.execute(sa.text("SELECT COUNT(*) FROM correction_notices")).scalar_one()
    if n or m:
        raise RuntimeError(
            f"迁移 0015 未回退：仍有 {n} 件向信用服务机构提出的异议、{m} 份更正通知。 / "
            f"migration 0015 not downgraded: {n} objections to credit service institutions and {m} correction "
            "notices are stored.")
    op.drop_index(op.f("ix_correction_notices_organisation"), table_name="correction_notices")
    op.drop_table("correction_notices")
    # ALTER TABLE … DROP COLUMN (SQLite 3.35 and later), not a rebuild: that would cascade
    op.drop_column("objections", "institution_reference")
    op.drop_column("objections", "institution_code")
    replace_checks("0015", [CheckChange("objections", "ck_objections_route", _route(_NEW), _route(_OLD))])
