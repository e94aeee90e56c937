"""Sales, their lines and payments, credit notes, shifts and cash movements: immutable facts."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKeyConstraint, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sync_server.db.models._base import Base, Money, company_key, row_id

_TERMINAL_FK = (["company_id", "terminal_id"], ["terminals.company_id", "terminals.id"])
_STORE_FK = (["company_id", "store_id"], ["stores.company_id", "stores.id"])


class Shift(Base):
    """A till session from opening float to blind close."""

    __tablename__ = "shifts"
    __table_args__ = (
        ForeignKeyConstraint(*_STORE_FK),
        ForeignKeyConstraint(*_TERMINAL_FK),
    )

    company_id: Mapped[uuid.UUID] = company_key()
    id: Mapped[uuid.UUID] = row_id()
    store_id: Mapped[uuid.UUID]
    terminal_id: Mapped[uuid.UUID]
    opened_by: Mapped[uuid.UUID]
    opened_at: Mapped[datetime]
    opening_float_paise: Mapped[int] = mapped_column(Money)
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[uuid.UUID | None]
    expected_cash_paise: Mapped[int | None] = mapped_column(Money)
    counted_cash_paise: Mapped[int | None] = mapped_column(Money)


class Sale(Base):
    """A completed sale as the till recorded it."""

    __tablename__ = "sales"
    __table_args__ = (
        ForeignKeyConstraint(*_STORE_FK),
        ForeignKeyConstraint(*_TERMINAL_FK),
        UniqueConstraint("company_id", "store_id", "financial_year", "invoice_number"),
    )

    company_id: Mapped[uuid.UUID] = company_key()
    id: Mapped[uuid.UUID] = row_id()
    store_id: Mapped[uuid.UUID]
    terminal_id: Mapped[uuid.UUID]
    shift_id: Mapped[uuid.UUID | None]
    cashier_id: Mapped[uuid.UUID]
    invoice_number: Mapped[str] = mapped_column(String(16))
    financial_year: Mapped[str] = mapped_column(String(7))
    occurred_at: Mapped[datetime]
    received_at: Mapped[datetime]
    taxable_paise: Mapped[int] = mapped_column(Money)
    tax_paise: Mapped[int] = mapped_column(Money)
    round_off_paise: Mapped[int] = mapped_column(Money)
    total_paise: Mapped[int] = mapped_column(Money)
    flags: Mapped[str] = mapped_column(String(200), default="")


class SaleLine(Base):
    """One line of a sale, with the price actually charged and its tax split."""

    __tablename__ = "sale_lines"
    __table_args__ = (
        ForeignKeyConstraint(["company_id", "sale_id"], ["sales.company_id", "sales.id"]),
        ForeignKeyConstraint(["company_id", "product_id"], ["products.company_id", "products.id"]),
    )

    company_id: Mapped[uuid.UUID] = company_key()
    sale_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    line_no: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[uuid.UUID]
    hsn_code: Mapped[str] = mapped_column(String(8))
    gst_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    quantity: Mapped[Decimal]
    unit_price_paise: Mapped[int] = mapped_column(Money)
    discount_paise: Mapped[int] = mapped_column(Money)
    taxable_paise: Mapped[int] = mapped_column(Money)
    cgst_paise: Mapped[int] = mapped_column(Money)
    sgst_paise: Mapped[int] = mapped_column(Money)
    igst_paise: Mapped[int] = mapped_column(Money)
    cess_paise: Mapped[int] = mapped_column(Money)
    total_paise: Mapped[int] = mapped_column(Money)


class Payment(Base):
    """One tender of a sale."""

    __tablename__ = "payments"
    __table_args__ = (
        ForeignKeyConstraint(["company_id", "sale_id"], ["sales.company_id", "sales.id"]),
        CheckConstraint("method IN ('cash', 'card', 'upi')", name="method"),
    )

    company_id: Mapped[uuid.UUID] = company_key()
    id: Mapped[uuid.UUID] = row_id()
    sale_id: Mapped[uuid.UUID]
    method: Mapped[str] = mapped_column(String(10))
    amount_paise: Mapped[int] = mapped_column(Money)
    reference: Mapped[str] = mapped_column(String(100), default="")


class CreditNote(Base):
    """A refund against an original sale, numbered in its own GST series."""

    __tablename__ = "credit_notes"
    __table_args__ = (
        ForeignKeyConstraint(*_STORE_FK),
        ForeignKeyConstraint(*_TERMINAL_FK),
        ForeignKeyConstraint(["company_id", "sale_id"], ["sales.company_id", "sales.id"]),
        UniqueConstraint("company_id", "store_id", "financial_year", "number"),
    )

    company_id: Mapped[uuid.UUID] = company_key()
    id: Mapped[uuid.UUID] = row_id()
    store_id: Mapped[uuid.UUID]
    terminal_id: Mapped[uuid.UUID]
    sale_id: Mapped[uuid.UUID]
    number: Mapped[str] = mapped_column(String(16))
    financial_year: Mapped[str] = mapped_column(String(7))
    reason: Mapped[str] = mapped_column(String(200))
    tax_paise: Mapped[int] = mapped_column(Money)
    total_paise: Mapped[int] = mapped_column(Money)
    occurred_at: Mapped[datetime]
    received_at: Mapped[datetime]


class CreditNoteLine(Base):
    """A returned quantity of one original sale line."""

    __tablename__ = "credit_note_lines"
    __table_args__ = (
        ForeignKeyConstraint(
            ["company_id", "credit_note_id"], ["credit_notes.company_id", "credit_notes.id"]
        ),
        ForeignKeyConstraint(
            ["company_id", "sale_id", "sale_line_no"],
            ["sale_lines.company_id", "sale_lines.sale_id", "sale_lines.line_no"],
        ),
    )

    company_id: Mapped[uuid.UUID] = company_key()
    credit_note_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    line_no: Mapped[int] = mapped_column(primary_key=True)
    sale_id: Mapped[uuid.UUID]
    sale_line_no: Mapped[int]
    quantity: Mapped[Decimal]
    tax_paise: Mapped[int] = mapped_column(Money)
    total_paise: Mapped[int] = mapped_column(Money)


class CashMovement(Base):
    """Cash put into or taken out of a drawer during a shift."""

    __tablename__ = "cash_movements"
    __table_args__ = (
        ForeignKeyConstraint(["company_id", "shift_id"], ["shifts.company_id", "shifts.id"]),
        CheckConstraint("kind IN ('in', 'out', 'drop', 'no_sale')", name="kind"),
    )

    company_id: Mapped[uuid.UUID] = company_key()
    id: Mapped[uuid.UUID] = row_id()
    shift_id: Mapped[uuid.UUID]
    kind: Mapped[str] = mapped_column(String(10))
    amount_paise: Mapped[int] = mapped_column(Money)
    reason: Mapped[str] = mapped_column(String(200), default="")
    user_id: Mapped[uuid.UUID]
    occurred_at: Mapped[datetime]
