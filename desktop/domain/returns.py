"""Returns against an original invoice, and the credit note that records them.

Each returned line is credited at the price and GST rate it was sold at, never today's. A
part of a line is credited in proportion (rounded half-up per amount), and the last part
returned gets exactly what is left, so however a line comes back in pieces, the credits add
up to what was charged and never more. The credit note's total is rounded to the rupee like
an invoice, with its own round-off.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from desktop.domain.catalog import User
from desktop.domain.document import (
    DocumentKind,
    DocumentLine,
    HsnRow,
    RateRow,
    SaleDocument,
)
from desktop.domain.tender import Method, Payment
from desktop.errors import ReturnError, ReturnExceedsSale
from shared.money import Money, allocate

__all__ = (
    "ReturnedSoFar",
    "build_credit_note",
    "plan_return",
    "refund_payments",
    "returnable",
)

ReturnedSoFar = Mapping[int, Sequence[DocumentLine]]
"""Original line number -> the credit-note lines that already gave part of it back."""


def returnable(original: SaleDocument, returned: ReturnedSoFar) -> dict[int, Decimal]:
    """Line number -> quantity that may still be returned."""
    left = {}
    for line in original.lines:
        back = sum((r.quantity for r in returned.get(line.line_no, ())), Decimal(0))
        left[line.line_no] = line.quantity - back
    return left


def _share(amount: Money, already: Money, part: Fraction, last: bool) -> Money:
    if last:
        return amount - already
    exact = part * amount.paise
    whole, rest = divmod(exact.numerator, exact.denominator)
    return Money(whole + (1 if 2 * rest >= exact.denominator else 0))


def plan_return(
    original: SaleDocument, returned: ReturnedSoFar, request: Mapping[int, Decimal]
) -> tuple[DocumentLine, ...]:
    """Work out the credit-note lines for returning ``request`` (line number -> quantity).

    Raises:
        ReturnError: not an invoice, nothing asked, an unknown line or a bad quantity.
        ReturnExceedsSale: more than was sold, less what was already returned.
    """
    if original.kind is not DocumentKind.SALE:
        raise ReturnError(f"{original.number} is a credit note; returns go against invoices.")
    wanted = {no: qty for no, qty in request.items() if qty}
    if not wanted:
        raise ReturnError("Choose at least one item and a quantity to return.")
    by_no = {line.line_no: line for line in original.lines}
    left = returnable(original, returned)
    credit_lines = []
    for number, (line_no, asked) in enumerate(sorted(wanted.items()), start=1):
        line = by_no.get(line_no)
        if line is None:
            raise ReturnError(f"Invoice {original.number} has no line {line_no}.")
        qty = Decimal(asked) if isinstance(asked, int) and not isinstance(asked, bool) else asked
        if not isinstance(qty, Decimal) or not qty.is_finite() or qty < 0:
            raise ReturnError(f"{qty} is not a quantity that can be returned.")
        if line.unit == "pcs" and qty != qty.to_integral_value():
            raise ReturnError(f"{line.name} is sold by the piece; return a whole number.")
        if qty > left[line_no]:
            raise ReturnExceedsSale(
                f"Only {left[line_no]} {line.unit} of {line.name} can be returned "
                f"({line.quantity} sold, {line.quantity - left[line_no]} already returned)."
            )
        prior = returned.get(line_no, ())
        is_last = qty == left[line_no]
        part = Fraction(qty) / Fraction(line.quantity)

        def share(
            field: str,
            line: DocumentLine = line,
            prior: Sequence[DocumentLine] = prior,
            part: Fraction = part,
            is_last: bool = is_last,
        ) -> Money:
            done = Money(sum(getattr(p, field).paise for p in prior))
            return _share(getattr(line, field), done, part, is_last)

        taxable, cgst, sgst, igst, cess = (
            share(name) for name in ("taxable", "cgst", "sgst", "igst", "cess")
        )
        credit_lines.append(
            replace(
                line,
                line_no=number,
                quantity=qty,
                discount=share("discount"),
                bill_discount=share("bill_discount"),
                taxable=taxable,
                cgst=cgst,
                sgst=sgst,
                igst=igst,
                cess=cess,
                total=taxable + cgst + sgst + igst + cess,
                original_line_no=line.line_no,
            )
        )
    return tuple(credit_lines)


def refund_payments(
    original: SaleDocument, amount: Money, *, to_original: bool
) -> tuple[Payment, ...]:
    """How to pay ``amount`` back: split over the original tenders, or all in cash.

    Refunds are negative payments. Card and UPI refunds keep the original reference so the
    acquirer's refund can be matched.
    """
    if not amount:
        return ()
    if not to_original or not original.payments:
        return (Payment(Method.CASH, -amount),)
    shares = allocate(amount, [p.amount.paise for p in original.payments])
    return tuple(
        Payment(p.method, -share, p.reference)
        for p, share in zip(original.payments, shares, strict=True)
        if share
    )


def build_credit_note(
    *,
    original: SaleDocument,
    lines: tuple[DocumentLine, ...],
    sale_id: str,
    number: str,
    created_at: datetime,
    shift_id: str,
    cashier: User,
    to_original_tender: bool,
) -> SaleDocument:
    """Assemble the credit note for ``lines`` (from :func:`plan_return`)."""
    subtotal = Money(sum(line.total.paise for line in lines))
    grand_total = Money((subtotal.paise + 50) // 100 * 100)
    rates: dict[Decimal, list[DocumentLine]] = {}
    hsns: dict[tuple[str, Decimal], list[DocumentLine]] = {}
    for line in lines:
        rates.setdefault(line.rate, []).append(line)
        hsns.setdefault((line.hsn, line.rate), []).append(line)

    def total(rows: list[DocumentLine], field: str) -> Money:
        return Money(sum(getattr(row, field).paise for row in rows))

    payments = refund_payments(original, grand_total, to_original=to_original_tender)
    return SaleDocument(
        sale_id=sale_id,
        number=number,
        kind=DocumentKind.RETURN,
        gst_kind="credit_note",
        created_at=created_at,
        store=original.store,
        shift_id=shift_id,
        cashier_id=cashier.user_id,
        cashier_name=cashier.name,
        lines=lines,
        rate_summary=tuple(
            RateRow(
                rate=rate,
                taxable=total(rows, "taxable"),
                cgst=total(rows, "cgst"),
                sgst=total(rows, "sgst"),
                igst=total(rows, "igst"),
                cess=total(rows, "cess"),
            )
            for rate, rows in sorted(rates.items())
        ),
        hsn_summary=tuple(
            HsnRow(
                hsn=hsn,
                rate=rate,
                quantity=sum((row.quantity for row in rows), Decimal(0)),
                taxable=total(rows, "taxable"),
                tax=Money(sum(row.tax.paise for row in rows)),
            )
            for (hsn, rate), rows in sorted(hsns.items())
        ),
        discount=total(list(lines), "discount"),
        subtotal=subtotal,
        round_off=grand_total - subtotal,
        grand_total=grand_total,
        payments=payments,
        tendered=payments,
        change=Money(0),
        customer_phone=original.customer_phone,
        customer_gstin=original.customer_gstin,
        inter_state=original.inter_state,
        original_sale_id=original.sale_id,
        original_number=original.number,
        original_date=original.created_at,
    )
