"""PIN login with lockout, supervisor approvals, and the idle lock.

A user picks their name and enters a PIN. Each wrong PIN counts against that user; after
``max_attempts`` in a row the user is locked out for ``lockout`` (a supervisor can still log
in). Every login, failed PIN and lockout writes an audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from desktop.domain.catalog import Role, User
from desktop.errors import InvalidPin, NotPermitted, SessionExpired, UserLockedOut
from desktop.services.ports import AuditDraft, Clock, PinHasher, TillStore, UserRecord

__all__ = ("Argon2PinHasher", "Auth", "IdleLock")


class Argon2PinHasher:
    """argon2id PIN hashes; tests pass cheap parameters, production keeps the defaults.

    Args:
        time_cost: argon2 iterations.
        memory_cost: argon2 memory in KiB.
        parallelism: argon2 lanes.
    """

    def __init__(self, time_cost: int = 3, memory_cost: int = 65536, parallelism: int = 4):
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism
        )

    def hash(self, pin: str) -> str:
        """Return an argon2id hash of ``pin``."""
        return self._hasher.hash(pin)

    def verify(self, pin_hash: str, pin: str) -> bool:
        """Return whether ``pin`` matches ``pin_hash`` (a malformed hash never matches)."""
        try:
            return bool(self._hasher.verify(pin_hash, pin))
        except (VerificationError, InvalidHashError):
            return False


@dataclass(frozen=True, slots=True)
class _Policy:
    max_attempts: int
    lockout: timedelta


class Auth:
    """Logs users in and checks supervisor approvals.

    Args:
        store: the till store.
        hasher: checks PINs.
        clock: the time.
        max_attempts: wrong PINs in a row before a lockout.
        lockout: how long a lockout lasts.
    """

    def __init__(
        self,
        store: TillStore,
        hasher: PinHasher,
        clock: Clock,
        *,
        max_attempts: int = 5,
        lockout: timedelta = timedelta(minutes=5),
    ) -> None:
        self._store = store
        self._hasher = hasher
        self._clock = clock
        self._policy = _Policy(max_attempts, lockout)

    def users(self) -> list[User]:
        """Who may log in, by name."""
        return [record.user for record in self._store.user_records()]

    def _record(self, user_id: str) -> UserRecord:
        for record in self._store.user_records():
            if record.user.user_id == user_id:
                return record
        raise InvalidPin("Choose your name from the list.")

    def _check(self, record: UserRecord, pin: str, action: str) -> User:
        now = self._clock.now()
        user = record.user
        if record.locked_until is not None and record.locked_until > now:
            raise UserLockedOut(user.name, record.locked_until.isoformat())
        if self._hasher.verify(record.pin_hash, pin):
            if record.failed_attempts or record.locked_until:
                self._store.set_login_state(user.user_id, 0, None, None)
            return user
        attempts = record.failed_attempts + 1
        locked = attempts >= self._policy.max_attempts
        until = now + self._policy.lockout if locked else None
        self._store.set_login_state(
            user.user_id,
            0 if locked else attempts,
            until,
            AuditDraft(
                "user_locked_out" if locked else "pin_failed",
                user.user_id,
                now,
                {"during": action, "attempts": str(attempts)},
            ),
        )
        if locked:
            assert until is not None
            raise UserLockedOut(user.name, until.isoformat())
        left = self._policy.max_attempts - attempts
        raise InvalidPin(
            f"Wrong PIN for {user.name}. {left} more wrong PIN"
            f"{'s' if left != 1 else ''} will lock the account.",
            attempts_left=left,
        )

    def login(self, user_id: str, pin: str) -> User:
        """Log ``user_id`` in with ``pin``.

        Raises:
            InvalidPin: wrong PIN (the message says how many tries are left), or no such user.
            UserLockedOut: too many wrong PINs.
        """
        user = self._check(self._record(user_id), pin, "login")
        self._store.record_audit(AuditDraft("login", user.user_id, self._clock.now()))
        return user

    def approve(self, pin: str, action: str, requested_by: User) -> User:
        """Check a supervisor's PIN for ``action``; returns the approving supervisor.

        The PIN is tried against every supervisor, so the supervisor does not have to pick
        their name at the cashier's screen.

        Raises:
            InvalidPin: no supervisor has that PIN.
            NotPermitted: the PIN is a cashier's.
        """
        now = self._clock.now()
        for record in self._store.user_records():
            unlocked = record.locked_until is None or record.locked_until <= now
            if unlocked and self._hasher.verify(record.pin_hash, pin):
                if record.user.role.rank < Role.SUPERVISOR.rank:
                    raise NotPermitted(f"{record.user.name} is not a supervisor.")
                return record.user
        self._store.record_audit(
            AuditDraft("approval_failed", requested_by.user_id, now, {"action": action})
        )
        raise InvalidPin("That is not a supervisor's PIN.")

    def logout(self, user: User, reason: str = "logout") -> None:
        """Record that ``user`` left the till (by hand or by the idle lock)."""
        self._store.record_audit(
            AuditDraft("logout", user.user_id, self._clock.now(), {"reason": reason})
        )


class IdleLock:
    """Locks the till after ``idle`` without activity.

    The UI calls :meth:`touch` on every key press and :meth:`check` before acting (and on a
    timer); once locked, the cashier must log in again.
    """

    def __init__(self, clock: Clock, idle: timedelta) -> None:
        self._clock = clock
        self._idle = idle
        self._last: datetime | None = None

    @property
    def timeout(self) -> timedelta:
        """How long the till may stay idle."""
        return self._idle

    def set_timeout(self, idle: timedelta) -> None:
        """Change how long the till may stay idle (the settings screen saved a new value)."""
        self._idle = idle

    def touch(self) -> None:
        """Note activity now."""
        self._last = self._clock.now()

    def expired(self) -> bool:
        """Whether the idle time has run out since the last activity."""
        return self._last is not None and self._clock.now() - self._last >= self._idle

    def check(self) -> None:
        """Raise :class:`SessionExpired` if the idle time ran out; otherwise note activity.

        Raises:
            SessionExpired: the till has been idle too long.
        """
        if self.expired():
            raise SessionExpired("The till locked itself after being idle. Log in again.")
        self.touch()
