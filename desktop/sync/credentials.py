"""Where the terminal credential lives: the OS keyring, or a file only the user can read.

The credential is the one secret a till holds (``gtc.<company>.<terminal>.<secret>``). It is
kept in the operating system's keyring when one works (Windows Credential Manager, macOS
Keychain, Secret Service on a Linux desktop); a headless Linux box has no keyring backend,
so the credential goes to a file created with mode 0600 in the till's data folder. The
database only records which of the two was used and under what name (:class:`Stored`).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from desktop.sync.errors import CredentialMissing

__all__ = (
    "KEYRING_SERVICE",
    "CredentialVault",
    "FileVault",
    "KeyringVault",
    "Stored",
    "choose_vault",
    "vault_for",
)

KEYRING_SERVICE = "galla-till"
"""The keyring service name the credential is stored under (the user name is the terminal id)."""

Backend = Literal["keyring", "file"]


@dataclass(frozen=True, slots=True)
class Stored:
    """Where a credential was put, as recorded in the till database.

    Attributes:
        backend: ``keyring`` or ``file``.
        ref: the keyring user name, or the file's path.
    """

    backend: Backend
    ref: str


class CredentialVault(Protocol):
    """Keeps one secret under a name."""

    backend: Backend

    def put(self, name: str, secret: str) -> Stored:
        """Store ``secret`` under ``name`` and say where it went."""
        ...

    def get(self, ref: str) -> str:
        """Read the secret stored at ``ref``.

        Raises:
            CredentialMissing: nothing is stored there.
        """
        ...

    def delete(self, ref: str) -> None:
        """Forget the secret at ``ref`` (nothing happens if it is already gone)."""
        ...


class KeyringVault:
    """The OS keyring through the ``keyring`` package.

    Args:
        backend: a keyring backend object; default the one ``keyring`` picks for this OS.
    """

    backend: Backend = "keyring"

    def __init__(self, backend: Any | None = None) -> None:
        import keyring

        self._ring = backend if backend is not None else keyring.get_keyring()

    def put(self, name: str, secret: str) -> Stored:
        """Store the secret in the keyring under ``name``."""
        self._ring.set_password(KEYRING_SERVICE, name, secret)
        return Stored("keyring", name)

    def get(self, ref: str) -> str:
        """Read the secret from the keyring."""
        secret = self._ring.get_password(KEYRING_SERVICE, ref)
        if not secret:
            raise CredentialMissing(
                "The till's server credential is missing from the system keyring. "
                "Enrol the till again with a new code."
            )
        return str(secret)

    def delete(self, ref: str) -> None:
        """Remove the secret from the keyring."""
        import keyring.errors

        with contextlib.suppress(keyring.errors.PasswordDeleteError):
            self._ring.delete_password(KEYRING_SERVICE, ref)


class FileVault:
    """A file per secret in ``directory``, created readable and writable by the user only.

    Args:
        directory: where the files go (the till's data folder).
    """

    backend: Backend = "file"

    def __init__(self, directory: Path) -> None:
        self._directory = directory

    def put(self, name: str, secret: str) -> Stored:
        """Write the secret to ``<directory>/credential-<name>`` with mode 0600."""
        self._directory.mkdir(parents=True, exist_ok=True)
        path = self._directory / f"credential-{name}"
        temp = path.with_suffix(".tmp")
        # O_EXCL on a fresh temp file: the secret is never readable by others, not even
        # for a moment, and a crash never leaves half a credential under the real name
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, secret.encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, path)
        return Stored("file", str(path))

    def get(self, ref: str) -> str:
        """Read the secret from its file."""
        try:
            secret = Path(ref).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            secret = ""
        if not secret:
            raise CredentialMissing(
                f"The till's server credential file {ref} is missing. "
                "Enrol the till again with a new code."
            )
        return secret

    def delete(self, ref: str) -> None:
        """Delete the file."""
        with contextlib.suppress(FileNotFoundError):
            Path(ref).unlink()


def _keyring_works(backend: Any) -> bool:
    # keyring's "fail" backend (no real backend found) and the chainer with nothing to chain
    # both have priority 0 or less; they raise on every call
    try:
        priority = float(backend.priority)
    except Exception:
        return False
    return priority > 0


def choose_vault(directory: Path, keyring_backend: Any | None = None) -> CredentialVault:
    """The keyring if a working one exists, else files in ``directory``.

    Args:
        directory: the fallback folder (the till's data folder).
        keyring_backend: the keyring backend to use (default: the OS's); tests pass their own.
    """
    if keyring_backend is None:
        try:
            import keyring

            keyring_backend = keyring.get_keyring()
        except Exception:
            return FileVault(directory)
    if _keyring_works(keyring_backend):
        return KeyringVault(keyring_backend)
    return FileVault(directory)


def vault_for(backend: str, directory: Path, keyring_backend: Any | None = None) -> CredentialVault:
    """The vault a stored credential was put in, by its recorded backend name."""
    if backend == "keyring":
        return KeyringVault(keyring_backend)
    return FileVault(directory)
