"""Pull change feed: per-company change counter, compacted change log, global feed; versions.

* ``change_log`` is rebuilt (nothing wrote it before this release): one row per (entity,
  entity id, scope) holding the latest change as the protocol's JSON, at the ``seq`` it was
  last recorded at; ``scope`` is a store, or the nil UUID for every store.
* ``change_counters`` holds each company's last ``seq``; writers bump it with
  ``UPDATE ... RETURNING`` inside their transaction, so seqs commit in order.
* ``global_changes`` and ``global_change_counter`` do the same for GST rates, which are law
  and the same for every company: readable by the tenant role, written by the platform.
* ``prices.version`` is the version a sale line cites as ``price_version``; every change to
  a price row bumps it. ``barcodes`` gain an id (the protocol names entities by UUID), the
  quantity one scan sells, and a version; ``products`` gain the printed MRP.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 18:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sync_server.db.rls import protect_tenant_table

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("prices", sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    op.add_column("products", sa.Column("mrp_paise", sa.BigInteger(), nullable=True))
    op.create_check_constraint(op.f("ck_products_mrp_non_negative"), "products", "mrp_paise >= 0")
    op.add_column(
        "barcodes",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
    )
    op.alter_column("barcodes", "id", server_default=None)
    op.add_column(
        "barcodes",
        sa.Column(
            "quantity", sa.Numeric(precision=14, scale=3), server_default="1", nullable=False
        ),
    )
    op.add_column(
        "barcodes", sa.Column("version", sa.Integer(), server_default="1", nullable=False)
    )
    op.create_unique_constraint(op.f("uq_barcodes_company_id_id"), "barcodes", ["company_id", "id"])
    op.create_check_constraint(op.f("ck_barcodes_quantity"), "barcodes", "quantity > 0")

    op.drop_table("change_log")
    op.create_table(
        "change_log",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("entity", sa.String(length=20), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("scope", sa.Uuid(), nullable=False),
        sa.Column("op", sa.String(length=6), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("change", sa.JSON(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("op IN ('upsert', 'delete')", name=op.f("ck_change_log_op")),
        sa.PrimaryKeyConstraint("company_id", "seq", name=op.f("pk_change_log")),
        sa.UniqueConstraint(
            "company_id",
            "entity",
            "entity_id",
            "scope",
            name=op.f("uq_change_log_company_id_entity_entity_id_scope"),
        ),
    )
    protect_tenant_table("change_log")
    op.create_table(
        "change_counters",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_change_counters_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("company_id", name=op.f("pk_change_counters")),
    )
    protect_tenant_table("change_counters")
    op.create_table(
        "global_changes",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("entity", sa.String(length=20), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("op", sa.String(length=6), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("change", sa.JSON(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("op IN ('upsert', 'delete')", name=op.f("ck_global_changes_op")),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_global_changes")),
        sa.UniqueConstraint("entity", "entity_id", name=op.f("uq_global_changes_entity_entity_id")),
    )
    op.create_table(
        "global_change_counter",
        sa.Column("id", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_global_change_counter_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_global_change_counter")),
    )
    op.execute("INSERT INTO global_change_counter (id, last_seq) VALUES (1, 0)")
    for table in ("global_changes", "global_change_counter"):
        # law, like gst_rates: every tenant reads it, only the platform writes it
        op.execute(f"GRANT SELECT ON {table} TO galla_app")
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO galla_platform")


def downgrade() -> None:
    op.drop_table("global_change_counter")
    op.drop_table("global_changes")
    op.drop_table("change_counters")
    op.drop_table("change_log")
    op.create_table(
        "change_log",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("op", sa.String(length=10), nullable=False),
        sa.Column("payload", sa.dialects.postgresql.JSONB(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("company_id", "seq", name=op.f("pk_change_log")),
    )
    protect_tenant_table("change_log")
    op.drop_constraint(op.f("ck_barcodes_quantity"), "barcodes", type_="check")
    op.drop_constraint(op.f("uq_barcodes_company_id_id"), "barcodes", type_="unique")
    op.drop_column("barcodes", "version")
    op.drop_column("barcodes", "quantity")
    op.drop_column("barcodes", "id")
    op.drop_constraint(op.f("ck_products_mrp_non_negative"), "products", type_="check")
    op.drop_column("products", "mrp_paise")
    op.drop_column("prices", "version")
