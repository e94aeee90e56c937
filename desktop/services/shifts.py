"""Shifts and cash: open with a float, cash in/out, no-sale, X report, blind Z close."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from uuid import UUID

import msgspec

from desktop.domain.cart import require_role
from desktop.domain.catalog import Role, User
from desktop.domain.shift import (
    CashCount,
    CashMovement,
    MovementKind,
    ShiftReport,
    close_count,
    shift_report,
)
from desktop.errors import NoOpenShift, ShiftAlreadyOpen, ShiftError
from desktop.services.context import TillContext, log
from desktop.services.events import shift_closed
from desktop.services.ports import AuditDraft, ShiftRecord
from shared.money import Money
from shared.protocol.events import CashMoved, ShiftOpened

__all__ = ("Shifts", "ZClose")


@dataclass(frozen=True, slots=True)
class ZClose:
    """The outcome of a Z close; the UI shows ``count.over_short`` only to a supervisor.

    Attributes:
        z_number: the Z report's number.
        report: the shift's figures.
        count: the blind count and its over/short.
        print_error: the printer's complaint, if the Z report did not print.
    """

    z_number: int
    report: ShiftReport
    count: CashCount
    print_error: str | None = None


class Shifts:
    """The till's shift and cash-drawer actions.

    Args:
        context: the till's shared parts.
    """

    def __init__(self, context: TillContext) -> None:
        self._ctx = context

    def current(self) -> ShiftRecord | None:
        """The open shift, if any."""
        return self._ctx.store.current_shift()

    def _require(self) -> ShiftRecord:
        shift = self.current()
        if shift is None:
            raise NoOpenShift("No shift is open. Open one with the opening float first.")
        return shift

    def open(self, user: User, opening_float: Money) -> ShiftRecord:
        """Open a shift with the cash counted into the drawer.

        Raises:
            ShiftAlreadyOpen: a shift is open already.
            ShiftError: a negative float.
        """
        if self.current() is not None:
            raise ShiftAlreadyOpen("A shift is already open on this till.")
        if opening_float.paise < 0:
            raise ShiftError("The opening float cannot be negative.")
        now = self._ctx.clock.now()
        record = ShiftRecord(self._ctx.new_id(), user.user_id, now, opening_float)
        self._ctx.store.open_shift(
            record,
            lambda: ShiftOpened(
                shift_id=UUID(record.shift_id),
                store_id=self._ctx.terminal.store_id,
                terminal_id=self._ctx.terminal.terminal_id,
                cashier_id=UUID(user.user_id),
                opening_float_paise=opening_float.paise,
            ),
            AuditDraft(
                "shift_opened", user.user_id, now, {"float_paise": str(opening_float.paise)}
            ),
        )
        return record

    def move_cash(
        self, user: User, kind: MovementKind, amount: Money, reason: str, approver: User | None
    ) -> None:
        """Put cash in or take it out (supervisor), with a reason.

        Raises:
            ApprovalRequired: no supervisor approved.
            ShiftError: a zero or negative amount, or no reason.
            NoOpenShift: no shift is open.
        """
        authority = approver.role if approver else user.role
        label = "Cash in" if kind is MovementKind.CASH_IN else "Cash out"
        require_role(authority, Role.SUPERVISOR, "cash_movement", f"{label} needs a supervisor.")
        if kind is MovementKind.NO_SALE:
            raise ShiftError("Use 'open drawer' for a no-sale.")
        if amount.paise <= 0:
            raise ShiftError("Enter an amount more than zero.")
        if not reason.strip():
            raise ShiftError("Say why the cash is moved (e.g. bank drop, float top-up).")
        shift = self._require()
        now = self._ctx.clock.now()
        movement_id = self._ctx.new_id()
        supervisor = approver.user_id if approver else None
        self._ctx.store.record_cash_movement(
            shift.shift_id,
            movement_id=movement_id,
            movement=CashMovement(kind, amount, reason.strip(), now),
            user_id=user.user_id,
            approved_by=supervisor,
            payload=CashMoved(
                movement_id=UUID(movement_id),
                shift_id=UUID(shift.shift_id),
                cashier_id=UUID(user.user_id),
                supervisor_id=UUID(supervisor) if supervisor else None,
                direction="in" if kind is MovementKind.CASH_IN else "out",
                amount_paise=amount.paise,
                reason=reason.strip(),
            ),
            audit=AuditDraft(
                f"cash_{kind.value}",
                user.user_id,
                now,
                {
                    "amount_paise": str(amount.paise),
                    "reason": reason.strip(),
                    **({"approved_by": supervisor} if supervisor else {}),
                },
            ),
        )

    def no_sale(self, user: User, reason: str, approver: User | None) -> str | None:
        """Open the drawer without a sale (supervisor); returns a device complaint, if any.

        Raises:
            ApprovalRequired: no supervisor approved.
            NoOpenShift: no shift is open.
        """
        authority = approver.role if approver else user.role
        require_role(
            authority, Role.SUPERVISOR, "no_sale", "Opening the drawer needs a supervisor."
        )
        shift = self._require()
        now = self._ctx.clock.now()
        supervisor = approver.user_id if approver else None
        self._ctx.store.record_cash_movement(
            shift.shift_id,
            movement_id=self._ctx.new_id(),
            movement=CashMovement(MovementKind.NO_SALE, Money(0), reason.strip() or "no sale", now),
            user_id=user.user_id,
            approved_by=supervisor,
            payload=None,
            audit=AuditDraft(
                "no_sale",
                user.user_id,
                now,
                {
                    "reason": reason.strip() or "no sale",
                    **({"approved_by": supervisor} if supervisor else {}),
                },
            ),
        )
        try:
            self._ctx.drawer.kick()
        except Exception as exc:
            log.warning("drawer did not open: %s", exc)
            return f"The drawer did not open ({exc})."
        return None

    def report(self) -> ShiftReport:
        """The X report: the open shift's figures so far (nothing is reset).

        Raises:
            NoOpenShift: no shift is open.
        """
        shift = self._require()
        docs, moves, voids = self._ctx.store.shift_activity(shift.shift_id)
        voided = self._ctx.store.voided_sale_ids(shift.shift_id)
        return shift_report(shift.opening_float, docs, moves, voids, voided)

    def print_x(self) -> str | None:
        """Print the X report; returns the printer's complaint, if any."""
        report = self.report()
        try:
            self._ctx.printer.print_shift_report(report, z_number=None, count=None)
        except Exception as exc:
            log.warning("X report did not print: %s", exc)
            return f"The X report did not print ({exc})."
        return None

    def close(self, user: User, counts: Mapping[int, int]) -> ZClose:
        """Blind Z close: store the count and the figures, number the Z, print it.

        Raises:
            NoOpenShift: no shift is open.
            InvalidCashCount: a bad count (nothing is stored).
        """
        shift = self._require()
        report = self.report()
        count = close_count(report, counts)
        now = self._ctx.clock.now()
        z_number = self._ctx.store.close_shift(
            shift.shift_id,
            closed_by=user.user_id,
            closed_at=now,
            count=count,
            report_json=msgspec.json.encode(report),
            payload=lambda z: shift_closed(
                shift_id=shift.shift_id,
                z_number=z,
                cashier_id=user.user_id,
                report=report,
                count=count,
            ),
            audit=AuditDraft(
                "shift_closed",
                user.user_id,
                now,
                {
                    "counted_paise": str(count.counted.paise),
                    "over_short_paise": str(count.over_short.paise),
                },
            ),
        )
        error = None
        try:
            self._ctx.printer.print_shift_report(report, z_number=z_number, count=count)
        except Exception as exc:
            log.warning("Z report did not print: %s", exc)
            error = f"The Z report did not print ({exc})."
        return ZClose(z_number, report, count, error)
