"""The credential goes to a working keyring, else to a file only the user can read."""

from __future__ import annotations

import stat
from pathlib import Path

import keyring.backend
import keyring.backends.fail
import pytest

from desktop.sync.credentials import FileVault, KeyringVault, choose_vault, vault_for
from desktop.sync.errors import CredentialMissing


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring backend that keeps secrets in a dict (stands in for the OS keyring)."""

    priority = 10  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def delete_password(self, service: str, username: str) -> None:
        import keyring.errors

        if (service, username) not in self.secrets:
            raise keyring.errors.PasswordDeleteError(username)
        del self.secrets[(service, username)]


def test_a_headless_box_without_a_keyring_falls_back_to_a_private_file(tmp_path: Path) -> None:
    vault = choose_vault(tmp_path, keyring.backends.fail.Keyring())
    assert isinstance(vault, FileVault)
    stored = vault.put("t1", "gtc.secret")
    assert stored.backend == "file"
    mode = stat.S_IMODE(Path(stored.ref).stat().st_mode)
    assert mode == 0o600
    assert vault.get(stored.ref) == "gtc.secret"
    vault.put("t1", "gtc.rotated")  # replacing keeps it private
    assert vault.get(stored.ref) == "gtc.rotated"
    assert stat.S_IMODE(Path(stored.ref).stat().st_mode) == 0o600
    vault.delete(stored.ref)
    with pytest.raises(CredentialMissing, match="Enrol the till again"):
        vault.get(stored.ref)


def test_a_working_keyring_is_preferred_and_the_database_keeps_only_the_name(
    tmp_path: Path,
) -> None:
    ring = MemoryKeyring()
    vault = choose_vault(tmp_path, ring)
    assert isinstance(vault, KeyringVault)
    stored = vault.put("terminal-1", "gtc.secret")
    assert stored.ref == "terminal-1"
    assert "secret" not in stored.ref
    assert ring.secrets == {("galla-till", "terminal-1"): "gtc.secret"}
    assert vault_for("keyring", tmp_path, ring).get("terminal-1") == "gtc.secret"
    assert list(tmp_path.iterdir()) == []
    vault.delete("terminal-1")
    vault.delete("terminal-1")  # already gone: no error
    with pytest.raises(CredentialMissing, match="keyring"):
        vault.get("terminal-1")
