"""The catalog: products, their barcodes and prices, and GST rates; every write feeds the tills.

Each write records its changes in the change feed in the same transaction, as its last step
(``sync_server.domain.changes``). A new product is recorded before its barcodes and price,
and a deletion records the dependants' tombstones before the product's; but the feed is
compacted (a product changed later moves behind its barcodes), so a till must not rely on a
product arriving before what refers to it, only on every page leaving it consistent once
the feed is drained (the till's mirror tables do that).

Prices: an amount never changes under a price id. Setting a price inserts a row from
``effective_from`` (now or later; never backdated, since sales already happened at the old
price) and closes the row of the same product and scope in effect then, by setting its
``effective_to`` (its version grows). A row that starts at exactly that time (a scheduled
price, or one set this very instant) is replaced (its tombstone goes out). A scheduled price
that has not started may be deleted, which reopens the row before it. Writes to one
product's prices lock the product row, so concurrent price changes of one product apply one
after the other.

Company admins write; company admins and store managers read. GST rates are law: the
platform admin (or the CLI seeding) writes them, and they reach every company's tills
through the global feed.
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

import msgspec
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.barcode import normalize_gtin
from shared.errors import BarcodeError
from shared.protocol import BarcodeData, GstRateData, PriceData, ProductData
from sync_server.db import models as m
from sync_server.domain.catalog.schemas import (
    BarcodeCreate,
    BarcodeView,
    GstRateCreate,
    GstRateView,
    PriceCreate,
    PriceView,
    ProductCreate,
    ProductPage,
    ProductUpdate,
    ProductView,
)
from sync_server.domain.changes.services import (
    Changed,
    record_changes,
    record_global_changes,
)
from sync_server.lib.context import AppContext
from sync_server.lib.errors import Conflict, InvalidInput, NotFound
from sync_server.lib.ids import new_id
from sync_server.lib.principal import Principal

__all__ = (
    "BACKDATE_TOLERANCE",
    "MAX_PAGE",
    "add_barcode",
    "canonical_barcode",
    "check_quantity",
    "create_gst_rate",
    "create_product",
    "delete_price",
    "delete_product",
    "get_product",
    "list_gst_rates",
    "list_products",
    "load_gst_rates",
    "product_changes",
    "remove_barcode",
    "set_price",
    "update_product",
)

MAX_PAGE = 500
"""The most products one listing page returns."""
BACKDATE_TOLERANCE = timedelta(minutes=5)
"""How far in the past ``effective_from`` may be (clock skew between admin and server)."""

_IN_STORE_CODE = re.compile(r"^[A-Za-z0-9._/-]{1,32}$")
_GTIN_LENGTHS = frozenset({8, 12, 13, 14})
_MAX_QUANTITY = Decimal(10_000)


# ----------------------------------------------------------------------------- validation
def canonical_barcode(code: str, field: str) -> str:
    """Validate a barcode and return the form the catalog keys it by.

    All-digit codes of GTIN length (8, 12, 13, 14) must carry a valid GS1 check digit and
    are stored canonically (UPC-A as EAN-13; see ``shared.barcode``). Anything else is an
    in-store code: 1 to 32 of ``A-Z a-z 0-9 . _ / -``.

    Raises:
        InvalidInput: naming ``field``.
    """
    text = code.strip()
    if text.isdigit() and len(text) in _GTIN_LENGTHS:
        try:
            return normalize_gtin(text)
        except BarcodeError as exc:
            raise InvalidInput(str(exc), field=field) from exc
    if not _IN_STORE_CODE.match(text):
        raise InvalidInput(
            f"barcode {text[:40]!r} is neither a GTIN (8, 12, 13 or 14 digits) nor an "
            "in-store code (1 to 32 of A-Z a-z 0-9 . _ / -)",
            field=field,
        )
    return text


def check_quantity(quantity: Decimal, field: str) -> Decimal:
    """Check a barcode's units per scan: above 0, at most 10,000, at most 3 decimal places."""
    if not quantity.is_finite() or quantity <= 0 or quantity > _MAX_QUANTITY:
        raise InvalidInput(
            f"quantity must be above 0 and at most 10000, got {quantity}", field=field
        )
    if quantity.quantize(Decimal("0.001")) != quantity:
        raise InvalidInput(f"quantity {quantity} has more than 3 decimal places", field=field)
    return quantity


def _check_rate(value: Decimal, field: str, maximum: int) -> Decimal:
    if not value.is_finite() or value < 0 or value > maximum:
        raise InvalidInput(f"{field} must be 0 to {maximum} percent, got {value}", field=field)
    if value.quantize(Decimal("0.01")) != value:
        raise InvalidInput(f"{field} {value} has more than 2 decimal places", field=field)
    return value.quantize(Decimal("0.01"))  # as the column stores it, so tills see one form


def _aware(value: datetime, field: str) -> datetime:
    if value.tzinfo is None:
        raise InvalidInput(
            "a date-time needs a UTC offset such as +05:30 or Z; naive times are ambiguous",
            field=field,
        )
    return value


# ----------------------------------------------------------------------------- protocol data
def _product_data(p: m.Product) -> ProductData:
    return ProductData(
        code=p.sku,
        name=p.name,
        hsn=p.hsn_code,
        unit=p.unit,  # type: ignore[arg-type]
        price_includes_tax=p.price_includes_tax,
        mrp_paise=p.mrp_paise,
        active=p.active,
    )


def _barcode_data(b: m.Barcode) -> BarcodeData:
    return BarcodeData(product_id=b.product_id, code=b.code, quantity=b.quantity)


def _price_data(p: m.Price) -> PriceData:
    return PriceData(
        product_id=p.product_id,
        store_id=p.store_id,
        unit_price_paise=p.price_paise,
        effective_from=p.effective_from,
        effective_until=p.effective_to,
    )


def _price_change(p: m.Price) -> Changed:
    return Changed("price", p.id, _price_data(p), p.version, scope=p.store_id or m.EVERY_STORE)


def _price_tombstone(p: m.Price) -> Changed:
    return Changed("price", p.id, None, p.version + 1, scope=p.store_id or m.EVERY_STORE)


def _barcode_change(b: m.Barcode) -> Changed:
    return Changed("barcode", b.id, _barcode_data(b), b.version)


def product_changes(
    product: m.Product, barcodes: Iterable[m.Barcode], prices: Iterable[m.Price]
) -> list[Changed]:
    """A product's change followed by its barcodes' and prices' (dependants after it)."""
    changes = [Changed("product", product.id, _product_data(product), product.version)]
    changes += [_barcode_change(b) for b in sorted(barcodes, key=lambda b: b.code)]
    changes += [_price_change(p) for p in sorted(prices, key=lambda p: p.effective_from)]
    return changes


# ----------------------------------------------------------------------------- views
def _barcode_view(b: m.Barcode) -> BarcodeView:
    return BarcodeView(id=b.id, code=b.code, quantity=b.quantity, version=b.version)


def _price_view(p: m.Price) -> PriceView:
    return PriceView(
        id=p.id,
        store_id=p.store_id,
        price_paise=p.price_paise,
        mrp_paise=p.mrp_paise,
        effective_from=p.effective_from,
        effective_to=p.effective_to,
        version=p.version,
    )


def _product_view(
    p: m.Product, barcodes: Sequence[m.Barcode], prices: Sequence[m.Price]
) -> ProductView:
    return ProductView(
        id=p.id,
        sku=p.sku,
        name=p.name,
        hsn=p.hsn_code,
        unit=p.unit,
        price_includes_tax=p.price_includes_tax,
        mrp_paise=p.mrp_paise,
        active=p.active,
        version=p.version,
        updated_at=p.updated_at,
        barcodes=[_barcode_view(b) for b in sorted(barcodes, key=lambda b: b.code)],
        prices=[
            _price_view(x)
            for x in sorted(prices, key=lambda x: (x.effective_from, x.id), reverse=True)
        ],
    )


async def _children(
    session: AsyncSession, company_id: uuid.UUID, product_ids: Sequence[uuid.UUID]
) -> tuple[dict[uuid.UUID, list[m.Barcode]], dict[uuid.UUID, list[m.Price]]]:
    barcodes: dict[uuid.UUID, list[m.Barcode]] = {i: [] for i in product_ids}
    prices: dict[uuid.UUID, list[m.Price]] = {i: [] for i in product_ids}
    if product_ids:
        for b in await session.scalars(
            select(m.Barcode).where(
                m.Barcode.company_id == company_id, m.Barcode.product_id.in_(product_ids)
            )
        ):
            barcodes[b.product_id].append(b)
        for p in await session.scalars(
            select(m.Price).where(
                m.Price.company_id == company_id, m.Price.product_id.in_(product_ids)
            )
        ):
            prices[p.product_id].append(p)
    return barcodes, prices


async def _product(
    session: AsyncSession, company_id: uuid.UUID, product_id: uuid.UUID, *, lock: bool
) -> m.Product:
    product = await session.get(m.Product, (company_id, product_id), with_for_update=lock)
    if product is None:
        raise NotFound(f"no product {product_id}")
    return product


async def _view_of(session: AsyncSession, company_id: uuid.UUID, product: m.Product) -> ProductView:
    await session.flush()
    barcodes, prices = await _children(session, company_id, [product.id])
    return _product_view(product, barcodes[product.id], prices[product.id])


async def _record_product(
    session: AsyncSession, company_id: uuid.UUID, product: m.Product, at: datetime
) -> None:
    await session.flush()
    barcodes, prices = await _children(session, company_id, [product.id])
    await record_changes(
        session, company_id, product_changes(product, barcodes[product.id], prices[product.id]), at
    )


# ----------------------------------------------------------------------------- reading
def _page_token(sku: str) -> str:
    return base64.urlsafe_b64encode(sku.encode()).decode().rstrip("=")


def _after_sku(token: str) -> str:
    try:
        sku = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput("after is not a page token this server issued", field="after") from exc
    if not sku:
        raise InvalidInput("after is not a page token this server issued", field="after")
    return sku


async def list_products(
    ctx: AppContext,
    actor: Principal,
    *,
    after: str | None = None,
    limit: int = 100,
    query: str | None = None,
    active: bool | None = None,
) -> ProductPage:
    """One page of the company's products in SKU order (admins and store managers).

    Args:
        ctx: the services context.
        actor: the caller.
        after: the ``next`` token of the previous page.
        limit: 1 to :data:`MAX_PAGE` products.
        query: only products whose SKU or name contains this (case-insensitive).
        active: only active (``True``) or inactive (``False``) products.

    Raises:
        InvalidInput: a bad ``limit`` or ``after`` token, naming it.
    """
    company_id = actor.require_staff_reader()
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit is 1 to {MAX_PAGE}, got {limit}", field="limit")
    statement = select(m.Product).where(m.Product.company_id == company_id)
    if after is not None:
        statement = statement.where(m.Product.sku > _after_sku(after))
    if query:
        if len(query) > 200:
            raise InvalidInput("q is at most 200 characters", field="q")
        pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        statement = statement.where(
            or_(m.Product.sku.ilike(pattern), m.Product.name.ilike(pattern))
        )
    if active is not None:
        statement = statement.where(m.Product.active.is_(active))
    async with ctx.db.tenant(company_id) as session:
        rows = list(await session.scalars(statement.order_by(m.Product.sku).limit(limit + 1)))
        more = len(rows) > limit
        rows = rows[:limit]
        barcodes, prices = await _children(session, company_id, [p.id for p in rows])
        items = [_product_view(p, barcodes[p.id], prices[p.id]) for p in rows]
    return ProductPage(items=items, next=_page_token(rows[-1].sku) if more else None)


async def get_product(ctx: AppContext, actor: Principal, product_id: uuid.UUID) -> ProductView:
    """One product with its barcodes and prices (admins and store managers)."""
    company_id = actor.require_staff_reader()
    async with ctx.db.tenant(company_id) as session:
        product = await _product(session, company_id, product_id, lock=False)
        return await _view_of(session, company_id, product)


# ----------------------------------------------------------------------------- products
async def _check_barcodes_free(
    session: AsyncSession, company_id: uuid.UUID, codes: dict[str, str]
) -> None:
    """Refuse codes (code -> field) that already belong to a product."""
    if not codes:
        return
    taken = (
        await session.execute(
            select(m.Barcode.code, m.Product.sku)
            .join(
                m.Product,
                (m.Product.company_id == m.Barcode.company_id)
                & (m.Product.id == m.Barcode.product_id),
            )
            .where(m.Barcode.company_id == company_id, m.Barcode.code.in_(list(codes)))
        )
    ).first()
    if taken is not None:
        raise Conflict(
            f"barcode {taken.code} already belongs to product {taken.sku}; remove it there first",
            field=codes[taken.code],
        )


async def create_product(ctx: AppContext, actor: Principal, body: ProductCreate) -> ProductView:
    """Add a product, with its barcodes and first company-wide price if given (admins).

    Raises:
        InvalidInput: a bad barcode or quantity, naming the field.
        Conflict: the SKU is taken, or a barcode belongs to another product.
    """
    company_id = actor.require_admin()
    codes: dict[str, str] = {}
    quantities: dict[str, Decimal] = {}
    for index, barcode in enumerate(body.barcodes):
        field = f"barcodes[{index}].code"
        code = canonical_barcode(barcode.code, field)
        if code in codes:
            raise InvalidInput(f"barcode {code} is given twice", field=field)
        codes[code] = field
        quantities[code] = check_quantity(barcode.quantity, f"barcodes[{index}].quantity")
    now = ctx.clock()
    async with ctx.db.tenant(company_id) as session:
        if await session.scalar(
            select(m.Product.id).where(
                m.Product.company_id == company_id, m.Product.sku == body.sku
            )
        ):
            raise Conflict(f"a product with SKU {body.sku!r} exists", field="sku")
        await _check_barcodes_free(session, company_id, codes)
        product = m.Product(
            company_id=company_id,
            id=new_id(),
            sku=body.sku,
            name=body.name.strip() or body.name,
            hsn_code=body.hsn,
            unit=body.unit,
            price_includes_tax=body.price_includes_tax,
            mrp_paise=body.mrp_paise,
            active=True,
            version=1,
            updated_at=now,
        )
        session.add(product)
        await session.flush()
        session.add_all(
            m.Barcode(
                company_id=company_id,
                code=code,
                product_id=product.id,
                id=new_id(),
                quantity=quantities[code],
                version=1,
            )
            for code in codes
        )
        if body.price_paise is not None:
            session.add(
                m.Price(
                    company_id=company_id,
                    id=new_id(),
                    product_id=product.id,
                    store_id=None,
                    mrp_paise=body.mrp_paise if body.mrp_paise is not None else body.price_paise,
                    price_paise=body.price_paise,
                    effective_from=now,
                    effective_to=None,
                    version=1,
                )
            )
        await _record_product(session, company_id, product, now)
        return await _view_of(session, company_id, product)


async def update_product(
    ctx: AppContext, actor: Principal, product_id: uuid.UUID, body: ProductUpdate
) -> ProductView:
    """Change a product; ``active: false`` deactivates it (tills stop selling it) (admins)."""
    company_id = actor.require_admin()
    now = ctx.clock()
    async with ctx.db.tenant(company_id) as session:
        product = await _product(session, company_id, product_id, lock=True)
        changed = False
        for name, column in (
            ("name", "name"),
            ("hsn", "hsn_code"),
            ("unit", "unit"),
            ("price_includes_tax", "price_includes_tax"),
            ("mrp_paise", "mrp_paise"),
            ("active", "active"),
        ):
            value = getattr(body, name)
            if value is not msgspec.UNSET and getattr(product, column) != value:
                setattr(product, column, value)
                changed = True
        if changed:
            product.version += 1
            product.updated_at = now
            await session.flush()
            changes = [Changed("product", product.id, _product_data(product), product.version)]
            await record_changes(session, company_id, changes, now)
        return await _view_of(session, company_id, product)


async def delete_product(ctx: AppContext, actor: Principal, product_id: uuid.UUID) -> None:
    """Delete a product with its barcodes and prices; tills get tombstones (admins).

    Raises:
        NotFound: no such product.
        Conflict: it has stock or sales history; deactivate it instead.
    """
    company_id = actor.require_admin()
    now = ctx.clock()
    try:
        async with ctx.db.tenant(company_id) as session:
            product = await _product(session, company_id, product_id, lock=True)
            barcodes, prices = await _children(session, company_id, [product.id])
            tombstones = [
                Changed("barcode", b.id, None, b.version + 1) for b in barcodes[product.id]
            ]
            tombstones += [_price_tombstone(p) for p in prices[product.id]]
            tombstones.append(Changed("product", product.id, None, product.version + 1))
            for row in [*barcodes[product.id], *prices[product.id]]:
                await session.delete(row)
            await session.flush()
            await session.delete(product)
            await session.flush()
            await record_changes(session, company_id, tombstones, now)
    except IntegrityError as exc:
        raise Conflict(
            "the product has stock or sales history and cannot be deleted; deactivate it "
            "instead (PATCH active: false)",
            field="product_id",
        ) from exc


# ----------------------------------------------------------------------------- barcodes
async def add_barcode(
    ctx: AppContext, actor: Principal, product_id: uuid.UUID, body: BarcodeCreate
) -> BarcodeView:
    """Give a product another barcode (admins).

    Raises:
        InvalidInput: a bad code (check digit, characters) or quantity, naming the field.
        NotFound: no such product.
        Conflict: the code belongs to a product already.
    """
    company_id = actor.require_admin()
    code = canonical_barcode(body.code, "code")
    quantity = check_quantity(body.quantity, "quantity")
    now = ctx.clock()
    async with ctx.db.tenant(company_id) as session:
        await _product(session, company_id, product_id, lock=True)
        await _check_barcodes_free(session, company_id, {code: "code"})
        barcode = m.Barcode(
            company_id=company_id,
            code=code,
            product_id=product_id,
            id=new_id(),
            quantity=quantity,
            version=1,
        )
        session.add(barcode)
        await session.flush()
        await record_changes(session, company_id, [_barcode_change(barcode)], now)
        return _barcode_view(barcode)


async def remove_barcode(
    ctx: AppContext, actor: Principal, product_id: uuid.UUID, code: str
) -> None:
    """Take a barcode off a product; tills get its tombstone (admins).

    Raises:
        NotFound: the product has no such barcode.
    """
    company_id = actor.require_admin()
    now = ctx.clock()
    async with ctx.db.tenant(company_id) as session:
        await _product(session, company_id, product_id, lock=True)
        barcode = await session.get(m.Barcode, (company_id, code.strip()), with_for_update=True)
        if barcode is None and code.strip().isdigit():
            try:  # the canonical form of a UPC-A or GTIN-14 as typed
                barcode = await session.get(m.Barcode, (company_id, normalize_gtin(code)))
            except BarcodeError:
                barcode = None
        if barcode is None or barcode.product_id != product_id:
            raise NotFound(f"product {product_id} has no barcode {code[:40]}", field="code")
        await session.delete(barcode)
        await session.flush()
        await record_changes(
            session, company_id, [Changed("barcode", barcode.id, None, barcode.version + 1)], now
        )


# ----------------------------------------------------------------------------- prices
async def _scope_prices(
    session: AsyncSession, company_id: uuid.UUID, product_id: uuid.UUID, store_id: uuid.UUID | None
) -> list[m.Price]:
    scope = m.Price.store_id.is_(None) if store_id is None else m.Price.store_id == store_id
    return list(
        await session.scalars(
            select(m.Price)
            .where(m.Price.company_id == company_id, m.Price.product_id == product_id, scope)
            .order_by(m.Price.effective_from)
            .with_for_update()
        )
    )


async def set_price(
    ctx: AppContext, actor: Principal, product_id: uuid.UUID, body: PriceCreate
) -> PriceView:
    """Set a product's price, company-wide or for one store, from a time on (admins).

    Raises:
        InvalidInput: ``effective_from`` is naive or in the past, naming it.
        NotFound: no such product or store.
    """
    company_id = actor.require_admin()
    now = ctx.clock()
    start = now if body.effective_from is None else _aware(body.effective_from, "effective_from")
    if start < now - BACKDATE_TOLERANCE:
        raise InvalidInput(
            "a price cannot start in the past (sales were already made at the old one); "
            "omit effective_from to start now",
            field="effective_from",
        )
    async with ctx.db.tenant(company_id) as session:
        product = await _product(session, company_id, product_id, lock=True)
        if (
            body.store_id is not None
            and await session.get(m.Store, (company_id, body.store_id)) is None
        ):
            raise NotFound(f"no store {body.store_id}", field="store_id")
        changes: list[Changed] = []
        rows = await _scope_prices(session, company_id, product_id, body.store_id)
        for row in rows:
            if row.effective_from == start:  # scheduled for then, or started this instant
                changes.append(_price_tombstone(row))
                await session.delete(row)
        rows = [r for r in rows if r.effective_from != start]
        earlier = [r for r in rows if r.effective_from < start]
        later = [r for r in rows if r.effective_from >= start]
        if earlier:
            previous = earlier[-1]
            if previous.effective_to is None or previous.effective_to > start:
                previous.effective_to = start
                previous.version += 1
                changes.append(_price_change(previous))
        mrp = body.mrp_paise
        if mrp is None:
            mrp = product.mrp_paise if product.mrp_paise is not None else body.price_paise
        price = m.Price(
            company_id=company_id,
            id=new_id(),
            product_id=product_id,
            store_id=body.store_id,
            mrp_paise=mrp,
            price_paise=body.price_paise,
            effective_from=start,
            effective_to=later[0].effective_from if later else None,
            version=1,
        )
        session.add(price)
        await session.flush()
        changes.append(_price_change(price))
        await record_changes(session, company_id, changes, now)
        return _price_view(price)


async def delete_price(
    ctx: AppContext, actor: Principal, product_id: uuid.UUID, price_id: uuid.UUID
) -> None:
    """Cancel a scheduled price that has not started; the price before it runs on (admins).

    Raises:
        NotFound: the product has no such price.
        Conflict: the price has started (it is history now: set a new price instead).
    """
    company_id = actor.require_admin()
    now = ctx.clock()
    async with ctx.db.tenant(company_id) as session:
        await _product(session, company_id, product_id, lock=True)
        price = await session.get(m.Price, (company_id, price_id), with_for_update=True)
        if price is None or price.product_id != product_id:
            raise NotFound(f"product {product_id} has no price {price_id}", field="price_id")
        if price.effective_from <= now:
            raise Conflict(
                "this price has started and sales may cite it; set a new price instead",
                field="price_id",
            )
        rows = await _scope_prices(session, company_id, product_id, price.store_id)
        changes = [_price_tombstone(price)]
        earlier = [r for r in rows if r.effective_from < price.effective_from]
        if earlier and earlier[-1].effective_to == price.effective_from:
            earlier[-1].effective_to = price.effective_to
            earlier[-1].version += 1
            changes.append(_price_change(earlier[-1]))
        await session.delete(price)
        await session.flush()
        await record_changes(session, company_id, changes, now)


# ----------------------------------------------------------------------------- GST rates
def _gst_view(r: m.GstRate) -> GstRateView:
    return GstRateView(
        id=r.id,
        hsn=r.hsn_prefix,
        rate=r.rate,
        cess=r.cess,
        effective_from=r.effective_from,
        effective_to=r.effective_to,
        description=r.description,
    )


def _gst_change(r: m.GstRate) -> Changed:
    data = GstRateData(
        hsn=r.hsn_prefix,
        rate=r.rate,
        cess_rate=r.cess,
        effective_from=r.effective_from,
        effective_to=r.effective_to,
    )
    return Changed("gst_rate", r.id, data)


async def _add_gst_rates(
    session: AsyncSession, bodies: Sequence[GstRateCreate], at: datetime
) -> list[m.GstRate]:
    """Insert rates in order, closing the open rate of the same HSN each one follows."""
    added: list[m.GstRate] = []
    changes: list[Changed] = []
    for index, body in enumerate(bodies):
        prefix = f"[{index}]." if len(bodies) > 1 else ""
        rate = _check_rate(body.rate, f"{prefix}rate", 100)
        cess = _check_rate(body.cess, f"{prefix}cess", 999)
        if body.effective_to is not None and body.effective_to < body.effective_from:
            raise InvalidInput(
                "effective_to is before effective_from", field=f"{prefix}effective_to"
            )
        await session.flush()
        rows = list(
            await session.scalars(
                select(m.GstRate)
                .where(m.GstRate.hsn_prefix == body.hsn)
                .order_by(m.GstRate.effective_from)
                .with_for_update()
            )
        )
        if any(r.effective_from == body.effective_from for r in rows):
            raise Conflict(
                f"HSN {body.hsn} already has a rate from {body.effective_from}",
                field=f"{prefix}effective_from",
            )
        earlier = [r for r in rows if r.effective_from < body.effective_from]
        later = [r for r in rows if r.effective_from > body.effective_from]
        if earlier and (
            earlier[-1].effective_to is None or earlier[-1].effective_to >= body.effective_from
        ):
            earlier[-1].effective_to = body.effective_from - timedelta(days=1)
            changes.append(_gst_change(earlier[-1]))
        end = body.effective_to
        if end is None and later:
            end = later[0].effective_from - timedelta(days=1)
        row = m.GstRate(
            id=new_id(),
            hsn_prefix=body.hsn,
            rate=rate,
            cess=cess,
            effective_from=body.effective_from,
            effective_to=end,
            description=body.description,
        )
        session.add(row)
        added.append(row)
        changes.append(_gst_change(row))
    await session.flush()
    await record_global_changes(session, changes, at)
    return added


async def create_gst_rate(ctx: AppContext, actor: Principal, body: GstRateCreate) -> GstRateView:
    """Add a GST rate for an HSN code from a day on (platform admins); all tills receive it.

    Raises:
        InvalidInput: a rate out of range, naming the field.
        Conflict: the HSN code already has a rate from that day.
    """
    actor.require_platform_admin()
    async with ctx.db.platform() as session:
        return _gst_view((await _add_gst_rates(session, [body], ctx.clock()))[0])


async def load_gst_rates(ctx: AppContext, bodies: Sequence[GstRateCreate]) -> int:
    """Add GST rates that are not there yet (the CLI's seeding); returns how many were added."""
    async with ctx.db.platform() as session:
        existing = {
            (r.hsn_prefix, r.effective_from)
            for r in await session.execute(select(m.GstRate.hsn_prefix, m.GstRate.effective_from))
        }
        fresh = [b for b in bodies if (b.hsn, b.effective_from) not in existing]
        fresh.sort(key=lambda b: (b.hsn, b.effective_from))
        return len(await _add_gst_rates(session, fresh, ctx.clock()))


async def list_gst_rates(
    ctx: AppContext, actor: Principal, *, on: date | None = None
) -> list[GstRateView]:
    """Every GST rate (or those in effect ``on`` a day), by HSN (staff and platform admins)."""
    statement = select(m.GstRate).order_by(m.GstRate.hsn_prefix, m.GstRate.effective_from)
    if on is not None:
        statement = statement.where(
            m.GstRate.effective_from <= on,
            or_(m.GstRate.effective_to.is_(None), m.GstRate.effective_to >= on),
        )
    if actor.platform_admin:
        async with ctx.db.platform() as session:
            return [_gst_view(r) for r in await session.scalars(statement)]
    company_id = actor.require_staff_reader()
    async with ctx.db.tenant(company_id) as session:
        return [_gst_view(r) for r in await session.scalars(statement)]
