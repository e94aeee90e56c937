"""Building protocol changes and pages for the till sync tests (real protocol structs)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from shared.protocol import (
    PROTOCOL_VERSION,
    BarcodeChange,
    BarcodeData,
    Change,
    GstRateChange,
    GstRateData,
    PriceChange,
    PriceData,
    ProductChange,
    ProductData,
    PullPage,
    StoreSettingsChange,
    StoreSettingsData,
    UserChange,
    UserData,
)

STORE = "0190aaaa-0000-7000-8000-000000000001"
OTHER_STORE = "0190aaaa-0000-7000-8000-000000000002"
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)


def uid(name: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, name)


def product(
    name: str,
    *,
    version: int = 1,
    code: str | None = None,
    hsn: str = "1905",
    unit: str = "pcs",
    active: bool = True,
) -> ProductChange:
    return ProductChange(
        op="upsert",
        entity_id=uid(f"p:{name}"),
        version=version,
        data=ProductData(
            code=code or name.upper()[:16],
            name=f"{name} biscuits",
            hsn=hsn,
            unit=unit,
            price_includes_tax=True,
            active=active,
        ),  # type: ignore[arg-type]
    )


def barcode(name: str, code: str, *, version: int = 1, owner: str | None = None) -> BarcodeChange:
    return BarcodeChange(
        op="upsert",
        entity_id=uid(f"b:{code}"),
        version=version,
        data=BarcodeData(product_id=uid(f"p:{owner or name}"), code=code),
    )


def price(
    name: str,
    paise: int,
    *,
    key: str | None = None,
    version: int = 1,
    start: datetime = EPOCH,
    until: datetime | None = None,
    store: str | None = None,
) -> PriceChange:
    return PriceChange(
        op="upsert",
        entity_id=uid(f"pr:{key or name}"),
        version=version,
        data=PriceData(
            product_id=uid(f"p:{name}"),
            store_id=uuid.UUID(store) if store else None,
            unit_price_paise=paise,
            effective_from=start,
            effective_until=until,
        ),
    )


def rate(
    hsn: str,
    percent: str,
    *,
    start: date = date(2017, 7, 1),
    version: int = 1,
    end: date | None = None,
) -> GstRateChange:
    return GstRateChange(
        op="upsert",
        entity_id=uid(f"r:{hsn}:{start}"),
        version=version,
        data=GstRateData(hsn=hsn, rate=Decimal(percent), effective_from=start, effective_to=end),
    )


def user(
    name: str,
    pin_hash: str,
    *,
    role: str = "cashier",
    version: int = 1,
    stores: tuple[str, ...] = (STORE,),
    active: bool = True,
) -> UserChange:
    return UserChange(
        op="upsert",
        entity_id=uid(f"u:{name}"),
        version=version,
        data=UserData(
            code=name.upper()[:16],
            name=name,
            role=role,
            pin_hash=pin_hash,  # type: ignore[arg-type]
            store_ids=tuple(uuid.UUID(s) for s in stores),
            active=active,
        ),
    )


def store_settings(
    *, version: int = 1, code: str = "BLR1", name: str = "Galla Indiranagar", store: str = STORE
) -> StoreSettingsChange:
    return StoreSettingsChange(
        op="upsert",
        entity_id=uuid.UUID(store),
        version=version,
        data=StoreSettingsData(
            code=code,
            name=name,
            legal_name="Galla Retail Pvt Ltd",
            gstin="29AAACH7409R1ZX",
            state_code="29",
            address=("100 Feet Road", "Bengaluru 560038"),
            idle_lock_seconds=120,
            max_pin_attempts=3,
            discount_limit_percent={"cashier": Decimal(3), "manager": Decimal(20)},
        ),
    )


def delete(change: Change, version: int) -> Change:
    return type(change)(op="delete", entity_id=change.entity_id, version=version)


def page(changes: list[Change] | tuple[Change, ...], cursor: str, more: bool = False) -> PullPage:
    return PullPage(
        protocol_version=PROTOCOL_VERSION, changes=tuple(changes), next_cursor=cursor, has_more=more
    )
