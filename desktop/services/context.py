"""What every use case needs: the store, the clock, ids, devices and who this till is."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from uuid import UUID

from desktop.domain.cart import DiscountPolicy
from desktop.domain.document import StoreInfo
from desktop.services.events import Terminal
from desktop.services.ports import CashDrawer, Clock, ReceiptPrinter, TillStore
from shared.barcode import DEFAULT_NOMENCLATURE, VariableMeasureNomenclature

__all__ = ("TillContext", "log")

log = logging.getLogger("galla.till")
"""The till's logger; device failures are logged here, never raised into a sale."""


@dataclass(frozen=True)
class TillContext:
    """The parts the services share, built once by :func:`desktop.bootstrap.build`.

    Attributes:
        store: the local database.
        clock: the time.
        ids: makes UUIDv7 ids.
        printer: the receipt printer.
        drawer: the cash drawer.
        terminal: the ids events carry.
        store_info: the seller's particulars printed on documents.
        nomenclature: how weight/price-embedded labels are laid out.
        discounts: discount limits per role.
    """

    store: TillStore
    clock: Clock
    ids: Callable[[], UUID]
    printer: ReceiptPrinter
    drawer: CashDrawer
    terminal: Terminal
    store_info: StoreInfo
    nomenclature: VariableMeasureNomenclature = DEFAULT_NOMENCLATURE
    discounts: DiscountPolicy = field(default_factory=DiscountPolicy)

    def new_id(self) -> str:
        """A fresh UUIDv7 as text."""
        return str(self.ids())
