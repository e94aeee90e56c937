"""The one module that imports PySide6; every screen imports Qt names from here.

Keeping the binding behind one shim (as Anki's ``aqt.qt`` does) means a binding change or a
workaround touches one file, and the dependency rule can be checked on one import.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

__all__ = (
    "QAbstractItemView",
    "QAbstractTableModel",
    "QApplication",
    "QCheckBox",
    "QComboBox",
    "QDialog",
    "QDialogButtonBox",
    "QEvent",
    "QFont",
    "QFormLayout",
    "QGridLayout",
    "QHBoxLayout",
    "QHeaderView",
    "QKeyEvent",
    "QKeySequence",
    "QLabel",
    "QLineEdit",
    "QListWidget",
    "QListWidgetItem",
    "QMainWindow",
    "QModelIndex",
    "QObject",
    "QPersistentModelIndex",
    "QPlainTextEdit",
    "QPushButton",
    "QSpinBox",
    "QStackedWidget",
    "QTableView",
    "QTableWidget",
    "QTableWidgetItem",
    "QTimer",
    "QVBoxLayout",
    "QWidget",
    "Qt",
    "Signal",
)
