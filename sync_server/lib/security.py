"""Passwords, PINs, tokens and secrets.

Passwords and PINs are hashed with argon2id (argon2-cffi). The production parameters are
RFC 9106's second recommended option, the "low-memory" profile: ``time_cost=3``,
``memory_cost=65536`` KiB (64 MiB), ``parallelism=4``, 16-byte salt, 32-byte hash. They are
settings (see :class:`~sync_server.settings.ServerSettings`) so tests can run with cheap ones.

Access tokens are HS256 JWTs (PyJWT) carrying the account, company, user and refresh-token
family. Their expiry is checked against the injected clock, never PyJWT's own, so tests move
time instead of sleeping. Refresh tokens, terminal credentials and enrolment codes are opaque
random secrets; the database stores only an HMAC-SHA256 of them keyed by the server secret, so
a leaked table reveals nothing usable. (A fast keyed hash is right for high-entropy secrets;
argon2 is for the low-entropy ones people choose.)
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from sync_server.lib.errors import NotAuthenticated

__all__ = (
    "ENROLMENT_ALPHABET",
    "AccessClaims",
    "Argon2Parameters",
    "Secrets",
    "TokenCodec",
    "normalise_enrolment_code",
)

ENROLMENT_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
"""Letters and digits a person reads and types without confusion (no 0/O, 1/I/L)."""


@dataclass(frozen=True, slots=True)
class Argon2Parameters:
    """argon2id cost parameters; the defaults are the production ones (RFC 9106 low-memory)."""

    time_cost: int = 3
    memory_cost: int = 65536
    parallelism: int = 4

    def hasher(self) -> Secrets.Hasher:
        """Return a hasher using these parameters."""
        return Secrets.Hasher(self)


class Secrets:
    """Namespace for secret handling; see the module docstring."""

    class Hasher:
        """argon2id hashing with a constant-effort check for unknown accounts."""

        def __init__(self, params: Argon2Parameters) -> None:
            self._ph = PasswordHasher(
                time_cost=params.time_cost,
                memory_cost=params.memory_cost,
                parallelism=params.parallelism,
                hash_len=32,
                salt_len=16,
            )
            self._dummy = self._ph.hash(secrets.token_urlsafe(16))

        def hash(self, secret: str) -> str:
            """Return the argon2id hash of ``secret`` (encoded, with its parameters)."""
            return self._ph.hash(secret)

        def verify(self, stored: str | None, secret: str) -> bool:
            """Return whether ``secret`` matches ``stored``.

            With no stored hash (unknown email, user without a password) the secret is checked
            against a dummy hash anyway, so the answer takes as long either way.
            """
            try:
                return self._ph.verify(stored or self._dummy, secret) and stored is not None
            except (VerificationError, InvalidHashError):
                return False

    @staticmethod
    def token(prefix: str, nbytes: int = 32) -> str:
        """Return a fresh opaque secret such as ``grt_...`` (URL-safe, ``nbytes`` random)."""
        return prefix + secrets.token_urlsafe(nbytes)

    @staticmethod
    def digest(key: bytes, secret: str) -> str:
        """Return the hex HMAC-SHA256 of ``secret`` under the server ``key``."""
        return hmac.new(key, secret.encode(), hashlib.sha256).hexdigest()

    @staticmethod
    def enrolment_code() -> str:
        """Return a fresh 8-character enrolment code shown as ``XXXX-XXXX``."""
        chars = "".join(secrets.choice(ENROLMENT_ALPHABET) for _ in range(8))
        return f"{chars[:4]}-{chars[4:]}"


def normalise_enrolment_code(text: str) -> str:
    """Return ``text`` as a canonical code: upper case, no spaces or dashes."""
    return "".join(ch for ch in text.upper() if ch not in " -")


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """What an access token says about its bearer."""

    account_id: uuid.UUID
    family_id: uuid.UUID
    company_id: uuid.UUID | None
    user_id: uuid.UUID | None
    expires_at: datetime


class TokenCodec:
    """Signs and checks access tokens (HS256) against an injected clock."""

    ISSUER = "galla-sync-server"

    def __init__(self, key: bytes, lifetime: timedelta) -> None:
        self._key = key
        self.lifetime = lifetime

    def issue(
        self,
        *,
        account_id: uuid.UUID,
        family_id: uuid.UUID,
        company_id: uuid.UUID | None,
        user_id: uuid.UUID | None,
        now: datetime,
    ) -> str:
        """Return a signed access token valid from ``now`` for :attr:`lifetime`."""
        claims: dict[str, Any] = {
            "iss": self.ISSUER,
            "typ": "access",
            "sub": str(account_id),
            "fam": str(family_id),
            "cid": str(company_id) if company_id else None,
            "uid": str(user_id) if user_id else None,
            "iat": int(now.timestamp()),
            "exp": int((now + self.lifetime).timestamp()),
            "jti": secrets.token_hex(8),
        }
        return jwt.encode(claims, self._key, algorithm="HS256")

    def decode(self, token: str, now: datetime) -> AccessClaims:
        """Check ``token``'s signature, issuer, type and expiry (at ``now``) and read it.

        Raises:
            NotAuthenticated: the token is malformed, forged, of another type or expired.
        """
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=["HS256"],
                issuer=self.ISSUER,
                options={"verify_exp": False, "verify_iat": False, "require": ["exp", "sub"]},
            )
            if claims.get("typ") != "access":
                raise NotAuthenticated("this is not an access token")
            expires = datetime.fromtimestamp(int(claims["exp"]), tz=now.tzinfo)
            if now >= expires:
                raise NotAuthenticated("the access token has expired; refresh it")
            return AccessClaims(
                account_id=uuid.UUID(claims["sub"]),
                family_id=uuid.UUID(claims["fam"]),
                company_id=uuid.UUID(claims["cid"]) if claims.get("cid") else None,
                user_id=uuid.UUID(claims["uid"]) if claims.get("uid") else None,
                expires_at=expires,
            )
        except (jwt.PyJWTError, KeyError, ValueError, TypeError) as exc:
            raise NotAuthenticated("the access token is not valid") from exc
