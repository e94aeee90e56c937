"""Each conflict becomes a typed sync exception with its events, and an admin can resolve it."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

from shared.protocol import AuditRecorded, Event
from tests.sync_server.sync.conftest import FakeTill, Shop


async def only(shop: Shop, kind: str) -> dict[str, object]:
    found = await shop.exceptions(kind)
    assert len(found) == 1, found
    return found[0]


async def resolve(shop: Shop, exception: dict[str, object], **body: object) -> tuple[int, dict]:  # type: ignore[type-arg]
    response = await shop.server.client.post(
        f"/api/v1/sync/exceptions/{exception['id']}/resolve", json=body, headers=shop.tenant.auth
    )
    return response.status_code, response.json()


async def test_an_offline_sale_below_zero_is_booked_and_raises_an_oversell(shop: Shop) -> None:
    till = await shop.till("A1T1")
    item = shop.items[0]
    opened = till.open_shift()
    first, second = till.sale([(item, 60)]), till.sale([(item, 50)])
    ack = await till.push([opened, first, second])
    assert {a.status for a in ack.acks} == {"applied"}
    assert await shop.on_hand(item) == Decimal(-10)
    oversell = await only(shop, "oversell")
    assert oversell["entity_id"] == str(item.product_id)
    assert oversell["store_id"] == str(shop.store_id)
    assert oversell["detail"]["on_hand_after"] == "-10.000"  # type: ignore[index]
    involved = {e["event_id"] for e in oversell["events"]}  # type: ignore[attr-defined]
    assert involved == {str(first.event_id), str(second.event_id)}
    assert {e["kind"] for e in oversell["events"]} == {"sale_completed"}  # type: ignore[attr-defined]
    # the admin finds 12 units on the shelf and corrects stock
    status, body = await resolve(
        shop, oversell, action="adjust_stock", adjust_quantity="12", note="recounted"
    )
    assert status == 200, body
    assert (body["status"], body["resolution"]) == ("resolved", "stock_adjusted")
    assert "recounted" in body["note"]
    assert await shop.on_hand(item) == Decimal(2)
    status, body = await resolve(shop, oversell, action="acknowledge")
    assert status == 409
    assert "already resolved" in body["detail"]


async def test_a_sale_at_a_price_replaced_before_it_was_made_is_flagged(shop: Shop) -> None:
    till = await shop.till("A1T1")
    item = shop.items[1]
    # the server replaced the price an hour before the sale; the offline till still had it
    await shop.sql(
        "UPDATE prices SET version = 2, effective_to = :t WHERE id = :p",
        t=till.clock - timedelta(hours=1),
        p=item.price_id,
    )
    opened = till.open_shift()
    sale = till.sale([(shop.items[0], 1), (item, 2)], price_version=1)
    await till.push([opened, sale])
    found = await only(shop, "superseded_price")
    assert found["entity_id"] == str(sale.payload.sale_id)  # type: ignore[attr-defined]
    assert found["detail"]["lines"] == [  # type: ignore[index]
        {
            "line_no": 2,
            "price_id": str(item.price_id),
            "charged_version": 1,
            "server_version": 2,
            "why": "price_ended",
        }
    ]
    assert await shop.sql("SELECT flags FROM sales") == [(["superseded_price"],)]
    status, body = await resolve(shop, found, action="note", note="price list was late")
    assert status == 200
    assert body["status"] == "open"
    assert "late" in body["note"]


async def test_a_sale_made_before_a_later_price_change_is_not_flagged(shop: Shop) -> None:
    till = await shop.till("A1T1")
    item = shop.items[2]
    opened = till.open_shift()
    sale = till.sale([(item, 1)], price_version=1)
    # the price changed after the sale was made, before the till came back online
    await shop.sql(
        "UPDATE prices SET version = 2, effective_to = :t WHERE id = :p",
        t=till.clock + timedelta(minutes=5),
        p=item.price_id,
    )
    await till.push([opened, sale])
    assert await shop.exceptions("superseded_price") == []


async def test_a_sale_at_a_price_not_yet_in_force_or_deleted_is_flagged(shop: Shop) -> None:
    till = await shop.till("A1T1")
    early, gone = shop.items[2], shop.items[3]
    await shop.sql(
        "UPDATE prices SET effective_from = :t WHERE id = :p",
        t=till.clock + timedelta(days=1),
        p=early.price_id,
    )
    await shop.sql("DELETE FROM prices WHERE id = :p", p=gone.price_id)
    opened = till.open_shift()
    await till.push([opened, till.sale([(early, 1), (gone, 1)])])
    found = await only(shop, "superseded_price")
    assert [line["why"] for line in found["detail"]["lines"]] == [  # type: ignore[index]
        "price_not_yet_in_force",
        "unknown_price",
    ]


async def test_a_sale_arriving_after_its_shift_closed_is_attached_and_flagged(shop: Shop) -> None:
    till = await shop.till("A1T1")
    opened = till.open_shift()
    late_sale = till.sale([(shop.items[0], 1)])
    closed = till.close_shift(z_number=7)
    # the close reaches the server first (the sale's batch was held up)
    await till.push([opened])
    await till.push(till.batch([closed]))
    await till.push([late_sale])
    found = await only(shop, "late_for_shift")
    assert found["entity"] == "sale"
    assert found["detail"]["z_number"] == 7  # type: ignore[index]
    rows = await shop.sql("SELECT shift_id, flags FROM sales")
    assert rows == [(till.shift_id, ["late_for_shift"])]


async def test_a_reused_invoice_number_is_booked_and_reported(shop: Shop) -> None:
    till = await shop.till("A1T1")
    opened = till.open_shift()
    first = till.sale([(shop.items[0], 1)])
    await till.push([opened, first])
    # the till is restored from an old backup: its series restarts
    till.invoice = 0
    second = till.sale([(shop.items[1], 1)])
    await till.push([second])
    found = await only(shop, "invoice_collision")
    assert found["detail"]["number"] == first.payload.invoice_number  # type: ignore[attr-defined,index]
    assert set(found["detail"]["documents"]) == {  # type: ignore[index]
        str(first.payload.sale_id),  # type: ignore[attr-defined]
        str(second.payload.sale_id),  # type: ignore[attr-defined]
    }
    assert {e["event_id"] for e in found["events"]} == {str(first.event_id), str(second.event_id)}  # type: ignore[attr-defined]
    flags = await shop.sql("SELECT flags FROM sales ORDER BY occurred_at")
    assert flags == [(["invoice_collision"],), (["invoice_collision"],)]


async def test_a_reused_credit_note_number_is_reported(shop: Shop) -> None:
    till = await shop.till("A1T1")
    opened = till.open_shift()
    sale = till.sale([(shop.items[0], 3)])
    first = till.refund(sale)
    till.credit_note = 0
    second = till.refund(sale)
    await till.push([opened, sale, first, second])
    found = await only(shop, "credit_note_collision")
    assert len(found["detail"]["documents"]) == 2  # type: ignore[index]


async def test_a_seq_gap_is_reported_and_heals_when_the_events_arrive(shop: Shop) -> None:
    till = await shop.till("A1T1")
    events = [till.open_shift()] + [till.sale([(shop.items[n], 1)]) for n in range(6)]
    await till.push(events[:2])
    await till.push(events[4:])  # seq 3 and 4 are still on their way
    gap = await only(shop, "seq_gap")
    assert (gap["status"], gap["detail"]["from_seq"], gap["detail"]["to_seq"]) == ("open", 3, 4)  # type: ignore[index]
    assert await shop.sql("SELECT last_event_seq FROM terminals") == [(2,)]
    await till.push(events[2:4])
    healed = await only(shop, "seq_gap")
    assert (healed["status"], healed["resolution"]) == ("resolved", "self_healed")
    assert await shop.sql("SELECT last_event_seq FROM terminals") == [(7,)]


async def test_acknowledging_a_gap_moves_the_terminal_past_it(shop: Shop) -> None:
    till = await shop.till("A1T1")
    events = [till.open_shift()] + [till.sale([(shop.items[n], 1)]) for n in range(4)]
    await till.push(events[:1])
    await till.push(events[3:])  # seq 2 and 3 never come: that till's disk died
    gap = await only(shop, "seq_gap")
    status, body = await resolve(shop, gap, action="acknowledge", note="disk replaced")
    assert status == 200
    assert body["status"] == "resolved"
    assert await shop.sql("SELECT last_event_seq FROM terminals") == [(3,)]
    await till.push([till.sale([(shop.items[0], 1)])])
    assert await shop.sql("SELECT last_event_seq FROM terminals") == [(6,)]
    assert len(await shop.exceptions("seq_gap")) == 1


async def test_a_new_event_with_a_used_seq_is_booked_and_reported(shop: Shop) -> None:
    till = await shop.till("A1T1")
    opened = till.open_shift()
    await till.push([opened])
    till.seq = 0  # a restored backup numbers from the start again
    again = till.sale([(shop.items[0], 1)])
    ack = await till.push([again])
    assert ack.acks[0].status == "applied"
    found = await only(shop, "seq_reused")
    assert found["detail"]["seq"] == 1  # type: ignore[index]
    assert await shop.sql("SELECT count(*) FROM sales") == [(1,)]


async def test_an_edited_or_missing_audit_entry_breaks_the_chain(shop: Shop) -> None:
    till = await shop.till("A1T1")
    first, second, third = till.audit("login"), till.audit("void"), till.audit("no_sale")
    # the till's log was edited: the second entry's detail no longer matches its hash
    doc = json.loads(till.batch([first, second]))
    doc["events"][1]["payload"]["detail"] = {"amount": "1"}
    await till.push(json.dumps(doc).encode())
    edited = await only(shop, "audit_chain_broken")
    assert edited["entity_id"] == str(second.event_id)
    assert "hash" in edited["detail"]["problems"][0]  # type: ignore[index]
    # an entry is dropped from the log: the next one no longer links to its predecessor
    fourth = till.audit("logout")
    a4 = fourth.payload
    assert isinstance(a4, AuditRecorded)
    assert isinstance(third.payload, AuditRecorded)
    relinked = Event(
        event_id=fourth.event_id,
        seq=third.seq,
        occurred_at=fourth.occurred_at,
        payload=a4,
    )
    await till.push([relinked])
    kinds = [e["entity_id"] for e in await shop.exceptions("audit_chain_broken")]
    assert str(fourth.event_id) in kinds


async def test_a_void_that_arrives_before_its_sale_is_applied_when_the_sale_comes(
    shop: Shop,
) -> None:
    till: FakeTill = await shop.till("A1T1")
    item = shop.items[0]
    opened = till.open_shift()
    sale = till.sale([(item, 4)])
    void = till.void(sale)
    await till.push([opened])
    await till.push(till.batch([void]))
    pending = await only(shop, "void_before_sale")
    assert pending["status"] == "open"
    assert await shop.on_hand(item) == Decimal(100)
    await till.push([sale])
    healed = await only(shop, "void_before_sale")
    assert (healed["status"], healed["resolution"]) == ("resolved", "self_healed")
    assert await shop.on_hand(item) == Decimal(100)  # sold 4, void put 4 back
    rows = await shop.sql("SELECT voided_at IS NOT NULL, void_reason FROM sales")
    assert rows == [(True, "customer changed mind")]


async def test_a_void_puts_stock_back_once(shop: Shop) -> None:
    till = await shop.till("A1T1")
    item = shop.items[3]
    opened = till.open_shift()
    sale = till.sale([(item, 5)])
    void = till.void(sale)
    await till.push([opened, sale, void])
    await till.push([opened, sale, void])
    assert await shop.on_hand(item) == Decimal(100)
    moves = await shop.sql(
        "SELECT reason, sum(quantity) FROM stock_movements WHERE product_id = :p "
        "AND reason IN ('sale', 'void') GROUP BY reason ORDER BY reason",
        p=item.product_id,
    )
    assert moves == [("sale", Decimal(-5)), ("void", Decimal(5))]


async def test_the_review_api_refuses_bad_requests_clearly(shop: Shop) -> None:
    till = await shop.till("A1T1")
    await till.push([till.open_shift(), till.sale([(shop.items[0], 101)])])
    oversell = await only(shop, "oversell")
    client, auth = shop.server.client, shop.tenant.auth
    bad_kind = await client.get("/api/v1/sync/exceptions?kind=nonsense", headers=auth)
    assert bad_kind.status_code == 400
    assert "kind must be one of" in bad_kind.json()["detail"]
    bad_limit = await client.get("/api/v1/sync/exceptions?limit=0", headers=auth)
    assert bad_limit.status_code == 400
    assert bad_limit.json()["field"] == "limit"
    status, body = await resolve(shop, oversell, action="adjust_stock")
    assert status == 400
    assert body["field"] == "adjust_quantity"
    status, body = await resolve(shop, oversell, action="shrug")
    assert status == 400
    gap_till = await shop.till("A1T2")
    gap_till.seq = 5
    await gap_till.push([gap_till.open_shift()])
    gap = await only(shop, "seq_gap")
    status, body = await resolve(shop, gap, action="adjust_stock", adjust_quantity="1")
    assert status == 409
    assert "oversell" in body["detail"]
    missing = await client.get(
        "/api/v1/sync/exceptions/01900000-0000-7000-8000-000000000000", headers=auth
    )
    assert missing.status_code == 404
    # still open, nothing changed
    assert (await only(shop, "oversell"))["status"] == "open"
    assert await shop.on_hand(shop.items[0]) == Decimal(-1)


async def test_store_managers_see_only_their_stores_exceptions(shop: Shop) -> None:
    till = await shop.till("A1T1")
    await till.push([till.open_shift(), till.sale([(shop.items[0], 101)])])
    other_store = await shop.server.store(shop.tenant, "B2")
    email = "manager@kirana.example"
    from tests.sync_server.conftest import PASSWORD

    made = await shop.server.client.post(
        "/api/v1/users",
        json={
            "full_name": "Manager",
            "email": email,
            "password": PASSWORD,
            "roles": [{"role": "store_manager", "store_id": str(other_store)}],
        },
        headers=shop.tenant.auth,
    )
    assert made.status_code == 201, made.text
    token = (await shop.server.login(email))["access_token"]
    seen = await shop.server.client.get(
        "/api/v1/sync/exceptions", headers={"Authorization": f"Bearer {token}"}
    )
    assert seen.status_code == 200
    assert seen.json() == []
    quarantine = await shop.server.client.get(
        "/api/v1/sync/quarantine", headers={"Authorization": f"Bearer {token}"}
    )
    assert quarantine.status_code == 403
