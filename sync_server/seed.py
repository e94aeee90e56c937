"""Demo data for ``galla-server dev``: one company, two stores, staff, tills and a catalog.

Seeding is idempotent: when the demo company exists nothing is added again; only a fresh
enrolment code is made on every run.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from shared.gstin import gstin_check_character
from sync_server.db import models as m
from sync_server.domain.accounts.schemas import RoleGrant, UserCreate
from sync_server.domain.accounts.services import create_user
from sync_server.domain.catalog.imports import CatalogRow, write_catalog
from sync_server.domain.catalog.schemas import GstRateCreate
from sync_server.domain.catalog.services import load_gst_rates
from sync_server.domain.companies.schemas import AdminCreate, CompanyCreate, StoreCreate
from sync_server.domain.companies.services import create_company, create_store
from sync_server.domain.terminals.schemas import EnrolRequest
from sync_server.domain.terminals.services import create_enrolment_code, redeem_enrolment_code
from sync_server.lib.context import AppContext
from sync_server.lib.ids import new_id
from sync_server.lib.principal import COMPANY_ADMIN, Principal

__all__ = (
    "DEMO_ADMIN_EMAIL",
    "DEMO_ADMIN_PASSWORD",
    "DEMO_SLUG",
    "GST_CHANGE_DATE",
    "DemoLogins",
    "catalog",
    "ean13",
    "seed_demo",
)

DEMO_SLUG = "demo-kirana"
DEMO_ADMIN_EMAIL = "admin@demo-kirana.example"
DEMO_ADMIN_PASSWORD = "galla-demo-admin"  # noqa: S105 - a published demo login
DEMO_MANAGER_EMAIL = "manager@demo-kirana.example"
GST_START = date(2017, 7, 1)
GST_CHANGE_DATE = date(2025, 9, 22)
"""GST rate rationalisation ("GST 2.0") took effect on 22 September 2025."""

# HSN, item, unit, rate before 22-Sep-2025, rate from then, cess before, base MRP in rupees
_FAMILIES: tuple[tuple[str, str, str, int, int, int, int], ...] = (
    ("1006", "Basmati Rice", "pcs", 5, 5, 0, 120),
    ("1101", "Whole Wheat Atta", "pcs", 5, 5, 0, 60),
    ("1701", "Sugar", "pcs", 5, 5, 0, 48),
    ("0902", "Tea", "pcs", 5, 5, 0, 140),
    ("0910", "Turmeric Powder", "pcs", 5, 5, 0, 35),
    ("1512", "Sunflower Oil", "pcs", 5, 5, 0, 160),
    ("0701", "Potatoes", "kg", 0, 0, 0, 30),
    ("2501", "Iodised Salt", "pcs", 0, 0, 0, 25),
    ("0401", "UHT Milk", "pcs", 5, 0, 0, 70),
    ("0405", "Ghee", "pcs", 12, 5, 0, 550),
    ("1905", "Biscuits", "pcs", 18, 5, 0, 30),
    ("1806", "Chocolate", "pcs", 18, 5, 0, 50),
    ("2106", "Namkeen", "pcs", 12, 5, 0, 45),
    ("2101", "Instant Coffee", "pcs", 18, 5, 0, 180),
    ("3401", "Bath Soap", "pcs", 18, 5, 0, 40),
    ("3305", "Hair Oil", "pcs", 18, 5, 0, 95),
    ("3306", "Toothpaste", "pcs", 18, 5, 0, 85),
    ("3402", "Detergent Powder", "pcs", 18, 18, 0, 110),
    ("2202", "Cola Drink", "pcs", 28, 40, 12, 40),
    ("2201", "Packaged Water", "pcs", 12, 5, 0, 20),
)
_VARIANTS = (
    "Small",
    "Regular",
    "Family",
    "Value",
    "Premium",
    "Classic",
    "Lite",
    "Gold",
    "Eco",
    "Max",
)


@dataclass(frozen=True, slots=True)
class CatalogItem:
    """One demo product."""

    sku: str
    name: str
    hsn: str
    unit: str
    barcode: str
    mrp_paise: int


def ean13(first12: str) -> str:
    """Return ``first12`` with its GS1 check digit appended."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return first12 + str((10 - total % 10) % 10)


def catalog() -> list[CatalogItem]:
    """The 200-item demo catalog (20 HSN families x 10 variants), deterministic."""
    items = []
    for f, (hsn, name, unit, *_rates, base) in enumerate(_FAMILIES):
        for v, variant in enumerate(_VARIANTS):
            number = f * len(_VARIANTS) + v + 1
            items.append(
                CatalogItem(
                    sku=f"DK{number:04d}",
                    name=f"{name} {variant}",
                    hsn=hsn,
                    unit=unit,
                    barcode=ean13(f"8901234{number:05d}"),
                    mrp_paise=(base + 5 * v) * 100,
                )
            )
    return items


@dataclass(frozen=True, slots=True)
class DemoLogins:
    """What ``dev`` prints for a newcomer."""

    admin_email: str
    admin_password: str
    manager_email: str
    cashier_pins: dict[str, str]
    enrolment_code: str
    created: bool


def _gstin(state: str) -> str:
    first14 = f"{state}AAPFU0939F1Z"
    return first14 + gstin_check_character(first14)


async def _seed_rates(ctx: AppContext) -> None:
    """The demo GST rates, through the catalog service, so they reach every till's feed."""
    bodies = []
    for hsn, name, _unit, before, after, cess, _base in _FAMILIES:
        periods = (
            [(before, cess, GST_START, None)]
            if before == after and cess == 0
            else [(before, cess, GST_START, date(2025, 9, 21)), (after, 0, GST_CHANGE_DATE, None)]
        )
        for rate, cess_rate, start, end in periods:
            bodies.append(
                GstRateCreate(
                    hsn=hsn,
                    rate=Decimal(rate),
                    cess=Decimal(cess_rate),
                    effective_from=start,
                    effective_to=end,
                    description=name,
                )
            )
    await load_gst_rates(ctx, bodies)


async def _seed_catalog(ctx: AppContext, company_id: uuid.UUID, store_ids: list[uuid.UUID]) -> None:
    """The demo catalog through the import writer (so tills pull it), and 50 of each in stock."""
    now = ctx.clock()
    rows = [
        CatalogRow(
            line=n + 2,
            sku=item.sku,
            name=item.name,
            hsn=item.hsn,
            unit=item.unit,
            price_includes_tax=True,
            mrp_paise=item.mrp_paise,
            price_paise=item.mrp_paise,
            barcodes=(item.barcode,),
        )
        for n, item in enumerate(catalog())
    ]
    async with ctx.db.tenant(company_id) as session:
        await write_catalog(session, company_id, rows, now)
    async with ctx.db.tenant(company_id) as session:
        product_ids = list(
            await session.scalars(select(m.Product.id).where(m.Product.company_id == company_id))
        )
        levels = [
            {
                "company_id": company_id,
                "store_id": store,
                "product_id": pid,
                "on_hand": Decimal(50),
                "reserved": Decimal(0),
                "updated_at": now,
            }
            for pid in product_ids
            for store in store_ids
        ]
        await session.execute(insert(m.StockLevel).values(levels))


async def seed_demo(ctx: AppContext) -> DemoLogins:
    """Create the demo company once; always answer its logins and a fresh enrolment code."""
    pins = {"Asha (cashier, Mumbai)": "1111", "Ravi (cashier, Bengaluru)": "2222"}
    async with ctx.db.platform() as session:
        company = await session.scalar(select(m.Company).where(m.Company.slug == DEMO_SLUG))
    created = company is None
    if company is None:
        await _seed_rates(ctx)
        view = await create_company(
            ctx,
            None,
            CompanyCreate(
                name="Demo Kirana",
                slug=DEMO_SLUG,
                plan="standard",
                admin=AdminCreate(
                    full_name="Demo Admin", email=DEMO_ADMIN_EMAIL, password=DEMO_ADMIN_PASSWORD
                ),
            ),
        )
        company_id = view.id
    else:
        company_id = company.id
    async with ctx.db.tenant(company_id) as session:
        admin_user = await session.scalar(
            select(m.Membership.user_id).where(m.Membership.role == COMPANY_ADMIN).limit(1)
        )
    admin = Principal(
        account_id=new_id(),
        email=DEMO_ADMIN_EMAIL,
        family_id=new_id(),
        platform_admin=False,
        company_id=company_id,
        user_id=admin_user,
        roles=frozenset({(COMPANY_ADMIN, None)}),
    )
    if created:
        mumbai = await create_store(
            ctx,
            admin,
            StoreCreate(
                code="MUM1",
                name="Demo Kirana, Andheri",
                state_code="27",
                gstin=_gstin("27"),
                address="Andheri West, Mumbai",
            ),
        )
        bengaluru = await create_store(
            ctx,
            admin,
            StoreCreate(
                code="BLR1",
                name="Demo Kirana, Indiranagar",
                state_code="29",
                gstin=_gstin("29"),
                address="Indiranagar, Bengaluru",
            ),
        )
        await create_user(
            ctx,
            admin,
            UserCreate(
                full_name="Meera (manager)",
                email=DEMO_MANAGER_EMAIL,
                password=DEMO_ADMIN_PASSWORD,
                roles=[RoleGrant(role="store_manager", store_id=mumbai.id)],
            ),
        )
        for (name, pin), store in zip(pins.items(), (mumbai, bengaluru), strict=True):
            await create_user(
                ctx,
                admin,
                UserCreate(
                    full_name=name, pin=pin, roles=[RoleGrant(role="cashier", store_id=store.id)]
                ),
            )
        for store in (mumbai, bengaluru):
            code = await create_enrolment_code(ctx, admin, store.id)
            await redeem_enrolment_code(
                ctx, EnrolRequest(code=code.code, name=f"{store.code} counter 1"), "seed"
            )
        await _seed_catalog(ctx, company_id, [mumbai.id, bengaluru.id])
    async with ctx.db.tenant(company_id) as session:
        first_store = await session.scalar(select(m.Store.id).order_by(m.Store.code.desc()))
    assert first_store is not None
    fresh = await create_enrolment_code(ctx, admin, first_store)
    return DemoLogins(
        admin_email=DEMO_ADMIN_EMAIL,
        admin_password=DEMO_ADMIN_PASSWORD,
        manager_email=DEMO_MANAGER_EMAIL,
        cashier_pins=pins,
        enrolment_code=fresh.code,
        created=created,
    )
