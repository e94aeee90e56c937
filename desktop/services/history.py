"""Sale history: the recent receipts, reprints, and voiding a completed sale.

Voiding (a supervisor's PIN and a reason) stores the void, its ``SaleVoided`` event and its
audit entry in one transaction; the rules of :mod:`desktop.domain.voids` are checked inside
that transaction. The invoice keeps its number and its row; the X/Z reports leave it out of
the sales and count it as a void. A sale that took cash opens the drawer for the refund.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from desktop.domain.cart import require_role
from desktop.domain.catalog import Role, User
from desktop.domain.document import DocumentKind, SaleDocument
from desktop.domain.tender import Method
from desktop.errors import VoidRefused
from desktop.services.context import TillContext, log
from desktop.services.ports import AuditDraft
from shared.protocol.events import SaleVoided

__all__ = ("HistoryEntry", "SaleHistory", "Voided")


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One receipt in the history list.

    Attributes:
        document: the invoice or credit note.
        voided: the invoice was voided after completion.
        returned: credit notes were issued against it.
    """

    document: SaleDocument
    voided: bool
    returned: bool

    @property
    def status(self) -> str:
        """What the list shows beside the receipt."""
        if self.document.kind is DocumentKind.RETURN:
            return f"credit note for {self.document.original_number}"
        if self.voided:
            return "VOIDED"
        return "returns against it" if self.returned else ""


@dataclass(frozen=True, slots=True)
class Voided:
    """A completed sale that was voided.

    Attributes:
        document: the invoice.
        drawer_error: the drawer's complaint if it should have opened for a cash refund.
    """

    document: SaleDocument
    drawer_error: str | None = None


class SaleHistory:
    """The till's receipts, newest first, and what can be done with them.

    Args:
        context: the till's shared parts.
    """

    def __init__(self, context: TillContext) -> None:
        self._ctx = context

    def recent(self, limit: int = 50) -> list[HistoryEntry]:
        """The newest receipts with whether each was voided or returned against."""
        documents = self._ctx.store.recent_documents(limit)
        flags = self._ctx.store.document_flags([d.sale_id for d in documents])
        return [HistoryEntry(d, *flags.get(d.sale_id, (False, False))) for d in documents]

    def void(self, number: str, *, cashier: User, approver: User | None, reason: str) -> Voided:
        """Void the completed invoice ``number`` (supervisor), giving the money back.

        Raises:
            VoidRefused: no reason given, or the rules refuse it (already voided, returns
                against it, its shift is closed, a credit note).
            ApprovalRequired: no supervisor approved.
            SaleNotFound: no receipt has that number.
        """
        why = reason.strip()
        if not why:
            raise VoidRefused("Say why the sale is voided (e.g. wrong items rung up).")
        store = self._ctx.store
        document = store.document_by_number(number)
        # a quick look before asking for a PIN; the write checks every rule again
        if document is not None and store.is_voided(document.sale_id):
            raise VoidRefused(f"Invoice {document.number} was already voided.")
        authority = approver.role if approver else cashier.role
        require_role(authority, Role.SUPERVISOR, "void_sale", "Voiding a sale needs a supervisor.")
        supervisor = approver or cashier
        now = self._ctx.clock.now()

        def payload(doc: SaleDocument) -> SaleVoided:
            return SaleVoided(
                sale_id=UUID(doc.sale_id),
                invoice_number=doc.number,
                shift_id=UUID(doc.shift_id),
                cashier_id=UUID(cashier.user_id),
                supervisor_id=UUID(supervisor.user_id),
                reason=why,
            )

        def audit(doc: SaleDocument) -> AuditDraft:
            return AuditDraft(
                "completed_sale_voided",
                cashier.user_id,
                now,
                {
                    "number": doc.number,
                    "amount_paise": str(doc.grand_total.paise),
                    "reason": why,
                    "approved_by": supervisor.user_id,
                },
            )

        voided = store.void_sale(
            number,
            user_id=cashier.user_id,
            approved_by=supervisor.user_id,
            reason=why,
            at=now,
            payload=payload,
            audit=audit,
        )
        error = None
        if any(p.method is Method.CASH for p in voided.tendered):
            try:
                self._ctx.drawer.kick()
            except Exception as exc:  # the void is stored; the cashier opens the drawer by key
                log.warning("drawer did not open for void of %s: %s", voided.number, exc)
                error = f"The drawer did not open ({exc}). The void is saved."
        return Voided(voided, error)
