"""The first-start screen: enrol this till with a server, then download its catalog.

:class:`EnrolmentDialog` asks for the server address and the one-time code an admin made
for the store, runs the enrolment and the first catalog pull on a background thread (the
window stays responsive), shows progress, and explains every failure in a sentence: a wrong
or used code, an expired code, a server that cannot be reached, a first download that was
cut (it resumes where it stopped). :func:`ensure_enrolled` is what ``galla-till`` calls
before the main window when the till has no enrolment yet.

:func:`sync_status_text` is the status-bar text of :class:`~desktop.sync.worker.SyncStatus`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from desktop.sync.errors import (
    EnrolmentCodeExpired,
    EnrolmentFailed,
    SyncError,
    SyncUnavailable,
    WrongEnrolmentCode,
)
from desktop.sync.worker import SyncStatus
from desktop.ui.qt import (
    QApplication,
    QDialog,
    QFont,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    Qt,
    QVBoxLayout,
    Signal,
)

__all__ = ("EnrolmentDialog", "ensure_enrolled", "explain", "sync_status_text", "sync_tooltip")


def explain(error: BaseException) -> str:
    """What to tell the person enrolling the till about ``error``."""
    if isinstance(error, WrongEnrolmentCode):
        return (
            "That code is not right, or it was already used. Check it (letters and digits, "
            "as XXXX-XXXX) or ask an admin for a new one."
        )
    if isinstance(error, EnrolmentCodeExpired):
        return "That code has expired. Ask an admin to make a new one for this store."
    if isinstance(error, SyncUnavailable):
        return (
            f"The server cannot be reached. Check the address and the network, then try "
            f"again. ({error})"
        )
    if isinstance(error, SyncError):
        return str(error)
    return f"Enrolment failed: {error}"


def _age(oldest: datetime | None, now: datetime) -> str:
    if oldest is None:
        return ""
    minutes = int((now - oldest).total_seconds() // 60)
    if minutes < 1:
        return ", oldest under a minute"
    if minutes < 120:
        return f", oldest {minutes} min"
    return f", oldest {minutes // 60} h"


def sync_status_text(status: SyncStatus, now: datetime) -> str:
    """The status bar's sync part: online/offline, queue depth and age, rejected events."""
    waiting = f"{status.pending} waiting{_age(status.oldest_pending, now)}"
    if status.state == "revoked":
        head = "Sync stopped: the server revoked this till (selling goes on; ask an admin)"
    elif status.state == "online":
        head = "Online"
    elif status.state == "offline":
        retry = f", retry in {int(status.next_try_in)} s" if status.next_try_in is not None else ""
        head = f"Offline{retry}"
    elif status.state == "starting":
        head = "Connecting"
    else:
        head = "Not syncing"
    text = f"{head} · {waiting}"
    if status.rejected:
        text += f" · {status.rejected} rejected by the server"
    return text


class EnrolmentDialog(QDialog):
    """Server address + one-time code, then a progress bar while the catalog downloads.

    Args:
        sync: the till's :class:`~desktop.sync.service.TillSync`.
        server_url: an address to pre-fill (e.g. from a previous, cut-short attempt).
    """

    progressed = Signal(int, int, bool)
    """(changes so far, bytes so far, done), re-emitted on the GUI thread."""
    failed = Signal(object)
    """The error that stopped enrolment or the first pull."""
    succeeded = Signal()

    def __init__(self, sync: Any, server_url: str = "") -> None:
        super().__init__()
        self.sync = sync
        self.setWindowTitle("Galla till · connect to your server")
        self.setModal(True)
        layout = QVBoxLayout(self)
        title = QLabel("Connect this till to your Galla server")
        big = QFont()
        big.setPointSize(18)
        big.setBold(True)
        title.setFont(big)
        layout.addWidget(title)
        layout.addWidget(
            QLabel(
                "An admin makes a one-time code for this store on the dashboard "
                "(Stores → Terminals → Enrol a till)."
            )
        )
        form = QFormLayout()
        self.url = QLineEdit(server_url)
        self.url.setPlaceholderText("https://sync.example.in")
        self.code = QLineEdit()
        self.code.setPlaceholderText("XXXX-XXXX")
        self.name = QLineEdit()
        self.name.setPlaceholderText("Counter 1 (optional)")
        form.addRow("Server address", self.url)
        form.addRow("One-time code", self.code)
        form.addRow("Till name", self.name)
        layout.addLayout(form)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        self.progress.setFormat("")
        layout.addWidget(self.progress)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.button = QPushButton("Enrol")
        self.button.setDefault(True)
        layout.addWidget(self.button)
        self.button.clicked.connect(self.start)
        self.code.returnPressed.connect(self.start)
        self.progressed.connect(self._show_progress, Qt.ConnectionType.QueuedConnection)
        self.failed.connect(self._show_failure, Qt.ConnectionType.QueuedConnection)
        self.succeeded.connect(self._done, Qt.ConnectionType.QueuedConnection)
        self.worker_thread: threading.Thread | None = None
        if sync.enrolment() is not None:  # enrolled, but the first download was cut short
            self.url.setText(sync.enrolment().server_url)
            self.url.setEnabled(False)
            self.code.setEnabled(False)
            self.name.setEnabled(False)
            self.button.setText("Resume the download")
            self.message.setText("This till is enrolled; its catalog download did not finish.")

    # ------------------------------------------------------------------ actions
    def start(self) -> None:
        """Enrol (or resume the first pull) on a background thread."""
        if self.worker_thread is not None and self.worker_thread.is_alive():
            return
        resume = self.sync.enrolment() is not None
        url, code, name = self.url.text(), self.code.text(), self.name.text().strip()
        self.button.setEnabled(False)
        self.progress.setRange(0, 0)  # busy until the first page says how it goes
        self.progress.setFormat("Contacting the server…")
        self.message.setText("")

        def work() -> None:
            try:
                if resume:
                    self.sync.finish_first_pull(self.progressed.emit)
                else:
                    self.sync.enrol(url, code, name=name, progress=self.progressed.emit)
            except Exception as exc:
                self.failed.emit(exc)
            else:
                self.succeeded.emit()

        self.worker_thread = threading.Thread(target=work, name="galla-enrol", daemon=True)
        self.worker_thread.start()

    def _show_progress(self, changes: int, received: int, done: bool) -> None:
        if done:
            self.progress.setRange(0, 1)
            self.progress.setValue(1)
        else:
            self.progress.setRange(0, 0)
        kib = received // 1024
        self.progress.setFormat(f"Downloading the catalog: {changes:,} records ({kib:,} KiB)")

    def _show_failure(self, error: BaseException) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("")
        self.message.setText(explain(error))
        enrolled = self.sync.enrolment() is not None
        if enrolled:  # the enrolment held; only the download must be tried again
            self.url.setEnabled(False)
            self.code.setEnabled(False)
            self.name.setEnabled(False)
            self.button.setText("Resume the download")
        elif isinstance(error, EnrolmentFailed):
            self.code.selectAll()
            self.code.setFocus()
        self.button.setEnabled(True)

    def _done(self) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self.progress.setFormat("Ready to sell")
        self.message.setText("Enrolled. The catalog is on this till.")
        self.accept()

    def wait(self, timeout: float = 30.0) -> None:
        """Wait for the background work to end (tests)."""
        if self.worker_thread is not None:
            self.worker_thread.join(timeout)


def ensure_enrolled(till: Any, rebuild: Callable[[], Any]) -> Any | None:
    """Show the enrolment screen if the till needs it; return the till to run, or ``None``.

    Args:
        till: the built till (its ``sync`` may be unenrolled).
        rebuild: builds the till again once enrolled, so the server's identity applies.

    Returns:
        The till to run (rebuilt after a fresh enrolment), or ``None`` if the person closed
        the screen without enrolling.
    """
    if till.sync is None or not till.sync.needs_enrolment():
        return till
    app = QApplication.instance() or QApplication([])
    assert app is not None
    dialog = EnrolmentDialog(till.sync)
    dialog.resize(560, 360)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        dialog.wait(1)
        return None
    till.close()
    return rebuild()


def sync_tooltip(sync: Any, status: SyncStatus) -> str:
    """The status bar's tooltip: the last problem and the events the server rejected."""
    lines = []
    if status.message:
        lines.append(status.message)
    if status.rejected:
        lines.append("Rejected by the server (kept on this till, in the server's quarantine):")
        lines += [f"  #{r.seq} {r.kind}: {r.reason}" for r in sync.ledger.rejected()[-10:]]
    return "\n".join(lines)
