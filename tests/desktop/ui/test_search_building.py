"""While a fresh till builds its search index, the cashier is told so (barcodes already sell)."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from desktop.demo import ean13
from desktop.ui.main_window import SEARCH_BUILDING, MainWindow

from .conftest import log_in, open_shift, type_into


class IndexBuilding:
    """The part of TillSync the window asks about search; ``ready`` flips when it is built."""

    def __init__(self) -> None:
        self.ready = False

    def search_ready(self) -> bool:
        return self.ready

    def enrolment(self) -> None:
        return None  # a demo till: the status bar has nothing to say of syncing

    def poke(self) -> None:
        pass


def test_search_says_the_index_is_building_and_finds_items_once_built(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    log_in(qtbot, window)
    open_shift(qtbot, window)
    index = IndexBuilding()
    monkeypatch.setattr(window.till, "sync", index)
    type_into(qtbot, window.sale.search, "zzzq", enter=False)  # nothing matches yet
    qtbot.waitUntil(window.sale.results.isVisible)
    notice = window.sale.results.item(0)
    assert notice is not None
    assert notice.text() == SEARCH_BUILDING
    assert window.sale.first_result() is None  # nothing to pick in the notice
    window.sale.search.clear()
    type_into(qtbot, window.sale.search, ean13(1))  # a scan sells meanwhile
    assert window.session is not None
    assert not window.session.cart.is_empty
    index.ready = True
    window.sale.search.clear()
    type_into(qtbot, window.sale.search, "gluco", enter=False)
    qtbot.waitUntil(window.sale.results.isVisible)
    found = window.sale.results.item(0)
    assert found is not None
    assert "Gluco" in found.text() or "gluco" in found.text().lower()
    window.sale.search.clear()
    type_into(qtbot, window.sale.search, "zzzq", enter=False)
    assert not window.sale.results.isVisible()  # built: no match is simply no match
