"""The demo data behind ``galla-till --demo``: ~50 GST items, rates, and two users.

Everything is deterministic (ids are UUIDv5 of the item code) so a demo database can be
seeded again without duplicates. Barcodes are valid EAN-13s in the GS1 India range (890);
loose produce has a scale PLU whose price-embedded or weight-embedded labels scan too.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from desktop.domain.catalog import Item, Role, User
from desktop.services.ports import PinHasher
from desktop.store.sqlite_store import SqliteStore
from shared.barcode import gs1_check_digit
from shared.gst import GstRate
from shared.money import Money

__all__ = ("DEMO_USERS", "demo_items", "demo_rates", "ean13", "scale_key", "seed_demo")

_NS = uuid.UUID("6f1d3c0e-4c1b-4d55-9a59-2c1d7a0b9e10")
_GST_START = date(2017, 7, 1)
_GST2 = date(2025, 9, 22)

DEMO_USERS: tuple[tuple[User, str], ...] = (
    (User(str(uuid.uuid5(_NS, "user:asha")), "Asha (cashier)", Role.CASHIER), "1234"),
    (User(str(uuid.uuid5(_NS, "user:ravi")), "Ravi (supervisor)", Role.SUPERVISOR), "9999"),
)
"""The demo users and their PINs."""

# hsn: (rate before 22 Sep 2025, rate from then) - the "GST 2.0" slab change
_RATES = {
    "0401": ("0", "0"),
    "0402": ("5", "5"),
    "0406": ("12", "5"),
    "0701": ("0", "0"),
    "0702": ("0", "0"),
    "0803": ("0", "0"),
    "0902": ("5", "5"),
    "1006": ("5", "5"),
    "1101": ("5", "5"),
    "1507": ("5", "5"),
    "1701": ("5", "5"),
    "1905": ("18", "5"),
    "2106": ("12", "5"),
    "2202": ("28", "40"),
    "3305": ("18", "5"),
    "3306": ("18", "5"),
    "3401": ("18", "5"),
    "4818": ("18", "5"),
    "8506": ("18", "18"),
}

# code, name, hsn, price (rupees), inclusive, unit, weighed
_ITEMS = (
    ("MILK500", "Toned milk 500 ml", "0401", "27", True, "pcs", False),
    ("MILK1L", "Full cream milk 1 l", "0401", "68", True, "pcs", False),
    ("CURD400", "Curd 400 g", "0401", "35", True, "pcs", False),
    ("MPWD500", "Milk powder 500 g", "0402", "245", True, "pcs", False),
    ("PANR200", "Paneer 200 g", "0406", "90", True, "pcs", False),
    ("CHSE200", "Cheese slices 200 g", "0406", "145", True, "pcs", False),
    ("TEA250", "Assam tea 250 g", "0902", "140", True, "pcs", False),
    ("TEA1K", "Tea dust 1 kg", "0902", "480", True, "pcs", False),
    ("RICE5K", "Sona masoori rice 5 kg", "1006", "365", True, "pcs", False),
    ("BASM1K", "Basmati rice 1 kg", "1006", "155", True, "pcs", False),
    ("ATTA5K", "Whole wheat atta 5 kg", "1101", "260", True, "pcs", False),
    ("MAIDA1K", "Maida 1 kg", "1101", "48", True, "pcs", False),
    ("OIL1L", "Sunflower oil 1 l", "1507", "145", True, "pcs", False),
    ("MUST1L", "Mustard oil 1 l", "1507", "175", True, "pcs", False),
    ("SUGR1K", "Sugar 1 kg", "1701", "46", True, "pcs", False),
    ("JAGG1K", "Jaggery 1 kg", "1701", "70", True, "pcs", False),
    ("BISC100", "Glucose biscuits 100 g", "1905", "10", True, "pcs", False),
    ("BISC250", "Cream biscuits 250 g", "1905", "40", True, "pcs", False),
    ("COOK200", "Butter cookies 200 g", "1905", "55", True, "pcs", False),
    ("RUSK300", "Rusk 300 g", "1905", "45", True, "pcs", False),
    ("BREAD400", "Sandwich bread 400 g", "1905", "45", True, "pcs", False),
    ("NMKN200", "Bhujia namkeen 200 g", "2106", "55", True, "pcs", False),
    ("MIXT400", "Mixture 400 g", "2106", "95", True, "pcs", False),
    ("NOOD70", "Instant noodles 70 g", "2106", "14", True, "pcs", False),
    ("NOOD280", "Instant noodles 4-pack", "2106", "56", True, "pcs", False),
    ("COLA600", "Cola 600 ml", "2202", "40", True, "pcs", False),
    ("COLA2L", "Cola 2 l", "2202", "95", True, "pcs", False),
    ("SODA750", "Soda 750 ml", "2202", "20", True, "pcs", False),
    ("LIME250", "Lime drink 250 ml", "2202", "20", True, "pcs", False),
    ("SHMP180", "Shampoo 180 ml", "3305", "160", True, "pcs", False),
    ("SHMP8", "Shampoo sachet 8 ml", "3305", "2", True, "pcs", False),
    ("HOIL200", "Coconut hair oil 200 ml", "3305", "95", True, "pcs", False),
    ("TPST150", "Toothpaste 150 g", "3306", "98", True, "pcs", False),
    ("TBRS1", "Toothbrush", "3306", "40", True, "pcs", False),
    ("SOAP100", "Bath soap 100 g", "3401", "38", True, "pcs", False),
    ("SOAP4P", "Bath soap 4-pack", "3401", "140", True, "pcs", False),
    ("DWSH500", "Dishwash bar 500 g", "3401", "45", True, "pcs", False),
    ("DETG1K", "Detergent powder 1 kg", "3401", "120", True, "pcs", False),
    ("TISS100", "Facial tissues 100 pulls", "4818", "65", True, "pcs", False),
    ("TOIL4", "Toilet rolls 4-pack", "4818", "180", True, "pcs", False),
    ("NAPK50", "Paper napkins 50", "4818", "30", True, "pcs", False),
    ("BATAA2", "AA batteries 2-pack", "8506", "60", True, "pcs", False),
    ("BATAAA2", "AAA batteries 2-pack", "8506", "60", True, "pcs", False),
    ("BATCELL", "Coin cell CR2032", "8506", "45.50", False, "pcs", False),
    ("POTATO", "Potatoes (loose)", "0701", "32", True, "kg", True),
    ("ONION", "Onions (loose)", "0701", "40", True, "kg", True),
    ("TOMATO", "Tomatoes (loose)", "0702", "30", True, "kg", True),
    ("BANANA", "Bananas (loose)", "0803", "60", True, "kg", True),
    ("APPLE", "Apples (loose)", "0803", "180", True, "kg", True),
    ("GRAPES", "Grapes (loose)", "0803", "120", True, "kg", True),
)


def ean13(serial: int) -> str:
    """A valid EAN-13 in the GS1 India range for a demo serial number."""
    body = f"890{1234:04d}{serial:05d}"
    return body + str(gs1_check_digit(body))


def scale_key(plu: int, prefix: str = "21") -> str:
    """The catalog key of a weight (21) or price (23) label for a scale PLU."""
    body = f"{prefix}{plu:05d}00000"
    return body + str(gs1_check_digit(body))


def demo_rates() -> list[GstRate]:
    """The demo HSN rate periods, with the 22 Sep 2025 slab change."""
    rates = []
    for hsn, (before, after) in _RATES.items():
        if before == after:
            rates.append(GstRate(hsn=hsn, rate=Decimal(before), effective_from=_GST_START))
        else:
            rates.append(
                GstRate(
                    hsn=hsn,
                    rate=Decimal(before),
                    effective_from=_GST_START,
                    effective_to=date(2025, 9, 21),
                )
            )
            rates.append(GstRate(hsn=hsn, rate=Decimal(after), effective_from=_GST2))
    return rates


def demo_items() -> list[tuple[Item, tuple[str, ...]]]:
    """The demo catalog: each item with its barcodes (EAN-13, or scale keys for produce)."""
    out = []
    plu = 0
    for serial, (code, name, hsn, rupees, inclusive, unit, weighed) in enumerate(_ITEMS, 1):
        item = Item(
            item_id=str(uuid.uuid5(_NS, "item:" + code)),
            code=code,
            name=name,
            hsn=hsn,
            unit_price=Money.of_rupees(rupees),
            tax_inclusive=inclusive,
            unit=unit,
            weighed=weighed,
        )
        if weighed:
            plu += 1
            barcodes: tuple[str, ...] = (scale_key(plu, "21"), scale_key(plu, "23"))
        else:
            barcodes = (ean13(serial),)
        out.append((item, barcodes))
    return out


def seed_demo(store: SqliteStore, hasher: PinHasher) -> bool:
    """Fill an empty store with the demo catalog, rates and users; returns whether it did."""
    if store.search("milk", 1):
        return False
    store.upsert_rates(demo_rates())
    store.upsert_items(demo_items())
    for user, pin in DEMO_USERS:
        store.upsert_user(user, hasher.hash(pin))
    return True
