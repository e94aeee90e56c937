"""CSV import of products with their barcodes and company-wide prices: all of it, or nothing.

The file has a header row naming its columns, in any order::

    sku,name,hsn,unit,price_includes_tax,mrp_paise,price_paise,barcodes
    RICE-1,Basmati Rice 1kg,1006,pcs,yes,12000,11500,8901234000014 8901234000021

``sku``, ``name`` and ``hsn`` are required; ``unit`` defaults to ``pcs``,
``price_includes_tax`` to yes; ``barcodes`` holds codes separated by spaces or ``|``;
``price_paise`` (integer paise) sets the company-wide price from now when it differs from the
current one. A row whose SKU exists updates that product; its barcodes are added (none is
taken away). Every row is checked before anything is written, and every problem is reported
with its line number (the header is line 1); a file with any problem changes nothing.

:func:`parse_catalog_csv` is pure; :func:`import_catalog` writes in one transaction, with
set-based statements, and records every change in the feed as its last step.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.protocol import MAX_PAISE, BarcodeData, PriceData, ProductData
from sync_server.db.models import EVERY_STORE
from sync_server.domain.catalog.schemas import ImportResult
from sync_server.domain.catalog.services import canonical_barcode
from sync_server.domain.changes.services import Changed, record_changes
from sync_server.lib.context import AppContext
from sync_server.lib.errors import Conflict, InvalidInput
from sync_server.lib.ids import new_id
from sync_server.lib.principal import Principal

__all__ = (
    "MAX_IMPORT_ERRORS",
    "CatalogRow",
    "LineError",
    "import_catalog",
    "parse_catalog_csv",
    "write_catalog",
)

MAX_IMPORT_ERRORS = 100
"""The most problems one answer lists (the count is always complete)."""

_REQUIRED = ("sku", "name", "hsn")
_KNOWN = frozenset(
    {"sku", "name", "hsn", "unit", "price_includes_tax", "mrp_paise", "price_paise", "barcodes"}
)
_SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$")
_HSN = re.compile(r"^[0-9]{4}(?:[0-9]{2}){0,2}$")
_UNITS = frozenset({"pcs", "kg", "g", "l", "ml", "m"})
_YES = {
    "yes": True,
    "y": True,
    "true": True,
    "1": True,
    "no": False,
    "n": False,
    "false": False,
    "0": False,
}
_PAISE = re.compile(r"^[0-9]{1,14}$")


@dataclass(frozen=True, slots=True)
class LineError:
    """One problem of an import file.

    Attributes:
        line: the file's line number (the header is line 1).
        field: the column at fault, if one is.
        message: what is wrong.
    """

    line: int
    field: str | None
    message: str


@dataclass(frozen=True, slots=True)
class CatalogRow:
    """One valid row of an import file."""

    line: int
    sku: str
    name: str
    hsn: str
    unit: str
    price_includes_tax: bool
    mrp_paise: int | None
    price_paise: int | None
    barcodes: tuple[str, ...] = field(default=())


def _paise(value: str, line: int, column: str, errors: list[LineError]) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not _PAISE.match(value) or int(value) > MAX_PAISE:
        errors.append(
            LineError(line, column, f"{column} is whole paise (Rs 12.50 is 1250), got {value!r}")
        )
        return None
    return int(value)


def parse_catalog_csv(data: str) -> tuple[list[CatalogRow], list[LineError]]:
    """Read and check an import file, without touching the database.

    Args:
        data: the CSV text.

    Returns:
        The valid rows, and every problem found (the rows are not to be used if any).
    """
    errors: list[LineError] = []
    reader = csv.reader(io.StringIO(data, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        return [], [LineError(1, None, "the file is empty; it needs a header row")]
    except csv.Error as exc:
        return [], [LineError(1, None, f"the header is not valid CSV: {exc}")]
    unknown = [h for h in header if h not in _KNOWN]
    if unknown:
        errors.append(
            LineError(
                1, unknown[0], f"unknown column {unknown[0]!r}; known: {', '.join(sorted(_KNOWN))}"
            )
        )
    for name in _REQUIRED:
        if name not in header:
            errors.append(LineError(1, name, f"the header lacks the required column {name!r}"))
    if len(set(header)) != len(header):
        errors.append(LineError(1, None, "a column is named twice in the header"))
    if errors:
        return [], errors
    rows: list[CatalogRow] = []
    skus: dict[str, int] = {}
    codes: dict[str, int] = {}
    line = 1
    try:
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(header):
                errors.append(
                    LineError(line, None, f"{len(record)} cells, but the header has {len(header)}")
                )
                continue
            cells = dict(zip(header, record, strict=True))
            before = len(errors)
            sku = cells["sku"].strip()
            if not _SKU.match(sku):
                errors.append(
                    LineError(line, "sku", f"sku {sku[:50]!r}: up to 40 of A-Z a-z 0-9 . _ / -")
                )
            elif sku in skus:
                errors.append(LineError(line, "sku", f"sku {sku} is also on line {skus[sku]}"))
            else:
                skus[sku] = line
            name = cells["name"].strip()
            if not 1 <= len(name) <= 200:
                errors.append(LineError(line, "name", "name is 1 to 200 characters"))
            hsn = cells["hsn"].strip()
            if not _HSN.match(hsn):
                errors.append(LineError(line, "hsn", f"hsn {hsn[:20]!r} is not 4, 6 or 8 digits"))
            unit = (cells.get("unit") or "pcs").strip() or "pcs"
            if unit not in _UNITS:
                errors.append(
                    LineError(
                        line, "unit", f"unit {unit[:20]!r}: one of {', '.join(sorted(_UNITS))}"
                    )
                )
            flag = (cells.get("price_includes_tax") or "yes").strip().lower() or "yes"
            if flag not in _YES:
                errors.append(
                    LineError(
                        line, "price_includes_tax", f"price_includes_tax {flag[:20]!r}: yes or no"
                    )
                )
            mrp = _paise(cells.get("mrp_paise", ""), line, "mrp_paise", errors)
            price = _paise(cells.get("price_paise", ""), line, "price_paise", errors)
            barcodes = []
            for raw in re.split(r"[\s|]+", cells.get("barcodes", "").strip()):
                if not raw:
                    continue
                try:
                    code = canonical_barcode(raw, "barcodes")
                except InvalidInput as exc:
                    errors.append(LineError(line, "barcodes", exc.detail))
                    continue
                if code in codes:
                    errors.append(
                        LineError(line, "barcodes", f"barcode {code} is also on line {codes[code]}")
                    )
                    continue
                codes[code] = line
                barcodes.append(code)
            if len(errors) == before:
                rows.append(
                    CatalogRow(
                        line=line,
                        sku=sku,
                        name=name,
                        hsn=hsn,
                        unit=unit,
                        price_includes_tax=_YES[flag],
                        mrp_paise=mrp,
                        price_paise=price,
                        barcodes=tuple(barcodes),
                    )
                )
    except csv.Error as exc:
        errors.append(LineError(reader.line_num or line, None, f"not valid CSV: {exc}"))
    if not rows and not errors:
        errors.append(LineError(2, None, "the file has a header but no products"))
    return rows, errors


def _refuse(errors: Sequence[LineError]) -> InvalidInput:
    first = errors[0]
    return InvalidInput(
        f"{len(errors)} problem(s) in the file, nothing was imported; line {first.line}: "
        f"{first.message}",
        field="file",
        errors=[
            {"line": e.line, "field": e.field, "message": e.message}
            for e in errors[:MAX_IMPORT_ERRORS]
        ],
        error_count=len(errors),
    )


async def write_catalog(
    session: AsyncSession, company_id: uuid.UUID, rows: Sequence[CatalogRow], now: datetime
) -> ImportResult:
    """Write checked rows in the caller's tenant transaction, set-based; record the changes.

    Raises:
        InvalidInput: a barcode belongs to a product the file does not name (with lines).
    """
    skus = [r.sku for r in rows]
    existing = {
        r.sku: r
        for r in await session.execute(
            text(
                "SELECT id, sku, name, hsn_code, unit, price_includes_tax, mrp_paise, active, "
                "version FROM products WHERE company_id = :c AND sku = ANY(CAST(:skus AS text[])) "
                "ORDER BY id FOR UPDATE"
            ),
            {"c": company_id, "skus": skus},
        )
    }
    ids = {r.sku: (existing[r.sku].id if r.sku in existing else new_id()) for r in rows}
    all_codes = [c for r in rows for c in r.barcodes]
    owners = {
        r.code: r.product_id
        for r in await session.execute(
            text(
                "SELECT code, product_id FROM barcodes "
                "WHERE company_id = :c AND code = ANY(CAST(:codes AS text[]))"
            ),
            {"c": company_id, "codes": all_codes},
        )
    }
    errors = [
        LineError(r.line, "barcodes", f"barcode {code} already belongs to another product")
        for r in rows
        for code in r.barcodes
        if code in owners and owners[code] != ids[r.sku]
    ]
    if errors:
        raise _refuse(errors)
    current = {
        r.product_id: r
        for r in await session.execute(
            text(
                "SELECT DISTINCT ON (product_id) id, product_id, price_paise, mrp_paise, "
                "effective_from, version FROM prices "
                "WHERE company_id = :c AND store_id IS NULL "
                "AND product_id = ANY(CAST(:ids AS uuid[])) "
                "AND effective_from <= :now AND (effective_to IS NULL OR effective_to > :now) "
                "ORDER BY product_id, effective_from DESC"
            ),
            {"c": company_id, "ids": [existing[s].id for s in skus if s in existing], "now": now},
        )
    }
    changes: list[Changed] = []
    new_products, updated = [], []
    for r in rows:
        old = existing.get(r.sku)
        if old is None:
            version = 1
            new_products.append((ids[r.sku], r))
        else:
            same = (old.name, old.hsn_code, old.unit, old.price_includes_tax, old.mrp_paise) == (
                r.name,
                r.hsn,
                r.unit,
                r.price_includes_tax,
                r.mrp_paise if r.mrp_paise is not None else old.mrp_paise,
            )
            if same:
                continue
            version = old.version + 1
            updated.append((ids[r.sku], r, version))
        data = ProductData(
            code=r.sku,
            name=r.name,
            hsn=r.hsn,
            unit=r.unit,  # type: ignore[arg-type]
            price_includes_tax=r.price_includes_tax,
            mrp_paise=r.mrp_paise if old is None or r.mrp_paise is not None else old.mrp_paise,
            active=True if old is None else old.active,
        )
        changes.append(Changed("product", ids[r.sku], data, version))
    if new_products:
        await session.execute(
            text(
                "INSERT INTO products (company_id, id, sku, name, hsn_code, unit, "
                "price_includes_tax, active, version, updated_at, mrp_paise) "
                "SELECT :c, i, s, n, h, u, t, true, 1, :now, mrp FROM unnest("
                "CAST(:ids AS uuid[]), CAST(:skus AS text[]), CAST(:names AS text[]), "
                "CAST(:hsns AS text[]), CAST(:units AS text[]), CAST(:tax AS boolean[]), "
                "CAST(:mrps AS bigint[])) AS x(i, s, n, h, u, t, mrp)"
            ),
            {
                "c": company_id,
                "now": now,
                "ids": [i for i, _ in new_products],
                "skus": [r.sku for _, r in new_products],
                "names": [r.name for _, r in new_products],
                "hsns": [r.hsn for _, r in new_products],
                "units": [r.unit for _, r in new_products],
                "tax": [r.price_includes_tax for _, r in new_products],
                "mrps": [r.mrp_paise for _, r in new_products],
            },
        )
    if updated:
        await session.execute(
            text(
                "UPDATE products p SET name = x.n, hsn_code = x.h, unit = x.u, "
                "price_includes_tax = x.t, mrp_paise = COALESCE(x.mrp, p.mrp_paise), "
                "version = x.v, updated_at = :now FROM unnest("
                "CAST(:ids AS uuid[]), CAST(:names AS text[]), CAST(:hsns AS text[]), "
                "CAST(:units AS text[]), CAST(:tax AS boolean[]), CAST(:mrps AS bigint[]), "
                "CAST(:versions AS integer[])) AS x(i, n, h, u, t, mrp, v) "
                "WHERE p.company_id = :c AND p.id = x.i"
            ),
            {
                "c": company_id,
                "now": now,
                "ids": [i for i, _, _ in updated],
                "names": [r.name for _, r, _ in updated],
                "hsns": [r.hsn for _, r, _ in updated],
                "units": [r.unit for _, r, _ in updated],
                "tax": [r.price_includes_tax for _, r, _ in updated],
                "mrps": [r.mrp_paise for _, r, _ in updated],
                "versions": [v for _, _, v in updated],
            },
        )
    fresh_codes = [(code, ids[r.sku]) for r in rows for code in r.barcodes if code not in owners]
    barcode_ids = [new_id() for _ in fresh_codes]
    if fresh_codes:
        await session.execute(
            text(
                "INSERT INTO barcodes (company_id, code, product_id, id, quantity, version) "
                "SELECT :c, code, pid, i, 1, 1 FROM unnest(CAST(:codes AS text[]), "
                "CAST(:pids AS uuid[]), CAST(:ids AS uuid[])) AS x(code, pid, i)"
            ),
            {
                "c": company_id,
                "codes": [c for c, _ in fresh_codes],
                "pids": [p for _, p in fresh_codes],
                "ids": barcode_ids,
            },
        )
    for (code, pid), bid in zip(fresh_codes, barcode_ids, strict=True):
        changes.append(Changed("barcode", bid, BarcodeData(product_id=pid, code=code), 1))
    closing, opening, replaced = [], [], []
    for r in rows:
        if r.price_paise is None:
            continue
        pid = ids[r.sku]
        old_price = current.get(pid)
        if old_price is not None and old_price.price_paise == r.price_paise:
            continue
        mrp = (
            r.mrp_paise
            if r.mrp_paise is not None
            else (
                existing[r.sku].mrp_paise
                if r.sku in existing and existing[r.sku].mrp_paise is not None
                else r.price_paise
            )
        )
        if old_price is not None and old_price.effective_from == now:
            replaced.append(old_price)  # set this very instant: replaced, not closed
        elif old_price is not None:
            closing.append(old_price)
        opening.append((new_id(), pid, r.price_paise, mrp))
    if closing:
        await session.execute(
            text(
                "UPDATE prices SET effective_to = :now, version = version + 1 "
                "WHERE company_id = :c AND id = ANY(CAST(:ids AS uuid[]))"
            ),
            {"c": company_id, "now": now, "ids": [p.id for p in closing]},
        )
        for p in closing:
            closed = PriceData(
                product_id=p.product_id,
                unit_price_paise=p.price_paise,
                effective_from=p.effective_from,
                effective_until=now,
            )
            changes.append(Changed("price", p.id, closed, p.version + 1, scope=EVERY_STORE))
    if replaced:
        await session.execute(
            text("DELETE FROM prices WHERE company_id = :c AND id = ANY(CAST(:ids AS uuid[]))"),
            {"c": company_id, "ids": [p.id for p in replaced]},
        )
        for p in replaced:
            changes.append(Changed("price", p.id, None, p.version + 1))
    if opening:
        await session.execute(
            text(
                "INSERT INTO prices (company_id, id, product_id, store_id, mrp_paise, price_paise, "
                "effective_from, effective_to, version) SELECT :c, i, pid, NULL, mrp, pr, :now, "
                "NULL, 1 FROM unnest(CAST(:ids AS uuid[]), CAST(:pids AS uuid[]), "
                "CAST(:prices AS bigint[]), CAST(:mrps AS bigint[])) AS x(i, pid, pr, mrp)"
            ),
            {
                "c": company_id,
                "now": now,
                "ids": [o[0] for o in opening],
                "pids": [o[1] for o in opening],
                "prices": [o[2] for o in opening],
                "mrps": [o[3] for o in opening],
            },
        )
        for price_id, pid, paise, _ in opening:
            opened = PriceData(product_id=pid, unit_price_paise=paise, effective_from=now)
            changes.append(Changed("price", price_id, opened, 1))
    await record_changes(session, company_id, changes, now)
    return ImportResult(
        products_created=len(new_products),
        products_updated=len(updated),
        barcodes_added=len(fresh_codes),
        prices_set=len(opening),
    )


async def import_catalog(ctx: AppContext, actor: Principal, data: str) -> ImportResult:
    """Import a CSV file of products, barcodes and prices, all or nothing (company admins).

    Raises:
        InvalidInput: the file has problems; ``errors`` lists them with line numbers and
            nothing was written.
    """
    company_id = actor.require_admin()
    rows, errors = parse_catalog_csv(data)
    if errors:
        raise _refuse(errors)
    async with ctx.db.tenant(company_id) as session:
        # one import at a time per company, so two files cannot both claim a new SKU's id
        await session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"),
            {"k": f"catalog-import:{company_id}"},
        )
        try:
            return await write_catalog(session, company_id, rows, ctx.clock())
        except IntegrityError as exc:  # a SKU or barcode added meanwhile by another request
            raise Conflict(
                "a product or barcode in the file was added by someone else meanwhile; "
                "nothing was imported, try again",
                field="file",
            ) from exc
