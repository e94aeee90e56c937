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
* ``stock_reserve(...)``: one PL/pgSQL function that makes a reservation in one round trip
  (switch to the tenant role and company, idempotent insert by the client's id, lines,
  conditional takes on the level rows in key order); see ``RESERVE_FUNCTION``.

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

RESERVE_FUNCTION = """
CREATE FUNCTION stock_reserve(
    p_company uuid, p_id uuid, p_store uuid, p_kind text, p_reference text,
    p_fingerprint text, p_expires_at timestamptz, p_now timestamptz, p_terminal uuid,
    p_user uuid, p_products uuid[], p_quantities numeric[],
    OUT o_outcome text, OUT o_id uuid, OUT o_store_id uuid, OUT o_kind text,
    OUT o_reference text, OUT o_status text, OUT o_fingerprint text,
    OUT o_expires_at timestamptz, OUT o_created_at timestamptz, OUT o_updated_at timestamptz,
    OUT o_closed_at timestamptz, OUT o_products uuid[], OUT o_quantities numeric[])
LANGUAGE plpgsql VOLATILE AS $fn$
-- Make reservation p_id (or answer the stored one) in one statement.
--
-- First it switches the transaction to the tenant role and p_company (as
-- Database.tenant does), so every statement below runs under row-level security; it
-- refuses to run inside another company's transaction. Then:
--   * insert the header keyed by the client's id (ON CONFLICT DO NOTHING waits for a
--     concurrent twin); when the id exists: outcome 'replay' with the stored header and
--     lines, or 'conflict' when it asked for something else; 'no_store' when neither
--     the id nor an active store exists;
--   * insert the lines, then take each line's quantity with one conditional UPDATE on its
--     level row, in (store, product) order; on a miss, lock the level row, release that
--     product's lapsed holds (held = false, counter decremented) and try once more.
-- A line that cannot be covered raises SQLSTATE GS001 (DETAIL: product, available) and
-- an unknown product GS002 (DETAIL: product): the statement fails, nothing is kept.
DECLARE
    v_scope text := coalesce(current_setting('galla.company_id', true), '');
    v_product uuid;
    v_quantity numeric;
    v_on_hand numeric;
    v_reserved numeric;
    v_freed numeric;
BEGIN
    IF v_scope <> '' AND v_scope <> p_company::text THEN
        RAISE EXCEPTION 'stock_reserve for company % inside company %''s transaction',
            p_company, v_scope USING ERRCODE = '42501';
    END IF;
    PERFORM set_config('role', 'galla_app', true),
            set_config('galla.company_id', p_company::text, true);

    INSERT INTO reservations AS r
        (company_id, id, store_id, kind, reference, status, fingerprint, expires_at,
         created_at, updated_at, closed_at, terminal_id, user_id)
    SELECT p_company, p_id, p_store, p_kind, p_reference, 'held', p_fingerprint,
           p_expires_at, p_now, p_now, NULL, p_terminal, p_user
    WHERE EXISTS (SELECT 1 FROM stores AS s
                  WHERE s.company_id = p_company AND s.id = p_store AND s.active)
    ON CONFLICT (company_id, id) DO NOTHING;
    IF NOT FOUND THEN
        SELECT r.id, r.store_id, r.kind, r.reference, r.status, r.fingerprint, r.expires_at,
               r.created_at, r.updated_at, r.closed_at
        INTO o_id, o_store_id, o_kind, o_reference, o_status, o_fingerprint, o_expires_at,
             o_created_at, o_updated_at, o_closed_at
        FROM reservations AS r WHERE r.company_id = p_company AND r.id = p_id;
        IF NOT FOUND THEN
            o_outcome := 'no_store';
        ELSIF o_fingerprint <> p_fingerprint THEN
            o_outcome := 'conflict';
        ELSE
            o_outcome := 'replay';
            SELECT array_agg(rl.product_id ORDER BY rl.product_id),
                   array_agg(rl.quantity ORDER BY rl.product_id)
            INTO o_products, o_quantities
            FROM reservation_lines AS rl
            WHERE rl.company_id = p_company AND rl.reservation_id = p_id;
        END IF;
        RETURN;
    END IF;

    INSERT INTO reservation_lines AS rl
        (company_id, reservation_id, product_id, store_id, quantity, held, expires_at)
    SELECT p_company, p_id, l.product_id, p_store, l.quantity, true, p_expires_at
    FROM unnest(p_products, p_quantities) AS l(product_id, quantity);

    -- last: each level row stays locked from its take to the commit
    FOR v_product, v_quantity IN
        SELECT l.product_id, l.quantity
        FROM unnest(p_products, p_quantities) AS l(product_id, quantity)
        ORDER BY l.product_id
    LOOP
        UPDATE stock_levels AS sl SET reserved = sl.reserved + v_quantity, updated_at = p_now
        WHERE sl.company_id = p_company AND sl.store_id = p_store
          AND sl.product_id = v_product AND sl.on_hand - sl.reserved >= v_quantity;
        CONTINUE WHEN FOUND;
        SELECT sl.on_hand, sl.reserved INTO v_on_hand, v_reserved
        FROM stock_levels AS sl
        WHERE sl.company_id = p_company AND sl.store_id = p_store
          AND sl.product_id = v_product
        FOR NO KEY UPDATE;
        IF NOT FOUND THEN
            IF NOT EXISTS (SELECT 1 FROM products AS p
                           WHERE p.company_id = p_company AND p.id = v_product) THEN
                RAISE EXCEPTION 'unknown product %', v_product
                    USING ERRCODE = 'GS002', DETAIL = v_product::text;
            END IF;
            v_on_hand := 0;
            v_reserved := 0;
        ELSE
            WITH lapsed AS (
                UPDATE reservation_lines AS rl SET held = false
                WHERE rl.company_id = p_company AND rl.store_id = p_store
                  AND rl.product_id = v_product AND rl.held AND rl.expires_at <= p_now
                RETURNING rl.quantity)
            SELECT sum(lapsed.quantity) INTO v_freed FROM lapsed;
            IF v_freed IS NOT NULL THEN
                UPDATE stock_levels AS sl SET reserved = sl.reserved - v_freed
                WHERE sl.company_id = p_company AND sl.store_id = p_store
                  AND sl.product_id = v_product
                RETURNING sl.on_hand, sl.reserved INTO v_on_hand, v_reserved;
            END IF;
        END IF;
        IF v_on_hand - v_reserved < v_quantity THEN
            RAISE EXCEPTION 'insufficient stock of %', v_product
                USING ERRCODE = 'GS001',
                      DETAIL = v_product::text || ' ' || greatest(0, v_on_hand - v_reserved);
        END IF;
        UPDATE stock_levels AS sl SET reserved = sl.reserved + v_quantity, updated_at = p_now
        WHERE sl.company_id = p_company AND sl.store_id = p_store
          AND sl.product_id = v_product;
    END LOOP;

    o_outcome := 'made';
    o_id := p_id;
    o_store_id := p_store;
    o_kind := p_kind;
    o_reference := p_reference;
    o_status := 'held';
    o_fingerprint := p_fingerprint;
    o_expires_at := p_expires_at;
    o_created_at := p_now;
    o_updated_at := p_now;
END
$fn$
"""
"""Reserve in one round trip; run by the login role it switches to the tenant role itself."""


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
    op.execute(RESERVE_FUNCTION)
    op.execute("REVOKE ALL ON FUNCTION stock_reserve FROM PUBLIC")
    op.execute("GRANT EXECUTE ON FUNCTION stock_reserve TO galla_app")


def downgrade() -> None:
    op.execute("DROP FUNCTION stock_reserve")
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
