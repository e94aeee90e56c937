"""HTTP routes of the accounts area: sign-in, tokens, users."""

from __future__ import annotations

import uuid

from litestar import Controller, get, patch, post, put
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT

from sync_server.domain.accounts import services
from sync_server.domain.accounts.schemas import (
    LoginRequest,
    Me,
    PinSet,
    RefreshRequest,
    TokenPair,
    UserCreate,
    UserUpdate,
    UserView,
)
from sync_server.lib.web import Actor, Address, Ctx

__all__ = ("AuthController", "UserController")


class AuthController(Controller):
    """Sign in, refresh, sign out, and who am I."""

    path = "/api/v1/auth"
    tags = ["auth"]  # noqa: RUF012 - Litestar reads it

    @post("/login", operation_id="Login", status_code=200)
    async def login(self, ctx: Ctx, data: JSONBody[LoginRequest], client_ip: Address) -> TokenPair:
        """Check email and password; answer an access token and a refresh token."""
        return await services.login(ctx, data, client_ip)

    @post("/refresh", operation_id="Refresh", status_code=200)
    async def refresh(self, ctx: Ctx, data: JSONBody[RefreshRequest]) -> TokenPair:
        """Exchange a refresh token for a new pair (each refresh token works once)."""
        return await services.refresh(ctx, data.refresh_token)

    @post("/logout", operation_id="Logout", status_code=HTTP_204_NO_CONTENT)
    async def logout(self, ctx: Ctx, data: JSONBody[RefreshRequest]) -> None:
        """Revoke the sign-in the refresh token belongs to."""
        await services.logout(ctx, data.refresh_token)

    @get("/me", operation_id="Me")
    async def me(self, principal: Actor) -> Me:
        """Who the access token speaks for."""
        return services.describe(principal)


class UserController(Controller):
    """The company's users and their roles."""

    path = "/api/v1/users"
    tags = ["users"]  # noqa: RUF012 - Litestar reads it

    @get("/", operation_id="ListUsers")
    async def list_users(self, ctx: Ctx, principal: Actor) -> list[UserView]:
        """List users of the caller's company."""
        return await services.list_users(ctx, principal)

    @post("/", operation_id="CreateUser")
    async def create_user(self, ctx: Ctx, principal: Actor, data: JSONBody[UserCreate]) -> UserView:
        """Add a user with roles, and optionally email + password and a till PIN."""
        return await services.create_user(ctx, principal, data)

    @get("/{user_id:uuid}", operation_id="GetUser")
    async def get_user(self, ctx: Ctx, principal: Actor, user_id: FromPath[uuid.UUID]) -> UserView:
        """One user of the caller's company."""
        return await services.get_user(ctx, principal, user_id)

    @patch("/{user_id:uuid}", operation_id="UpdateUser")
    async def update_user(
        self, ctx: Ctx, principal: Actor, user_id: FromPath[uuid.UUID], data: JSONBody[UserUpdate]
    ) -> UserView:
        """Rename, (de)activate or re-role a user."""
        return await services.update_user(ctx, principal, user_id, data)

    @put("/{user_id:uuid}/pin", operation_id="SetUserPin", status_code=HTTP_204_NO_CONTENT)
    async def set_pin(
        self, ctx: Ctx, principal: Actor, user_id: FromPath[uuid.UUID], data: JSONBody[PinSet]
    ) -> None:
        """Set the user's till PIN."""
        await services.set_pin(ctx, principal, user_id, data)
