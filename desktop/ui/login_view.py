"""The login screen: pick your name, type your PIN, Enter."""

from __future__ import annotations

from collections.abc import Sequence

from desktop.domain.catalog import User
from desktop.ui.qt import QComboBox, QFont, QLabel, QLineEdit, Qt, QVBoxLayout, QWidget, Signal

__all__ = ("LoginView",)


class LoginView(QWidget):
    """User list and PIN field. Emits :attr:`submitted` with ``(user_id, pin)``."""

    submitted = Signal(str, str)

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title = QLabel("Galla till")
        big = QFont()
        big.setPointSize(26)
        big.setBold(True)
        title.setFont(big)
        layout.addWidget(title)
        self.users = QComboBox()
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setPlaceholderText("PIN, then Enter")
        self.message = QLabel("Choose your name (↑/↓) and type your PIN.")
        self.message.setWordWrap(True)
        for widget in (QLabel("Who are you?"), self.users, self.pin, self.message):
            layout.addWidget(widget)
        self.pin.returnPressed.connect(self._submit)

    def set_users(self, users: Sequence[User]) -> None:
        """Fill the user list."""
        self.users.clear()
        for user in users:
            self.users.addItem(user.name, user.user_id)

    def choose(self, user_id: str) -> None:
        """Select a user in the list."""
        self.users.setCurrentIndex(self.users.findData(user_id))

    def keyPressEvent(self, event: object) -> None:  # noqa: N802
        """Up/Down in the PIN field change the user."""
        super().keyPressEvent(event)  # type: ignore[arg-type]

    def reset(self, message: str = "") -> None:
        """Clear the PIN and show ``message``; focus the PIN field."""
        self.pin.clear()
        if message:
            self.message.setText(message)
        self.pin.setFocus()

    def _submit(self) -> None:
        self.submitted.emit(str(self.users.currentData()), self.pin.text())
