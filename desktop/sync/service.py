"""The till's sync as one object: enrol, finish the first pull, run the worker, report status.

:class:`TillSync` is what the composition root builds and the UI talks to. It owns the
ledger, the credential vault, the HTTP client and the :class:`~desktop.sync.worker.SyncWorker`.

Enrolment (:meth:`TillSync.enrol`): the one-time code is exchanged for the terminal's
identity and credential; the credential goes to the OS keyring, or to a 0600 file when no
keyring works (or the keyring refuses); the identity is stored in the database and the local
catalog is cleared (the server's copy rules); then the first pull runs with progress. If the
first pull is interrupted the till stays enrolled and :meth:`TillSync.finish_first_pull`
resumes from the stored cursor.

Identity for the rest of the till (:func:`read_identity`, :func:`apply_identity`): an enrolled
till takes its store and terminal ids, invoice codes, receipt header, idle lock, PIN attempts
and discount limits from the enrolment and the pulled store settings, not from settings.toml.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from desktop.errors import SettingsError
from desktop.store.connection import connect
from desktop.sync.apply import Applied, utc_text
from desktop.sync.client import Enrolment, SyncClient
from desktop.sync.credentials import CredentialVault, FileVault, choose_vault, vault_for
from desktop.sync.errors import EnrolmentFailed, NotEnrolled, SyncError
from desktop.sync.ledger import EnrolmentRecord, Ledger, WritableStore
from desktop.sync.worker import SyncStatus, SyncWorker
from shared.errors import InvoiceNumberError
from shared.invoice_series import FinancialYear, InvoiceSeries, SeriesKind
from shared.protocol import StoreSettingsData

__all__ = (
    "Identity",
    "TillSync",
    "apply_identity",
    "invoice_terminal_code",
    "read_identity",
)

log = logging.getLogger("galla.till.sync")

Progress = Callable[[int, int, bool], None]


class ClientFactory(Protocol):
    """Makes a client for a server URL and (after enrolment) a credential."""

    def __call__(self, base_url: str, credential: str | None) -> SyncClient:
        """A client for ``base_url``."""
        ...


def invoice_terminal_code(server_code: str) -> str:
    """The two characters of a server terminal code used in invoice numbers.

    Invoice numbers fit GST's 16 characters only with a two-character terminal part, while
    the server numbers terminals ``T01``, ``T02`` …: the number's last two digits are used
    (``T01`` -> ``01``), so 99 terminals per store get distinct series.

    Raises:
        EnrolmentFailed: the code has no two usable characters.
    """
    cleaned = "".join(ch for ch in server_code.upper() if ch.isalnum())
    digits = "".join(ch for ch in cleaned if ch.isdigit())
    code = cleaned if len(cleaned) == 2 else (digits[-2:].rjust(2, "0") if digits else cleaned[-2:])
    if len(code) != 2:
        raise EnrolmentFailed(f"The server's terminal code {server_code!r} cannot be used.")
    return code


@dataclass(frozen=True, slots=True)
class Identity:
    """Who an enrolled till is, read from its database at start-up.

    Attributes:
        enrolment: the enrolment row.
        store: the pulled settings of its store, once the first pull brought them.
        catalog_ready: whether the first pull has completed.
    """

    enrolment: EnrolmentRecord
    store: StoreSettingsData | None
    catalog_ready: bool


def read_identity(database: Path) -> Identity | None:
    """Read the enrolment from the till database, if there is one (no migration, no writes)."""
    if not database.exists():
        return None
    conn = connect(database)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "sync_enrolment" not in tables:
            return None
        row = conn.execute("SELECT * FROM sync_enrolment WHERE id = 1").fetchone()
        if row is None:
            return None
        record = EnrolmentRecord(**{k: row[k] for k in row.keys() if k != "id"})  # noqa: SIM118
        data = conn.execute(
            "SELECT data FROM sync_store_settings WHERE entity_id = ?", (record.store_id,)
        ).fetchone()
        ready = bool(conn.execute("SELECT catalog_ready FROM sync_state").fetchone()[0])
    finally:
        conn.close()
    import msgspec

    store = None if data is None else msgspec.json.decode(data[0], type=StoreSettingsData)
    return Identity(record, store, ready)


def apply_identity(settings: Any, identity: Identity | None) -> Any:
    """``settings`` with the enrolled identity and the pulled store settings in force.

    Args:
        settings: the loaded :class:`~desktop.settings.Settings`.
        identity: what :func:`read_identity` found, or ``None`` (settings unchanged).

    Raises:
        SettingsError: the server's store code cannot start invoice numbers.
    """
    if identity is None:
        return settings
    record = identity.enrolment
    changes: dict[str, Any] = {
        "store_id": record.store_id,
        "terminal_id": record.terminal_id,
        "terminal_code": record.invoice_terminal_code,
    }
    store = identity.store
    if store is not None:
        try:
            InvoiceSeries(
                store.code, record.invoice_terminal_code, SeriesKind.INVOICE, FinancialYear(2025)
            )
        except InvoiceNumberError as exc:
            raise SettingsError(
                "store_code",
                f"the server's store code {store.code!r} cannot start invoice numbers ({exc}); "
                "an admin must give the store a code of 1-4 letters/digits starting with a letter",
            ) from exc
        limits = store.discount_limit_percent
        cashier = limits.get("cashier", settings.cashier_discount_percent)
        supervisor = max(
            (limits.get(r, Decimal(0)) for r in ("supervisor", "manager") if r in limits),
            default=settings.supervisor_discount_percent,
        )
        changes.update(
            store_code=store.code.upper(),
            store_name=store.name,
            store_address=", ".join(store.address),
            store_gstin=store.gstin,
            state_code=store.state_code,
            idle_lock_seconds=store.idle_lock_seconds,
            max_pin_attempts=store.max_pin_attempts,
            cashier_discount_percent=min(cashier, supervisor),
            supervisor_discount_percent=supervisor,
        )
    return replace(settings, **changes)


def _default_client(base_url: str, credential: str | None) -> SyncClient:
    return SyncClient(base_url, credential)


class TillSync:
    """Enrolment and background sync of one till.

    Args:
        store: the till store (its path and single writer).
        data_dir: the till's data folder (the credential file goes here without a keyring).
        clock: the time, timezone-aware.
        client_factory: makes the HTTP client (tests point it through the fault proxy).
        keyring_backend: the keyring backend (default: the OS's; tests pass their own).
        on_applied: called on the sync thread after each applied page.
        worker_options: extra :class:`SyncWorker` arguments (batch size, page size, idle).
    """

    def __init__(
        self,
        store: WritableStore,
        data_dir: Path,
        *,
        clock: Callable[[], datetime],
        client_factory: ClientFactory = _default_client,
        keyring_backend: Any | None = None,
        on_applied: Callable[[Applied], None] | None = None,
        printer_state: Callable[[], str] = lambda: "not_configured",
        app_version: str = "0.1.0",
        **worker_options: Any,
    ) -> None:
        self.ledger = Ledger(store)
        self._data_dir = data_dir
        self._clock = clock
        self._client_factory = client_factory
        self._keyring = keyring_backend
        self._on_applied = on_applied
        self._printer_state = printer_state
        self._app_version = app_version
        self._worker_options = worker_options
        self._client: SyncClient | None = None
        self._worker: SyncWorker | None = None
        self._problem: str | None = None
        self._closing = threading.Event()
        self._search_thread: threading.Thread | None = None
        self._search_lock = threading.Lock()
        self.store_settings_changed = threading.Event()
        self.rates_changed = threading.Event()
        self.users_changed = threading.Event()

    def _applied(self, applied: Applied) -> None:
        # runs on the sync thread: only flags here; the till acts on them between sales
        if applied.rates_changed:
            self.rates_changed.set()
        if applied.users_changed:
            self.users_changed.set()
        if applied.store_settings is not None:
            self.store_settings_changed.set()
        if applied.search_pending and not self._closing.is_set():
            # a snapshot (also one the background worker applied): its search index waits
            self.build_search_in_background()
        if self._on_applied is not None:
            self._on_applied(applied)

    # ------------------------------------------------------------------ enrolment
    def enrolment(self) -> EnrolmentRecord | None:
        """This till's enrolment, if any."""
        return self.ledger.enrolment()

    def needs_enrolment(self) -> bool:
        """Whether the enrolment screen must be shown (not enrolled, or first pull unfinished)."""
        return self.ledger.enrolment() is None or not self.ledger.catalog_ready()

    def enrol(
        self, server_url: str, code: str, *, name: str = "", progress: Progress | None = None
    ) -> EnrolmentRecord:
        """Enrol with a one-time code, store the credential and pull the catalog.

        Raises:
            EnrolmentFailed: the till already holds sales, or the server refused the code
                (:class:`~desktop.sync.errors.WrongEnrolmentCode`,
                :class:`~desktop.sync.errors.EnrolmentCodeExpired`).
            SyncUnavailable: the server cannot be reached (nothing was stored), or the
                first pull was cut (the till is enrolled; call :meth:`finish_first_pull`).
        """
        url = server_url.strip().rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise EnrolmentFailed(
                f"The server address {server_url!r} must start with https:// (or http://)."
            )
        if not code.strip():
            raise EnrolmentFailed("Type the one-time enrolment code an admin gave you.")
        if self.ledger.has_sales():
            raise EnrolmentFailed(
                "This till's database already holds sales made before enrolment. "
                "Start the till with a fresh data folder to enrol it."
            )
        client = self._client_factory(url, None)
        try:
            enrolled = client.enrol(code.strip(), name)
        finally:
            client.close()
        record = self._keep(url, enrolled)
        self.ledger.record_enrolment(record)
        self.finish_first_pull(progress)
        return record

    def _keep(self, url: str, enrolled: Enrolment) -> EnrolmentRecord:
        name = str(enrolled.terminal_id)
        vault: CredentialVault = choose_vault(self._data_dir, self._keyring)
        try:
            stored = vault.put(name, enrolled.credential)
        except Exception as exc:  # a locked or broken keyring: fall back to the file
            log.warning("the keyring refused the credential (%s); using a 0600 file", exc)
            stored = FileVault(self._data_dir).put(name, enrolled.credential)
        return EnrolmentRecord(
            server_url=url,
            company_id=str(enrolled.company_id),
            store_id=str(enrolled.store_id),
            terminal_id=str(enrolled.terminal_id),
            server_terminal_code=enrolled.terminal_code,
            invoice_terminal_code=invoice_terminal_code(enrolled.terminal_code),
            credential_backend=stored.backend,
            credential_ref=stored.ref,
            enrolled_at=utc_text(self._clock()),
        )

    def credential(self) -> str:
        """The stored credential.

        Raises:
            NotEnrolled: the till is not enrolled.
            CredentialMissing: the keyring entry or file is gone.
        """
        record = self.ledger.enrolment()
        if record is None:
            raise NotEnrolled("This till is not enrolled with a server yet.")
        vault = vault_for(record.credential_backend, self._data_dir, self._keyring)
        return vault.get(record.credential_ref)

    def finish_first_pull(self, progress: Progress | None = None) -> None:
        """Download the catalog (a snapshot, then the pages after it): the till is then ready.

        The name-search index is built afterwards in the background (:meth:`search_ready`);
        barcodes, codes and prices work at once.
        """
        self.worker().pull_all(progress)
        self.build_search_in_background()

    # ------------------------------------------------------------------ search index
    def search_ready(self) -> bool:
        """Whether name search is complete (``False`` while it builds after a snapshot)."""
        return not self.ledger.search_pending()

    def build_search_in_background(self) -> None:
        """Start filling the search index on a thread of its own, if it waits to be built.

        It writes through the single writer a chunk at a time, so sales go on meanwhile;
        a till closed half-way starts it again on its next start.
        """
        with self._search_lock:
            if self._search_thread is not None and self._search_thread.is_alive():
                return
            if not self.ledger.search_pending():
                return
            self._search_thread = threading.Thread(
                target=self._build_search, name="galla-search-index", daemon=True
            )
            self._search_thread.start()

    def _build_search(self) -> None:
        try:
            self.ledger.build_search(stop=self._closing.is_set)
        except Exception:  # pragma: no cover - logged; the next start tries again
            log.exception("building the search index failed")

    def wait_for_search(self, timeout: float = 60.0) -> bool:
        """Wait for a background search build to end; whether search is ready."""
        if self._search_thread is not None:
            self._search_thread.join(timeout)
        return self.search_ready()

    # ------------------------------------------------------------------ worker
    def worker(self) -> SyncWorker:
        """The sync worker (made on first use, after enrolment)."""
        if self._worker is None:
            record = self.ledger.enrolment()
            if record is None:
                raise NotEnrolled("This till is not enrolled with a server yet.")
            self._client = self._client_factory(record.server_url, self.credential())
            self._worker = SyncWorker(
                self.ledger,
                self._client,
                store_id=record.store_id,
                terminal_id=record.terminal_id,
                clock=self._clock,
                app_version=self._app_version,
                printer_state=self._printer_state,
                on_applied=self._applied,
                **self._worker_options,
            )
        return self._worker

    def start(self) -> None:
        """Start background syncing (no-op if not enrolled).

        A missing credential does not stop the till: selling goes on, the status bar says
        what is wrong.
        """
        if self.ledger.enrolment() is None:
            return
        self.build_search_in_background()
        try:
            self.worker().start()
        except SyncError as exc:
            log.error("sync cannot start: %s", exc)
            self._problem = str(exc)

    def poke(self) -> None:
        """Sync soon (after a sale)."""
        if self._worker is not None:
            self._worker.poke()

    def status(self) -> SyncStatus:
        """What the status bar shows."""
        if self._worker is not None:
            return self._worker.status()
        record = self.ledger.enrolment()
        queue = self.ledger.outgoing(0)
        if record is None:
            return SyncStatus(
                state="stopped",
                pending=queue.depth,
                oldest_pending=queue.oldest,
                message="not enrolled with a server",
            )
        if record.revoked_at:
            return SyncStatus(
                state="revoked",
                pending=queue.depth,
                oldest_pending=queue.oldest,
                message=record.revoked_reason or "",
            )
        if self._problem is not None:
            return SyncStatus(
                state="stopped",
                pending=queue.depth,
                oldest_pending=queue.oldest,
                message=self._problem,
            )
        return SyncStatus(pending=queue.depth, oldest_pending=queue.oldest)

    def close(self) -> None:
        """Stop the worker and the search build, and close connections."""
        self._closing.set()
        if self._search_thread is not None:
            self._search_thread.join(30)
        if self._worker is not None:
            self._worker.stop()
        if self._client is not None:
            with contextlib.suppress(Exception):
                self._client.close()
        self.ledger.close()
