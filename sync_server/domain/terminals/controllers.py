"""HTTP routes of the terminals area: enrolment codes, enrolment, revocation."""

from __future__ import annotations

import uuid

from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody

from sync_server.domain.terminals import services
from sync_server.domain.terminals.schemas import (
    Enrolled,
    EnrolmentCodeView,
    EnrolRequest,
    TerminalSelf,
    TerminalView,
)
from sync_server.lib.web import Actor, Address, Ctx, Till

__all__ = ("EnrolmentController", "TerminalController", "TerminalSelfController")


class TerminalController(Controller):
    """Terminals as admins manage them, and the public enrolment exchange."""

    path = "/api/v1/terminals"
    tags = ["terminals"]  # noqa: RUF012 - Litestar reads it

    @get("/", operation_id="ListTerminals")
    async def list_terminals(self, ctx: Ctx, principal: Actor) -> list[TerminalView]:
        """Terminals the caller may see."""
        return await services.list_terminals(ctx, principal)

    @get("/{terminal_id:uuid}", operation_id="GetTerminal")
    async def get_terminal(
        self, ctx: Ctx, principal: Actor, terminal_id: FromPath[uuid.UUID]
    ) -> TerminalView:
        """One terminal."""
        return await services.get_terminal(ctx, principal, terminal_id)

    @post("/{terminal_id:uuid}/revoke", operation_id="RevokeTerminal", status_code=200)
    async def revoke(
        self, ctx: Ctx, principal: Actor, terminal_id: FromPath[uuid.UUID]
    ) -> TerminalView:
        """Revoke a terminal; its next request is refused."""
        return await services.revoke_terminal(ctx, principal, terminal_id)

    @post("/enrol", operation_id="EnrolTerminal", status_code=201)
    async def enrol(self, ctx: Ctx, data: JSONBody[EnrolRequest], client_ip: Address) -> Enrolled:
        """Exchange a one-time enrolment code for a terminal credential (no sign-in needed)."""
        return await services.redeem_enrolment_code(ctx, data, client_ip)


class EnrolmentController(Controller):
    """One-time enrolment codes, per store."""

    path = "/api/v1/stores/{store_id:uuid}/enrolment-codes"
    tags = ["terminals"]  # noqa: RUF012 - Litestar reads it

    @post("/", operation_id="CreateEnrolmentCode")
    async def create(
        self, ctx: Ctx, principal: Actor, store_id: FromPath[uuid.UUID]
    ) -> EnrolmentCodeView:
        """Make a code a till can enrol into this store with (shown once)."""
        return await services.create_enrolment_code(ctx, principal, store_id)


class TerminalSelfController(Controller):
    """What an enrolled terminal may ask about itself."""

    path = "/api/v1/terminal"
    tags = ["terminals"]  # noqa: RUF012 - Litestar reads it

    @get("/me", operation_id="TerminalMe")
    async def me(self, terminal_auth: Till) -> TerminalSelf:
        """The calling terminal's identity (refused once it is revoked)."""
        return services.terminal_self(terminal_auth)
