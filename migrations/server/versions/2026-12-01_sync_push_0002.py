"""Sync push: the facts tills push, booked as sent; quarantine; terminal sync state.

* Sales, credit notes, shifts and cash movements gain every field of their events, so the
  server's books equal the tills' to the paisa (GST split, bill discount, change given).
* Facts lose the foreign keys and unique keys that would make an event's booking depend on
  delivery order or refuse a fact: a credit note may arrive before its sale, a cash movement
  before its shift, and a reused invoice number (a till restored from a backup) is booked and
  reported as a sync exception. Plain indexes replace the unique keys.
* ``quarantined_events`` keeps every event that could not be booked, exactly as received.
* ``sync_exceptions`` lists the events involved and how an admin resolved it.
* ``terminals`` records what the till reported with its last push.

No release before this one wrote sales, so the new NOT NULL columns need no back-fill.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 18:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from sync_server.db.rls import protect_tenant_table

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

NEW_TENANT_TABLES = ("quarantined_events", "refund_tenders")

# The rows a push writes in bulk lose their foreign keys: a key check per row (and a KEY
# SHARE lock on every product sold) cost more than the rest of a push (measured: 88 of
# 176 ms for a 100-sale batch). The push path itself guarantees what they checked: it
# writes a document and its lines in one transaction, checks every product first, and takes
# the store and terminal from the authenticated credential.
LINE_FOREIGN_KEYS = (
    ("sale_lines", "fk_sale_lines_company_id_sale_id_sales", "sales", ["sale_id"], ["id"]),
    (
        "sale_lines",
        "fk_sale_lines_company_id_product_id_products",
        "products",
        ["product_id"],
        ["id"],
    ),
    ("payments", "fk_payments_company_id_sale_id_sales", "sales", ["sale_id"], ["id"]),
    (
        "credit_note_lines",
        "fk_credit_note_lines_company_id_credit_note_id_credit_notes",
        "credit_notes",
        ["credit_note_id"],
        ["id"],
    ),
    ("sales", "fk_sales_company_id_store_id_stores", "stores", ["store_id"], ["id"]),
    ("sales", "fk_sales_company_id_terminal_id_terminals", "terminals", ["terminal_id"], ["id"]),
    (
        "credit_notes",
        "fk_credit_notes_company_id_store_id_stores",
        "stores",
        ["store_id"],
        ["id"],
    ),
    (
        "credit_notes",
        "fk_credit_notes_company_id_terminal_id_terminals",
        "terminals",
        ["terminal_id"],
        ["id"],
    ),
)


def upgrade() -> None:
    op.create_table(
        "quarantined_events",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("terminal_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.String(length=60), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("raw_digest", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.Uuid(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'resolved')", name=op.f("ck_quarantined_events_status")
        ),
        sa.PrimaryKeyConstraint("company_id", "id", name=op.f("pk_quarantined_events")),
        sa.UniqueConstraint(
            "company_id",
            "terminal_id",
            "raw_digest",
            name=op.f("uq_quarantined_events_company_id_terminal_id_raw_digest"),
        ),
    )
    op.create_index(
        op.f("ix_quarantined_events_company_id_status_received_at"),
        "quarantined_events",
        ["company_id", "status", "received_at"],
        unique=False,
    )
    op.create_table(
        "refund_tenders",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("credit_note_id", sa.Uuid(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("amount_paise", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.CheckConstraint(
            "method IN ('cash', 'card', 'upi')", name=op.f("ck_refund_tenders_method")
        ),
        sa.PrimaryKeyConstraint(
            "company_id", "credit_note_id", "line_no", name=op.f("pk_refund_tenders")
        ),
    )
    op.add_column("cash_movements", sa.Column("event_id", sa.Uuid(), nullable=False))
    op.add_column("cash_movements", sa.Column("terminal_id", sa.Uuid(), nullable=False))
    op.add_column("cash_movements", sa.Column("approved_by", sa.Uuid(), nullable=True))
    op.alter_column(
        "cash_movements",
        "reason",
        existing_type=sa.VARCHAR(length=200),
        type_=sa.Text(),
        existing_nullable=False,
    )
    op.create_index(
        op.f("ix_cash_movements_company_id_shift_id"),
        "cash_movements",
        ["company_id", "shift_id"],
        unique=False,
    )
    op.drop_constraint(
        op.f("fk_cash_movements_company_id_shift_id_shifts"), "cash_movements", type_="foreignkey"
    )
    op.add_column("credit_note_lines", sa.Column("product_id", sa.Uuid(), nullable=False))
    op.add_column("credit_note_lines", sa.Column("hsn_code", sa.String(length=8), nullable=False))
    op.add_column(
        "credit_note_lines", sa.Column("gst_rate", sa.Numeric(precision=6, scale=3), nullable=False)
    )
    op.add_column(
        "credit_note_lines",
        sa.Column("cess_rate", sa.Numeric(precision=6, scale=3), nullable=False),
    )
    op.add_column("credit_note_lines", sa.Column("restocked", sa.Boolean(), nullable=False))
    op.add_column("credit_note_lines", sa.Column("taxable_paise", sa.BigInteger(), nullable=False))
    op.add_column("credit_note_lines", sa.Column("cgst_paise", sa.BigInteger(), nullable=False))
    op.add_column("credit_note_lines", sa.Column("sgst_paise", sa.BigInteger(), nullable=False))
    op.add_column("credit_note_lines", sa.Column("igst_paise", sa.BigInteger(), nullable=False))
    op.add_column("credit_note_lines", sa.Column("cess_paise", sa.BigInteger(), nullable=False))
    op.drop_constraint(
        op.f("fk_credit_note_lines_company_id_sale_id_sale_line_no_sale_lines"),
        "credit_note_lines",
        type_="foreignkey",
    )
    op.add_column("credit_notes", sa.Column("event_id", sa.Uuid(), nullable=False))
    op.add_column("credit_notes", sa.Column("shift_id", sa.Uuid(), nullable=False))
    op.add_column("credit_notes", sa.Column("cashier_id", sa.Uuid(), nullable=False))
    op.add_column("credit_notes", sa.Column("supervisor_id", sa.Uuid(), nullable=True))
    op.add_column(
        "credit_notes", sa.Column("original_invoice_number", sa.String(length=16), nullable=False)
    )
    op.add_column("credit_notes", sa.Column("inter_state", sa.Boolean(), nullable=False))
    op.add_column("credit_notes", sa.Column("taxable_paise", sa.BigInteger(), nullable=False))
    op.add_column("credit_notes", sa.Column("cgst_paise", sa.BigInteger(), nullable=False))
    op.add_column("credit_notes", sa.Column("sgst_paise", sa.BigInteger(), nullable=False))
    op.add_column("credit_notes", sa.Column("igst_paise", sa.BigInteger(), nullable=False))
    op.add_column("credit_notes", sa.Column("cess_paise", sa.BigInteger(), nullable=False))
    op.add_column("credit_notes", sa.Column("round_off_paise", sa.BigInteger(), nullable=False))
    op.add_column(
        "credit_notes", sa.Column("flags", postgresql.ARRAY(sa.String(length=40)), nullable=False)
    )
    op.alter_column(
        "credit_notes",
        "reason",
        existing_type=sa.VARCHAR(length=200),
        type_=sa.Text(),
        existing_nullable=False,
    )
    op.drop_constraint(
        op.f("uq_credit_notes_company_id_store_id_financial_year_number"),
        "credit_notes",
        type_="unique",
    )
    op.create_index(
        op.f("ix_credit_notes_company_id_sale_id"),
        "credit_notes",
        ["company_id", "sale_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_credit_notes_company_id_store_id_financial_year_number"),
        "credit_notes",
        ["company_id", "store_id", "financial_year", "number"],
        unique=False,
    )
    op.drop_constraint(
        op.f("fk_credit_notes_company_id_sale_id_sales"), "credit_notes", type_="foreignkey"
    )
    op.add_column("payments", sa.Column("line_no", sa.Integer(), nullable=False))
    op.add_column("payments", sa.Column("change_given_paise", sa.BigInteger(), nullable=False))
    op.alter_column("payments", "reference", existing_type=sa.VARCHAR(length=100), nullable=True)
    op.drop_constraint(op.f("pk_payments"), "payments", type_="primary")
    op.drop_column("payments", "id")
    op.create_primary_key(op.f("pk_payments"), "payments", ["company_id", "sale_id", "line_no"])
    op.add_column("sale_lines", sa.Column("barcode", sa.String(length=32), nullable=True))
    op.add_column("sale_lines", sa.Column("description", sa.Text(), nullable=False))
    op.add_column(
        "sale_lines", sa.Column("cess_rate", sa.Numeric(precision=6, scale=3), nullable=False)
    )
    op.add_column("sale_lines", sa.Column("price_includes_tax", sa.Boolean(), nullable=False))
    op.add_column("sale_lines", sa.Column("price_id", sa.Uuid(), nullable=True))
    op.add_column("sale_lines", sa.Column("price_version", sa.Integer(), nullable=True))
    op.add_column("sale_lines", sa.Column("price_override_by", sa.Uuid(), nullable=True))
    op.add_column("sale_lines", sa.Column("bill_discount_paise", sa.BigInteger(), nullable=False))
    op.alter_column(
        "sale_lines",
        "gst_rate",
        existing_type=sa.NUMERIC(precision=5, scale=2),
        type_=sa.Numeric(precision=6, scale=3),
        existing_nullable=False,
    )
    op.add_column("sales", sa.Column("event_id", sa.Uuid(), nullable=False))
    op.add_column("sales", sa.Column("customer_phone", sa.String(length=20), nullable=True))
    op.add_column("sales", sa.Column("customer_gstin", sa.String(length=15), nullable=True))
    op.add_column("sales", sa.Column("customer_name", sa.String(length=200), nullable=True))
    op.add_column("sales", sa.Column("place_of_supply", sa.String(length=2), nullable=False))
    op.add_column("sales", sa.Column("inter_state", sa.Boolean(), nullable=False))
    op.add_column("sales", sa.Column("bill_discount_paise", sa.BigInteger(), nullable=False))
    op.add_column("sales", sa.Column("cgst_paise", sa.BigInteger(), nullable=False))
    op.add_column("sales", sa.Column("sgst_paise", sa.BigInteger(), nullable=False))
    op.add_column("sales", sa.Column("igst_paise", sa.BigInteger(), nullable=False))
    op.add_column("sales", sa.Column("cess_paise", sa.BigInteger(), nullable=False))
    op.add_column("sales", sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("sales", sa.Column("voided_by", sa.Uuid(), nullable=True))
    op.add_column("sales", sa.Column("void_approved_by", sa.Uuid(), nullable=True))
    op.add_column("sales", sa.Column("void_reason", sa.Text(), nullable=True))
    op.alter_column(
        "sales",
        "flags",
        existing_type=sa.VARCHAR(length=200),
        type_=postgresql.ARRAY(sa.String(length=40)),
        existing_nullable=False,
        postgresql_using="string_to_array(NULLIF(flags, ''), ',')::varchar(40)[]",
    )
    op.drop_constraint(
        op.f("uq_sales_company_id_store_id_financial_year_invoice_number"), "sales", type_="unique"
    )
    op.create_index(
        op.f("ix_sales_company_id_occurred_at"),
        "sales",
        ["company_id", "occurred_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_sales_company_id_shift_id"), "sales", ["company_id", "shift_id"], unique=False
    )
    op.create_index(
        op.f("ix_sales_company_id_store_id_financial_year_invoice_number"),
        "sales",
        ["company_id", "store_id", "financial_year", "invoice_number"],
        unique=False,
    )
    op.add_column("shifts", sa.Column("z_number", sa.Integer(), nullable=True))
    op.add_column("shifts", sa.Column("over_short_paise", sa.BigInteger(), nullable=True))
    op.add_column(
        "shifts", sa.Column("totals", postgresql.JSONB(astext_type=sa.Text()), nullable=True)
    )
    op.add_column(
        "shifts", sa.Column("close_received_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.alter_column("shifts", "opened_by", existing_type=sa.UUID(), nullable=True)
    op.alter_column(
        "shifts", "opened_at", existing_type=postgresql.TIMESTAMP(timezone=True), nullable=True
    )
    op.alter_column("shifts", "opening_float_paise", existing_type=sa.BIGINT(), nullable=True)
    op.add_column("sync_exceptions", sa.Column("terminal_id", sa.Uuid(), nullable=True))
    op.add_column("sync_exceptions", sa.Column("store_id", sa.Uuid(), nullable=True))
    op.add_column(
        "sync_exceptions", sa.Column("event_ids", postgresql.ARRAY(sa.Uuid()), nullable=False)
    )
    op.add_column("sync_exceptions", sa.Column("resolution", sa.String(length=20), nullable=True))
    op.add_column("sync_exceptions", sa.Column("note", sa.Text(), nullable=True))
    op.create_index(
        op.f("ix_sync_exceptions_company_id_kind_status"),
        "sync_exceptions",
        ["company_id", "kind", "status"],
        unique=False,
    )
    op.add_column("terminals", sa.Column("last_push_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("terminals", sa.Column("queue_depth", sa.Integer(), nullable=True))
    op.add_column(
        "terminals", sa.Column("oldest_pending_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("terminals", sa.Column("app_version", sa.String(length=40), nullable=True))
    op.add_column("terminals", sa.Column("printer_state", sa.String(length=20), nullable=True))
    op.alter_column(
        "terminals",
        "last_event_seq",
        existing_type=sa.INTEGER(),
        type_=sa.BigInteger(),
        existing_nullable=False,
    )
    for table, fk, _, _, _ in LINE_FOREIGN_KEYS:
        op.drop_constraint(op.f(fk), table, type_="foreignkey")
    for table in NEW_TENANT_TABLES:
        protect_tenant_table(table)


def downgrade() -> None:
    op.alter_column(
        "terminals",
        "last_event_seq",
        existing_type=sa.BigInteger(),
        type_=sa.INTEGER(),
        existing_nullable=False,
    )
    op.drop_column("terminals", "printer_state")
    op.drop_column("terminals", "app_version")
    op.drop_column("terminals", "oldest_pending_at")
    op.drop_column("terminals", "queue_depth")
    op.drop_column("terminals", "last_push_at")
    op.drop_index(op.f("ix_sync_exceptions_company_id_kind_status"), table_name="sync_exceptions")
    op.drop_column("sync_exceptions", "note")
    op.drop_column("sync_exceptions", "resolution")
    op.drop_column("sync_exceptions", "event_ids")
    op.drop_column("sync_exceptions", "store_id")
    op.drop_column("sync_exceptions", "terminal_id")
    op.alter_column("shifts", "opening_float_paise", existing_type=sa.BIGINT(), nullable=False)
    op.alter_column(
        "shifts", "opened_at", existing_type=postgresql.TIMESTAMP(timezone=True), nullable=False
    )
    op.alter_column("shifts", "opened_by", existing_type=sa.UUID(), nullable=False)
    op.drop_column("shifts", "close_received_at")
    op.drop_column("shifts", "totals")
    op.drop_column("shifts", "over_short_paise")
    op.drop_column("shifts", "z_number")
    op.drop_index(
        op.f("ix_sales_company_id_store_id_financial_year_invoice_number"), table_name="sales"
    )
    op.drop_index(op.f("ix_sales_company_id_shift_id"), table_name="sales")
    op.drop_index(op.f("ix_sales_company_id_occurred_at"), table_name="sales")
    op.create_unique_constraint(
        op.f("uq_sales_company_id_store_id_financial_year_invoice_number"),
        "sales",
        ["company_id", "store_id", "financial_year", "invoice_number"],
        postgresql_nulls_not_distinct=False,
    )
    op.alter_column(
        "sales",
        "flags",
        existing_type=postgresql.ARRAY(sa.String(length=40)),
        type_=sa.VARCHAR(length=200),
        existing_nullable=False,
        postgresql_using="coalesce(array_to_string(flags, ','), '')",
    )
    op.drop_column("sales", "void_reason")
    op.drop_column("sales", "void_approved_by")
    op.drop_column("sales", "voided_by")
    op.drop_column("sales", "voided_at")
    op.drop_column("sales", "cess_paise")
    op.drop_column("sales", "igst_paise")
    op.drop_column("sales", "sgst_paise")
    op.drop_column("sales", "cgst_paise")
    op.drop_column("sales", "bill_discount_paise")
    op.drop_column("sales", "inter_state")
    op.drop_column("sales", "place_of_supply")
    op.drop_column("sales", "customer_name")
    op.drop_column("sales", "customer_gstin")
    op.drop_column("sales", "customer_phone")
    op.drop_column("sales", "event_id")
    op.alter_column(
        "sale_lines",
        "gst_rate",
        existing_type=sa.Numeric(precision=6, scale=3),
        type_=sa.NUMERIC(precision=5, scale=2),
        existing_nullable=False,
    )
    op.drop_column("sale_lines", "bill_discount_paise")
    op.drop_column("sale_lines", "price_override_by")
    op.drop_column("sale_lines", "price_version")
    op.drop_column("sale_lines", "price_id")
    op.drop_column("sale_lines", "price_includes_tax")
    op.drop_column("sale_lines", "cess_rate")
    op.drop_column("sale_lines", "description")
    op.drop_column("sale_lines", "barcode")
    op.drop_constraint(op.f("pk_payments"), "payments", type_="primary")
    op.add_column("payments", sa.Column("id", sa.UUID(), autoincrement=False, nullable=False))
    op.create_primary_key(op.f("pk_payments"), "payments", ["company_id", "id"])
    op.alter_column("payments", "reference", existing_type=sa.VARCHAR(length=100), nullable=False)
    op.drop_column("payments", "change_given_paise")
    op.drop_column("payments", "line_no")
    op.create_foreign_key(
        op.f("fk_credit_notes_company_id_sale_id_sales"),
        "credit_notes",
        "sales",
        ["company_id", "sale_id"],
        ["company_id", "id"],
    )
    op.drop_index(
        op.f("ix_credit_notes_company_id_store_id_financial_year_number"), table_name="credit_notes"
    )
    op.drop_index(op.f("ix_credit_notes_company_id_sale_id"), table_name="credit_notes")
    op.create_unique_constraint(
        op.f("uq_credit_notes_company_id_store_id_financial_year_number"),
        "credit_notes",
        ["company_id", "store_id", "financial_year", "number"],
        postgresql_nulls_not_distinct=False,
    )
    op.alter_column(
        "credit_notes",
        "reason",
        existing_type=sa.Text(),
        type_=sa.VARCHAR(length=200),
        existing_nullable=False,
    )
    op.drop_column("credit_notes", "flags")
    op.drop_column("credit_notes", "round_off_paise")
    op.drop_column("credit_notes", "cess_paise")
    op.drop_column("credit_notes", "igst_paise")
    op.drop_column("credit_notes", "sgst_paise")
    op.drop_column("credit_notes", "cgst_paise")
    op.drop_column("credit_notes", "taxable_paise")
    op.drop_column("credit_notes", "inter_state")
    op.drop_column("credit_notes", "original_invoice_number")
    op.drop_column("credit_notes", "supervisor_id")
    op.drop_column("credit_notes", "cashier_id")
    op.drop_column("credit_notes", "shift_id")
    op.drop_column("credit_notes", "event_id")
    op.create_foreign_key(
        op.f("fk_credit_note_lines_company_id_sale_id_sale_line_no_sale_lines"),
        "credit_note_lines",
        "sale_lines",
        ["company_id", "sale_id", "sale_line_no"],
        ["company_id", "sale_id", "line_no"],
    )
    op.drop_column("credit_note_lines", "cess_paise")
    op.drop_column("credit_note_lines", "igst_paise")
    op.drop_column("credit_note_lines", "sgst_paise")
    op.drop_column("credit_note_lines", "cgst_paise")
    op.drop_column("credit_note_lines", "taxable_paise")
    op.drop_column("credit_note_lines", "restocked")
    op.drop_column("credit_note_lines", "cess_rate")
    op.drop_column("credit_note_lines", "gst_rate")
    op.drop_column("credit_note_lines", "hsn_code")
    op.drop_column("credit_note_lines", "product_id")
    op.create_foreign_key(
        op.f("fk_cash_movements_company_id_shift_id_shifts"),
        "cash_movements",
        "shifts",
        ["company_id", "shift_id"],
        ["company_id", "id"],
    )
    op.drop_index(op.f("ix_cash_movements_company_id_shift_id"), table_name="cash_movements")
    op.alter_column(
        "cash_movements",
        "reason",
        existing_type=sa.Text(),
        type_=sa.VARCHAR(length=200),
        existing_nullable=False,
    )
    op.drop_column("cash_movements", "approved_by")
    op.drop_column("cash_movements", "terminal_id")
    op.drop_column("cash_movements", "event_id")
    op.drop_table("refund_tenders")
    op.drop_index(
        op.f("ix_quarantined_events_company_id_status_received_at"), table_name="quarantined_events"
    )
    op.drop_table("quarantined_events")
    for table, fk, referred, local, remote in LINE_FOREIGN_KEYS:
        op.create_foreign_key(
            op.f(fk), table, referred, ["company_id", *local], ["company_id", *remote]
        )
