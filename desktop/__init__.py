"""Galla till: the cashier's offline-first point of sale (PySide6 + local SQLite)."""
