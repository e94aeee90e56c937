"""The HTTP edge: problem-details answers for every error, and who-is-calling dependencies.

Everything here is Litestar-specific; services never import it.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import Request, Response
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException, ValidationException
from litestar.types import ExceptionHandlersMap

from sync_server.domain.accounts.services import authenticate
from sync_server.domain.terminals.services import authenticate_terminal, is_terminal_credential
from sync_server.lib.context import AppContext
from sync_server.lib.errors import (
    PROBLEM_BASE,
    InvalidInput,
    NotAuthenticated,
    PayloadTooLarge,
    PermissionDenied,
    ServerError,
    problem_document,
)
from sync_server.lib.principal import Principal, TerminalPrincipal

__all__ = (
    "EXCEPTION_HANDLERS",
    "PROBLEM_JSON",
    "Actor",
    "Address",
    "Ctx",
    "Till",
    "client_address",
    "provide_ctx",
    "provide_principal",
    "provide_terminal",
)

PROBLEM_JSON = "application/problem+json"
_log = logging.getLogger("sync_server")

Ctx = NamedDependency[AppContext]
"""Handler parameter ``ctx``: the process's services context."""
Actor = NamedDependency[Principal]
"""Handler parameter ``principal``: the signed-in person (401/403 otherwise)."""
Till = NamedDependency[TerminalPrincipal]
"""Handler parameter ``terminal_auth``: the enrolled, unrevoked terminal (401/403 otherwise)."""
Address = NamedDependency[str]
"""Handler parameter ``client_ip``: the client's address, for rate limits."""
_NAMED_FIELD = re.compile(r"(?:unknown|missing required) field `([^`]+)`")

_HTTP_SLUGS = {
    400: ("invalid-input", "Invalid input"),
    401: ("not-authenticated", "Not authenticated"),
    403: ("permission-denied", "Permission denied"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    413: ("payload-too-large", "Payload too large"),
}


def _respond(request: Request[Any, Any, Any], error: ServerError) -> Response[Any]:
    headers = {}
    if "retry_after" in error.extra:
        headers["Retry-After"] = str(error.extra["retry_after"])
    return Response(
        problem_document(error, instance=request.url.path),
        status_code=error.status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _validation_error(exc: ValidationException) -> InvalidInput:
    problems = exc.extra if isinstance(exc.extra, list) else []
    if not problems:
        return InvalidInput(exc.detail)
    first = problems[0] if isinstance(problems[0], dict) else {}
    message = str(first.get("message", exc.detail))
    key = str(first.get("key", ""))
    base = "" if key in {"", "data"} else key
    named = _NAMED_FIELD.search(message)
    field: str | None = base or None
    if named:
        field = f"{base}.{named.group(1)}" if base else named.group(1)
    if message == "'data'":
        return InvalidInput("a JSON request body is required")
    where = f"{field} in the {first.get('source', 'body')}" if field else "the body"
    return InvalidInput(f"{where}: {message}", field=field)


def _on_server_error(request: Request[Any, Any, Any], exc: ServerError) -> Response[Any]:
    return _respond(request, exc)


def _on_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if isinstance(exc, ValidationException):
        return _respond(request, _validation_error(exc))
    status = exc.status_code
    if status == 413:
        return _respond(request, PayloadTooLarge("the request body is larger than allowed"))
    slug, title = _HTTP_SLUGS.get(status, ("http-error", "HTTP error"))
    document = {
        "type": PROBLEM_BASE + slug,
        "title": title,
        "status": status,
        "detail": exc.detail,
        "instance": request.url.path,
    }
    return Response(document, status_code=status, media_type=PROBLEM_JSON)


#: SQLSTATEs PostgreSQL gives text it cannot store: ``untranslatable_character`` (a U+0000,
#: which no PostgreSQL text holds) and ``character_not_in_repertoire``.
_UNSTORABLE_TEXT = frozenset({"22P05", "22021"})


def _sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE of a database error, raw asyncpg or wrapped by SQLAlchemy."""
    for candidate in (exc, getattr(exc, "orig", None), exc.__cause__):
        state = getattr(candidate, "sqlstate", None)
        if isinstance(state, str):
            return state
    return None


def _on_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if _sqlstate(exc) in _UNSTORABLE_TEXT:
        # the transaction was rolled back: nothing of the request was written
        return _respond(
            request,
            InvalidInput(
                "text cannot contain the NUL character (U+0000) or invalid characters; "
                "remove them and send again"
            ),
        )
    _log.exception("unhandled error on %s %s", request.method, request.url.path)
    return _respond(request, ServerError("something went wrong on the server; it was logged"))


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    ServerError: _on_server_error,
    HTTPException: _on_http_exception,
    Exception: _on_unexpected,
}


def provide_ctx(state: State) -> AppContext:
    """The process's :class:`AppContext` (built by the app factory)."""
    ctx: AppContext = state.ctx
    return ctx


def client_address(request: Request[Any, Any, Any]) -> str:
    """The caller's address, for per-address rate limits.

    Behind a proxy this is the proxy's address unless the ASGI server is told to trust
    ``X-Forwarded-For`` (uvicorn ``--proxy-headers``); the app never reads the header itself.
    """
    return request.client.host if request.client else "unknown"


def _bearer(request: Request[Any, Any, Any]) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated("send 'Authorization: Bearer <token>'")
    return token.strip()


async def provide_principal(request: Request[Any, Any, Any], ctx: Ctx) -> Principal:
    """The signed-in person; terminals are refused here."""
    token = _bearer(request)
    if is_terminal_credential(token):
        raise PermissionDenied("terminals cannot use this endpoint")
    return await authenticate(ctx, token)


async def provide_terminal(request: Request[Any, Any, Any], ctx: Ctx) -> TerminalPrincipal:
    """The enrolled terminal; people's tokens are refused here."""
    token = _bearer(request)
    if not is_terminal_credential(token):
        raise PermissionDenied("only an enrolled terminal can use this endpoint")
    return await authenticate_terminal(ctx, token)
