"""Booking new events: each fact becomes its rows, its stock movements and its findings.

:func:`book` runs inside the push transaction, after the events were claimed in
``applied_events`` (so it only ever sees events new to the server) and before the terminal's
state is updated. Everything is set-based: a fixed number of statements per kind of event,
whatever the batch size, each one ``INSERT ... SELECT`` over the rows as one JSON parameter
(:mod:`sync_server.db.bulk`). Stock goes through
:func:`~sync_server.domain.stock.ledger.apply_movements`, once per batch, which locks the
levels in one fixed order; that is the only row lock a booking takes before the terminal row,
so concurrent pushes never deadlock.

Facts are booked as the till recorded them. What does not fit the server's view (a
superseded price, a closed shift, a used invoice number, stock below zero) is recorded as a
:class:`~sync_server.domain.sync.findings.Finding`, never a refusal.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from shared.invoice_series import financial_year
from shared.protocol.events import (
    AuditRecorded,
    CashMoved,
    Event,
    RefundIssued,
    SaleCompleted,
    SaleVoided,
    ShiftClosed,
    ShiftOpened,
    StockCounted,
    audit_hash,
)
from sync_server.db.bulk import json_rows, json_table
from sync_server.domain.stock.ledger import Count, Movement, apply_movements
from sync_server.domain.sync.findings import Finding, jsonb

__all__ = ("Booked", "book", "fy_label")

IST = timezone(timedelta(hours=5, minutes=30))


def fy_label(moment: datetime) -> str:
    """The Indian financial year (``"2026-27"``) of a moment, by its date in India."""
    return financial_year(moment.astimezone(IST).date()).label


@dataclass(slots=True)
class Booked:
    """What booking a batch produced, for the push to record."""

    findings: list[Finding] = field(default_factory=list)


@dataclass(slots=True)
class _Stock:
    """Stock movements of the batch, with the events behind each level."""

    movements: list[Movement] = field(default_factory=list)
    seqs: list[int] = field(default_factory=list)
    counts: list[Count] = field(default_factory=list)
    events: dict[tuple[uuid.UUID, uuid.UUID], list[uuid.UUID]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def move(
        self,
        event: Event,
        key: tuple[uuid.UUID, uuid.UUID],
        qty: Decimal,
        why: tuple[str, uuid.UUID],
    ) -> None:
        """Book ``qty`` of ``key`` = (store, product) for ``why`` = (reason, reference)."""
        store, product = key
        self.movements.append(Movement(store, product, qty, why[0], why[1], event.occurred_at))
        self.seqs.append(event.seq)
        if qty < 0:
            self.events[key].append(event.event_id)


async def book(
    session: AsyncSession,
    conn: Any,
    *,
    company_id: uuid.UUID,
    terminal_id: uuid.UUID,
    store_id: uuid.UUID,
    events: Sequence[Event],
    now: datetime,
) -> Booked:
    """Book ``events`` (all new to the server, in seq order) and return the findings.

    Args:
        session: the push transaction (tenant role), for the stock ledger.
        conn: its asyncpg connection.
        company_id: the tenant.
        terminal_id: the terminal that made the events.
        store_id: the terminal's store.
        events: the events to book.
        now: when the server received them.
    """
    by_kind: dict[type, list[Event]] = defaultdict(list)
    for event in events:
        by_kind[type(event.payload)].append(event)
    booked = Booked()
    stock = _Stock()
    ctx = _Ctx(conn, company_id, terminal_id, store_id, now, booked.findings, stock)
    closes = {e.payload.shift_id: e.seq for e in by_kind[ShiftClosed]}  # type: ignore[union-attr]
    await _shifts_opened(ctx, by_kind[ShiftOpened])
    await _sales(ctx, by_kind[SaleCompleted], closes)
    await _voids(ctx, by_kind[SaleVoided])
    await _refunds(ctx, by_kind[RefundIssued], closes)
    await _cash(ctx, by_kind[CashMoved], closes)
    await _shifts_closed(ctx, by_kind[ShiftClosed])
    await _audit(ctx, by_kind[AuditRecorded])
    stock.counts = _counts_in_order(by_kind[StockCounted], stock)
    if stock.movements or stock.counts:
        changes = await apply_movements(
            session, company_id, stock.movements, stock.counts, recorded_at=now, ids_checked=True
        )
        for change in changes:
            if change.on_hand_after < 0 and change.delta < 0:
                key = (change.store_id, change.product_id)
                booked.findings.append(
                    Finding(
                        "oversell",
                        "stock_level",
                        change.product_id,
                        tuple(stock.events.get(key, ())),
                        {
                            "product_id": str(change.product_id),
                            "on_hand_before": str(change.on_hand_before),
                            "on_hand_after": str(change.on_hand_after),
                            "sold": str(-change.delta),
                        },
                        change.store_id,
                    )
                )
    return booked


def _counts_in_order(events: list[Event], stock: _Stock) -> list[Count]:
    """The batch's counts, adjusted so each stands at its place in the event order.

    The ledger applies counts after a call's movements, but a count at seq 5 followed by a
    sale at seq 9 must leave the count less the sale. So each count's figure is raised by the
    movements of its product that come after it in the batch; of several counts of one
    product, the last one stands.
    """
    last: dict[tuple[uuid.UUID, uuid.UUID], Event] = {}
    for event in events:
        p = event.payload
        assert isinstance(p, StockCounted)
        last[(p.store_id, p.product_id)] = event
    counts = []
    for key, event in last.items():
        p = event.payload
        assert isinstance(p, StockCounted)
        after = sum(
            (
                mv.quantity
                for mv, seq in zip(stock.movements, stock.seqs, strict=True)
                if seq > event.seq and (mv.store_id, mv.product_id) == key
            ),
            Decimal(0),
        )
        counts.append(
            Count(p.store_id, p.product_id, p.quantity + after, p.count_id, event.occurred_at)
        )
    return counts


@dataclass(slots=True)
class _Ctx:
    conn: Any
    company_id: uuid.UUID
    terminal_id: uuid.UUID
    store_id: uuid.UUID
    now: datetime
    findings: list[Finding]
    stock: _Stock


# ------------------------------------------------------------------ shifts
_SHIFT_OPEN = """
INSERT INTO shifts (company_id, id, store_id, terminal_id, opened_by, opened_at,
                    opening_float_paise)
SELECT $1, s.id, $2, $3, s.by, s.at, s.float
FROM {rows} AS s
ON CONFLICT (company_id, id) DO UPDATE
SET opened_by = EXCLUDED.opened_by, opened_at = EXCLUDED.opened_at,
    opening_float_paise = EXCLUDED.opening_float_paise
""".format(rows=json_table("$4", "id uuid, by uuid, at timestamptz, float bigint"))


async def _shifts_opened(ctx: _Ctx, events: list[Event]) -> None:
    if not events:
        return
    rows = []
    for e in events:
        p = e.payload
        assert isinstance(p, ShiftOpened)
        rows.append((p.shift_id, p.cashier_id, e.occurred_at, p.opening_float_paise))
    await ctx.conn.execute(
        _SHIFT_OPEN, ctx.company_id, ctx.store_id, ctx.terminal_id, json_rows(rows)
    )


_SHIFT_CLOSE = """
INSERT INTO shifts (company_id, id, store_id, terminal_id, closed_at, closed_by, z_number,
                    expected_cash_paise, counted_cash_paise, over_short_paise, totals,
                    close_received_at)
SELECT $1, s.id, $2, $3, s.at, s.by, s.z, s.expected, s.counted, s.over, s.totals, $4
FROM {rows} AS s
ON CONFLICT (company_id, id) DO UPDATE
SET closed_at = EXCLUDED.closed_at, closed_by = EXCLUDED.closed_by,
    z_number = EXCLUDED.z_number, expected_cash_paise = EXCLUDED.expected_cash_paise,
    counted_cash_paise = EXCLUDED.counted_cash_paise,
    over_short_paise = EXCLUDED.over_short_paise, totals = EXCLUDED.totals,
    close_received_at = EXCLUDED.close_received_at
""".format(
    rows=json_table(
        "$5",
        "id uuid, at timestamptz, by uuid, z int, expected bigint, counted bigint, over bigint, "
        "totals jsonb",
    )
)


async def _shifts_closed(ctx: _Ctx, events: list[Event]) -> None:
    if not events:
        return
    rows = []
    for e in events:
        p = e.payload
        assert isinstance(p, ShiftClosed)
        totals = {"totals": p.totals, "counted": p.counted, "supervisor_id": p.supervisor_id}
        rows.append(
            (
                p.shift_id,
                e.occurred_at,
                p.cashier_id,
                p.z_number,
                p.expected_cash_paise,
                p.counted_cash_paise,
                p.over_short_paise,
                totals,
            )
        )
    await ctx.conn.execute(
        _SHIFT_CLOSE, ctx.company_id, ctx.store_id, ctx.terminal_id, ctx.now, json_rows(rows)
    )


async def _late_for_shift(
    ctx: _Ctx,
    facts: Sequence[tuple[Event, uuid.UUID, str, uuid.UUID]],
    closes: dict[uuid.UUID, int],
) -> set[uuid.UUID]:
    """Find facts whose shift was closed before they arrived; return their ids.

    ``facts`` are ``(event, shift_id, entity, entity_id)``. A shift counts as closed when the
    server booked its close before this batch, or this batch closes it at a lower seq.
    """
    if not facts:
        return set()
    shift_ids = list({shift for _, shift, _, _ in facts})
    rows = await ctx.conn.fetch(
        "SELECT id, closed_at, z_number FROM shifts "
        "WHERE company_id = $1 AND id = ANY($2::uuid[]) AND closed_at IS NOT NULL",
        ctx.company_id,
        shift_ids,
    )
    closed = {row["id"]: row for row in rows}
    late: set[uuid.UUID] = set()
    for event, shift, entity, entity_id in facts:
        before = shift in closed
        if before or closes.get(shift, event.seq + 1) < event.seq:
            late.add(entity_id)
            row = closed.get(shift)
            ctx.findings.append(
                Finding(
                    "late_for_shift",
                    entity,
                    entity_id,
                    (event.event_id,),
                    {
                        "shift_id": str(shift),
                        "shift_closed_at": row["closed_at"].isoformat() if row else None,
                        "z_number": row["z_number"] if row else None,
                        "occurred_at": event.occurred_at.isoformat(),
                    },
                    ctx.store_id,
                )
            )
    return late


# ------------------------------------------------------------------ sales
_SALES = """
INSERT INTO sales (company_id, id, event_id, store_id, terminal_id, shift_id, cashier_id,
    invoice_number, financial_year, occurred_at, received_at, customer_phone, customer_gstin,
    customer_name, place_of_supply, inter_state, bill_discount_paise, taxable_paise,
    cgst_paise, sgst_paise, igst_paise, cess_paise, tax_paise, round_off_paise, total_paise,
    flags)
SELECT $1, s.id, s.event_id, $2, $3, s.shift_id, s.cashier_id, s.invoice, s.fy, s.at, $4,
    s.phone, s.gstin, s.name, s.pos, s.inter, s.bill_discount, s.taxable, s.cgst, s.sgst,
    s.igst, s.cess, s.cgst + s.sgst + s.igst + s.cess, s.round_off, s.total, '{{}}'
FROM {rows} AS s
ON CONFLICT (company_id, id) DO NOTHING
RETURNING id
""".format(
    rows=json_table(
        "$5",
        "id uuid, event_id uuid, shift_id uuid, cashier_id uuid, invoice text, fy text, "
        "at timestamptz, phone text, gstin text, name text, pos text, inter bool, "
        "bill_discount bigint, taxable bigint, cgst bigint, sgst bigint, igst bigint, "
        "cess bigint, round_off bigint, total bigint",
    )
)

_LINES = """
INSERT INTO sale_lines (company_id, sale_id, line_no, product_id, barcode, description,
    hsn_code, gst_rate, cess_rate, quantity, unit_price_paise, price_includes_tax, price_id,
    price_version, price_override_by, discount_paise, bill_discount_paise, taxable_paise,
    cgst_paise, sgst_paise, igst_paise, cess_paise, total_paise)
SELECT $1, l.* FROM {rows} AS l
""".format(
    rows=json_table(
        "$2",
        "sale_id uuid, line_no int, product_id uuid, barcode text, description text, "
        "hsn_code text, gst_rate numeric, cess_rate numeric, quantity numeric, "
        "unit_price bigint, price_includes_tax bool, price_id uuid, price_version int, "
        "override_by uuid, discount bigint, bill_discount bigint, taxable bigint, cgst bigint, "
        "sgst bigint, igst bigint, cess bigint, total bigint",
    )
)

_PAYMENTS = """
INSERT INTO payments (company_id, sale_id, line_no, method, amount_paise, change_given_paise,
                      reference)
SELECT $1, p.* FROM {rows} AS p
""".format(
    rows=json_table(
        "$2", "sale_id uuid, line_no int, method text, amount bigint, change bigint, ref text"
    )
)


async def _sales(ctx: _Ctx, events: list[Event], closes: dict[uuid.UUID, int]) -> None:
    if not events:
        return
    rows = []
    for e in events:
        s = e.payload
        assert isinstance(s, SaleCompleted)
        rows.append(
            (
                s.sale_id,
                e.event_id,
                s.shift_id,
                s.cashier_id,
                s.invoice_number,
                fy_label(e.occurred_at),
                e.occurred_at,
                s.customer_phone,
                s.customer_gstin,
                s.customer_name,
                s.place_of_supply,
                s.inter_state,
                s.bill_discount_paise,
                s.taxable_paise,
                s.cgst_paise,
                s.sgst_paise,
                s.igst_paise,
                s.cess_paise,
                s.round_off_paise,
                s.total_paise,
            )
        )
    inserted = {
        r["id"]
        for r in await ctx.conn.fetch(
            _SALES, ctx.company_id, ctx.store_id, ctx.terminal_id, ctx.now, json_rows(rows)
        )
    }
    fresh: list[Event] = []
    for e in events:
        sale = e.payload
        assert isinstance(sale, SaleCompleted)
        if sale.sale_id in inserted:
            fresh.append(e)
        else:
            ctx.findings.append(
                Finding(
                    "sale_id_reused",
                    "sale",
                    sale.sale_id,
                    (e.event_id,),
                    {"invoice_number": sale.invoice_number},
                    ctx.store_id,
                )
            )
    lines, payments = [], []
    for e in fresh:
        sale = e.payload
        assert isinstance(sale, SaleCompleted)
        for ln in sale.lines:
            lines.append(
                (
                    sale.sale_id,
                    ln.line_no,
                    ln.product_id,
                    ln.barcode,
                    ln.description,
                    ln.hsn,
                    ln.gst_rate,
                    ln.cess_rate,
                    ln.quantity,
                    ln.unit_price_paise,
                    ln.price_includes_tax,
                    ln.price_id,
                    ln.price_version,
                    ln.price_override_by,
                    ln.discount_paise,
                    ln.bill_discount_paise,
                    ln.taxable_paise,
                    ln.cgst_paise,
                    ln.sgst_paise,
                    ln.igst_paise,
                    ln.cess_paise,
                    ln.total_paise,
                )
            )
            ctx.stock.move(e, (ctx.store_id, ln.product_id), -ln.quantity, ("sale", sale.sale_id))
        for n, pay in enumerate(sale.payments, start=1):
            payments.append(
                (
                    sale.sale_id,
                    n,
                    pay.tender,
                    pay.amount_paise,
                    pay.change_given_paise,
                    pay.reference,
                )
            )
    if lines:
        await ctx.conn.execute(_LINES, ctx.company_id, json_rows(lines))
    if payments:
        await ctx.conn.execute(_PAYMENTS, ctx.company_id, json_rows(payments))
    flags: dict[uuid.UUID, set[str]] = defaultdict(set)
    for sale_id in await _superseded_prices(ctx, fresh):
        flags[sale_id].add("superseded_price")
    late = await _late_for_shift(
        ctx,
        [(e, e.payload.shift_id, "sale", e.payload.sale_id) for e in fresh],  # type: ignore[union-attr]
        closes,
    )
    for sale_id in late:
        flags[sale_id].add("late_for_shift")
    for sale_id in await _number_collisions(ctx, fresh, "sales", "invoice_number"):
        flags[sale_id].add("invoice_collision")
    await _flag(ctx, "sales", flags)
    await _heal_voids_before_sale(ctx, fresh)


_FLAG_ROWS = json_table("$2", "id uuid, flags text")


async def _flag(ctx: _Ctx, table: str, flags: dict[uuid.UUID, set[str]]) -> None:
    if not flags:
        return
    await ctx.conn.execute(
        f"UPDATE {table} t SET flags = f.flags FROM ("  # noqa: S608 - table is a constant
        "  SELECT id, string_to_array(flags, ',')::varchar(40)[] AS flags"
        f"  FROM {_FLAG_ROWS} AS u) f "
        "WHERE t.company_id = $1 AND t.id = f.id",
        ctx.company_id,
        json_rows([(i, ",".join(sorted(names))) for i, names in flags.items()]),
    )


async def _superseded_prices(ctx: _Ctx, events: list[Event]) -> set[uuid.UUID]:
    """Flag lines charged at a price that was not in force when the sale was made.

    A price row's amount never changes (a new price is a new row that closes the old one,
    which bumps the old row's version), so what matters is time, not version: a line is
    flagged when its price row is unknown (deleted) or the sale's moment lies outside the
    row's ``[effective_from, effective_to)``. A sale made offline before the change is fine.
    """
    cited: dict[uuid.UUID, list[tuple[Event, int, int]]] = defaultdict(list)
    for e in events:
        sale = e.payload
        assert isinstance(sale, SaleCompleted)
        for ln in sale.lines:
            if ln.price_id is not None and ln.price_version is not None:
                cited[ln.price_id].append((e, ln.line_no, ln.price_version))
    if not cited:
        return set()
    rows = await ctx.conn.fetch(
        "SELECT id, version, effective_from, effective_to FROM prices "
        "WHERE company_id = $1 AND id = ANY($2::uuid[])",
        ctx.company_id,
        list(cited),
    )
    known = {r["id"]: r for r in rows}
    per_sale: dict[uuid.UUID, tuple[Event, list[dict[str, Any]]]] = {}
    for price_id, uses in cited.items():
        row = known.get(price_id)
        for e, line_no, version in uses:
            why = None
            if row is None:
                why = "unknown_price"
            elif row["effective_to"] is not None and row["effective_to"] <= e.occurred_at:
                why = "price_ended"
            elif row["effective_from"] > e.occurred_at:
                why = "price_not_yet_in_force"
            if why is None:
                continue
            sale = e.payload
            assert isinstance(sale, SaleCompleted)
            entry = per_sale.setdefault(sale.sale_id, (e, []))
            entry[1].append(
                {
                    "line_no": line_no,
                    "price_id": str(price_id),
                    "charged_version": version,
                    "server_version": row["version"] if row else None,
                    "why": why,
                }
            )
    for sale_id, (e, lines) in per_sale.items():
        sale = e.payload
        assert isinstance(sale, SaleCompleted)
        ctx.findings.append(
            Finding(
                "superseded_price",
                "sale",
                sale_id,
                (e.event_id,),
                {"invoice_number": sale.invoice_number, "lines": lines},
                ctx.store_id,
            )
        )
    return set(per_sale)


async def _number_collisions(
    ctx: _Ctx, events: list[Event], table: str, number_field: str
) -> set[uuid.UUID]:
    """Find documents whose number another document of the store already has in its year."""
    if not events:
        return set()
    column = "invoice_number" if table == "sales" else "number"
    kind = "invoice_collision" if table == "sales" else "credit_note_collision"
    entity = "sale" if table == "sales" else "credit_note"
    docs = []
    for e in events:
        p = e.payload
        doc_id = p.sale_id if isinstance(p, SaleCompleted) else p.refund_id  # type: ignore[union-attr]
        docs.append((doc_id, getattr(p, number_field), fy_label(e.occurred_at), e))
    rows = await ctx.conn.fetch(
        # = ANY on both columns keeps to the (company, store, year, number) index
        f"SELECT id, event_id, {column} AS number, financial_year FROM {table} "  # noqa: S608
        f"WHERE company_id = $1 AND store_id = $2 AND financial_year = ANY($3::text[]) "
        f"AND {column} = ANY($4::text[])",
        ctx.company_id,
        ctx.store_id,
        list({d[2] for d in docs}),
        list({d[1] for d in docs}),
    )
    holders: dict[tuple[str, str], list[tuple[uuid.UUID, uuid.UUID]]] = defaultdict(list)
    for r in rows:
        holders[(r["number"], r["financial_year"])].append((r["id"], r["event_id"]))
    colliding: set[uuid.UUID] = set()
    reported: set[tuple[str, str]] = set()
    for _doc_id, number, fy, _e in docs:
        group = holders[(number, fy)]
        if len(group) < 2 or (number, fy) in reported:
            continue
        reported.add((number, fy))
        colliding.update(i for i, _ in group)
        ctx.findings.append(
            Finding(
                kind,
                entity,
                _doc_id,
                tuple(sorted({ev for _, ev in group}, key=str)),
                {
                    "number": number,
                    "financial_year": fy,
                    "documents": sorted(str(i) for i, _ in group),
                },
                ctx.store_id,
            )
        )
    return colliding


# ------------------------------------------------------------------ voids
async def _voids(ctx: _Ctx, events: list[Event]) -> None:
    if not events:
        return
    sale_ids = [e.payload.sale_id for e in events]  # type: ignore[union-attr]
    found = {
        r["id"]
        for r in await ctx.conn.fetch(
            "SELECT id FROM sales WHERE company_id = $1 AND id = ANY($2::uuid[])",
            ctx.company_id,
            sale_ids,
        )
    }
    ready = [e for e in events if e.payload.sale_id in found]  # type: ignore[union-attr]
    for e in events:
        void = e.payload
        assert isinstance(void, SaleVoided)
        if void.sale_id not in found:
            ctx.findings.append(
                Finding(
                    "void_before_sale",
                    "sale",
                    void.sale_id,
                    (e.event_id,),
                    {
                        "invoice_number": void.invoice_number,
                        "void": msgspec.to_builtins(void),
                        "occurred_at": e.occurred_at.isoformat(),
                    },
                    ctx.store_id,
                )
            )
    await _apply_voids(ctx, [(e, e.payload) for e in ready])  # type: ignore[misc]


_VOID_ROWS = json_table("$2", "id uuid, at timestamptz, by uuid, sup uuid, reason text")


async def _apply_voids(ctx: _Ctx, voids: Sequence[tuple[Event, SaleVoided]]) -> None:
    """Mark sales voided (once) and put their stock back."""
    if not voids:
        return
    rows = await ctx.conn.fetch(
        "UPDATE sales s SET voided_at = v.at, voided_by = v.by, void_approved_by = v.sup, "  # noqa: S608 - a bulk.json_table constant
        "  void_reason = v.reason "
        f"FROM {_VOID_ROWS} AS v "
        "WHERE s.company_id = $1 AND s.id = v.id AND s.voided_at IS NULL "
        "RETURNING s.id",
        ctx.company_id,
        json_rows(
            [(v.sale_id, e.occurred_at, v.cashier_id, v.supervisor_id, v.reason) for e, v in voids]
        ),
    )
    voided = {r["id"] for r in rows}
    if not voided:
        return
    lines = await ctx.conn.fetch(
        "SELECT l.sale_id, l.product_id, l.quantity, s.store_id FROM sale_lines l "
        "JOIN sales s ON s.company_id = l.company_id AND s.id = l.sale_id "
        "WHERE l.company_id = $1 AND l.sale_id = ANY($2::uuid[])",
        ctx.company_id,
        list(voided),
    )
    event_of = {v.sale_id: e for e, v in voids}
    for ln in lines:
        e = event_of[ln["sale_id"]]
        ctx.stock.move(
            e, (ln["store_id"], ln["product_id"]), ln["quantity"], ("void", ln["sale_id"])
        )


async def _heal_voids_before_sale(ctx: _Ctx, sales: list[Event]) -> None:
    """Apply voids that arrived before their sale, now that the sale is here."""
    if not sales:
        return
    rows = await ctx.conn.fetch(
        "UPDATE sync_exceptions SET status = 'resolved', resolution = 'self_healed', "
        "  resolved_at = $3, note = 'the sale arrived; the void was applied' "
        "WHERE company_id = $1 AND kind = 'void_before_sale' AND status = 'open' "
        "  AND entity_id = ANY($2::uuid[]) RETURNING event_ids, detail",
        ctx.company_id,
        [e.payload.sale_id for e in sales],  # type: ignore[union-attr]
        ctx.now,
    )
    voids = []
    for r in rows:
        detail = jsonb(r["detail"])
        void = msgspec.convert(detail["void"], SaleVoided)
        occurred = datetime.fromisoformat(detail["occurred_at"])
        shell = Event(event_id=r["event_ids"][0], seq=1, occurred_at=occurred, payload=void)
        voids.append((shell, void))
    await _apply_voids(ctx, voids)


# ------------------------------------------------------------------ refunds
_CREDIT_NOTES = """
INSERT INTO credit_notes (company_id, id, event_id, store_id, terminal_id, shift_id,
    cashier_id, supervisor_id, sale_id, original_invoice_number, number, financial_year,
    reason, inter_state, taxable_paise, cgst_paise, sgst_paise, igst_paise, cess_paise,
    tax_paise, round_off_paise, total_paise, flags, occurred_at, received_at)
SELECT $1, r.id, r.event_id, $2, $3, r.shift_id, r.cashier_id, r.sup, r.sale_id, r.original,
    r.number, r.fy, r.reason, r.inter, r.taxable, r.cgst, r.sgst, r.igst, r.cess,
    r.cgst + r.sgst + r.igst + r.cess, r.round_off, r.total, '{{}}', r.at, $4
FROM {rows} AS r
ON CONFLICT (company_id, id) DO NOTHING
RETURNING id
""".format(
    rows=json_table(
        "$5",
        "id uuid, event_id uuid, shift_id uuid, cashier_id uuid, sup uuid, sale_id uuid, "
        "original text, number text, fy text, reason text, inter bool, taxable bigint, "
        "cgst bigint, sgst bigint, igst bigint, cess bigint, round_off bigint, total bigint, "
        "at timestamptz",
    )
)

_CREDIT_NOTE_LINES = """
INSERT INTO credit_note_lines (company_id, credit_note_id, line_no, sale_id, sale_line_no,
    product_id, hsn_code, gst_rate, cess_rate, quantity, restocked, taxable_paise, cgst_paise,
    sgst_paise, igst_paise, cess_paise, tax_paise, total_paise)
SELECT $1, l.* FROM {rows} AS l
""".format(
    rows=json_table(
        "$2",
        "credit_note_id uuid, line_no int, sale_id uuid, sale_line_no int, product_id uuid, "
        "hsn_code text, gst_rate numeric, cess_rate numeric, quantity numeric, restocked bool, "
        "taxable bigint, cgst bigint, sgst bigint, igst bigint, cess bigint, tax bigint, "
        "total bigint",
    )
)

_REFUND_TENDERS = """
INSERT INTO refund_tenders (company_id, credit_note_id, line_no, method, amount_paise,
                            reference)
SELECT $1, t.* FROM {rows} AS t
""".format(
    rows=json_table("$2", "credit_note_id uuid, line_no int, method text, amount bigint, ref text")
)


async def _refunds(ctx: _Ctx, events: list[Event], closes: dict[uuid.UUID, int]) -> None:
    if not events:
        return
    rows = []
    for e in events:
        r = e.payload
        assert isinstance(r, RefundIssued)
        rows.append(
            (
                r.refund_id,
                e.event_id,
                r.shift_id,
                r.cashier_id,
                r.supervisor_id,
                r.original_sale_id,
                r.original_invoice_number,
                r.credit_note_number,
                fy_label(e.occurred_at),
                r.reason,
                r.inter_state,
                r.taxable_paise,
                r.cgst_paise,
                r.sgst_paise,
                r.igst_paise,
                r.cess_paise,
                r.round_off_paise,
                r.total_paise,
                e.occurred_at,
            )
        )
    inserted = {
        r["id"]
        for r in await ctx.conn.fetch(
            _CREDIT_NOTES,
            ctx.company_id,
            ctx.store_id,
            ctx.terminal_id,
            ctx.now,
            json_rows(rows),
        )
    }
    fresh = []
    for e in events:
        r = e.payload
        assert isinstance(r, RefundIssued)
        if r.refund_id in inserted:
            fresh.append(e)
        else:
            ctx.findings.append(
                Finding(
                    "sale_id_reused",
                    "credit_note",
                    r.refund_id,
                    (e.event_id,),
                    {"number": r.credit_note_number},
                    ctx.store_id,
                )
            )
    lines, tenders = [], []
    for e in fresh:
        r = e.payload
        assert isinstance(r, RefundIssued)
        for n, ln in enumerate(r.lines, start=1):
            tax = ln.cgst_paise + ln.sgst_paise + ln.igst_paise + ln.cess_paise
            lines.append(
                (
                    r.refund_id,
                    n,
                    r.original_sale_id,
                    ln.sale_line_no,
                    ln.product_id,
                    ln.hsn,
                    ln.gst_rate,
                    ln.cess_rate,
                    ln.quantity,
                    ln.restocked,
                    ln.taxable_paise,
                    ln.cgst_paise,
                    ln.sgst_paise,
                    ln.igst_paise,
                    ln.cess_paise,
                    tax,
                    ln.total_paise,
                )
            )
            if ln.restocked:
                ctx.stock.move(
                    e, (ctx.store_id, ln.product_id), ln.quantity, ("refund", r.refund_id)
                )
        for n, t in enumerate(r.tenders, start=1):
            tenders.append((r.refund_id, n, t.tender, t.amount_paise, t.reference))
    if lines:
        await ctx.conn.execute(_CREDIT_NOTE_LINES, ctx.company_id, json_rows(lines))
    if tenders:
        await ctx.conn.execute(_REFUND_TENDERS, ctx.company_id, json_rows(tenders))
    flags: dict[uuid.UUID, set[str]] = defaultdict(set)
    late = await _late_for_shift(
        ctx,
        [(e, e.payload.shift_id, "credit_note", e.payload.refund_id) for e in fresh],  # type: ignore[union-attr]
        closes,
    )
    for refund_id in late:
        flags[refund_id].add("late_for_shift")
    for refund_id in await _number_collisions(ctx, fresh, "credit_notes", "credit_note_number"):
        flags[refund_id].add("credit_note_collision")
    await _flag(ctx, "credit_notes", flags)


# ------------------------------------------------------------------ cash
_CASH = """
INSERT INTO cash_movements (company_id, id, event_id, terminal_id, shift_id, kind,
    amount_paise, reason, user_id, approved_by, occurred_at)
SELECT $1, c.id, c.event_id, $2, c.shift_id, c.kind, c.amount, c.reason, c.by, c.sup, c.at
FROM {rows} AS c
ON CONFLICT (company_id, id) DO NOTHING
""".format(
    rows=json_table(
        "$3",
        "id uuid, event_id uuid, shift_id uuid, kind text, amount bigint, reason text, by uuid, "
        "sup uuid, at timestamptz",
    )
)


async def _cash(ctx: _Ctx, events: list[Event], closes: dict[uuid.UUID, int]) -> None:
    if not events:
        return
    rows = []
    for e in events:
        c = e.payload
        assert isinstance(c, CashMoved)
        rows.append(
            (
                c.movement_id,
                e.event_id,
                c.shift_id,
                c.direction,
                c.amount_paise,
                c.reason,
                c.cashier_id,
                c.supervisor_id,
                e.occurred_at,
            )
        )
    await ctx.conn.execute(_CASH, ctx.company_id, ctx.terminal_id, json_rows(rows))
    await _late_for_shift(
        ctx,
        [(e, e.payload.shift_id, "cash_movement", e.payload.movement_id) for e in events],  # type: ignore[union-attr]
        closes,
    )


# ------------------------------------------------------------------ audit
_AUDIT = """
INSERT INTO audit_events (company_id, id, terminal_id, seq, kind, actor_user_id, payload,
                          prev_hash, hash, occurred_at)
SELECT $1, a.id, $2, a.seq, a.kind, a.actor, a.payload, a.prev, a.hash, a.at
FROM {rows} AS a
ON CONFLICT (company_id, id) DO NOTHING
""".format(
    rows=json_table(
        "$3",
        "id uuid, seq bigint, kind text, actor uuid, payload jsonb, prev text, hash text, "
        "at timestamptz",
    )
)


async def _audit(ctx: _Ctx, events: list[Event]) -> None:
    """Store audit entries and check each one's hash and its link to the one before.

    The link is checked against the terminal's previous audit entry only when every seq
    between the two has reached the server (otherwise an entry still on its way may sit in
    between); an edited entry fails its own hash whatever the order.
    """
    if not events:
        return
    rows = []
    for e in events:
        a = e.payload
        assert isinstance(a, AuditRecorded)
        payload = {"action": a.action, "detail": a.detail}
        rows.append(
            (e.event_id, e.seq, a.action, a.actor_id, payload, a.prev_hash, a.hash, e.occurred_at)
        )
    first = events[0].seq
    previous = await ctx.conn.fetchrow(
        "SELECT seq, hash FROM audit_events WHERE company_id = $1 AND terminal_id = $2 "
        "AND seq < $3 ORDER BY seq DESC LIMIT 1",
        ctx.company_id,
        ctx.terminal_id,
        first,
    )
    await ctx.conn.execute(_AUDIT, ctx.company_id, ctx.terminal_id, json_rows(rows))
    prev_seq, prev_hash = (previous["seq"], previous["hash"]) if previous else (0, None)
    for e in events:
        a = e.payload
        assert isinstance(a, AuditRecorded)
        problems = []
        expected = audit_hash(
            prev_hash=a.prev_hash,
            event_id=e.event_id,
            occurred_at=e.occurred_at,
            action=a.action,
            actor_id=a.actor_id,
            detail=a.detail,
        )
        if expected != a.hash:
            problems.append("the entry does not match its hash (edited)")
        if prev_hash is not None and a.prev_hash != prev_hash:
            between = await ctx.conn.fetchval(
                "SELECT count(*) FROM applied_events WHERE company_id = $1 "
                "AND terminal_id = $2 AND seq > $3 AND seq < $4",
                ctx.company_id,
                ctx.terminal_id,
                prev_seq,
                e.seq,
            )
            if between == e.seq - prev_seq - 1:
                problems.append(
                    "its prev_hash does not match the previous entry (one was deleted or edited)"
                )
        if problems:
            ctx.findings.append(
                Finding(
                    "audit_chain_broken",
                    "audit_event",
                    e.event_id,
                    (e.event_id,),
                    {"seq": e.seq, "action": a.action, "problems": problems},
                    ctx.store_id,
                )
            )
        prev_seq, prev_hash = e.seq, a.hash
