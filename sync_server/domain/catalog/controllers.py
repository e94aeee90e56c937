"""HTTP routes of the catalog area: products, barcodes, prices and GST rates.

Bodies are decoded strictly here rather than by Litestar's lenient conversion, which would
take ``"1250"`` or ``12.0`` as 1250 paise: money is integer paise, and anything else is a
400 naming the field.
"""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Annotated, Any, TypeVar

import msgspec
from litestar import Controller, Request, delete, get, patch, post
from litestar.params import FromPath, FromQuery, QueryParameter

from sync_server.domain.catalog import imports, services
from sync_server.domain.catalog.schemas import (
    BarcodeCreate,
    BarcodeView,
    GstRateCreate,
    GstRateView,
    ImportResult,
    PriceCreate,
    PriceView,
    ProductCreate,
    ProductPage,
    ProductUpdate,
    ProductView,
)
from sync_server.lib.errors import InvalidInput
from sync_server.lib.web import Actor, Ctx

__all__ = ("MAX_IMPORT_BYTES", "CatalogController", "strict_body")

MAX_IMPORT_BYTES = 16 * 1024 * 1024
"""The largest CSV file one import takes (about 150,000 products)."""

T = TypeVar("T")
_LOCATED = re.compile(r"^(?P<detail>.*) - at `\$(?P<path>[^`]*)`$", re.DOTALL)
_NAMED = re.compile(r"(?:unknown|missing required) field `([^`]+)`")


def _field(path: str, detail: str) -> str | None:
    field = path.lstrip(".")
    named = _NAMED.search(detail)
    if named:
        field = f"{field}.{named.group(1)}" if field else named.group(1)
    return field or None


async def strict_body(request: Request[Any, Any, Any], type_: type[T]) -> T:
    """Decode the request's JSON body as ``type_``, strictly (no coercion of strings or floats).

    Raises:
        InvalidInput: no body, malformed JSON, or a field that breaks its type; ``field``
            names the field (``barcodes[0].code``).
    """
    raw = await request.body()
    if not raw.strip():
        raise InvalidInput("a JSON request body is required")
    try:
        return msgspec.json.decode(raw, type=type_, strict=True)
    except msgspec.ValidationError as exc:
        message = str(exc)
        match = _LOCATED.match(message)
        detail, path = (match["detail"], match["path"]) if match else (message, "")
        field = _field(path, detail)
        if field and field.endswith("_paise") and "Expected `int" in detail:
            detail = f"money is integer paise (Rs 12.50 is 1250): {detail}"
        where = f"{field}: " if field else ""
        raise InvalidInput(f"{where}{detail}", field=field) from exc
    except msgspec.DecodeError as exc:
        raise InvalidInput(f"the body is not valid JSON: {exc}") from exc


class CatalogController(Controller):
    """The company's catalog (company admins write; admins and store managers read)."""

    path = "/api/v1/catalog"
    tags = ["catalog"]  # noqa: RUF012 - Litestar reads it

    @get("/products", operation_id="ListProducts")
    async def list_products(
        self,
        ctx: Ctx,
        principal: Actor,
        *,
        after: Annotated[str | None, QueryParameter(description="the previous page's next")] = None,
        limit: Annotated[int, QueryParameter(description="1 to 500")] = 100,
        q: Annotated[str | None, QueryParameter(description="SKU or name contains")] = None,
        active: FromQuery[bool | None] = None,
    ) -> ProductPage:
        """Products in SKU order, a page at a time."""
        return await services.list_products(
            ctx, principal, after=after, limit=limit, query=q, active=active
        )

    @post("/products", operation_id="CreateProduct")
    async def create_product(
        self, ctx: Ctx, principal: Actor, request: Request[Any, Any, Any]
    ) -> ProductView:
        """Add a product (with barcodes and a first company-wide price, if given)."""
        principal.require_admin()
        body = await strict_body(request, ProductCreate)
        return await services.create_product(ctx, principal, body)

    @get("/products/{product_id:uuid}", operation_id="GetProduct")
    async def get_product(
        self, ctx: Ctx, principal: Actor, product_id: FromPath[uuid.UUID]
    ) -> ProductView:
        """One product with its barcodes and prices."""
        return await services.get_product(ctx, principal, product_id)

    @patch("/products/{product_id:uuid}", operation_id="UpdateProduct")
    async def update_product(
        self,
        ctx: Ctx,
        principal: Actor,
        product_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
    ) -> ProductView:
        """Change a product (``active: false`` deactivates it)."""
        principal.require_admin()
        body = await strict_body(request, ProductUpdate)
        return await services.update_product(ctx, principal, product_id, body)

    @delete("/products/{product_id:uuid}", operation_id="DeleteProduct")
    async def delete_product(
        self, ctx: Ctx, principal: Actor, product_id: FromPath[uuid.UUID]
    ) -> None:
        """Delete a product without stock or sales history (tills get tombstones)."""
        await services.delete_product(ctx, principal, product_id)

    @post("/products/{product_id:uuid}/barcodes", operation_id="AddBarcode")
    async def add_barcode(
        self,
        ctx: Ctx,
        principal: Actor,
        product_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
    ) -> BarcodeView:
        """Give a product another barcode."""
        principal.require_admin()
        body = await strict_body(request, BarcodeCreate)
        return await services.add_barcode(ctx, principal, product_id, body)

    @delete("/products/{product_id:uuid}/barcodes/{code:str}", operation_id="RemoveBarcode")
    async def remove_barcode(
        self, ctx: Ctx, principal: Actor, product_id: FromPath[uuid.UUID], code: FromPath[str]
    ) -> None:
        """Take a barcode off a product."""
        await services.remove_barcode(ctx, principal, product_id, code)

    @post("/products/{product_id:uuid}/prices", operation_id="SetPrice")
    async def set_price(
        self,
        ctx: Ctx,
        principal: Actor,
        product_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
    ) -> PriceView:
        """Set a price from a time on, company-wide or for one store."""
        principal.require_admin()
        body = await strict_body(request, PriceCreate)
        return await services.set_price(ctx, principal, product_id, body)

    @delete("/products/{product_id:uuid}/prices/{price_id:uuid}", operation_id="DeletePrice")
    async def delete_price(
        self,
        ctx: Ctx,
        principal: Actor,
        product_id: FromPath[uuid.UUID],
        price_id: FromPath[uuid.UUID],
    ) -> None:
        """Cancel a scheduled price that has not started."""
        await services.delete_price(ctx, principal, product_id, price_id)

    @get("/gst-rates", operation_id="ListGstRates")
    async def list_gst_rates(
        self,
        ctx: Ctx,
        principal: Actor,
        on: Annotated[
            date | None, QueryParameter(description="only rates in effect that day")
        ] = None,
    ) -> list[GstRateView]:
        """GST rates by HSN code."""
        return await services.list_gst_rates(ctx, principal, on=on)

    @post("/gst-rates", operation_id="CreateGstRate")
    async def create_gst_rate(
        self, ctx: Ctx, principal: Actor, request: Request[Any, Any, Any]
    ) -> GstRateView:
        """Add a GST rate from a day on (platform admins); every company's tills get it."""
        principal.require_platform_admin()
        body = await strict_body(request, GstRateCreate)
        return await services.create_gst_rate(ctx, principal, body)

    @post(
        "/import",
        operation_id="ImportCatalog",
        status_code=200,
        request_max_body_size=MAX_IMPORT_BYTES,
    )
    async def import_catalog(
        self, ctx: Ctx, principal: Actor, request: Request[Any, Any, Any]
    ) -> ImportResult:
        """Import a CSV file of products, barcodes and prices: all of it, or nothing.

        Problems come back as one 400 listing each with its line number (``errors``).
        """
        principal.require_admin()
        raw = await request.body()
        try:
            data = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InvalidInput(
                f"the file is not UTF-8 text (byte {exc.start}); save it as CSV UTF-8",
                field="file",
            ) from exc
        return await imports.import_catalog(ctx, principal, data)
