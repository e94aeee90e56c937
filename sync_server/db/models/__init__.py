"""The server's tables. Every tenant table leads its keys and indexes with ``company_id``."""

from sync_server.db.models._base import Base
from sync_server.db.models._catalog import Barcode, GstRate, Price, Product
from sync_server.db.models._changes import (
    EVERY_STORE,
    ChangeCounter,
    ChangeLog,
    GlobalChange,
    GlobalChangeCounter,
)
from sync_server.db.models._jobs import JobRun
from sync_server.db.models._sales import (
    CashMovement,
    CreditNote,
    CreditNoteLine,
    Payment,
    RefundTender,
    Sale,
    SaleLine,
    Shift,
)
from sync_server.db.models._stock import (
    Reservation,
    ReservationLine,
    StockLevel,
    StockMovement,
    Transfer,
    TransferLine,
)
from sync_server.db.models._sync import (
    AppliedEvent,
    AuditEvent,
    QuarantinedEvent,
    SyncException,
)
from sync_server.db.models._tenancy import (
    Account,
    AuthAttempt,
    Company,
    EnrolmentCode,
    Membership,
    RefreshToken,
    Store,
    Terminal,
    User,
)

__all__ = (
    "EVERY_STORE",
    "GLOBAL_TABLES",
    "PLATFORM_ONLY_TABLES",
    "Account",
    "AppliedEvent",
    "AuditEvent",
    "AuthAttempt",
    "Barcode",
    "Base",
    "CashMovement",
    "ChangeCounter",
    "ChangeLog",
    "Company",
    "CreditNote",
    "CreditNoteLine",
    "EnrolmentCode",
    "GlobalChange",
    "GlobalChangeCounter",
    "GstRate",
    "JobRun",
    "Membership",
    "Payment",
    "Price",
    "Product",
    "QuarantinedEvent",
    "RefreshToken",
    "RefundTender",
    "Reservation",
    "ReservationLine",
    "Sale",
    "SaleLine",
    "Shift",
    "StockLevel",
    "StockMovement",
    "Store",
    "SyncException",
    "Terminal",
    "Transfer",
    "TransferLine",
    "User",
)

GLOBAL_TABLES = frozenset(
    {
        "companies",
        "accounts",
        "refresh_tokens",
        "auth_attempts",
        "gst_rates",
        "global_changes",
        "global_change_counter",
        "job_runs",
    }
)
"""Tables without ``company_id`` (``companies`` is keyed by its own id and RLS-scoped by it)."""

PLATFORM_ONLY_TABLES = frozenset({"accounts", "refresh_tokens", "auth_attempts", "job_runs"})
"""Credential tables the tenant role cannot touch at all; only the platform session reads them."""
