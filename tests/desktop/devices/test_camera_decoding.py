"""The camera path reads barcode images made by other libraries, degraded ones included.

The images come from the benchmark's generator (python-barcode and segno; DataMatrix from
zxing-cpp's writer, see bench/barcode_decoding.py), so the accuracy asserted here is the
accuracy the benchmark reports for the same set.
"""

from __future__ import annotations

import importlib.util
import io
import sys
from pathlib import Path
from types import ModuleType

import pytest
from PIL import Image

from desktop.devices.errors import DecoderUnavailable, DeviceConfigError
from desktop.devices.scanner import camera
from desktop.devices.scanner.base import ScannedCode, ScanSource
from desktop.devices.scanner.camera import (
    DEFAULT_ENGINE,
    Decoded,
    Engine,
    FrameScanner,
    Symbology,
    available_engines,
    decode_image,
)

ROOT = Path(__file__).resolve().parents[3]
REPORTED_ACCURACY = {Engine.BOTH: 0.931, Engine.ZXING: 0.835, Engine.PYZBAR: 0.662}
"""The ALL rows of the benchmark's table (8 codes per symbology, 10 degradations)."""


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "barcode_decoding", ROOT / "bench" / "barcode_decoding.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["barcode_decoding"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_bench()


@pytest.fixture(scope="module")
def samples(bench: ModuleType) -> list:  # type: ignore[type-arg]
    return bench.make_samples(8)


def frame_of(bench: ModuleType, sample: object, degradation: str = "clean") -> Image.Image:
    return bench.as_camera_frame(bench.DEGRADATIONS[degradation](sample.image))  # type: ignore[attr-defined]


def test_the_default_engine_is_zxing_with_pyzbar_as_fallback() -> None:
    assert DEFAULT_ENGINE is Engine.BOTH
    assert available_engines() == (Engine.ZXING, Engine.PYZBAR, Engine.BOTH)


@pytest.mark.parametrize("engine", [Engine.BOTH, Engine.ZXING, Engine.PYZBAR])
def test_each_engine_reads_the_benchmark_set_at_the_reported_accuracy(
    bench: ModuleType,
    samples: list,
    engine: Engine,  # type: ignore[type-arg]
) -> None:
    cells, _ = bench.measure(samples, (engine,))
    assert bench.accuracy(cells, engine) >= REPORTED_ACCURACY[engine]
    clean = [c for (e, _, d), c in cells.items() if d == "clean"]
    if engine is not Engine.PYZBAR:
        assert all(c.reads == c.total for c in clean), "every clean code is read"


def test_pyzbar_cannot_read_datamatrix_but_the_default_can(
    bench: ModuleType,
    samples: list,  # type: ignore[type-arg]
) -> None:
    matrix = next(s for s in samples if s.symbology is Symbology.DATAMATRIX)
    frame = frame_of(bench, matrix, "rot15")
    assert decode_image(frame, Engine.PYZBAR) == []
    assert decode_image(frame) == [Decoded(matrix.expected, Symbology.DATAMATRIX)]


def test_the_fallback_reads_a_low_contrast_ean_that_zxing_alone_misses(
    bench: ModuleType,
    samples: list,  # type: ignore[type-arg]
) -> None:
    ean = next(s for s in samples if s.symbology is Symbology.EAN13)
    frame = frame_of(bench, ean, "contrast")
    assert decode_image(frame, Engine.ZXING) == []
    assert decode_image(frame, Engine.BOTH) == [Decoded(ean.expected, Symbology.EAN13)]


@pytest.mark.parametrize("engine", [Engine.ZXING, Engine.PYZBAR])
def test_a_upc_a_is_reported_as_its_twelve_digits_by_either_engine(
    bench: ModuleType,
    samples: list,
    engine: Engine,  # type: ignore[type-arg]
) -> None:
    upc = next(s for s in samples if s.symbology is Symbology.UPCA)
    assert len(upc.expected) == 12
    assert decode_image(frame_of(bench, upc), engine) == [Decoded(upc.expected, Symbology.UPCA)]


def test_an_image_file_can_be_decoded_by_path(
    bench: ModuleType,
    samples: list,
    tmp_path: Path,  # type: ignore[type-arg]
) -> None:
    qr = next(s for s in samples if s.symbology is Symbology.QR)
    path = tmp_path / "receipt.png"
    frame_of(bench, qr).save(path)
    assert decode_image(path) == [Decoded(qr.expected, Symbology.QR)]
    assert decode_image(str(path), Engine.PYZBAR) == [Decoded(qr.expected, Symbology.QR)]


def test_a_blank_picture_has_no_codes() -> None:
    assert decode_image(Image.new("L", (640, 480), 255)) == []


def test_a_file_that_is_not_an_image_is_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "scan.png"
    bogus.write_bytes(b"not a png")
    with pytest.raises(DeviceConfigError, match="cannot read the image"):
        decode_image(bogus)
    with pytest.raises(DeviceConfigError, match="cannot read the image"):
        decode_image(tmp_path / "missing.png")


def test_without_libzbar_pyzbar_says_what_to_install_and_the_default_still_works(
    monkeypatch: pytest.MonkeyPatch,
    bench: ModuleType,
    samples: list,  # type: ignore[type-arg]
) -> None:
    def no_zbar() -> object:
        raise DecoderUnavailable("pyzbar cannot find the zbar library: install libzbar0")

    monkeypatch.setattr(camera, "_zbar_module", no_zbar)
    assert available_engines() == (Engine.ZXING,)
    with pytest.raises(DecoderUnavailable, match="libzbar0"):
        decode_image(Image.new("L", (10, 10), 255), Engine.PYZBAR)
    assert decode_image(Image.new("L", (64, 64), 255), Engine.BOTH) == []


def test_a_missing_zbar_library_is_reported_as_decoder_unavailable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "pyzbar", None)
    monkeypatch.setitem(sys.modules, "pyzbar.pyzbar", None)
    with pytest.raises(DecoderUnavailable, match="libzbar0"):
        camera._zbar_module()


# ----------------------------------------------------------------- frame scanner
def png_frame(image: Image.Image) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    buffer.seek(0)
    return Image.open(buffer)


def test_a_code_is_reported_once_after_two_agreeing_frames(
    bench: ModuleType,
    samples: list,  # type: ignore[type-arg]
) -> None:
    ean = next(s for s in samples if s.symbology is Symbology.EAN13)
    other = next(s for s in samples if s.symbology is Symbology.EAN8)
    blank = Image.new("RGB", (640, 480), (200, 200, 200))
    got: list[ScannedCode] = []
    scanner = FrameScanner()
    scanner.start(got.append)
    frames = [frame_of(bench, ean)] * 4 + [blank, frame_of(bench, other), blank]
    frames += [frame_of(bench, ean)] * 2
    results = [scanner.feed(png_frame(f)) for f in frames]
    expected = ScannedCode(ean.expected, ScanSource.CAMERA, "EAN13")
    assert results == [None, expected, None, None, None, None, None, None, expected]
    assert got == [expected, expected], "held in view: once; shown again later: again"


def test_two_codes_in_view_are_not_guessed_between(
    bench: ModuleType,
    samples: list,  # type: ignore[type-arg]
) -> None:
    first = frame_of(bench, samples[0])
    second = frame_of(bench, samples[4])
    both = Image.new("RGB", (first.width + second.width, max(first.height, second.height)), "white")
    both.paste(first, (0, 0))
    both.paste(second, (first.width, 0))
    scanner = FrameScanner(confirmations=1)
    scanner.start(lambda code: None)
    assert scanner.feed(both) is None


def test_a_stopped_frame_scanner_decodes_nothing() -> None:
    scanner = FrameScanner(confirmations=1)
    assert scanner.feed(Image.new("L", (8, 8))) is None
    scanner.start(lambda code: None)
    scanner.stop()
    assert scanner.feed(Image.new("L", (8, 8))) is None


def test_a_frame_scanner_needs_at_least_one_confirmation() -> None:
    with pytest.raises(DeviceConfigError, match="confirmations"):
        FrameScanner(confirmations=0)
