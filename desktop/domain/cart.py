"""The sale in progress: lines, quantities, discounts, price overrides and voids.

A :class:`Cart` is an immutable value; every operation returns a new cart, so undo, hold
and recall are just keeping the old value. Who may do what is decided here, by the role of
the *authority* behind an action: the logged-in user's role, or a supervisor's after they
entered their PIN. The services ask for that PIN when an operation raises
:class:`~desktop.errors.ApprovalRequired`.

Discount policy: each role may give up to a percentage of the amount the discount applies
to (the line's value for a line discount, the bill's value for a bill discount). Above the
cashier's limit a supervisor must approve; above the supervisor's limit nobody can.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from fractions import Fraction

from desktop.domain.catalog import Item, Role
from desktop.errors import (
    ApprovalRequired,
    DiscountAboveLimit,
    EmptyCart,
    InvalidQuantity,
    NoSuchLine,
    SaleError,
)
from shared.gst import QUANTITY_DECIMALS, Invoice, LineInput, RateTable, compute_invoice
from shared.gstin import validate_gstin
from shared.money import Money, format_inr

__all__ = (
    "Cart",
    "CartLine",
    "DiscountPolicy",
    "add_item",
    "extended_price",
    "override_price",
    "price_cart",
    "require_role",
    "set_bill_discount",
    "set_customer",
    "set_line_discount",
    "set_quantity",
    "void_line",
)

_MAX_QUANTITY = Decimal(10_000)
_NO_MONEY = Money(0)


@dataclass(frozen=True, slots=True)
class DiscountPolicy:
    """The most each role may discount, in percent of the amount discounted.

    Attributes:
        limits: role -> the highest discount percent that role may give or approve.
    """

    limits: Mapping[Role, Decimal] = field(
        default_factory=lambda: {Role.CASHIER: Decimal(5), Role.SUPERVISOR: Decimal(50)}
    )

    def limit_for(self, role: Role) -> Decimal:
        """The highest discount percent ``role`` may give (0 for a role with no limit set)."""
        return self.limits.get(role, Decimal(0))

    def check(self, amount: Money, base: Money, authority: Role, what: str) -> None:
        """Check that ``authority`` may take ``amount`` off ``base``.

        Raises:
            ApprovalRequired: a more senior role could approve it.
            DiscountAboveLimit: no role may give that much.
        """
        if not amount:
            return
        percent = Decimal(100) * amount.paise / base.paise if base else Decimal(100)
        if percent <= self.limit_for(authority):
            return
        senior = max(self.limits, key=lambda role: self.limits[role])
        if percent <= self.limit_for(senior) and senior.rank > authority.rank:
            raise ApprovalRequired(
                "discount",
                f"A {_pct(percent)}% {what} is above the {_pct(self.limit_for(authority))}% "
                f"a {authority.value} may give: a {senior.value} must approve it.",
            )
        raise DiscountAboveLimit(_pct(percent), _pct(self.limit_for(senior)))


def _pct(value: Decimal) -> str:
    text = f"{value.quantize(Decimal('0.01')):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(frozen=True, slots=True)
class CartLine:
    """One line of the cart.

    Attributes:
        line_no: stable number of the line within the sale, from 1.
        item: the catalog item.
        quantity: count, or kilograms for a weighed item (three decimals at most).
        unit_price: the price charged per unit: the catalog price unless overridden.
        discount: the line's own discount in the price's terms (inclusive or not).
        price_overridden_by: the supervisor who approved a price override, if any.
        discount_approved_by: the supervisor who approved a discount above the cashier's
            limit, if any.
    """

    line_no: int
    item: Item
    quantity: Decimal
    unit_price: Money
    discount: Money = _NO_MONEY
    price_overridden_by: str | None = None
    discount_approved_by: str | None = None


@dataclass(frozen=True, slots=True)
class Cart:
    """The sale being rung up.

    Attributes:
        lines: the live lines, in the order they were added.
        bill_discount: a discount on the whole bill, spread over the lines by GST rules.
        customer_phone: for a loyalty lookup or a digital receipt, optional.
        customer_gstin: the buyer's GSTIN for a B2B invoice, validated, optional.
        next_line_no: the number the next added line gets.
    """

    lines: tuple[CartLine, ...] = ()
    bill_discount: Money = _NO_MONEY
    customer_phone: str | None = None
    customer_gstin: str | None = None
    next_line_no: int = 1

    @property
    def is_empty(self) -> bool:
        """Whether the cart has no lines."""
        return not self.lines

    def line(self, line_no: int) -> CartLine:
        """Return the line numbered ``line_no``.

        Raises:
            NoSuchLine: there is no such line.
        """
        for line in self.lines:
            if line.line_no == line_no:
                return line
        raise NoSuchLine(f"There is no line {line_no} in this sale.")


def require_role(authority: Role, needed: Role, action: str, message: str) -> None:
    """Raise :class:`ApprovalRequired` unless ``authority`` is at least ``needed``."""
    if authority.rank < needed.rank:
        raise ApprovalRequired(action, message)


def _check_quantity(item: Item, quantity: Decimal) -> Decimal:
    if isinstance(quantity, float) or not isinstance(quantity, Decimal | int):
        raise InvalidQuantity(f"The quantity {quantity!r} is not a number.")
    qty = Decimal(quantity)
    if not qty.is_finite() or qty <= 0:
        raise InvalidQuantity("The quantity must be more than zero.")
    if qty > _MAX_QUANTITY:
        raise InvalidQuantity(f"{qty} is too many for one line; check the quantity.")
    if not item.weighed and qty != qty.to_integral_value():
        raise InvalidQuantity(f"{item.name} is sold by the piece; enter a whole number.")
    if qty.as_tuple().exponent < -QUANTITY_DECIMALS:  # type: ignore[operator]
        raise InvalidQuantity("Weights go to the gram: at most three decimals.")
    return qty


def extended_price(line: CartLine) -> Money:
    """Quantity times unit price, rounded half-up to the paisa, before any discount."""
    exact = Fraction(line.quantity) * line.unit_price.paise
    whole, rest = divmod(exact.numerator, exact.denominator)
    return Money(whole + (1 if 2 * rest >= exact.denominator else 0))


def add_item(
    cart: Cart, item: Item, quantity: Decimal = Decimal(1), unit_price: Money | None = None
) -> Cart:
    """Add ``quantity`` of ``item``; a repeat scan of a plain item adds to its last line.

    Args:
        cart: the cart.
        item: what was scanned or picked.
        quantity: how many, or the weight in kilograms for a weighed item.
        unit_price: a price read from a price-embedded label; the catalog price otherwise.

    Raises:
        InvalidQuantity: a bad quantity for this item.
    """
    qty = _check_quantity(item, quantity)
    price = item.unit_price if unit_price is None else unit_price
    last = cart.lines[-1] if cart.lines else None
    if (
        last is not None
        and last.item == item
        and not item.weighed
        and unit_price is None
        and last.unit_price == item.unit_price
        and not last.discount
    ):
        merged = replace(last, quantity=_check_quantity(item, last.quantity + qty))
        return replace(cart, lines=(*cart.lines[:-1], merged))
    line = CartLine(line_no=cart.next_line_no, item=item, quantity=qty, unit_price=price)
    return replace(cart, lines=(*cart.lines, line), next_line_no=cart.next_line_no + 1)


def _replace_line(cart: Cart, new: CartLine) -> Cart:
    return replace(
        cart, lines=tuple(new if line.line_no == new.line_no else line for line in cart.lines)
    )


def set_quantity(cart: Cart, line_no: int, quantity: Decimal) -> Cart:
    """Change a line's quantity; its discount must still fit the new value.

    Raises:
        NoSuchLine: no such line.
        InvalidQuantity: a bad quantity for the item, or one whose value is now below the
            line's discount.
    """
    line = cart.line(line_no)
    new = replace(line, quantity=_check_quantity(line.item, quantity))
    if new.discount > extended_price(new):
        raise InvalidQuantity("That quantity is worth less than the line's discount.")
    return _replace_line(cart, new)


def void_line(cart: Cart, line_no: int, authority: Role) -> Cart:
    """Remove a line from the sale; only a supervisor may (the UI asks for the PIN).

    Raises:
        NoSuchLine: no such line.
        ApprovalRequired: ``authority`` is below supervisor.
    """
    line = cart.line(line_no)
    require_role(
        authority, Role.SUPERVISOR, "void_line", f"Voiding {line.item.name} needs a supervisor."
    )
    return replace(cart, lines=tuple(x for x in cart.lines if x.line_no != line_no))


def override_price(
    cart: Cart, line_no: int, unit_price: Money, authority: Role, approver_id: str
) -> Cart:
    """Charge another unit price on a line; only a supervisor may.

    Raises:
        NoSuchLine: no such line.
        ApprovalRequired: ``authority`` is below supervisor.
        SaleError: a negative price, or one that leaves the line worth less than its discount.
    """
    line = cart.line(line_no)
    require_role(
        authority,
        Role.SUPERVISOR,
        "override_price",
        f"Changing the price of {line.item.name} needs a supervisor.",
    )
    if unit_price.paise < 0:
        raise SaleError("A price cannot be negative.")
    new = replace(line, unit_price=unit_price, price_overridden_by=approver_id)
    if new.discount > extended_price(new):
        raise SaleError("That price is less than the line's discount; remove the discount first.")
    return _replace_line(cart, new)


def set_line_discount(
    cart: Cart,
    line_no: int,
    amount: Money,
    authority: Role,
    *,
    approver_id: str | None = None,
    policy: DiscountPolicy | None = None,
) -> Cart:
    """Give a discount of ``amount`` on one line, within ``authority``'s limit.

    Raises:
        NoSuchLine: no such line.
        SaleError: a negative discount or one above the line's value.
        ApprovalRequired: above ``authority``'s limit but within a supervisor's.
        DiscountAboveLimit: above every role's limit.
    """
    line = cart.line(line_no)
    value = extended_price(line)
    if amount.paise < 0:
        raise SaleError("A discount cannot be negative.")
    if amount > value:
        raise SaleError(
            f"A discount of {format_inr(amount)} is more than the line's {format_inr(value)}."
        )
    (policy or DiscountPolicy()).check(amount, value, authority, "line discount")
    approved = approver_id if authority is Role.SUPERVISOR and amount else None
    return _replace_line(cart, replace(line, discount=amount, discount_approved_by=approved))


def _value_after_line_discounts(cart: Cart) -> Money:
    return Money(sum((extended_price(line) - line.discount).paise for line in cart.lines))


def set_bill_discount(
    cart: Cart, amount: Money, authority: Role, policy: DiscountPolicy | None = None
) -> Cart:
    """Give a discount on the whole bill, within ``authority``'s limit.

    Raises:
        EmptyCart: nothing to discount.
        SaleError: a negative discount or one above the bill's value.
        ApprovalRequired: above ``authority``'s limit but within a supervisor's.
        DiscountAboveLimit: above every role's limit.
    """
    if cart.is_empty:
        raise EmptyCart("Add items before giving a bill discount.")
    value = _value_after_line_discounts(cart)
    if amount.paise < 0:
        raise SaleError("A discount cannot be negative.")
    if amount > value:
        raise SaleError(
            f"A discount of {format_inr(amount)} is more than the bill's {format_inr(value)}."
        )
    (policy or DiscountPolicy()).check(amount, value, authority, "bill discount")
    return replace(cart, bill_discount=amount)


def set_customer(cart: Cart, phone: str | None, gstin: str | None) -> Cart:
    """Attach the customer's phone and/or GSTIN (B2B); blanks clear them.

    Raises:
        SaleError: a phone that is not 10 digits (optionally with +91), or an invalid GSTIN
            (the message says which rule failed).
    """
    clean_phone = None
    if phone and phone.strip():
        digits = phone.strip().replace(" ", "").removeprefix("+91")
        if not (digits.isdigit() and len(digits) == 10):
            raise SaleError(f"{phone.strip()!r} is not a 10-digit mobile number.")
        clean_phone = digits
    clean_gstin = None
    if gstin and gstin.strip():
        try:
            clean_gstin = validate_gstin(gstin).value
        except ValueError as exc:
            raise SaleError(f"The customer's GSTIN is not valid: {exc}") from exc
    return replace(cart, customer_phone=clean_phone, customer_gstin=clean_gstin)


def price_cart(cart: Cart, rates: RateTable, on: date, *, inter_state: bool = False) -> Invoice:
    """Work out GST and totals for the cart on the day ``on`` (see :mod:`shared.gst`).

    Raises:
        shared.errors.NoRateInEffect: an item's HSN has no rate on that day.
    """
    inputs = []
    for line in cart.lines:
        rate = rates.rate_for(line.item.hsn, on)
        inputs.append(
            LineInput(
                description=line.item.name,
                hsn=line.item.hsn,
                quantity=line.quantity,
                unit_price=line.unit_price,
                rate=rate.rate,
                cess_rate=rate.cess_rate,
                tax_inclusive=line.item.tax_inclusive,
                discount=line.discount,
            )
        )
    return compute_invoice(inputs, inter_state=inter_state, bill_discount=cart.bill_discount)
