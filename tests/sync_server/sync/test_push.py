"""Push: every kind of event is booked once, replays change nothing, bad events are kept apart."""

from __future__ import annotations

import gzip
import json
import random
from decimal import Decimal

from tests.sync_server.sync.conftest import Shop, cycle_items

BOOKS = {
    "sales": "SELECT count(*), coalesce(sum(total_paise), 0), coalesce(sum(cgst_paise + sgst_paise), 0) FROM sales",
    "lines": "SELECT count(*), coalesce(sum(quantity), 0) FROM sale_lines",
    "payments": "SELECT count(*), coalesce(sum(amount_paise - change_given_paise), 0) FROM payments",
    "credit_notes": "SELECT count(*), coalesce(sum(total_paise), 0) FROM credit_notes",
    "refund_tenders": "SELECT count(*), coalesce(sum(amount_paise), 0) FROM refund_tenders",
    "movements": "SELECT count(*), coalesce(sum(quantity), 0) FROM stock_movements",
    "levels": "SELECT coalesce(sum(on_hand), 0), count(*) FROM stock_levels",
    "shifts": "SELECT count(*), count(closed_at) FROM shifts",
    "cash": "SELECT count(*), coalesce(sum(amount_paise), 0) FROM cash_movements",
    "audit": "SELECT count(*) FROM audit_events",
    "applied": "SELECT count(*) FROM applied_events",
    "exceptions": "SELECT count(*) FROM sync_exceptions",
    "quarantine": "SELECT count(*) FROM quarantined_events",
}


async def books(shop: Shop) -> dict[str, tuple[object, ...]]:
    """Everything the server booked, summed, to compare deliveries."""
    return {name: tuple((await shop.sql(q))[0]) for name, q in BOOKS.items()}


async def test_a_sale_is_booked_with_its_lines_payment_and_stock(shop: Shop) -> None:
    till = await shop.till("A1T1")
    a, b = shop.items[0], shop.items[1]
    opened = till.open_shift()
    sale = till.sale([(a, 2), (b, 1)], change_paise=500)
    ack = await till.push([opened, sale])
    assert [x.status for x in ack.acks] == ["applied", "applied"]
    assert ack.acks[1].event_id == sale.event_id
    rows = await shop.sql(
        "SELECT invoice_number, financial_year, total_paise, cgst_paise, sgst_paise, flags, "
        "shift_id FROM sales"
    )
    payload = sale.payload
    assert rows == [
        (
            payload.invoice_number,
            "2026-27",
            payload.total_paise,
            payload.cgst_paise,  # type: ignore[attr-defined]
            payload.sgst_paise,
            [],
            till.shift_id,
        )  # type: ignore[attr-defined]
    ]
    assert await shop.on_hand(a) == Decimal(98)
    assert await shop.on_hand(b) == Decimal(99)
    pay = await shop.sql("SELECT method, amount_paise, change_given_paise FROM payments")
    assert pay == [("cash", payload.total_paise + 500, 500)]  # type: ignore[attr-defined]
    status = await shop.sql(
        "SELECT last_event_seq, queue_depth, app_version, printer_state, last_push_at "
        "FROM terminals WHERE id = :t",
        t=till.terminal_id,
    )
    assert status[0][:4] == (2, 2, "1.0.0", "ok")
    assert status[0][4] is not None


async def test_every_kind_of_event_is_booked(shop: Shop) -> None:
    till = await shop.till("A1T1")
    a = shop.items[0]
    opened, login = till.open_shift(), till.audit("login")
    sale = till.sale([(a, 3)])
    events = [
        opened,
        login,
        sale,
        till.refund(sale, qty=1),
        till.cash(10_000),
        till.count(shop.items[5], 42),
        till.audit("shift_closed"),
        till.close_shift(),
    ]
    ack = await till.push(events)
    assert {x.status for x in ack.acks} == {"applied"}
    assert await shop.on_hand(a) == Decimal(98)  # 100 - 3 + 1 restocked
    assert await shop.on_hand(shop.items[5]) == Decimal(42)
    got = await books(shop)
    assert got["credit_notes"][0] == 1
    assert got["refund_tenders"] == (
        1,
        sale.payload.lines[0].unit_price_paise
        + 2
        * int(  # type: ignore[attr-defined]
            sale.payload.lines[0].unit_price_paise * sale.payload.lines[0].gst_rate / 200  # type: ignore[attr-defined]
        ),
    )
    assert got["shifts"] == (1, 1)
    assert got["cash"] == (1, 10_000)
    assert got["audit"] == (2,)
    assert await shop.exceptions() == []


async def test_the_same_batch_ten_times_books_once_and_answers_duplicate(shop: Shop) -> None:
    till = await shop.till("A1T1")
    baskets = cycle_items(shop.items)
    events = [till.open_shift()] + [till.sale([(i, 1) for i in next(baskets)]) for _ in range(30)]
    body = till.batch(events)
    first = await till.push(body)
    once = await books(shop)
    for _ in range(9):
        again = await till.push(body)
        assert [x.event_id for x in again.acks] == [x.event_id for x in first.acks]
        assert {x.status for x in again.acks} == {"duplicate"}
    assert await books(shop) == once
    assert once["sales"][0] == 30


async def test_interleaved_and_reordered_batches_of_three_tills_equal_one_delivery(
    server: object,
) -> None:
    from tests.sync_server.sync.conftest import make_shop

    shop_a = await make_shop(server, "alpha")  # type: ignore[arg-type]
    shop_b = await make_shop(server, "beta")  # type: ignore[arg-type]
    plans = []
    for shop in (shop_a, shop_b):
        for code in ("A1T1", "A1T2"):
            till = await shop.till(code)
            baskets = cycle_items(shop.items, 3)
            events = [till.open_shift()]
            for n in range(40):
                sale = till.sale([(i, 1 + n % 3) for i in next(baskets)])
                events.append(sale)
                if n % 10 == 3:
                    events.append(till.refund(sale))
                if n % 10 == 7:
                    events.append(till.void(sale))
            events.append(till.close_shift())
            chunks = [events[i : i + 9] for i in range(0, len(events), 9)]
            plans.append((till, chunks))
    # deliver once, in order, into a reference pair of companies? Instead: deliver every chunk
    # three times, in a shuffled interleaving across tills and companies, and compare with
    # the books after the first complete delivery.
    rng = random.Random(7)
    first_pass = [(till, chunk) for till, chunks in plans for chunk in chunks]
    for till, chunk in first_pass:
        await till.push(chunk)
    reference = (await books(shop_a), await books(shop_b))
    replays = first_pass * 3
    rng.shuffle(replays)
    for till, chunk in replays:
        ack = await till.push(chunk)
        assert {x.status for x in ack.acks} == {"duplicate"}
    assert (await books(shop_a), await books(shop_b)) == reference
    # and a reordered first delivery into fresh companies gives the same books
    assert reference[0]["sales"][0] == 80


async def test_reordered_first_delivery_gives_the_same_books_as_in_order(server: object) -> None:
    from tests.sync_server.sync.conftest import make_shop

    results = []
    for slug, shuffle in (("inorder", False), ("shuffled", True)):
        shop = await make_shop(server, slug)  # type: ignore[arg-type]
        till = await shop.till("A1T1")
        baskets = cycle_items(shop.items, 2)
        rng = random.Random(3)
        events = [till.open_shift()]
        sales = []
        for n in range(60):
            sale = till.sale([(i, 1) for i in next(baskets)])
            sales.append(sale)
            events.append(sale)
            if n % 7 == 0:
                events.append(till.refund(sale))
            if n % 11 == 5:
                events.append(till.void(sale))
        events.append(till.close_shift())
        chunks = [events[i : i + 5] for i in range(0, len(events), 5)]
        if shuffle:
            rng.shuffle(chunks)
        for chunk in chunks:
            await till.push(chunk)
        got = await books(shop)
        levels = await shop.sql(
            "SELECT p.sku, l.on_hand FROM stock_levels l JOIN products p ON p.id = l.product_id ORDER BY 1"
        )
        voided = await shop.sql("SELECT count(*) FROM sales WHERE voided_at IS NOT NULL")
        gaps = await shop.sql(
            "SELECT count(*) FROM sync_exceptions WHERE kind = 'seq_gap' AND status = 'open'"
        )
        results.append(
            (
                {k: v for k, v in got.items() if k not in {"exceptions"}},
                levels,
                voided,
                gaps,
            )
        )
    assert results[0] == results[1]
    assert results[0][3] == [(0,)]  # every gap the reordering opened has healed


async def test_gzip_bodies_are_accepted(shop: Shop) -> None:
    till = await shop.till("A1T1")
    body = gzip.compress(till.batch([till.open_shift(), till.sale([(shop.items[0], 1)])]))
    response = await shop.server.client.post(
        "/api/v1/sync/push",
        content=body,
        headers={**till.auth, "Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert response.status_code == 200, response.text
    assert [a["status"] for a in response.json()["acks"]] == ["applied", "applied"]


async def test_an_invalid_event_is_quarantined_and_does_not_block_the_rest(shop: Shop) -> None:
    till = await shop.till("A1T1")
    good_before = till.sale([(shop.items[0], 1)])
    bad = till.sale([(shop.items[1], 1)])
    good_after = till.sale([(shop.items[2], 1)])
    doc = json.loads(till.batch([good_before, bad, good_after]))
    doc["events"][1]["payload"]["total_paise"] += 1  # the totals no longer add up
    body = json.dumps(doc).encode()
    ack = await till.push(body)
    assert [a.status for a in ack.acks] == ["applied", "rejected", "applied"]
    assert "total_paise" in (ack.acks[1].reason or "")
    rows = await shop.sql("SELECT event_id, seq, kind, reason, raw, status FROM quarantined_events")
    assert len(rows) == 1
    event_id, seq, kind, _reason, raw, status = rows[0]
    assert (event_id, seq, kind, status) == (bad.event_id, 2, "sale_completed", "open")
    assert json.loads(raw)["payload"]["total_paise"] == doc["events"][1]["payload"]["total_paise"]
    assert await shop.sql("SELECT count(*) FROM sales") == [(2,)]
    # a replay gets the same verdicts, and quarantine keeps one copy
    again = await till.push(body)
    assert [a.status for a in again.acks] == ["duplicate", "rejected", "duplicate"]
    assert again.acks[1].reason == ack.acks[1].reason
    assert await shop.sql("SELECT count(*) FROM quarantined_events") == [(1,)]
    # the rejected event still counts for the seq mark: no gap
    assert await shop.sql("SELECT last_event_seq FROM terminals") == [(3,)]


async def test_an_event_for_an_unknown_product_is_rejected_then_retried_after_the_fix(
    shop: Shop,
) -> None:
    import uuid as _uuid

    from tests.sync_server.sync.conftest import Item

    till = await shop.till("A1T1")
    ghost = Item(_uuid.uuid4(), _uuid.uuid4(), 1000, Decimal(18))
    sale = till.sale([(ghost, 1)])
    ack = await till.push([sale])
    assert ack.acks[0].status == "rejected"
    assert str(ghost.product_id) in (ack.acks[0].reason or "")
    listed = await shop.server.client.get("/api/v1/sync/quarantine", headers=shop.tenant.auth)
    assert listed.status_code == 200
    (entry,) = listed.json()
    # retry before the fix: still rejected, still one entry
    retry = await shop.server.client.post(
        f"/api/v1/sync/quarantine/{entry['id']}/resolve",
        json={"action": "retry"},
        headers=shop.tenant.auth,
    )
    assert retry.status_code == 200, retry.text
    assert retry.json()["status"] == "open"
    # the admin adds the product; the retry books the sale
    from sync_server.db import models as m

    async with shop.server.ctx.db.tenant(shop.tenant.company_id) as session:
        session.add(
            m.Product(
                company_id=shop.tenant.company_id,
                id=ghost.product_id,
                sku="GHOST",
                name="Ghost",
                hsn_code="3401",
                unit="pcs",
                price_includes_tax=False,
                active=True,
                updated_at=sale.occurred_at,
            )
        )
    retry = await shop.server.client.post(
        f"/api/v1/sync/quarantine/{entry['id']}/resolve",
        json={"action": "retry", "note": "added the product"},
        headers=shop.tenant.auth,
    )
    assert retry.status_code == 200, retry.text
    assert retry.json()["status"] == "resolved"
    assert await shop.sql("SELECT count(*) FROM sales") == [(1,)]
    # the till's replay of its original batch is now a duplicate
    again = await till.push([sale])
    assert again.acks[0].status == "duplicate"


async def test_an_event_naming_another_store_is_rejected(shop: Shop) -> None:
    import uuid as _uuid

    till = await shop.till("A1T1")
    till.store_id = _uuid.uuid4()
    ack = await till.push([till.open_shift()])
    assert ack.acks[0].status == "rejected"
    assert "store" in (ack.acks[0].reason or "")


async def test_an_undecodable_event_without_an_id_is_quarantined_without_an_ack(
    shop: Shop,
) -> None:
    till = await shop.till("A1T1")
    good = till.sale([(shop.items[0], 1)])
    doc = json.loads(till.batch([good]))
    doc["events"].append({"seq": 2, "payload": {"kind": "sale_completed"}})
    ack = await till.push(json.dumps(doc).encode())
    assert [a.event_id for a in ack.acks] == [good.event_id]
    assert await shop.sql("SELECT seq, event_id FROM quarantined_events") == [(2, None)]


async def test_bad_envelopes_get_a_clear_problem_and_change_nothing(shop: Shop) -> None:
    till = await shop.till("A1T1")
    good = till.batch([till.sale([(shop.items[0], 1)])])
    cases = {
        b"not json": 400,
        json.dumps({**json.loads(good), "protocol_version": 99}).encode(): 400,
        json.dumps({**json.loads(good), "events": []}).encode(): 400,
    }
    for body, status in cases.items():
        response = await shop.server.client.post(
            "/api/v1/sync/push",
            content=body,
            headers={**till.auth, "Content-Type": "application/json"},
        )
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["detail"]
    other = await shop.till("A1T2")
    response = await shop.server.client.post(
        "/api/v1/sync/push",
        content=good,
        headers={**other.auth, "Content-Type": "application/json"},
    )
    assert response.status_code == 403
    assert "terminal" in response.json()["detail"]
    response = await shop.server.client.post(
        "/api/v1/sync/push",
        content=good,
        headers={**shop.tenant.auth, "Content-Type": "application/json"},
    )
    assert response.status_code == 403
    assert await shop.sql("SELECT count(*) FROM applied_events") == [(0,)]


async def test_a_revoked_terminal_cannot_push(shop: Shop) -> None:
    till = await shop.till("A1T1")
    revoked = await shop.server.client.post(
        f"/api/v1/terminals/{till.terminal_id}/revoke", headers=shop.tenant.auth
    )
    assert revoked.status_code == 200
    response = await shop.server.client.post(
        "/api/v1/sync/push",
        content=till.batch([till.open_shift()]),
        headers={**till.auth, "Content-Type": "application/json"},
    )
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


async def test_admins_see_what_each_terminal_reported_on_its_last_push(shop: Shop) -> None:
    till = await shop.till("A1T1")
    events = [till.open_shift(), till.sale([(shop.items[0], 1)])]
    await till.push(till.batch(events, queue_depth=37))
    response = await shop.server.client.get(
        f"/api/v1/terminals/{till.terminal_id}", headers=shop.tenant.auth
    )
    assert response.status_code == 200
    view = response.json()
    assert view["acked_seq"] == 2
    assert view["queue_depth"] == 37
    assert view["app_version"] == "1.0.0"
    assert view["printer_state"] == "ok"
    assert view["last_push_at"] is not None


async def test_a_count_stands_at_its_place_among_the_sales_of_its_batch(shop: Shop) -> None:
    till = await shop.till("A1T1")
    item = shop.items[4]
    opened = till.open_shift()
    before = till.sale([(item, 5)])  # 100 -> 95, then counted: 42 on the shelf
    count = till.count(item, 42)
    after = till.sale([(item, 2)])  # 42 -> 40
    recount, last = till.count(item, 30), till.sale([(item, 1)])  # 30 -> 29
    await till.push([opened, before, count, after, recount, last])
    assert await shop.on_hand(item) == Decimal(29)
    async with shop.server.ctx.db.tenant(shop.tenant.company_id) as session:
        from sync_server.domain.stock.ledger import ledger_drift

        assert await ledger_drift(session, shop.tenant.company_id) == []


async def test_a_nul_character_in_text_is_rejected_and_does_not_block_the_rest(
    shop: Shop,
) -> None:
    """PostgreSQL text cannot hold U+0000: such an event must be quarantined, not fail the push."""
    till = await shop.till("A1T1")
    good_before = till.sale([(shop.items[0], 1)])
    bad = till.sale([(shop.items[1], 1)])
    good_after = till.sale([(shop.items[2], 1)])
    doc = json.loads(till.batch([good_before, bad, good_after]))
    doc["events"][1]["payload"]["lines"][0]["description"] = "soap\u0000bar"
    ack = await till.push(json.dumps(doc).encode())
    assert [a.status for a in ack.acks] == ["applied", "rejected", "applied"]
    assert "NUL" in (ack.acks[1].reason or "")
    (raw,) = (await shop.sql("SELECT raw FROM quarantined_events"))[0]
    assert json.loads(raw)["payload"]["lines"][0]["description"] == "soap\u0000bar"
    assert await shop.sql("SELECT count(*) FROM sales") == [(2,)]
