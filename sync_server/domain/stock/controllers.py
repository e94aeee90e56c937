"""HTTP routes of the stock area: availability, reservations, transfers (thin: services decide)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter, SkipValidation

from sync_server.domain.accounts.services import authenticate
from sync_server.domain.stock import services, transfers
from sync_server.domain.stock.schemas import (
    Availability,
    ReservationCreate,
    ReservationExtend,
    ReservationView,
    TransferCreate,
    TransferReceive,
    TransferView,
)
from sync_server.domain.terminals.services import authenticate_terminal, is_terminal_credential
from sync_server.lib.errors import NotAuthenticated
from sync_server.lib.web import Actor, Ctx

__all__ = ("ReservationController", "StockController", "TransferController", "provide_caller")

Caller = NamedDependency[SkipValidation[services.Caller]]
"""Handler parameter ``caller``: an enrolled terminal or a signed-in person (a union of two
dataclasses, which the signature model cannot validate, so it is passed through as made)."""
Limit = Annotated[int, QueryParameter(ge=1, le=500, description="1 to 500")]


async def provide_caller(request: Request[Any, Any, Any], ctx: Ctx) -> services.Caller:
    """The enrolled terminal or the signed-in person behind the bearer token."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise NotAuthenticated("send 'Authorization: Bearer <token>'")
    if is_terminal_credential(token):
        return await authenticate_terminal(ctx, token)
    return await authenticate(ctx, token)


CALLER = {"caller": Provide(provide_caller)}


class StockController(Controller):
    """Stock levels as tills and admins read them."""

    path = "/api/v1/stock"
    tags = ["stock"]  # noqa: RUF012 - Litestar reads it
    dependencies = CALLER

    @get("/availability", operation_id="StockAvailability")
    async def availability(
        self,
        *,
        ctx: Ctx,
        caller: Caller,
        store_id: FromQuery[uuid.UUID],
        product_id: Annotated[
            list[uuid.UUID] | None, QueryParameter(description="repeat for several products")
        ] = None,
        limit: Limit = 500,
        offset: Annotated[int, QueryParameter(ge=0)] = 0,
    ) -> list[Availability]:
        """On hand, reserved (unexpired holds only), available and incoming, per product."""
        return await services.availability(
            ctx, caller, store_id, product_id, limit=limit, offset=offset
        )


class ReservationController(Controller):
    """Holds on stock: reserve, extend, release, commit; idempotent by the client's id."""

    path = "/api/v1/reservations"
    tags = ["stock"]  # noqa: RUF012 - Litestar reads it
    dependencies = CALLER

    @post("/", operation_id="Reserve")
    async def reserve(
        self, ctx: Ctx, caller: Caller, data: JSONBody[ReservationCreate]
    ) -> Response[ReservationView]:
        """Hold stock (201), or answer a replay of the same id with what is stored (200)."""
        view, made = await services.reserve(ctx, caller, data)
        return Response(view, status_code=201 if made else 200)

    @get("/", operation_id="ListReservations")
    async def list_reservations(
        self,
        ctx: Ctx,
        caller: Caller,
        store_id: FromQuery[uuid.UUID],
        status: FromQuery[str | None] = None,
        limit: Limit = 100,
    ) -> list[ReservationView]:
        """A store's newest reservations (``status``: held, committed, released, expired)."""
        return await services.list_reservations(ctx, caller, store_id, status, limit=limit)

    @get("/{reservation_id:uuid}", operation_id="GetReservation")
    async def get_reservation(
        self, ctx: Ctx, caller: Caller, reservation_id: FromPath[uuid.UUID]
    ) -> ReservationView:
        """One reservation."""
        return await services.get_reservation(ctx, caller, reservation_id)

    @post("/{reservation_id:uuid}/extend", operation_id="ExtendReservation", status_code=200)
    async def extend(
        self,
        ctx: Ctx,
        caller: Caller,
        reservation_id: FromPath[uuid.UUID],
        data: JSONBody[ReservationExtend],
    ) -> ReservationView:
        """Hold for ``ttl_seconds`` more from now (refused once expired)."""
        return await services.extend_reservation(ctx, caller, reservation_id, data)

    @post("/{reservation_id:uuid}/release", operation_id="ReleaseReservation", status_code=200)
    async def release(
        self, ctx: Ctx, caller: Caller, reservation_id: FromPath[uuid.UUID]
    ) -> ReservationView:
        """Give the stock back (a replay changes nothing)."""
        return await services.release_reservation(ctx, caller, reservation_id)

    @post("/{reservation_id:uuid}/commit", operation_id="CommitReservation", status_code=200)
    async def commit(
        self, ctx: Ctx, caller: Caller, reservation_id: FromPath[uuid.UUID]
    ) -> ReservationView:
        """Turn the hold into stock movements, exactly once."""
        return await services.commit_reservation(ctx, caller, reservation_id)


class TransferController(Controller):
    """Stock sent between a company's stores."""

    path = "/api/v1/transfers"
    tags = ["stock"]  # noqa: RUF012 - Litestar reads it
    dependencies = CALLER

    @post("/", operation_id="SendTransfer")
    async def send(
        self, ctx: Ctx, principal: Actor, data: JSONBody[TransferCreate]
    ) -> Response[TransferView]:
        """Send stock (201); a replay of the same id answers what is stored (200)."""
        view, made = await transfers.send_transfer(ctx, principal, data)
        return Response(view, status_code=201 if made else 200)

    @get("/", operation_id="ListTransfers")
    async def list_transfers(
        self,
        ctx: Ctx,
        caller: Caller,
        store_id: FromQuery[uuid.UUID | None] = None,
        status: FromQuery[str | None] = None,
        limit: Limit = 100,
    ) -> list[TransferView]:
        """Newest transfers (``status=in_transit``: what is on the road)."""
        return await transfers.list_transfers(
            ctx, caller, store_id=store_id, status=status, limit=limit
        )

    @get("/{transfer_id:uuid}", operation_id="GetTransfer")
    async def get_transfer(
        self, ctx: Ctx, caller: Caller, transfer_id: FromPath[uuid.UUID]
    ) -> TransferView:
        """One transfer."""
        return await transfers.get_transfer(ctx, caller, transfer_id)

    @post("/{transfer_id:uuid}/receive", operation_id="ReceiveTransfer", status_code=200)
    async def receive(
        self,
        ctx: Ctx,
        caller: Caller,
        transfer_id: FromPath[uuid.UUID],
        data: JSONBody[TransferReceive],
    ) -> TransferView:
        """Book what arrived; differences from what was sent are recorded and flagged."""
        return await transfers.receive_transfer(ctx, caller, transfer_id, data)
