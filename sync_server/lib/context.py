"""What every service needs, built once by the app factory and passed in explicitly."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from sync_server.db.session import Database
from sync_server.lib.clock import Clock, system_clock
from sync_server.lib.gate import PushGate
from sync_server.lib.security import Argon2Parameters, Secrets, TokenCodec
from sync_server.settings import ServerSettings

__all__ = ("AppContext",)


@dataclass(slots=True)
class AppContext:
    """The database, clock, hashing and token machinery of one server process."""

    settings: ServerSettings
    db: Database
    clock: Clock = system_clock
    key: bytes = field(init=False)
    hasher: Secrets.Hasher = field(init=False)
    tokens: TokenCodec = field(init=False)
    push_gate: PushGate = field(init=False)

    def __post_init__(self) -> None:
        s = self.settings
        # without a configured key, tokens die with the process: fine for one dev process only
        self.key = s.secret_key.encode() if s.secret_key else secrets.token_bytes(32)
        self.hasher = Argon2Parameters(
            s.argon2_time_cost, s.argon2_memory_kib, s.argon2_parallelism
        ).hasher()
        self.tokens = TokenCodec(self.key, timedelta(minutes=s.access_token_minutes))
        self.push_gate = PushGate(s.push_concurrency, s.push_queue)

    def digest(self, secret: str) -> str:
        """Keyed digest of an opaque secret, as stored in the database."""
        return Secrets.digest(self.key, secret)
