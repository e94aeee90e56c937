"""The till's main window and controller: login, the sale screen, dialogs and approvals.

The controller decides what each key does and calls the services; every error the services
raise is shown as its message (a sentence for the cashier) and changes nothing. Actions that
need a supervisor are retried after the supervisor's PIN (:meth:`MainWindow.with_approval`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from desktop.bootstrap import Till
from desktop.devices.display.pole import CustomerDisplay, pole_lines
from desktop.devices.errors import DeviceError
from desktop.devices.printer.print_queue import QueueState
from desktop.domain.cart import require_role
from desktop.domain.catalog import Role, User
from desktop.domain.shift import MovementKind
from desktop.errors import ApprovalRequired, SessionExpired, TillError, UnknownBarcode
from desktop.services.context import log
from desktop.services.sale import Completed, SaleSession
from desktop.services.shifts import ZClose
from desktop.sync.wiring import refresh_between_sales
from desktop.ui.dialogs import (
    AmountDialog,
    CloseShiftDialog,
    CustomerDialog,
    HistoryDialog,
    PinDialog,
    RecallDialog,
    ReportDialog,
    ReturnDialog,
    TenderDialog,
    parse_money,
    parse_quantity,
)
from desktop.ui.enrolment import sync_status_text, sync_tooltip
from desktop.ui.login_view import LoginView
from desktop.ui.models import cart_rows
from desktop.ui.qt import (
    QApplication,
    QDialog,
    QEvent,
    QLabel,
    QLineEdit,
    QMainWindow,
    QObject,
    QStackedWidget,
    QTimer,
    QWidget,
    Signal,
)
from desktop.ui.sale_view import KEYS, SaleView
from desktop.ui.settings_view import SettingsDialog
from desktop.ui.stock_hold import StockHoldDialog
from desktop.ui.text import format_report, printer_text
from shared.errors import GallaError
from shared.money import Money, format_inr

__all__ = ("MainWindow",)


def _age(oldest: datetime | None, now: datetime) -> str:
    if oldest is None:
        return ""
    minutes = int((now - oldest).total_seconds() // 60)
    if minutes < 1:
        return ", oldest under a minute"
    if minutes < 120:
        return f", oldest {minutes} min"
    return f", oldest {minutes // 60} h"


SEARCH_BUILDING = "Search index building… scan the barcode or type the item code meanwhile"


class MainWindow(QMainWindow):
    """The till window.

    Args:
        till: the services, built by :func:`desktop.bootstrap.build`.
        idle_check_ms: how often the idle lock is checked.
    """

    printer_state_changed = Signal(object)
    """The print queue's :class:`QueueState`, re-emitted on the GUI thread."""
    settings_applied = Signal(object)
    """Emitted with the new :class:`~desktop.settings.Settings` after the settings screen
    saved them (the application restarts the scanner and customer window)."""

    def __init__(self, till: Till, *, idle_check_ms: int = 1000) -> None:
        super().__init__()
        self.till = till
        self.session: SaleSession | None = None
        self.dialog: QDialog | None = None
        self.pin_dialog: PinDialog | None = None
        self.displays: list[CustomerDisplay] = [till.display] if till.display else []
        self.setWindowTitle(f"Galla till · {till.settings.store_name}")
        self.login = LoginView()
        self.sale = SaleView()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.login)
        self.stack.addWidget(self.sale)
        self.setCentralWidget(self.stack)
        self.status = QLabel("")
        self.statusBar().addPermanentWidget(self.status, 1)
        self.printer_status = QLabel("")
        self.statusBar().addPermanentWidget(self.printer_status)
        self.printer_state_changed.connect(self.show_printer_state)
        if till.printing is not None:
            # called on the print queue's thread: the signal carries it to the GUI thread
            till.printing.listen(self.printer_state_changed.emit)
            self.show_printer_state(till.printing.state)
        self.login.submitted.connect(self._login)
        self.sale.action.connect(self.perform)
        self.sale.entered.connect(self._entered)
        self.sale.search_changed.connect(self._search)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)
        self._timer.start(idle_check_ms)
        self.installEventFilter(self)
        self.show_login()
        if till.sync is not None:  # no-op until the till is enrolled
            till.sync.start()

    # ------------------------------------------------------------------ plumbing
    def show_printer_state(self, state: QueueState) -> None:
        """Show the printer's trouble (and the retry) in the status bar, red when wrong."""
        self.printer_status.setText(printer_text(state))
        self.printer_status.setStyleSheet(
            "color: white; background: #b00020; padding: 2px 6px;" if state.detail else ""
        )

    def closeEvent(self, event: object) -> None:  # noqa: N802
        """Stop hearing from the print queue once the window is gone."""
        if self.till.printing is not None:
            self.till.printing.unlisten(self.printer_state_changed.emit)
        super().closeEvent(event)  # type: ignore[arg-type]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """Any key or click counts as activity for the idle lock."""
        if event.type() in (QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress):
            self.till.idle.touch()
        return super().eventFilter(watched, event)

    def _tick(self) -> None:
        if self.session is not None and self.till.idle.expired():
            self.lock("The till locked itself after being idle. Log in again.")
        self._between_sales()
        self.refresh_status()

    def _between_sales(self) -> None:
        # what the sync thread pulled takes effect here, never in the middle of a sale
        sync = self.till.sync
        if sync is None or (self.session is not None and not self.session.cart.is_empty):
            return
        if refresh_between_sales(self.till):
            self.setWindowTitle(f"Galla till · {self.till.settings.store_name}")
        if self.session is None and sync.users_changed.is_set():
            sync.users_changed.clear()
            self.login.set_users(self.till.auth.users())

    def refresh_status(self) -> None:
        """Status bar: who is logged in, the shift, and what waits in the outbox."""
        stats = self.till.store.outbox_stats()
        now = self.till.context.clock.now()
        shift = self.till.shifts.current()
        parts = [
            self.session.cashier.name if self.session else "Locked",
            f"shift open since {shift.opened_at:%H:%M}" if shift else "no shift open",
            f"outbox {stats.pending} waiting{_age(stats.oldest, now)}",
        ]
        sync = self.till.sync
        if sync is not None and sync.enrolment() is not None:
            status = sync.status()
            parts[-1] = sync_status_text(status, now)
            self.status.setToolTip(sync_tooltip(sync, status))
        self.status.setText("  ·  ".join(parts))

    def _open(self, dialog: QDialog) -> None:
        self.dialog = dialog
        dialog.finished.connect(self._dialog_closed)
        dialog.open()

    def _dialog_closed(self) -> None:
        self.dialog = None
        self.sale.search.setFocus()

    def _guard(self, work: Callable[[], object]) -> bool:
        """Run ``work``; show a service error in the banner. Returns whether it succeeded."""
        try:
            self.till.idle.check()
        except SessionExpired as exc:
            self.lock(str(exc))
            return False
        try:
            work()
        except (GallaError, ValueError) as exc:
            self.sale.show_error(str(exc))
            return False
        return True

    def with_approval(
        self,
        work: Callable[[User | None], object],
        done: str = "",
        show_error: Callable[[str], None] | None = None,
    ) -> None:
        """Run ``work(None)``; if it needs a supervisor, ask for the PIN and run it again.

        Errors go to ``show_error`` (default: the sale screen's banner) and change nothing.
        """
        show = show_error or self.sale.show_error
        try:
            self.till.idle.check()
        except SessionExpired as exc:
            self.lock(str(exc))
            return
        try:
            work(None)
        except ApprovalRequired as needed:
            self._ask_supervisor(needed, work, done, show)
            return
        except (GallaError, ValueError) as exc:
            show(str(exc))
            return
        self._after_change(done)

    def _ask_supervisor(
        self,
        needed: ApprovalRequired,
        work: Callable[[User | None], object],
        done: str,
        show: Callable[[str], None],
    ) -> None:
        assert self.session is not None
        cashier = self.session.cashier
        parent = self.dialog or self
        pin = PinDialog(parent, str(needed))

        def submitted(code: str) -> None:
            try:
                approver = self.till.auth.approve(code, needed.action, cashier)
            except (GallaError, ValueError) as exc:
                pin.fail(str(exc))
                return
            pin.accept()
            try:
                work(approver)
            except (GallaError, ValueError) as exc:
                show(str(exc))
                return
            self._after_change(done)

        pin.submitted.connect(submitted)
        self.pin_dialog = pin
        pin.open()

    def _after_change(self, done: str = "") -> None:
        self.refresh_cart()
        if done:
            self.sale.show_info(done)
        self.refresh_status()

    def refresh_cart(self) -> None:
        """Redraw the cart table and totals from the session."""
        if self.session is None:
            return
        invoice = self.session.invoice()
        self.sale.model.set_rows(cart_rows(self.session.cart, invoice))
        self.sale.show_totals(invoice, len(self.session.cart.lines))
        cart = self.session.cart
        who = [x for x in (cart.customer_phone, cart.customer_gstin) if x]
        self.sale.customer.setText("Customer: " + " · ".join(who) if who else "")
        rows = self.sale.model.rowCount()
        if rows:
            self.sale.table.selectRow(rows - 1)
        if cart.lines:
            last = invoice.lines[-1]
            self.show_customer(invoice.grand_total, cart.lines[-1].item.name, last.gross)
        else:
            self.show_customer(invoice.grand_total)

    def sale_total(self) -> Money:
        """The total of the sale in progress (zero when there is none)."""
        if self.session is None or self.session.cart.is_empty:
            return Money(0)
        return self.session.invoice().grand_total

    def show_customer(self, total: Money, item: str = "", amount: Money | None = None) -> None:
        """The last item and the total on every customer display; a failing one is logged."""
        for display in self.displays:
            width = self.till.settings.display_pole_width
            try:
                display.show(pole_lines(total, item, amount, width))
            except DeviceError as exc:  # the customer display never stops a sale
                log.warning("customer display failed: %s", exc)

    # ------------------------------------------------------------------ login / lock
    def show_login(self, message: str = "") -> None:
        """Show the login screen."""
        self.login.set_users(self.till.auth.users())
        self.stack.setCurrentWidget(self.login)
        self.login.reset(message)
        self.refresh_status()

    def _login(self, user_id: str, pin: str) -> None:
        try:
            user = self.till.auth.login(user_id, pin)
        except (GallaError, ValueError) as exc:
            self.login.reset(str(exc))
            return
        self.session = self.till.new_sale(user)
        self.till.idle.touch()
        self.stack.setCurrentWidget(self.sale)
        self.sale.show_info(f"Welcome, {user.name}. F1 shows every key.")
        self.refresh_cart()
        self.sale.search.setFocus()
        if self.till.shifts.current() is None:
            self.open_shift()
        self.refresh_status()

    def lock(self, message: str = "Locked. Log in to continue.") -> None:
        """Leave the till: a sale in progress is held, so nothing is lost."""
        if self.dialog is not None:
            self.dialog.reject()
        if self.session is not None:
            if not self.session.cart.is_empty:
                self.session.hold("held when the till locked")
            self.till.auth.logout(self.session.cashier, "lock")
        self.session = None
        self.show_login(message)

    # ------------------------------------------------------------------ entering items
    def _search(self, text: str) -> None:
        if self.session is None:
            return
        text = text.strip()
        if len(text) < 2 or text.isdigit():
            self.sale.show_results([])
            return
        found = self.session.search(text, 8)
        sync = self.till.sync
        if not found and sync is not None and not sync.search_ready():
            # a fresh till builds its name index after the catalog arrived: say so
            self.sale.show_notice(SEARCH_BUILDING)
            return
        self.sale.show_results(found)

    def _entered(self, text: str) -> None:
        if self.session is None:
            return
        session = self.session
        picked = self.sale.highlighted_result()

        def add() -> None:
            if picked is not None:
                session.add(picked)
                return
            try:
                session.scan(text)
            except UnknownBarcode:
                first = self.sale.first_result()
                if first is None:
                    raise
                session.add(first)

        if not text.strip():
            return
        added = self._guard(add)
        # a scanner types into this box: never let the next scan append to a failed one
        self.sale.search.clear()
        self.sale.show_results([])
        if added:
            self._after_change()
            line = session.cart.lines[-1]
            self.sale.show_info(f"Added {line.item.name} × {line.quantity.normalize():f}")

    def scan(self, code: str) -> None:
        """A barcode from a scanner, on the GUI thread, whichever widget has focus.

        On the sale screen it goes into the cart. With a dialog open it is typed into the
        dialog's focused text box and Enter pressed (a receipt's code scanned into the return
        or history dialog); the settings screen shows it on its scanner test line; the stock
        screen (Shift+F2) looks the product up; a PIN prompt ignores it.
        """
        if isinstance(self.dialog, SettingsDialog):
            self.dialog.show_scan(code)
            return
        if self.pin_dialog_open():
            return  # a barcode is never a PIN: a stray scan must not count as a wrong one
        if isinstance(self.dialog, StockHoldDialog):
            self.dialog.scanned(code)  # a scan picks the product, whichever box has focus
            return
        owner = self.dialog
        if owner is not None:
            focus = QApplication.focusWidget()
            inside = isinstance(focus, QLineEdit) and owner.isAncestorOf(focus)
            target = focus if inside else _first_edit(owner)
            if isinstance(target, QLineEdit):
                target.insert(code)
                target.returnPressed.emit()
            return
        if self.session is None:
            return
        self.sale.search.setText(code)
        self._entered(code)

    def pin_dialog_open(self) -> bool:
        """Whether a supervisor PIN dialog is showing."""
        return self.pin_dialog is not None and self.pin_dialog.isVisible()

    # ------------------------------------------------------------------ actions
    def perform(self, action: str) -> None:
        """Do what a shortcut asks (see :data:`desktop.ui.sale_view.KEYS`)."""
        if self.session is None:
            return
        handler = getattr(self, f"_do_{action}", None)
        if handler is not None:
            handler()

    def _do_help(self) -> None:
        text = "\n".join(f"{key.label:<10} {key.title}" for key in KEYS)
        self._open(ReportDialog(self, "Keys", text))

    def _do_focus_search(self) -> None:
        self.sale.search.setFocus()
        self.sale.search.selectAll()

    def _do_clear(self) -> None:
        self.sale.search.clear()
        self.sale.show_results([])
        self.sale.banner.setText("")

    def _line(self) -> int | None:
        line = self.sale.selected_line()
        if line is None:
            self.sale.show_error("The sale has no items yet.")
        return line

    def _ask(
        self, title: str, label: str, then: Callable[[str, str], None], *, reason: bool = False
    ) -> AmountDialog:
        dialog = AmountDialog(self, title, label, reason=reason)

        def submitted(value: str, why: str) -> None:
            try:
                then(value, why)
            except (GallaError, ValueError) as exc:
                dialog.fail(str(exc))
                return
            dialog.accept()

        dialog.submitted.connect(submitted)
        self._open(dialog)
        return dialog

    def _do_quantity(self) -> None:
        line = self._line()
        if line is None or self.session is None:
            return
        session = self.session

        def then(value: str, _: str) -> None:
            session.set_quantity(line, parse_quantity(value))
            self._after_change()

        self._ask("Quantity", "New quantity", then)

    def _do_hold(self) -> None:
        assert self.session is not None
        session = self.session
        if self._guard(session.hold):
            self._after_change("Sale put on hold. F5 brings it back.")

    def _do_recall(self) -> None:
        assert self.session is not None
        session = self.session
        dialog = RecallDialog(self, session.held())

        def chosen(hold_id: str) -> None:
            try:
                session.recall(hold_id)
            except (GallaError, ValueError) as exc:
                dialog.fail(str(exc))
                return
            dialog.accept()
            self._after_change("Held sale recalled.")

        dialog.chosen.connect(chosen)
        self._open(dialog)

    def _do_void_line(self) -> None:
        line = self._line()
        if line is None or self.session is None:
            return
        session = self.session
        self.with_approval(lambda approver: session.void_line(line, approver), "Line voided.")

    def _do_void_sale(self) -> None:
        assert self.session is not None
        session = self.session
        self.with_approval(session.void_sale, "Sale voided.")

    def _do_override_price(self) -> None:
        line = self._line()
        if line is None or self.session is None:
            return
        session = self.session

        def then(value: str, _: str) -> None:
            price = parse_money(value, "price")
            self.with_approval(
                lambda approver: session.override_price(line, price, approver), "Price changed."
            )

        self._ask("Change price", "New unit price ₹", then)

    def _do_line_discount(self) -> None:
        line = self._line()
        if line is None or self.session is None:
            return
        session = self.session

        def then(value: str, _: str) -> None:
            amount = parse_money(value, "discount")
            self.with_approval(
                lambda approver: session.discount_line(line, amount, approver), "Discount given."
            )

        self._ask("Line discount", "Discount ₹ on this line", then)

    def _do_bill_discount(self) -> None:
        assert self.session is not None
        session = self.session

        def then(value: str, _: str) -> None:
            amount = parse_money(value, "discount")
            self.with_approval(
                lambda approver: session.discount_bill(amount, approver), "Bill discount given."
            )

        self._ask("Bill discount", "Discount ₹ on the bill", then)

    def _do_customer(self) -> None:
        assert self.session is not None
        session = self.session
        cart = session.cart
        dialog = CustomerDialog(self, cart.customer_phone or "", cart.customer_gstin or "")

        def submitted(phone: str, gstin: str) -> None:
            try:
                session.set_customer(phone, gstin)
            except (GallaError, ValueError) as exc:
                dialog.fail(str(exc))
                return
            dialog.accept()
            self._after_change()

        dialog.submitted.connect(submitted)
        self._open(dialog)

    def _do_tender(self) -> None:
        assert self.session is not None
        session = self.session
        if session.cart.is_empty:
            self.sale.show_error("Scan or search an item first.")
            return
        try:
            total = session.invoice().grand_total
        except GallaError as exc:
            self.sale.show_error(str(exc))
            return
        dialog = TenderDialog(self, total)

        def submitted(payments: object) -> None:
            try:
                self.till.idle.check()
                result = session.complete(payments)  # type: ignore[arg-type]
            except SessionExpired as exc:
                self.lock(str(exc))
                return
            except (GallaError, ValueError) as exc:
                dialog.fail(str(exc))
                return
            dialog.accept()
            self._completed(result)

        dialog.submitted.connect(submitted)
        self._open(dialog)

    def _completed(self, result: Completed) -> None:
        self.refresh_cart()
        if self.till.sync is not None:
            self.till.sync.poke()  # send it now if the server is reachable
        doc = result.document
        text = f"{'Credit note' if doc.kind.value == 'return' else 'Sale'} {doc.number} saved."
        if doc.change:
            text += f" Change {format_inr(doc.change)}."
        if result.print_error:
            self.sale.show_error(text + " " + result.print_error)
        else:
            self.sale.show_info(text)
        self.refresh_status()

    def _do_reprint(self) -> None:
        assert self.session is not None
        session = self.session
        cashier = session.cashier
        dialog = HistoryDialog(self, self.till.history.recent())

        def reprint(number: str) -> None:
            try:
                result = session.reprint(number)
            except (GallaError, ValueError) as exc:
                dialog.fail(str(exc))
                return
            dialog.accept()
            self.sale.show_info(f"Reprinted {result.document.number} (DUPLICATE).")
            if result.print_error:
                self.sale.show_error(result.print_error)

        def void(number: str, reason: str) -> None:
            def work(approver: User | None) -> None:
                result = self.till.history.void(
                    number, cashier=cashier, approver=approver, reason=reason
                )
                dialog.set_entries(self.till.history.recent())
                dialog.reason.clear()
                text = f"Invoice {result.document.number} voided: give back "
                text += f"{format_inr(result.document.grand_total)}."
                if result.drawer_error:
                    dialog.fail(text + " " + result.drawer_error)
                else:
                    dialog.note(text)

            self.with_approval(work, show_error=dialog.fail)

        dialog.reprint_requested.connect(reprint)
        dialog.void_requested.connect(void)
        self._open(dialog)

    def _do_scan_image(self) -> None:
        """Read a barcode from a picture file (a camera snapshot) into the cart."""
        from desktop.devices.scanner.camera import decode_image  # PIL: only when asked

        engine = self.till.hardware.scanner.camera_engine

        def then(value: str, _: str) -> None:
            path = value.strip()
            if not path:
                raise ValueError("Type the path of the picture.")
            try:
                found = decode_image(path, engine)
            except (OSError, DeviceError) as exc:
                raise ValueError(f"Cannot read the picture {path}: {exc}") from None
            if not found:
                raise ValueError("No barcode was found in that picture. Try a sharper one.")
            if len(found) > 1:
                raise ValueError("The picture shows more than one code. Take one at a time.")
            QTimer.singleShot(0, lambda: self.scan(found[0].text))

        self._ask("Scan a picture", "Picture file", then)

    def _do_retry_print(self) -> None:
        if self.till.printing is None:
            self.sale.show_error("No printer is set up on this till.")
            return
        self.till.printing.retry_now()
        self.sale.show_info("Trying the printer again.")

    def _do_settings(self) -> None:
        assert self.session is not None
        cashier = self.session.cashier

        def work(approver: User | None) -> None:
            authority = approver.role if approver else cashier.role
            require_role(authority, Role.SUPERVISOR, "settings", "The settings need a supervisor.")
            self.open_settings(approver or cashier)

        self.with_approval(work)

    def open_settings(self, user: User) -> SettingsDialog:
        """Open the settings screen for ``user`` (a supervisor; the PIN was checked)."""
        dialog = SettingsDialog(
            self, self.till.settings, self.till.hardware, now=self.till.context.clock.now
        )

        def save(changes: object) -> None:
            try:
                updated = self.till.save_settings(changes, user)  # type: ignore[arg-type]
            except (GallaError, ValueError) as exc:
                dialog.fail(f"Not saved: {exc}")
                return
            self.settings_applied.emit(updated)
            dialog.saved(updated, self.till.hardware, "Saved and in use now.")
            self.refresh_status()

        dialog.save_requested.connect(save)
        self._open(dialog)
        return dialog

    def _do_returns(self) -> None:
        assert self.session is not None
        cashier = self.session.cashier
        dialog = ReturnDialog(self)

        def search(number: str) -> None:
            try:
                document, left = self.till.returns.find(number)
            except (GallaError, ValueError) as exc:
                dialog.fail(str(exc))
                return
            dialog.show_document(document, left)

        def submitted(number: str, quantities: object, to_original: bool, reason: str) -> None:
            def work(approver: User | None) -> None:
                result = self.till.returns.issue(
                    number,
                    quantities,  # type: ignore[arg-type]
                    cashier=cashier,
                    approver=approver,
                    reason=reason,
                    to_original_tender=to_original,
                )
                dialog.accept()
                self._completed(result)

            self.with_approval(work, show_error=dialog.fail)

        dialog.search.connect(search)
        dialog.submitted.connect(submitted)
        self._open(dialog)

    def open_shift(self) -> None:
        """Ask for the opening float and open a shift."""
        assert self.session is not None
        cashier = self.session.cashier

        def then(value: str, _: str) -> None:
            self.till.shifts.open(cashier, parse_money(value, "opening float"))
            self.sale.show_info("Shift open. Happy selling!")
            self.refresh_status()

        self._ask("Open shift", "Opening float ₹ (cash in drawer)", then)

    def _do_x_report(self) -> None:
        def show() -> None:
            report = self.till.shifts.report()
            error = self.till.shifts.print_x()
            self._open(ReportDialog(self, "X report", format_report(report)))
            if error:
                self.sale.show_error(error)

        self._guard(show)

    def _move_cash(self, kind: MovementKind) -> None:
        assert self.session is not None
        cashier = self.session.cashier
        title = "Cash in" if kind is MovementKind.CASH_IN else "Cash out"

        def then(value: str, reason: str) -> None:
            amount = parse_money(value)
            self.with_approval(
                lambda approver: self.till.shifts.move_cash(
                    cashier, kind, amount, reason, approver
                ),
                f"{title} of {format_inr(amount)} recorded.",
            )

        self._ask(title, "Amount ₹", then, reason=True)

    def _do_cash_in(self) -> None:
        self._move_cash(MovementKind.CASH_IN)

    def _do_cash_out(self) -> None:
        self._move_cash(MovementKind.CASH_OUT)

    def _do_no_sale(self) -> None:
        assert self.session is not None
        cashier = self.session.cashier

        def work(approver: User | None) -> None:
            error = self.till.shifts.no_sale(cashier, "no sale", approver)
            if error:
                raise TillError(error)

        self.with_approval(work, "Drawer opened (no sale).")

    def _do_close_shift(self) -> None:
        assert self.session is not None
        cashier = self.session.cashier
        if self.till.shifts.current() is None:
            self.sale.show_error("No shift is open.")
            return
        dialog = CloseShiftDialog(self)
        closed: list[ZClose] = []

        def submitted(counts: object) -> None:
            try:
                result = self.till.shifts.close(cashier, counts)  # type: ignore[arg-type]
            except (GallaError, ValueError) as exc:
                dialog.fail(str(exc))
                return
            closed.append(result)
            dialog.closed(
                format_report(
                    result.report,
                    z_number=result.z_number,
                    count=result.count,
                    show_expected=False,
                )
            )
            if result.print_error:
                dialog.fail(result.print_error)
            self.refresh_status()

        def reveal() -> None:
            pin = PinDialog(dialog, "Supervisor PIN to see the over/short.")

            def approved(code: str) -> None:
                try:
                    self.till.auth.approve(code, "view_over_short", cashier)
                except (GallaError, ValueError) as exc:
                    pin.fail(str(exc))
                    return
                pin.accept()
                result = closed[-1]
                dialog.reveal_text(
                    format_report(
                        result.report,
                        z_number=result.z_number,
                        count=result.count,
                        show_expected=True,
                    )
                )

            pin.submitted.connect(approved)
            self.pin_dialog = pin
            pin.open()

        dialog.submitted.connect(submitted)
        dialog.reveal_requested.connect(reveal)
        self._open(dialog)

    def _do_lock(self) -> None:
        self.lock()

    def _do_stock_hold(self) -> None:
        """Stock of the selected line's product (or one searched for), and customer holds."""
        assert self.session is not None
        if self.till.stock is None:
            self.sale.show_error("Stock checks are not set up on this till.")
            return
        session = self.session
        line_no = self.sale.selected_line()
        item = session.cart.line(line_no).item if line_no is not None else None
        self._open(StockHoldDialog(self, self.till.stock, item, lambda t: session.search(t, 8)))


def _first_edit(dialog: QWidget | None) -> QLineEdit | None:
    if dialog is None:
        return None
    edits = [edit for edit in dialog.findChildren(QLineEdit) if edit.isEnabled()]
    return edits[0] if edits else None
