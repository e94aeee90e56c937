"""Ringing up a sale: scan, search, discounts, overrides, voids, hold/recall and tender.

:class:`SaleSession` keeps the cart of the logged-in cashier. Actions that need a supervisor
take an ``approver`` (a :class:`~desktop.domain.catalog.User` returned by
:meth:`desktop.services.auth.Auth.approve`); without one they raise
:class:`~desktop.errors.ApprovalRequired`, and the UI asks for the PIN and tries again.

Completing a sale commits the invoice, its ``SaleCompleted`` event and its audit entries in
one transaction, and only then prints and opens the drawer. A device failure after the
commit is reported in :attr:`Completed.print_error` and never undoes the sale.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import msgspec

from desktop.domain import cart as carts
from desktop.domain.cart import Cart
from desktop.domain.catalog import Item, Role, User
from desktop.domain.document import SaleDocument, build_sale_document
from desktop.domain.shift import VoidRecord
from desktop.domain.tender import Method, Payment, settle
from desktop.errors import (
    EmptyCart,
    NoHeldSale,
    NoOpenShift,
    SaleError,
    SaleNotFound,
    UnknownBarcode,
)
from desktop.services.context import TillContext, log
from desktop.services.events import sale_completed
from desktop.services.ports import AuditDraft, HeldSale
from shared.barcode import MeasureKind, VariableMeasure, parse_scanned
from shared.gst import Invoice, RateTable
from shared.money import Money, format_inr

__all__ = ("Completed", "SaleSession")

_CART_DECODER = msgspec.json.Decoder(Cart)


@dataclass(frozen=True, slots=True)
class Completed:
    """A completed sale (or credit note) and what happened at the printer.

    Attributes:
        document: the stored document.
        printed: whether the receipt printed.
        print_error: the printer's complaint in plain words, if it did not.
    """

    document: SaleDocument
    printed: bool
    print_error: str | None = None


def print_after_commit(
    context: TillContext, document: SaleDocument, *, kick: bool, duplicate: bool = False
) -> Completed:
    """Print ``document`` (and open the drawer); failures are reported, never raised.

    A printer whose cash receipts carry the drawer kick opens the drawer itself (when the
    receipt prints); otherwise the drawer is kicked here.
    """
    error = None
    try:
        context.printer.print_receipt(document, duplicate=duplicate)
    except Exception as exc:  # any device failure: the sale is already safe
        log.warning("receipt %s did not print: %s", document.number, exc)
        error = f"The receipt did not print ({exc}). The sale is saved; reprint it from history."
    if kick and not context.printer.opens_drawer_on_cash:
        try:
            context.drawer.kick()
        except Exception as exc:
            log.warning("drawer did not open: %s", exc)
            error = error or f"The drawer did not open ({exc}). The sale is saved."
    return Completed(document, printed=error is None or "receipt" not in error, print_error=error)


class SaleSession:
    """The cart of the cashier at the till, and the actions on it.

    Args:
        context: the till's shared parts.
        cashier: the logged-in user.
    """

    def __init__(self, context: TillContext, cashier: User) -> None:
        self._ctx = context
        self.cashier = cashier
        self.cart = Cart()
        self._priced: tuple[Cart, RateTable, date, Invoice] | None = None

    # ------------------------------------------------------------------ helpers
    def _authority(self, approver: User | None) -> Role:
        return approver.role if approver is not None else self.cashier.role

    def _audit(self, action: str, approver: User | None, **detail: str) -> None:
        if approver is not None:
            detail["approved_by"] = approver.user_id
        self._ctx.store.record_audit(
            AuditDraft(action, self.cashier.user_id, self._ctx.clock.now(), detail)
        )

    def _shift_id(self) -> str:
        shift = self._ctx.store.current_shift()
        if shift is None:
            raise NoOpenShift("Open a shift (count the float) before selling.")
        return shift.shift_id

    def invoice(self) -> Invoice:
        """The cart's totals and GST, priced today.

        The screen prices the cart after every change and again when paying; the cart, the
        rate table and the day are immutable values, so the last pricing is reused while all
        three are the very same objects (a new rate table from a sync is a new object).
        """
        rates = self._ctx.store.rate_table()
        today = self._ctx.clock.now().date()
        last = self._priced
        if last is not None and last[0] is self.cart and last[1] is rates and last[2] == today:
            return last[3]
        invoice = carts.price_cart(self.cart, rates, today)
        self._priced = (self.cart, rates, today, invoice)
        return invoice

    # ------------------------------------------------------------------ ringing up
    def scan(self, code: str, quantity: Decimal = Decimal(1)) -> Item:
        """Add the item with this barcode or shop code; weighed and priced labels too.

        Raises:
            UnknownBarcode: no item has the code.
            shared.errors.BarcodeError: a barcode with a wrong check digit or format.
        """
        text = code.strip()
        if not text:
            raise UnknownBarcode(code)
        if text.isdigit() and len(text) in (8, 12, 13, 14):
            scanned = parse_scanned(text, self._ctx.nomenclature)
            item = self._ctx.store.find_by_barcode(scanned.lookup_key)
            if item is None:
                item = self._ctx.store.find_by_code(text)
            if item is None:
                raise UnknownBarcode(text)
            if isinstance(scanned, VariableMeasure):
                if scanned.kind is MeasureKind.WEIGHT:
                    assert isinstance(scanned.value, Decimal)
                    self.cart = carts.add_item(self.cart, item, scanned.value)
                elif scanned.kind is MeasureKind.PRICE:
                    assert isinstance(scanned.value, int)
                    self.cart = carts.add_item(self.cart, item, Decimal(1), Money(scanned.value))
                else:
                    self.cart = carts.add_item(self.cart, item, Decimal(scanned.value) * quantity)
                return item
        else:
            item = self._ctx.store.find_by_code(text)
            if item is None:
                raise UnknownBarcode(text)
        self.cart = carts.add_item(self.cart, item, quantity)
        return item

    def add(self, item: Item, quantity: Decimal = Decimal(1)) -> None:
        """Add an item picked from search."""
        self.cart = carts.add_item(self.cart, item, quantity)

    def search(self, text: str, limit: int = 30) -> list[Item]:
        """Search the catalog by name, code or barcode as the cashier types."""
        return self._ctx.store.search(text, limit)

    def set_quantity(self, line_no: int, quantity: Decimal) -> None:
        """Change a line's quantity."""
        self.cart = carts.set_quantity(self.cart, line_no, quantity)

    def void_line(self, line_no: int, approver: User | None = None) -> None:
        """Remove a line (supervisor)."""
        line = self.cart.line(line_no)
        self.cart = carts.void_line(self.cart, line_no, self._authority(approver))
        amount = carts.extended_price(line) - line.discount
        shift = self._ctx.store.current_shift()
        draft = AuditDraft(
            "line_voided",
            self.cashier.user_id,
            self._ctx.clock.now(),
            {
                "item": line.item.name,
                "amount_paise": str(amount.paise),
                **({"approved_by": approver.user_id} if approver else {}),
            },
        )
        if shift is None:
            self._ctx.store.record_audit(draft)
        else:
            self._ctx.store.record_void(
                shift.shift_id,
                void_id=self._ctx.new_id(),
                void=VoidRecord("line", amount),
                user_id=self.cashier.user_id,
                approved_by=approver.user_id if approver else None,
                audit=draft,
            )

    def void_sale(self, approver: User | None = None) -> None:
        """Abandon the whole sale in progress (supervisor)."""
        if self.cart.is_empty:
            raise EmptyCart("There is no sale to void.")
        carts.require_role(
            self._authority(approver),
            Role.SUPERVISOR,
            "void_sale",
            "Voiding the sale needs a supervisor.",
        )
        amount = self.invoice().grand_total
        shift = self._ctx.store.current_shift()
        draft = AuditDraft(
            "sale_voided",
            self.cashier.user_id,
            self._ctx.clock.now(),
            {
                "lines": str(len(self.cart.lines)),
                "amount_paise": str(amount.paise),
                **({"approved_by": approver.user_id} if approver else {}),
            },
        )
        if shift is None:
            self._ctx.store.record_audit(draft)
        else:
            self._ctx.store.record_void(
                shift.shift_id,
                void_id=self._ctx.new_id(),
                void=VoidRecord("sale", amount),
                user_id=self.cashier.user_id,
                approved_by=approver.user_id if approver else None,
                audit=draft,
            )
        self.cart = Cart()

    def override_price(self, line_no: int, unit_price: Money, approver: User | None = None) -> None:
        """Charge another price on a line (supervisor)."""
        old = self.cart.line(line_no).unit_price
        self.cart = carts.override_price(
            self.cart,
            line_no,
            unit_price,
            self._authority(approver),
            (approver or self.cashier).user_id,
        )
        self._audit(
            "price_overridden",
            approver,
            line=str(line_no),
            old_paise=str(old.paise),
            new_paise=str(unit_price.paise),
        )

    def discount_line(self, line_no: int, amount: Money, approver: User | None = None) -> None:
        """Discount one line, within the limit of the cashier's (or approver's) role."""
        self.cart = carts.set_line_discount(
            self.cart,
            line_no,
            amount,
            self._authority(approver),
            approver_id=approver.user_id if approver else None,
            policy=self._ctx.discounts,
        )
        if approver is not None and amount:
            self._audit(
                "discount_above_limit", approver, line=str(line_no), amount_paise=str(amount.paise)
            )

    def discount_bill(self, amount: Money, approver: User | None = None) -> None:
        """Discount the whole bill, within the limit of the cashier's (or approver's) role."""
        self.cart = carts.set_bill_discount(
            self.cart, amount, self._authority(approver), self._ctx.discounts
        )
        if approver is not None and amount:
            self._audit("discount_above_limit", approver, bill="1", amount_paise=str(amount.paise))

    def set_customer(self, phone: str | None, gstin: str | None) -> None:
        """Attach the customer's phone and/or GSTIN."""
        self.cart = carts.set_customer(self.cart, phone, gstin)

    # ------------------------------------------------------------------ hold / recall
    def hold(self, label: str = "") -> HeldSale:
        """Put the sale aside (it survives a restart) and start a new one."""
        if self.cart.is_empty:
            raise EmptyCart("There is nothing to hold.")
        now = self._ctx.clock.now()
        total = self.invoice().grand_total
        held = HeldSale(
            hold_id=self._ctx.new_id(),
            held_at=now,
            user_id=self.cashier.user_id,
            label=label.strip()
            or f"{now:%H:%M} · {len(self.cart.lines)} items · {format_inr(total)}",
            cart_json=msgspec.json.encode(self.cart),
        )
        self._ctx.store.hold_sale(held)
        self.cart = Cart()
        return held

    def held(self) -> list[HeldSale]:
        """Sales on hold, oldest first."""
        return self._ctx.store.held_sales()

    def recall(self, hold_id: str) -> None:
        """Bring a held sale back; the current one must be empty (hold it first).

        Raises:
            SaleError: the current sale has lines.
            NoHeldSale: the held sale is gone.
        """
        if not self.cart.is_empty:
            raise SaleError("Finish or hold the current sale before recalling another.")
        held = self._ctx.store.take_held_sale(hold_id)
        if held is None:
            raise NoHeldSale("That held sale is no longer there.")
        self.cart = _CART_DECODER.decode(held.cart_json)

    # ------------------------------------------------------------------ tender
    def complete(self, payments: Sequence[Payment]) -> Completed:
        """Take payment, store the sale with its event, then print and open the drawer.

        Raises:
            EmptyCart: nothing to sell.
            NoOpenShift: no shift is open.
            InsufficientTender: the payments are short (nothing is stored).
            InvalidTender: a bad payment (nothing is stored).
        """
        if self.cart.is_empty:
            raise EmptyCart("Scan or search an item first.")
        shift_id = self._shift_id()
        invoice = self.invoice()
        settlement = settle(invoice.grand_total, payments)
        now = self._ctx.clock.now()
        cart = self.cart
        sale_id = self._ctx.new_id()
        overrides = [line for line in cart.lines if line.price_overridden_by]

        def build(number: str) -> SaleDocument:
            return build_sale_document(
                cart=cart,
                invoice=invoice,
                settlement=settlement,
                sale_id=sale_id,
                number=number,
                created_at=now,
                store=self._ctx.store_info,
                shift_id=shift_id,
                cashier=self.cashier,
            )

        document = self._ctx.store.commit_document(
            "invoice",
            now,
            build,
            lambda doc: sale_completed(doc, self._ctx.terminal, cart.bill_discount.paise),
            [
                AuditDraft(
                    "sale_with_override",
                    self.cashier.user_id,
                    now,
                    {"sale_id": sale_id, "lines": str(len(overrides))},
                )
            ]
            if overrides
            else [],
        )
        self.cart = Cart()
        cash = any(p.method is Method.CASH for p in settlement.tendered)
        return print_after_commit(self._ctx, document, kick=cash)

    def reprint(self, number: str) -> Completed:
        """Print a stored document again, marked as a duplicate.

        Raises:
            SaleNotFound: no document has that number.
        """
        document = self._ctx.store.document_by_number(number)
        if document is None:
            raise SaleNotFound(f"No receipt has the number {number.strip()!r}.")
        self._audit("receipt_reprinted", None, number=document.number)
        return print_after_commit(self._ctx, document, kick=False, duplicate=True)
