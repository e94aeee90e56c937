"""The one composition root of the till: real or fake parts, wired once.

Nothing else in ``desktop`` opens the database, reads settings or picks devices. The
printer, drawer, scanner and customer display come from the settings' hardware section
(:meth:`desktop.settings.Settings.hardware`): the print queue -> receipt printer -> till
printer stack (:class:`desktop.devices.print_stack.PrintStack`) serves as the services'
printer and drawer; a serial or camera scanner and a pole display are built here, while the
keyboard-wedge filter and the customer window are Qt objects the UI makes
(:mod:`desktop.ui.app`). With no printer configured (``printer_backend = "fake"``) jobs
stay in memory, except in demo mode, which prints to ``<data_dir>/receipts.escpos`` with a
readable copy in ``receipts.txt``. Unit tests pass the services' fakes for printer and drawer.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar
from uuid import UUID

import httpx

from desktop.devices.display.pole import CustomerDisplay
from desktop.devices.print_stack import PrintStack
from desktop.devices.printer.device import Printer
from desktop.devices.printer.transports import Backend, PrinterSettings, make_printer
from desktop.devices.scanner.base import Scanner
from desktop.devices.settings import HardwareSettings, ScannerKind, make_display
from desktop.devices.till_printer import ReceiptExtras
from desktop.domain.cart import DiscountPolicy
from desktop.domain.catalog import Role, User
from desktop.domain.document import StoreInfo
from desktop.services.auth import Argon2PinHasher, Auth, IdleLock
from desktop.services.context import TillContext
from desktop.services.events import Terminal
from desktop.services.fakes import FakeDrawer
from desktop.services.history import SaleHistory
from desktop.services.ports import AuditDraft, CashDrawer, Clock, PinHasher, ReceiptPrinter
from desktop.services.returns import Returns
from desktop.services.sale import SaleSession
from desktop.services.shifts import Shifts
from desktop.services.stock_hold import (
    HoldRecord,
    HoldRequest,
    StockHolds,
    StockLevel,
    StockRefused,
    StockUnavailable,
)
from desktop.settings import Settings, changed_settings, save_settings
from desktop.store.sqlite_store import SqliteStore
from desktop.sync.client import ReservationAnswer, StockConflict, SyncClient
from desktop.sync.errors import SyncError, SyncRefused
from desktop.sync.pricing import citing_prices
from desktop.sync.service import TillSync, apply_identity, read_identity
from desktop.sync.wiring import make_sync, printer_state_of
from shared.ids import IdFactory

__all__ = ("ServerStock", "SystemClock", "Till", "build", "make_scanner", "receipt_extras")

_T = TypeVar("_T")

DEMO_RECEIPTS = "receipts.escpos"
"""In demo mode with no printer set up, receipts' ESC/POS bytes go to this file in the data
folder; ``receipts.txt`` beside it holds the same jobs as plain text."""


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
        history: recent receipts, reprints and voiding completed sales.
        idle: the idle lock.
        hasher: PIN hashing.
        settings_path: the TOML file the settings screen saves to.
        printing: the print queue and printers (``None`` when a test passed fakes).
        scanner: the serial or camera scanner (``None`` for a wedge: the UI filters keys).
        display: the pole display (``None`` for none or the Qt customer window).
        demo: whether the till runs in demo mode.
        sync: enrolment and background sync with the server (:mod:`desktop.sync`).
        stock: stock checks and customer holds, asked of the server while online.
    """

    settings: Settings
    store: SqliteStore
    context: TillContext
    auth: Auth
    shifts: Shifts
    returns: Returns
    history: SaleHistory
    idle: IdleLock
    hasher: PinHasher
    settings_path: Path
    printing: PrintStack | None = None
    scanner: Scanner | None = None
    display: CustomerDisplay | None = None
    demo: bool = False
    sync: TillSync | None = None
    stock: StockHolds | None = None

    @property
    def hardware(self) -> HardwareSettings:
        """The device settings in force (the demo's file printer included)."""
        hardware = self.settings.hardware()
        if self.printing is not None:
            return HardwareSettings(self.printing.settings, hardware.scanner, hardware.display)
        return hardware

    def new_sale(self, cashier: User) -> SaleSession:
        """A fresh sale session for a logged-in cashier."""
        return SaleSession(self.context, cashier)

    def apply(self, settings: Settings) -> None:
        """Run with new settings without a restart: idle lock, printer, receipt, display.

        The scanner is the UI's to restart (:mod:`desktop.ui.app` does it when told the
        settings changed); store, terminal and discount settings are shown, not edited.

        Raises:
            DeviceConfigError: the new printer's library is missing (nothing changes).
        """
        hardware = settings.hardware()
        if self.printing is not None:
            printer = _printer_settings(hardware.printer, settings, self.demo)
            self.printing.reconfigure(printer, receipt_extras(settings))
        self.idle.set_timeout(timedelta(seconds=settings.idle_lock_seconds))
        if hardware.display != self.settings.hardware().display:
            if self.display is not None:
                self.display.close()
            self.display = make_display(hardware.display)
        self.settings = settings

    def save_settings(self, changes: Mapping[str, object], user: User) -> Settings:
        """Write ``changes`` to the settings file, run with them, and audit who changed what.

        Raises:
            SettingsError: a bad value (nothing is written or changed).
            DeviceConfigError: the new printer's library is missing (nothing is written).
        """
        updated = changed_settings(self.settings, changes)
        # fail before writing if the chosen printer cannot be driven on this machine
        make_printer(_printer_settings(updated.hardware().printer, updated, self.demo)).close()
        updated = save_settings(self.settings_path, self.settings, changes)
        self.apply(updated)
        self.store.record_audit(
            AuditDraft(
                "settings_changed",
                user.user_id,
                self.context.clock.now(),
                {"changed": ",".join(sorted(changes))},
            )
        )
        return updated

    def close(self) -> None:
        """Stop the devices, finish writes and close the database."""
        if self.scanner is not None:
            self.scanner.stop()
        if self.display is not None:
            self.display.close()
        if self.printing is not None:
            self.printing.close()
        if self.sync is not None:
            self.sync.close()
        if self.stock is not None:
            self.stock.close()
        self.store.close()


class ServerStock:
    """The stock-hold port over the sync server: its own client with a short timeout.

    Sync errors become the port's: no server, no credential, a revoked till or no network is
    :class:`StockUnavailable` (the cashier sells on); a refusal is :class:`StockRefused`,
    with the server's ``available`` figure when stock is short.

    Args:
        sync: the till's sync (its enrolment and credential).
        timeout: seconds to wait for the server (the cashier is waiting too).
        transport: an httpx transport for the client (tests pass a mock one).
    """

    def __init__(
        self, sync: TillSync, timeout: float = 5.0, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        self._sync = sync
        self._timeout = timeout
        self._transport = transport
        self._made: SyncClient | None = None

    def _client(self) -> SyncClient:
        record = self._sync.enrolment()
        if record is None:
            raise StockUnavailable("This till is not connected to a server.")
        if record.revoked_at:
            raise StockUnavailable("The server no longer accepts this till.")
        if self._made is None:
            self._made = SyncClient(
                record.server_url,
                self._sync.credential(),
                timeout=self._timeout,
                transport=self._transport,
            )
        return self._made

    def _ask(self, call: Callable[[SyncClient], _T]) -> _T:
        try:
            return call(self._client())
        except StockConflict as exc:
            raise StockRefused(str(exc), available=exc.available) from exc
        except SyncRefused as exc:
            raise StockRefused(str(exc)) from exc
        except SyncError as exc:  # unreachable, revoked, not enrolled, credential missing
            raise StockUnavailable(str(exc)) from exc

    def availability(self, store_id: str, product_id: str) -> StockLevel:
        """The product's stock at the store."""
        [got] = self._ask(lambda c: c.stock_availability(UUID(store_id), [UUID(product_id)]))
        return StockLevel(product_id, got.on_hand, got.reserved, got.available, got.incoming)

    def reserve(self, request: HoldRequest) -> HoldRecord:
        """Hold stock under the request's client id (a retry is a replay)."""
        return _hold_record(
            self._ask(
                lambda c: c.reserve_stock(
                    UUID(request.hold_id),
                    reference=request.reference,
                    lines=[(UUID(request.product_id), request.quantity)],
                    ttl_seconds=request.ttl_seconds,
                    store_id=UUID(request.store_id),
                )
            )
        )

    def release(self, hold_id: str) -> HoldRecord:
        """Give a hold's stock back."""
        return _hold_record(self._ask(lambda c: c.release_reservation(UUID(hold_id))))

    def holds(self, store_id: str) -> list[HoldRecord]:
        """The store's holds still held, newest first."""
        found = self._ask(lambda c: c.store_reservations(UUID(store_id), "held"))
        return [_hold_record(r) for r in found]

    def close(self) -> None:
        """Close the client's connections."""
        if self._made is not None:
            self._made.close()


def _hold_record(answer: ReservationAnswer) -> HoldRecord:
    return HoldRecord(
        hold_id=str(answer.id),
        reference=answer.reference,
        status=answer.status,
        expires_at=answer.expires_at,
        lines=tuple((str(line.product_id), line.quantity) for line in answer.lines),
    )


def receipt_extras(settings: Settings) -> ReceiptExtras:
    """The store particulars receipts print beyond the till's documents (phone, footer)."""
    footer = tuple(line.rstrip() for line in settings.receipt_footer.splitlines() if line.strip())
    return ReceiptExtras(phone=settings.receipt_phone, footer_lines=footer)


def _printer_settings(printer: PrinterSettings, settings: Settings, demo: bool) -> PrinterSettings:
    if demo and printer.backend is Backend.FAKE:
        # a demo prints somewhere a person can look: ESC/POS bytes to a file
        return dataclasses.replace(
            printer, backend=Backend.FILE, device_path=str(settings.data_dir / DEMO_RECEIPTS)
        )
    return printer


def make_scanner(hardware: HardwareSettings) -> Scanner | None:
    """The serial or camera scanner the settings name; ``None`` for a wedge (a Qt filter)."""
    scanner = hardware.scanner
    # imported here: pyserial and PIL load only on tills that use them
    if scanner.kind is ScannerKind.SERIAL:
        from desktop.devices.scanner.serial import SerialScanner, SerialScannerSettings

        return SerialScanner(SerialScannerSettings(scanner.serial_port, scanner.serial_baudrate))
    if scanner.kind is ScannerKind.CAMERA:
        from desktop.devices.scanner.camera import FrameScanner

        return FrameScanner(scanner.camera_engine)
    return None


def build(
    settings: Settings,
    *,
    clock: Clock | None = None,
    printer: ReceiptPrinter | None = None,
    drawer: CashDrawer | None = None,
    hasher: PinHasher | None = None,
    ids: IdFactory | None = None,
    config_file: Path | None = None,
    demo: bool = False,
    printer_device: Printer | None = None,
) -> Till:
    """Open the database (migrating it) and wire the services and devices.

    Args:
        settings: the loaded settings.
        clock: the time (default: the system clock).
        printer: the services' receipt printer; a test's fake instead of the device stack.
        drawer: the services' cash drawer; a test's fake (default: the receipt printer's).
        hasher: PIN hashing (default: argon2id with the settings' cost).
        ids: the UUIDv7 factory (default: system clock and ``os.urandom``).
        config_file: the settings file in use (default ``<data_dir>/settings.toml``).
        demo: demo mode: with no printer set up, print to a file in the data folder.
        printer_device: the printer transport to put under the print queue instead of the
            one the settings name (tests use a failing one).

    Raises:
        SettingsError: a bad hardware setting.
        DeviceConfigError: the printer's library (pyusb, pycups) is missing.
    """
    the_clock = clock or SystemClock()
    # an enrolled till is who the server says it is: ids, codes, receipt header, limits
    identity = read_identity(settings.database_path)
    settings = apply_identity(settings, identity)
    hardware = settings.hardware()
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
    printing = None
    if printer is None:
        printing = PrintStack(
            _printer_settings(hardware.printer, settings, demo),
            receipt_extras(settings),
            now=the_clock.now,
            preview=settings.data_dir / "receipts.txt" if demo else None,
            device=printer_device,
        )
    the_printer: ReceiptPrinter = printing.till_printer if printing else printer  # type: ignore[assignment]
    the_drawer: CashDrawer = drawer or (printing.till_printer if printing else FakeDrawer())
    context = TillContext(
        store=citing_prices(store, settings.store_id) if identity else store,
        clock=the_clock,
        ids=id_factory,
        printer=the_printer,
        drawer=the_drawer,
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
    sync = make_sync(
        store, settings.data_dir, the_clock.now, printer_state=printer_state_of(printing)
    )
    return Till(
        settings=settings,
        store=store,
        context=context,
        auth=auth,
        shifts=Shifts(context),
        returns=Returns(context),
        history=SaleHistory(context),
        idle=IdleLock(the_clock, timedelta(seconds=settings.idle_lock_seconds)),
        hasher=the_hasher,
        settings_path=config_file or settings.settings_path,
        printing=printing,
        scanner=make_scanner(hardware),
        display=make_display(hardware.display),
        demo=demo,
        sync=sync,
        stock=StockHolds(
            ServerStock(sync), store_id=settings.store_id, ids=id_factory, clock=the_clock
        ),
    )
