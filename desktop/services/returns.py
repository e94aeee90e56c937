"""Returns: find the original invoice, credit some or all of it, refund, print.

A refund needs a supervisor (``approver``). The credit note takes the next number of the
terminal's credit-note series and is stored with its ``RefundIssued`` event in one
transaction; the store refuses nothing, so the check that no more comes back than was sold
(:func:`desktop.domain.returns.plan_return`) runs inside the same write, against the credit
notes already stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from desktop.domain.cart import require_role
from desktop.domain.catalog import Role, User
from desktop.domain.document import DocumentKind, SaleDocument
from desktop.domain.returns import build_credit_note, plan_return, returnable
from desktop.domain.tender import Method
from desktop.errors import NoOpenShift, ReturnError, SaleNotFound
from desktop.services.context import TillContext
from desktop.services.events import refund_issued
from desktop.services.ports import AuditDraft
from desktop.services.sale import Completed, print_after_commit

__all__ = ("Returns",)


def _refuse_if_voided(context: TillContext, document: SaleDocument) -> None:
    if context.store.is_voided(document.sale_id):
        raise ReturnError(
            f"Invoice {document.number} was voided; nothing can be returned against it."
        )


class Returns:
    """Returns against invoices issued by this till.

    Args:
        context: the till's shared parts.
    """

    def __init__(self, context: TillContext) -> None:
        self._ctx = context

    def find(self, number_or_scan: str) -> tuple[SaleDocument, dict[int, Decimal]]:
        """Find an invoice by its number (typed, or scanned from the receipt's code).

        Returns:
            The invoice and, per line number, the quantity that may still be returned.

        Raises:
            SaleNotFound: no invoice has that number.
            ReturnError: the number is a credit note's, or the invoice was voided.
        """
        text = number_or_scan.strip()
        document = self._ctx.store.document_by_number(text)
        if document is None:
            raise SaleNotFound(f"No receipt has the number {text!r}. Check the receipt.")
        if document.kind is not DocumentKind.SALE:
            raise ReturnError(f"{document.number} is a credit note; find the original invoice.")
        _refuse_if_voided(self._ctx, document)
        returned = self._ctx.store.returned_lines(document.sale_id)
        return document, returnable(document, returned)

    def issue(
        self,
        original_number: str,
        quantities: Mapping[int, Decimal],
        *,
        cashier: User,
        approver: User | None,
        reason: str,
        to_original_tender: bool = True,
    ) -> Completed:
        """Credit ``quantities`` (line number -> quantity) of an invoice and refund.

        Raises:
            ApprovalRequired: no supervisor approved the refund.
            SaleNotFound: no such invoice.
            ReturnExceedsSale: more than was sold, less what came back already.
            ReturnError: nothing chosen, or a bad line or quantity.
            NoOpenShift: no shift is open.
        """
        shift = self._ctx.store.current_shift()
        if shift is None:
            raise NoOpenShift("Open a shift before giving refunds.")
        original, _ = self.find(original_number)
        # checked before asking for a PIN, for a quick message; checked again inside the write
        plan_return(original, self._ctx.store.returned_lines(original.sale_id), quantities)
        authority = approver.role if approver else cashier.role
        require_role(authority, Role.SUPERVISOR, "refund", "A refund needs a supervisor.")
        now = self._ctx.clock.now()
        sale_id = self._ctx.new_id()
        supervisor_id = approver.user_id if approver else None
        store = self._ctx.store

        def build(number: str) -> SaleDocument:
            _refuse_if_voided(self._ctx, original)  # a void may have committed meanwhile
            lines = plan_return(original, store.returned_lines(original.sale_id), quantities)
            return build_credit_note(
                original=original,
                lines=lines,
                sale_id=sale_id,
                number=number,
                created_at=now,
                shift_id=shift.shift_id,
                cashier=cashier,
                to_original_tender=to_original_tender,
            )

        document = store.commit_document(
            "credit_note",
            now,
            build,
            lambda doc: refund_issued(doc, self._ctx.terminal, reason or "return", supervisor_id),
            [
                AuditDraft(
                    "refund_issued",
                    cashier.user_id,
                    now,
                    {
                        "original": original.number,
                        "reason": reason or "return",
                        **({"approved_by": supervisor_id} if supervisor_id else {}),
                    },
                )
            ],
        )
        cash = any(p.method is Method.CASH for p in document.payments)
        return print_after_commit(self._ctx, document, kick=cash)
