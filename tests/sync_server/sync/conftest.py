"""Fixtures for push tests: a company with a store, a catalog, enrolled tills that make events.

:class:`FakeTill` builds protocol events the way a till does (UUIDv7 ids, growing seq, its
own invoice series, GST split that follows shared.gst's rules) so tests can push realistic
batches, replay them, and compare the server's books with what the "tills" recorded.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text

from shared.protocol import (
    PROTOCOL_VERSION,
    AuditRecorded,
    CashMoved,
    Event,
    Payment,
    PushAck,
    PushBatch,
    RefundIssued,
    RefundLine,
    RefundTender,
    SaleCompleted,
    SaleLine,
    SaleVoided,
    ShiftClosed,
    ShiftOpened,
    ShiftTotals,
    StockCounted,
    TerminalStatus,
    audit_hash,
    decode,
    encode,
)
from shared.protocol.events import GENESIS_HASH
from sync_server.db import models as m
from sync_server.lib.ids import new_id
from tests.sync_server.conftest import Server, Tenant

T0 = datetime(2026, 7, 1, 4, 0, tzinfo=UTC)  # 09:30 in India, FY 2026-27


@dataclass(frozen=True)
class Item:
    """A catalog product with its current price."""

    product_id: uuid.UUID
    price_id: uuid.UUID
    price_paise: int
    rate: Decimal
    hsn: str = "3401"


@dataclass
class FakeTill:
    """One enrolled terminal that makes protocol events as the real till would."""

    server: Server
    terminal_id: uuid.UUID
    store_id: uuid.UUID
    code: str
    credential: str
    cashier_id: uuid.UUID = field(default_factory=uuid.uuid4)
    seq: int = 0
    invoice: int = 0
    credit_note: int = 0
    shift_id: uuid.UUID = field(default_factory=uuid.uuid4)
    clock: datetime = T0
    audit_prev: str = GENESIS_HASH

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.credential}"}

    def _event(self, payload: Any) -> Event:
        self.seq += 1
        self.clock += timedelta(seconds=7)
        return Event(event_id=new_id(), seq=self.seq, occurred_at=self.clock, payload=payload)

    def sale(
        self,
        items: Sequence[tuple[Item, int]],
        *,
        change_paise: int = 0,
        tender: str = "cash",
        price_version: int = 1,
    ) -> Event:
        """A completed intra-state sale of ``(item, quantity)`` lines at their prices."""
        lines = []
        for n, (item, qty) in enumerate(items, start=1):
            taxable = item.price_paise * qty
            half = int(taxable * item.rate / 200)
            assert half * 200 == taxable * item.rate, "pick prices that halve exactly"
            lines.append(
                SaleLine(
                    line_no=n,
                    product_id=item.product_id,
                    hsn=item.hsn,
                    description=f"item {n}",
                    quantity=Decimal(qty),
                    unit_price_paise=item.price_paise,
                    price_includes_tax=False,
                    price_id=item.price_id,
                    price_version=price_version,
                    gst_rate=item.rate,
                    taxable_paise=taxable,
                    cgst_paise=half,
                    sgst_paise=half,
                    igst_paise=0,
                    total_paise=taxable + 2 * half,
                )
            )
        total = sum(ln.total_paise for ln in lines)
        self.invoice += 1
        pay = Payment(
            tender=tender,  # type: ignore[arg-type]
            amount_paise=total + change_paise,
            change_given_paise=change_paise,
            reference=None if tender == "cash" else f"REF{self.invoice}",
        )
        return self._event(
            SaleCompleted(
                sale_id=new_id(),
                invoice_number=f"{self.code}/27/{self.invoice:06d}",
                store_id=self.store_id,
                terminal_id=self.terminal_id,
                shift_id=self.shift_id,
                cashier_id=self.cashier_id,
                place_of_supply="27",
                inter_state=False,
                lines=tuple(lines),
                taxable_paise=sum(ln.taxable_paise for ln in lines),
                cgst_paise=sum(ln.cgst_paise for ln in lines),
                sgst_paise=sum(ln.sgst_paise for ln in lines),
                igst_paise=0,
                total_paise=total,
                payments=(pay,),
            )
        )

    def refund(self, sale: Event, line_no: int = 1, qty: int = 1) -> Event:
        """Return ``qty`` of one line of ``sale`` for cash, restocked."""
        s = sale.payload
        assert isinstance(s, SaleCompleted)
        ln = next(x for x in s.lines if x.line_no == line_no)
        taxable = ln.unit_price_paise * qty
        half = int(taxable * ln.gst_rate / 200)
        total = taxable + 2 * half
        self.credit_note += 1
        return self._event(
            RefundIssued(
                refund_id=new_id(),
                credit_note_number=f"{self.code}/27/C{self.credit_note:05d}",
                original_sale_id=s.sale_id,
                original_invoice_number=s.invoice_number,
                store_id=self.store_id,
                terminal_id=self.terminal_id,
                shift_id=self.shift_id,
                cashier_id=self.cashier_id,
                reason="damaged box",
                inter_state=False,
                lines=(
                    RefundLine(
                        sale_line_no=line_no,
                        product_id=ln.product_id,
                        hsn=ln.hsn,
                        quantity=Decimal(qty),
                        gst_rate=ln.gst_rate,
                        taxable_paise=taxable,
                        cgst_paise=half,
                        sgst_paise=half,
                        igst_paise=0,
                        total_paise=total,
                    ),
                ),
                taxable_paise=taxable,
                cgst_paise=half,
                sgst_paise=half,
                igst_paise=0,
                total_paise=total,
                tenders=(RefundTender(tender="cash", amount_paise=total),),
            )
        )

    def void(self, sale: Event) -> Event:
        s = sale.payload
        assert isinstance(s, SaleCompleted)
        return self._event(
            SaleVoided(
                sale_id=s.sale_id,
                invoice_number=s.invoice_number,
                shift_id=self.shift_id,
                cashier_id=self.cashier_id,
                supervisor_id=self.cashier_id,
                reason="customer changed mind",
            )
        )

    def open_shift(self, float_paise: int = 200_000) -> Event:
        self.shift_id = new_id()
        return self._event(
            ShiftOpened(
                shift_id=self.shift_id,
                store_id=self.store_id,
                terminal_id=self.terminal_id,
                cashier_id=self.cashier_id,
                opening_float_paise=float_paise,
            )
        )

    def close_shift(self, z_number: int = 1) -> Event:
        return self._event(
            ShiftClosed(
                shift_id=self.shift_id,
                z_number=z_number,
                cashier_id=self.cashier_id,
                counted=(),
                counted_cash_paise=0,
                expected_cash_paise=0,
                over_short_paise=0,
                totals=ShiftTotals(
                    sales_count=0,
                    sales_paise=0,
                    refunds_count=0,
                    refunds_paise=0,
                    voids_count=0,
                    voids_paise=0,
                    discounts_paise=0,
                    cash_in_paise=0,
                    cash_out_paise=0,
                    tenders=(),
                ),
            )
        )

    def cash(self, amount: int, direction: str = "out") -> Event:
        return self._event(
            CashMoved(
                movement_id=new_id(),
                shift_id=self.shift_id,
                cashier_id=self.cashier_id,
                direction=direction,  # type: ignore[arg-type]
                amount_paise=amount,
                reason="bank drop",
            )
        )

    def count(self, item: Item, quantity: int) -> Event:
        return self._event(
            StockCounted(
                count_id=new_id(),
                store_id=self.store_id,
                product_id=item.product_id,
                quantity=Decimal(quantity),
                counted_by=self.cashier_id,
            )
        )

    def audit(self, action: str, **detail: str) -> Event:
        self.seq += 1
        self.clock += timedelta(seconds=7)
        event_id = new_id()
        digest = audit_hash(
            prev_hash=self.audit_prev,
            event_id=event_id,
            occurred_at=self.clock,
            action=action,
            actor_id=self.cashier_id,
            detail=detail,
        )
        payload = AuditRecorded(
            action=action,
            actor_id=self.cashier_id,
            detail=detail,
            prev_hash=self.audit_prev,
            hash=digest,
        )
        self.audit_prev = digest
        return Event(event_id=event_id, seq=self.seq, occurred_at=self.clock, payload=payload)

    def batch(self, events: Sequence[Event], queue_depth: int | None = None) -> bytes:
        """Encode a push batch of ``events``."""
        return encode(
            PushBatch(
                protocol_version=PROTOCOL_VERSION,
                terminal_id=self.terminal_id,
                status=TerminalStatus(
                    app_version="1.0.0",
                    queue_depth=len(events) if queue_depth is None else queue_depth,
                    printer="ok",
                ),
                events=tuple(events),
            )
        )

    async def push(self, events: Sequence[Event] | bytes) -> PushAck:
        """Push and return the decoded ack (asserting HTTP 200)."""
        body = events if isinstance(events, bytes) else self.batch(events)
        response = await self.server.client.post(
            "/api/v1/sync/push",
            content=body,
            headers={**self.auth, "Content-Type": "application/json"},
        )
        assert response.status_code == 200, response.text
        return decode(response.content, PushAck)


@dataclass
class Shop:
    """A company with one store, a catalog of items and enrolled tills."""

    server: Server
    tenant: Tenant
    store_id: uuid.UUID
    items: list[Item]
    tills: list[FakeTill]

    async def till(self, code: str) -> FakeTill:
        enrolled = await self.server.enrol(
            await self.server.enrolment_code(self.tenant, self.store_id)
        )
        till = FakeTill(
            self.server,
            uuid.UUID(enrolled["terminal_id"]),
            self.store_id,
            code,
            enrolled["credential"],
        )
        self.tills.append(till)
        return till

    async def sql(self, query: str, **params: Any) -> list[Any]:
        """Run ``query`` as this company (row-level security shows only its rows)."""
        async with self.server.ctx.db.tenant(self.tenant.company_id) as session:
            result = await session.execute(text(query), params)
            return list(result.all()) if result.returns_rows else []

    async def on_hand(self, item: Item) -> Decimal:
        rows = await self.sql(
            "SELECT on_hand FROM stock_levels WHERE company_id = :c AND product_id = :p",
            c=self.tenant.company_id,
            p=item.product_id,
        )
        return rows[0][0] if rows else Decimal(0)

    async def exceptions(self, kind: str | None = None) -> list[dict[str, Any]]:
        response = await self.server.client.get(
            "/api/v1/sync/exceptions",
            params={"status": "", **({"kind": kind} if kind else {})},
            headers=self.tenant.auth,
        )
        assert response.status_code == 200, response.text
        return list(response.json())


RATES = (Decimal(18), Decimal(12), Decimal(28), Decimal(5))


async def make_shop(server: Server, slug: str = "kirana", n_items: int = 20) -> Shop:
    """A company, a store "A1", and ``n_items`` products with prices and a stock of 100."""
    tenant = await server.tenant(slug, max_terminals=50)
    store = await server.store(tenant, "A1")
    items = []
    now = T0 - timedelta(days=30)
    async with server.ctx.db.tenant(tenant.company_id) as session:
        for n in range(n_items):
            product = m.Product(
                company_id=tenant.company_id,
                id=new_id(),
                sku=f"SKU{n:05d}",
                name=f"Product {n}",
                hsn_code="3401",
                unit="pcs",
                price_includes_tax=False,
                active=True,
                updated_at=now,
            )
            session.add(product)
            await session.flush()
            price = m.Price(
                company_id=tenant.company_id,
                id=new_id(),
                product_id=product.id,
                store_id=None,
                mrp_paise=0,
                price_paise=200 * (n + 1),
                effective_from=now,
                effective_to=None,
                version=1,
            )
            session.add(price)
            items.append(Item(product.id, price.id, price.price_paise, RATES[n % len(RATES)]))
        await session.flush()
        for item in items:
            session.add(
                m.StockLevel(
                    company_id=tenant.company_id,
                    store_id=store,
                    product_id=item.product_id,
                    on_hand=Decimal(100),
                    reserved=Decimal(0),
                    updated_at=now,
                )
            )
            session.add(
                m.StockMovement(
                    company_id=tenant.company_id,
                    id=new_id(),
                    store_id=store,
                    product_id=item.product_id,
                    quantity=Decimal(100),
                    reason="adjustment",
                    reference_id=None,
                    occurred_at=now,
                    recorded_at=now,
                )
            )
    return Shop(server, tenant, store, items, [])


@pytest.fixture
async def shop(server: Server) -> Shop:
    return await make_shop(server)


def cycle_items(items: Sequence[Item], per_sale: int = 4) -> itertools.cycle[list[Item]]:
    """Baskets of ``per_sale`` consecutive items, round and round the catalog."""
    return itertools.cycle(
        [[items[(i + k) % len(items)] for k in range(per_sale)] for i in range(len(items))]
    )
