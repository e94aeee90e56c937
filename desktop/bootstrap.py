"""The one composition root of the till: real or fake parts, wired once.

Nothing else in ``desktop`` opens the database, reads settings or picks devices. Tests and
the demo pass fakes for the clock, printer and drawer; production passes real devices.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from desktop.domain.cart import DiscountPolicy
from desktop.domain.catalog import Role, User
from desktop.domain.document import StoreInfo
from desktop.services.auth import Argon2PinHasher, Auth, IdleLock
from desktop.services.context import TillContext
from desktop.services.events import Terminal
from desktop.services.fakes import FakeDrawer, FakePrinter
from desktop.services.ports import CashDrawer, Clock, PinHasher, ReceiptPrinter
from desktop.services.returns import Returns
from desktop.services.sale import SaleSession
from desktop.services.shifts import Shifts
from desktop.settings import Settings
from desktop.store.sqlite_store import SqliteStore
from shared.ids import IdFactory

__all__ = ("SystemClock", "Till", "build")


class SystemClock:
    """The computer's clock, in its local timezone."""

    def now(self) -> datetime:
        """The time now, timezone-aware."""
        return datetime.now().astimezone()


@dataclass
class Till:
    """Everything the UI needs, built by :func:`build`.

    Attributes:
        settings: the settings in force.
        store: the local database.
        context: the parts shared by the services.
        auth: login and approvals.
        shifts: shift and cash actions.
        returns: returns and credit notes.
        idle: the idle lock.
        hasher: PIN hashing.
    """

    settings: Settings
    store: SqliteStore
    context: TillContext
    auth: Auth
    shifts: Shifts
    returns: Returns
    idle: IdleLock
    hasher: PinHasher

    def new_sale(self, cashier: User) -> SaleSession:
        """A fresh sale session for a logged-in cashier."""
        return SaleSession(self.context, cashier)

    def close(self) -> None:
        """Finish writes and close the database."""
        self.store.close()


def build(
    settings: Settings,
    *,
    clock: Clock | None = None,
    printer: ReceiptPrinter | None = None,
    drawer: CashDrawer | None = None,
    hasher: PinHasher | None = None,
    ids: IdFactory | None = None,
) -> Till:
    """Open the database (migrating it) and wire the services.

    Args:
        settings: the loaded settings.
        clock: the time (default: the system clock).
        printer: the receipt printer (default: a fake that keeps receipts in memory).
        drawer: the cash drawer (default: a fake).
        hasher: PIN hashing (default: argon2id with the settings' cost).
        ids: the UUIDv7 factory (default: system clock and ``os.urandom``).
    """
    the_clock = clock or SystemClock()
    id_factory = ids or IdFactory(clock_ms=lambda: time.time_ns() // 1_000_000, entropy=os.urandom)
    store = SqliteStore(
        settings.database_path,
        ids=id_factory,
        store_code=settings.store_code,
        terminal_code=settings.terminal_code,
    )
    the_hasher = hasher or Argon2PinHasher(
        time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib
    )
    context = TillContext(
        store=store,
        clock=the_clock,
        ids=id_factory,
        printer=printer or FakePrinter(),
        drawer=drawer or FakeDrawer(),
        terminal=Terminal(UUID(settings.store_id), UUID(settings.terminal_id), settings.state_code),
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
    auth = Auth(
        store,
        the_hasher,
        the_clock,
        max_attempts=settings.max_pin_attempts,
        lockout=timedelta(seconds=settings.lockout_seconds),
    )
    return Till(
        settings=settings,
        store=store,
        context=context,
        auth=auth,
        shifts=Shifts(context),
        returns=Returns(context),
        idle=IdleLock(the_clock, timedelta(seconds=settings.idle_lock_seconds)),
        hasher=the_hasher,
    )
