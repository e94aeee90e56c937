"""UUIDv7 ids: layout per RFC 9562, ordering, and an injected clock and entropy source."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.errors import GallaError, IdError
from shared.ids import ENTROPY_BYTES, IdFactory, is_uuid7, uuid7, uuid7_time

MAX_MS = 2**48 - 1
ZEROS = bytes(ENTROPY_BYTES)
ONES = b"\xff" * ENTROPY_BYTES


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now_ms: int) -> None:
        self.now_ms = now_ms

    def __call__(self) -> int:
        return self.now_ms


def counting_entropy() -> Callable[[int], bytes]:
    """Entropy that differs on every call and is reproducible."""
    counter = iter(range(1, 10**9))

    def entropy(n: int) -> bytes:
        return (next(counter) << 8).to_bytes(n, "big")  # above the 6 unused bits

    return entropy


def fixed_entropy(value: bytes) -> Callable[[int], bytes]:
    return lambda n: value[:n]


# ------------------------------------------------------------------ uuid7()
def test_a_uuid7_carries_version_7_and_the_rfc_variant() -> None:
    u = uuid7(1_700_000_000_000, bytes(range(10)))
    assert u.version == 7
    assert u.variant == uuid.RFC_4122
    assert is_uuid7(u)


def test_the_timestamp_sits_in_the_first_48_bits_big_endian() -> None:
    u = uuid7(0x0123456789AB, ZEROS)
    assert str(u) == "01234567-89ab-7000-8000-000000000000"


def test_the_first_74_bits_of_entropy_fill_rand_a_and_rand_b() -> None:
    u = uuid7(0, ONES)
    assert str(u) == "00000000-0000-7fff-bfff-ffffffffffff"
    # the last 6 of the 80 entropy bits are not used
    assert uuid7(0, b"\x00" * 9 + b"\x3f") == uuid7(0, ZEROS)
    assert uuid7(0, b"\x00" * 9 + b"\x40") != uuid7(0, ZEROS)


def test_rand_a_takes_the_first_twelve_entropy_bits() -> None:
    u = uuid7(0, b"\xab\xc0" + bytes(8))
    assert str(u) == "00000000-0000-7abc-8000-000000000000"


@given(
    unix_ms=st.integers(min_value=0, max_value=MAX_MS),
    entropy=st.binary(min_size=ENTROPY_BYTES, max_size=ENTROPY_BYTES),
)
def test_the_timestamp_round_trips_for_any_millisecond(unix_ms: int, entropy: bytes) -> None:
    u = uuid7(unix_ms, entropy)
    assert uuid7_time(u) == unix_ms
    assert is_uuid7(u)


@given(
    earlier=st.integers(min_value=0, max_value=MAX_MS - 1),
    gap=st.integers(min_value=1, max_value=10**6),
    a=st.binary(min_size=10, max_size=10),
    b=st.binary(min_size=10, max_size=10),
)
def test_a_later_millisecond_always_sorts_later_whatever_the_entropy(
    earlier: int, gap: int, a: bytes, b: bytes
) -> None:
    later = min(earlier + gap, MAX_MS)
    assert uuid7(earlier, a) < uuid7(later, b)
    assert str(uuid7(earlier, a)) < str(uuid7(later, b))


def test_the_edges_of_the_timestamp_range_are_accepted() -> None:
    assert uuid7_time(uuid7(0, ZEROS)) == 0
    assert uuid7_time(uuid7(MAX_MS, ONES)) == MAX_MS


@pytest.mark.parametrize("unix_ms", [-1, MAX_MS + 1, 2**64])
def test_a_timestamp_out_of_range_is_refused(unix_ms: int) -> None:
    with pytest.raises(IdError, match="between 0 and"):
        uuid7(unix_ms, ZEROS)


@pytest.mark.parametrize("unix_ms", [1.5, "1700000000000", True, None])
def test_a_timestamp_that_is_not_an_int_is_refused(unix_ms: object) -> None:
    with pytest.raises(IdError, match="whole milliseconds"):
        uuid7(unix_ms, ZEROS)  # type: ignore[arg-type]


@pytest.mark.parametrize("entropy", [b"", bytes(9), bytes(11)])
def test_entropy_of_the_wrong_length_is_refused(entropy: bytes) -> None:
    with pytest.raises(IdError, match=f"exactly 10 bytes, got {len(entropy)}"):
        uuid7(0, entropy)


def test_entropy_that_is_not_bytes_is_refused() -> None:
    with pytest.raises(IdError, match="entropy is bytes, got str"):
        uuid7(0, "0123456789")  # type: ignore[arg-type]


def test_id_errors_are_value_errors_in_the_galla_tree() -> None:
    with pytest.raises(GallaError):
        uuid7(-1, ZEROS)
    assert issubclass(IdError, ValueError)


# ------------------------------------------------------------------ reading ids
def test_other_uuid_versions_are_not_uuid7() -> None:
    assert not is_uuid7(uuid.UUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8"))  # v1
    assert not is_uuid7(uuid.UUID("0196a8f0-0000-4000-8000-000000000001"))  # v4
    # version nibble 7 but the Microsoft variant
    assert not is_uuid7(uuid.UUID("01234567-89ab-7000-c000-000000000000"))


def test_the_time_of_a_non_v7_uuid_cannot_be_read() -> None:
    with pytest.raises(IdError, match="not a UUIDv7"):
        uuid7_time(uuid.UUID("0196a8f0-0000-4000-8000-000000000001"))


# ------------------------------------------------------------------ IdFactory
def test_the_factory_stamps_ids_with_the_injected_clock() -> None:
    make = IdFactory(FakeClock(1_746_780_000_000), counting_entropy())
    assert uuid7_time(make()) == 1_746_780_000_000


def test_a_burst_within_one_millisecond_sorts_in_creation_order() -> None:
    # entropy that would sort the ids backwards if it were used as is
    values = iter(range(1000, 0, -1))
    make = IdFactory(FakeClock(5_000), lambda n: next(values).to_bytes(n, "big"))
    ids = [make() for _ in range(1000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == 1000
    assert {uuid7_time(u) for u in ids} == {5_000}


def test_ids_keep_fresh_random_bits_inside_a_burst() -> None:
    make = IdFactory(FakeClock(5_000), counting_entropy())
    first, second = make(), make()
    assert first.int & 0xFFFFFFFF != second.int & 0xFFFFFFFF


def test_a_new_millisecond_reseeds_the_counter_from_entropy() -> None:
    clock = FakeClock(5_000)
    make = IdFactory(clock, fixed_entropy(ONES))
    make()
    clock.now_ms = 5_001
    u = make()
    assert uuid7_time(u) == 5_001
    # counter seed has its top bit clear, leaving room to count up within the millisecond
    assert str(u) == "00000000-1389-77ff-bfff-ffffffffffff"


def test_ids_across_milliseconds_sort_in_creation_order() -> None:
    clock = FakeClock(5_000)
    make = IdFactory(clock, counting_entropy())
    ids = []
    for step in range(200):
        clock.now_ms = 5_000 + step // 7
        ids.append(make())
    assert ids == sorted(ids)


def test_a_clock_stepping_backwards_does_not_break_the_order() -> None:
    clock = FakeClock(9_000)
    make = IdFactory(clock, counting_entropy())
    before = make()
    clock.now_ms = 1_000
    after = make()
    assert after > before
    assert uuid7_time(after) == 9_000


def test_an_exhausted_counter_borrows_the_next_millisecond() -> None:
    clock = FakeClock(9_000)
    make = IdFactory(clock, fixed_entropy(ONES))
    make()
    make._counter = (1 << 42) - 1  # as if 2**41 ids were made in this millisecond
    u = make()
    assert uuid7_time(u) == 9_001
    assert make() > u


def test_a_restarted_factory_sorts_after_the_newest_stored_id() -> None:
    newest = uuid7(50_000, ONES)
    clock = FakeClock(40_000)  # the clock was set back while the app was down
    make = IdFactory(clock, counting_entropy(), after=newest)
    assert make() > newest


def test_a_restarted_factory_with_a_correct_clock_uses_the_clock() -> None:
    make = IdFactory(FakeClock(60_000), counting_entropy(), after=uuid7(50_000, ONES))
    assert uuid7_time(make()) == 60_000


def test_the_factory_refuses_a_non_v7_id_to_resume_after() -> None:
    with pytest.raises(IdError, match="not a UUIDv7"):
        IdFactory(FakeClock(0), counting_entropy(), after=uuid.UUID(int=1))


def test_the_factory_refuses_a_clock_that_returns_seconds_as_a_float() -> None:
    make = IdFactory(lambda: 1_746_780_000.5, counting_entropy())  # type: ignore[arg-type,return-value]
    with pytest.raises(IdError, match="whole milliseconds"):
        make()


def test_the_factory_refuses_an_entropy_source_that_returns_too_little() -> None:
    make = IdFactory(FakeClock(0), lambda n: b"\x01")
    with pytest.raises(IdError, match="exactly 10 bytes, got 1"):
        make()


def test_the_factory_asks_for_ten_bytes_of_entropy() -> None:
    asked: list[int] = []

    def entropy(n: int) -> bytes:
        asked.append(n)
        return bytes(n)

    IdFactory(FakeClock(0), entropy)()
    assert asked == [ENTROPY_BYTES]


def test_the_factory_cannot_run_past_the_end_of_time() -> None:
    make = IdFactory(FakeClock(MAX_MS), fixed_entropy(ONES))
    make()
    make._counter = (1 << 42) - 1
    with pytest.raises(IdError, match="between 0 and"):
        make()


def test_threads_sharing_a_factory_never_get_the_same_id() -> None:
    make = IdFactory(FakeClock(7_000), counting_entropy_locked())
    results: list[list[uuid.UUID]] = [[] for _ in range(8)]

    def work(bucket: list[uuid.UUID]) -> None:
        for _ in range(500):
            bucket.append(make())

    threads = [threading.Thread(target=work, args=(bucket,)) for bucket in results]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [u for bucket in results for u in bucket]
    assert len(set(every)) == 4000
    for bucket in results:
        assert bucket == sorted(bucket)


def counting_entropy_locked() -> Callable[[int], bytes]:
    lock = threading.Lock()
    numbers: Iterator[int] = iter(range(1, 10**9))

    def entropy(n: int) -> bytes:
        with lock:
            return next(numbers).to_bytes(n, "big")

    return entropy
