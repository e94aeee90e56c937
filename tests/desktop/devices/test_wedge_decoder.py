"""The wedge decoder tells a scanner's burst from a person typing, using recorded key timings."""

from __future__ import annotations

import pytest

from desktop.devices.errors import DeviceConfigError
from desktop.devices.scanner.wedge import (
    Action,
    Hold,
    KeyInput,
    KeyKind,
    Pass,
    Release,
    Scanned,
    WedgeDecoder,
    WedgeSettings,
)

# Recorded from a Honeywell-class USB scanner reading 8901234567890: gaps of 5-15 ms, then Enter.
SCANNER_GAPS_MS = [0, 8, 7, 9, 6, 12, 8, 7, 15, 9, 8, 5, 11, 9]
# Recorded from a fast typist entering "8901234": 60-120 ms between keys.
TYPIST_GAPS_MS = [0, 95, 62, 118, 71, 84, 103, 66]


def keys(text: str, gaps: list[int], start_ms: int = 1000, enter: bool = True) -> list[KeyInput]:
    """Key presses for ``text`` (plus Enter) separated by the given gaps."""
    out: list[KeyInput] = []
    now = start_ms
    chars = list(text) + (["\r"] if enter else [])
    for char, gap in zip(chars, gaps, strict=False):
        now += gap
        kind = KeyKind.ENTER if char == "\r" else KeyKind.CHAR
        out.append(KeyInput(kind, "" if char == "\r" else char, now))
    assert len(out) == len(chars), "not enough gaps for the text"
    return out


def run(decoder: WedgeDecoder, presses: list[KeyInput], settle: bool = True) -> list[Action]:
    """Feed every press, then let the gap timer fire once, and collect the answers."""
    answers: list[Action] = []
    for press in presses:
        answers += decoder.feed(press)
    if settle and presses:
        answers += decoder.tick(presses[-1].timestamp_ms + 1000)
    return answers


def scans(answers: list[Action]) -> list[str]:
    return [a.code for a in answers if isinstance(a, Scanned)]


def test_a_recorded_scanner_burst_ending_in_enter_is_one_scan() -> None:
    decoder = WedgeDecoder()
    answers = run(decoder, keys("8901234567890", SCANNER_GAPS_MS))
    assert scans(answers) == ["8901234567890"]
    assert all(isinstance(a, Hold) for a in answers[:-1]), "every scan key is swallowed"
    assert not any(isinstance(a, Release | Pass) for a in answers)
    assert not decoder.holding


def test_fast_human_typing_is_not_a_scan_and_reaches_the_field_in_order() -> None:
    decoder = WedgeDecoder()
    presses = keys("8901234", TYPIST_GAPS_MS)
    answers = run(decoder, presses)
    assert scans(answers) == []
    released = "".join(k.text for a in answers if isinstance(a, Release) for k in a.keys)
    assert released == "8901234"
    assert isinstance(answers[-1], Pass), "the typist's Enter goes to the field"


def test_a_typed_key_is_released_by_the_timer_when_no_key_follows() -> None:
    decoder = WedgeDecoder()
    assert decoder.feed(KeyInput(KeyKind.CHAR, "a", 100)) == [Hold()]
    assert decoder.tick(130) == [], "still within the gap: might be a scan"
    assert decoder.tick(141) == [Release((KeyInput(KeyKind.CHAR, "a", 100),))]
    assert decoder.tick(500) == []


def test_a_typist_whose_two_keys_roll_over_quickly_still_gets_every_character() -> None:
    decoder = WedgeDecoder()
    presses = keys("abcd", [0, 100, 20, 100, 90])
    answers = run(decoder, presses)
    assert scans(answers) == []
    released = "".join(k.text for a in answers if isinstance(a, Release) for k in a.keys)
    assert released == "abcd"


def test_a_burst_shorter_than_the_minimum_is_typing() -> None:
    decoder = WedgeDecoder(WedgeSettings(min_length=4))
    answers = run(decoder, keys("12", [0, 8, 8]))
    assert scans(answers) == []
    assert Release(tuple(keys("12", [0, 8], enter=False))) in answers


def test_enter_long_after_the_burst_is_not_a_scan_terminator() -> None:
    decoder = WedgeDecoder()
    presses = keys("8901234567890", [*SCANNER_GAPS_MS[:13], 400])
    answers = run(decoder, presses)
    assert scans(answers) == []
    assert isinstance(answers[-1], Pass)


def test_tab_also_ends_a_scan_and_is_swallowed() -> None:
    decoder = WedgeDecoder()
    presses = keys("ABC-1234", [0, 7, 7, 7, 7, 7, 7, 7], enter=False)
    presses.append(KeyInput(KeyKind.TAB, "\t", presses[-1].timestamp_ms + 9))
    assert scans(run(decoder, presses)) == ["ABC-1234"]


def test_enter_alone_passes_through() -> None:
    assert WedgeDecoder().feed(KeyInput(KeyKind.ENTER, "", 5)) == [Pass()]


def test_shift_pressed_by_the_scanner_for_letters_does_not_break_the_burst() -> None:
    decoder = WedgeDecoder()
    presses = [
        KeyInput(KeyKind.CHAR, "s", 0),
        KeyInput(KeyKind.MODIFIER, "", 3),
        KeyInput(KeyKind.CHAR, "K", 6),
        KeyInput(KeyKind.CHAR, "U", 12),
        KeyInput(KeyKind.CHAR, "9", 19),
        KeyInput(KeyKind.ENTER, "", 27),
    ]
    answers = run(decoder, presses)
    assert scans(answers) == ["sKU9"]
    assert answers[1] == Pass(), "the modifier itself is left alone"


def test_a_function_key_during_a_burst_releases_it_first_then_passes() -> None:
    decoder = WedgeDecoder()
    decoder.feed(KeyInput(KeyKind.CHAR, "1", 0))
    decoder.feed(KeyInput(KeyKind.CHAR, "2", 5))
    answers = decoder.feed(KeyInput(KeyKind.OTHER, "", 9))
    assert answers == [
        Release((KeyInput(KeyKind.CHAR, "1", 0), KeyInput(KeyKind.CHAR, "2", 5))),
        Pass(),
    ]


def test_two_scans_back_to_back_are_two_scans() -> None:
    decoder = WedgeDecoder()
    first = keys("8901234567890", SCANNER_GAPS_MS, start_ms=0)
    second = keys("12345670", SCANNER_GAPS_MS[:9], start_ms=first[-1].timestamp_ms + 300)
    assert scans(run(decoder, first + second)) == ["8901234567890", "12345670"]


def test_a_prefix_is_required_and_stripped() -> None:
    decoder = WedgeDecoder(WedgeSettings(prefix="\x02"))
    presses = keys("\x028901234567890", [0, *SCANNER_GAPS_MS])
    assert scans(run(decoder, presses)) == ["8901234567890"]


def test_with_a_prefix_typing_passes_at_once_without_delay() -> None:
    decoder = WedgeDecoder(WedgeSettings(prefix="\x02"))
    assert decoder.feed(KeyInput(KeyKind.CHAR, "a", 0)) == [Pass()]
    assert not decoder.holding


def test_with_a_prefix_a_fast_burst_missing_it_is_not_a_scan() -> None:
    decoder = WedgeDecoder(WedgeSettings(prefix="#!"))
    presses = keys("#x12345", [0, 8, 8, 8, 8, 8, 8, 8])
    answers = run(decoder, presses)
    assert scans(answers) == []
    released = "".join(k.text for a in answers if isinstance(a, Release) for k in a.keys)
    assert released == "#x12345"


def test_a_suffix_completes_the_scan_without_enter_and_a_trailing_enter_is_swallowed() -> None:
    decoder = WedgeDecoder(WedgeSettings(suffix="\x03"))
    presses = keys("1234567\x03", [0, 6, 6, 6, 6, 6, 6, 6, 6])
    answers = run(decoder, presses)
    assert scans(answers) == ["1234567"]
    assert answers[-1] == Hold(), "the Enter after the suffix belongs to the scan"


def test_a_suffix_scan_without_enter_leaves_a_later_enter_alone() -> None:
    decoder = WedgeDecoder(WedgeSettings(suffix="\x03"))
    presses = keys("1234567\x03", [0, 6, 6, 6, 6, 6, 6, 6], enter=False)
    assert scans(run(decoder, presses, settle=False)) == ["1234567"]
    assert decoder.feed(KeyInput(KeyKind.ENTER, "", presses[-1].timestamp_ms + 500)) == [Pass()]


def test_with_a_suffix_enter_before_the_suffix_is_not_a_scan() -> None:
    decoder = WedgeDecoder(WedgeSettings(suffix="$"))
    answers = run(decoder, keys("123456", [0, 6, 6, 6, 6, 6, 6]))
    assert scans(answers) == []


def test_a_scanner_without_terminator_is_recognised_when_the_burst_stops() -> None:
    decoder = WedgeDecoder(WedgeSettings(require_terminator=False, terminators=frozenset()))
    presses = keys("8901234567890", SCANNER_GAPS_MS, enter=False)
    answers = run(decoder, presses, settle=False)
    assert scans(answers) == []
    assert scans(decoder.tick(presses[-1].timestamp_ms + 41)) == ["8901234567890"]


def test_without_terminator_a_new_key_after_the_gap_completes_the_previous_scan() -> None:
    decoder = WedgeDecoder(WedgeSettings(require_terminator=False))
    presses = keys("12345678", [0, 5, 5, 5, 5, 5, 5, 5], enter=False)
    run(decoder, presses, settle=False)
    answers = decoder.feed(KeyInput(KeyKind.CHAR, "x", presses[-1].timestamp_ms + 300))
    assert answers == [Scanned("12345678"), Hold()]


def test_without_terminator_a_short_burst_is_still_typing() -> None:
    decoder = WedgeDecoder(WedgeSettings(require_terminator=False, min_length=6))
    decoder.feed(KeyInput(KeyKind.CHAR, "a", 0))
    assert decoder.tick(100) == [Release((KeyInput(KeyKind.CHAR, "a", 0),))]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_gap_ms": 0}, "max_gap_ms"),
        ({"min_length": 0}, "min_length"),
        ({"terminators": frozenset({KeyKind.CHAR})}, "terminators"),
        ({"terminators": frozenset()}, "needs a terminator"),
    ],
)
def test_bad_wedge_settings_are_rejected_with_a_clear_message(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(DeviceConfigError, match=message):
        WedgeSettings(**kwargs)  # type: ignore[arg-type]
