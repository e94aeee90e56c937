"""The server's one exception tree, and its mapping to RFC 9457 problem details.

Services raise these; only the edge (``problem_response``) turns them into HTTP. Each class
fixes its status and a stable ``type`` slug; ``field`` names the offending input when there
is one, and ``extra`` carries further machine-readable members of the problem document.

::

    ServerError                       500  anything we did not plan for
    ├── InvalidInput                  400  wrong type, unknown field, bad JSON, failed rule
    │   └── InvalidGstinInput         400  a GSTIN failed a rule (``reason`` says which)
    ├── NotAuthenticated              401  missing/expired/revoked credential, bad password
    ├── PermissionDenied              403  authenticated, but not allowed to do this
    │   └── CompanySuspended          403  the caller's company is suspended
    ├── NotFound                      404  no such thing (or not yours: we never say which)
    ├── Conflict                      409  clashes with what is stored (duplicate email, code)
    │   └── PlanLimitReached          409  the company's plan allows no more stores/terminals/users
    ├── PayloadTooLarge               413  request body over the configured limit
    └── TooManyAttempts               429  rate limit or lockout; ``retry_after`` seconds
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = (
    "PROBLEM_BASE",
    "CompanySuspended",
    "Conflict",
    "InvalidGstinInput",
    "InvalidInput",
    "NotAuthenticated",
    "NotFound",
    "PayloadTooLarge",
    "PermissionDenied",
    "PlanLimitReached",
    "ServerError",
    "TooManyAttempts",
    "problem_document",
)

PROBLEM_BASE = "https://galla.dev/problems/"
"""Problem ``type`` URIs are this plus a slug (they name the problem; nothing is served there)."""


class ServerError(Exception):
    """Base of every error the server maps to a problem-details answer."""

    status: ClassVar[int] = 500
    slug: ClassVar[str] = "internal-error"
    title: ClassVar[str] = "Internal server error"

    def __init__(self, detail: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.extra = extra


class InvalidInput(ServerError):
    """The request is malformed or breaks a rule; ``field`` names the input at fault."""

    status = 400
    slug = "invalid-input"
    title = "Invalid input"


class InvalidGstinInput(InvalidInput):
    """A GSTIN failed validation; ``extra['reason']`` is the rule (format/state_code/checksum)."""

    slug = "invalid-gstin"
    title = "Invalid GSTIN"


class NotAuthenticated(ServerError):
    """No valid credential: missing, malformed, expired, revoked, or a wrong password."""

    status = 401
    slug = "not-authenticated"
    title = "Not authenticated"


class PermissionDenied(ServerError):
    """The caller is known but may not do this."""

    status = 403
    slug = "permission-denied"
    title = "Permission denied"


class CompanySuspended(PermissionDenied):
    """The caller's company is suspended by the platform."""

    slug = "company-suspended"
    title = "Company suspended"


class NotFound(ServerError):
    """The thing does not exist for this caller (another tenant's ids look the same)."""

    status = 404
    slug = "not-found"
    title = "Not found"


class Conflict(ServerError):
    """The request clashes with stored state."""

    status = 409
    slug = "conflict"
    title = "Conflict"


class PlanLimitReached(Conflict):
    """The company's plan does not allow another store, terminal or user."""

    slug = "plan-limit-reached"
    title = "Plan limit reached"


class PayloadTooLarge(ServerError):
    """The request body is larger than the server accepts."""

    status = 413
    slug = "payload-too-large"
    title = "Payload too large"


class TooManyAttempts(ServerError):
    """Too many attempts from this address or for this account; try again later."""

    status = 429
    slug = "too-many-attempts"
    title = "Too many attempts"


def problem_document(error: ServerError, instance: str | None = None) -> dict[str, Any]:
    """Return the RFC 9457 problem document for ``error``."""
    doc: dict[str, Any] = {
        "type": PROBLEM_BASE + error.slug,
        "title": error.title,
        "status": error.status,
        "detail": error.detail,
    }
    if instance:
        doc["instance"] = instance
    if error.field is not None:
        doc["field"] = error.field
    doc.update(error.extra)
    return doc
