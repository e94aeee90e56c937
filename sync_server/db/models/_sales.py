"""Sales, their lines and payments, credit notes, shifts and cash movements: immutable facts.

These rows are what the tills recorded, booked by the push reconciler exactly as sent. They
carry no foreign keys between facts (a credit note to its sale, a cash movement to its
shift): a till's events may reach the server in any order, and a fact is never refused
because the one it refers to has not arrived yet. Sales, credit notes and their line rows
have no foreign keys either: the push path writes a document and its lines together, checks
every product first and takes store and terminal from the credential, and a key check per row
doubled the cost of a push (migration 0002 has the figures). Unique invoice numbers are
likewise not a constraint: a collision (a till restored from an old backup) is booked and
reported as a sync exception, never rejected.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKeyConstraint,
    Index,
    Integer,
    Numeric,
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from sync_server.db.models._base import Base, Money, company_key, row_id

_TERMINAL_FK = (["company_id", "terminal_id"], ["terminals.company_id", "terminals.id"])
_STORE_FK = (["company_id", "store_id"], ["stores.company_id", "stores.id"])
_Rate = Numeric(6, 3)


class Shift(Base):
    """A till session from opening float to blind close.

    Either event may arrive first, so every column of the other half is nullable.
    """

    __tablename__ = "shifts"
    __table_args__ = (
        ForeignKeyConstraint(*_STORE_FK),
        ForeignKeyConstraint(*_TERMINAL_FK),
    )

    company_id: Mapped[uuid.UUID] = company_key()
    id: Mapped[uuid.UUID] = row_id()
    store_id: Mapped[uuid.UUID]
    terminal_id: Mapped[uuid.UUID]
    opened_by: Mapped[uuid.UUID | None]
    opened_at: Mapped[datetime | None]
    opening_float_paise: Mapped[int | None] = mapped_column(Money)
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[uuid.UUID | None]
    z_number: Mapped[int | None] = mapped_column(Integer)
    expected_cash_paise: Mapped[int | None] = mapped_column(Money)
    counted_cash_paise: Mapped[int | None] = mapped_column(Money)
    over_short_paise: Mapped[int | None] = mapped_column(Money)
    totals: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    close_received_at: Mapped[datetime | None]


class Sale(Base):
    """A completed sale as the till recorded it, with the flags reconciliation raised."""

    __tablename__ = "sales"
    __table_args__ = (
        Index(None, "company_id", "store_id", "financial_year", "invoice_number"),
        Index(None, "company_id", "shift_id"),
        Index(None, "company_id", "occurred_at"),
    )

    company_id: Mapped[uuid.UUID] = company_key()
    id: Mapped[uuid.UUID] = row_id()
    event_id: Mapped[uuid.UUID]
    store_id: Mapped[uuid.UUID]
    terminal_id: Mapped[uuid.UUID]
    shift_id: Mapped[uuid.UUID | None]
    cashier_id: Mapped[uuid.UUID]
    invoice_number: Mapped[str] = mapped_column(String(16))
    financial_year: Mapped[str] = mapped_column(String(7))
    occurred_at: Mapped[datetime]
    received_at: Mapped[datetime]
    customer_phone: Mapped[str | None] = mapped_column(String(20))
    customer_gstin: Mapped[str | None] = mapped_column(String(15))
    customer_name: Mapped[str | None] = mapped_column(String(200))
    place_of_supply: Mapped[str] = mapped_column(String(2))
    inter_state: Mapped[bool] = mapped_column(Boolean)
    bill_discount_paise: Mapped[int] = mapped_column(Money)
    taxable_paise: Mapped[int] = mapped_column(Money)
    cgst_paise: Mapped[int] = mapped_column(Money)
    sgst_paise: Mapped[int] = mapped_column(Money)
    igst_paise: Mapped[int] = mapped_column(Money)
    cess_paise: Mapped[int] = mapped_column(Money)
    tax_paise: Mapped[int] = mapped_column(Money)
    round_off_paise: Mapped[int] = mapped_column(Money)
    total_paise: Mapped[int] = mapped_column(Money)
    flags: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    voided_at: Mapped[datetime | None]
    voided_by: Mapped[uuid.UUID | None]
    void_approved_by: Mapped[uuid.UUID | None]
    void_reason: Mapped[str | None] = mapped_column(Text)


class SaleLine(Base):
    """One line of a sale, with the price actually charged and its tax split."""

    __tablename__ = "sale_lines"

    company_id: Mapped[uuid.UUID] = company_key()
    sale_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    line_no: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[uuid.UUID]
    barcode: Mapped[str | None] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    hsn_code: Mapped[str] = mapped_column(String(8))
    gst_rate: Mapped[Decimal] = mapped_column(_Rate)
    cess_rate: Mapped[Decimal] = mapped_column(_Rate)
    quantity: Mapped[Decimal]
    unit_price_paise: Mapped[int] = mapped_column(Money)
    price_includes_tax: Mapped[bool] = mapped_column(Boolean)
    price_id: Mapped[uuid.UUID | None]
    price_version: Mapped[int | None] = mapped_column(Integer)
    price_override_by: Mapped[uuid.UUID | None]
    discount_paise: Mapped[int] = mapped_column(Money)
    bill_discount_paise: Mapped[int] = mapped_column(Money)
    taxable_paise: Mapped[int] = mapped_column(Money)
    cgst_paise: Mapped[int] = mapped_column(Money)
    sgst_paise: Mapped[int] = mapped_column(Money)
    igst_paise: Mapped[int] = mapped_column(Money)
    cess_paise: Mapped[int] = mapped_column(Money)
    total_paise: Mapped[int] = mapped_column(Money)


class Payment(Base):
    """One tender of a sale."""

    __tablename__ = "payments"
    __table_args__ = (CheckConstraint("method IN ('cash', 'card', 'upi')", name="method"),)

    company_id: Mapped[uuid.UUID] = company_key()
    sale_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    line_no: Mapped[int] = mapped_column(primary_key=True)
    method: Mapped[str] = mapped_column(String(10))
    amount_paise: Mapped[int] = mapped_column(Money)
    change_given_paise: Mapped[int] = mapped_column(Money)
    reference: Mapped[str | None] = mapped_column(String(100))


class CreditNote(Base):
    """A refund against an original sale, numbered in its own GST series."""

    __tablename__ = "credit_notes"
    __table_args__ = (
        Index(None, "company_id", "store_id", "financial_year", "number"),
        Index(None, "company_id", "sale_id"),
    )

    company_id: Mapped[uuid.UUID] = company_key()
    id: Mapped[uuid.UUID] = row_id()
    event_id: Mapped[uuid.UUID]
    store_id: Mapped[uuid.UUID]
    terminal_id: Mapped[uuid.UUID]
    shift_id: Mapped[uuid.UUID]
    cashier_id: Mapped[uuid.UUID]
    supervisor_id: Mapped[uuid.UUID | None]
    sale_id: Mapped[uuid.UUID]
    original_invoice_number: Mapped[str] = mapped_column(String(16))
    number: Mapped[str] = mapped_column(String(16))
    financial_year: Mapped[str] = mapped_column(String(7))
    reason: Mapped[str] = mapped_column(Text)
    inter_state: Mapped[bool] = mapped_column(Boolean)
    taxable_paise: Mapped[int] = mapped_column(Money)
    cgst_paise: Mapped[int] = mapped_column(Money)
    sgst_paise: Mapped[int] = mapped_column(Money)
    igst_paise: Mapped[int] = mapped_column(Money)
    cess_paise: Mapped[int] = mapped_column(Money)
    tax_paise: Mapped[int] = mapped_column(Money)
    round_off_paise: Mapped[int] = mapped_column(Money)
    total_paise: Mapped[int] = mapped_column(Money)
    flags: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    occurred_at: Mapped[datetime]
    received_at: Mapped[datetime]


class CreditNoteLine(Base):
    """A returned quantity of one original sale line."""

    __tablename__ = "credit_note_lines"

    company_id: Mapped[uuid.UUID] = company_key()
    credit_note_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    line_no: Mapped[int] = mapped_column(primary_key=True)
    sale_id: Mapped[uuid.UUID]
    sale_line_no: Mapped[int]
    product_id: Mapped[uuid.UUID]
    hsn_code: Mapped[str] = mapped_column(String(8))
    gst_rate: Mapped[Decimal] = mapped_column(_Rate)
    cess_rate: Mapped[Decimal] = mapped_column(_Rate)
    quantity: Mapped[Decimal]
    restocked: Mapped[bool] = mapped_column(Boolean)
    taxable_paise: Mapped[int] = mapped_column(Money)
    cgst_paise: Mapped[int] = mapped_column(Money)
    sgst_paise: Mapped[int] = mapped_column(Money)
    igst_paise: Mapped[int] = mapped_column(Money)
    cess_paise: Mapped[int] = mapped_column(Money)
    tax_paise: Mapped[int] = mapped_column(Money)
    total_paise: Mapped[int] = mapped_column(Money)


class RefundTender(Base):
    """Money paid back against a credit note, in one tender."""

    __tablename__ = "refund_tenders"
    __table_args__ = (CheckConstraint("method IN ('cash', 'card', 'upi')", name="method"),)

    company_id: Mapped[uuid.UUID] = company_key()
    credit_note_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    line_no: Mapped[int] = mapped_column(primary_key=True)
    method: Mapped[str] = mapped_column(String(10))
    amount_paise: Mapped[int] = mapped_column(Money)
    reference: Mapped[str | None] = mapped_column(String(100))


class CashMovement(Base):
    """Cash put into or taken out of a drawer during a shift."""

    __tablename__ = "cash_movements"
    __table_args__ = (
        Index(None, "company_id", "shift_id"),
        CheckConstraint("kind IN ('in', 'out', 'drop', 'no_sale')", name="kind"),
    )

    company_id: Mapped[uuid.UUID] = company_key()
    id: Mapped[uuid.UUID] = row_id()
    event_id: Mapped[uuid.UUID]
    terminal_id: Mapped[uuid.UUID]
    shift_id: Mapped[uuid.UUID]
    kind: Mapped[str] = mapped_column(String(10))
    amount_paise: Mapped[int] = mapped_column(Money)
    reason: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[uuid.UUID]
    approved_by: Mapped[uuid.UUID | None]
    occurred_at: Mapped[datetime]
