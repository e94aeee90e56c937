"""The till sync's exception tree: what can go wrong talking to the server.

Every class derives from :class:`~desktop.errors.TillError`, so the UI shows ``str(error)``
as it does for every till error; the sentences are written for a cashier or the person
installing the till.

::

    SyncError
    ├── SyncUnavailable         the server could not be reached or answered 5xx/429: retry
    ├── EnrolmentFailed         the one-time code was not accepted
    │   ├── WrongEnrolmentCode  unknown or already used
    │   └── EnrolmentCodeExpired  too old; ask for a new one
    ├── TerminalRevoked         the server refused this till's credential: stop syncing
    ├── SyncRefused             the server refused the request (suspended company, bad batch)
    ├── NotEnrolled             syncing was asked for before enrolment
    └── CredentialMissing       the stored credential is gone (keyring wiped, file deleted)
"""

from __future__ import annotations

from desktop.errors import TillError

__all__ = (
    "CredentialMissing",
    "EnrolmentCodeExpired",
    "EnrolmentFailed",
    "NotEnrolled",
    "SyncError",
    "SyncRefused",
    "SyncUnavailable",
    "TerminalRevoked",
    "WrongEnrolmentCode",
)


class SyncError(TillError):
    """Base of every sync error."""


class SyncUnavailable(SyncError):
    """The server is unreachable, timed out or answered with a server error; try again later.

    Attributes:
        retry_after: the seconds the server asked us to wait (``Retry-After``), if it did.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class EnrolmentFailed(SyncError):
    """The server did not accept the enrolment."""


class WrongEnrolmentCode(EnrolmentFailed):
    """The code is unknown or was already used."""


class EnrolmentCodeExpired(EnrolmentFailed):
    """The code was right but is too old."""


class TerminalRevoked(SyncError):
    """The server no longer accepts this till's credential (revoked or unknown)."""


class SyncRefused(SyncError):
    """The server refused the request for a reason retrying will not fix by itself.

    Attributes:
        status: the HTTP status.
    """

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


class NotEnrolled(SyncError):
    """The till has not been enrolled with a server yet."""


class CredentialMissing(SyncError):
    """The till is enrolled but its stored credential cannot be found."""
