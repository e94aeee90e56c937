"""The till's side of sync: enrolment, the background push/pull worker and its bookkeeping.

No Qt here (only ``desktop.ui`` imports Qt) and no ``sqlite3`` (SQL runs on connections the
store hands over). The pieces, outside in:

- :mod:`~desktop.sync.service`: :class:`TillSync`, what the composition root and the UI use;
- :mod:`~desktop.sync.worker`: the background thread that pushes, pulls and backs off;
- :mod:`~desktop.sync.client`: the HTTP client (httpx) and its error mapping;
- :mod:`~desktop.sync.ledger` and :mod:`~desktop.sync.apply`: sync state and pulled data in
  the till database;
- :mod:`~desktop.sync.credentials`: the credential in the OS keyring or a 0600 file;
- :mod:`~desktop.sync.errors`: the exception tree.
"""

from __future__ import annotations

from desktop.sync.client import Enrolment, SyncClient
from desktop.sync.errors import (
    CredentialMissing,
    EnrolmentCodeExpired,
    EnrolmentFailed,
    NotEnrolled,
    SyncError,
    SyncRefused,
    SyncUnavailable,
    TerminalRevoked,
    WrongEnrolmentCode,
)
from desktop.sync.service import Identity, TillSync, apply_identity, read_identity
from desktop.sync.worker import SyncStatus, SyncWorker

__all__ = (
    "CredentialMissing",
    "Enrolment",
    "EnrolmentCodeExpired",
    "EnrolmentFailed",
    "Identity",
    "NotEnrolled",
    "SyncClient",
    "SyncError",
    "SyncRefused",
    "SyncStatus",
    "SyncUnavailable",
    "SyncWorker",
    "TerminalRevoked",
    "TillSync",
    "WrongEnrolmentCode",
    "apply_identity",
    "read_identity",
)
