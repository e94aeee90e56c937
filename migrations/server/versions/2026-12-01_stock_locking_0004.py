"""Stock locking: reservations by client id with lines, transfers, scheduled job runs.

* ``reservations`` is rebuilt (nothing wrote it before this release) as a header chosen by
  the client's id, with ``reservation_lines`` per product. A line is ``held`` while its
  quantity is counted in ``stock_levels.reserved``; a partial index over held lines by
  (store, product, expires_at) lets availability subtract only the unexpired ones. Neither
  has a foreign key to its hot parent (the store row, the level row): each would take a
  share lock there per reservation; the service checks both in the same transaction.
* ``transfers`` / ``transfer_lines``: stock in transit between two stores of a company.
* ``job_runs``: one row per job per schedule tick, claimed by exactly one server process;
  platform-only (the tenant role cannot read it).
* ``stock_movements`` loses its two foreign keys (the ledger's only writer books movements
  for level rows it holds, which carry the keys); a third of the push path's insert time.
* ``stock_levels`` gets ``fillfactor = 80`` so its frequent updates can stay HOT (no index
  writes) on its own page.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 18:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from sync_server.db.rls import protect_tenant_table

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

NEW_TENANT_TABLES = ("reservations", "reservation_lines", "transfers", "transfer_lines")


def upgrade() -> None:
    op.drop_constraint(
        "fk_stock_movements_company_id_product_id_products", "stock_movements", type_="foreignkey"
    )
    op.drop_constraint(
        "fk_stock_movements_company_id_store_id_stores", "stock_movements", type_="foreignkey"
    )
    op.execute("ALTER TABLE stock_levels SET (fillfactor = 80)")

    op.drop_table("reservations")  # rebuilt: no release before this one wrote it
    op.create_table(
        "reservations",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reference", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("terminal_id", sa.Uuid(), nullable=True),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('hold', 'transfer', 'order')", name=op.f("ck_reservations_kind")
        ),
        sa.CheckConstraint(
            "status IN ('held', 'committed', 'released', 'expired')",
            name=op.f("ck_reservations_status"),
        ),
        sa.PrimaryKeyConstraint("company_id", "id", name=op.f("pk_reservations")),
    )
    op.create_index(
        "ix_reservations_company_id_expires_at_held",
        "reservations",
        ["company_id", "expires_at"],
        unique=False,
        postgresql_where=sa.text("status = 'held'"),
    )
    op.create_index(
        op.f("ix_reservations_company_id_store_id_created_at"),
        "reservations",
        ["company_id", "store_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "reservation_lines",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("reservation_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("held", sa.Boolean(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_reservation_lines_quantity")),
        sa.ForeignKeyConstraint(
            ["company_id", "reservation_id"],
            ["reservations.company_id", "reservations.id"],
            name=op.f("fk_reservation_lines_company_id_reservation_id_reservations"),
        ),
        sa.PrimaryKeyConstraint(
            "company_id", "reservation_id", "product_id", name=op.f("pk_reservation_lines")
        ),
    )
    op.create_index(
        "ix_reservation_lines_held_by_level_expires_at",
        "reservation_lines",
        ["company_id", "store_id", "product_id", "expires_at"],
        unique=False,
        postgresql_where=sa.text("held"),
        postgresql_include=["quantity"],
    )
    op.create_table(
        "transfers",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("from_store_id", sa.Uuid(), nullable=False),
        sa.Column("to_store_id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_by", sa.Uuid(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_by", sa.Uuid(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.CheckConstraint("from_store_id <> to_store_id", name=op.f("ck_transfers_two_stores")),
        sa.CheckConstraint(
            "status IN ('in_transit', 'received')", name=op.f("ck_transfers_status")
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "from_store_id"],
            ["stores.company_id", "stores.id"],
            name=op.f("fk_transfers_company_id_from_store_id_stores"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "to_store_id"],
            ["stores.company_id", "stores.id"],
            name=op.f("fk_transfers_company_id_to_store_id_stores"),
        ),
        sa.PrimaryKeyConstraint("company_id", "id", name=op.f("pk_transfers")),
    )
    op.create_index(
        op.f("ix_transfers_company_id_from_store_id_status"),
        "transfers",
        ["company_id", "from_store_id", "status"],
        unique=False,
    )
    op.create_index(
        op.f("ix_transfers_company_id_to_store_id_status"),
        "transfers",
        ["company_id", "to_store_id", "status"],
        unique=False,
    )
    op.create_table(
        "transfer_lines",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("transfer_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("quantity_sent", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("quantity_received", sa.Numeric(precision=14, scale=3), nullable=True),
        sa.CheckConstraint(
            "quantity_received >= 0", name=op.f("ck_transfer_lines_quantity_received")
        ),
        sa.CheckConstraint("quantity_sent > 0", name=op.f("ck_transfer_lines_quantity_sent")),
        sa.ForeignKeyConstraint(
            ["company_id", "product_id"],
            ["products.company_id", "products.id"],
            name=op.f("fk_transfer_lines_company_id_product_id_products"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "transfer_id"],
            ["transfers.company_id", "transfers.id"],
            name=op.f("fk_transfer_lines_company_id_transfer_id_transfers"),
        ),
        sa.PrimaryKeyConstraint(
            "company_id", "transfer_id", "product_id", name=op.f("pk_transfer_lines")
        ),
    )
    op.create_table(
        "job_runs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("job", sa.String(length=60), nullable=False),
        sa.Column("tick", sa.DateTime(timezone=True), nullable=False),
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("runner", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("result", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.CheckConstraint(
            "status IN ('running', 'ok', 'failed')", name=op.f("ck_job_runs_status")
        ),
        sa.CheckConstraint("trigger IN ('schedule', 'manual')", name=op.f("ck_job_runs_trigger")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_runs")),
        sa.UniqueConstraint("job", "tick", "scope", name=op.f("uq_job_runs_job_tick_scope")),
    )
    op.create_index(
        op.f("ix_job_runs_job_started_at"), "job_runs", ["job", "started_at"], unique=False
    )
    for table in NEW_TENANT_TABLES:
        protect_tenant_table(table)
    op.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON job_runs TO galla_platform")


def downgrade() -> None:
    op.drop_index(op.f("ix_job_runs_job_started_at"), table_name="job_runs")
    op.drop_table("job_runs")
    op.drop_table("transfer_lines")
    op.drop_index(op.f("ix_transfers_company_id_to_store_id_status"), table_name="transfers")
    op.drop_index(op.f("ix_transfers_company_id_from_store_id_status"), table_name="transfers")
    op.drop_table("transfers")
    op.drop_table("reservation_lines")
    op.drop_table("reservations")
    # the 0001 shape of reservations, with its grants and policies
    op.create_table(
        "reservations",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('held', 'committed', 'released', 'expired')",
            name=op.f("ck_reservations_status"),
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_reservations_quantity")),
        sa.ForeignKeyConstraint(
            ["company_id", "store_id", "product_id"],
            ["stock_levels.company_id", "stock_levels.store_id", "stock_levels.product_id"],
            name=op.f("fk_reservations_company_id_store_id_product_id_stock_levels"),
        ),
        sa.PrimaryKeyConstraint("company_id", "id", name=op.f("pk_reservations")),
    )
    op.create_index(
        op.f("ix_reservations_company_id_expires_at"),
        "reservations",
        ["company_id", "expires_at"],
        unique=False,
    )
    protect_tenant_table("reservations")
    op.execute("ALTER TABLE stock_levels RESET (fillfactor)")
    op.create_foreign_key(
        "fk_stock_movements_company_id_store_id_stores",
        "stock_movements",
        "stores",
        ["company_id", "store_id"],
        ["company_id", "id"],
    )
    op.create_foreign_key(
        "fk_stock_movements_company_id_product_id_products",
        "stock_movements",
        "products",
        ["company_id", "product_id"],
        ["company_id", "id"],
    )
