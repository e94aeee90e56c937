"""How the composition root plugs sync into a till, and how pulled store settings take effect.

:func:`make_sync` builds the :class:`~desktop.sync.service.TillSync` of a till;
:func:`refresh_between_sales` is called by the UI on its timer and applies what the sync
thread flagged, on the GUI thread and only when no sale is in progress:

- GST rates: the store's cached rate table is dropped (the next sale prices with the new one);
- store settings (receipt header, GSTIN, discount limits, idle lock, PIN attempts): the till's
  settings and context are rebuilt; the sale session in progress keeps the context it was
  made with, so a logged-in cashier gets them at the next login (the session boundary), and
  the idle lock changes at once.

Prices, barcodes and users need nothing here: the sale engine reads them from the database
for every new line and every login, and a cart line keeps the price it was added at.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from desktop.sync.service import (
    ClientFactory,
    TillSync,
    _default_client,
    apply_identity,
    read_identity,
)

__all__ = ("make_sync", "printer_state_of", "refresh_between_sales")

log = logging.getLogger("galla.till.sync")

_PRINTER_STATES = {
    "ok": "ok",
    "paper_low": "ok",
    "paper_out": "paper_out",
    "offline": "offline",
    "error": "error",
}


def printer_state_of(printing: Any | None) -> Callable[[], str]:
    """What each push reports about the receipt printer, from the till's print stack."""

    def state() -> str:
        if printing is None:
            return "not_configured"
        try:
            status = printing.state.status.value
        except Exception:  # the dashboard's figure must never break a push
            return "error"
        return _PRINTER_STATES.get(status, "not_configured")

    return state


def make_sync(
    store: Any,
    data_dir: Path,
    clock: Callable[[], datetime],
    *,
    client_factory: ClientFactory | None = None,
    keyring_backend: Any | None = None,
    **worker_options: Any,
) -> TillSync:
    """The till's sync, with the store's rate cache dropped as soon as rates change."""

    def applied(result: Any) -> None:
        if result.rates_changed:
            store.upsert_rates(())  # empty: only drops the store's cached rate table

    return TillSync(
        store,
        data_dir,
        clock=clock,
        client_factory=client_factory or _default_client,
        keyring_backend=keyring_backend,
        on_applied=applied,
        **worker_options,
    )


def refresh_between_sales(till: Any) -> bool:
    """Apply pulled store settings to a running till; returns whether anything changed.

    Args:
        till: the :class:`~desktop.bootstrap.Till` (with ``sync`` set).
    """
    sync: TillSync | None = getattr(till, "sync", None)
    if sync is None or not sync.store_settings_changed.is_set():
        return False
    sync.store_settings_changed.clear()
    settings = apply_identity(till.settings, read_identity(till.settings.database_path))
    if settings == till.settings:
        return False
    from desktop.domain.cart import DiscountPolicy
    from desktop.domain.catalog import Role
    from desktop.domain.document import StoreInfo
    from desktop.services.auth import Auth
    from desktop.services.history import SaleHistory
    from desktop.services.returns import Returns
    from desktop.services.shifts import Shifts

    try:
        till.apply(settings)
    except Exception:  # a device that cannot take the new settings must not stop selling
        log.exception("pulled store settings could not be applied to the devices")
    till.context = dataclasses.replace(
        till.context,
        store_info=StoreInfo(
            name=settings.store_name,
            address=settings.store_address,
            gstin=settings.store_gstin,
            state_code=settings.state_code,
            store_code=settings.store_code,
            terminal_code=settings.terminal_code,
        ),
        discounts=DiscountPolicy(
            {
                Role.CASHIER: settings.cashier_discount_percent,
                Role.SUPERVISOR: settings.supervisor_discount_percent,
            }
        ),
    )
    till.shifts = Shifts(till.context)
    till.returns = Returns(till.context)
    till.history = SaleHistory(till.context)
    till.auth = Auth(
        till.store,
        till.hasher,
        till.context.clock,
        max_attempts=settings.max_pin_attempts,
        lockout=timedelta(seconds=settings.lockout_seconds),
    )
    return True
